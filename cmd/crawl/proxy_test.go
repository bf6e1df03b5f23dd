package main

import (
	"bufio"
	bin "encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// testProxy is an HTTP proxy for the tests: it answers CONNECT and
// absolute-form requests, sends every host to target, wants the
// credentials user:pass, and records what it saw. It drops its own
// Proxy-Authorization before passing a request on.
type testProxy struct {
	target string // host:port every request goes to
	mu     sync.Mutex
	seen   []string // "CONNECT host" or "GET url", with " auth" when the credentials came, " authorization" when a target's did
	agents []string // the User-Agent of each CONNECT
	srv    *httptest.Server
}

func newTestProxy(t *testing.T, target string) *testProxy {
	p := &testProxy{target: target}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testProxy) note(s string, r *http.Request) {
	if r.Header.Get("Proxy-Authorization") == "Basic dXNlcjpwYXNz" { // user:pass
		s += " auth"
	}
	if r.Header.Get("Authorization") != "" {
		s += " authorization"
	}
	p.mu.Lock()
	p.seen = append(p.seen, s)
	p.mu.Unlock()
}

func (p *testProxy) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func (p *testProxy) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.note("CONNECT "+r.Host, r)
		p.mu.Lock()
		p.agents = append(p.agents, r.UserAgent())
		p.mu.Unlock()
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		fmt.Fprint(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, conn); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
		return
	}
	p.note("GET "+r.URL.String(), r)
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Host = p.target
	out.Header.Del("Proxy-Authorization")
	resp, err := (&http.Transport{}).RoundTrip(out) // no proxy of its own
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// socksServer is a SOCKS5 proxy (RFC 1928, and RFC 1929 when user is set)
// that sends every connection to target and records the address it was
// given: "domain NAME" or "ip ADDRESS".
func socksServer(t *testing.T, target, user, pass string) (addr string, seen func() []string) {
	var mu sync.Mutex
	var log []string
	addr = rawServer(t, func(conn net.Conn) {
		dest, ok := socksHandshake(bufio.NewReader(conn), conn, user, pass)
		if !ok {
			return
		}
		mu.Lock()
		log = append(log, dest)
		mu.Unlock()
		up, err := net.Dial("tcp", target)
		if err != nil {
			conn.Write([]byte{5, 1, 0, 1, 0, 0, 0, 0, 0, 0})
			return
		}
		defer up.Close()
		conn.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
		go io.Copy(up, conn)
		io.Copy(conn, up)
	})
	return addr, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), log...)
	}
}

func socksHandshake(r *bufio.Reader, w io.Writer, user, pass string) (string, bool) {
	head := make([]byte, 2)
	if _, err := io.ReadFull(r, head); err != nil || head[0] != 5 {
		return "", false
	}
	methods := make([]byte, head[1])
	io.ReadFull(r, methods)
	if user == "" {
		w.Write([]byte{5, 0})
	} else {
		w.Write([]byte{5, 2})
		var ver, n byte
		bin.Read(r, bin.BigEndian, &ver)
		bin.Read(r, bin.BigEndian, &n)
		u := make([]byte, n)
		io.ReadFull(r, u)
		bin.Read(r, bin.BigEndian, &n)
		p := make([]byte, n)
		io.ReadFull(r, p)
		if string(u) != user || string(p) != pass {
			w.Write([]byte{1, 1})
			return "", false
		}
		w.Write([]byte{1, 0})
	}
	req := make([]byte, 4)
	if _, err := io.ReadFull(r, req); err != nil || req[1] != 1 {
		return "", false
	}
	var dest string
	switch req[3] {
	case 1, 4:
		ip := make([]byte, map[byte]int{1: 4, 4: 16}[req[3]])
		io.ReadFull(r, ip)
		dest = "ip " + net.IP(ip).String()
	case 3:
		n, _ := r.ReadByte()
		name := make([]byte, n)
		io.ReadFull(r, name)
		dest = "domain " + string(name)
	}
	port := make([]byte, 2)
	io.ReadFull(r, port)
	return fmt.Sprintf("%s:%d", dest, bin.BigEndian.Uint16(port)), true
}

func TestHTTPProxy(t *testing.T) {
	var targetSaw sync.Map
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetSaw.Store("proxy-authorization", r.Header.Get("Proxy-Authorization"))
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/next">n</a>`)
	}))
	defer target.Close()
	p := newTestProxy(t, target.Listener.Addr().String())
	proxyURL := "http://user:pass@" + p.srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	site := "http://site.test:" + port

	res := runBinary(t, "", "-f", "jsonl", "--proxy", proxyURL, site+"/page")
	if r := parseJSONL(t, res.stdout)[site+"/page"]; res.code != 0 || r.Status != 200 || len(r.Link) != 1 {
		t.Fatalf("through the proxy: exit %d, %+v\n%s", res.code, r, res.stderr)
	}
	want := []string{"GET " + site + "/robots.txt auth", "GET " + site + "/page auth"}
	if got := p.log(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("the proxy saw %q, want %q", got, want)
	}
	if v, _ := targetSaw.Load("proxy-authorization"); v != "" {
		t.Errorf("the proxy's credentials reached the site: %q", v)
	}

	// --deny-private: a private address is refused before anything is
	// sent; a name the proxy resolves can only be trusted to it.
	before := len(p.log())
	res = runBinary(t, "", "-f", "jsonl", "--proxy", proxyURL, "--deny-private", "http://127.0.0.1:"+port+"/x", site+"/y")
	recs := parseJSONL(t, res.stdout)
	if !strings.Contains(recs["http://127.0.0.1:"+port+"/x"].Error, "127.0.0.1 denied") || recs[site+"/y"].Status != 200 {
		t.Errorf("--deny-private through the proxy: %v", recs)
	}
	for _, s := range p.log()[before:] {
		if strings.Contains(s, "127.0.0.1") {
			t.Errorf("the proxy was asked for a private address: %s", s)
		}
	}

	// From the environment; --proxy none ignores it.
	res = runBinaryEnv(t, []string{"HTTP_PROXY=" + proxyURL, "NO_PROXY="}, "-f", "jsonl", site+"/env")
	if r := parseJSONL(t, res.stdout)[site+"/env"]; r.Status != 200 {
		t.Errorf("HTTP_PROXY: %+v\n%s", r, res.stderr)
	}
	before = len(p.log())
	res = runBinaryEnv(t, []string{"HTTP_PROXY=" + proxyURL}, "-f", "jsonl", "--proxy", "none", "--robots", "ignore", "http://127.0.0.1:"+port+"/direct")
	if r := parseJSONL(t, res.stdout)["http://127.0.0.1:"+port+"/direct"]; r.Status != 200 || len(p.log()) != before {
		t.Errorf("--proxy none: %+v, the proxy saw %q", r, p.log()[before:])
	}

	for _, bad := range [][]string{{"--proxy", "ftp://x:21"}, {"--proxy", "::"}, {"-H", "Proxy-Authorization: Basic eA=="}} {
		if res := runBinary(t, "", append(bad, site+"/")...); res.code != 2 {
			t.Errorf("%v: exit %d\n%s", bad, res.code, res.stderr)
		}
	}
}

// TestHTTPSThroughProxy tunnels HTTPS with CONNECT: the proxy sees the
// host and its own credentials, never the site's Authorization header.
func TestHTTPSThroughProxy(t *testing.T) {
	var authorization sync.Map
	target := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authorization.Store(r.URL.Path, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<button id="tls">ok</button>`)
	}))
	defer target.Close()
	p := newTestProxy(t, target.Listener.Addr().String())
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	site := "https://site.test:" + port
	res := runBinary(t, "", "-f", "jsonl", "--insecure", "-A", "mybot/1.0", "--proxy", "http://user:pass@"+p.srv.Listener.Addr().String(), "-H", "Authorization: Bearer site-token", site+"/secure")
	if r := parseJSONL(t, res.stdout)[site+"/secure"]; res.code != 0 || len(r.Button) != 1 {
		t.Fatalf("exit %d, %+v\n%s", res.code, r, res.stderr)
	}
	for _, s := range p.log() {
		if s != "CONNECT site.test:"+port+" auth" {
			t.Errorf("the proxy saw %q, want only the CONNECT with its credentials", s)
		}
	}
	if v, _ := authorization.Load("/secure"); v != "Bearer site-token" {
		t.Errorf("the site got Authorization %q", v)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ua := range p.agents {
		if ua != "mybot/1.0" {
			t.Errorf("CONNECT with User-Agent %q, want -A's", ua)
		}
	}
}

func TestSOCKSProxy(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<button id="socks">ok</button>`)
	}))
	defer target.Close()
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	addr, seen := socksServer(t, target.Listener.Addr().String(), "user", "pass")

	// socks5: crawl resolves the name and gives the proxy an address.
	local := "http://localhost:" + port + "/page"
	res := runBinary(t, "", "-f", "jsonl", "--proxy", "socks5://user:pass@"+addr, local)
	if r := parseJSONL(t, res.stdout)[local]; res.code != 0 || len(r.Button) != 1 {
		t.Fatalf("socks5: exit %d, %+v\n%s", res.code, r, res.stderr)
	}
	if got := seen(); len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "ip 127.0.0.1:") {
		t.Errorf("socks5 proxy was given %q, want the address crawl resolved", got)
	}
	// ... so --deny-private checks that address, and the proxy on a
	// private address is still used.
	n := len(seen())
	res = runBinary(t, "", "-f", "jsonl", "--deny-private", "--proxy", "socks5://user:pass@"+addr, local)
	if r := parseJSONL(t, res.stdout)[local]; !strings.Contains(r.Error, "private address 127.0.0.1 denied") || len(seen()) != n {
		t.Errorf("socks5 with --deny-private: %+v, proxy asked for %q", r, seen()[n:])
	}

	// socks5h: the proxy resolves, so a name passes the guard.
	named := "http://site.test:" + port + "/page"
	res = runBinary(t, "", "-f", "jsonl", "--deny-private", "--proxy", "socks5h://user:pass@"+addr, named, "http://127.0.0.1:"+port+"/literal")
	recs := parseJSONL(t, res.stdout)
	if len(recs[named].Button) != 1 || !strings.Contains(recs["http://127.0.0.1:"+port+"/literal"].Error, "denied") {
		t.Errorf("socks5h with --deny-private: %v\n%s", recs, res.stderr)
	}
	if got := seen(); !strings.HasPrefix(got[len(got)-1], "domain site.test:") {
		t.Errorf("socks5h proxy was given %q, want the name", got)
	}
	res = runBinary(t, "", "-f", "jsonl", "--proxy", "socks5://user:wrong@"+addr, local)
	if r := parseJSONL(t, res.stdout)[local]; res.code != 4 || r.Error == "" {
		t.Errorf("wrong SOCKS credentials: exit %d, %+v", res.code, r)
	}
}

// TestHTTPSProxy reaches a site through a proxy spoken to over TLS
// (--proxy https://...), whose certificate --ca-cert trusts.
func TestHTTPSProxy(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<button id="via-tls-proxy">ok</button>`)
	}))
	defer target.Close()
	p := &testProxy{target: target.Listener.Addr().String()}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(p.serve))
	defer p.srv.Close()
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	site := "http://site.test:" + port + "/page"
	res := runBinary(t, "", "-f", "jsonl", "--ca-cert", pemFile(t, p.srv), "--proxy", "https://user:pass@"+p.srv.Listener.Addr().String(), site)
	if r := parseJSONL(t, res.stdout)[site]; res.code != 0 || len(r.Button) != 1 {
		t.Fatalf("exit %d, %+v\n%s", res.code, r, res.stderr)
	}
	if got := p.log(); len(got) != 2 || got[1] != "GET "+site+" auth" {
		t.Errorf("the TLS proxy saw %q", got)
	}
}
