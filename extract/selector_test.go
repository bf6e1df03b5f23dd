package extract

import "testing"

func TestBrowserSelector(t *testing.T) {
	tests := []struct {
		css, want, quirks string
	}{
		{"div", "div", "div"},
		{"[type=submit]", "[type=submit i]", ""},
		{`input[TYPE="submit"]`, `input[TYPE="submit" i]`, ""},
		{"[type=submit s]", "[type=submit s]", ""},
		{"[type=submit i]", "[type=submit i]", ""},
		{"[dir^=r]", "[dir^=r i]", ""},
		{"[data-x=y]", "[data-x=y]", ""},
		{"[id=Bar]", "[id=Bar]", ""},
		{"[type]", "[type]", ""},
		{`[title="a]b"][lang=en]`, `[title="a]b"][lang=en i]`, ""},
		{".foo", ".foo", "[class~=foo i]"},
		{"#bar.baz", "#bar.baz", "[id=bar i][class~=baz i]"},
		{"p:not(.foo) > #x", "p:not(.foo) > #x", "p:not([class~=foo i]) > [id=x i]"},
		{`[title=".a#b"]`, `[title=".a#b"]`, `[title=".a#b"]`},
		{":enabled", `[\20 enabled]`, ""},
		{"input:DISABLED, a:hover", `input[\20 disabled], a:hover`, ""},
		{"a::before", "a::before", ""},
		{`.\31 23`, `.\31 23`, `[class~=\31 23 i]`},
	}
	for _, tt := range tests {
		if got := browserSelector(tt.css, false); got != tt.want {
			t.Errorf("browserSelector(%q) = %q, want %q", tt.css, got, tt.want)
		}
		want := tt.quirks
		if want == "" {
			want = tt.want
		}
		if got := browserSelector(tt.css, true); got != want {
			t.Errorf("browserSelector(%q, quirks) = %q, want %q", tt.css, got, want)
		}
	}
}
