package crawler

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crawlkit/crawl/results"
)

func TestIsPrivate(t *testing.T) {
	tests := []struct {
		addr    string
		private bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true},
		{"10.1.2.3", true}, {"172.16.0.1", true}, {"172.31.255.255", true}, {"192.168.1.1", true}, {"fd00::1", true},
		{"169.254.169.254", true}, {"fe80::1", true},
		{"0.0.0.0", true}, {"0.1.2.3", true}, {"::", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"::ffff:169.254.169.254", true},
		{"100.64.0.1", true}, {"224.0.0.1", true}, {"255.255.255.255", true}, {"64:ff9b::7f00:1", true},
		{"8.8.8.8", false}, {"1.1.1.1", false}, {"172.32.0.1", false}, {"2606:4700::1111", false}, {"::ffff:8.8.8.8", false},
	}
	for _, tt := range tests {
		if got := isPrivate(netip.MustParseAddr(tt.addr)); got != tt.private {
			t.Errorf("isPrivate(%s) = %v, want %v", tt.addr, got, tt.private)
		}
	}
}

// TestDenyPrivateRedirects redirects from an allowed server to private
// addresses: with DenyPrivate, each is refused when dialing and the target
// never sees a request. (The redirecting server is on 127.0.0.1 too, so the
// test lets its port through; everything else goes through denyPrivate.)
func TestDenyPrivateRedirects(t *testing.T) {
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "secret")
	}))
	defer target.Close()
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	targets := []string{
		"http://127.0.0.1:" + port + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
		"http://0.0.0.0:" + port + "/",
		"http://localhost:" + port + "/",
	}
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.URL.Path, "/%d", &i)
		http.Redirect(w, r, targets[i], http.StatusFound)
	}))
	defer redirector.Close()
	allowed := netip.MustParseAddrPort(redirector.Listener.Addr().String())

	cfg := faultConfig
	cfg.DenyPrivate = true
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.dialCheck = func(network, address string, rc syscall.RawConn) error {
		if ap, err := netip.ParseAddrPort(address); err == nil && ap == allowed {
			return nil
		}
		return denyPrivate(network, address, rc)
	}
	var urls []string
	for i := range targets {
		urls = append(urls, fmt.Sprintf("%s/%d", redirector.URL, i))
	}
	urls = append(urls, target.URL+"/direct")
	m := results.NewMap()
	if err := c.Run(context.Background(), seedsOf(urls...), m); err != nil {
		t.Fatal(err)
	}
	for _, rec := range m.Sorted() {
		if !strings.Contains(rec.Error, "denied") || rec.Attempts != 1 {
			t.Errorf("%s: error %q after %d attempts, want a denied connection, not retried", rec.URL, rec.Error, rec.Attempts)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the private server got %d requests", n)
	}
}

// robotsSite serves a robots.txt answer and counts the requests for pages.
func robotsSite(t *testing.T, robots http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robots(w, r)
			return
		}
		pages.Add(1)
		fmt.Fprint(w, "<a href=/x>x</a>")
	}))
	t.Cleanup(srv.Close)
	return srv, &pages
}

func TestRobots(t *testing.T) {
	rules := "User-agent: *\nDisallow: /private\n\nUser-agent: crawl\nDisallow: /private\nDisallow: /only-for-crawl\n"
	huge := "User-agent: *\nDisallow: /private\n" + strings.Repeat("# padding to ten megabytes\n", 10<<20/27)
	tests := []struct {
		name       string
		robots     http.HandlerFunc
		disallowed []string // paths expected to be refused
		allowed    []string
		refusal    string // the error of a refused path, "disallowed by robots.txt" by default
	}{
		{"200 with rules", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, rules) },
			[]string{"/private/a", "/only-for-crawl"}, []string{"/public", "/"}, ""},
		{"404", http.NotFound, nil, []string{"/private/a", "/public"}, ""},
		{"403", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }, nil, []string{"/private/a"}, ""},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }, []string{"/public", "/private/a"}, nil, ""},
		// No answer: the host is disallowed, and the record says why.
		{"timeout", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, []string{"/public"}, nil, "timeout: "},
		{"10 MB", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, huge) }, []string{"/private/a"}, []string{"/public"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, pages := robotsSite(t, tt.robots)
			cfg := faultConfig
			cfg.IgnoreRobots = false
			if tt.refusal == "" {
				// Only the row about a timeout needs a short one: under
				// -race on a busy machine, 10 MB can outlast 500ms.
				cfg.Timeout = 10 * time.Second
			}
			var urls []string
			for _, p := range append(append([]string{}, tt.disallowed...), tt.allowed...) {
				urls = append(urls, srv.URL+p)
			}
			m := crawlAll(t, cfg, urls...)
			for _, p := range tt.disallowed {
				want := cmp.Or(tt.refusal, "disallowed by robots.txt")
				if rec, _ := m.Get(srv.URL + p); !strings.HasPrefix(rec.Error, want) {
					t.Errorf("%s: error %q, want %s", p, rec.Error, want)
				}
			}
			for _, p := range tt.allowed {
				if rec, _ := m.Get(srv.URL + p); rec.Error != "" || rec.Status != 200 {
					t.Errorf("%s: %+v, want it fetched", p, rec)
				}
			}
			if n := pages.Load(); n != int64(len(tt.allowed)) {
				t.Errorf("%d page requests, want %d: disallowed pages must not be fetched", n, len(tt.allowed))
			}
		})
	}
}

// TestRobotsFetchedOncePerHost crawls many URLs of one host.
func TestRobotsFetchedOncePerHost(t *testing.T) {
	var fetches atomic.Int64
	srv, _ := robotsSite(t, func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		fmt.Fprint(w, "User-agent: *\nDisallow:\n")
	})
	cfg := faultConfig
	cfg.IgnoreRobots = false
	var urls []string
	for i := range 50 {
		urls = append(urls, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	crawlAll(t, cfg, urls...)
	if n := fetches.Load(); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once", n)
	}
}

// TestCrawlDelay checks that robots.txt's Crawl-delay spaces requests.
func TestCrawlDelay(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nCrawl-delay: 0.3\n")
			return
		}
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()
	cfg := faultConfig
	cfg.IgnoreRobots = false
	cfg.Timeout = 10 * time.Second // not about timeouts
	crawlAll(t, cfg, srv.URL+"/a", srv.URL+"/b", srv.URL+"/c", srv.URL+"/d")
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 4 {
		t.Fatalf("%d requests, want 4", len(times))
	}
	for i := 1; i < len(times); i++ {
		// A request the machine delays shortens the next gap; without the
		// delay, they would all come at once.
		if gap := times[i].Sub(times[i-1]); gap < 200*time.Millisecond {
			t.Errorf("requests %d and %d %v apart, want the Crawl-delay of 0.3s", i-1, i, gap)
		}
	}
}

// TestRateIsPerHost crawls 100 URLs of a host limited to 10 a second and a
// few URLs of another host listed after them: the slow host takes its ten
// seconds, and the other host is not held up behind it.
func TestRateIsPerHost(t *testing.T) {
	start := time.Now()
	var mu sync.Mutex
	last := map[string]time.Duration{}
	handler := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			last[name] = time.Since(start)
			mu.Unlock()
			fmt.Fprint(w, "ok")
		})
	}
	slow := httptest.NewServer(handler("slow"))
	defer slow.Close()
	fast := httptest.NewServer(handler("fast"))
	defer fast.Close()
	var urls []string
	for i := range 100 {
		urls = append(urls, fmt.Sprintf("%s/%d", slow.URL, i))
	}
	for i := range 5 {
		urls = append(urls, fmt.Sprintf("%s/%d", fast.URL, i))
	}
	cfg := faultConfig
	cfg.Rate = 10
	m := crawlAll(t, cfg, urls...)
	if m.Len() != 105 {
		t.Fatalf("%d records", m.Len())
	}
	mu.Lock()
	defer mu.Unlock()
	if last["slow"] < 9*time.Second {
		t.Errorf("100 requests at 10/s took %v, want at least 9s", last["slow"])
	}
	if last["fast"] > 2*time.Second {
		t.Errorf("the other host's 5 URLs finished after %v: held up by the slow host", last["fast"])
	}
}

// TestPerHostLimit checks that no more than PerHost requests are in flight
// to one host, while another host is served at the same time.
func TestPerHostLimit(t *testing.T) {
	var peak peakCounter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer peak.enter()()
		time.Sleep(30 * time.Millisecond)
	}))
	defer srv.Close()
	var urls []string
	for i := range 40 {
		urls = append(urls, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	cfg := faultConfig
	cfg.Concurrency, cfg.PerHost = 16, 3
	crawlAll(t, cfg, urls...)
	if p := peak.peak.Load(); p != 3 {
		t.Errorf("peak in flight to one host %d, want 3", p)
	}
}
