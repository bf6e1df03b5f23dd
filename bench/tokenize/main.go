// Command tokenize is a benchmark reference: the least a Go program can do
// for crawl's job. It fetches every URL with a plain http.Client and runs the
// golang.org/x/net/html Tokenizer over the body (no tree, no charset
// decoding, no URL resolution), collecting button ids and raw hrefs.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"sync"

	"golang.org/x/net/html"
)

type record struct {
	Button []string `json:"button"`
	Link   []string `json:"link"`
	Status int      `json:"status,omitempty"`
	Error  string   `json:"error,omitempty"`
}

func main() {
	input := flag.String("i", "", "file of URLs, one per line")
	output := flag.String("o", "-", "output file")
	workers := flag.Int("c", 32, "concurrent fetchers")
	flag.Parse()

	f, err := os.Open(*input)
	if err != nil {
		log.Fatal(err)
	}
	urls := make(chan string)
	go func() {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			urls <- sc.Text()
		}
		close(urls)
	}()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers}}
	var mu sync.Mutex
	out := map[string]*record{}
	var wg sync.WaitGroup
	for range *workers {
		wg.Go(func() {
			for u := range urls {
				r := fetch(client, u)
				mu.Lock()
				out[u] = r
				mu.Unlock()
			}
		})
	}
	wg.Wait()

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

func fetch(client *http.Client, u string) *record {
	r := &record{Button: []string{}, Link: []string{}}
	resp, err := client.Get(u)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer resp.Body.Close()
	r.Status = resp.StatusCode
	z := html.NewTokenizer(io.LimitReader(resp.Body, 10<<20))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return r
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			var key, val []byte
			for more {
				key, val, more = z.TagAttr()
				switch {
				case string(name) == "a" && string(key) == "href":
					r.Link = append(r.Link, string(val))
				case string(name) == "button" && string(key) == "id":
					r.Button = append(r.Button, string(val))
				}
			}
		}
	}
}
