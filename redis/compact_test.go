package redis

import (
	"context"
	"fmt"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/internal/redistest"
)

// seenSet and seenGet reach the seen-set's helpers directly, for tests.
// ARGV: maxp, maxh, key hash[, value].
var (
	seenSet = goredis.NewScript(common + `seen_set(ARGV[3], ARGV[4]) return 1`)
	seenGet = goredis.NewScript(common + `return seen_get(ARGV[3]) or 'absent'`)
)

// TestSeenSetBuckets fills the seen-set through many splits and checks that
// every key is still found with its value, that nothing absent is, and
// that every bucket stayed a listpack, small enough that Redis never
// converted it.
func TestSeenSetBuckets(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	keys := []string{prefixOf("seen")}
	const n = 30000
	if err := seenSet.Load(ctx, rdb).Err(); err != nil { // a pipeline sends EVALSHA only
		t.Fatal(err)
	}
	pipe := rdb.Pipeline()
	for i := range n {
		seenSet.Run(ctx, pipe, keys, 0, 0, keyHash(fmt.Sprint("http://a/", i)), fmt.Sprint("p", i%7))
		if i%1000 == 999 {
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Setting a key again changes its value, not the count.
	if err := seenSet.Run(ctx, rdb, keys, 0, 0, keyHash("http://a/5"), "").Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := rdb.HGet(ctx, keys[0]+"sm", "n").Int(); got != n {
		t.Errorf("count %d, want %d", got, n)
	}
	for i := range n {
		want := fmt.Sprint("p", i%7)
		if i == 5 {
			want = ""
		}
		got, err := seenGet.Run(ctx, rdb, keys, 0, 0, keyHash(fmt.Sprint("http://a/", i))).Text()
		if err != nil || got != want {
			t.Fatalf("key %d: %q, %v; want %q", i, got, err, want)
		}
	}
	if got, _ := seenGet.Run(ctx, rdb, keys, 0, 0, keyHash("http://a/none")).Text(); got != "absent" {
		t.Errorf("a key never set reads %q", got)
	}
	buckets := rdb.Keys(ctx, keys[0]+"s:*").Val()
	if len(buckets) < n/40 { // SEENLOAD in common
		t.Errorf("%d buckets for %d keys: too few splits", len(buckets), n)
	}
	total := 0
	for _, b := range buckets {
		size := int(rdb.HLen(ctx, b).Val())
		total += size
		if enc := rdb.ObjectEncoding(ctx, b).Val(); enc != "listpack" {
			t.Errorf("bucket %s of %d entries is a %s", b, size, enc)
		}
	}
	if total != n {
		t.Errorf("buckets hold %d keys, want %d", total, n)
	}
	t.Logf("%d keys in %d buckets", n, len(buckets))
}

// TestWire checks that tasks come back from the job as they went in, in
// the compact form or as JSON, and that Lua reads the compact form as Go
// does (for dead letters).
func TestWire(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	luaDecode := goredis.NewScript(common + `local t = decode(ARGV[3]) return cjson.encode({t.u or '', t.d or -1, t.p or ''})`)
	tests := []struct {
		name    string
		task    crawler.Task
		perHost bool
		compact bool
	}{
		{"seed", crawler.Task{Seed: crawler.Seed{URL: "http://a/x"}, Key: "http://a/x"}, false, true},
		{"link", crawler.Task{Seed: crawler.Seed{URL: "http://a/b/c?q=1"}, Key: "http://a/b/c?q=1", Depth: 3, Parent: "http://a/b/"}, false, true},
		{"parent longer", crawler.Task{Seed: crawler.Seed{URL: "http://a/"}, Key: "http://a/", Depth: 1, Parent: "http://a/index.html"}, false, true},
		{"other host", crawler.Task{Seed: crawler.Seed{URL: "https://b/"}, Key: "https://b/", Depth: 2, Parent: "http://a/p"}, false, true},
		{"a key of its own", crawler.Task{Seed: crawler.Seed{URL: "http://a/x?b=1&a=2"}, Key: "http://a/x?a=2&b=1", Depth: 1, Parent: "http://a/"}, false, false},
		{"per-host limit", crawler.Task{Seed: crawler.Seed{URL: "http://a/x"}, Key: "http://a/x", Depth: 1, Parent: "http://a/"}, true, false},
		{"a parent with a space", crawler.Task{Seed: crawler.Seed{URL: "http://a/x"}, Key: "http://a/x", Depth: 1, Parent: "http://a/ y"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &Job{}
			if tt.perHost {
				j.set.MaxPagesPerHost = 5
			}
			raw, err := j.wire(tt.task)
			if err != nil {
				t.Fatal(err)
			}
			if compact := raw[0] != '{'; compact != tt.compact {
				t.Errorf("%q: compact %v, want %v", raw, compact, tt.compact)
			}
			w, err := unwire(raw)
			if err != nil {
				t.Fatal(err)
			}
			if w.Key == "" {
				w.Key = w.URL
			}
			if w.URL != tt.task.URL || w.Key != tt.task.Key || w.Depth != tt.task.Depth || w.Parent != tt.task.Parent {
				t.Errorf("%q came back as %+v", raw, w)
			}
			got, err := luaDecode.Run(ctx, rdb, []string{"p"}, 0, 0, raw).Text()
			want := fmt.Sprintf(`[%q,%d,%q]`, tt.task.URL, tt.task.Depth, tt.task.Parent)
			if err != nil || strings.ReplaceAll(got, `\/`, `/`) != want {
				t.Errorf("Lua read %q as %s, %v; want %s", raw, got, err, want)
			}
		})
	}
}
