package results_test

import (
	"os"

	"github.com/crawlkit/crawl/results"
)

func ExampleNewJSONL() {
	w := results.NewJSONL(os.Stdout)
	w.Put(results.Record{URL: "https://example.com/", Button: []string{"login"}, Link: []string{"https://example.com/about"}, Status: 200})
	w.Put(results.Record{URL: "https://down.example/", Error: "dial tcp: connection refused"})
	// Output:
	// {"url":"https://example.com/","button":["login"],"link":["https://example.com/about"],"status":200,"depth":0,"duration_ms":0}
	// {"url":"https://down.example/","button":[],"link":[],"depth":0,"duration_ms":0,"error":"dial tcp: connection refused"}
}

func ExampleWriteJSON() {
	m := results.NewMap()
	m.Put(results.Record{URL: "https://b.example/", Status: 200})
	m.Put(results.Record{URL: "https://a.example/", Status: 404, Error: "HTTP 404 Not Found"})
	results.WriteJSON(os.Stdout, m.Sorted())
	// Output:
	// {
	//  "https://a.example/": {"button":[],"link":[],"status":404,"depth":0,"duration_ms":0,"error":"HTTP 404 Not Found"},
	//  "https://b.example/": {"button":[],"link":[],"status":200,"depth":0,"duration_ms":0}
	// }
}
