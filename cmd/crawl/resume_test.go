package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crawlkit/crawl/results"
)

// TestKillAndResume kills the binary mid-crawl with SIGKILL, runs the same
// command again with --resume, and checks that the file ends up with every
// URL exactly once and that URLs finished before the kill are not fetched
// again.
func TestKillAndResume(t *testing.T) {
	var hits atomic.Int64
	fetched := make(map[string]int)
	var mu = make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		mu <- struct{}{}
		fetched[r.URL.Path]++
		<-mu
		time.Sleep(20 * time.Millisecond)
		fmt.Fprintf(w, `<a href="/next%s">next</a>`, r.URL.Path)
	}))
	defer srv.Close()
	var urls []string
	for i := range 300 {
		urls = append(urls, fmt.Sprintf("%s/page/%d", srv.URL, i))
	}
	list := filepath.Join(t.TempDir(), "urls.txt")
	os.WriteFile(list, []byte(strings.Join(urls, "\n")), 0o644)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	args := []string{"-i", list, "-o", out, "-c", "4", "-q"}

	cmd := exec.Command(binary, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before := readRecords(t, out)
	if len(before) == 0 || len(before) >= len(urls) {
		t.Fatalf("%d records before the kill; the test needs a crawl cut in the middle", len(before))
	}
	hitsBefore := hits.Load()

	res := runBinary(t, "", append(args, "--resume")...)
	if res.code != 0 {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	after := readRecords(t, out)
	if len(after) != len(urls) {
		t.Errorf("%d records after resuming, want %d", len(after), len(urls))
	}
	for _, u := range urls {
		if n := after[u]; n != 1 {
			t.Errorf("%s appears %d times", u, n)
		}
	}
	if again := hits.Load() - hitsBefore; again > int64(len(urls)-len(before))+4 {
		t.Errorf("resuming fetched %d pages for %d missing URLs", again, len(urls)-len(before))
	}

	res = runBinary(t, "", "export", out)
	if m := parseJSON(t, res.stdout); res.code != 0 || len(m) != len(urls) {
		t.Errorf("export: exit %d, %d records", res.code, len(m))
	}
}

// readRecords counts the records per URL of a JSON lines file, ignoring a
// last line cut short.
func readRecords(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := map[string]int{}
	if _, err := results.ReadJSONL(f, func(r results.Record) { n[r.URL]++ }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGzipBombMemory crawls a page that inflates to 4 GiB and checks that
// the process stays small: the body stops at --max-body.
func TestGzipBombMemory(t *testing.T) {
	// One gzip member of 1 MiB of zeros, repeated: gzip readers take
	// concatenated members as one stream.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	bomb := bytes.NewBuffer(bytes.Repeat(member.Bytes(), 4096))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	}))
	defer srv.Close()
	cmd := exec.Command(binary, "-f", "jsonl", "-q", srv.URL+"/bomb", srv.URL+"/bomb2", srv.URL+"/bomb3")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rss := peakRSS(cmd) >> 20 // MB
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, r := range parseJSONL(t, stdout.String()) {
		if !r.Truncated || r.Bytes != 10<<20 || r.Error != "" {
			t.Errorf("%s: %+v", r.URL, r)
		}
	}
	if rss >= 100 {
		t.Errorf("peak RSS %d MB for three 4 GiB gzip bombs, want under 100", rss)
	}
	t.Logf("peak RSS %d MB", rss)
}

func TestPolitenessFlags(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nDisallow: /\n")
			return
		}
		hits.Add(1)
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	res := runBinary(t, "", "-f", "jsonl", srv.URL+"/a")
	if r := parseJSONL(t, res.stdout)[srv.URL+"/a"]; res.code != 4 || r.Error != "disallowed by robots.txt" || hits.Load() != 0 {
		t.Errorf("robots obeyed: exit %d, %+v, %d hits", res.code, r, hits.Load())
	}
	res = runBinary(t, "", "-f", "jsonl", "--robots", "ignore", srv.URL+"/a")
	if r := parseJSONL(t, res.stdout)[srv.URL+"/a"]; res.code != 0 || r.Status != 200 || hits.Load() != 1 {
		t.Errorf("robots ignored: exit %d, %+v", res.code, r)
	}
	res = runBinary(t, "", "-f", "jsonl", "--deny-private", srv.URL+"/b")
	if r := parseJSONL(t, res.stdout)[srv.URL+"/b"]; res.code != 4 || !strings.Contains(r.Error, "private address 127.0.0.1 denied") || hits.Load() != 1 {
		t.Errorf("--deny-private: exit %d, %+v, %d hits", res.code, r, hits.Load())
	}
	for _, bad := range [][]string{{"--robots", "maybe"}, {"--per-host", "0"}, {"--rate", "-1"}, {"--retries", "-2"}, {"--resume"}, {"--resume", "-o", "x.json"}} {
		if res := runBinary(t, "", append(bad, srv.URL)...); res.code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, res.code)
		}
	}
}

// TestJSONMatchesExport crawls the fixture pages as JSON lines (with a URL
// recorded twice and a last line cut short appended) and as JSON: crawl
// export of the JSON lines writes exactly what WriteJSON makes of them, and
// the same object as the JSON run but for the times of the fetches.
func TestJSONMatchesExport(t *testing.T) {
	dir := t.TempDir()
	jsonl, js, exported := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.json"), filepath.Join(dir, "c.json")
	if res := runBinary(t, "", "-q", "-o", jsonl, "../../testdata/html"); res.code != 0 {
		t.Fatalf("jsonl: exit %d\n%s", res.code, res.stderr)
	}
	if res := runBinary(t, "", "-q", "-o", js, "../../testdata/html"); res.code != 0 {
		t.Fatalf("json: exit %d\n%s", res.code, res.stderr)
	}
	b, _ := os.ReadFile(jsonl)
	first, _, _ := bytes.Cut(b, []byte("\n"))
	var again results.Record
	json.Unmarshal(first, &again)
	again.Error = "replaced"
	b = append(b, again.AppendJSON(nil)...)
	b = append(b, '\n')
	b = append(b, first[:len(first)/2]...)
	os.WriteFile(jsonl, b, 0o644)
	if res := runBinary(t, "", "export", "-o", exported, jsonl); res.code != 0 {
		t.Fatalf("export: exit %d\n%s", res.code, res.stderr)
	}

	f, _ := os.Open(jsonl)
	defer f.Close()
	m := results.NewMap()
	results.ReadJSONL(f, func(r results.Record) { m.Put(r) })
	var want bytes.Buffer
	results.WriteJSON(&want, m.Sorted())
	got, _ := os.ReadFile(exported)
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("export differs from WriteJSON of the same records:\n%s\nwant\n%s", got, want.Bytes())
	}

	untimed := func(b []byte) string {
		return regexp.MustCompile(`"fetched_at":"[^"]*","duration_ms":\d+`).ReplaceAllString(string(b), "")
	}
	fromJSON, _ := os.ReadFile(js)
	m.Put(func() results.Record { again.Error = ""; return again }())
	want.Reset()
	results.WriteJSON(&want, m.Sorted())
	if untimed(fromJSON) != untimed(want.Bytes()) {
		t.Errorf("-f json and the export of -f jsonl differ:\n%s\nwant\n%s", untimed(fromJSON), untimed(want.Bytes()))
	}
}

// TestCSVOutput writes the fixture pages as CSV, to stdout and to a file
// named .csv: every record of the JSON lines run is there, link by link and
// button by button, and a page with neither has its row.
func TestCSVOutput(t *testing.T) {
	dir := t.TempDir()
	jsonl, csvFile := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "a.csv")
	runBinary(t, "", "-q", "-o", jsonl, "../../testdata/html")
	if res := runBinary(t, "", "-q", "-o", csvFile, "../../testdata/html"); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	fromFile, _ := os.ReadFile(csvFile)
	want := map[string]bool{}
	for _, r := range jsonlRecords(t, jsonl) {
		for _, l := range r.Link {
			want[r.URL+" link "+l] = true
		}
		for _, b := range r.Button {
			want[r.URL+" button "+b] = true
		}
		if len(r.Link) == 0 && len(r.Button) == 0 {
			want[r.URL+"  "] = true
		}
	}
	stdout := runBinary(t, "", "-q", "-f", "csv", "../../testdata/html").stdout
	for name, b := range map[string][]byte{"-o x.csv": fromFile, "-f csv to stdout": []byte(stdout)} {
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(rows) < 2 || !slices.Equal(rows[0], results.CSVHeader) {
			t.Fatalf("%s: not CSV with a header: %v\n%s", name, err, b)
		}
		got := map[string]bool{}
		for _, row := range rows[1:] {
			got[row[0]+" "+row[1]+" "+row[2]] = true
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: %d distinct rows, want %d", name, len(got), len(want))
		}
	}
	if res := runBinary(t, "", "-f", "csv", "--resume", "-o", csvFile, "x"); res.code != 2 {
		t.Errorf("--resume with CSV: exit %d", res.code)
	}
}
