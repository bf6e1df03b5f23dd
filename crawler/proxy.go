package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"

	"golang.org/x/net/http/httpproxy"
	"golang.org/x/net/proxy"
)

// network is how the crawler reaches hosts: directly or through a proxy,
// with DenyPrivate checked wherever the crawler itself knows the address.
//
// Where a name is resolved decides what DenyPrivate can check. Direct
// connections and socks5:// proxies resolve names here: every address is
// checked as it is dialed. http://, https:// and socks5h:// proxies
// resolve names themselves: only a host given as an IP address, or
// localhost, can be refused, before the request is sent. The connection to
// the proxy itself is never refused, since proxies are usually on private
// addresses.
type network struct {
	guarded, open *net.Dialer
	denyPrivate   bool
	proxy         func(*http.Request) (*url.URL, error) // http(s) proxies; nil for none
	socks         proxy.ContextDialer                   // a socks5 or socks5h proxy, or nil
	socksResolve  bool                                  // socks5: names are resolved here
	viaTransport  bool                                  // Config.Transport dials, not crawl

	mu      sync.Mutex
	proxies map[string]bool // host:port of every http(s) proxy used, dialed unguarded
}

// newNetwork reads a Config's Proxy: "" for the standard environment
// variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY and their lower-case forms),
// "none" for none, or a proxy URL.
func newNetwork(cfg Config, guarded, open *net.Dialer) (*network, error) {
	n := &network{guarded: guarded, open: open, denyPrivate: cfg.DenyPrivate, proxies: make(map[string]bool)}
	switch cfg.Proxy {
	case "":
		// What http.ProxyFromEnvironment does, but read now rather than
		// once per process, and a value it would ignore is an error, as
		// the same value given to --proxy is.
		env := httpproxy.FromEnvironment()
		if err := checkEnvProxies(env); err != nil {
			return nil, err
		}
		fromEnv := env.ProxyFunc()
		n.proxy = func(req *http.Request) (*url.URL, error) { return fromEnv(req.URL) }
		return n, nil
	case "none":
		return n, nil
	}
	if err := checkProxyURL(cfg.Proxy, false); err != nil {
		return nil, fmt.Errorf("proxy %q: %w", cfg.Proxy, err)
	}
	u, _ := url.Parse(cfg.Proxy)
	switch u.Scheme {
	case "http", "https":
		n.proxy = http.ProxyURL(u)
	case "socks5", "socks5h":
		var auth *proxy.Auth
		if u.User != nil {
			pass, _ := u.User.Password()
			auth = &proxy.Auth{User: u.User.Username(), Password: pass}
		}
		d, err := proxy.SOCKS5("tcp", u.Host, auth, open)
		if err != nil {
			return nil, fmt.Errorf("proxy %q: %w", cfg.Proxy, err)
		}
		n.socks, n.socksResolve = d.(proxy.ContextDialer), u.Scheme == "socks5"
	} // checkProxyURL let no other scheme through
	return n, nil
}

// proxyFor is the transport's Proxy function: it notes the proxies used,
// whose connections dial leaves unguarded.
func (n *network) proxyFor(req *http.Request) (*url.URL, error) {
	if n.proxy == nil {
		return nil, nil
	}
	u, err := n.proxy(req)
	if u != nil {
		n.mu.Lock()
		n.proxies[hostPort(u)] = true
		n.mu.Unlock()
	}
	return u, err
}

// dial is the transport's DialContext.
func (n *network) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	toProxy := n.proxies[addr]
	n.mu.Unlock()
	switch {
	case toProxy:
		return n.open.DialContext(ctx, network, addr)
	case n.socks == nil:
		return n.guarded.DialContext(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if n.socksResolve {
		// socks5: resolve here, check, and give the proxy an address.
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		var firstErr error
		for _, ip := range ips {
			if err := n.check(ip); err != nil {
				firstErr = cmpErr(firstErr, err)
				continue
			}
			conn, err := n.socks.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return conn, nil
			}
			firstErr = cmpErr(firstErr, err)
		}
		return nil, firstErr
	}
	if err := n.checkLiteral(host); err != nil {
		return nil, err
	}
	return n.socks.DialContext(ctx, network, addr)
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func (n *network) check(ip netip.Addr) error {
	if n.denyPrivate && isPrivate(ip) {
		return fmt.Errorf("connection to private address %s %w (--deny-private)", ip.Unmap(), errDenied)
	}
	return nil
}

// checkLiteral refuses, with DenyPrivate, a host that a proxy would resolve
// but that is plainly private: an IP address, or localhost.
func (n *network) checkLiteral(host string) error {
	if !n.denyPrivate {
		return nil
	}
	h := strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return fmt.Errorf("connection to %s %w (--deny-private)", host, errDenied)
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return n.check(ip)
	}
	return nil
}

// prepare readies a request for an http(s) proxy, if it goes through one:
// with DenyPrivate, a host the proxy would resolve is refused when it is
// plainly private; and a plain-http request gets the absolute-form request
// line a proxy needs. net/http writes that form only for a URL without an
// Opaque path, and crawl sends paths as Opaque to keep them exactly as the
// URL Standard serialized them: an Opaque starting with "//host" gives the
// same line, byte for byte. A path starting with "//" is sent as Path, not
// Opaque (see newRequest), which net/http puts in absolute form itself.
func (n *network) prepare(req *http.Request) error {
	if n.viaTransport {
		return n.checkLiteral(req.URL.Hostname())
	}
	if n.proxy == nil {
		return nil
	}
	u, err := n.proxy(req)
	if err != nil || u == nil {
		return err
	}
	if err := n.checkLiteral(req.URL.Hostname()); err != nil {
		return err
	}
	if req.URL.Scheme == "http" && req.URL.Opaque != "" && !strings.HasPrefix(req.URL.Opaque, "//") {
		r := *req.URL
		r.Opaque = "//" + r.Host + r.Opaque
		req.URL = &r
	}
	return nil
}

// hostPort is the address a proxy URL is dialed at.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// checkEnvProxies checks the proxies the environment names, as --proxy's
// value is checked: a proxy that cannot be used is an error naming its
// variable, never a silent direct connection. As for Go and curl, a value
// without a scheme is an http:// proxy; in a CGI environment
// (REQUEST_METHOD set) HTTP_PROXY is ignored, Go's guard against httpoxy.
func checkEnvProxies(env *httpproxy.Config) error {
	vars := []struct {
		names []string
		value string
	}{
		{[]string{"HTTPS_PROXY", "https_proxy"}, env.HTTPSProxy},
		{[]string{"HTTP_PROXY", "http_proxy"}, env.HTTPProxy},
	}
	for _, v := range vars {
		if v.value == "" || env.CGI && v.names[0] == "HTTP_PROXY" {
			continue
		}
		name := v.names[0]
		if os.Getenv(name) == "" {
			name = v.names[1]
		}
		if err := checkProxyURL(v.value, true); err != nil {
			return fmt.Errorf("%s=%q: %w (fix or unset it, or give --proxy)", name, v.value, err)
		}
	}
	return nil
}

// errProxyURL is what a proxy URL that cannot be used is told.
var errProxyURL = errors.New("want a URL such as http://host:3128 or socks5://host:1080")

// checkProxyURL checks a proxy URL: one that parses, with an http, https,
// socks5 or socks5h scheme (http assumed when lenient and there is none)
// and a host that is a name or an IP address.
func checkProxyURL(s string, lenient bool) error {
	u, err := url.Parse(s)
	if lenient && (err != nil || u.Scheme == "" || u.Host == "") {
		if u2, err2 := url.Parse("http://" + s); err2 == nil {
			u, err = u2, nil
		}
	}
	if err != nil || u.Host == "" {
		return errProxyURL
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return fmt.Errorf("want an http, https, socks5 or socks5h URL")
	}
	host := u.Hostname()
	if host == "" || strings.ContainsAny(host, " \t") {
		return errProxyURL
	}
	if strings.Contains(host, ":") {
		if _, err := netip.ParseAddr(host); err != nil {
			return errProxyURL
		}
	}
	return nil
}
