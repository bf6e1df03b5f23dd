package extract

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// TestFieldsAreBounded: 300 nested <div>s in a 300 KB page, each text
// holding all the ones inside it, give a field of at most MaxText bytes in
// all, marked as cut, instead of 90 MB; button texts share the bound.
func TestFieldsAreBounded(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		b.WriteString("<div>")
		b.WriteString(strings.Repeat("é", 500)) // 1000 bytes each, two-byte characters
		if i == 150 {
			b.WriteString("<button>press</button>")
		}
	}
	page := []byte(b.String())
	f, err := ParseField("t=div")
	if err != nil {
		t.Fatal(err)
	}
	limit := len(page)
	p, err := ParseWith(page, "text/html; charset=utf-8", "http://e.com/", Options{Fields: []Field{f}, ButtonDetails: true, MaxText: limit})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, v := range p.Fields["t"] {
		total += len(v)
		if !utf8.ValidString(v) {
			t.Fatalf("a value cut inside a character: %q", v[len(v)-4:])
		}
	}
	for _, bt := range p.ButtonDetails {
		total += len(bt.Text)
	}
	if total > limit || total < limit-4 || !p.TextTruncated {
		t.Errorf("%d bytes of field values for a bound of %d, truncated %v", total, limit, p.TextTruncated)
	}
	if n := len(p.Fields["t"]); n < 1 || n > 2 {
		t.Errorf("%d values: the bound is reached by the first ones, the rest left out", n)
	}
	if len(p.ButtonDetails) != 1 || p.ButtonDetails[0].Text != "" {
		t.Errorf("button details %+v, want the button with its text left out", p.ButtonDetails)
	}

	// Under the bound nothing is cut.
	p, _ = ParseWith([]byte("<div>a <b>b</b></div><div>c</div>"), "text/html", "http://e.com/", Options{Fields: []Field{f}, MaxText: 100})
	if got := strings.Join(p.Fields["t"], "|"); got != "a b|c" || p.TextTruncated {
		t.Errorf("fields %q, truncated %v", got, p.TextTruncated)
	}
}

// TestTextCollapsesAsBefore: the text built as it goes equals the text
// collapsed after the fact.
func TestTextCollapsesAsBefore(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a ", "a  b\t\nc\r\fd", "\u00a0x\u00a0", "  é  ü ", "a\x00b"} {
		n := &html.Node{Type: html.ElementNode}
		n.AppendChild(&html.Node{Type: html.TextNode, Data: s})
		want := strings.Join(strings.FieldsFunc(s, isASCIISpace), " ")
		if got := Text(n); got != want {
			t.Errorf("Text(%q) = %q, want %q", s, got, want)
		}
		for limit := range len(want) + 1 {
			got, cut := boundedText(n, limit)
			if len(got) > limit || !strings.HasPrefix(want, got) || cut != (limit < len(want)) || !utf8.ValidString(got) {
				t.Errorf("boundedText(%q, %d) = %q, %v", s, limit, got, cut)
			}
		}
	}
}
