package redis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/internal/redistest"
	"github.com/crawlkit/crawl/results"
)

// TestLinkHeavyPageKeepsRedisResponsive ends a page of 810,000 links (a
// 10 MiB page of short links) the way the crawler does, a chunk at a time:
// every link is taken into the job, and no script runs long enough to
// hold Redis up for anyone else (SLOWLOG, well under 250 ms).
func TestLinkHeavyPageKeepsRedisResponsive(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	// Every script over 1 ms is logged (the commands scripts call, which
	// Redis logs too, take microseconds), and counted in commandstats.
	rdb.ConfigSet(ctx, "slowlog-log-slower-than", "1000")
	rdb.ConfigSet(ctx, "slowlog-max-len", "100000")
	rdb.ConfigResetStat(ctx)

	j := openJob(t, srv, "heavy", Options{Settings: Settings{Depth: 1, Scope: "host"}})
	f := j.Frontier()
	seed := "http://h.example/"
	if _, err := f.Add(ctx, crawler.Task{Seed: crawler.Seed{URL: seed}, Key: seed}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(ctx); err != nil {
		t.Fatal(err)
	}
	task, err := f.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 810_000
	links := make([]crawler.Task, 0, crawler.LinkChunk)
	start := time.Now()
	for i := range n {
		u := fmt.Sprintf("http://h.example/p/%d", i)
		links = append(links, crawler.Task{Seed: crawler.Seed{URL: u}, Key: u, Depth: 1, Parent: seed})
		if len(links) == crawler.LinkChunk {
			if err := f.Offer(ctx, task, crawler.Page{Links: links}); err != nil {
				t.Fatal(err)
			}
			links = links[:0]
		}
	}
	rec := results.Record{URL: seed, Status: 200}
	if err := f.Done(ctx, task, crawler.Page{Record: &rec, Links: links}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(ctx); err != nil { // waits for the end and its drain
		t.Fatal(err)
	}
	t.Logf("810,000 links staged, ended and drained in %v", time.Since(start))

	p := prefixOf("heavy")
	if got, _ := rdb.HGet(ctx, p+"sm", "n").Int64(); got != n+1 {
		t.Errorf("seen-set holds %d keys, want %d", got, n+1)
	}
	if got := rdb.XLen(ctx, p+"q").Val(); got != n {
		t.Errorf("%d tasks queued, want %d", got, n)
	}
	if got := rdb.XLen(ctx, p+"res").Val(); got != 1 {
		t.Errorf("%d records, want 1", got)
	}
	if keys := rdb.Keys(ctx, p+"stage:*").Val(); len(keys) > 0 {
		t.Errorf("staging left behind: %v", keys)
	}
	if keys := rdb.Keys(ctx, p+"drain*").Val(); len(keys) > 0 {
		t.Errorf("drains left behind: %v", keys)
	}
	var longest time.Duration
	var what []string
	scripts := 0
	stats := rdb.Info(ctx, "commandstats").Val()
	for _, line := range strings.Split(stats, "\n") {
		if strings.HasPrefix(line, "cmdstat_evalsha:") {
			t.Logf("scripts run: %s", strings.TrimSpace(line))
		}
	}
	entries := rdb.SlowLogGet(ctx, -1).Val()
	for _, e := range entries {
		if len(e.Args) == 0 || e.Args[0] != "evalsha" && e.Args[0] != "eval" {
			continue
		}
		scripts++
		if e.Duration > longest {
			longest, what = e.Duration, e.Args[:min(3, len(e.Args))]
		}
	}
	t.Logf("%d scripts ran over 1 ms; the longest %v (%v)", scripts, longest, what)
	if longest > 250*time.Millisecond {
		t.Errorf("longest script ran %v, want well under 250 ms", longest)
	}
}

// TestStagedLinksKeepDepthExact crawls, with three workers, a site whose
// every page has more links than a chunk, so that every page's links are
// staged and drained: the pages crawled are exactly the BFS set, each at
// its distance, each fetched once.
func TestStagedLinksKeepDepthExact(t *testing.T) {
	srv := redistest.Start(t, false)
	site, err := fixtureserver.StartSite(1500, crawler.LinkChunk+60, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	set := Settings{Depth: 2, Scope: "host"}
	errs := make(chan error, 3)
	for range 3 {
		j := openJob(t, srv, "staged", Options{Settings: set})
		go func() { errs <- runWorker(t, j, crawler.Config{Concurrency: 8, Depth: 2}, []string{site.URL(0)}) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	checkBFS(t, site, 2, jobRecords(t, srv, "staged"))
	for n := range site.BFS(2) {
		if h := site.Hits(n); h != 1 {
			t.Errorf("page %d fetched %d times", n, h)
		}
	}
}

// TestBusyIsAnOutage: while another client's script holds Redis past its
// busy threshold, a worker's steps get BUSY; they are retried until Redis
// answers again, not failed.
func TestBusyIsAnOutage(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), ReadTimeout: 10 * time.Second})
	defer rdb.Close()
	if err := rdb.ConfigSet(ctx, "busy-reply-threshold", "50").Err(); err != nil {
		t.Skipf("this Redis has no busy-reply-threshold: %v", err)
	}
	j := openJob(t, srv, "busy", Options{Settings: Settings{Depth: 1, Scope: "host"}})
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		// Another job's script that runs for 1.5 s.
		done <- rdb.Eval(ctx, `local t = redis.call('TIME')
while true do
  local n = redis.call('TIME')
  if (n[1] - t[1]) * 1000000 + (n[2] - t[2]) >= 1500000 then return 1 end
end`, nil).Err()
	}()
	<-started
	time.Sleep(200 * time.Millisecond)
	if _, err := j.Stats(ctx); err != nil {
		t.Fatalf("Stats during another client's long script: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
