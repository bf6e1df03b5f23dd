package crawler

import (
	"net/http"
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
