package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/internal/redistest"
)

// usedMemory is Redis's used_memory, from INFO memory.
func usedMemory(t *testing.T, rdb *goredis.Client) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatal("no used_memory in INFO memory")
	return 0
}

// TestFollowExport crawls a 50,000-page site with three workers while an
// exporter follows the job. Twice the exporter is SIGKILLed and started
// again on the same file, once interrupted (SIGINT) and started again, a
// worker is SIGKILLed, and Redis (AOF on) is restarted. The file must end up holding exactly the BFS page set, each
// URL once, and Redis only what the seen-set needs.
func TestFollowExport(t *testing.T) {
	if testing.Short() {
		t.Skip("a 50,000-page crawl")
	}
	const pages, depth = 50000, 12
	srv := redistest.Start(t, true)
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	base := usedMemory(t, rdb)
	s := startSite(t, pages, 8, time.Millisecond)
	out := filepath.Join(t.TempDir(), "job.jsonl")
	follow := []string{"export", "--redis", srv.URL(), "--job", "big", "--follow", "-o", out}
	exporter := startWorker(t, follow...)
	args := []string{"--redis", srv.URL(), "--job", "big", "--redis-lease", "5s", "-d", strconv.Itoa(depth), "-c", "16", "--per-host", "64", "-q", s.URL(0)}
	var workers []*worker
	for range 3 {
		workers = append(workers, startWorker(t, args...))
	}

	// A second exporter is refused while the first follows.
	waitExported(t, out, 2000)
	if res := runBinary(t, "", follow...); res.code != 2 || !strings.Contains(res.stderr, "another exporter follows the job") {
		t.Errorf("a second exporter: exit %d, want 2 and a refusal:\n%s", res.code, res.stderr)
	}
	for i, at := range []int64{8000, 20000} {
		waitExported(t, out, at)
		exporter.cmd.Process.Signal(syscall.SIGKILL)
		<-exporter.done
		if i == 0 {
			workers[0].cmd.Process.Signal(syscall.SIGKILL)
		}
		exporter = startWorker(t, follow...)
	}
	// SIGINT: it stops between batches, says how to go on, exit 130.
	waitExported(t, out, 25000)
	exporter.cmd.Process.Signal(syscall.SIGINT)
	if code := exporter.wait(t, time.Minute); code != 130 || !strings.Contains(exporter.stderr.String(), "run the same command again to go on") {
		t.Errorf("exporter interrupted: exit %d, want 130\n%s", code, exporter.stderr.String())
	}
	exporter = startWorker(t, follow...)
	waitExported(t, out, 30000)
	srv.Kill()
	time.Sleep(time.Second)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	for i, w := range append(workers[1:], exporter) {
		if code := w.wait(t, 10*time.Minute); code != 0 {
			t.Errorf("process %d: exit %d\n%s", i, code, w.stderr.String())
		}
	}
	recs := jsonlRecords(t, out)
	checkSiteRecords(t, s, depth, recs)
	t.Logf("%d records in the file; exporter said: %s", len(recs), strings.TrimSpace(exporter.stderr.String()))

	if n := rdb.XLen(ctx, "crawl:{big}:res").Val(); n != 0 {
		t.Errorf("%d records still in Redis", n)
	}
	seen := int64(len(recs)) // and the URLs found but not crawled: none here, every page within depth
	used := usedMemory(t, rdb) - base
	if limit := 24*seen + 2<<20; used > limit {
		t.Errorf("Redis holds %d bytes after the job, want at most %d: 24 bytes for each of %d URLs seen, and 2 MB", used, limit, seen)
	}
	t.Logf("Redis holds %d bytes more than before the job", used)
	jobs := runBinary(t, "", "jobs", "--redis", srv.URL())
	t.Logf("crawl jobs:\n%s", jobs.stdout)
	for line := range strings.Lines(jobs.stdout) {
		// JOB STATE RECORDS EXPORTED ... MEM RECORDS, SEEN, QUEUE (each "N MB")
		if f := strings.Fields(line); f[0] == "big" {
			mem, _ := strconv.ParseFloat(f[12], 64)
			if f[1] != "finished" || f[3] != strconv.Itoa(len(recs)) || f[10] != "0.0" || mem < 15*float64(seen)/1e6 || mem > 24*float64(seen)/1e6 {
				t.Errorf("crawl jobs says %q; want finished, %d exported, no record memory, and 15-24 bytes a URL seen", line, len(recs))
			}
		}
	}

	// Run again on the finished, drained job: nothing is written twice.
	before, _ := os.ReadFile(out)
	if res := runBinary(t, "", follow...); res.code != 0 {
		t.Errorf("exporting a finished job again: exit %d\n%s", res.code, res.stderr)
	}
	if after, _ := os.ReadFile(out); string(after) != string(before) {
		t.Errorf("exporting a finished job again changed the file: %d bytes, then %d", len(before), len(after))
	}
	// A plain export says the records moved out, not a partial object.
	if res := runBinary(t, "", "export", "--redis", srv.URL(), "--job", "big"); res.code != 1 || !strings.Contains(res.stderr, "moved to "+out) {
		t.Errorf("a plain export after --follow: exit %d\n%s", res.code, res.stderr)
	}
	// What the job holds is what job rm frees: its seen-set, and a few
	// small keys.
	held := usedMemory(t, rdb)
	if rm := runBinary(t, "", "job", "rm", "--redis", srv.URL(), "--job", "big"); rm.code != 0 {
		t.Fatalf("job rm: exit %d\n%s", rm.code, rm.stderr)
	}
	job := held - usedMemory(t, rdb)
	if limit := 24*seen + 64<<10; job > limit {
		t.Errorf("the job held %d bytes in Redis, want at most %d: 24 for each of %d URLs seen, and 64 KB", job, limit, seen)
	}
	t.Logf("the job held %d bytes in Redis: %.1f bytes a URL seen", job, float64(job)/float64(seen))
}

// waitExported waits until the file holds at least n lines.
func waitExported(t *testing.T, path string, n int64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		data, _ := os.ReadFile(path)
		if int64(strings.Count(string(data), "\n")) >= n {
			return
		}
	}
	t.Fatalf("%s never held %d records", path, n)
}
