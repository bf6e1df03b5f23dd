package crawler

import (
	"context"

	"path/filepath"
	"testing"
	"time"

	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/results"
)

// BenchmarkCrawlCorpus crawls 2000 readability pages (the corpus repeated
// under distinct paths) from a local server with 32 fetchers, as crawlbench
// scenario A does but in-process; b.SetBytes makes MB/s the page bytes
// crawled per second.
//
//	go test -bench CrawlCorpus -benchmem ./crawler
func BenchmarkCrawlCorpus(b *testing.B) {
	pages, err := fixtureserver.LoadDir(filepath.Join(corpusDir, "readability"))
	if err != nil {
		b.Skipf("corpus not present at %s; skipping", corpusDir)
	}
	benchmarkCrawl(b, pages, 2000, 0)
}

// BenchmarkCrawlSmall crawls 5000 generated 5 KB pages.
func BenchmarkCrawlSmall(b *testing.B) {
	benchmarkCrawl(b, fixtureserver.Small(1000), 5000, 0)
}

func benchmarkCrawl(b *testing.B, pages *fixtureserver.Pages, n int, latency time.Duration) {
	srv, err := fixtureserver.Start(pages, latency)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	var size int64
	urls := make([]string, n)
	for i := range urls {
		urls[i] = srv.URL(i)
		size += int64(pages.Bytes(i))
	}
	c, err := New(Config{Concurrency: 32, PerHost: 32})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		m := results.NewMap()
		if err := c.Run(context.Background(), seedsOf(urls...), m); err != nil {
			b.Fatal(err)
		}
		if m.Len() != n {
			b.Fatalf("%d records", m.Len())
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
