package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// underTerminal runs a shell command line under a pseudo-terminal with
// script(1), and returns what was drawn on it.
func underTerminal(t *testing.T, command string) string {
	t.Helper()
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("no script(1) to run under a pseudo-terminal")
	}
	out, err := exec.Command("script", "-q", "-e", "-c", command, "/dev/null").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	return string(out)
}

func slowSite(t *testing.T, n int, latency time.Duration) (list string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<p>page")
	}))
	t.Cleanup(srv.Close)
	var b strings.Builder
	b.WriteString("# a comment, not a URL\n\n")
	for i := range n {
		fmt.Fprintf(&b, "%s/p/%d\n", srv.URL, i)
	}
	list = filepath.Join(t.TempDir(), "urls.txt")
	os.WriteFile(list, []byte(b.String()), 0o644)
	return list
}

// TestProgressTotal draws the bar of a list longer than crawl reads ahead
// (about a thousand URLs with -c 1): its total must be the whole list from
// the first frame, not what has been read so far.
func TestProgressTotal(t *testing.T) {
	list := slowSite(t, 1500, 4*time.Millisecond)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	screen := underTerminal(t, fmt.Sprintf("%s -c 1 --per-host 1 --robots ignore -i %s -o %s", binary, list, out))
	frames := strings.Split(screen, "\r")
	var bars []string
	for _, f := range frames {
		if strings.Contains(f, "crawling") {
			bars = append(bars, f)
		}
	}
	if len(bars) < 3 {
		t.Fatalf("%d frames of the bar:\n%q", len(bars), screen)
	}
	for _, b := range bars[:len(bars)-1] {
		if !strings.Contains(b, "/1500,") || !strings.Contains(b, "%") {
			t.Errorf("a frame without the total of 1500 known from the start: %q", b)
			break
		}
	}

	short := slowSite(t, 60, 40*time.Millisecond)
	screen = underTerminal(t, fmt.Sprintf("cat %s | %s -c 2 --per-host 2 --robots ignore -o %s", short, binary, out))
	drawn := false
	for _, f := range strings.Split(screen, "\r") {
		if strings.Contains(f, "reading the input as it comes") {
			drawn = true
			if strings.Contains(f, "%") {
				t.Errorf("a percentage while reading a pipe: %q", f)
				break
			}
		}
	}
	if !drawn {
		t.Errorf("no bar for a pipe:\n%q", screen)
	}
}

func TestInterruptedSummarySaysHowToResume(t *testing.T) {
	list := slowSite(t, 200, 40*time.Millisecond)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	cmd := exec.Command(binary, "-c", "1", "--robots", "ignore", "-i", list, "-o", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Start()
	time.Sleep(400 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	want := fmt.Sprintf("the results so far are in %s; to go on: crawl -c 1 --robots ignore -i %s -o %s --resume", out, list, out)
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say how to resume:\n%s\nwant %q", stderr.String(), want)
	}
}
