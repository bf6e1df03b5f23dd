package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/render"
	"github.com/crawlkit/crawl/results"
)

// TestRenderedPagesThroughTheCrawler crawls script-built pages with a
// real Chromium: links found only by rendering are followed, records say
// rendered, and the browser's own requests go through the crawl's network:
// with DenyPrivate a page's script reaches neither another private address
// nor 169.254.169.254.
func TestRenderedPagesThroughTheCrawler(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		t.Skip(err)
	}
	var secretHits atomic.Int64
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secretHits.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fmt.Fprint(w, `{"link": "/from-secret"}`)
	}))
	defer secret.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			fmt.Fprintf(w, `<p>home<script>
document.body.insertAdjacentHTML('beforeend', '<a href="/built">built</a>');
for (const u of [%q, 'http://169.254.169.254/latest/meta-data/']) {
  fetch(u).then(r => r.json()).then(d => document.body.insertAdjacentHTML('beforeend', '<a href="' + d.link + '">x</a>')).catch(() => {});
}
</script>`, secret.URL+"/data")
		case "/built":
			fmt.Fprint(w, `<p>built<script>document.body.insertAdjacentHTML('beforeend', '<button id="deep">d</button>')</script>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()

	b, err := render.Start(context.Background(), render.Options{Tabs: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := crawler.New(crawler.Config{Depth: 1, DenyPrivate: true, Renderer: b, IgnoreRobots: true})
	if err != nil {
		t.Fatal(err)
	}
	// The site is on 127.0.0.1 too: only its own address is let through.
	siteAddr := strings.TrimPrefix(site.URL, "http://")
	crawler.SetDialCheck(c, func(network, address string) error {
		if address == siteAddr {
			return nil
		}
		return crawler.DenyPrivate(network, address)
	})
	m := results.NewMap()
	if err := c.Run(context.Background(), func(yield func(crawler.Seed) bool) { yield(crawler.Seed{URL: site.URL + "/"}) }, m); err != nil {
		t.Fatal(err)
	}
	home, _ := m.Get(site.URL + "/")
	if !home.Rendered || !slices.Equal(home.Link, []string{site.URL + "/built"}) {
		t.Errorf("home: %+v", home)
	}
	built, ok := m.Get(site.URL + "/built")
	if !ok || !built.Rendered || !slices.Equal(built.Button, []string{"deep"}) || built.Depth != 1 {
		t.Errorf("the page found only by rendering: %+v (recorded: %v)", built, ok)
	}
	if n := secretHits.Load(); n != 0 {
		t.Errorf("a page's script reached a private address %d times despite DenyPrivate", n)
	}
}
