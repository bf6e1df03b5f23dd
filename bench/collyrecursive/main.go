// Command collyrecursive is a benchmark contestant: a recursive crawl of
// one site written as a plain colly v2 program, the way its documentation
// and users write one: Async, MaxDepth, AllowedDomains, a LimitRule with
// Parallelism, and OnHTML("a[href]") visiting every link. It writes the
// button ids and links of every page it fetched as JSON keyed by URL.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"log"
	"net/url"
	"os"
	"sync"

	"github.com/gocolly/colly/v2"
)

type record struct {
	Button []string `json:"button"`
	Link   []string `json:"link"`
	Depth  int      `json:"depth"`
	Status int      `json:"status,omitempty"`
	Error  string   `json:"error,omitempty"`
}

func main() {
	output := flag.String("o", "-", "output file")
	parallelism := flag.Int("c", 32, "parallelism")
	depth := flag.Int("d", 1, "links to follow from the seed")
	maxRequests := flag.Uint("max-requests", 0, "colly.MaxRequests, 0 for none")
	flag.Parse()
	seed := flag.Arg(0)
	u, err := url.Parse(seed)
	if err != nil {
		log.Fatal(err)
	}

	var mu sync.Mutex
	out := make(map[string]*record)
	get := func(r *colly.Request) *record {
		k := r.URL.String()
		rec := out[k]
		if rec == nil {
			rec = &record{Button: []string{}, Link: []string{}, Depth: r.Depth - 1}
			out[k] = rec
		}
		return rec
	}

	opts := []colly.CollectorOption{
		colly.Async(true),
		colly.MaxDepth(*depth + 1), // colly counts the seed as depth 1
		colly.AllowedDomains(u.Hostname()),
		colly.MaxBodySize(10 << 20),
	}
	if *maxRequests > 0 {
		opts = append(opts, colly.MaxRequests(uint32(*maxRequests)))
	}
	c := colly.NewCollector(opts...)
	c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: *parallelism})
	c.OnHTML("button[id]", func(e *colly.HTMLElement) {
		mu.Lock()
		r := get(e.Request)
		r.Button = append(r.Button, e.Attr("id"))
		mu.Unlock()
	})
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		link := e.Request.AbsoluteURL(e.Attr("href"))
		mu.Lock()
		r := get(e.Request)
		r.Link = append(r.Link, link)
		mu.Unlock()
		e.Request.Visit(e.Attr("href"))
	})
	c.OnResponse(func(resp *colly.Response) {
		mu.Lock()
		get(resp.Request).Status = resp.StatusCode
		mu.Unlock()
	})
	c.OnError(func(resp *colly.Response, err error) {
		mu.Lock()
		get(resp.Request).Error = err.Error()
		mu.Unlock()
	})
	c.Visit(seed)
	c.Wait()

	w := os.Stdout
	if *output != "-" {
		if w, err = os.Create(*output); err != nil {
			log.Fatal(err)
		}
	}
	bw := bufio.NewWriter(w)
	if err := json.NewEncoder(bw).Encode(out); err != nil {
		log.Fatal(err)
	}
	bw.Flush()
	w.Close()
}
