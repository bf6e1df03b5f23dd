package crawler

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlkit/crawl/results"
)

// graphSite serves a generated graph: page /~p/N links to the pages in
// links[N], each link written in one of the many forms that resolve to
// the same URL. It counts the requests for every page.
type graphSite struct {
	links   [][]int
	latency time.Duration // up to this much, at random, per request

	mu   sync.Mutex
	hits map[int]int
	srv  *httptest.Server
}

// linkForms are ways of writing a link to page j from page /~p/N: all
// have one dedup key.
var linkForms = []string{
	"http://HOST/~p/J", "/~p/J", "J", "./J", "../~p/J", "//HOST/~p/J", "/~p/J#frag",
	"HTTP://HOST/~p/J", "/%7Ep/J", "/%7ep/J#x", "/~p/./J", "/~p/x/../J",
}

func newGraphSite(t *testing.T, links [][]int, latency time.Duration) *graphSite {
	g := &graphSite{links: links, latency: latency, hits: make(map[int]int)}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *graphSite) serve(w http.ResponseWriter, r *http.Request) {
	if g.latency > 0 {
		time.Sleep(rand.N(g.latency))
	}
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/~p/"))
	if r.URL.Path == "/robots.txt" || err != nil || n < 0 || n >= len(g.links) {
		http.NotFound(w, r)
		return
	}
	g.mu.Lock()
	g.hits[n]++
	g.mu.Unlock()
	host := strings.TrimPrefix(g.srv.URL, "http://")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html><title>%d</title>\n", n)
	for i, j := range g.links[n] {
		form := linkForms[(n+i)%len(linkForms)]
		href := strings.NewReplacer("HOST", host, "J", strconv.Itoa(j)).Replace(form)
		fmt.Fprintf(w, "<a href=%q>%d</a>\n", href, j)
	}
	fmt.Fprint(w, `<a href="mailto:x@example.com">mail</a>`)
}

func (g *graphSite) url(n int) string { return fmt.Sprintf("%s/~p/%d", g.srv.URL, n) }

// node returns the page a recorded URL is, or -1.
func (g *graphSite) node(raw string) int {
	u, err := url.Parse(raw)
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimPrefix(u.Path, "/~p/"))
	if err != nil {
		return -1
	}
	return n
}

// bfs returns the distance of every page within depth of the seeds.
func bfs(links [][]int, depth int, seeds ...int) map[int]int {
	dist := map[int]int{}
	queue := []int{}
	for _, s := range seeds {
		dist[s] = 0
		queue = append(queue, s)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if dist[n] == depth {
			continue
		}
		for _, j := range links[n] {
			if _, ok := dist[j]; !ok {
				dist[j] = dist[n] + 1
				queue = append(queue, j)
			}
		}
	}
	return dist
}

// randomGraph has n pages, each linking to the next (so that long paths
// exist) and to k pages at random (so that shorter ones do too).
func randomGraph(n, k int, seed uint64) [][]int {
	rng := rand.New(rand.NewPCG(seed, 1))
	links := make([][]int, n)
	for i := range links {
		links[i] = append(links[i], (i+1)%n)
		for range k {
			links[i] = append(links[i], rng.IntN(n))
		}
	}
	return links
}

// crawlRecords runs a crawl and returns its records by URL, failing the
// test on a URL recorded twice.
func crawlRecords(t *testing.T, c *Crawler, seeds ...string) map[string]results.Record {
	t.Helper()
	sink := &recordList{}
	if err := c.Run(context.Background(), seedsOf(seeds...), sink); err != nil {
		t.Fatal(err)
	}
	out := map[string]results.Record{}
	for _, r := range sink.records {
		if _, dup := out[r.URL]; dup {
			t.Errorf("%s recorded twice", r.URL)
		}
		out[r.URL] = r
	}
	return out
}

type recordList struct {
	mu      sync.Mutex
	records []results.Record
}

func (l *recordList) Put(r results.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r)
	return nil
}

func newTestCrawler(t *testing.T, cfg Config) *Crawler {
	t.Helper()
	cfg.SpillDir = t.TempDir()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRecursiveDepthIsShortest crawls one random graph to depths 0 to 3,
// with random latency and 64 fetchers, so that pages finish in any order:
// the pages recorded must be exactly the BFS set, each at its BFS
// distance, with a parent one link closer, and none fetched twice.
func TestRecursiveDepthIsShortest(t *testing.T) {
	links := randomGraph(400, 3, 7)
	for depth := range 4 {
		t.Run(fmt.Sprintf("depth %d", depth), func(t *testing.T) {
			site := newGraphSite(t, links, 15*time.Millisecond)
			c := newTestCrawler(t, Config{Concurrency: 64, PerHost: 64, Depth: depth, IgnoreRobots: true})
			recs := crawlRecords(t, c, site.url(0), site.url(200))
			want := bfs(links, depth, 0, 200)
			got := map[int]int{}
			for u, r := range recs {
				n := site.node(u)
				if r.Error != "" || n < 0 {
					t.Errorf("%s: %+v", u, r)
					continue
				}
				got[n] = r.Depth
				if r.Depth > 0 {
					p := site.node(r.Parent)
					if want[p] != r.Depth-1 || !slices.Contains(links[p], n) {
						t.Errorf("page %d at depth %d has parent %d (depth %d), which does not link to it at that depth", n, r.Depth, p, want[p])
					}
				}
			}
			for n, d := range want {
				if gd, ok := got[n]; !ok || gd != d {
					t.Errorf("page %d: recorded at depth %d (%v), BFS distance %d", n, gd, ok, d)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d pages recorded, want exactly the %d within depth %d", len(got), len(want), depth)
			}
			for n, h := range site.hits {
				if h != 1 {
					t.Errorf("page %d fetched %d times", n, h)
				}
			}
			p := c.Progress()
			if depth > 0 && p.NotFollowed[skipDepth] != len(bfs(links, depth+1, 0, 200))-len(want) {
				t.Errorf("not followed for depth: %d, want %d", p.NotFollowed[skipDepth], len(bfs(links, depth+1, 0, 200))-len(want))
			}
		})
	}
}

// TestRecursiveLinkForms links every page to the others in every form
// that resolves to one URL: each page is fetched once.
func TestRecursiveLinkForms(t *testing.T) {
	const n = 30
	links := make([][]int, n)
	for i := range links {
		for j := range n {
			if j != i {
				links[i] = append(links[i], j)
			}
		}
	}
	site := newGraphSite(t, links, 0)
	c := newTestCrawler(t, Config{Concurrency: 8, PerHost: 8, Depth: 5, IgnoreRobots: true})
	recs := crawlRecords(t, c, site.url(0))
	if len(recs) != n {
		t.Errorf("%d records, want %d", len(recs), n)
	}
	for i := range n {
		if site.hits[i] != 1 {
			t.Errorf("page %d fetched %d times", i, site.hits[i])
		}
	}
	for u := range recs {
		if strings.Contains(u, "#") {
			t.Errorf("%s: fetched with its fragment", u)
		}
	}
}

// hostSite answers for any host name, with pages given by path; the
// crawler is made to dial it whatever name a URL has.
type hostSite struct {
	mu    sync.Mutex
	hits  map[string]int // host + path
	pages map[string]string
	srv   *httptest.Server
}

func newHostSite(t *testing.T, pages map[string]string) *hostSite {
	s := &hostSite{hits: map[string]int{}, pages: pages}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		key := host + r.URL.RequestURI()
		s.mu.Lock()
		s.hits[key]++
		s.mu.Unlock()
		body, ok := s.pages[key]
		switch {
		case !ok:
			http.NotFound(w, r)
		case strings.HasPrefix(body, "redirect:"):
			http.Redirect(w, r, strings.TrimPrefix(body, "redirect:"), http.StatusMovedPermanently)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, body)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// dialAll makes c connect to s whatever host a URL names.
func (s *hostSite) dialAll(c *Crawler) {
	addr := s.srv.Listener.Addr().String()
	var d net.Dialer
	c.client.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
}

func (s *hostSite) port() string {
	_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
	return port
}

func TestRecursiveScope(t *testing.T) {
	pages := map[string]string{
		"a.example.com/":                  `<a href="/in">in</a> <a href="http://b.example.com:PORT/sib">sibling</a> <a href="http://evilexample.com:PORT/evil">evil</a> <a href="http://other.org:PORT/out">out</a> <a href="/to-other">r</a> <a href="/to-b">r</a>`,
		"a.example.com/in":                `in`,
		"a.example.com/to-other":          `redirect:http://other.org:PORT/landing`,
		"a.example.com/to-b":              `redirect:http://b.example.com:PORT/landing`,
		"b.example.com/sib":               `sib`,
		"b.example.com/landing":           `landing`,
		"evilexample.com/evil":            `evil`,
		"other.org/out":                   `out`,
		"other.org/landing":               `landing`,
		"c.example.net/":                  `<a href="/c1">c1</a> <a href="http://a.example.com:PORT/in">a</a>`,
		"c.example.net/c1":                `c1`,
		"www.redirected.example/":         `<a href="/www-only">w</a>`,
		"redirected.example/":             `redirect:http://www.redirected.example:PORT/`,
		"www.redirected.example/www-only": `w`,
	}
	tests := []struct {
		name  string
		scope Scope
		seeds []string
		want  []string // host + path recorded, with ! for a record that says skipped
	}{
		{"host", ScopeHost, []string{"a.example.com/"},
			[]string{"a.example.com/", "a.example.com/in", "a.example.com/to-other!", "a.example.com/to-b!"}},
		{"domain", ScopeDomain, []string{"a.example.com/"},
			[]string{"a.example.com/", "a.example.com/in", "b.example.com/sib", "a.example.com/to-other!", "a.example.com/to-b"}},
		{"any", ScopeAny, []string{"a.example.com/"},
			[]string{"a.example.com/", "a.example.com/in", "b.example.com/sib", "evilexample.com/evil", "other.org/out", "a.example.com/to-other", "a.example.com/to-b"}},
		{"two seeds, each its own scope", ScopeHost, []string{"a.example.com/", "c.example.net/"},
			[]string{"a.example.com/", "a.example.com/in", "a.example.com/to-other!", "a.example.com/to-b!", "c.example.net/", "c.example.net/c1"}},
		{"a seed is scoped where it lands", ScopeHost, []string{"redirected.example/"},
			[]string{"redirected.example/", "www.redirected.example/www-only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixed := map[string]string{}
			site := newHostSite(t, fixed)
			for k, v := range pages {
				fixed[k] = strings.ReplaceAll(v, "PORT", site.port())
			}
			c := newTestCrawler(t, Config{Depth: 3, Scope: tt.scope, IgnoreRobots: true})
			site.dialAll(c)
			var seeds []string
			for _, s := range tt.seeds {
				seeds = append(seeds, "http://"+strings.Replace(s, "/", ":"+site.port()+"/", 1))
			}
			recs := crawlRecords(t, c, seeds...)
			var got []string
			for u, r := range recs {
				pu, _ := url.Parse(u)
				k := pu.Hostname() + pu.RequestURI()
				if r.Skipped != "" {
					k += "!"
				}
				got = append(got, k)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Errorf("recorded\n %v\nwant\n %v", got, want)
			}
			for k, h := range site.hits {
				if h > 1 {
					t.Errorf("%s fetched %d times", k, h)
				}
			}
			if tt.scope == ScopeHost && site.hits["other.org/landing"] > 0 {
				t.Error("a redirect out of scope was followed")
			}
		})
	}
}

// TestRecursiveRedirectsFetchOnce sends two links through redirects to
// one page, which is also linked directly: it is fetched once, and the
// other URLs' records say which page they duplicate.
func TestRecursiveRedirectsFetchOnce(t *testing.T) {
	pages := map[string]string{
		"h/":       `<a href="/r1">1</a> <a href="/r2">2</a> <a href="/r3">3</a>`,
		"h/r1":     `redirect:/target`,
		"h/r2":     `redirect:/target#x`,
		"h/r3":     `redirect:/%74arget`,
		"h/target": `<a href="/target">self</a>`,
	}
	site := newHostSite(t, pages)
	c := newTestCrawler(t, Config{Depth: 2, IgnoreRobots: true, Concurrency: 1})
	site.dialAll(c)
	recs := crawlRecords(t, c, "http://h:"+site.port()+"/")
	if site.hits["h/target"] != 1 {
		t.Errorf("target fetched %d times", site.hits["h/target"])
	}
	fetched, dups := 0, 0
	for _, r := range recs {
		switch {
		case r.DuplicateOf == "http://h:"+site.port()+"/target":
			dups++
			if r.Status != http.StatusMovedPermanently || r.Error != "" {
				t.Errorf("%s: %+v", r.URL, r)
			}
		case strings.HasPrefix(r.FinalURL, "http://h:"+site.port()+"/target") && len(r.Link) == 1:
			fetched++
		}
	}
	if fetched != 1 || dups != 2 {
		t.Errorf("%d records with the target's page and %d duplicates, want 1 and 2: %v", fetched, dups, recs)
	}
}

// TestRecursiveTraps crawls sites that would never end: a calendar, an
// ever-deeper path and a self-extending query. Each ends, by trap rules,
// depth or the per-host cap, and what was cut is counted.
func TestRecursiveTraps(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/cal", func(w http.ResponseWriter, r *http.Request) {
		m, _ := strconv.Atoi(r.URL.Query().Get("m"))
		fmt.Fprintf(w, `<a href="/cal?m=%d">next</a>`, m+1)
	})
	mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<a href="a/">deeper</a>`)
	})
	mux.HandleFunc("/s", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<a href="/s?%s">more</a>`, r.URL.RawQuery+"x")
	})
	mux.HandleFunc("/p", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<a href="/p?%s&k=1">more</a>`, r.URL.RawQuery)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tests := []struct {
		seed   string
		cfg    Config
		pages  int
		reason string
	}{
		{"/cal?m=0", Config{Depth: 1000, MaxPagesPerHost: 25}, 25, skipMaxPerHost},
		{"/cal?m=0", Config{Depth: 10}, 11, skipDepth},
		{"/a/", Config{Depth: 1000}, 3, skipTrap},  // /a/, /a/a/, /a/a/a/; /a/a/a/a/ repeats a 4th time
		{"/s?q", Config{Depth: 1000}, 4, skipTrap}, // extends its query 3 times, then is cut
		{"/p?", Config{Depth: 1000}, 4, skipTrap},  // k=1 given 3 times, then 4
		{"/cal?m=0", Config{Depth: 1000, MaxPages: 7}, 7, skipMaxPages},
	}
	for _, tt := range tests {
		t.Run(tt.seed+" "+fmt.Sprint(tt.cfg.Depth, tt.cfg.MaxPages, tt.cfg.MaxPagesPerHost), func(t *testing.T) {
			tt.cfg.IgnoreRobots = true
			c := newTestCrawler(t, tt.cfg)
			recs := crawlRecords(t, c, srv.URL+tt.seed)
			if len(recs) != tt.pages {
				t.Errorf("%d pages, want %d", len(recs), tt.pages)
			}
			if n := c.Progress().NotFollowed[tt.reason]; n != 1 {
				t.Errorf("not followed: %v, want 1 for %s", c.Progress().NotFollowed, tt.reason)
			}
		})
	}
}

// TestRecursiveMaxPagesExact gives 64 fetchers a site of 20,000 pages and
// a cap of 300: exactly 300 are requested, in-flight ones included.
func TestRecursiveMaxPagesExact(t *testing.T) {
	site := newGraphSite(t, randomGraph(20000, 10, 3), 5*time.Millisecond)
	c := newTestCrawler(t, Config{Concurrency: 64, PerHost: 64, Depth: 100, MaxPages: 300, IgnoreRobots: true})
	recs := crawlRecords(t, c, site.url(0))
	requests := 0
	for _, h := range site.hits {
		requests += h
	}
	if len(recs) != 300 || requests != 300 {
		t.Errorf("%d records and %d requests, want exactly 300", len(recs), requests)
	}
	if c.Progress().NotFollowed[skipMaxPages] == 0 {
		t.Error("no URL counted as cut by max-pages")
	}
}

// TestRecursiveIncludeExcludeRobots follows only what the filters and
// robots.txt allow; what they refuse is counted, not recorded.
func TestRecursiveIncludeExcludeRobots(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /docs/private\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			fmt.Fprint(w, "<p>leaf")
			return
		}
		fmt.Fprint(w, `<a href="/docs/a">a</a> <a href="/docs/b.pdf">pdf</a> <a href="/blog/x">blog</a> <a href="/docs/private/p">private</a>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newTestCrawler(t, Config{
		Depth:   1,
		Include: []*regexp.Regexp{regexp.MustCompile(`/docs/`)},
		Exclude: []*regexp.Regexp{regexp.MustCompile(`\.pdf$`)},
	})
	recs := crawlRecords(t, c, srv.URL+"/")
	if len(recs) != 2 || recs[srv.URL+"/docs/a"].Parent != srv.URL+"/" {
		t.Errorf("records: %v", recs)
	}
	want := map[string]int{skipInclude: 1, skipExclude: 1, skipRobots: 1}
	if got := c.Progress().NotFollowed; !maps.Equal(got, want) {
		t.Errorf("not followed %v, want %v", got, want)
	}
}
