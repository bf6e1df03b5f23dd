package extract

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/net/html/charset"
)

// TestPrescanMatchesXNet compares the prescan with x/net/html/charset's on
// the corpus and fixtures: both read the same <meta> declarations.
func TestPrescanMatchesXNet(t *testing.T) {
	files, _ := filepath.Glob("../testdata/html/*.html")
	more, _ := filepath.Glob(filepath.Join(corpusDir, "readability", "*.html"))
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, want, _ := charset.DetermineEncoding(data, "text/html")
		_, got, _ := determineEncoding(data, "text/html", true)
		if got != want {
			t.Errorf("%s: %s, x/net says %s", filepath.Base(f), got, want)
		}
	}
}

func TestDetermineEncoding(t *testing.T) {
	tests := []struct {
		name, doc, contentType string
		local                  bool
		want                   string
		certain                bool
	}{
		{"utf-8 BOM", "\xef\xbb\xbf<meta charset=windows-1251>", "text/html; charset=koi8-r", false, "utf-8", true},
		{"utf-16le BOM", "\xff\xfe<\x00", "", false, "utf-16le", true},
		{"header", "<meta charset=windows-1251>", "text/html; charset=ISO-8859-2", false, "iso-8859-2", true},
		{"bad header label", "<meta charset=windows-1251>", "text/html; charset=bogus", false, "windows-1251", false},
		{"meta charset", "<html><head><meta charset='Shift_JIS'>", "", false, "shift_jis", false},
		{"meta http-equiv", `<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">`, "", false, "euc-kr", false},
		{"content without http-equiv", `<meta content="text/html; charset=euc-kr">`, "", false, "windows-1252", false},
		{"meta in a comment", "<!-- <meta charset=koi8-r> --><meta charset=gbk>", "", false, "gbk", false},
		{"utf-16 meta means utf-8", "<meta charset=utf-16>", "", false, "utf-8", false},
		{"x-user-defined", "<meta charset=x-user-defined>", "", false, "windows-1252", false},
		{"after another tag's attributes", `<div title="<meta charset=koi8-r>"><meta charset=big5>`, "", false, "big5", false},
		{"undeclared utf-8 over http", "<p>caf\xc3\xa9", "", false, "windows-1252", false},
		{"undeclared utf-8 in a file", "<p>caf\xc3\xa9", "", true, "utf-8", false},
		{"undeclared latin-1", "<p>caf\xe9", "", true, "windows-1252", false},
	}
	for _, tt := range tests {
		_, got, certain := determineEncoding([]byte(tt.doc), tt.contentType, tt.local)
		if got != tt.want || certain != tt.certain {
			t.Errorf("%s: %s (certain %v), want %s (%v)", tt.name, got, certain, tt.want, tt.certain)
		}
	}
}

// TestLateMeta checks the tree builder's change of encoding: a <meta> past
// the first 1024 bytes still decides how the page is read.
func TestLateMeta(t *testing.T) {
	doc := []byte("<html><head><!-- " + string(make([]byte, 0)) + padding(2000) + " --><meta charset=windows-1251></head><body><button id=\"\xef\xf0\xe8\xe2\xe5\xf2\">x</button>")
	page, err := ParseBytes(doc, "text/html", "http://example.com/")
	if err != nil {
		t.Fatal(err)
	}
	if page.Charset != "windows-1251" || len(page.Buttons) != 1 || page.Buttons[0] != "привет" {
		t.Errorf("charset %s, buttons %q", page.Charset, page.Buttons)
	}
}

func padding(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}
