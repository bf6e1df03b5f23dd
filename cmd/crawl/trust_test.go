package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crawlkit/crawl/internal/redistest"
	"github.com/crawlkit/crawl/results"
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
	waitRecords(t, srv, "lost", 2, w)
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

// resumeSite serves a small site for the --resume regressions, counting
// the requests for each path.
func resumeSite(t *testing.T) (string, func(path string) int64) {
	var mu sync.Mutex
	hits := map[string]int64{}
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/sitemap.xml":
			fmt.Fprintf(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/only-in-sitemap</loc></url></urlset>`, base)
		case "/a":
			http.Redirect(w, r, "/b", http.StatusMovedPermanently)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<a href="/child%s">child</a> <a href="/b">b</a>`, strings.ReplaceAll(r.URL.Path, "/", "-"))
		}
	})
	return srv, func(path string) int64 {
		mu.Lock()
		defer mu.Unlock()
		return hits[path]
	}
}

// writeLines writes records as a crawl's JSON lines output.
func writeLines(t *testing.T, path string, recs ...results.Record) {
	t.Helper()
	var b []byte
	for _, r := range recs {
		b = append(r.AppendJSON(b), '\n')
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestResumeKeepsEverySubtree: what --resume rebuilds from the file alone.
// An input given in two spellings whose duplicate_of record comes first
// still has its links followed (item 6); the page an input redirected to
// is not fetched again through a link (item 8); a skipped record is not
// done (item 9); and the inputs' sitemaps are read again (item 7).
func TestResumeKeepsEverySubtree(t *testing.T) {
	srv, hits := resumeSite(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	now := time.Now().UTC()
	ok := func(u string, links ...string) results.Record {
		return results.Record{URL: u, Button: []string{}, Link: links, Status: 200, FinalURL: u, ContentType: "text/html", FetchedAt: now, Attempts: 1}
	}
	redirected := ok(srv+"/a", srv+"/child-b", srv+"/b")
	redirected.FinalURL = srv + "/b"
	writeLines(t, out,
		results.Record{URL: srv + "/#top", Button: []string{}, Link: []string{}, DuplicateOf: srv + "/"},
		ok(srv+"/", srv+"/child-", srv+"/b"),
		redirected,
		results.Record{URL: srv + "/skipped", Button: []string{}, Link: []string{}, Skipped: "max-pages"},
	)
	res := runBinary(t, "", "-q", "-d", "1", "--sitemap", "-o", out, "--resume", srv+"/#top", srv+"/", srv+"/a", srv+"/skipped")
	if res.code != 0 {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	recs := map[string]results.Record{}
	for _, r := range jsonlRecords(t, out) {
		if _, dup := recs[r.URL]; dup {
			t.Errorf("%s recorded twice", r.URL)
		}
		recs[r.URL] = r
	}
	for _, u := range []string{"/child-", "/child-b", "/skipped", "/only-in-sitemap"} {
		if r, ok := recs[srv+u]; !ok || r.Status != 200 {
			t.Errorf("%s: %+v (recorded: %v), want a page crawled on resume", u, r, ok)
		}
	}
	if n := hits("/b"); n != 0 {
		t.Errorf("/b, the page /a redirected to, fetched %d times on resume", n)
	}
	for _, u := range []string{"/", "/a"} {
		if n := hits(u); n != 0 {
			t.Errorf("%s, recorded before, fetched %d times on resume", u, n)
		}
	}
}

// TestResumeAfterMaxPages: after --max-pages 1, --resume --max-pages 10
// crawls the input that was skipped, and the summary does not count it as
// done before.
func TestResumeAfterMaxPages(t *testing.T) {
	srv, _ := resumeSite(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	args := []string{"-o", out, srv + "/one", srv + "/two"}
	if res := runBinary(t, "", append(args, "-q", "--max-pages", "1")...); res.code != 0 {
		t.Fatalf("first run: exit %d\n%s", res.code, res.stderr)
	}
	res := runBinary(t, "", append(args, "--resume", "--max-pages", "10")...)
	if res.code != 0 || !strings.Contains(res.stderr, "1 URLs were already in") {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	recs := jsonlRecords(t, out)
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %+v", len(recs), recs)
	}
	for _, r := range recs {
		if r.Status != 200 || r.Skipped != "" {
			t.Errorf("%s: %+v", r.URL, r)
		}
	}
}

// TestStreamsToDevicesAndPipes: -f jsonl and -f csv to /dev/null, a FIFO
// or /dev/stdout in a pipe exit 0, having written everything: only a
// regular file is fsynced.
func TestStreamsToDevicesAndPipes(t *testing.T) {
	srv := site(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"jsonl", "csv"} {
		for _, out := range []string{"/dev/null", "/dev/stdout", fifo} {
			read := make(chan []byte, 1)
			if out == fifo {
				go func() {
					f, err := os.Open(fifo)
					if err != nil {
						read <- nil
						return
					}
					defer f.Close()
					b, _ := io.ReadAll(f)
					read <- b
				}()
			}
			// Wait past a second, so that the periodic sync runs too.
			res := runBinary(t, "", "-q", "-f", format, "-o", out, srv.URL+"/page", srv.URL+"/hang", "--timeout", "1200ms", "--retries", "0")
			if res.code != 4 {
				t.Errorf("-f %s -o %s: exit %d, want 4 (one URL timed out)\n%s", format, out, res.code, res.stderr)
			}
			got := res.stdout
			if out == fifo {
				got = string(<-read)
			}
			if out != "/dev/null" && !strings.Contains(got, srv.URL+"/page") {
				t.Errorf("-f %s -o %s: output %q", format, out, got)
			}
		}
	}
}

// TestLinksStreamIntoTheFrontier: the 2,450,000 URLs of a sitemap index of
// 49 sitemaps of 50,000, and the 500,000 links of each of eight pages of
// 10 MiB, go to the frontier a chunk at a time, never all held at once
// (before, the sitemaps took the process to 2.1 GB and the pages to 2.5 GB;
// now about 130 MB and 950 MB, the pages' own records and parse trees).
func TestLinksStreamIntoTheFrontier(t *testing.T) {
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		var n int
		bw := bufio.NewWriterSize(w, 64<<10)
		defer bw.Flush()
		switch p := r.URL.Path; {
		case p == "/robots.txt":
			fmt.Fprintf(bw, "User-agent: *\nSitemap: %s/index.xml\n", base)
		case p == "/index.xml":
			fmt.Fprint(bw, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
			for n := range 49 {
				fmt.Fprintf(bw, "<sitemap><loc>%s/sitemap-%d.xml</loc></sitemap>", base, n)
			}
			fmt.Fprint(bw, `</sitemapindex>`)
		case strings.HasPrefix(p, "/sitemap-"):
			fmt.Sscanf(p, "/sitemap-%d.xml", &n)
			fmt.Fprint(bw, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
			for i := range 50000 {
				fmt.Fprintf(bw, "<url><loc>%s/sm/%d/%d</loc></url>\n", base, n, i)
			}
			fmt.Fprint(bw, `</urlset>`)
		case strings.HasPrefix(p, "/heavy/"):
			fmt.Sscanf(p, "/heavy/%d", &n)
			w.Header().Set("Content-Type", "text/html")
			for k := 0; k < 10<<20/21; k++ {
				fmt.Fprintf(bw, "<a href=/h%d/%07d>", n, k)
			}
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(bw, "<p>home")
		}
	})
	heavy := []string{"-d", "1", "--max-pages", "20"}
	for k := range 8 {
		heavy = append(heavy, fmt.Sprintf("%s/heavy/%d", srv, k))
	}
	for _, tt := range []struct {
		name  string
		args  []string
		limit int64 // MB
	}{
		{"sitemap index", []string{"-d", "1", "--sitemap", "--max-pages", "5", srv + "/"}, 400},
		{"link-heavy pages", heavy, 1200},
	} {
		args := append([]string{"-f", "jsonl", "-q", "-o", filepath.Join(t.TempDir(), "out.jsonl")}, tt.args...)
		cmd := exec.Command(binary, args...)
		// A collector that keeps the heap close to what is live, so that
		// the peak measures what is held, not how far garbage ran ahead
		// of a collector short of CPU on a busy machine.
		cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "GOGC=25")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		rss := peakRSS(cmd) >> 20 // MB
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s", tt.name, err, out.String())
		}
		t.Logf("%s: peak RSS %d MB", tt.name, rss)
		if rss >= tt.limit {
			t.Errorf("%s: peak RSS %d MB, want under %d: links are held before the frontier", tt.name, rss, tt.limit)
		}
	}
}

// peakRSS polls the peak resident set (VmHWM) of a process started by cmd
// until it exits, and returns the last seen, in bytes. Rusage's Maxrss
// would not do: after a fork with CLONE_VM, as os/exec does, it counts the
// test process's own peak too.
func peakRSS(cmd *exec.Cmd) int64 {
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peak int64
	for {
		b, err := os.ReadFile(status)
		if err != nil {
			return peak
		}
		i := bytes.Index(b, []byte("VmHWM:"))
		if i < 0 || bytes.Contains(b, []byte("State:\tZ")) {
			return peak
		}
		var kb int64
		fmt.Sscan(string(b[i+len("VmHWM:"):]), &kb)
		peak = max(peak, kb<<10)
		time.Sleep(10 * time.Millisecond)
	}
}
