package crawler

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestProxyFromEnvironment reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY (in
// either case) when the crawler is made, and --proxy none ignores them.
func TestProxyFromEnvironment(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.example:3128")
	t.Setenv("https_proxy", "http://secure-proxy.example:3129")
	t.Setenv("NO_PROXY", "direct.example,.internal.example")
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ url, proxy string }{
		{"http://site.example/", "http://proxy.example:3128"},
		{"https://site.example/", "http://secure-proxy.example:3129"},
		{"http://direct.example/", ""},
		{"http://a.internal.example/", ""},
		{"http://localhost:8080/", ""}, // as Go's own: never for loopback
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", tt.url, nil)
		u, err := c.net.proxyFor(req)
		got := ""
		if u != nil {
			got = u.String()
		}
		if err != nil || got != tt.proxy {
			t.Errorf("%s: proxy %q (%v), want %q", tt.url, got, err, tt.proxy)
		}
	}
	none, _ := New(Config{Proxy: "none"})
	req, _ := http.NewRequest("GET", "http://site.example/", nil)
	if u, _ := none.net.proxyFor(req); u != nil {
		t.Errorf("Proxy none: %v", u)
	}
	for _, bad := range []string{"ftp://x:21", "not a url", "socks4://x:1080"} {
		if _, err := New(Config{Proxy: bad}); err == nil {
			t.Errorf("Proxy %q accepted", bad)
		}
	}
}

// TestHooks: OnRequest sees every request (robots.txt included) and may
// change its header alone; its error fails the URL. A Transport of the
// user's sends every request, with DenyPrivate still refusing what it can.
func TestHooks(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Get("X-Token")
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<p>ok")
	}))
	defer srv.Close()
	cfg := Config{OnRequest: func(req *http.Request) error {
		if req.URL.Path == "/refused" {
			return errors.New("not this one")
		}
		req.Header.Set("X-Token", "t-"+req.URL.Path)
		return nil
	}}
	m := crawlAll(t, cfg, srv.URL+"/a", srv.URL+"/b", srv.URL+"/refused")
	for _, p := range []string{"/robots.txt", "/a", "/b"} {
		if seen[p] != "t-"+p {
			t.Errorf("%s: X-Token %q", p, seen[p])
		}
	}
	if rec, _ := m.Get(srv.URL + "/refused"); rec.Error != "OnRequest: not this one" {
		t.Errorf("refused by the hook: %+v", rec)
	}

	var sent atomic.Int64
	cfg = Config{Transport: roundTripper(func(req *http.Request) (*http.Response, error) {
		sent.Add(1)
		return (&http.Transport{}).RoundTrip(req)
	}), IgnoreRobots: true}
	m = crawlAll(t, cfg, srv.URL+"/c")
	if rec, _ := m.Get(srv.URL + "/c"); rec.Status != 200 || sent.Load() != 1 {
		t.Errorf("through the Transport: %+v, %d requests", rec, sent.Load())
	}
	cfg.DenyPrivate = true
	m = crawlAll(t, cfg, srv.URL+"/d")
	if rec, _ := m.Get(srv.URL + "/d"); !strings.Contains(rec.Error, "denied") || sent.Load() != 1 {
		t.Errorf("DenyPrivate with a Transport: %+v, %d requests", rec, sent.Load())
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
