package extract

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestHostileInput feeds documents built to make a parser slow or greedy.
// Each must come back (ErrTooComplex allowed) having allocated memory in
// proportion to its size; how long they take is left to the benchmarks, but
// each would take hours if any step were quadratic.
func TestHostileInput(t *testing.T) {
	const n = 100_000
	rep := strings.Repeat
	numbered := func(format string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	tests := []struct{ name, doc string }{
		{"nested divs", rep("<div>", n) + "<a href=deep>x</a>" + rep("<p>x", n)},
		{"nested formatting", rep("<b>", n) + "text" + rep("<i>x", n)},
		{"distinct formatting elements", numbered("<b id=%d>") + rep("x<p>", n)},
		{"nested links", rep("<a href=x>", n)},
		{"nested buttons", numbered("<button id=b%d>")},
		{"nested tables", rep("<table><tr><td>", n) + "<a href=t>"},
		{"misnested table content", rep("<table><a href=x><tr>", n)},
		{"nested svg", "<svg>" + rep("<g>", n) + "<a href=s>"},
		{"nested templates", rep("<template>", n) + "<a href=t>"},
		{"nested selects", rep("<select><option>", n)},
		{"adoption agency", rep("<a href=1><p><b><div>", n/4)},
		{"many attributes", "<a " + numbered("a%d ") + "href=x>"},
		{"many duplicate attributes", "<a " + rep("href=x ", n) + ">"},
		{"huge attribute", `<a href="` + rep("x", 5<<20) + `">`},
		{"huge unquoted attribute", `<button id=` + rep("y", 5<<20) + `>`},
		{"endless comment", "<!--" + rep("-!", 2<<20)},
		{"endless script", "<script>" + rep("<!--<script>", n)},
		{"endless tag", "<a" + rep(" x", 2<<20)},
		{"long entity", `<a href="&` + rep("a", n) + `;">`},
		{"many entities", `<a href="` + rep("&amp;&#x41;&notin;", n) + `">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ParseBytes([]byte(tt.doc), "text/html; charset=utf-8", "https://example.com/")
			runtime.ReadMemStats(&after)
			if err != nil && !errors.Is(err, ErrTooComplex) {
				t.Fatalf("ParseBytes: %v", err)
			}
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > uint64(40*len(tt.doc)+(16<<20)) {
				t.Errorf("allocated %d MB for a %d KB document", allocated>>20, len(tt.doc)>>10)
			}
		})
	}
}
