package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/internal/redistest"
	"github.com/crawlkit/crawl/redis"
	"github.com/crawlkit/crawl/results"
)

// Scenario S: three workers of one shared job (-c 16 each) crawl a
// generated site whose pages each take 100 ms, against a local
// redis-server. By Little's law their summed concurrency bounds the rate at
// 3*16/0.1 s = 480 pages/s.
const (
	sharedWorkers     = 3
	sharedConcurrency = 16
	sharedLatency     = 100 * time.Millisecond
)

var roundTrips = regexp.MustCompile(`this worker: (\d+) redis round trips`)

// runShared runs scenario S and prints its row.
func runShared(bin, dir string, runs int) error {
	for run := range runs {
		srv, err := launchRedis(dir, fmt.Sprint("redis-", run))
		if err != nil {
			return err
		}
		err = sharedOnce(bin, srv)
		srv.Kill()
		if err != nil {
			return err
		}
	}
	return nil
}

// launchRedis starts a redis-server keeping its files in dir/name.
func launchRedis(dir, name string) (*redistest.Server, error) {
	rdir := filepath.Join(dir, name)
	if err := os.MkdirAll(rdir, 0o755); err != nil {
		return nil, err
	}
	return redistest.Launch(rdir, false)
}

func sharedOnce(bin string, srv *redistest.Server) error {
	site, err := fixtureserver.StartSite(12000, 20, sharedLatency)
	if err != nil {
		return err
	}
	defer site.Close()
	c := fmt.Sprint(sharedConcurrency)
	args := []string{"--redis", srv.URL(), "--job", "bench", "-c", c, "--per-host", fmt.Sprint(sharedWorkers * sharedConcurrency), "-d", "100", "--no-progress", site.URL(0)}
	cmds := make([]*exec.Cmd, sharedWorkers)
	errs := make([]bytes.Buffer, sharedWorkers)
	// An exporter follows the job, draining the records as they finish.
	out, err := os.CreateTemp("", "crawlbench-S-*.jsonl")
	if err != nil {
		return err
	}
	out.Close()
	defer os.Remove(out.Name())
	var exportErr bytes.Buffer
	exporter := exec.Command(bin, "export", "--redis", srv.URL(), "--job", "bench", "--follow", "-o", out.Name())
	exporter.Stderr = &exportErr
	if err := exporter.Start(); err != nil {
		return err
	}
	start := time.Now()
	for i := range cmds {
		cmds[i] = exec.Command(bin, args...)
		cmds[i].Stderr = &errs[i]
		if err := cmds[i].Start(); err != nil {
			return err
		}
	}
	var trips int64
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("worker %d: %v\n%s", i, err, errs[i].String())
		}
		m := roundTrips.FindStringSubmatch(errs[i].String())
		if m == nil {
			return fmt.Errorf("worker %d did not report its round trips:\n%s", i, errs[i].String())
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		trips += n
	}
	wall := time.Since(start)
	if err := exporter.Wait(); err != nil {
		return fmt.Errorf("exporter: %v\n%s", err, exportErr.String())
	}
	pages, requests := site.Fetched()
	ceiling := float64(sharedWorkers*sharedConcurrency) / sharedLatency.Seconds()
	rate := float64(pages) / wall.Seconds()
	fmt.Printf("| S | 3 workers × -c %d, %v a page, an exporter following | %d | %d | %.1f s | %.0f | %.0f%% of %.0f | %.2f |\n",
		sharedConcurrency, sharedLatency, pages, requests, wall.Seconds(), rate, 100*rate/ceiling, ceiling, float64(trips)/float64(pages))
	return nil
}

// runRedisMemory measures what a 1,000,000-URL job holds in Redis, with
// INFO memory: per URL seen, per URL queued, and per record.
func runRedisMemory(dir string) error {
	const n = 1_000_000
	srv, err := launchRedis(dir, "redis-mem")
	if err != nil {
		return err
	}
	defer srv.Kill()
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	used := func() float64 { return redisUsed(ctx, rdb) }
	job, err := redis.Open(ctx, redis.Options{URL: srv.URL(), Job: "mem", Settings: redis.Settings{Depth: 3, Scope: "host"}})
	if err != nil {
		return err
	}
	defer job.Close(ctx)
	base := used()
	var taskBytes int
	for i := range n {
		u := fmt.Sprintf("http://shop.example.com/catalog/item/%d?ref=home", i)
		taskBytes += len(u)
		if _, err := job.Add(ctx, crawler.Task{Seed: crawler.Seed{URL: u}, Key: u}); err != nil {
			return err
		}
	}
	if err := job.Frontier().Close(ctx); err != nil {
		return err
	}
	queuedAndSeen := used() - base
	if err := rdb.Del(ctx, "crawl:{mem}:q").Err(); err != nil {
		return err
	}
	seen := used() - base
	linked, err := discoveredTask(ctx, job, used)
	if err != nil {
		return err
	}
	rec := results.Record{URL: "http://shop.example.com/catalog/item/1?ref=home", Status: 200, ContentType: "text/html; charset=utf-8", Bytes: 18000, DurationMS: 120, Attempts: 1, Depth: 2, Parent: "http://shop.example.com/catalog/", FetchedAt: time.Now().UTC(), Button: []string{"menu", "buy"}}
	for i := range 20 {
		rec.Link = append(rec.Link, fmt.Sprintf("http://shop.example.com/catalog/item/%d", i))
	}
	line := rec.AppendJSON(nil)
	before := used()
	pipe := rdb.Pipeline()
	const recs = 200_000
	for i := range recs {
		pipe.XAdd(ctx, &goredis.XAddArgs{Stream: "crawl:{mem}:res", Values: []string{"r", string(line)}})
		if i%10000 == 9999 {
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	perRecord := (used() - before) / recs
	fmt.Printf("\nRedis memory (INFO memory used_memory), %d URLs of %.0f bytes on average:\n", n, float64(taskBytes)/n)
	fmt.Printf("- seen-set: %.1f bytes a URL\n", seen/n)
	fmt.Printf("- queued seed (stream entry: the task in its compact form): %.1f bytes a URL, %.1f over its URL\n", (queuedAndSeen-seen)/n, (queuedAndSeen-seen-float64(taskBytes))/n)
	fmt.Printf("- queued link of a page (%s)\n", linked)
	fmt.Printf("- record (%d bytes of JSON: 20 links, 2 buttons): %.1f bytes, %.1f over its JSON\n", len(line), perRecord, perRecord-float64(len(line)))
	return nil
}

// discoveredTask measures what a link found on a page costs while it waits
// in the queue: its task names the page that linked to it, which a seed's
// does not.
func discoveredTask(ctx context.Context, job *redis.Job, used func() float64) (string, error) {
	const pages, links = 1000, 50
	parent := "http://shop.example.com/catalog/page/1"
	before := used()
	var urlBytes int
	for p := range pages {
		for l := range links {
			u := fmt.Sprintf("http://shop.example.com/catalog/linked/%d/%d?ref=home", p, l)
			urlBytes += len(u)
			if _, err := job.Add(ctx, crawler.Task{Seed: crawler.Seed{URL: u}, Key: u, Depth: 1, Parent: parent}); err != nil {
				return "", err
			}
		}
	}
	n := float64(pages * links)
	return fmt.Sprintf("%.1f bytes with the seen-set, over its URL of %.0f bytes and a parent of %d", (used()-before)/n, float64(urlBytes)/n, len(parent)), nil
}
