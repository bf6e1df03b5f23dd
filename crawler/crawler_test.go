package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlkit/crawl/results"
)

const page = `<!DOCTYPE html><title>t</title>
<a href="/about">About</a> <a href="https://other.example/x">x</a>
<button id="buy">Buy</button><!-- <a href="/hidden"> -->`

// newSite serves the pages the tests crawl.
func newSite(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("/nohtml-header", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // no Content-Type at all: sniffed
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"a": "<a href='/nope'>"}`)
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/redirect2", http.StatusFound)
	})
	mux.HandleFunc("/redirect2", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "page?from=redirect", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/file", http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/early">early</a>`)
		w.Write(bytes.Repeat([]byte("x"), 4<<10))
		fmt.Fprint(w, `<a href="/late">late</a>`)
	})
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		fmt.Fprint(zw, page)
		zw.Close()
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// crawlAll runs a crawler over urls and returns its records.
func crawlAll(t *testing.T, cfg Config, urls ...string) *results.Map {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := results.NewMap()
	if err := c.Run(context.Background(), seedsOf(urls...), m); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return m
}

func seedsOf(urls ...string) func(func(Seed) bool) {
	return func(yield func(Seed) bool) {
		for i, u := range urls {
			if !yield(Seed{URL: u, Source: fmt.Sprintf("test:%d", i+1)}) {
				return
			}
		}
	}
}

func TestCrawlRecords(t *testing.T) {
	srv := newSite(t)
	u := srv.URL
	dead := deadURL(t)
	tests := []struct {
		url       string
		status    int
		final     string
		links     []string
		buttons   []string
		truncated bool
		err       string // substring of the record's error; "" for none
	}{
		{url: u + "/page", status: 200, final: u + "/page", links: []string{u + "/about", "https://other.example/x"}, buttons: []string{"buy"}},
		{url: u + "/nohtml-header", status: 200, links: []string{u + "/about", "https://other.example/x"}, buttons: []string{"buy"}},
		{url: u + "/gzip", status: 200, links: []string{u + "/about", "https://other.example/x"}, buttons: []string{"buy"}},
		{url: u + "/json", status: 200},
		{url: u + "/missing", status: 404, err: "HTTP 404 Not Found"},
		{url: u + "/broken", status: 500, err: "HTTP 500 Internal Server Error"},
		{url: u + "/redirect", status: 200, final: u + "/page?from=redirect", links: []string{u + "/about", "https://other.example/x"}, buttons: []string{"buy"}},
		{url: u + "/loop", err: "stopped after 10 redirects"},
		{url: u + "/to-ftp", err: "only http and https are followed"},
		{url: u + "/big", status: 200, truncated: true, links: []string{u + "/early"}},
		{url: u + "/slow", err: "timeout"},
		{url: dead, err: "connection refused"},
		{url: "not a url", err: "invalid URL"},
		{url: "example.com/x", err: "did you mean https://example.com/x?"},
		{url: "ftp://example.com/", err: `unsupported scheme "ftp"`},
		{url: "file:///etc/passwd", err: `unsupported scheme "file"`},
	}
	var urls []string
	for _, tt := range tests {
		urls = append(urls, tt.url)
	}
	m := crawlAll(t, Config{MaxBody: 2 << 10, Timeout: 500 * time.Millisecond}, urls...)
	if m.Len() != len(tests) {
		t.Errorf("got %d records for %d URLs", m.Len(), len(tests))
	}
	for _, tt := range tests {
		rec, ok := m.Get(tt.url)
		if !ok {
			t.Errorf("%s: no record", tt.url)
			continue
		}
		if tt.err == "" && rec.Error != "" || !strings.Contains(rec.Error, tt.err) {
			t.Errorf("%s: error %q, want one containing %q", tt.url, rec.Error, tt.err)
		}
		if rec.Status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.url, rec.Status, tt.status)
		}
		if tt.final != "" && rec.FinalURL != tt.final {
			t.Errorf("%s: final_url %q, want %q", tt.url, rec.FinalURL, tt.final)
		}
		if !slices.Equal(rec.Link, tt.links) || !slices.Equal(rec.Button, tt.buttons) {
			t.Errorf("%s: links %q buttons %q, want %q %q", tt.url, rec.Link, rec.Button, tt.links, tt.buttons)
		}
		if rec.Truncated != tt.truncated {
			t.Errorf("%s: truncated %v, want %v", tt.url, rec.Truncated, tt.truncated)
		}
	}
	if rec, _ := m.Get(u + "/big"); rec.Bytes != 2<<10 {
		t.Errorf("truncated page: %d bytes read, want exactly MaxBody", rec.Bytes)
	}
	if rec, _ := m.Get("not a url"); !strings.HasPrefix(rec.Error, "test:13: ") {
		t.Errorf("an invalid seed's error must name its source: %q", rec.Error)
	}
}

// deadURL returns a URL of a port where nothing listens.
func deadURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/"
}

func TestDuplicateSeedsAreCrawledOnce(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		fmt.Fprint(w, "<a href=x>x</a>")
	}))
	defer srv.Close()
	m := crawlAll(t, Config{}, srv.URL+"/a", srv.URL+"/b", srv.URL+"/a", srv.URL+"/a")
	if m.Len() != 2 || hits.Load() != 2 {
		t.Errorf("%d records and %d requests for 2 distinct URLs", m.Len(), hits.Load())
	}
}

func TestLocalFileSeed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.html")
	os.WriteFile(path, []byte(`<base href="https://b.example/"><a href="rel">r</a><button id=b1>`), 0o644)
	c, _ := New(Config{})
	m := results.NewMap()
	fileURL := "file://" + filepath.ToSlash(path)
	seeds := func(yield func(Seed) bool) {
		yield(Seed{URL: fileURL, Path: path})
		yield(Seed{URL: "file://" + filepath.ToSlash(filepath.Join(dir, "none.html")), Path: filepath.Join(dir, "none.html")})
	}
	if err := c.Run(context.Background(), seeds, m); err != nil {
		t.Fatal(err)
	}
	rec, _ := m.Get(fileURL)
	if rec.Error != "" || !slices.Equal(rec.Link, []string{"https://b.example/rel"}) || !slices.Equal(rec.Button, []string{"b1"}) || rec.ContentType != "text/html" {
		t.Errorf("file record: %+v", rec)
	}
	if m.Len() != 2 {
		t.Fatalf("got %d records", m.Len())
	}
	for _, rec := range m.Sorted() {
		if strings.HasSuffix(rec.URL, "none.html") && !strings.Contains(rec.Error, "no such file") {
			t.Errorf("missing file: error %q", rec.Error)
		}
	}
}

func TestHeaders(t *testing.T) {
	got := make(chan http.Header, 2)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		got <- r.Header.Clone()
		fmt.Fprint(w, "ok")
	}))
	defer other.Close()
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		got <- r.Header.Clone()
		http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
	}))
	defer first.Close()
	h := http.Header{}
	h.Set("Authorization", "Bearer secret")
	h.Set("Cookie", "session=1")
	h.Set("X-Trace", "abc")
	crawlAll(t, Config{UserAgent: "test-agent/1", Header: h}, first.URL+"/")
	sent, redirected := <-got, <-got
	if sent.Get("User-Agent") != "test-agent/1" || sent.Get("X-Trace") != "abc" || sent.Get("Authorization") != "Bearer secret" {
		t.Errorf("first request headers: %v", sent)
	}
	if redirected.Get("Authorization") != "" || redirected.Get("Cookie") != "" {
		t.Errorf("credentials sent to another host after a redirect: %v", redirected)
	}
	if redirected.Get("X-Trace") != "abc" {
		t.Errorf("other headers must follow the redirect: %v", redirected)
	}
}

// peakCounter counts requests in flight and remembers the most at once.
type peakCounter struct{ inFlight, peak atomic.Int64 }

// enter counts a request in; the returned function counts it out.
func (c *peakCounter) enter() func() {
	n := c.inFlight.Add(1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	return func() { c.inFlight.Add(-1) }
}

func TestConcurrencyIsBounded(t *testing.T) {
	var peak peakCounter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer peak.enter()()
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	var urls []string
	for i := range 40 {
		urls = append(urls, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	m := crawlAll(t, Config{Concurrency: 4}, urls...)
	if m.Len() != 40 {
		t.Errorf("got %d records, want 40", m.Len())
	}
	if p := peak.peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak requests in flight %d, want between 2 and 4", p)
	}
}

// TestInterrupt cancels a run while requests hang: every seed still gets a
// record, the ones not crawled say "interrupted", and Run returns promptly.
func TestInterrupt(t *testing.T) {
	srv := newSite(t)
	var urls []string
	for i := range 50 {
		urls = append(urls, fmt.Sprintf("%s/slow?%d", srv.URL, i))
	}
	urls = append(urls, srv.URL+"/page")
	c, _ := New(Config{Concurrency: 4, Grace: 100 * time.Millisecond})
	m := results.NewMap()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	err := c.Run(ctx, seedsOf(urls...), m)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Run took %v after the interrupt", d)
	}
	if m.Len() != len(urls) {
		t.Fatalf("got %d records for %d URLs", m.Len(), len(urls))
	}
	for _, rec := range m.Sorted() {
		if strings.Contains(rec.URL, "/slow") && rec.Error != "interrupted" {
			t.Errorf("%s: error %q, want interrupted", rec.URL, rec.Error)
		}
	}
}

type failingSink struct{}

func (failingSink) Put(results.Record) error { return errors.New("disk full") }

func TestSinkErrorIsFatal(t *testing.T) {
	srv := newSite(t)
	c, _ := New(Config{})
	err := c.Run(context.Background(), seedsOf(srv.URL+"/page", srv.URL+"/json"), failingSink{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Run = %v, want the sink's error", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{{Concurrency: -1}, {Timeout: -time.Second}, {MaxBody: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Concurrency != DefaultConcurrency || c.cfg.Timeout != DefaultTimeout || c.cfg.MaxBody != DefaultMaxBody || !strings.HasPrefix(c.cfg.UserAgent, "crawl/") {
		t.Errorf("defaults not applied: %+v", c.cfg)
	}
}
