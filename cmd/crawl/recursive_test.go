package main

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/results"
)

// siteBFS returns the distance from page 0 of every page within depth.
func siteBFS(s *fixtureserver.Site, depth int) map[int]int { return s.BFS(depth) }

func startSite(t *testing.T, n, links int, latency time.Duration) *fixtureserver.Site {
	t.Helper()
	s, err := fixtureserver.StartSite(n, links, latency)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkSiteRecords checks that the records are exactly the pages within
// depth of page 0, each once and at its BFS distance.
func checkSiteRecords(t *testing.T, s *fixtureserver.Site, depth int, recs []results.Record) {
	t.Helper()
	want := siteBFS(s, depth)
	got := map[int]int{}
	for _, r := range recs {
		u, err := url.Parse(r.URL)
		n := fixtureserver.Page(u.Path)
		if err != nil || n < 0 || r.Error != "" {
			t.Errorf("unexpected record %+v", r)
			continue
		}
		if _, dup := got[n]; dup {
			t.Errorf("page %d recorded twice", n)
		}
		got[n] = r.Depth
		if d, ok := want[n]; !ok || d != r.Depth {
			t.Errorf("page %d recorded at depth %d, BFS distance %d (within %d: %v)", n, r.Depth, d, depth, ok)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d pages recorded, want the %d within depth %d", len(got), len(want), depth)
	}
}

func jsonlRecords(t *testing.T, path string) []results.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []results.Record
	if _, err := results.ReadJSONL(f, func(r results.Record) { recs = append(recs, r) }); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRecursiveCrawl(t *testing.T) {
	s := startSite(t, 600, 4, 0)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	res := runBinary(t, "", "-d", "3", "-c", "16", "--per-host", "16", "-o", out, s.URL(0))
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	checkSiteRecords(t, s, 3, jsonlRecords(t, out))
	if pages, requests := s.Fetched(); pages != requests {
		t.Errorf("%d requests for %d pages", requests, pages)
	}
	if !strings.Contains(res.stderr, "pages discovered") || !strings.Contains(res.stderr, "depth: ") {
		t.Errorf("summary does not say what was discovered and skipped:\n%s", res.stderr)
	}

	res = runBinary(t, "", "-d", "1", "--max-pages", "3", "-f", "jsonl", s.URL(0), s.URL(10), s.URL(20), s.URL(30))
	recs := parseJSONL(t, res.stdout)
	if res.code != 0 || len(recs) != 4 || recs[s.URL(30)].Skipped != "max-pages" {
		t.Errorf("--max-pages 3 with 4 inputs: exit %d, %v", res.code, recs)
	}

	for _, bad := range [][]string{{"-d", "-1"}, {"--scope", "site"}, {"--include", "("}, {"--exclude", "[z-a]"}, {"--max-pages", "-3"}, {"--strip-param", ""}, {"--sitemap"}} {
		if res := runBinary(t, "", append(bad, s.URL(0))...); res.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", bad, res.code, res.stderr)
		}
	}
}

// TestRecursiveKillAndResume kills a recursive crawl with SIGKILL, then
// resumes it from its output alone: the finished file has exactly the
// page set of an uninterrupted crawl, each page once at its BFS depth, and
// no page recorded before the kill is fetched again.
func TestRecursiveKillAndResume(t *testing.T) {
	s := startSite(t, 1500, 4, 10*time.Millisecond)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	args := []string{"-d", "50", "-c", "4", "--per-host", "4", "-o", out, "-q", s.URL(0)}
	cmd := exec.Command(binary, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(900 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before := jsonlRecords(t, out)
	all := siteBFS(s, 50)
	if len(before) < 20 || len(before) >= len(all) {
		t.Fatalf("%d of %d pages before the kill; the test needs a crawl cut in the middle", len(before), len(all))
	}

	res := runBinary(t, "", append(args, "--resume")...)
	if res.code != 0 {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	checkSiteRecords(t, s, 50, jsonlRecords(t, out))
	for _, r := range before {
		u, _ := url.Parse(r.URL)
		if n := fixtureserver.Page(u.Path); s.Hits(n) != 1 {
			t.Errorf("page %d was recorded before the kill and fetched %d times", n, s.Hits(n))
		}
	}
	pages, requests := s.Fetched()
	t.Logf("%d pages before the kill; %d requests in all for %d pages", len(before), requests, pages)
}

// TestRecursiveSIGINT interrupts a recursive crawl: it ends at once with
// exit 130, every page it had taken is recorded once (those not crawled as
// interrupted), and --resume then finishes the crawl.
func TestRecursiveSIGINT(t *testing.T) {
	s := startSite(t, 2000, 4, 20*time.Millisecond)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	args := []string{"-d", "50", "-c", "4", "--per-host", "4", "-o", out, "-q", s.URL(0)}
	cmd := exec.Command(binary, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want 130", err)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("took %v to stop after SIGINT", waited)
	}
	seen, interrupted := map[string]bool{}, 0
	for _, r := range jsonlRecords(t, out) {
		if seen[r.URL] {
			t.Errorf("%s recorded twice", r.URL)
		}
		seen[r.URL] = true
		if r.Error == "interrupted" {
			interrupted++
		} else if r.Error != "" {
			t.Errorf("%+v", r)
		}
	}
	if interrupted == 0 || len(seen) >= 2000 {
		t.Errorf("%d records, %d interrupted: the test needs a crawl cut in the middle", len(seen), interrupted)
	}
	res := runBinary(t, "", append(args, "--resume")...)
	if res.code != 0 {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	checkSiteRecords(t, s, 50, jsonlRecords(t, out))
}
