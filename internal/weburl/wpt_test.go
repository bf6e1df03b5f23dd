package weburl

import (
	"encoding/json"
	"os"
	"testing"
)

type wptCase struct {
	Input    string  `json:"input"`
	Base     *string `json:"base"`
	Href     string  `json:"href"`
	Failure  bool    `json:"failure"`
	Protocol string  `json:"protocol"`
	Hostname string  `json:"hostname"`
	Port     string  `json:"port"`
	Pathname string  `json:"pathname"`
	Search   string  `json:"search"`
	Hash     string  `json:"hash"`
}

// chromiumAnswers returns Chromium's reading of each input and base, from
// testdata/chromium.json ("<failure>" when it throws).
func chromiumAnswers(t *testing.T) map[[2]string]string {
	b, err := os.ReadFile("testdata/chromium.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Results []struct {
			Input   string  `json:"input"`
			Base    *string `json:"base"`
			Href    string  `json:"href"`
			Failure bool    `json:"failure"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	answers := map[[2]string]string{}
	for _, r := range rec.Results {
		base, href := "<nil>", r.Href
		if r.Base != nil {
			base = *r.Base
		}
		if r.Failure {
			href = "<failure>"
		}
		answers[[2]string{r.Input, base}] = href
	}
	return answers
}

// TestWPT runs the URL Standard's conformance tests from web-platform-tests,
// where Chromium agrees with them; where it does not, weburl follows
// Chromium and TestChromium checks it.
func TestWPT(t *testing.T) {
	chromium := chromiumAnswers(t)
	b, err := os.ReadFile("testdata/urltestdata.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	n, failed, skipped := 0, 0, 0
	for _, r := range raw {
		var tc wptCase
		if json.Unmarshal(r, &tc) != nil || (tc.Href == "" && !tc.Failure) {
			continue // a comment
		}
		n++
		var base *URL
		if tc.Base != nil {
			u, err := Parse(*tc.Base)
			if err != nil {
				if !tc.Failure {
					t.Errorf("base %q: %v", *tc.Base, err)
				}
				continue
			}
			base = &u
		}
		got, err := Resolve(base, tc.Input, nil)
		want := tc.Href
		if tc.Failure {
			want = "<failure>"
		}
		baseKey := "<nil>"
		if tc.Base != nil {
			baseKey = *tc.Base
		}
		if c, ok := chromium[[2]string{tc.Input, baseKey}]; ok && c != want {
			skipped++
			continue
		}
		gotS := got.Href
		if err != nil {
			gotS = "<failure>"
		}
		if gotS != want {
			failed++
			b := "<nil>"
			if tc.Base != nil {
				b = *tc.Base
			}
			t.Errorf("Resolve(%q, %q)\n got  %q\n want %q", b, tc.Input, gotS, want)
			continue
		}
		if err == nil && !tc.Failure {
			checkComponents(t, tc, got)
		}
	}
	t.Logf("%d cases, %d failed, %d where Chromium departs from the standard", n, failed, skipped)
}

func checkComponents(t *testing.T, tc wptCase, u URL) {
	t.Helper()
	search, hash := "", ""
	if u.HasQuery && u.Query != "" {
		search = "?" + u.Query
	}
	if u.HasFrag && u.Fragment != "" {
		hash = "#" + u.Fragment
	}
	got := [...]string{u.Scheme + ":", u.Hostname(), u.Port, u.Path, search, hash}
	want := [...]string{tc.Protocol, tc.Hostname, tc.Port, tc.Pathname, tc.Search, tc.Hash}
	// Hostname() strips IPv6 brackets but WPT's hostname keeps them.
	if len(want[1]) > 0 && want[1][0] == '[' {
		got[1] = u.Host
	}
	if got != want {
		t.Errorf("components of %q\n got  %q\n want %q", tc.Input, got, want)
	}
}

type toASCIICase struct {
	Input  string  `json:"input"`
	Output *string `json:"output"`
}

func TestWPTToASCII(t *testing.T) {
	chromium := chromiumAnswers(t)
	b, err := os.ReadFile("testdata/toascii.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		var tc toASCIICase
		if json.Unmarshal(r, &tc) != nil {
			continue
		}
		u, err := Parse("https://" + tc.Input + "/x")
		want := "<failure>"
		if tc.Output != nil {
			want = "https://" + *tc.Output + "/x"
		}
		if c, ok := chromium[[2]string{"https://" + tc.Input + "/x", "<nil>"}]; ok && c != want {
			continue // Chromium departs from the standard; TestChromium checks it
		}
		switch {
		case tc.Output == nil && err == nil:
			t.Errorf("host %q: got %q, want failure", tc.Input, u.Host)
		case tc.Output != nil && err != nil:
			t.Errorf("host %q: got failure, want %q", tc.Input, *tc.Output)
		case tc.Output != nil && u.Host != *tc.Output:
			t.Errorf("host %q: got %q, want %q", tc.Input, u.Host, *tc.Output)
		}
	}
}
