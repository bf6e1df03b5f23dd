package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlkit/crawl/render"
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
// ends crawl mid-run with SIGINT, then with SIGKILL: no Chromium process
// and no profile directory is left either way.
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
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGKILL} {
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
