package extract

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzExtract checks that extraction never panics or fails on any input,
// and that it agrees with the reference extractor wherever the reference
// follows the standard.
//
//	go test ./extract -run '^$' -fuzz FuzzExtract
func FuzzExtract(f *testing.F) {
	pages, _ := filepath.Glob("../testdata/html/*.html")
	for _, p := range pages {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, doc := range html5libInputs(f)[:300] {
		f.Add([]byte(labelled(doc)))
	}
	for _, s := range []string{
		"<a href=x><table><a href=y><tr><td><a href=z>",
		"<b><i><a href=1><p><a href=2></b>x</i>y",
		"<svg><foreignObject><template><a href=t></a></template></foreignObject></svg><a href=after>",
		"<math><mi><template><a href=1></template></mi></math><a href=2>",
		"<body><a href=1></a><frameset>",
		"<select><option><a href=o></a><button id=b></button></select>",
		"<script><!--<script></script><a href=hidden></script><a href=shown>",
		"<textarea><a href=t></textarea><noscript><a href=n></noscript>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err = ParseBytes(doc, "text/html; charset=utf-8", "https://example.com/dir/page.html")
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("no result after 10s: a hang on %q", doc)
		}
		if err != nil && !errors.Is(err, ErrTooComplex) {
			t.Fatalf("ParseBytes: %v", err)
		}
		if err != nil || referenceDiverges(string(doc)) || strings.Count(string(doc), "<") > 2000 {
			return
		}
		checkAgainstReference(t, doc, "text/html; charset=utf-8")
	})
}
