package extract

import "testing"

func TestParseContentType(t *testing.T) {
	tests := []struct {
		header, essence, charset string
	}{
		{"text/html", "text/html", ""},
		{"Text/HTML; Charset=UTF-8", "text/html", "UTF-8"},
		{"text/html; charset=utf-8; foo", "text/html", "utf-8"},
		{"text/html; charset=utf-8; foo=b/c", "text/html", "utf-8"},
		{`text/html; charset="utf-8`, "text/html", "utf-8"},
		{`text/html; charset="utf\-8"`, "text/html", "utf-8"},
		{"text/html; charset=utf-8, text/html", "text/html", "utf-8"},
		{"text/html; charset=utf-8; charset=windows-1252", "text/html", "utf-8"},
		{"text/html; charset=utf-8, text/plain", "text/plain", ""},
		{"text/plain; charset=utf-8, text/html; charset=shift_jis", "text/html", "shift_jis"},
		{"text/html; charset=utf-8, */*", "text/html", "utf-8"},
		{`text/html; a="x,y"; charset=euc-kr`, "text/html", "euc-kr"},
		{"text/html;charset= utf-8", "text/html", " utf-8"}, // the label is trimmed when looked up
		{"text/html; charset=", "text/html", ""},
		{"text/html ; charset=utf-8", "text/html", "utf-8"},
		{"text / html", "", ""},
		{"html", "", ""},
		{"", "", ""},
		{"text/html; charset=\x01", "text/html", ""},
	}
	for _, tt := range tests {
		got := parseContentType(tt.header)
		if got.essence != tt.essence || got.charset != tt.charset {
			t.Errorf("%q: %q, %q; want %q, %q", tt.header, got.essence, got.charset, tt.essence, tt.charset)
		}
	}
}

func FuzzParseContentType(f *testing.F) {
	for _, s := range []string{"text/html; charset=utf-8", `a/b; c="d\`, "x/y, z/w; q=\"1,2\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseContentType(s) // must not panic or hang
	})
}
