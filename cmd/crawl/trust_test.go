package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crawlkit/crawl/internal/redistest"
)

// The tests in this file are the regressions of the defects of issue 17
// ("trust before breadth") in the command.

// TestUsageErrorsBeforeTheCrawl: each of these is exit 2, naming what is
// wrong, before any request is sent, and leaves the files it names as
// they were.
func TestUsageErrorsBeforeTheCrawl(t *testing.T) {
	var hits atomic.Int64
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html")
	})
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	list := filepath.Join(dir, "list.txt")
	link := filepath.Join(dir, "hardlink.jsonl")
	const keep = "{\"url\":\"http://kept/\",\"button\":[],\"link\":[],\"depth\":0,\"duration_ms\":0}\n"
	os.WriteFile(out, []byte(keep), 0o644)
	os.WriteFile(list, []byte(srv+"/\n"), 0o644)
	if err := os.Link(out, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"save-cookies is the output", nil, []string{"-o", out, "--save-cookies", out, srv}, "--save-cookies " + out + " is also the output file"},
		{"save-cookies is a hard link to the output", nil, []string{"-o", out, "--save-cookies", link, srv}, "is also the output file"},
		{"save-cookies is an input list", nil, []string{"-i", list, "--save-cookies", list}, "is also the input list"},
		{"save-cookies unwritable", nil, []string{"--save-cookies", filepath.Join(dir, "missing", "c.txt"), srv}, "--save-cookies"},
		{"export onto itself", nil, []string{"export", out, "-o", out}, "is the JSON lines file"},
		{"export onto a hard link", nil, []string{"export", out, "-o", link}, "is the JSON lines file"},
		{"scope without depth", nil, []string{"--scope", "any", srv}, "--scope chooses the links a recursive crawl follows"},
		{"include without depth", nil, []string{"--include", "x", srv}, "--include"},
		{"exclude without depth", nil, []string{"--exclude", "x", srv}, "--exclude"},
		{"malformed HTTP_PROXY", []string{"HTTP_PROXY= http://proxy.example:3128"}, []string{srv}, `HTTP_PROXY=" http://proxy.example:3128"`},
		{"malformed HTTPS_PROXY", []string{"HTTPS_PROXY=::::"}, []string{srv}, `HTTPS_PROXY="::::"`},
		{"bad job name", nil, []string{"--redis", "redis://127.0.0.1:1/0", "--job", "a b", srv}, "--job: job name"},
		{"not a redis URL", nil, []string{"--redis", "http://127.0.0.1:1/", "--job", "j", srv}, "want redis://"},
		{"export: not a redis URL", nil, []string{"export", "--redis", "127.0.0.1:6379", "--job", "j"}, "want redis://"},
		{"jobs: not a redis URL", nil, []string{"jobs", "--redis", "localhost"}, "want redis://"},
		{"job rm: bad job name", nil, []string{"job", "rm", "--redis", "redis://127.0.0.1:1/0", "--job", "*"}, "--job: job name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runBinaryEnv(t, tt.env, tt.args...)
			if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", res.code, res.stderr, tt.want)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent by runs that were usage errors", n)
	}
	for _, f := range []string{out, list} {
		if b, _ := os.ReadFile(f); f == out && string(b) != keep || f == list && string(b) != srv+"/\n" {
			t.Errorf("%s changed: %q", f, b)
		}
	}
}

// TestMaxPagesPerHostSkipsSayWhy: an input past --max-pages-per-host is
// skipped for that reason, not for max-pages.
func TestMaxPagesPerHostSkipsSayWhy(t *testing.T) {
	srv := site(t)
	res := runBinary(t, "", "-q", "-f", "jsonl", "--max-pages-per-host", "1", srv.URL+"/page", srv.URL+"/moved")
	recs := parseJSONL(t, res.stdout)
	if got := recs[srv.URL+"/moved"].Skipped; got != "max-pages-per-host" {
		t.Errorf("skipped %q, want max-pages-per-host", got)
	}
}

// TestRedisUnreachableAtStart: a worker whose Redis cannot be reached at
// all exits 1 after a bounded wait, saying so, and go-redis's own log
// lines do not flood stderr (they go through crawl's logger, shown by -v).
func TestRedisUnreachableAtStart(t *testing.T) {
	srv := site(t)
	start := time.Now()
	res := runBinary(t, "", "-q", "--redis", "redis://"+strings.TrimPrefix(deadPort(t), "http://")+"/0", "--job", "j", srv.URL+"/page")
	if res.code != 1 || !strings.Contains(res.stderr, "not reachable for 10s") {
		t.Errorf("exit %d, stderr %q; want exit 1 saying Redis is not reachable", res.code, res.stderr)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("gave up after %v", took)
	}
	if strings.Contains(res.stderr, "pool.go") || strings.Count(res.stderr, "\n") > 2 {
		t.Errorf("stderr floods with the client's logs:\n%s", res.stderr)
	}
}

// TestSharedJobSettingsThatShapeRecords: a worker with other --select,
// --buttons, --max-body or --robots than the job's is refused, naming the
// real flags; job rm refuses a job whose workers are alive.
func TestSharedJobSettingsThatShapeRecords(t *testing.T) {
	srv := redistest.Start(t, false)
	s := startSite(t, 5, 2, 0)
	if res := runBinary(t, "", "--redis", srv.URL(), "--job", "j", "-d", "1", "-q", "--select", "h=h1", s.URL(0)); res.code != 0 {
		t.Fatalf("first worker: exit %d\n%s", res.code, res.stderr)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--select", "h=h2"}, "--select is [h=h1] in the job, [h=h2] here"},
		{[]string{"--select", "h=h1", "--buttons", "detail"}, "--buttons is ids in the job, detail here"},
		{[]string{"--select", "h=h1", "--max-body", "1KiB"}, "--max-body is 10485760 in the job, 1024 here"},
		{[]string{"--select", "h=h1", "--robots", "ignore"}, "--robots is obey in the job, ignore here"},
	}
	for _, tt := range tests {
		args := append([]string{"--redis", srv.URL(), "--job", "j", "-d", "1", "-q"}, tt.args...)
		res := runBinary(t, "", args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, res.code, res.stderr, tt.want)
		}
	}

	slow := startSite(t, 50, 3, 200*time.Millisecond)
	w := startWorker(t, "--redis", srv.URL(), "--job", "busy", "-d", "3", "-c", "1", "-q", slow.URL(0))
	waitRecords(t, srv, "busy", 1)
	rm := runBinary(t, "", "job", "rm", "--redis", srv.URL(), "--job", "busy")
	if rm.code != 1 || !strings.Contains(rm.stderr, "the job has workers: 1 alive") {
		t.Errorf("job rm of a running job: exit %d, stderr %q", rm.code, rm.stderr)
	}
	w.cmd.Process.Signal(os.Interrupt)
	w.wait(t, 30*time.Second)
}

// TestSharedJobGone: a Redis restarted without persistence loses the job
// under its worker, which says so instead of a raw NOGROUP script error.
func TestSharedJobGone(t *testing.T) {
	srv := redistest.Start(t, false)
	slow := startSite(t, 200, 3, 100*time.Millisecond)
	w := startWorker(t, "--redis", srv.URL(), "--job", "lost", "-d", "5", "-c", "2", "-q", slow.URL(0))
	waitRecords(t, srv, "lost", 2)
	srv.Kill()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	code := w.wait(t, 60*time.Second)
	if code != 1 || !strings.Contains(w.stderr.String(), "job lost: the job is gone from Redis") || strings.Contains(w.stderr.String(), "user_script") {
		t.Errorf("exit %d, stderr:\n%s", code, w.stderr.String())
	}
}

// TestSIGKILLLeavesNoSpill: a crawl killed while its frontier spills to
// disk leaves nothing in $TMPDIR.
func TestSIGKILLLeavesNoSpill(t *testing.T) {
	s := startSite(t, 30000, 20, 20*time.Millisecond)
	tmp := t.TempDir()
	cmd := exec.Command(binary, "-d", "4", "-c", "64", "--per-host", "64", "-q", "-f", "jsonl", "-o", filepath.Join(t.TempDir(), "out.jsonl"), s.URL(0))
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the frontier holds more than its window of one depth.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if pages, _ := s.Fetched(); pages > 500 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the crawl never got past 500 pages")
		}
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR after SIGKILL: %v", left)
	}
}
