package results_test

import (
	"os"

	"github.com/crawlkit/crawl/results"
)

// Writing records as JSON lines, one per record, as crawl -f jsonl does.
func ExampleNewJSONL() {
	w := results.NewJSONL(os.Stdout)
	w.Put(results.Record{URL: "https://example.com/", Button: []string{"buy"}, Link: []string{"https://example.com/about"}, Status: 200, Attempts: 1})
	w.Put(results.Record{URL: "https://down.example/", Attempts: 1, Error: "dial tcp: lookup down.example: no such host"})
	// Output:
	// {"url":"https://example.com/","button":["buy"],"link":["https://example.com/about"],"status":200,"depth":0,"duration_ms":0,"attempts":1}
	// {"url":"https://down.example/","button":[],"link":[],"depth":0,"duration_ms":0,"attempts":1,"error":"dial tcp: lookup down.example: no such host"}
}
