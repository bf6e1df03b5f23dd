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
	eachFixture(t, len(truth.Pages), "truth.mjs", func(t *testing.T, name string, data []byte, contentType string) {
		want, ok := truth.Pages[name]
		if !ok {
			t.Fatalf("not in truth.json: rerun truth.mjs")
		}
		page, err := ParseBytes(data, contentType, truth.Origin+"/dir/"+name)
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

// eachFixture runs fn as a subtest for every fixture page of testdata/html,
// with its bytes and the Content-Type it is served with. recorded, unless
// negative, is how many pages a recording made by the script rerun holds:
// all of them, or the recording is out of date.
func eachFixture(t *testing.T, recorded int, rerun string, fn func(t *testing.T, name string, data []byte, contentType string)) {
	t.Helper()
	pages, err := filepath.Glob("../testdata/html/*.html")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no fixture pages: %v", err)
	}
	if recorded >= 0 && recorded != len(pages) {
		t.Errorf("%d fixture pages but %d recorded: rerun %s", len(pages), recorded, rerun)
	}
	types := fixtureContentTypes(t)
	for _, path := range pages {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fn(t, name, data, contentTypeOf(types, name))
		})
	}
}
