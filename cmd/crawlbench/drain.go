package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/redis"
)

// Scenario DRAIN: three workers crawl a generated site of 1,000,000 pages
// while crawl export --follow drains the records into a file. Redis's
// used memory is sampled through the run, beside what the job's seen-set
// and queue need at that moment (crawl jobs' figures): the rest, records
// in flight included, must stay under 32 MB.
const drainPages = 1_000_000

// runDrain runs scenario DRAIN once and prints what it measured.
func runDrain(bin, dir string) error {
	srv, err := launchRedis(dir, "redis-drain")
	if err != nil {
		return err
	}
	defer srv.Kill()
	site, err := fixtureserver.StartSite(drainPages, 8, 0)
	if err != nil {
		return err
	}
	defer site.Close()
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	base := redisUsed(ctx, rdb)
	cpu0 := redisCPU(ctx, rdb)

	out := filepath.Join(dir, "drain.jsonl")
	var errs [4]bytes.Buffer
	cmds := []*exec.Cmd{exec.Command(bin, "export", "--redis", srv.URL(), "--job", "drain", "--follow", "-o", out)}
	for range 3 {
		cmds = append(cmds, exec.Command(bin, "--redis", srv.URL(), "--job", "drain", "-c", "16", "--per-host", "48", "-d", "100", "--no-progress", "-q", site.URL(0)))
	}
	start := time.Now()
	for i, c := range cmds {
		c.Stderr = &errs[i]
		if err := c.Start(); err != nil {
			return err
		}
	}
	stop := make(chan struct{})
	var s drainSamples
	var wg sync.WaitGroup
	wg.Go(func() { s.sample(ctx, rdb, srv.URL(), base, stop) })
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			close(stop)
			return fmt.Errorf("process %d: %v\n%s", i, err, errs[i].String())
		}
	}
	wall := time.Since(start)
	cpu := redisCPU(ctx, rdb) - cpu0
	close(stop)
	wg.Wait()
	data, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	pages, _ := site.Fetched()
	fmt.Printf("\nDRAIN: %d pages (%d records in the file) in %.0f s, %.0f pages/s; %d samples of Redis's used memory\n",
		pages, bytes.Count(data, []byte("\n")), wall.Seconds(), float64(pages)/wall.Seconds(), s.n)
	perPage := cpu / float64(pages)
	fmt.Printf("- Redis's CPU: %.0f s in all, %.0f µs a page: one Redis core would sustain about %.0f pages/s\n", cpu, perPage*1e6, 1/perPage)
	fmt.Printf("- the most beyond the seen-set and queue of that moment: %.1f MB (the bound: 32 MB)\n", s.excess/1e6)
	fmt.Printf("- the most records waiting in Redis: %.1f MB; peak used memory %.1f MB, at the end %.1f MB (seen-set %.1f MB)\n", s.records/1e6, s.peak/1e6, s.last/1e6, s.lastSeen/1e6)
	return nil
}

// drainSamples is what the sampler saw, in bytes.
type drainSamples struct {
	n                     int
	excess, records, peak float64
	last, lastSeen        float64
}

func (d *drainSamples) sample(ctx context.Context, rdb *goredis.Client, url string, base float64, stop chan struct{}) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		jobs, err := redis.List(ctx, url)
		used := redisUsed(ctx, rdb) - base
		if err != nil || len(jobs) == 0 {
			continue
		}
		m := jobs[0].Memory
		d.n++
		d.excess = max(d.excess, used-float64(m.Seen+m.Queue))
		d.records = max(d.records, float64(m.Records))
		d.peak = max(d.peak, used)
		d.last, d.lastSeen = used, float64(m.Seen)
	}
}

// redisUsed is INFO memory's used_memory.
func redisUsed(ctx context.Context, rdb *goredis.Client) float64 {
	return redisInfo(ctx, rdb, "memory", "used_memory")
}

// redisCPU is the CPU seconds the Redis server used, user and system.
func redisCPU(ctx context.Context, rdb *goredis.Client) float64 {
	return redisInfo(ctx, rdb, "cpu", "used_cpu_user") + redisInfo(ctx, rdb, "cpu", "used_cpu_sys")
}

// redisInfo is one number of INFO section.
func redisInfo(ctx context.Context, rdb *goredis.Client, section, name string) float64 {
	info, _ := rdb.Info(ctx, section).Result()
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
