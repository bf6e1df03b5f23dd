// Command colly is a benchmark contestant: the same job as crawl (button ids
// and links of every URL in a list, as JSON keyed by URL) written as a plain
// colly v2 program, the way its documentation shows.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"log"
	"os"
	"strings"
	"sync"

	"github.com/gocolly/colly/v2"
)

type record struct {
	Button []string            `json:"button"`
	Link   []string            `json:"link"`
	Fields map[string][]string `json:"fields,omitempty"`
	Status int                 `json:"status,omitempty"`
	Error  string              `json:"error,omitempty"`
}

func main() {
	input := flag.String("i", "", "file of URLs, one per line")
	output := flag.String("o", "-", "output file")
	parallelism := flag.Int("c", 32, "parallelism")
	selectField := flag.String("select", "", "a custom field NAME=CSS: the text of every element CSS matches, as crawl --select")
	flag.Parse()

	f, err := os.Open(*input)
	if err != nil {
		log.Fatal(err)
	}
	var urls []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		urls = append(urls, sc.Text())
	}

	var mu sync.Mutex
	out := make(map[string]*record, len(urls))
	get := func(u string) *record {
		r := out[u]
		if r == nil {
			r = &record{Button: []string{}, Link: []string{}}
			out[u] = r
		}
		return r
	}

	c := colly.NewCollector(colly.Async(true), colly.AllowURLRevisit(), colly.MaxBodySize(10<<20))
	c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: *parallelism})
	c.OnHTML("button[id]", func(e *colly.HTMLElement) {
		mu.Lock()
		r := get(e.Request.URL.String())
		r.Button = append(r.Button, e.Attr("id"))
		mu.Unlock()
	})
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		link := e.Request.AbsoluteURL(e.Attr("href"))
		mu.Lock()
		r := get(e.Request.URL.String())
		r.Link = append(r.Link, link)
		mu.Unlock()
	})
	if name, css, ok := strings.Cut(*selectField, "="); ok {
		c.OnHTML(css, func(e *colly.HTMLElement) {
			text := strings.Join(strings.Fields(e.Text), " ")
			mu.Lock()
			r := get(e.Request.URL.String())
			if r.Fields == nil {
				r.Fields = map[string][]string{}
			}
			r.Fields[name] = append(r.Fields[name], text)
			mu.Unlock()
		})
	}
	c.OnResponse(func(resp *colly.Response) {
		mu.Lock()
		get(resp.Request.URL.String()).Status = resp.StatusCode
		mu.Unlock()
	})
	c.OnError(func(resp *colly.Response, err error) {
		mu.Lock()
		get(resp.Request.URL.String()).Error = err.Error()
		mu.Unlock()
	})
	for _, u := range urls {
		c.Visit(u)
	}
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
