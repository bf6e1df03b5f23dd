package extract

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// html5libInputs returns the documents of the html5lib tree-construction
// suite: 1500 small documents full of the parser's corner cases.
func html5libInputs(tb testing.TB) []string {
	files, _ := filepath.Glob("../internal/html5/testdata/html5lib/tree-construction/*.dat")
	if len(files) == 0 {
		tb.Fatal("no html5lib tests")
	}
	var docs []string
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var data []string
		in := false
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "#data":
				in, data = true, nil
			case in && strings.HasPrefix(line, "#"):
				in = false
				docs = append(docs, strings.Join(data, "\n"))
			case in:
				data = append(data, line)
			}
		}
		f.Close()
	}
	return docs
}

// referenceDiverges reports documents on which the reference (x/net/html)
// is known not to follow the HTML Standard, so the two extractors may
// rightly disagree: x/net compares the DOCTYPE name case-sensitively (so
// <!DOCTYPE HTML> selects quirks mode), gives up on the rest of a document
// when a <template> opens inside foreign content, and fails on nesting
// deeper than 512.
func referenceDiverges(doc string) bool {
	lower := strings.ToLower(doc)
	if strings.Contains(lower, "<!doctype") && !strings.Contains(doc, "<!DOCTYPE html") && !strings.Contains(doc, "<!doctype html") {
		return true
	}
	return strings.Contains(lower, "<template") && (strings.Contains(lower, "<svg") || strings.Contains(lower, "<math"))
}

// TestMatchesReference runs the html5lib documents through both extractors,
// as they are and with a distinct href on every <a> and id on every
// <button>, so that the order links come out in is compared under foster
// parenting, adoption-agency cloning and the rest.
func TestMatchesReference(t *testing.T) {
	compared, withLinks := 0, 0
	for _, doc := range html5libInputs(t) {
		if referenceDiverges(doc) {
			continue
		}
		for _, d := range []string{doc, labelled(doc)} {
			compared++
			if strings.Contains(d, "href") {
				withLinks++
			}
			checkAgainstReference(t, []byte(d), "text/html; charset=utf-8")
		}
	}
	t.Logf("%d documents compared, %d with links", compared, withLinks)
}

// labelled gives every <a> start tag an href and every <button> an id,
// numbered in source order.
func labelled(doc string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(doc); i++ {
		b.WriteByte(doc[i])
		if doc[i] != '<' {
			continue
		}
		rest := strings.ToLower(doc[i+1:])
		for _, tag := range []struct{ name, attr string }{{"a", "href=/l"}, {"button", "id=b"}} {
			if strings.HasPrefix(rest, tag.name) && len(rest) > len(tag.name) && strings.ContainsRune(" \t\n/>", rune(rest[len(tag.name)])) {
				n++
				b.WriteString(doc[i+1 : i+1+len(tag.name)])
				b.WriteString(" " + tag.attr + strconv.Itoa(n) + " ")
				i += len(tag.name)
				break
			}
		}
	}
	return b.String()
}

func checkAgainstReference(t *testing.T, doc []byte, contentType string) {
	t.Helper()
	const url = "https://example.com/dir/page.html"
	want, err := referenceParse(doc, contentType, url)
	if err != nil {
		return // the reference cannot parse it (nesting deeper than 512)
	}
	got, err := ParseBytes(doc, contentType, url)
	if err != nil {
		t.Errorf("%q: %v", doc, err)
		return
	}
	if !slices.Equal(got.Links, want.Links) || !slices.Equal(got.Buttons, want.Buttons) || got.Charset != want.Charset {
		t.Errorf("%q\n got  links %q buttons %q (%s)\n want links %q buttons %q (%s)", doc, got.Links, got.Buttons, got.Charset, want.Links, want.Buttons, want.Charset)
	}
}
