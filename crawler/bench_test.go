package crawler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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

// BenchmarkFrontierScale measures what a frontier of a million and of ten
// million discovered URLs costs: they are all proposed while their parent
// is in flight (so they wait on disk), then taken (into the seen-set, and
// through the queue), as in a crawl whose frontier outgrows memory. It
// reports the growth of the process's resident memory at the peak and the
// most bytes the spill files held.
//
//	go test ./crawler -run '^$' -bench FrontierScale -benchtime 1x
func BenchmarkFrontierScale(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("%dM", n/1_000_000), func(b *testing.B) {
			for range b.N {
				frontierScale(b, n)
			}
		})
	}
}

func frontierScale(b *testing.B, n int) {
	ctx := context.Background()
	dir := b.TempDir()
	runtime.GC()
	rss0 := residentBytes()
	f := newMemFrontier(frontierLimits{seeds: 64, window: frontierWindow, dir: dir}, nil)
	defer f.release()
	f.Add(ctx, Task{Seed: Seed{URL: "https://example.com/"}, Key: "https://example.com/"})
	f.Close(ctx)
	seed, _ := f.Next(ctx)
	peakRSS, peakDisk := int64(0), int64(0)
	sample := func() {
		peakRSS = max(peakRSS, residentBytes()-rss0)
		peakDisk = max(peakDisk, f.spilled())
	}
	for i := range n {
		u := fmt.Sprintf("https://example.com/articles/%d/%d.html", i%9973, i)
		f.Add(ctx, Task{Seed: Seed{URL: u}, Key: u, Depth: 1, Parent: "https://example.com/"})
		if i%(n/10) == 0 {
			sample()
		}
	}
	sample()
	f.Done(ctx, seed, Page{})
	for i := range n {
		t, err := f.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		f.Done(ctx, t, Page{})
		if i%(n/10) == 0 {
			sample()
		}
	}
	sample()
	b.ReportMetric(float64(peakRSS)/1e6, "MB-RSS")
	b.ReportMetric(float64(peakDisk)/1e6, "MB-disk")
	b.ReportMetric(float64(peakRSS)/float64(n), "RSS-B/URL")
}

// residentBytes reads the process's resident set size from /proc.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	fmt.Sscan(string(b), &size, &resident)
	return resident * int64(os.Getpagesize())
}
