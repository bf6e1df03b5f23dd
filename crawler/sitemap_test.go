package crawler

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func urlset(locs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, l := range locs {
		fmt.Fprintf(&b, "<url><loc>\n  %s\n</loc><lastmod>2026-01-01</lastmod></url>", l)
	}
	return b.String() + "</urlset>"
}

func TestSitemaps(t *testing.T) {
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "User-agent: *\nDisallow: /private\nSitemap: %s/sm-index.xml\n", srv.URL)
	})
	mux.HandleFunc("/sm-index.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>%[1]s/sm1.xml.gz</loc></sitemap><sitemap><loc>%[1]s/sm2.xml</loc></sitemap></sitemapindex>`, srv.URL)
	})
	mux.HandleFunc("/sm1.xml.gz", func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		fmt.Fprint(zw, urlset(srv.URL+"/only-in-1", srv.URL+"/private/x", "http://other.example/out"))
		zw.Close()
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(b.Bytes())
	})
	mux.HandleFunc("/sm2.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, urlset(srv.URL+"/only-in-2", srv.URL+"/linked", srv.URL+"/deep"))
	})
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("/{$}", page(`<a href="/linked">linked</a>`))
	mux.HandleFunc("/linked", page(`<a href="/deep">deep</a>`))
	mux.HandleFunc("/", page(`leaf`))
	srv = httptest.NewServer(mux)
	defer srv.Close()

	c := newTestCrawler(t, Config{Depth: 1, Sitemap: true})
	recs := crawlRecords(t, c, srv.URL+"/")
	want := map[string]int{"/": 0, "/linked": 1, "/only-in-1": 1, "/only-in-2": 1, "/deep": 1}
	if len(recs) != len(want) {
		t.Errorf("%d records, want %d: %v", len(recs), len(want), recs)
	}
	for path, depth := range want {
		r, ok := recs[srv.URL+path]
		if !ok || r.Depth != depth || r.Error != "" {
			t.Errorf("%s: %+v (recorded: %v), want depth %d", path, r, ok, depth)
		}
	}
	if p := recs[srv.URL+"/only-in-2"].Parent; p != srv.URL+"/sm2.xml" {
		t.Errorf("parent of a sitemap URL = %q, want the sitemap", p)
	}
	nf := c.Progress().NotFollowed
	if nf[skipRobots] != 1 || nf[skipScope] != 1 {
		t.Errorf("not followed: %v, want one for robots and one for scope", nf)
	}

	// Without a Sitemap: line, /sitemap.xml is read.
	mux2 := http.NewServeMux()
	mux2.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, urlset("/relative-is-ignored", "http://"+r.Host+"/from-default"))
	})
	mux2.HandleFunc("/", page(`<p>no links`))
	srv2 := httptest.NewServer(mux2)
	defer srv2.Close()
	c = newTestCrawler(t, Config{Depth: 2, Sitemap: true, IgnoreRobots: true})
	recs = crawlRecords(t, c, srv2.URL+"/")
	if _, ok := recs[srv2.URL+"/from-default"]; !ok || len(recs) != 2 {
		t.Errorf("records: %v", recs)
	}

	if _, err := New(Config{Sitemap: true}); err == nil {
		t.Error("Sitemap without Depth accepted")
	}
}

func TestParseSitemap(t *testing.T) {
	many := make([]string, maxSitemapURLs+10)
	for i := range many {
		many[i] = fmt.Sprintf("http://e.com/%d", i)
	}
	tests := []struct {
		name    string
		doc     string
		n       int
		index   bool
		wantErr bool
	}{
		{"urlset", urlset("http://e.com/a", "http://e.com/b"), 2, false, false},
		{"index", `<sitemapindex><sitemap><loc>http://e.com/s1.xml</loc></sitemap></sitemapindex>`, 1, true, false},
		{"capped", urlset(many...), maxSitemapURLs, false, false},
		{"not a sitemap", `<!DOCTYPE html><html><body>hello</body></html>`, 0, false, true},
		{"cut short", `<urlset><url><loc>http://e.com/a</loc></url><url><loc>http://e.`, 1, false, true},
		{"image sitemap", `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"><url><loc>http://e.com/p</loc><image:image><image:loc>http://e.com/i.jpg</image:loc></image:image></url></urlset>`, 1, false, false},
		{"undeclared image prefix", `<urlset><url><loc>http://e.com/p</loc><image:image><image:loc>http://e.com/i.jpg</image:loc></image:image></url></urlset>`, 1, false, false},
		{"loc of another namespace", `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc xmlns="urn:other">http://e.com/x</loc><loc>http://e.com/y</loc></url></urlset>`, 1, false, false},
		{"loc outside url", `<urlset><loc>http://e.com/x</loc><url><x><loc>http://e.com/deep</loc></x></url></urlset>`, 0, false, false},
		{"error after good entries", urlset(many[:3000]...)[:len(urlset(many[:3000]...))-len("</urlset>")] + "<url><loc>http://e.com/bad</loc></url></urlset>" + "<", 3001, false, true},
		{"error in the middle", strings.Replace(urlset(many[:2000]...), "<url><loc>\n  http://e.com/1000\n", "<url><loc <\n", 1), 1000, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			locs, index, err := parseSitemap(strings.NewReader(tt.doc))
			if len(locs) != tt.n || index != tt.index || (err != nil) != tt.wantErr {
				t.Errorf("%d locs, index %v, error %v", len(locs), index, err)
			}
		})
	}
}
