package extract

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestChromiumDetails compares the custom fields and button details of
// every fixture page with what Chromium's DOM says
// (testdata/chromium/details.json, recorded by details.mjs).
func TestChromiumDetails(t *testing.T) {
	b, err := os.ReadFile("testdata/chromium/details.json")
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Origin string            `json:"origin"`
		Fields map[string]string `json:"fields"`
		Pages  map[string]struct {
			Fields  map[string][]string `json:"fields"`
			Buttons []Button            `json:"buttons"`
		} `json:"pages"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	var opt Options
	opt.ButtonDetails = true
	for name, spec := range truth.Fields {
		f, err := ParseField(name + "=" + spec)
		if err != nil {
			t.Fatal(err)
		}
		opt.Fields = append(opt.Fields, f)
	}
	eachFixture(t, len(truth.Pages), "details.mjs", func(t *testing.T, name string, data []byte, contentType string) {
		want, ok := truth.Pages[name]
		if !ok {
			t.Fatalf("not in details.json: rerun details.mjs")
		}
		page, err := ParseWith(data, contentType, truth.Origin+"/dir/"+name, opt)
		if err != nil {
			t.Fatal(err)
		}
		for field, vals := range want.Fields {
			compare(t, field, page.Fields[field], vals)
		}
		if !slices.Equal(page.ButtonDetails, want.Buttons) {
			t.Errorf("buttons:\n got %+v\nwant %+v", page.ButtonDetails, want.Buttons)
		}
	})
}

// FuzzFieldsAgreeWithLinks checks, on any input, that the tree kept with
// text for fields is the tree links come from: a field of every a[href]
// resolved, repeats dropped, is the page's links, and the buttons and
// links are those of a parse without options.
//
//	go test ./extract -run '^$' -fuzz FuzzFieldsAgreeWithLinks
func FuzzFieldsAgreeWithLinks(f *testing.F) {
	pages, _ := filepath.Glob("../testdata/html/*.html")
	for _, p := range pages {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, doc := range html5libInputs(f)[:300] {
		f.Add([]byte(doc))
	}
	links, err := ParseField("links=a[href]@href")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		plain, err1 := ParseBytes(doc, "text/html", "https://fuzz.example/dir/page")
		rich, err2 := ParseWith(doc, "text/html", "https://fuzz.example/dir/page", Options{Fields: []Field{links}, ButtonDetails: true})
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("errors differ: %v, %v", err1, err2)
		}
		if plain == nil {
			return
		}
		if !slices.Equal(plain.Links, rich.Links) || !slices.Equal(plain.Buttons, rich.Buttons) {
			t.Fatalf("links or buttons differ with text kept:\n%q %q\n%q %q", plain.Links, plain.Buttons, rich.Links, rich.Buttons)
		}
		if bytes.Contains(bytes.ToLower(doc), []byte("shadowrootmode")) {
			return // links in shadow roots are links; document selectors do not see them
		}
		var unique []string
		for _, v := range rich.Fields["links"] {
			if !slices.Contains(unique, v) {
				unique = append(unique, v)
			}
		}
		if !slices.Equal(unique, rich.Links) {
			t.Fatalf("field a[href]@href %q, links %q", unique, rich.Links)
		}
	})
}
