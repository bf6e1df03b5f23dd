package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/crawlkit/crawl/results"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture is a small crawl's records: fragments that exist by id, by
// name, by percent-decoding and through a redirect, one that does not;
// broken pages in and out of the crawl, a rate-limited link, a moved one
// and an input that failed.
func fixture() []results.Record {
	return []results.Record{
		{URL: "http://s/", Status: 200, Anchors: []string{"top-sec"}, Link: []string{
			"http://s/a#by-id", "http://s/a#by-name", "http://s/a#missing", "http://s/old#by-id",
			"http://s/a#caf%C3%A9", "http://s/a#", "http://s/a#TOP", "http://s/a#/users/1",
			"http://s/broken", "http://x/gone", "mailto:a@b", "tel:1", "javascript:void(0)",
			"http://x/limited", "http://x/moved", "http://s/a#missing", "http://x/gone",
		}},
		{URL: "http://dead/", Error: "dial tcp 127.0.0.1:9: connect: connection refused"},
		{URL: "ftp://x/", Error: `urls.txt:2: unsupported scheme "ftp" in "ftp://x/": only http and https URLs are crawled`},
		{URL: "http://private/", Error: "disallowed by robots.txt"},
		{URL: "http://s/a", Depth: 1, Status: 200, Anchors: []string{"by-id", "by-name", "café"}, Link: []string{"http://s/#top-sec", "http://s/#nowhere", "http://s/a#by-id", "http://s/a#own-missing"}},
		{URL: "http://s/old", Depth: 1, Status: 301, FinalURL: "http://s/a", DuplicateOf: "http://s/a"},
		{URL: "http://s/broken", Depth: 1, Status: 404, Error: "HTTP 404 Not Found"},
		{URL: "http://x/gone", Depth: 1, Status: 404, Checked: true, Error: "HTTP 404 Not Found"},
		{URL: "http://x/limited", Depth: 1, Status: 429, Checked: true, Error: "HTTP 429 Too Many Requests"},
		{URL: "http://x/moved", Depth: 1, Status: 200, Checked: true, Redirect: 301, FinalURL: "http://x/new"},
	}
}

func build(t *testing.T, recs []results.Record, opt Options) *Report {
	t.Helper()
	if opt.Key == nil {
		opt.Key = func(s string) string { return s }
	}
	s, err := NewSpill(t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, r := range recs {
		if err := s.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := s.Report()
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func urls(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.URL)
	}
	return out
}

func TestBuild(t *testing.T) {
	rep := build(t, fixture(), Options{SkipFragment: regexp.MustCompile(`^/`), Redirects: "warn"})
	if want := []string{"ftp://x/", "http://dead/", "http://private/", "http://s/#nowhere", "http://s/a#missing", "http://s/a#own-missing", "http://s/broken", "http://x/gone"}; !slices.Equal(urls(rep.Broken), want) {
		t.Errorf("broken %q, want %q", urls(rep.Broken), want)
	}
	refs, kinds := map[string][]Referrer{}, map[string]string{}
	for _, b := range rep.Broken {
		refs[b.URL], kinds[b.URL] = b.Referrers, b.Kind
	}
	if kinds["ftp://x/"] != "invalid" || kinds["http://private/"] != "robots" || kinds["http://dead/"] != "network" {
		t.Errorf("kinds %v", kinds)
	}
	for url, want := range map[string][]Referrer{
		"http://dead/":           {},
		"http://s/#nowhere":      {{"http://s/a", 1}},
		"http://s/a#missing":     {{"http://s/", 2}, {"http://s/", 15}},
		"http://s/a#own-missing": {{"http://s/a", 3}}, // a link to its own page
		"http://x/gone":          {{"http://s/", 9}, {"http://s/", 16}},
	} {
		if !slices.Equal(refs[url], want) {
			t.Errorf("referrers of %s: %v, want %v", url, refs[url], want)
		}
	}
	if got := urls(rep.RateLimited); !slices.Equal(got, []string{"http://x/limited"}) {
		t.Errorf("rate limited %q", got)
	}
	if got := urls(rep.Redirected); !slices.Equal(got, []string{"http://s/old", "http://x/moved"}) {
		t.Errorf("redirected %q", got)
	}
	if rep.Pages != 2 || rep.Checked != 3 || rep.Links != 21 || rep.Fragments != 9 {
		t.Errorf("pages %d checked %d links %d fragments %d, want 2 3 21 9", rep.Pages, rep.Checked, rep.Links, rep.Fragments)
	}
	if want := map[string]int{"mailto": 1, "tel": 1, "javascript": 1}; !mapsEqual(rep.NotChecked, want) {
		t.Errorf("not checked %v, want %v", rep.NotChecked, want)
	}
	if !rep.Failed() {
		t.Error("not failed with broken links")
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRedirectsOption: permanent redirects are fine by default, listed
// with warn, broken with error; a temporary one never counts.
func TestRedirectsOption(t *testing.T) {
	recs := []results.Record{
		{URL: "http://s/", Status: 200, Anchors: []string{}, Link: []string{"http://x/301", "http://x/302", "http://s/308"}},
		{URL: "http://x/301", Depth: 1, Status: 200, Checked: true, Redirect: 301, FinalURL: "http://x/a"},
		{URL: "http://x/302", Depth: 1, Status: 200, Checked: true, Redirect: 302, FinalURL: "http://x/a"},
		{URL: "http://s/308", Depth: 1, Status: 308, DuplicateOf: "http://s/"},
	}
	for _, tt := range []struct {
		mode             string
		broken, redirect []string
	}{
		{"", nil, nil},
		{"warn", nil, []string{"http://s/308", "http://x/301"}},
		{"error", []string{"http://s/308", "http://x/301"}, nil},
	} {
		rep := build(t, recs, Options{Redirects: tt.mode})
		if !slices.Equal(urls(rep.Broken), tt.broken) || !slices.Equal(urls(rep.Redirected), tt.redirect) {
			t.Errorf("%q: broken %q redirected %q, want %q %q", tt.mode, urls(rep.Broken), urls(rep.Redirected), tt.broken, tt.redirect)
		}
	}
}

// TestFragmentOfPageNotParsed: a fragment is checked only against a page
// whose anchors were read: not a PDF, not a link checked out of the crawl,
// not a broken page (which is broken for its own reason).
func TestFragmentOfPageNotParsed(t *testing.T) {
	recs := []results.Record{
		{URL: "http://s/", Status: 200, Anchors: []string{}, Link: []string{"http://s/doc.pdf#page=2", "http://x/#frag", "http://s/gone#x"}},
		{URL: "http://s/doc.pdf", Depth: 1, Status: 200},
		{URL: "http://x/", Depth: 1, Status: 200, Checked: true},
		{URL: "http://s/gone", Depth: 1, Status: 404, Error: "HTTP 404 Not Found"},
	}
	rep := build(t, recs, Options{})
	if got := urls(rep.Broken); !slices.Equal(got, []string{"http://s/gone"}) {
		t.Errorf("broken %q, want only http://s/gone", got)
	}
	if rep.Fragments != 0 {
		t.Errorf("%d fragments checked, want 0", rep.Fragments)
	}
}

// TestFormats pins the report's JSON, Markdown, JUnit XML and terminal
// forms to golden files (go test ./report -update rewrites them).
func TestFormats(t *testing.T) {
	rep := build(t, fixture(), Options{SkipFragment: regexp.MustCompile(`^/`), Redirects: "warn"})
	for name, write := range map[string]func(*bytes.Buffer) error{
		"report.json": func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
		"report.md":   func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) },
		"report.xml":  func(b *bytes.Buffer) error { return rep.WriteJUnit(b) },
		"report.txt":  func(b *bytes.Buffer) error { return rep.WriteText(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", name+".golden")
		if *update {
			if err := os.WriteFile(golden, b.Bytes(), 0o666); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs from %s:\n%s", name, golden, b.Bytes())
		}
	}
	// The JSON, written by hand as it goes, reads back as the report.
	var b bytes.Buffer
	rep.WriteJSON(&b)
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	if !reflect.DeepEqual(&back, rep) {
		t.Errorf("the JSON report reads back as\n%+v\nnot\n%+v", back, *rep)
	}
}

// TestJUnitValidates checks the JUnit XML against the schema of the format
// CI systems read, with xmllint (Debian's libxml2-utils): first that the
// schema refuses what a reader would not take, so that it checks something.
func TestJUnitValidates(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Fatal("xmllint not found: apt-get install libxml2-utils (.ci/run does)")
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte(`<testsuites><testsuite name="x"><testcase><failure/></testcase></testsuite></testsuites>`), 0o666)
	if out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/junit.xsd", bad).CombinedOutput(); err == nil {
		t.Fatalf("the schema takes a suite without tests and a case without a name:\n%s", out)
	}
	for _, rep := range []*Report{build(t, fixture(), Options{}), build(t, nil, Options{})} {
		path := filepath.Join(dir, "report.xml")
		var b bytes.Buffer
		if err := rep.WriteJUnit(&b); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(path, b.Bytes(), 0o666)
		if out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/junit.xsd", path).CombinedOutput(); err != nil {
			t.Errorf("JUnit XML does not validate: %v\n%s\n%s", err, out, b.Bytes())
		}
	}
}
