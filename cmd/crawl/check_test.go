package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlkit/crawl/render"
	"github.com/crawlkit/crawl/report"
)

// linkSites are the two hosts of a link check: the site crawled, on
// 127.0.0.1, and the host its links leave to, on localhost. Both count
// their requests by method and path.
type linkSites struct {
	site, ext *httptest.Server
	dead      string // a link out to a port nobody listens on
	mu        sync.Mutex
	hits      map[string]int         // "HEAD ext/ok"
	times     map[string][]time.Time // of the requests to ext/limited
}

// popular is how many pages link to one dead URL.
const popular = 2000

func newLinkSites(t *testing.T) *linkSites {
	s := &linkSites{hits: map[string]int{}, times: map[string][]time.Time{}}
	s.dead = strings.Replace(deadPort(t), "127.0.0.1", "localhost", 1) + "x"
	s.ext = httptest.NewServer(http.HandlerFunc(s.serveExt))
	t.Cleanup(s.ext.Close)
	s.site = httptest.NewServer(http.HandlerFunc(s.serveSite))
	t.Cleanup(s.site.Close)
	return s
}

func (s *linkSites) note(where string, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[r.Method+" "+where+r.URL.Path]++
	s.times[where+r.URL.Path] = append(s.times[where+r.URL.Path], time.Now())
}

func (s *linkSites) hit(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[method+" "+path]
}

// extURL is the URL of path on the external host, by the name localhost:
// another host than the site's 127.0.0.1.
func (s *linkSites) extURL(path string) string {
	_, port, _ := net.SplitHostPort(s.ext.Listener.Addr().String())
	return "http://localhost:" + port + path
}

// home's links, in order: their positions are the report's.
func (s *linkSites) homeLinks() []string {
	return []string{
		"/a#by-id", "/a#by-name", "/a#missing", "/old#by-id", "/a#caf%C3%A9", "/a#", "/a#top", "/a#/users/1",
		"/broken", s.extURL("/ok"), s.extURL("/no-head"), s.extURL("/head-lies"), s.extURL("/gone"),
		s.extURL("/loop"), s.extURL("/limited"), s.dead, "mailto:x@example.com", "tel:+1", "javascript:void(0)",
		"/many", s.extURL("/moved"),
	}
}

func (s *linkSites) serveSite(w http.ResponseWriter, r *http.Request) {
	s.note("site", r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch p := r.URL.Path; {
	case p == "/":
		for _, l := range s.homeLinks() {
			fmt.Fprintf(w, "<a href=%q>x</a>\n", l)
		}
	case p == "/a":
		fmt.Fprint(w, `<h2 id=by-id>i</h2> <a name=by-name>n</a> <p id="café">c</p>`)
	case p == "/old":
		http.Redirect(w, r, "/a", http.StatusMovedPermanently)
	case p == "/many":
		for i := range popular {
			fmt.Fprintf(w, "<a href=/many/%d>%d</a>\n", i, i)
		}
	case strings.HasPrefix(p, "/many/"):
		fmt.Fprintf(w, `<a href=%q>the dead one</a>`, s.extURL("/popular-dead"))
	default:
		http.NotFound(w, r)
	}
}

func (s *linkSites) serveExt(w http.ResponseWriter, r *http.Request) {
	s.note("ext", r)
	switch r.URL.Path {
	case "/ok":
		fmt.Fprint(w, "ok")
	case "/no-head":
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	case "/head-lies":
		if r.Method == http.MethodHead {
			http.NotFound(w, r)
		}
	case "/loop":
		http.Redirect(w, r, "/loop2", http.StatusFound)
	case "/loop2":
		http.Redirect(w, r, "/loop", http.StatusFound)
	case "/limited":
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	case "/moved":
		http.Redirect(w, r, "/ok", http.StatusMovedPermanently)
	default:
		http.NotFound(w, r)
	}
}

// TestCheckCommand runs crawl check on a generated site with every kind
// of broken link, and reads its report: each broken target once, with
// every page that links to it at the link's position.
func TestCheckCommand(t *testing.T) {
	s := newLinkSites(t)
	dir := t.TempDir()
	jsonReport, junit, md, records := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.md"), filepath.Join(dir, "recs.jsonl")
	res := runBinary(t, "", "check", "--no-progress", "--retries", "1", "--skip-fragment", "^/", "--redirects", "warn",
		"--report", jsonReport, "--report", junit, "--report", md, "-o", records, s.site.URL+"/")
	if res.code != exitSomeFailed {
		t.Fatalf("exit %d, want 4\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	var rep report.Report
	if err := json.Unmarshal(must(os.ReadFile(jsonReport)), &rep); err != nil {
		t.Fatal(err)
	}
	home := s.site.URL + "/"
	at := func(i int) report.Referrer { return report.Referrer{Page: home, Link: i} }
	var many []report.Referrer
	for i := range popular {
		many = append(many, report.Referrer{Page: fmt.Sprintf("%s/many/%d", s.site.URL, i), Link: 0})
	}
	slices.SortFunc(many, func(a, b report.Referrer) int { return strings.Compare(a.Page, b.Page) })
	want := map[string]struct {
		kind string
		refs []report.Referrer
	}{
		s.site.URL + "/a#missing": {"fragment", []report.Referrer{at(2)}},
		s.site.URL + "/broken":    {"http", []report.Referrer{at(8)}},
		s.extURL("/gone"):         {"http", []report.Referrer{at(12)}},
		s.extURL("/loop"):         {"redirect loop", []report.Referrer{at(13)}},
		s.dead:                    {"network", []report.Referrer{at(15)}},
		s.extURL("/popular-dead"): {"http", many},
	}
	for _, b := range rep.Broken {
		w, ok := want[b.URL]
		if !ok {
			t.Errorf("broken, and should not be: %s (%s)", b.URL, b.Error)
			continue
		}
		delete(want, b.URL)
		if b.Kind != w.kind || !slices.Equal(b.Referrers, w.refs) {
			t.Errorf("%s: kind %q, %d referrers (first %v), want %q, %d", b.URL, b.Kind, len(b.Referrers), b.Referrers[:min(1, len(b.Referrers))], w.kind, len(w.refs))
		}
	}
	for url := range want {
		t.Errorf("not reported broken: %s", url)
	}
	if len(rep.RateLimited) != 1 || rep.RateLimited[0].URL != s.extURL("/limited") {
		t.Errorf("rate limited: %+v", rep.RateLimited)
	}
	if len(rep.Redirected) != 2 {
		t.Errorf("moved permanently: %+v, want /old and ext /moved", rep.Redirected)
	}
	if rep.NotChecked["mailto"] != 1 || rep.NotChecked["tel"] != 1 || rep.NotChecked["javascript"] != 1 {
		t.Errorf("not checked %v", rep.NotChecked)
	}
	// Each link out was checked once, however many pages link to it:
	// HEAD, and GET only where the HEAD failed.
	for _, tt := range []struct {
		method, path string
		n            int
	}{
		{"HEAD", "ext/ok", 2}, {"GET", "ext/ok", 0}, // once itself, once at the end of /moved
		{"HEAD", "ext/no-head", 1}, {"GET", "ext/no-head", 1},
		{"HEAD", "ext/head-lies", 1}, {"GET", "ext/head-lies", 1},
		{"HEAD", "ext/popular-dead", 1}, {"GET", "ext/popular-dead", 1},
		{"HEAD", "ext/limited", 2}, {"GET", "ext/limited", 0}, // a retry after Retry-After; a 429 is no refused HEAD
		{"GET", "site/a", 1}, {"GET", "site/many/7", 1},
	} {
		if got := s.hit(tt.method, tt.path); got != tt.n {
			t.Errorf("%s %s: %d requests, want %d", tt.method, tt.path, got, tt.n)
		}
	}
	s.mu.Lock()
	limited := s.times["ext/limited"]
	s.mu.Unlock()
	if len(limited) >= 2 && limited[len(limited)-1].Sub(limited[len(limited)-2]) < 900*time.Millisecond {
		t.Errorf("retried 429 after %v, before its Retry-After of 1s", limited[1].Sub(limited[0]))
	}
	// The records: links out are marked checked, and have no anchors.
	recs := parseJSONL(t, string(must(os.ReadFile(records))))
	if r := recs[s.extURL("/ok")]; !r.Checked || r.Status != 200 || len(r.Link) != 0 {
		t.Errorf("record of a link out: %+v", r)
	}
	if len(recs) != popular+14 || recs[s.site.URL+"/a"].Anchors != nil {
		t.Errorf("%d records (want %d), anchors %q in the output", len(recs), popular+14, recs[s.site.URL+"/a"].Anchors)
	}
	for _, f := range []string{jsonReport, md} {
		if !strings.Contains(string(must(os.ReadFile(f))), s.extURL("/popular-dead")) {
			t.Errorf("%s does not name the dead link", f)
		}
	}
	if out, err := exec.Command("xmllint", "--noout", "--schema", "../../report/testdata/junit.xsd", junit).CombinedOutput(); err != nil {
		t.Errorf("JUnit report does not validate: %v\n%s", err, out)
	}
	if !strings.Contains(res.stdout, "BROKEN  "+s.dead) || !strings.Contains(res.stdout, "... and 1995 more pages") {
		t.Errorf("terminal report:\n%s", res.stdout)
	}
}

// TestCheckCache: a second run with --cache fetches none of the links out
// that the first found fine, and again every one that failed; once the
// results are older than --cache-age, they are fetched again.
func TestCheckCache(t *testing.T) {
	s := newLinkSites(t)
	cache := filepath.Join(t.TempDir(), "cache.jsonl")
	check := func(args ...string) {
		t.Helper()
		res := runBinary(t, "", append([]string{"check", "-q", "--no-progress", "--retries", "0", "--cache", cache, s.site.URL + "/"}, args...)...)
		if res.code != exitSomeFailed {
			t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	}
	fine := []string{"/ok", "/no-head", "/head-lies", "/moved"}
	failing := []string{"/gone", "/popular-dead", "/limited", "/loop"}
	requests := func(path string) int { return s.hit("HEAD", "ext"+path) + s.hit("GET", "ext"+path) }
	check()
	before := map[string]int{}
	for _, p := range append(fine, failing...) {
		before[p] = requests(p)
	}
	lines := strings.Split(strings.TrimSpace(string(must(os.ReadFile(cache)))), "\n")
	if len(lines) != len(fine) {
		t.Errorf("cache holds %d lines, want the %d links that were fine:\n%s", len(lines), len(fine), strings.Join(lines, "\n"))
	}
	check()
	for _, p := range fine {
		if n := requests(p) - before[p]; n != 0 {
			t.Errorf("%s fetched %d times again within --cache-age", p, n)
		}
	}
	for _, p := range failing {
		if requests(p) == before[p] {
			t.Errorf("%s, which failed, was not checked again", p)
		}
	}
	// Age the cache: every entry checked two days ago.
	aged := strings.ReplaceAll(string(must(os.ReadFile(cache))), `"checked_at":"`+time.Now().UTC().Format("2006-01-02"), `"checked_at":"`+time.Now().UTC().Add(-48*time.Hour).Format("2006-01-02"))
	os.WriteFile(cache, []byte(aged), 0o666)
	mid := requests("/no-head")
	check()
	if requests("/no-head") == mid {
		t.Error("a result older than --cache-age was used")
	}
}

// TestCheckRender: with --render, a fragment is checked against the ids
// of the rendered DOM, so a section a script makes is found; without it,
// against the page as served, where it is missing.
func TestCheckRender(t *testing.T) {
	if _, err := render.Find(""); err != nil {
		t.Skip(err)
	}
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<a href="/doc#made">made by a script</a> <a href="/doc#never">missing</a>`)
		case "/doc":
			fmt.Fprint(w, `<div id=root></div><script>const h = document.createElement('h2'); h.id = 'made'; root.append(h)</script>`)
		default:
			http.NotFound(w, r)
		}
	})
	for _, tt := range []struct {
		args   []string
		broken []string
	}{
		{nil, []string{srv + "/doc#made", srv + "/doc#never"}},
		{[]string{"--render"}, []string{srv + "/doc#never"}},
	} {
		rep := filepath.Join(t.TempDir(), "r.json")
		res := runBinary(t, "", append(append([]string{"check", "-q", "--no-progress", "--report", rep}, tt.args...), srv+"/")...)
		if res.code != exitSomeFailed {
			t.Fatalf("%q: exit %d\n%s", tt.args, res.code, res.stderr)
		}
		var r report.Report
		if err := json.Unmarshal(must(os.ReadFile(rep)), &r); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range r.Broken {
			got = append(got, b.URL)
		}
		if !slices.Equal(got, tt.broken) {
			t.Errorf("%q: broken %q, want %q", tt.args, got, tt.broken)
		}
	}
}

// TestCheckInterrupted: SIGINT ends a check with exit 130 and a report of
// what was checked, written in full.
func TestCheckInterrupted(t *testing.T) {
	srv := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		time.Sleep(20 * time.Millisecond)
		fmt.Fprintf(w, `<a href="%s-1">next</a> <a href="%s-2">next</a> <a href="/gone">gone</a>`, r.URL.Path, r.URL.Path)
	})
	rep := filepath.Join(t.TempDir(), "r.json")
	cmd := exec.Command(binary, "check", "-q", "--no-progress", "--report", rep, srv+"/p")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want 130\n%s", err, stderr.String())
	}
	var r report.Report
	if err := json.Unmarshal(must(os.ReadFile(rep)), &r); err != nil {
		t.Fatalf("report after SIGINT: %v", err)
	}
	if r.Pages == 0 || len(r.Broken) != 1 || r.Broken[0].URL != srv+"/gone" {
		t.Errorf("report after SIGINT: %d pages, broken %+v; want /gone", r.Pages, r.Broken)
	}
}

func TestCheckUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--depth", "0", "http://127.0.0.1:9/"}, "--depth 0: want 1 or more"},
		{[]string{"--redirects", "sometimes", "http://127.0.0.1:9/"}, `--redirects "sometimes": want ok, warn or error`},
		{[]string{"--report", "r.txt", "http://127.0.0.1:9/"}, "want a file ending in .json, .md or .xml"},
		{[]string{"--skip-fragment", "(", "http://127.0.0.1:9/"}, "--skip-fragment"},
		{[]string{"--cache-age", "-1h", "http://127.0.0.1:9/"}, "--cache-age"},
		{[]string{"--redis", "redis://127.0.0.1:9", "--job", "j", "http://127.0.0.1:9/"}, "does not run as a shared job"},
	} {
		res := runBinary(t, "", append([]string{"check"}, tt.args...)...)
		if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) || !strings.Contains(res.stderr, "crawl check --help") {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, res.code, res.stderr, tt.want)
		}
	}
	if res := runBinary(t, "", "check", "--help"); res.code != 0 || !strings.Contains(res.stdout, "--skip-fragment") || !strings.Contains(res.stdout, "unlimited") {
		t.Errorf("crawl check --help: exit %d\n%s", res.code, res.stdout)
	}
}

// TestAnchorsFlag: --anchors puts each HTML page's anchors in its record,
// in a crawl and in a check (which otherwise keeps them to itself).
func TestAnchorsFlag(t *testing.T) {
	srv := site(t)
	for _, args := range [][]string{
		{"-q", "-f", "jsonl", "--anchors", srv.URL + "/page"},
		{"check", "-q", "--no-progress", "-o", "-", "-f", "jsonl", "--anchors", srv.URL + "/page"},
	} {
		res := runBinary(t, "", args...)
		recs := parseJSONL(t, res.stdout)
		if got := recs[srv.URL+"/page"].Anchors; !slices.Equal(got, []string{"go"}) {
			t.Errorf("%q: anchors %q, want [go]\n%s", args, got, res.stderr)
		}
	}
	res := runBinary(t, "", "-q", "-f", "jsonl", srv.URL+"/page")
	if strings.Contains(res.stdout, `"anchors"`) {
		t.Errorf("anchors without --anchors: %s", res.stdout)
	}
}
