package weburl

import (
	"testing"
)

// TestChromium compares weburl with Chromium's own parser on every input of
// the web-platform-tests URL suite and extra-inputs.json
// (testdata/chromium.json, recorded by testdata/chromium.mjs). crawl
// reports what the browser reports, so where Chromium departs from the URL
// Standard, weburl departs with it.
func TestChromium(t *testing.T) {
	failed, n := 0, 0
	for in, want := range chromiumAnswers(t) {
		n++
		var base *URL
		if in[1] != "<nil>" {
			u, err := Parse(in[1])
			if err != nil {
				continue // no base to resolve against
			}
			base = &u
		}
		got, err := Resolve(base, in[0], nil)
		gotS := got.Href
		if err != nil {
			gotS = "<failure>"
		}
		if gotS != want {
			failed++
			t.Errorf("Resolve(%q, %q)\n got      %q\n Chromium %q", in[1], in[0], gotS, want)
		}
	}
	t.Logf("%d URLs, %d differ from Chromium", n, failed)
}
