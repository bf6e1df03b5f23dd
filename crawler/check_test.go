package crawler

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlkit/crawl/results"
)

// checkSite serves site.test, a site to crawl, and ext.test, the hosts its
// links leave to, and counts every request by method, host and path.
type checkSite struct {
	mu   sync.Mutex
	hits map[string]int // "HEAD ext.test/ok"
	srv  *httptest.Server
}

func newCheckSite(t *testing.T) *checkSite {
	s := &checkSite{hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *checkSite) serve(w http.ResponseWriter, r *http.Request) {
	host, _, _ := strings.Cut(r.Host, ":")
	key := host + r.URL.Path
	s.mu.Lock()
	s.hits[r.Method+" "+key]++
	s.mu.Unlock()
	port := s.port()
	page := func(body string) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, strings.ReplaceAll(body, "PORT", port))
	}
	switch key {
	case "site.test/":
		page(`<a href="/a#sec">a</a> <a href="http://ext.test:PORT/ok">ok</a> <a href="http://ext.test:PORT/ok#frag">ok again</a>
			<a href="http://ext.test:PORT/no-head">405</a> <a href="http://ext.test:PORT/head-lies">liar</a>
			<a href="http://ext.test:PORT/gone">gone</a> <a href="http://ext.test:PORT/loop">loop</a>
			<a href="/moved">moved</a> <a href="/leaves">leaves</a> <a href="mailto:x@site.test">mail</a> <a href="/missing">missing</a>`)
	case "site.test/a":
		page(`<h2 id=sec>s</h2> <a href="http://ext.test:PORT/ok">ok</a> <a href="/deep">deep</a>`)
	case "site.test/deep":
		page(`<a href="/deeper">past the depth</a>`)
	case "site.test/deeper", "ext.test/ok":
		page(`<a href="/never-fetched">x</a>`)
	case "site.test/moved":
		http.Redirect(w, r, "/a", http.StatusMovedPermanently)
	case "site.test/leaves":
		http.Redirect(w, r, "http://ext.test:"+port+"/ok", http.StatusFound)
	case "ext.test/no-head":
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		page("fine")
	case "ext.test/head-lies":
		if r.Method == http.MethodHead {
			http.NotFound(w, r)
			return
		}
		page("fine")
	case "ext.test/loop":
		http.Redirect(w, r, "/loop2", http.StatusFound)
	case "ext.test/loop2":
		http.Redirect(w, r, "/loop", http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

func (s *checkSite) port() string {
	_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
	return port
}

func (s *checkSite) hit(method, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[method+" "+key]
}

func (s *checkSite) crawler(t *testing.T, cfg Config) *Crawler {
	cfg.IgnoreRobots, cfg.Retries, cfg.RetryBackoff = true, -1, time.Millisecond
	c := newTestCrawler(t, cfg)
	addr := s.srv.Listener.Addr().String()
	var d net.Dialer
	c.client.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	return c
}

// TestCheck crawls a site to depth 2 with Check: the pages in scope are
// crawled, and every link out of the scope or past the depth is checked
// once, without its body or its links, HEAD first.
func TestCheck(t *testing.T) {
	s := newCheckSite(t)
	c := s.crawler(t, Config{Depth: 2, Check: true})
	site, ext := "http://site.test:"+s.port(), "http://ext.test:"+s.port()
	recs := crawlRecords(t, c, site+"/")
	tests := []struct {
		url      string
		status   int
		checked  bool
		redirect int
		err      string
	}{
		{site + "/", 200, false, 0, ""},
		{site + "/a", 200, false, 0, ""},
		{site + "/deep", 200, false, 0, ""},
		{site + "/deeper", 200, true, 0, ""},
		{site + "/moved", 301, false, 301, ""}, // to /a, crawled already: duplicate_of
		{site + "/leaves", 200, true, 302, ""},
		{site + "/missing", 404, false, 0, "HTTP 404 Not Found"},
		{ext + "/ok", 200, true, 0, ""},
		{ext + "/no-head", 200, true, 0, ""},
		{ext + "/head-lies", 200, true, 0, ""},
		{ext + "/gone", 404, true, 0, "HTTP 404 Not Found"},
		{ext + "/loop", 0, true, 0, "redirect loop: stopped after 10 redirects, back at " + ext + "/loop"},
	}
	for _, tt := range tests {
		r, ok := recs[tt.url]
		if !ok {
			t.Errorf("%s: no record", tt.url)
			continue
		}
		if r.Status != tt.status || r.Checked != tt.checked || r.Redirect != tt.redirect || r.Error != tt.err {
			t.Errorf("%s: status %d checked %v redirect %d error %q, want %d %v %d %q", tt.url, r.Status, r.Checked, r.Redirect, r.Error, tt.status, tt.checked, tt.redirect, tt.err)
		}
		if r.Checked && (r.Link != nil || r.Anchors != nil) {
			t.Errorf("%s: a link checked has links %q and anchors %q", tt.url, r.Link, r.Anchors)
		}
	}
	if len(recs) != len(tests) {
		t.Errorf("%d records, want %d", len(recs), len(tests))
	}
	if got := recs[site+"/a"].Anchors; len(got) != 1 || got[0] != "sec" {
		t.Errorf("anchors of /a: %q, want [sec]", got)
	}
	for _, tt := range []struct {
		method, key string
		want        int
	}{
		{"HEAD", "ext.test/ok", 1}, {"GET", "ext.test/ok", 1}, // the GET: /leaves redirected there
		{"HEAD", "ext.test/no-head", 1}, {"GET", "ext.test/no-head", 1},
		{"HEAD", "ext.test/head-lies", 1}, {"GET", "ext.test/head-lies", 1},
		{"HEAD", "ext.test/loop", 6}, {"GET", "ext.test/loop", 0},
		{"HEAD", "site.test/deeper", 1}, {"GET", "site.test/deeper", 0},
		{"GET", "ext.test/never-fetched", 0}, {"HEAD", "ext.test/never-fetched", 0},
	} {
		if got := s.hit(tt.method, tt.key); got != tt.want {
			t.Errorf("%s %s: %d requests, want %d", tt.method, tt.key, got, tt.want)
		}
	}
}

// mapCache is a CheckCache of fixed records.
type mapCache map[string]results.Record

func (m mapCache) Lookup(url string) (results.Record, bool) {
	r, ok := m[url]
	return r, ok
}

// TestCheckCache: a link the cache knows is not fetched; its record is
// the cached one, marked checked.
func TestCheckCache(t *testing.T) {
	s := newCheckSite(t)
	ext := "http://ext.test:" + s.port()
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cache := mapCache{ext + "/gone": {URL: ext + "/gone", Status: 200, FetchedAt: at}}
	c := s.crawler(t, Config{Depth: 1, Check: true, CheckCache: cache})
	recs := crawlRecords(t, c, "http://site.test:"+s.port()+"/")
	r := recs[ext+"/gone"]
	if r.Status != 200 || !r.Checked || !r.FetchedAt.Equal(at) || r.Depth != 1 {
		t.Errorf("cached record %+v", r)
	}
	if n := s.hit("HEAD", "ext.test/gone") + s.hit("GET", "ext.test/gone"); n != 0 {
		t.Errorf("%d requests for a cached link", n)
	}
}

// TestCheckIncludeExclude: a link --include leaves out is checked, not
// crawled; one --exclude matches is neither.
func TestCheckIncludeExclude(t *testing.T) {
	s := newCheckSite(t)
	c := s.crawler(t, Config{Depth: 5, Check: true,
		Include: []*regexp.Regexp{regexp.MustCompile(`site\.test:\d+/(a)?$`)},
		Exclude: []*regexp.Regexp{regexp.MustCompile(`head-lies`)}})
	site := "http://site.test:" + s.port()
	recs := crawlRecords(t, c, site+"/")
	if r := recs[site+"/deep"]; !r.Checked || r.Status != 200 {
		t.Errorf("/deep, not included: %+v, want checked", r)
	}
	if n := s.hit("GET", "site.test/deep") + s.hit("HEAD", "site.test/deeper") + s.hit("GET", "site.test/deeper"); n != 0 {
		t.Errorf("a page not included was crawled: %d requests for /deep and /deeper", n)
	}
	if r, ok := recs["http://ext.test:"+s.port()+"/head-lies"]; ok {
		t.Errorf("an excluded link was checked: %+v", r)
	}
	if n := s.hit("HEAD", "ext.test/head-lies") + s.hit("GET", "ext.test/head-lies"); n != 0 {
		t.Errorf("%d requests for an excluded link", n)
	}
}
