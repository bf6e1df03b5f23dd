package results

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
)

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	w := NewCSV(&b)
	recs := []Record{
		{URL: "https://e.com/", Link: []string{"https://e.com/a", "https://e.com/b?x=1,2"}, Button: []string{"buy \"now\""}, Status: 200},
		{URL: "https://e.com/empty", Status: 200, Depth: 1},
		{URL: "https://down.example/", Error: "dial tcp: lookup down.example: no such host"},
		{URL: "https://e.com/line\nbreak", Link: []string{"mailto:x@e.com"}, Status: 200},
		{URL: "https://e.com/f", Button: []string{"=HYPERLINK(\"http://evil\",\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'q", "ok=1"}, Status: 200},
		{URL: "https://e.com/#dup", DuplicateOf: "https://e.com/"},
		{URL: "https://e.com/past-cap", Skipped: "max-pages"},
		{URL: "=bad input", Error: "test:1: invalid URL \"=bad input\""},
	}
	for _, r := range recs {
		if err := w.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		CSVHeader,
		{"https://e.com/", "link", "https://e.com/a", "0", "200", ""},
		{"https://e.com/", "link", "https://e.com/b?x=1,2", "0", "200", ""},
		{"https://e.com/", "button", "buy \"now\"", "0", "200", ""},
		{"https://e.com/empty", "", "", "1", "200", ""},
		{"https://down.example/", "", "", "0", "", "dial tcp: lookup down.example: no such host"},
		{"https://e.com/line\nbreak", "link", "mailto:x@e.com", "0", "200", ""},
		{"https://e.com/f", "button", "'=HYPERLINK(\"http://evil\",\"x\")", "0", "200", ""},
		{"https://e.com/f", "button", "'+1", "0", "200", ""},
		{"https://e.com/f", "button", "'-2", "0", "200", ""},
		{"https://e.com/f", "button", "'@SUM(A1)", "0", "200", ""},
		{"https://e.com/f", "button", "'\tx", "0", "200", ""},
		{"https://e.com/f", "button", "'\rx", "0", "200", ""},
		{"https://e.com/f", "button", "''q", "0", "200", ""},
		{"https://e.com/f", "button", "ok=1", "0", "200", ""},
		{"https://e.com/#dup", "duplicate_of", "https://e.com/", "0", "", ""},
		{"https://e.com/past-cap", "skipped", "max-pages", "0", "", ""},
		{"'=bad input", "", "", "0", "", "test:1: invalid URL \"=bad input\""},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}

	var empty bytes.Buffer
	if err := NewCSV(&empty).Finish(); err != nil || empty.String() != "url,kind,value,depth,status,error\n" {
		t.Errorf("no records: %q, %v", empty.String(), err)
	}
}
