package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureContentTypes reads the Content-Type of the fixture pages that are
// not served as plain text/html.
func fixtureContentTypes(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../testdata/html/content-types.json")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	if err := json.Unmarshal(b, &types); err != nil {
		t.Fatal(err)
	}
	return types
}

func contentTypeOf(types map[string]string, name string) string {
	if ct, ok := types[name]; ok {
		return ct
	}
	return "text/html"
}

// TestChromiumParity compares every fixture page with what Chromium saw in
// it (testdata/chromium/truth.json, recorded by truth.mjs in that
// directory): the same buttons, links and charset, in the same order.
func TestChromiumParity(t *testing.T) {
	b, err := os.ReadFile("testdata/chromium/truth.json")
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Origin string `json:"origin"`
		Pages  map[string]struct {
			Button  []string `json:"button"`
			Link    []string `json:"link"`
			Charset string   `json:"charset"`
		} `json:"pages"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	types := fixtureContentTypes(t)
	pages, _ := filepath.Glob("../testdata/html/*.html")
	if len(pages) != len(truth.Pages) {
		t.Errorf("%d fixture pages but %d in truth.json: rerun truth.mjs", len(pages), len(truth.Pages))
	}
	for _, path := range pages {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			want, ok := truth.Pages[name]
			if !ok {
				t.Fatalf("not in truth.json: rerun truth.mjs")
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			page, err := ParseBytes(data, contentTypeOf(types, name), truth.Origin+"/dir/"+name)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.EqualFold(page.Charset, want.Charset) {
				t.Errorf("charset %s, Chromium %s", page.Charset, want.Charset)
			}
			compare(t, "button", page.Buttons, want.Button)
			compare(t, "link", page.Links, want.Link)
		})
	}
}
