package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/internal/redistest"
	"github.com/crawlkit/crawl/results"
)

func openJob(t *testing.T, srv *redistest.Server, name string, opt Options) *Job {
	t.Helper()
	opt.URL, opt.Job = srv.URL(), name
	j, err := Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close(context.Background()) })
	return j
}

// runWorker crawls job with a crawler of its own, as one process would.
func runWorker(t *testing.T, j *Job, cfg crawler.Config, seeds []string) error {
	cfg.Frontier, cfg.Robots, cfg.Limiter = j.Frontier(), j, j
	c, err := crawler.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c.Run(context.Background(), func(yield func(crawler.Seed) bool) {
		for _, s := range seeds {
			if !yield(crawler.Seed{URL: s}) {
				return
			}
		}
	}, discard{})
}

type discard struct{}

func (discard) Put(results.Record) error { return nil }

func jobRecords(t *testing.T, srv *redistest.Server, name string) []results.Record {
	t.Helper()
	var recs []results.Record
	if err := Records(context.Background(), srv.URL(), name, func(r results.Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

// checkBFS checks that recs are exactly the site's pages within depth, each
// once at its BFS distance.
func checkBFS(t *testing.T, s *fixtureserver.Site, depth int, recs []results.Record) {
	t.Helper()
	want := s.BFS(depth)
	got := map[int]bool{}
	for _, r := range recs {
		u, err := url.Parse(r.URL)
		n := fixtureserver.Page(u.Path)
		switch {
		case err != nil || n < 0 || r.Error != "":
			t.Errorf("unexpected record %+v", r)
		case got[n]:
			t.Errorf("page %d recorded twice", n)
		case want[n] != r.Depth:
			t.Errorf("page %d at depth %d, BFS distance %d", n, r.Depth, want[n])
		}
		got[n] = true
	}
	if len(got) != len(want) {
		t.Errorf("%d pages recorded, want %d", len(got), len(want))
	}
}

func TestSharedJobIsOneCrawl(t *testing.T) {
	srv := redistest.Start(t, false)
	site, err := fixtureserver.StartSite(400, 6, 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	set := Settings{Depth: 3, Scope: "host"}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		j := openJob(t, srv, "one", Options{Settings: set})
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = runWorker(t, j, crawler.Config{Concurrency: 8, Depth: 3}, []string{site.URL(0)})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	checkBFS(t, site, 3, jobRecords(t, srv, "one"))
	for n := range site.BFS(3) {
		if h := site.Hits(n); h != 1 {
			t.Errorf("page %d fetched %d times", n, h)
		}
	}
	st, err := List(context.Background(), srv.URL())
	if err != nil || len(st) != 1 || !st[0].Finished() || st[0].Records != int64(len(site.BFS(3))) {
		t.Errorf("List = %+v, %v", st, err)
	}
}

func TestSettingsMustAgree(t *testing.T) {
	srv := redistest.Start(t, false)
	openJob(t, srv, "s", Options{Settings: Settings{Depth: 2, Scope: "host"}})
	_, err := Open(context.Background(), Options{URL: srv.URL(), Job: "s", Settings: Settings{Depth: 3, Scope: "host"}})
	if !errors.Is(err, ErrSettings) || !strings.Contains(err.Error(), "--depth is 2 in the job, 3 here") {
		t.Fatalf("err = %v", err)
	}
}

func TestDeadLetterAfterMaxDeliveries(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	opt := Options{Lease: 150 * time.Millisecond, MaxDeliveries: 3}
	seed := crawler.Task{Seed: crawler.Seed{URL: "http://127.0.0.1:1/crash"}, Key: "http://127.0.0.1:1/crash"}
	first := openJob(t, srv, "dl", opt)
	if _, err := first.Add(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := first.Frontier().Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Three workers in turn take the task and vanish without a word, as
	// a worker killed by the page would.
	for i := range 3 {
		w := openJob(t, srv, "dl", opt)
		w.Frontier().Close(ctx) // no seeds of its own
		tk, err := w.Next(ctx)
		if err != nil || tk.URL != seed.URL {
			t.Fatalf("delivery %d: %+v, %v", i+1, tk, err)
		}
		if i == 2 {
			w.NoteError(ctx, tk, "parser crashed")
		}
		w.front.stopHeartbeat()
		w.front.mu.Lock()
		w.front.held = map[string]string{} // gone: nothing to release
		w.front.mu.Unlock()
	}
	last := openJob(t, srv, "dl", opt)
	last.Frontier().Close(ctx)
	if tk, err := last.Next(ctx); !errors.Is(err, crawler.ErrDrained) {
		t.Fatalf("Next = %+v, %v; want the job finished", tk, err)
	}
	recs := jobRecords(t, srv, "dl")
	if len(recs) != 1 || recs[0].URL != seed.URL || recs[0].Error != "dead letter: delivered 3 times; last error: parser crashed" {
		t.Fatalf("records = %+v", recs)
	}
}

func TestStopReleasesAtOnce(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	opt := Options{Lease: time.Hour, Batch: 4}
	a := openJob(t, srv, "rel", opt)
	for i := range 4 {
		u := "http://127.0.0.1:1/" + string(rune('a'+i))
		a.Add(ctx, crawler.Task{Seed: crawler.Seed{URL: u}, Key: u})
	}
	a.Frontier().Close(ctx)
	tk, err := a.Next(ctx) // reads all four, hands out one
	if err != nil {
		t.Fatal(err)
	}
	a.Stop() // the three read and not handed out go back
	if err := a.Done(ctx, tk, crawler.Page{Record: &results.Record{URL: tk.URL, Error: crawler.ErrInterrupted.Error()}}); err != nil {
		t.Fatal(err)
	}
	b := openJob(t, srv, "rel", opt)
	b.Frontier().Close(ctx)
	var got []string
	for range 4 {
		tk, err := b.Next(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, tk.URL)
		b.Done(ctx, tk, crawler.Page{Record: &results.Record{URL: tk.URL}})
	}
	slices.Sort(got)
	if len(got) != 4 || got[0] != "http://127.0.0.1:1/a" {
		t.Fatalf("b got %v", got)
	}
	if _, err := b.Next(ctx); !errors.Is(err, crawler.ErrDrained) {
		t.Fatalf("Next = %v", err)
	}
}

// TestRedirectClaim checks that a redirect target is taken once, also when
// it was only proposed so far.
func TestRedirectClaim(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	j := openJob(t, srv, "claim", Options{})
	for _, c := range []struct {
		key  string
		want bool
	}{{"http://a/x", true}, {"http://a/x", false}, {"http://a/y", true}} {
		if got, err := j.Claim(ctx, c.key); err != nil || got != c.want {
			t.Errorf("Claim(%s) = %v, %v; want %v", c.key, got, err, c.want)
		}
	}
	// A proposal (a link waiting for its depth's turn) is not yet taken.
	if err := seenSet.Run(ctx, j.rdb, j.keys, 0, 0, keyHash("http://a/z"), "p3").Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := j.Claim(ctx, "http://a/z"); !got {
		t.Error("a proposed page was not taken by the redirect")
	}
}

// TestEntryNotATask writes entries that are not tasks into a job's
// stream: a worker drops them, saying so, without failing, and the job
// still finishes.
func TestEntryNotATask(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	j := openJob(t, srv, "bad", Options{Lease: 200 * time.Millisecond, MaxDeliveries: 1})
	for _, v := range []string{`not json`, `{"u":""}`, `{"d":2}`, `[1,2]`} {
		if err := j.rdb.XAdd(ctx, &goredis.XAddArgs{Stream: j.prefix + "q", Values: []string{"t", v}}).Err(); err != nil {
			t.Fatal(err)
		}
		d := 0
		if v == `{"d":2}` {
			d = 2
		}
		j.rdb.HIncrBy(ctx, j.prefix+"pend", fmt.Sprint(d), 1)
		j.rdb.ZAdd(ctx, j.prefix+"pdep", goredis.Z{Score: float64(d), Member: d})
	}
	j.Frontier().Close(ctx)
	if tk, err := j.Next(ctx); !errors.Is(err, crawler.ErrDrained) {
		t.Fatalf("Next = %+v, %v; want the job finished", tk, err)
	}
	if recs := jobRecords(t, srv, "bad"); len(recs) != 0 {
		t.Errorf("records %+v", recs)
	}
}
