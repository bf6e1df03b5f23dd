// Package fixtureserver serves pages for crawl benchmarks on 127.0.0.1: real
// pages repeated under distinct paths, or generated small pages, each after
// a fixed latency.
package fixtureserver

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Pages is a set of HTML documents to serve.
type Pages struct {
	names []string
	docs  [][]byte
}

// LoadDir loads every .html file of dir.
func LoadDir(dir string) (*Pages, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .html files in %s", dir)
	}
	sort.Strings(files)
	p := &Pages{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		p.names = append(p.names, filepath.Base(f))
		p.docs = append(p.docs, b)
	}
	return p, nil
}

// Small returns n generated pages of about 5 KB with 50 links and 2 buttons
// each, the shape of a typical small page.
func Small(n int) *Pages {
	p := &Pages{}
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "<!DOCTYPE html><html><head><meta charset=utf-8><title>Page %d</title></head><body>\n", i)
		fmt.Fprintf(&b, "<header><button id=menu-%d>Menu</button><nav>\n", i)
		for j := range 50 {
			fmt.Fprintf(&b, "<a href=\"/articles/%d/%d.html\">Article %d of section %d</a>\n", (i+j)%997, j, j, i%37)
		}
		b.WriteString("</nav></header><main>")
		for b.Len() < 5000 {
			b.WriteString("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n")
		}
		fmt.Fprintf(&b, "<button id=subscribe-%d>Subscribe</button></main></body></html>\n", i)
		p.names = append(p.names, fmt.Sprintf("page%d.html", i))
		p.docs = append(p.docs, []byte(b.String()))
	}
	return p
}

// Len returns the number of distinct documents.
func (p *Pages) Len() int { return len(p.docs) }

// Bytes returns the size of document i.
func (p *Pages) Bytes(i int) int { return len(p.docs[i%len(p.docs)]) }

// Server serves Pages at /p/<n>/<name>: URL n is document n modulo the
// number of documents, so any number of distinct URLs can be served.
type Server struct {
	pages   *Pages
	latency time.Duration
	srv     *http.Server
	ln      net.Listener
	done    chan struct{}

	mu    sync.Mutex
	first time.Time // when the first request arrived

	hits atomic.Int64
}

// Start serves pages on 127.0.0.1, each response after latency.
func Start(pages *Pages, latency time.Duration) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{pages: pages, latency: latency, ln: ln, done: make(chan struct{})}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// URL returns the address of page n.
func (s *Server) URL(n int) string {
	return fmt.Sprintf("http://%s/p/%d/%s", s.ln.Addr(), n, s.pages.names[n%len(s.pages.names)])
}

// Hits returns the number of requests served.
func (s *Server) Hits() int64 { return s.hits.Load() }

// FirstRequest returns when the first request since Reset arrived.
func (s *Server) FirstRequest() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

// Reset forgets the first request time and the hit count.
func (s *Server) Reset() {
	s.mu.Lock()
	s.first = time.Time{}
	s.mu.Unlock()
	s.hits.Store(0)
}

// Close stops the server.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.hits.Add(1) == 1 {
		s.mu.Lock()
		if s.first.IsZero() {
			s.first = time.Now()
		}
		s.mu.Unlock()
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/p/")
	num, _, _ := strings.Cut(rest, "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 {
		http.NotFound(w, r)
		return
	}
	if s.latency > 0 {
		time.Sleep(s.latency)
	}
	doc := s.pages.docs[n%len(s.pages.docs)]
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.Write(doc)
}
