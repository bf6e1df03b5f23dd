package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/internal/redistest"
	"github.com/crawlkit/crawl/results"
)

// worker is a crawl process of a shared job.
type worker struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

func startWorker(t *testing.T, args ...string) *worker {
	t.Helper()
	w := &worker{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	w.cmd.Stderr = &w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.done)
		w.cmd.Wait()
		w.code = w.cmd.ProcessState.ExitCode()
	}()
	t.Cleanup(func() { w.cmd.Process.Kill(); <-w.done })
	return w
}

// wait waits for the worker to exit, failing the test after limit.
func (w *worker) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-w.done:
		return w.code
	case <-time.After(limit):
		w.cmd.Process.Kill()
		<-w.done
		t.Fatalf("worker did not finish in %v:\n%s", limit, w.stderr.String())
		return -1
	}
}

// waitRecords waits until the job has stored at least n records. With
// workers, it stops waiting when they have all exited, and shows what
// they said.
func waitRecords(t *testing.T, srv *redistest.Server, job string, n int64, workers ...*worker) {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	exited := func() bool {
		for _, w := range workers {
			select {
			case <-w.done:
			default:
				return false
			}
		}
		return len(workers) > 0
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && !exited(); time.Sleep(20 * time.Millisecond) {
		if got, _ := rdb.XLen(context.Background(), "crawl:{"+job+"}:res").Result(); got >= n {
			return
		}
	}
	var said strings.Builder
	for i, w := range workers {
		w.cmd.Process.Kill()
		<-w.done
		fmt.Fprintf(&said, "\nworker %d (exit %d):\n%s", i, w.code, w.stderr.String())
	}
	t.Fatalf("the job never had %d records%s", n, said.String())
}

// exportJob runs crawl export and returns the records of the JSON object.
func exportJob(t *testing.T, srv *redistest.Server, job, out string) []results.Record {
	t.Helper()
	res := runBinary(t, "", "export", "--redis", srv.URL(), "--job", job, "-o", out)
	if res.code != 0 {
		t.Fatalf("export: exit %d\n%s", res.code, res.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]results.Record
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("export is not a JSON object: %v", err)
	}
	recs := make([]results.Record, 0, len(m))
	for u, r := range m {
		r.URL = u
		recs = append(recs, r)
	}
	return recs
}

// sharedCrawl crawls a 20,000-page site at depth 4 with three workers, and
// calls fault while they are at it. It checks that the export is exactly
// the BFS page set, and returns the site for the hit counts.
func sharedCrawl(t *testing.T, srv *redistest.Server, lease string, fault func(workers []*worker)) (*fixtureserver.Site, []*worker) {
	if testing.Short() {
		t.Skip("a 20,000-page crawl")
	}
	s := startSite(t, 20000, 20, 3*time.Millisecond)
	args := []string{"--redis", srv.URL(), "--job", "site", "--redis-lease", lease, "-d", "4", "-c", "16", "--per-host", "64", "-q", s.URL(0)}
	var workers []*worker
	for range 3 {
		workers = append(workers, startWorker(t, args...))
	}
	fault(workers)
	for i, w := range workers {
		if code := w.wait(t, 5*time.Minute); code != 0 && code != -1 && w.cmd.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Errorf("worker %d: exit %d\n%s", i, code, w.stderr.String())
		}
	}
	dir := t.TempDir()
	recs := exportJob(t, srv, "site", filepath.Join(dir, "a.json"))
	checkSiteRecords(t, s, 4, recs)
	again := exportJob(t, srv, "site", filepath.Join(dir, "b.json"))
	a, _ := os.ReadFile(filepath.Join(dir, "a.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "b.json"))
	if len(again) != len(recs) || !bytes.Equal(a, b) {
		t.Errorf("two exports differ")
	}
	return s, workers
}

// maxHits returns the most times a page of the BFS set was fetched, and how
// many were fetched more than once.
func maxHits(s *fixtureserver.Site, depth int) (most, twice int) {
	for n := range s.BFS(depth) {
		h := s.Hits(n)
		most = max(most, h)
		if h > 1 {
			twice++
		}
	}
	return most, twice
}

func TestSharedWorkerKilled(t *testing.T) {
	srv := redistest.Start(t, false)
	s, _ := sharedCrawl(t, srv, "2s", func(workers []*worker) {
		waitRecords(t, srv, "site", 4000)
		workers[0].cmd.Process.Signal(syscall.SIGKILL)
	})
	most, twice := maxHits(s, 4)
	t.Logf("worker 0 killed; %d pages fetched twice", twice)
	if most > 2 || twice > 16 { // -c 16: what the killed worker had in flight
		t.Errorf("a page fetched %d times, %d pages more than once; only the killed worker's in-flight pages may be fetched twice", most, twice)
	}
}

func TestSharedRedisRestarted(t *testing.T) {
	srv := redistest.Start(t, true)
	s, workers := sharedCrawl(t, srv, "20s", func([]*worker) {
		waitRecords(t, srv, "site", 4000)
		srv.Kill()
		time.Sleep(time.Second)
		if err := srv.Restart(); err != nil {
			t.Error(err)
		}
	})
	most, twice := maxHits(s, 4)
	t.Logf("Redis restarted; %d pages fetched twice", twice)
	if most > 2 {
		t.Errorf("a page fetched %d times (%d more than once)", most, twice)
	}
	for i, w := range workers {
		if e := w.stderr.String(); !strings.Contains(e, "redis unreachable") || !strings.Contains(e, "redis reachable again") {
			t.Errorf("worker %d did not say Redis went away and came back:\n%s", i, e)
		}
	}
}

// TestSharedSameSeedsAtOnce starts three workers at the same moment with the
// same inputs: each URL is queued once, so fetched once, and robots.txt is
// fetched once for the job.
func TestSharedSameSeedsAtOnce(t *testing.T) {
	srv := redistest.Start(t, false)
	s := startSite(t, 3000, 5, time.Millisecond)
	list := filepath.Join(t.TempDir(), "urls.txt")
	var b strings.Builder
	for i := range 500 {
		fmt.Fprintln(&b, s.URL(i))
	}
	os.WriteFile(list, []byte(b.String()), 0o666)
	args := []string{"--redis", srv.URL(), "--job", "same", "-d", "1", "-c", "8", "--per-host", "3", "-q", "-i", list}
	var wg sync.WaitGroup
	start := make(chan struct{})
	var workers []*worker
	for range 3 {
		w := &worker{cmd: exec.Command(binary, args...), done: make(chan struct{})}
		w.cmd.Stderr = &w.stderr
		workers = append(workers, w)
		wg.Go(func() {
			<-start
			w.cmd.Run()
			w.code = w.cmd.ProcessState.ExitCode()
			close(w.done)
		})
	}
	close(start)
	wg.Wait()
	for i, w := range workers {
		if w.code != 0 {
			t.Fatalf("worker %d: exit %d\n%s", i, w.code, w.stderr.String())
		}
	}
	recs := exportJob(t, srv, "same", filepath.Join(t.TempDir(), "out.json"))
	want := map[int]bool{}
	for i := range 500 {
		want[i] = true
		for _, j := range s.Links(i) {
			want[j] = true
		}
	}
	if len(recs) != len(want) {
		t.Errorf("%d records, want %d", len(recs), len(want))
	}
	for _, r := range recs {
		u, _ := url.Parse(r.URL)
		if n := fixtureserver.Page(u.Path); s.Hits(n) != 1 {
			t.Errorf("page %d fetched %d times", n, s.Hits(n))
		}
	}
	if n := s.RobotsHits(); n != 1 {
		t.Errorf("robots.txt fetched %d times by the job, want once", n)
	}
	if p := s.PeakInFlight(); p > 3 {
		t.Errorf("%d requests at once to the host, --per-host 3 across the job", p)
	}
}

func TestSharedSettingsMismatch(t *testing.T) {
	srv := redistest.Start(t, false)
	s := startSite(t, 10, 2, 0)
	if res := runBinary(t, "", "--redis", srv.URL(), "--job", "j", "-d", "2", "-q", s.URL(0)); res.code != 0 {
		t.Fatalf("first worker: exit %d\n%s", res.code, res.stderr)
	}
	res := runBinary(t, "", "--redis", srv.URL(), "--job", "j", "-d", "3", "-q", s.URL(0))
	if res.code != 2 || !strings.Contains(res.stderr, "--depth is 2 in the job, 3 here") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	jobs := runBinary(t, "", "jobs", "--redis", srv.URL())
	if jobs.code != 0 || !strings.Contains(jobs.stdout, "j ") || !strings.Contains(jobs.stdout, "finished") {
		t.Fatalf("crawl jobs: exit %d\n%s%s", jobs.code, jobs.stdout, jobs.stderr)
	}
	if rm := runBinary(t, "", "job", "rm", "--redis", srv.URL(), "--job", "j"); rm.code != 0 {
		t.Fatalf("job rm: exit %d\n%s", rm.code, rm.stderr)
	}
	if rm := runBinary(t, "", "job", "rm", "--redis", srv.URL(), "--job", "j"); rm.code != 1 {
		t.Fatalf("second job rm: exit %d, want 1", rm.code)
	}
}

// TestSharedSIGINTReleases interrupts one of two workers: the URLs it held
// go to the other at once, long before the 10-minute lease.
func TestSharedSIGINTReleases(t *testing.T) {
	srv := redistest.Start(t, false)
	s := startSite(t, 600, 3, 50*time.Millisecond)
	args := []string{"--redis", srv.URL(), "--job", "int", "--redis-lease", "10m", "-d", "50", "-c", "8", "--per-host", "16", "-q", s.URL(0)}
	a := startWorker(t, args...)
	waitRecords(t, srv, "int", 20)
	b := startWorker(t, args...)
	time.Sleep(200 * time.Millisecond)
	a.cmd.Process.Signal(syscall.SIGINT)
	if code := a.wait(t, 30*time.Second); code != 130 {
		t.Fatalf("interrupted worker: exit %d\n%s", code, a.stderr.String())
	}
	select {
	case <-b.done:
	case <-time.After(time.Minute):
		t.Fatalf("the other worker did not finish; the job in Redis:\n%s", jobState(t, srv, "int"))
	}
	if b.code != 0 {
		t.Fatalf("other worker: exit %d\n%s", b.code, b.stderr.String())
	}
	checkSiteRecords(t, s, 50, exportJob(t, srv, "int", filepath.Join(t.TempDir(), "out.json")))
}

// TestSharedRate runs two workers with --rate 20: the requests of both
// start 50 ms apart on Redis's clock, so the host sees the 30 of them over
// at least 29 intervals, and few closer than 50 ms: a gap is off by the
// difference in the workers' way from Redis to the host, which a busy
// machine (CI runs the packages' tests at once) stretches now and then to
// tens of milliseconds.
func TestSharedRate(t *testing.T) {
	srv := redistest.Start(t, false)
	var mu sync.Mutex
	var at []time.Time
	site := rawHTTP(t, func(_ http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path != "/robots.txt" {
			at = append(at, time.Now())
		}
		return false
	})
	var urls []string
	for i := range 30 {
		urls = append(urls, fmt.Sprintf("%s/p%d", site, i))
	}
	args := append([]string{"--redis", srv.URL(), "--job", "rate", "--rate", "20", "-c", "4", "-q"}, urls...)
	a, b := startWorker(t, args...), startWorker(t, args...)
	for _, w := range []*worker{a, b} {
		if code := w.wait(t, time.Minute); code != 0 {
			t.Fatalf("exit %d\n%s", code, w.stderr.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 30 {
		t.Fatalf("%d requests, want 30", len(at))
	}
	// A request the machine delays by d makes its gap 50ms+d and the next
	// one 50ms-d: a few short gaps are load. Without the shared slot, most
	// gaps would be near 0.
	var short []time.Duration
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 30*time.Millisecond {
			short = append(short, gap)
		}
	}
	if len(short) > 3 {
		t.Errorf("%d gaps between requests under 30ms (%v), want 50ms each, at most 3 shortened by load", len(short), short)
	}
	if span := at[len(at)-1].Sub(at[0]); span < 29*50*time.Millisecond-10*time.Millisecond {
		t.Errorf("30 requests in %v, want at least 29 intervals of 50ms", span)
	}
}

// rawHTTP serves an empty HTML page at every path on 127.0.0.1, calling
// seen with each request first, which answers it itself by returning true;
// it returns the server's base URL.
func rawHTTP(t *testing.T, seen func(w http.ResponseWriter, r *http.Request) bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen(w, r) {
			return
		}
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>p</title>")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// jobState describes a job's state in Redis, for a test that failed.
func jobState(t *testing.T, srv *redistest.Server, job string) string {
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	ctx, p := context.Background(), "crawl:{"+job+"}:"
	var b strings.Builder
	pend, _ := rdb.HGetAll(ctx, p+"pend").Result()
	loaders, _ := rdb.ZRangeWithScores(ctx, p+"loaders", 0, -1).Result()
	depths, _ := rdb.ZRange(ctx, p+"pdepths", 0, -1).Result()
	xp, _ := rdb.XPendingExt(ctx, &goredis.XPendingExtArgs{Stream: p + "q", Group: "g", Start: "-", End: "+", Count: 20}).Result()
	qlen, _ := rdb.XLen(ctx, p+"q").Result()
	fmt.Fprintf(&b, "pend %v\nloaders %v\nproposal depths %v\nq length %d\n", pend, loaders, depths, qlen)
	for _, e := range xp {
		fmt.Fprintf(&b, "pending entry %s consumer %s idle %v deliveries %d\n", e.ID, e.Consumer, e.Idle, e.RetryCount)
	}
	return b.String()
}

// TestSharedDeadLetter runs workers that die on one page (killed while it
// hangs, again and again): after --redis-deliveries the page is recorded
// as a dead letter with the last error a worker saw (the first attempt's
// 503, which was retried), and the job finishes.
func TestSharedDeadLetter(t *testing.T) {
	srv := redistest.Start(t, false)
	var mu sync.Mutex
	hits := 0
	site := rawHTTP(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/crash" {
			return false
		}
		mu.Lock()
		hits++
		first := hits == 1
		mu.Unlock()
		if first {
			http.Error(w, "try again", http.StatusServiceUnavailable) // retried
			return true
		}
		<-r.Context().Done() // until the worker is killed
		return true
	})
	args := []string{"--redis", srv.URL(), "--job", "dl", "--redis-lease", "1s", "--redis-deliveries", "2", "--retries", "1", "-q"}
	// The first worker adds the page and is killed before it finishes.
	first := startWorker(t, append(args, "--timeout", "1m", site+"/crash")...)
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return hits >= 2 })
	first.cmd.Process.Signal(syscall.SIGKILL)
	<-first.done
	second := startWorker(t, append(args, "--timeout", "1m")...)
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return hits >= 3 })
	second.cmd.Process.Signal(syscall.SIGKILL)
	<-second.done
	// The third finds the page delivered twice and records it.
	if code := startWorker(t, args...).wait(t, time.Minute); code != 4 {
		t.Fatalf("third worker: exit %d, want 4 (a URL failed)", code)
	}
	recs := exportJob(t, srv, "dl", filepath.Join(t.TempDir(), "out.json"))
	if len(recs) != 1 || recs[0].Error != "dead letter: delivered 2 times; last error: HTTP 503 Service Unavailable" {
		t.Fatalf("records %+v", recs)
	}
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}
