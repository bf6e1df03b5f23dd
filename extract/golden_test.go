package extract

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current output")

// fixtureBase is the URL every fixture page is extracted as, so that golden
// files hold fully resolved links.
const fixtureBase = "https://fixtures.example/dir/"

// golden is what a fixture page must produce.
type golden struct {
	Charset string              `json:"charset"`
	Button  []string            `json:"button"`
	Link    []string            `json:"link"`
	Fields  map[string][]string `json:"fields"`
	Buttons []Button            `json:"buttons"`
}

// goldenFields are the custom fields the golden files hold, as details.mjs
// asks Chromium for them.
var goldenFields = []string{"title=title", "heading=h1, h2", "para=p, li", "links=a[href]@href", "images=img@src", "ids=[id]@id"}

func goldenOptions(t *testing.T) Options {
	opt := Options{ButtonDetails: true}
	for _, spec := range goldenFields {
		f, err := ParseField(spec)
		if err != nil {
			t.Fatal(err)
		}
		opt.Fields = append(opt.Fields, f)
	}
	return opt
}

// TestGolden extracts every page of testdata/html and compares it with its
// golden file; run with -update to rewrite them after a deliberate change.
func TestGolden(t *testing.T) {
	eachFixture(t, -1, "", func(t *testing.T, name string, data []byte, contentType string) {
		page, err := ParseWith(data, contentType, fixtureBase+name, goldenOptions(t))
		if err != nil {
			t.Fatal(err)
		}
		got := golden{Charset: page.Charset, Button: page.Buttons, Link: page.Links, Fields: page.Fields, Buttons: page.ButtonDetails}
		goldenPath := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".html")+".json")
		if *update {
			b, _ := json.MarshalIndent(got, "", "  ")
			if err := os.WriteFile(goldenPath, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		b, err := os.ReadFile(goldenPath)
		if err != nil {
			t.Fatalf("%v (run go test ./extract -update to create it)", err)
		}
		var want golden
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		compare(t, "charset", []string{got.Charset}, []string{want.Charset})
		compare(t, "button", got.Button, want.Button)
		compare(t, "link", got.Link, want.Link)
		for field, vals := range want.Fields {
			compare(t, "field "+field, got.Fields[field], vals)
		}
		if len(got.Fields) != len(want.Fields) {
			t.Errorf("%d fields, golden %d", len(got.Fields), len(want.Fields))
		}
		if !slices.Equal(got.Buttons, want.Buttons) {
			t.Errorf("buttons:\n got %+v\nwant %+v", got.Buttons, want.Buttons)
		}
	})
}

// compare reports the first differences between two lists.
func compare(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\x00") == strings.Join(want, "\x00") {
		return
	}
	t.Errorf("%s: got %d, want %d", what, len(got), len(want))
	shown := 0
	for i := 0; i < max(len(got), len(want)) && shown < 5; i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("  %s[%d]\n    got  %q\n    want %q", what, i, g, w)
			shown++
		}
	}
}
