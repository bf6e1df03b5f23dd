package crawler

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer serves each connection with fn, for faults net/http cannot
// produce: responses cut short, reset, malformed or never sent.
func rawServer(t *testing.T, fn func(c net.Conn)) string {
	t.Helper()
	return rawServerLine(t, func(c net.Conn, _ string) { fn(c) })
}

// rawServerLine is rawServer, handing fn the request line too.
func rawServerLine(t *testing.T, fn func(c net.Conn, requestLine string)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				// Read the request head before answering, as a server would.
				br := bufio.NewReader(c)
				first, _ := br.ReadString('\n')
				for line := first; line != "\r\n"; {
					var err error
					if line, err = br.ReadString('\n'); err != nil {
						break
					}
				}
				fn(c, strings.TrimSpace(first))
			})
		}
	}()
	return "http://" + l.Addr().String() + "/"
}

// gzipBomb is size bytes of zeros, gzipped: a small body that inflates. It
// repeats one compressed MiB, as gzip readers take concatenated members as
// one stream.
func gzipBomb(t *testing.T, size int) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return bytes.Repeat(member.Bytes(), size>>20)
}

// faultConfig keeps the fault tests quick: short timeouts and backoff.
var faultConfig = Config{Timeout: 500 * time.Millisecond, RetryBackoff: 10 * time.Millisecond, MaxBody: 1 << 20, IgnoreRobots: true}

// TestFaults crawls one URL per kind of misbehaving server and checks the
// record each leaves.
func TestFaults(t *testing.T) {
	bomb := gzipBomb(t, 64<<20)
	var flaky atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/hang-after-headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		for {
			if _, err := w.Write([]byte("<")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(time.Second): // one byte a second
			case <-r.Context().Done():
				return
			}
		}
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<a href="/first">first</a>`))
		chunk := bytes.Repeat([]byte("<p>more</p>"), 1000)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/bomb-unlabelled", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(bomb)
	})
	mux.HandleFunc("/503-twice", func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `<a href="/ok">ok</a>`)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
	})
	mux.HandleFunc("/always-500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	u := srv.URL

	tests := []struct {
		name, url string
		err       string // in the record's error; "" for none
		status    int
		attempts  int
		truncated bool
		bytes     int64 // -1: not checked
	}{
		{"hang before headers", rawServer(t, func(c net.Conn) { time.Sleep(2 * time.Second) }), "timeout", 0, 3, false, -1},
		{"hang after headers", u + "/hang-after-headers", "timeout", 0, 3, false, -1},
		{"trickle", u + "/trickle", "timeout", 0, 3, false, -1},
		{"endless chunked body", u + "/endless", "", 200, 1, true, 1 << 20},
		{"gzip bomb", u + "/bomb", "", 200, 1, true, 1 << 20},
		{"gzip bomb without Content-Encoding", u + "/bomb-unlabelled", "", 200, 1, false, int64(len(bomb))},
		{"Content-Length beyond the body", rawServer(t, func(c net.Conn) {
			fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<a href=x>")
		}), "unexpected EOF", 0, 3, false, -1},
		{"reset mid-body", rawServer(t, func(c net.Conn) {
			fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<a href=x>")
			c.(*net.TCPConn).SetLinger(0) // close with RST
		}), "reset", 0, 3, false, -1},
		{"refused port", deadURL(t), "connection refused", 0, 3, false, -1},
		{"unresolvable host", "http://does-not-exist.invalid/", "lookup does-not-exist.invalid", 0, -1, false, -1},
		{"503 twice then 200", u + "/503-twice", "", 200, 3, false, -1},
		{"always 500", u + "/always-500", "HTTP 500", 500, 3, false, -1},
		{"redirect loop", u + "/loop", "stopped after 10 redirects", 0, 1, false, -1},
		{"redirect to file:", u + "/to-file", "redirect to file:///etc/passwd: only http and https are followed", 0, 1, false, -1},
		{"redirect to ftp:", u + "/to-ftp", "redirect to ftp://example.com/x: only http and https", 0, 1, false, -1},
		{"malformed status line", rawServer(t, func(c net.Conn) { fmt.Fprint(c, "HTTP/1.1 OK-ish\r\n\r\n") }), "malformed HTTP", 0, 1, false, -1},
		{"malformed header", rawServer(t, func(c net.Conn) { fmt.Fprint(c, "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n") }), "malformed MIME header", 0, 1, false, -1},
	}
	// Only the rows that expect a timeout get the short one: under -race on
	// a busy machine, ten hops of a redirect loop can outlast 500ms, and a
	// retry would then be right but not what the row is about.
	var quick, patient []string
	for _, tt := range tests {
		if tt.err == "timeout" {
			quick = append(quick, tt.url)
		} else {
			patient = append(patient, tt.url)
		}
	}
	m := crawlAll(t, faultConfig, quick...)
	patientConfig := faultConfig
	patientConfig.Timeout = 10 * time.Second
	for _, rec := range crawlAll(t, patientConfig, patient...).Sorted() {
		m.Put(rec)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := m.Get(tt.url)
			if !ok {
				t.Fatal("no record")
			}
			if (tt.err == "") != (rec.Error == "") || !strings.Contains(rec.Error, tt.err) {
				t.Errorf("error %q, want %q", rec.Error, tt.err)
			}
			if rec.Status != tt.status || (tt.attempts >= 0 && rec.Attempts != tt.attempts) || rec.Truncated != tt.truncated {
				t.Errorf("status %d attempts %d truncated %v, want %d %d %v", rec.Status, rec.Attempts, rec.Truncated, tt.status, tt.attempts, tt.truncated)
			}
			if tt.bytes >= 0 && rec.Bytes != tt.bytes {
				t.Errorf("read %d bytes, want %d", rec.Bytes, tt.bytes)
			}
		})
	}
}

// TestRetryAfter checks that a 429's Retry-After is waited out, and that
// the whole host pauses, not just the URL that got it.
func TestRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	var first atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if first.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	cfg := faultConfig
	cfg.PerHost, cfg.Concurrency = 1, 4
	var urls []string
	for i := range 4 {
		urls = append(urls, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	m := crawlAll(t, cfg, urls...)
	retried := 0
	for _, rec := range m.Sorted() {
		if rec.Status != 200 {
			t.Errorf("%s: %+v", rec.URL, rec)
		}
		if rec.Attempts == 2 {
			retried++
		}
	}
	if retried != 1 {
		t.Errorf("%d URLs retried, want the one that got the 429", retried)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, at := range times[1:] {
		if gap := at.Sub(times[0]); gap < time.Second {
			t.Errorf("a request %v after the 429 that asked for a second's pause", gap)
		}
	}
}

// TestRetryAfterDate checks the HTTP-date form of Retry-After.
func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		h    string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"86400", maxRetryWait, true},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		if got, ok := retryAfter(tt.h, now); got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.h, got, ok, tt.want, tt.ok)
		}
	}
}
