package crawler

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlkit/crawl/internal/weburl"
)

// The tests in this file are the regressions of the defects a hostile new
// user found (issue 8) in the crawler.

// TestRobotsGroupsMatchExactly checks RFC 9309's exact, case-insensitive
// match of the product token: "c" does not bind "crawl", and "crawl" does
// not bind "crawler".
func TestRobotsGroupsMatchExactly(t *testing.T) {
	body := []byte("User-agent: c\nDisallow: /c-only\n\nUser-agent: crawl\nDisallow: /crawl-only\n\nUser-agent: *\nDisallow: /all\n\n" +
		"user-agent: other\nUSER-AGENT: Crawl # a second group for crawl, merged with the first\nDisallow: /second\n")
	tests := []struct {
		ua         string
		disallowed string
		allowed    []string
	}{
		{"crawl/1.0", "/crawl-only", []string{"/c-only", "/all"}},
		{"crawl/1.0", "/second", nil},
		{"CRAWL/2", "/crawl-only", []string{"/c-only"}},
		{"crawler/2.0", "/all", []string{"/crawl-only", "/c-only"}},
		{"c", "/c-only", []string{"/crawl-only", "/all"}},
	}
	for _, tt := range tests {
		c, _ := New(Config{UserAgent: tt.ua})
		rules := c.robotsFrom("h", 200, body, nil)
		if err := rules.allowed(mustURL(t, "http://h"+tt.disallowed)); err == nil {
			t.Errorf("%s: %s allowed", tt.ua, tt.disallowed)
		}
		for _, p := range tt.allowed {
			if err := rules.allowed(mustURL(t, "http://h"+p)); err != nil {
				t.Errorf("%s: %s refused", tt.ua, p)
			}
		}
	}
}

// TestCrawlDelayCapped caps a Crawl-delay of 100000 s at 30 s.
func TestCrawlDelayCapped(t *testing.T) {
	c, _ := New(Config{})
	if r := c.robotsFrom("h", 200, []byte("User-agent: *\nCrawl-delay: 100000\n"), nil); r.crawlDelay != maxCrawlDelay {
		t.Errorf("crawl delay %v, want %v", r.crawlDelay, maxCrawlDelay)
	}
	if r := c.robotsFrom("h", 200, []byte("User-agent: *\nCrawl-delay: 2\n"), nil); r.crawlDelay != 2*time.Second {
		t.Errorf("crawl delay %v, want 2s", r.crawlDelay)
	}
}

// TestBackoffSaturates checks that the backoff never wraps around.
func TestBackoffSaturates(t *testing.T) {
	for n := 1; n < 200; n++ {
		d := backoff(DefaultRetryBackoff, n)
		if n > 8 && d < maxRetryWait/2 || d > maxRetryWait {
			t.Fatalf("backoff(%d) = %v", n, d)
		}
	}
}

// TestStatusAndContentTypeEdges: a status outside 100-599 is an error, an
// unknown one within it has no trailing space, and of two Content-Types the last is
// used, as browsers do.
func TestStatusAndContentTypeEdges(t *testing.T) {
	base := rawServerLine(t, func(conn net.Conn, line string) {
		switch {
		case strings.Contains(line, "/zero"):
			fmt.Fprint(conn, "HTTP/1.1 000 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		case strings.Contains(line, "/999"):
			fmt.Fprint(conn, "HTTP/1.1 999 \r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		case strings.Contains(line, "/432"):
			fmt.Fprint(conn, "HTTP/1.1 432 \r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		default:
			fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\nContent-Length: 23\r\nConnection: close\r\n\r\n<a href=/x>x</a>       ")
		}
	})
	m := crawlAll(t, faultConfig, base+"/zero", base+"/999", base+"/432", base+"/two-types")
	if rec, _ := m.Get(base + "/zero"); rec.Error != "malformed HTTP status 000" {
		t.Errorf("status 000: %+v", rec)
	}
	if rec, _ := m.Get(base + "/999"); rec.Error != "malformed HTTP status 999" {
		t.Errorf("status 999: error %q", rec.Error)
	}
	if rec, _ := m.Get(base + "/432"); rec.Error != "HTTP 432" || rec.Status != 432 {
		t.Errorf("status 432: %+v", rec)
	}
	if rec, _ := m.Get(base + "/two-types"); len(rec.Link) != 1 || rec.ContentType != "text/html" {
		t.Errorf("two Content-Types: %+v", rec)
	}
}

// TestUnreachableHostIsNotARobotsRefusal: a host that cannot be reached
// for its robots.txt gives its URLs the network error and the requests
// made, not a robots.txt refusal.
func TestUnreachableHostIsNotARobotsRefusal(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String() + "/page"
	ln.Close()
	cfg := faultConfig
	cfg.IgnoreRobots = false
	cfg.Retries = 1
	m := crawlAll(t, cfg, dead)
	rec, _ := m.Get(dead)
	if !strings.Contains(rec.Error, "connection refused") || strings.Contains(rec.Error, "robots") || rec.Attempts != 2 {
		t.Errorf("record %+v, want the connection error after 2 attempts", rec)
	}
	// A reachable host answering 503 for robots.txt still defers the host.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	m = crawlAll(t, cfg, srv.URL+"/page")
	if rec, _ := m.Get(srv.URL + "/page"); !strings.HasPrefix(rec.Error, "disallowed by robots.txt (robots.txt answered HTTP 503)") {
		t.Errorf("robots.txt 503: %+v", rec)
	}
}

func mustURL(t *testing.T, s string) *weburl.URL {
	t.Helper()
	u, err := weburl.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return &u
}

// TestRedirectsObeyRobots redirects into another host whose robots.txt
// disallows the target: it is never fetched, whether the redirect comes
// from an input or from a discovered page, and that host's robots.txt is
// read once.
func TestRedirectsObeyRobots(t *testing.T) {
	var robotsHits, privateHits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			robotsHits.Add(1)
			fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
		case "/private", "/private/2":
			privateHits.Add(1)
			fmt.Fprint(w, "secret")
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "public")
		}
	}))
	defer other.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", http.NotFound)
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/private", http.StatusFound)
	})
	mux.HandleFunc("/to-private-2", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/private/2", http.StatusFound)
	})
	mux.HandleFunc("/to-public", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/public", http.StatusFound)
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/to-private-2">p</a>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := faultConfig
	cfg.IgnoreRobots = false
	m := crawlAll(t, cfg, srv.URL+"/to-private", srv.URL+"/to-public")
	if rec, _ := m.Get(srv.URL + "/to-private"); rec.Error != "redirect to "+other.URL+"/private disallowed by robots.txt" {
		t.Errorf("input redirected into a disallowed path: %+v", rec)
	}
	if rec, _ := m.Get(srv.URL + "/to-public"); rec.Error != "" || rec.FinalURL != other.URL+"/public" {
		t.Errorf("input redirected into an allowed path: %+v", rec)
	}

	cfg.Depth = 1
	cfg.Scope = ScopeAny
	c := newTestCrawler(t, cfg)
	recs := crawlRecords(t, c, srv.URL+"/")
	if rec := recs[srv.URL+"/to-private-2"]; rec.Skipped != skipRobots || rec.Status != http.StatusFound || rec.Error != "" {
		t.Errorf("discovered page redirected into a disallowed path: %+v", rec)
	}
	if privateHits.Load() != 0 {
		t.Errorf("the disallowed pages were fetched %d times", privateHits.Load())
	}
	if robotsHits.Load() != 2 { // once per run
		t.Errorf("the other host's robots.txt was fetched %d times in two runs", robotsHits.Load())
	}
}
