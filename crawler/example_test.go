package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

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
