package redis

import (
	"context"
	"fmt"
	"testing"

	goredis "github.com/redis/go-redis/v9"

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
