package main

import (
	"bufio"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// loginSite sets a session cookie on /start and redirects to /content,
// which without the cookie sends the client back to /start: a consent wall.
func loginSite(t *testing.T, sawCookie *atomic.Value) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", http.NotFound)
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret", Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/content", http.StatusFound)
	})
	mux.HandleFunc("/content", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil || c.Value != "s3cret" {
			http.Redirect(w, r, "/start", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<button id="welcome">in</button>`)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		sawCookie.Store(r.Header.Get("Cookie"))
		w.Header().Set("Content-Type", "text/html")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCookies(t *testing.T) {
	var saw atomic.Value
	srv := loginSite(t, &saw)
	res := runBinary(t, "", "-f", "jsonl", srv.URL+"/content")
	if r := parseJSONL(t, res.stdout)[srv.URL+"/content"]; res.code != 0 || len(r.Button) != 1 {
		t.Errorf("with the jar: exit %d, %+v", res.code, r)
	}
	res = runBinary(t, "", "-f", "jsonl", "--no-cookies", srv.URL+"/content")
	if r := parseJSONL(t, res.stdout)[srv.URL+"/content"]; res.code != 4 || !strings.Contains(r.Error, "stopped after 10 redirects") {
		t.Errorf("--no-cookies: exit %d, %+v", res.code, r)
	}

	// The cookie is not sent to another host (localhost is not 127.0.0.1).
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	saw.Store("")
	runBinary(t, "", "-q", "-c", "1", srv.URL+"/content", other+"/echo")
	if got := saw.Load().(string); got != "" {
		t.Errorf("another host got the cookie %q", got)
	}

	// --save-cookies writes the jar; --cookies loads it into the next run.
	dir := t.TempDir()
	jar := filepath.Join(dir, "cookies.txt")
	if res := runBinary(t, "", "-q", "--save-cookies", jar, srv.URL+"/start"); res.code != 0 {
		t.Fatalf("--save-cookies: exit %d\n%s", res.code, res.stderr)
	}
	b, _ := os.ReadFile(jar)
	if !strings.Contains(string(b), "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\ts3cret") {
		t.Errorf("saved jar:\n%s", b)
	}
	saw.Store("")
	if res := runBinary(t, "", "-q", "--cookies", jar, srv.URL+"/echo"); res.code != 0 || saw.Load().(string) != "session=s3cret" {
		t.Errorf("--cookies: exit %d, the server saw %q\n%s", res.code, saw.Load(), res.stderr)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("not\ta cookie line\n"), 0o644)
	if res := runBinary(t, "", "--cookies", bad, srv.URL+"/echo"); res.code != 2 || !strings.Contains(res.stderr, "line 1") {
		t.Errorf("a bad cookies.txt: exit %d\n%s", res.code, res.stderr)
	}
	// -H Cookie still works, and is still dropped on a redirect to another host.
	saw.Store("")
	runBinary(t, "", "-q", "--no-cookies", "-H", "Cookie: mine=1", srv.URL+"/echo")
	if saw.Load().(string) != "mine=1" {
		t.Errorf("-H Cookie: the server saw %q", saw.Load())
	}
}

// pemFile writes a server's certificate as PEM.
func pemFile(t *testing.T, srv *httptest.Server) string {
	p := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	return p
}

func TestTLSAndHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<button id="%s">proto</button>`, strings.ReplaceAll(r.Proto, "/", "-"))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")

	res := runBinary(t, "", "-f", "jsonl", srv.URL+"/")
	r := parseJSONL(t, res.stdout)[srv.URL+"/"]
	if res.code != 4 || !strings.Contains(r.Error, "TLS certificate of "+host+" not trusted") {
		t.Errorf("self-signed: exit %d, %+v", res.code, r)
	}
	res = runBinary(t, "", "-f", "jsonl", "-v", "--ca-cert", pemFile(t, srv), srv.URL+"/")
	r = parseJSONL(t, res.stdout)[srv.URL+"/"]
	if res.code != 0 || len(r.Button) != 1 || r.Button[0] != "HTTP-2.0" || !strings.Contains(res.stderr, "proto=HTTP/2.0") {
		t.Errorf("--ca-cert: exit %d, %+v\n%s", res.code, r, res.stderr)
	}
	res = runBinary(t, "", "-f", "jsonl", "--insecure", srv.URL+"/")
	if r := parseJSONL(t, res.stdout)[srv.URL+"/"]; res.code != 0 || r.Status != 200 || !strings.Contains(res.stderr, "WARNING: --insecure") {
		t.Errorf("--insecure: exit %d, %+v\n%s", res.code, r, res.stderr)
	}
	if res := runBinary(t, "", "--ca-cert", os.DevNull, srv.URL+"/"); res.code != 2 {
		t.Errorf("--ca-cert with no certificate: exit %d", res.code)
	}
}

// TestOtherServers crawls an h2c server and an HTTP/1.0 one.
func TestOtherServers(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/x">x</a>`)
	})
	h2 := httptest.NewUnstartedServer(page)
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true) // h2c, with prior knowledge
	h2.Config.Protocols = &protocols
	h2.Start()
	defer h2.Close()

	http10 := "http://" + rawServer(t, func(conn net.Conn) {
		http.ReadRequest(bufio.NewReader(conn))
		fmt.Fprint(conn, "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<a href=\"/y\">y</a>")
	})
	res := runBinary(t, "", "-f", "jsonl", "--robots", "ignore", h2.URL+"/", http10+"/")
	recs := parseJSONL(t, res.stdout)
	if res.code != 0 || len(recs[h2.URL+"/"].Link) != 1 || len(recs[http10+"/"].Link) != 1 {
		t.Errorf("exit %d, %v\n%s", res.code, recs, res.stderr)
	}
}

// rawServer accepts connections on 127.0.0.1 until the test ends and hands
// each to serve, in a goroutine of its own, closing it after; it returns
// host:port. For servers that must do what net/http would not.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				serve(conn)
			}()
		}
	}()
	return ln.Addr().String()
}
