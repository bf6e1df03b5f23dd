package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crawlkit/crawl/results"
)

func TestSelectUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--select", "h=h1["}, `--select "h=h1[": field h: selector "h1["`},
		{[]string{"--select", "nosel"}, `--select "nosel": "nosel": want NAME=CSS`},
		{[]string{"--select", "url=h1"}, `field name "url" is reserved`},
		{[]string{"--select", "1x=h1"}, `field name "1x"`},
		{[]string{"--select", "h=h1", "--select", "h=p"}, `the field h is given twice`},
		{[]string{"--buttons", "all"}, `--buttons "all": want ids or detail`},
	} {
		res := runBinary(t, "", append(tt.args, "../../testdata/html")...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) || res.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, res.code, res.stdout, res.stderr, tt.want)
		}
	}
}

// TestSelectAndButtonDetail runs the fields and the button details through
// the binary, in both JSON outputs, on the buttons fixture.
func TestSelectAndButtonDetail(t *testing.T) {
	args := []string{"--select", "title=title", "--select", "logo=img@src", "--select", "none=.nothing", "--buttons", "detail", "../../testdata/html/buttons.html"}
	for _, format := range []string{"json", "jsonl"} {
		res := runBinary(t, "", append([]string{"-f", format, "-q"}, args...)...)
		if res.code != 0 {
			t.Fatalf("-f %s: exit %d\n%s", format, res.code, res.stderr)
		}
		var rec results.Record
		if format == "json" {
			var m map[string]results.Record
			if err := json.Unmarshal([]byte(res.stdout), &m); err != nil || len(m) != 1 {
				t.Fatalf("-f json: %v\n%s", err, res.stdout)
			}
			for _, r := range m {
				rec = r
			}
		} else if err := json.Unmarshal([]byte(res.stdout), &rec); err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{"title": {"Buttons, forms and text"}, "logo": {"file:///app/logo.png"}, "none": {}}
		for name, vals := range want {
			if !slices.Equal(rec.Fields[name], vals) || rec.Fields[name] == nil {
				t.Errorf("-f %s: field %s = %q, want %q", format, name, rec.Fields[name], vals)
			}
		}
		if len(rec.Buttons) != 16 || rec.Buttons[0].Text != "Place order" || rec.Buttons[0].Form != "order" {
			t.Errorf("-f %s: %d buttons, first %+v", format, len(rec.Buttons), rec.Buttons)
		}
	}
}

// TestSelectRecursiveAndResume checks that the fields come with every
// page of a recursive crawl, and with those a resumed one adds.
func TestSelectRecursiveAndResume(t *testing.T) {
	s := startSite(t, 60, 3, 0)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	args := []string{"-d", "10", "--select", "title=title", "--select", "first=nav a@href", "-q", "-o", out, s.URL(0)}
	if res := runBinary(t, "", args...); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	data, _ := os.ReadFile(out)
	lines := strings.SplitAfter(string(data), "\n")
	os.WriteFile(out, []byte(strings.Join(lines[:len(lines)/2], "")), 0o666)
	if res := runBinary(t, "", append(args, "--resume")...); res.code != 0 {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	recs := jsonlRecords(t, out)
	checkSiteRecords(t, s, 10, recs)
	for _, r := range recs {
		var n int
		fmt.Sscanf(r.URL[strings.LastIndexByte(r.URL, '/')+1:], "%d", &n)
		if want := fmt.Sprintf("Page %d", n); len(r.Fields["title"]) != 1 || r.Fields["title"][0] != want {
			t.Errorf("%s: title %q, want %q", r.URL, r.Fields["title"], want)
		}
		if len(r.Fields["first"]) != len(s.Links(n)) {
			t.Errorf("%s: %d nav links in the field, the page has %d", r.URL, len(r.Fields["first"]), len(s.Links(n)))
		}
	}
}
