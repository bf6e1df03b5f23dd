package report_test

import (
	"fmt"
	"os"

	"github.com/crawlkit/crawl/report"
	"github.com/crawlkit/crawl/results"
)

// A link check's records go into a Spill as the crawl makes them (it is a
// results.Sink); Report then reads them back and finds every link to what
// is broken. The records here are what crawler.Run with Config.Check
// would put.
func ExampleSpill_Report() {
	spill, err := report.NewSpill("", report.Options{Key: func(href string) string { return href }})
	if err != nil {
		panic(err)
	}
	defer spill.Close()
	for _, r := range []results.Record{
		{URL: "https://example.com/", Status: 200, Anchors: []string{"intro"},
			Link: []string{"https://example.com/#intro", "https://example.com/#usage", "https://other.example/gone"}},
		{URL: "https://other.example/gone", Depth: 1, Status: 404, Checked: true, Error: "HTTP 404 Not Found"},
	} {
		spill.Put(r)
	}
	rep, err := spill.Report()
	if err != nil {
		panic(err)
	}
	rep.WriteText(os.Stdout)
	fmt.Println("failed:", rep.Failed())
	// Output:
	// BROKEN  https://example.com/#usage
	//         no element with id or <a name> "usage"
	//         from https://example.com/ (link 1)
	// BROKEN  https://other.example/gone
	//         HTTP 404 Not Found
	//         from https://example.com/ (link 2)
	// crawl check: 1 pages crawled, 3 links on them, 1 checked out of the crawl, 2 fragments checked: 2 broken
	// failed: true
}
