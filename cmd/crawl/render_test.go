package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/internal/redistest"
	"github.com/crawlkit/crawl/render"
	"github.com/crawlkit/crawl/results"
)

func TestRenderUsage(t *testing.T) {
	srv := site(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--render", "--chromium", "/nonexistent/chromium", srv.URL + "/page"}, "apt-get install -y chromium"},
		{[]string{"--render-quiet", "1s", srv.URL + "/page"}, "--render-quiet needs --render"},
		{[]string{"--render", "--render-timeout", "100ms", srv.URL + "/page"}, "want at least --render-quiet"},
	} {
		res := runBinary(t, "", tt.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, res.code, res.stderr, tt.want)
		}
	}
}

// chromiumsOf lists the live processes whose command line names dir (a
// Chromium's names its profile directory), from /proc.
func chromiumsOf(dir string) []string {
	var procs []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		status, _ := os.ReadFile(filepath.Join(filepath.Dir(f), "status"))
		if err == nil && strings.Contains(string(b), dir) && !strings.Contains(string(status), "State:\tZ") {
			procs = append(procs, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return procs
}

// TestRenderLeavesNothing renders a site of slow, ever-changing pages and
// ends crawl mid-run with SIGINT, SIGTERM and SIGKILL: no Chromium
// process and no profile directory is left any way.
func TestRenderLeavesNothing(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		t.Skip(err)
	}
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<p>x<script>setInterval(() => document.body.append(document.createElement('p')), 50)</script>`)
		for i := range 20 {
			fmt.Fprintf(w, `<a href="/p%s-%d">p</a>`, strings.ReplaceAll(r.URL.Path, "/", "-"), i)
		}
	})
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGKILL} {
		tmp := t.TempDir()
		cmd := exec.Command(binary, "--render", "--render-timeout", "2s", "-d", "3", "-q", "-f", "jsonl", "-o", filepath.Join(t.TempDir(), "out.jsonl"), srv+"/")
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); len(chromiumsOf(tmp)) == 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no Chromium started")
			}
		}
		time.Sleep(time.Second)
		cmd.Process.Signal(sig)
		cmd.Wait()
		// The reaper needs a moment after crawl is gone.
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			left, _ := os.ReadDir(tmp)
			if len(chromiumsOf(tmp)) == 0 && len(left) == 0 {
				break
			}
		}
		if procs := chromiumsOf(tmp); len(procs) > 0 {
			t.Errorf("after %v: Chromium processes left: %q", sig, procs)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("after %v: left in TMPDIR: %v", sig, left)
		}
	}
}

// startScripted serves a site of n script-built pages for a test.
func startScripted(t *testing.T, n int) *fixtureserver.ScriptedSite {
	t.Helper()
	s, err := fixtureserver.StartScriptedSite(n, fixtureserver.ScriptedOptions{Items: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkScripted checks that recs are exactly the pages of s within depth
// of page 0, each once, at its distance, rendered, with the buttons and
// links of its DOM, and that each was fetched once.
func checkScripted(t *testing.T, s *fixtureserver.ScriptedSite, depth int, recs map[string]results.Record) {
	t.Helper()
	bfs := s.BFS(depth)
	if len(recs) != len(bfs) {
		t.Errorf("%d records, want the %d pages within %d links of the first", len(recs), len(bfs), depth)
	}
	for i, d := range bfs {
		r, ok := recs[s.URL(i)]
		buttons, links := s.Want(i)
		switch {
		case !ok:
			t.Errorf("page %d (depth %d) not recorded", i, d)
		case !r.Rendered || r.Depth != d || r.Error != "":
			t.Errorf("page %d: rendered %v, depth %d (want %d), error %q", i, r.Rendered, r.Depth, d, r.Error)
		case !slices.Equal(r.Button, buttons) || !slices.Equal(r.Link, links):
			t.Errorf("page %d: buttons %q links %q\nwant %q %q", i, r.Button, r.Link, buttons, links)
		}
		if h := s.Hits(i); h != 1 {
			t.Errorf("page %d fetched %d times", i, h)
		}
	}
}

// TestRenderSite crawls, from its first page, a site whose links are made
// by its pages' scripts (a fetch() into a shadow root, a timer, a
// microtask): served as it is, the first page links to one other page.
// Rendered, every page within the depth is recorded once, at its shortest
// distance, with its DOM's buttons and links, and its fields and button
// details read from that DOM, shadow root included.
func TestRenderSite(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		t.Skip(err)
	}
	s := startScripted(t, 30)
	res := runBinary(t, "", "--render", "-d", "2", "-f", "jsonl", "-q",
		"--select", "title=title", "--select", "later=main > a:last-child@href", "--buttons", "detail", s.URL(0))
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	recs := parseJSONL(t, res.stdout)
	checkScripted(t, s, 2, recs)
	for i := range s.BFS(2) {
		r := recs[s.URL(i)]
		later := s.URL((i + 7) % 30) // the timer's link, last in <main>
		if !slices.Equal(r.Fields["title"], []string{fmt.Sprintf("App page %d", i)}) || !slices.Equal(r.Fields["later"], []string{later}) {
			t.Errorf("page %d: fields %q, want title %q and later %q", i, r.Fields, fmt.Sprintf("App page %d", i), later)
		}
		var texts []string
		for _, b := range r.Buttons {
			texts = append(texts, b.ID+"="+b.Text)
		}
		want := []string{fmt.Sprintf("more-%d=More", i), fmt.Sprintf("menu-%d=Open", i), fmt.Sprintf("sync-%d=Sync", i)}
		if !slices.Equal(texts, want) {
			t.Errorf("page %d: button details %q, want %q", i, texts, want)
		}
	}
}

// TestRenderShared crawls the same site as a shared job of two workers
// that render, on a real redis-server: the export is the local crawl's.
func TestRenderShared(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		t.Skip(err)
	}
	srv := redistest.Start(t, false)
	s := startScripted(t, 30)
	args := []string{"--render", "--render-tabs", "2", "--redis", srv.URL(), "--job", "rendered", "-d", "2", s.URL(0)}
	workers := []*worker{startWorker(t, args...), startWorker(t, args...)}
	for i, w := range workers {
		if code := w.wait(t, 3*time.Minute); code != 0 {
			t.Fatalf("worker %d: exit %d\n%s", i, code, w.stderr.String())
		}
		if !strings.Contains(w.stderr.String(), "pages rendered") {
			t.Errorf("worker %d did not say how rendering went:\n%s", i, w.stderr.String())
		}
	}
	recs := map[string]results.Record{}
	for _, r := range exportJob(t, srv, "rendered", filepath.Join(t.TempDir(), "out.json")) {
		recs[r.URL] = r
	}
	checkScripted(t, s, 2, recs)
}
