package redis

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/internal/redistest"
	"github.com/crawlkit/crawl/results"
)

// TestFollowLease checks that a job has one follower at a time: a second
// is refused, a holder whose process is gone is taken over at once, and a
// follower whose lease was taken can no longer remove records.
func TestFollowLease(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx := context.Background()
	f, err := Follow(ctx, srv.URL(), "j", "/tmp/a.jsonl", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Follow(ctx, srv.URL(), "j", "/tmp/b.jsonl", nil); !errors.Is(err, ErrExporting) {
		t.Fatalf("a second follower: %v, want ErrExporting", err)
	}
	if _, err := Remove(ctx, srv.URL(), "j"); err == nil || !strings.Contains(err.Error(), "an exporter follows it") {
		t.Errorf("job rm while a follower follows: %v", err)
	}
	// The holder's process is gone (a pid no process has): taken over.
	gone := f.holder
	gone.PID = 1 << 30
	b, _ := json.Marshal(gone)
	f.rdb.Set(ctx, f.prefix+"exporter", b, 0)
	g, err := Follow(ctx, srv.URL(), "j", "/tmp/b.jsonl", nil)
	if err != nil {
		t.Fatalf("a holder that is gone was not taken over: %v", err)
	}
	defer g.Close()
	// f's lease is lost: its commit removes nothing.
	f.rdb.XAdd(ctx, &goredis.XAddArgs{Stream: f.prefix + "res", Values: []string{"r", `{"url":"http://a/"}`}})
	batch, _, err := f.Next(ctx, 10)
	if err != nil || len(batch.Lines) != 1 {
		t.Fatalf("Next: %d lines, %v", len(batch.Lines), err)
	}
	if err := f.Commit(ctx, batch, 10); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("commit without the lease: %v, want ErrLeaseLost", err)
	}
	if n := f.rdb.XLen(ctx, f.prefix+"res").Val(); n != 1 {
		t.Errorf("%d records left, want 1", n)
	}
	f.Close()
	// g's commit removes it; its step, repeated (a retry after a lost
	// answer), changes nothing more.
	batch, _, _ = g.Next(ctx, 10)
	if err := g.Commit(ctx, batch, 20); err != nil {
		t.Fatal(err)
	}
	if err := commit.Run(ctx, g.rdb, []string{g.prefix}, batch.last, 1, 20, g.token).Err(); err != nil {
		t.Fatal(err)
	}
	m, _ := g.Mark(ctx)
	if n := g.rdb.XLen(ctx, g.prefix+"res").Val(); n != 0 {
		t.Errorf("%d records left, want 0", n)
	}
	if m.Records != 1 || m.Offset != 20 || m.File != "/tmp/a.jsonl" || m.Holder.File != "/tmp/b.jsonl" {
		t.Errorf("mark %+v", m)
	}
}

// TestFollowEnds checks that a follower waits for a job that has no seeds
// yet, and ends once the job is finished and every record is read.
func TestFollowEnds(t *testing.T) {
	srv := redistest.Start(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := Follow(ctx, srv.URL(), "e", os.DevNull, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if done, err := f.finished(ctx); done || err != nil {
		t.Fatalf("a job with nothing in it yet is finished: %v, %v", done, err)
	}
	j := openJob(t, srv, "e", Options{})
	if err := runWorker(t, j, crawler.Config{}, []string{"http://127.0.0.1:1/"}); err != nil {
		t.Fatal(err)
	}
	b, done, err := f.Next(ctx, 10)
	if err != nil || done || len(b.Lines) != 1 {
		t.Fatalf("Next: %d lines, done %v, %v", len(b.Lines), done, err)
	}
	var r results.Record
	if err := json.Unmarshal(b.Lines[0], &r); err != nil || r.URL != "http://127.0.0.1:1/" || r.Error == "" {
		t.Errorf("record %s", b.Lines[0])
	}
	if err := f.Commit(ctx, b, 1); err != nil {
		t.Fatal(err)
	}
	if b, done, err := f.Next(ctx, 10); err != nil || !done || len(b.Lines) != 0 {
		t.Errorf("after the last record: %d lines, done %v, %v", len(b.Lines), done, err)
	}
	// A job that goes away (a Redis restarted without persistence) is an
	// error, not a wait for ever.
	srv.Kill()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Next(ctx, 10); !errors.Is(err, ErrGone) {
		t.Errorf("a job gone: %v, want ErrGone", err)
	}
}
