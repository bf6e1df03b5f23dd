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
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}

	var empty bytes.Buffer
	if err := NewCSV(&empty).Finish(); err != nil || empty.String() != "url,kind,value,depth,status,error\n" {
		t.Errorf("no records: %q, %v", empty.String(), err)
	}
}
