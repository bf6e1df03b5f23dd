package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/results"
)

// A recursive crawl of a small site: every page within two links of the
// seed, once, at its shortest distance, with the page that led to it.
func ExampleCrawler_Run() {
	site := map[string]string{
		"/":       `<a href="/a">a</a> <a href="/b#top">b</a> <a href="https://elsewhere.example/">out</a>`,
		"/a":      `<button id="buy">Buy</button> <a href="/b">b</a> <a href="/a/deep">deep</a>`,
		"/b":      `<a href="./">home</a>`,
		"/a/deep": `<a href="/too-deep">3 links away</a>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := site[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()

	c, err := crawler.New(crawler.Config{Depth: 2})
	if err != nil {
		panic(err)
	}
	m := results.NewMap()
	seeds := func(yield func(crawler.Seed) bool) { yield(crawler.Seed{URL: srv.URL + "/"}) }
	if err := c.Run(context.Background(), seeds, m); err != nil {
		panic(err)
	}
	for _, r := range m.Sorted() {
		fmt.Printf("%s depth %d buttons %v parent %q\n", r.URL[len(srv.URL):], r.Depth, r.Button, trim(r.Parent, srv.URL))
	}
	fmt.Println("not followed:", c.Progress().NotFollowed)
	// Output:
	// / depth 0 buttons [] parent ""
	// /a depth 1 buttons [buy] parent "/"
	// /a/deep depth 2 buttons [] parent "/a"
	// /b depth 1 buttons [] parent "/"
	// not followed: map[depth:1 scope:1]
}

func trim(u, prefix string) string {
	if len(u) >= len(prefix) {
		return u[len(prefix):]
	}
	return u
}

// A recursive crawl with a link filter of the caller's: pages under /docs/
// only, whatever the scope would allow.
func ExampleConfig_follow() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/docs/a">a</a> <a href="/blog/b">b</a> <a href="/docs/c">c</a>`)
	}))
	defer srv.Close()
	c, _ := crawler.New(crawler.Config{
		Depth: 1,
		Follow: func(from, to *url.URL, depth int) bool {
			return strings.HasPrefix(to.Path, "/docs/")
		},
	})
	m := results.NewMap()
	c.Run(context.Background(), func(yield func(crawler.Seed) bool) { yield(crawler.Seed{URL: srv.URL + "/"}) }, m)
	for _, r := range m.Sorted() {
		fmt.Println(r.URL[len(srv.URL):], r.Depth)
	}
	fmt.Println("not followed:", c.Progress().NotFollowed)
	// Output:
	// / 0
	// /docs/a 1
	// /docs/c 1
	// not followed: map[depth:1 filter:1]
}
