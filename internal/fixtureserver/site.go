package fixtureserver

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Site serves a generated web site for recursive crawls: pages /~s/0 to
// /~s/N-1, each linking to the next page and to links-1 others spread over
// the site, so that every page is a few links from page 0 and many are
// reached by several paths. A link is written in one of several forms a
// browser resolves to the same URL (relative, root-relative, absolute,
// with a fragment, %7E for ~, an upper-case scheme), as real sites do. It
// counts the requests for each page, so a test can tell a page fetched
// twice.
type Site struct {
	n, links int
	latency  time.Duration
	hits     []atomic.Int32
	robots   atomic.Int32 // requests for /robots.txt
	inflight atomic.Int32 // page requests being answered
	peak     atomic.Int32 // the most of them at once
	srv      *http.Server
	ln       net.Listener
	done     chan struct{}
}

// StartSite serves a site of n pages with links links each on 127.0.0.1,
// each response after latency.
func StartSite(n, links int, latency time.Duration) (*Site, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Site{n: n, links: max(links, 1), latency: latency, hits: make([]atomic.Int32, n), ln: ln, done: make(chan struct{})}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// URL returns the address of page i.
func (s *Site) URL(i int) string { return fmt.Sprintf("http://%s/~s/%d", s.ln.Addr(), i) }

// Links returns the pages page i links to, in order.
func (s *Site) Links(i int) []int {
	out := []int{(i + 1) % s.n}
	for j := 1; j < s.links; j++ {
		out = append(out, int((uint64(i)*2654435761+uint64(j)*40503+uint64(j*j)*7919)%uint64(s.n)))
	}
	return out
}

// Page returns the page number of a URL path, or -1.
func Page(path string) int {
	rest, ok := strings.CutPrefix(path, "/~s/")
	n, err := strconv.Atoi(rest)
	if !ok || err != nil {
		return -1
	}
	return n
}

// Hits returns the number of requests for page i.
func (s *Site) Hits(i int) int { return int(s.hits[i].Load()) }

// Fetched returns how many distinct pages were requested, and how many
// requests there were in all.
func (s *Site) Fetched() (pages, requests int) {
	for i := range s.hits {
		if h := int(s.hits[i].Load()); h > 0 {
			pages++
			requests += h
		}
	}
	return pages, requests
}

// RobotsHits is the number of requests for /robots.txt.
func (s *Site) RobotsHits() int { return int(s.robots.Load()) }

// PeakInFlight is the most page requests the site answered at once.
func (s *Site) PeakInFlight() int { return int(s.peak.Load()) }

// Close stops the server.
func (s *Site) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

// siteForms are the spellings of a link to page J; HOST is the server's.
var siteForms = []string{"/~s/J", "J", "/%7Es/J", "http://HOST/~s/J#top", "./J#section-2", "HTTP://HOST/~s/J", "../~s/J", "/%7es/J#x"}

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		s.robots.Add(1)
	}
	n := Page(r.URL.Path)
	if n < 0 || n >= s.n {
		http.NotFound(w, r)
		return
	}
	s.hits[n].Add(1)
	in := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for p := s.peak.Load(); in > p && !s.peak.CompareAndSwap(p, in); p = s.peak.Load() {
	}
	if s.latency > 0 {
		time.Sleep(s.latency)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html><head><meta charset=utf-8><title>Page %d</title></head><body>\n<nav><button id=menu>Menu</button>\n", n)
	host := s.ln.Addr().String()
	for k, j := range s.Links(n) {
		form := siteForms[(n+k)%len(siteForms)]
		href := strings.NewReplacer("HOST", host, "J", strconv.Itoa(j)).Replace(form)
		fmt.Fprintf(&b, "<a href=\"%s\">Page %d</a>\n", href, j)
	}
	fmt.Fprintf(&b, "</nav><main><p>Page %d of a generated site.</p><a href=\"mailto:team@example.com\">Contact</a></main></body></html>\n", n)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write([]byte(b.String()))
}

// BFS returns the distance from page 0 of every page within depth links:
// the pages a crawl of page 0 to that depth must record.
func (s *Site) BFS(depth int) map[int]int { return bfs(depth, s.Links) }

// bfs returns the distance from page 0 of every page within depth links,
// where links(i) are the pages page i links to.
func bfs(depth int, links func(int) []int) map[int]int {
	dist := map[int]int{0: 0}
	for queue := []int{0}; len(queue) > 0; queue = queue[1:] {
		n := queue[0]
		if dist[n] == depth {
			continue
		}
		for _, j := range links(n) {
			if _, ok := dist[j]; !ok {
				dist[j] = dist[n] + 1
				queue = append(queue, j)
			}
		}
	}
	return dist
}
