package crawler

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The tests in this file are the regressions of the defects of issue 17
// ("trust before breadth") in the crawler.

// headerLog records, per path, the credentials each request carried.
type headerLog struct {
	mu   sync.Mutex
	seen map[string][]string // path -> "Authorization|Cookie" of each request
}

func (h *headerLog) note(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen == nil {
		h.seen = make(map[string][]string)
	}
	h.seen[r.URL.Path] = append(h.seen[r.URL.Path], r.Header.Get("Authorization")+"|"+r.Header.Get("Cookie"))
}

func (h *headerLog) all() map[string][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string][]string, len(h.seen))
	for k, v := range h.seen {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// TestCredentialsStayOnTheInputsOrigin: -H Authorization and Cookie reach
// the input's origin, pages and robots.txt, and never another origin,
// neither through a redirect (its robots.txt included) nor through a link
// that --scope host follows to another port of the same host name.
func TestCredentialsStayOnTheInputsOrigin(t *testing.T) {
	var own, other headerLog
	otherSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.note(r)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/deeper">deeper</a>`)
	}))
	defer otherSrv.Close()
	ownSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		own.note(r)
		switch r.URL.Path {
		case "/go":
			http.Redirect(w, r, otherSrv.URL+"/landed", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<a href="/go">go</a> <a href="%s/linked">other port</a>`, otherSrv.URL)
	}))
	defer ownSrv.Close()

	h := make(http.Header)
	h.Set("Authorization", "Bearer secret")
	h.Set("Cookie", "session=1")
	c := newTestCrawler(t, Config{Header: h, Depth: 2})
	recs := crawlRecords(t, c, ownSrv.URL+"/")
	if rec := recs[otherSrv.URL+"/linked"]; rec.Status != 200 {
		t.Fatalf("the other port's page was not crawled: %+v", rec)
	}
	for path, sent := range own.all() {
		for _, s := range sent {
			if s != "Bearer secret|session=1" {
				t.Errorf("input origin %s got %q, want the credentials", path, s)
			}
		}
	}
	got := other.all()
	for _, path := range []string{"/robots.txt", "/landed", "/linked", "/deeper"} {
		if len(got[path]) == 0 {
			t.Errorf("other origin: %s never requested", path)
		}
	}
	for path, sent := range got {
		for _, s := range sent {
			if s != "|" {
				t.Errorf("other origin %s got credentials %q", path, s)
			}
		}
	}
}

// TestRequestLineIsOriginForm sends a URL whose path starts with "//" in
// origin form, as browsers and curl do: the request line is the path, not
// an absolute URL, which small servers route by the host it names.
func TestRequestLineIsOriginForm(t *testing.T) {
	lines := make(chan string, 4)
	base := rawServerLine(t, func(conn net.Conn, line string) {
		lines <- line
		fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	})
	host := strings.TrimPrefix(strings.TrimSuffix(base, "/"), "http://")
	u := "http://" + host + "//evil.example/path?q=1"
	m := crawlAll(t, faultConfig, u)
	if rec, _ := m.Get(u); rec.Status != 200 {
		t.Errorf("record %+v", rec)
	}
	select {
	case line := <-lines:
		if want := "GET //evil.example/path?q=1 HTTP/1.1"; line != want {
			t.Errorf("request line %q, want %q", line, want)
		}
	default:
		t.Fatal("no request reached the server")
	}
	// Through an http proxy, the request line is the absolute URL, naming
	// the URL's own host.
	cfg := faultConfig
	cfg.Proxy = strings.TrimSuffix(base, "/")
	crawlAll(t, cfg, u)
	select {
	case line := <-lines:
		if want := "GET " + u + " HTTP/1.1"; line != want {
			t.Errorf("request line to the proxy %q, want %q", line, want)
		}
	default:
		t.Fatal("no request reached the proxy")
	}
}

// TestExcludeSeesThroughEscapes: a link to /%6Cogout is /logout to the
// server, and to --exclude /logout; it is counted under exclude.
func TestExcludeSeesThroughEscapes(t *testing.T) {
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/%6Cogout">out</a> <a href="/%6cogout?x">out</a> <a href="/ok">ok</a>`)
	}))
	defer srv.Close()
	c := newTestCrawler(t, Config{Depth: 1, Exclude: []*regexp.Regexp{regexp.MustCompile(`/logout`)}})
	recs := crawlRecords(t, c, srv.URL+"/")
	if _, ok := hits.Load("/logout"); ok {
		t.Error("/%6Cogout was fetched despite --exclude /logout")
	}
	if _, ok := recs[srv.URL+"/ok"]; !ok {
		t.Error("/ok was not crawled")
	}
	if n := c.Progress().NotFollowed[skipExclude]; n != 2 {
		t.Errorf("not followed for exclude: %d, want 2 (%v)", n, c.Progress().NotFollowed)
	}
}

// TestSitemapObeysItsHostsRobots: host A's robots.txt names a sitemap on
// host B, whose robots.txt disallows it, and one on A that redirects to a
// path of B it disallows: neither is fetched.
func TestSitemapObeysItsHostsRobots(t *testing.T) {
	var bHits sync.Map
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bHits.Store(r.URL.Path, true)
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /sitemaps/\n")
		default:
			fmt.Fprint(w, urlset("http://"+r.Host+"/from-b"))
		}
	}))
	defer b.Close()
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprintf(w, "User-agent: *\nSitemap: %s/sitemaps/b.xml\nSitemap: http://%s/moved.xml\n", b.URL, r.Host)
		case "/moved.xml":
			http.Redirect(w, r, b.URL+"/sitemaps/moved.xml", http.StatusMovedPermanently)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<p>home")
		}
	}))
	defer a.Close()
	c := newTestCrawler(t, Config{Depth: 1, Sitemap: true, Scope: ScopeAny})
	recs := crawlRecords(t, c, a.URL+"/")
	for _, p := range []string{"/sitemaps/b.xml", "/sitemaps/moved.xml"} {
		if _, ok := bHits.Load(p); ok {
			t.Errorf("%s fetched, though B's robots.txt disallows it", p)
		}
	}
	if _, ok := bHits.Load("/robots.txt"); !ok {
		t.Error("B's robots.txt was never asked for")
	}
	if len(recs) != 1 {
		t.Errorf("records %v, want the input only", recs)
	}
}

// TestMalformedEnvProxyIsAnError: a proxy variable that cannot be used is
// an error naming it, as the same value given as Config.Proxy is, never a
// silent direct connection; a value without a scheme is http://, and in a
// CGI environment HTTP_PROXY is ignored (Go's httpoxy guard).
func TestMalformedEnvProxyIsAnError(t *testing.T) {
	tests := []struct {
		env, value string
		cgi        bool
		err        string // "" for none
	}{
		{"HTTP_PROXY", " http://proxy.example:3128", false, `HTTP_PROXY=" http://proxy.example:3128"`},
		{"https_proxy", "::::", false, `https_proxy="::::"`},
		{"HTTPS_PROXY", "ftp://proxy.example:21", false, "HTTPS_PROXY"},
		{"HTTP_PROXY", "proxy.example:3128", false, ""},
		{"HTTP_PROXY", "socks5://proxy.example:1080", false, ""},
		{"HTTP_PROXY", "::::", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			for _, v := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "REQUEST_METHOD"} {
				t.Setenv(v, "")
			}
			t.Setenv(tt.env, tt.value)
			if tt.cgi {
				t.Setenv("REQUEST_METHOD", "GET")
			}
			_, err := New(Config{})
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want one naming %s", err, tt.err)
			}
		})
	}
	for _, bad := range []string{" http://proxy.example:3128", "::::", "http://::::"} {
		if _, err := New(Config{Proxy: bad}); err == nil {
			t.Errorf("Proxy %q accepted", bad)
		}
	}
}

// TestSitemapReadInPart: the URLs of a sitemap read before its XML error
// are crawled; its image URLs are not.
func TestSitemapReadInPart(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sitemap.xml":
			fmt.Fprintf(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">`+
				`<url><loc>%[1]s/one</loc><image:image><image:loc>%[1]s/one.jpg</image:loc></image:image></url>`+
				`<url><loc>%[1]s/two</loc></url><url><loc <broken`, srv.URL)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<p>page")
		}
	}))
	defer srv.Close()
	c := newTestCrawler(t, Config{Depth: 1, Sitemap: true, IgnoreRobots: true})
	recs := crawlRecords(t, c, srv.URL+"/")
	for _, p := range []string{"/", "/one", "/two"} {
		if _, ok := recs[srv.URL+p]; !ok {
			t.Errorf("%s not crawled", p)
		}
	}
	if _, ok := recs[srv.URL+"/one.jpg"]; ok || len(recs) != 3 {
		t.Errorf("records %d, the image among them: %v", len(recs), ok)
	}
}

// TestURLCredentialsWaitForTheChallenge: user:pass@ in a URL is sent as
// Basic authorization only after the server's 401 asks for it, as
// Chromium does, never before.
func TestURLCredentialsWaitForTheChallenge(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		if user, pass, ok := r.BasicAuth(); !ok || user != "us er" || pass != "p@ss" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<button id="in">in</button>`)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://us%20er:p%40ss@", 1) + "/private"
	m := crawlAll(t, faultConfig, u, srv.URL+"/no-credentials")
	if rec, _ := m.Get(u); rec.Status != 200 || len(rec.Button) != 1 {
		t.Errorf("with credentials: %+v", rec)
	}
	if rec, _ := m.Get(srv.URL + "/no-credentials"); rec.Status != 401 {
		t.Errorf("without credentials: %+v", rec)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]bool{"/private ": true, "/private Basic dXMgZXI6cEBzcw==": true, "/no-credentials ": true}
	if len(seen) != 3 {
		t.Errorf("requests %q, want one without credentials, then one with them, and one without any", seen)
	}
	for _, s := range seen {
		if !want[s] {
			t.Errorf("request %q", s)
		}
	}
	if slices.Index(seen, "/private ") > slices.Index(seen, "/private Basic dXMgZXI6cEBzcw==") {
		t.Errorf("requests %q: the credentials went before any challenge", seen)
	}
}
