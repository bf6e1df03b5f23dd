package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/crawlkit/crawl/results"
)

// WriteJSON writes the report as one JSON object (schema in README.md),
// a referrer a line. It is written as it goes: a target with a million
// referrers is never a second time in memory.
func (r *Report) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	b = fmt.Appendf(b, "{\n  \"pages\": %d,\n  \"checked\": %d,\n  \"links\": %d,\n  \"not_checked\": {", r.Pages, r.Checked, r.Links)
	for i, k := range slices.Sorted(maps.Keys(r.NotChecked)) {
		b = append(b, ", "[:min(i, 1)*2]...)
		b = fmt.Appendf(results.AppendJSONString(b, k), ": %d", r.NotChecked[k])
	}
	b = fmt.Appendf(b, "},\n  \"fragments\": %d", r.Fragments)
	for _, l := range []struct {
		name    string
		targets []Target
	}{{"broken", r.Broken}, {"rate_limited", r.RateLimited}, {"redirected", r.Redirected}} {
		b = fmt.Appendf(b, ",\n  \"%s\": [", l.name)
		for i := range l.targets {
			if i > 0 {
				b = append(b, ',')
			}
			if _, err := bw.Write(b); err != nil {
				return err
			}
			b = l.targets[i].appendJSON(b[:0], bw)
		}
		if len(l.targets) > 0 {
			b = append(b, "\n  "...)
		}
		b = append(b, ']')
	}
	b = append(b, "\n}\n"...)
	if _, err := bw.Write(b); err != nil {
		return err
	}
	return bw.Flush()
}

// appendJSON appends the target to b, writing to w each referrer's line as
// it goes, and returns what is left to write.
func (t *Target) appendJSON(b []byte, w io.Writer) []byte {
	b = append(b, "\n    {\"url\": "...)
	b = results.AppendJSONString(b, t.URL)
	b = append(b, ", \"kind\": "...)
	b = results.AppendJSONString(b, t.Kind)
	if t.Status != 0 {
		b = fmt.Appendf(b, ", \"status\": %d", t.Status)
	}
	b = append(b, ", \"error\": "...)
	b = results.AppendJSONString(b, t.Error)
	if t.FinalURL != "" {
		b = append(b, ", \"final_url\": "...)
		b = results.AppendJSONString(b, t.FinalURL)
	}
	if t.Input {
		b = append(b, ", \"input\": true"...)
	}
	b = append(b, ", \"referrers\": ["...)
	for i, ref := range t.Referrers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n      {\"page\": "...)
		b = fmt.Appendf(results.AppendJSONString(b, ref.Page), ", \"link\": %d}", ref.Link)
		if len(b) > 32<<10 {
			w.Write(b) // a write error comes back from the next Write or Flush
			b = b[:0]
		}
	}
	if len(t.Referrers) > 0 {
		b = append(b, "\n    "...)
	}
	return append(b, "]}"...)
}

// textReferrers is how many referrers of a target the terminal shows;
// the report files have them all.
const textReferrers = 5

// WriteText writes the report for a person at a terminal: each problem,
// its first referrers, and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	for _, sec := range r.sections() {
		for _, t := range sec.targets {
			ew.printf("%-7s %s\n        %s\n", sec.label, t.URL, describe(&t))
			for i, ref := range t.Referrers {
				if i == textReferrers {
					ew.printf("        ... and %d more pages\n", len(t.Referrers)-i)
					break
				}
				ew.printf("        from %s (link %d)\n", ref.Page, ref.Link)
			}
		}
	}
	ew.printf("%s\n", r.Summary())
	return ew.err
}

// Summary is the report's last line.
func (r *Report) Summary() string {
	s := fmt.Sprintf("crawl check: %d pages crawled, %d links on them, %d checked out of the crawl, %d fragments checked: %d broken",
		r.Pages, r.Links, r.Checked, r.Fragments, len(r.Broken))
	if n := len(r.RateLimited); n > 0 {
		s += fmt.Sprintf(", %d rate limited", n)
	}
	if n := len(r.Redirected); n > 0 {
		s += fmt.Sprintf(", %d moved permanently", n)
	}
	if len(r.NotChecked) > 0 {
		s += "; not fetched: " + counts(r.NotChecked)
	}
	return s
}

// WriteMarkdown writes the report as Markdown, for a CI comment.
func (r *Report) WriteMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("## Link check\n\n%s\n", mdEscape(r.Summary()))
	for _, sec := range r.sections() {
		if len(sec.targets) == 0 {
			continue
		}
		ew.printf("\n### %s (%d)\n\n", sec.title, len(sec.targets))
		for _, t := range sec.targets {
			ew.printf("- `%s`: %s\n", mdCode(t.URL), mdEscape(describe(&t)))
			for _, ref := range t.Referrers {
				ew.printf("  - `%s` (link %d)\n", mdCode(ref.Page), ref.Link)
			}
		}
	}
	return ew.err
}

// section is one list of targets, as shown.
type section struct {
	label, title string
	targets      []Target
}

func (r *Report) sections() []section {
	return []section{
		{"BROKEN", "Broken", r.Broken},
		{"LIMITED", "Rate limited", r.RateLimited},
		{"MOVED", "Moved permanently", r.Redirected},
	}
}

// describe says what is wrong with t, and for an input that it is one.
func describe(t *Target) string {
	s := t.Error
	if t.Kind == "rate limited" {
		s = "rate limited: " + s
	}
	if t.Input && len(t.Referrers) == 0 {
		s += " (an input)"
	}
	return s
}

// WriteJUnit writes the report as JUnit XML, which CI systems display:
// each broken target is a failed test case whose text lists its
// referrers, a line each; each target rate limited is a skipped one. It is
// written as it goes, as WriteJSON is.
func (r *Report) WriteJUnit(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := len(r.Broken) + len(r.RateLimited)
	fmt.Fprintf(bw, "%s<testsuites name=\"crawl check\" tests=\"%d\" failures=\"%d\">\n", xml.Header, n, len(r.Broken))
	fmt.Fprintf(bw, "  <testsuite name=\"crawl check\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n", n, len(r.Broken), len(r.RateLimited))
	for _, t := range r.Broken {
		junitCase(bw, &t, "links."+strings.ReplaceAll(t.Kind, " ", "-"), "failure")
	}
	for _, t := range r.RateLimited {
		junitCase(bw, &t, "links.rate-limited", "skipped")
	}
	bw.WriteString("  </testsuite>\n</testsuites>\n")
	return bw.Flush() // the first error of a write, if any
}

// junitCase writes one test case, with a failure or skipped element.
func junitCase(w *bufio.Writer, t *Target, class, element string) {
	w.WriteString("    <testcase name=\"")
	xml.EscapeText(w, []byte(t.URL))
	w.WriteString("\" classname=\"")
	xml.EscapeText(w, []byte(class))
	fmt.Fprintf(w, "\">\n      <%s message=\"", element)
	xml.EscapeText(w, []byte(describe(t)))
	if element == "failure" {
		w.WriteString("\" type=\"")
		xml.EscapeText(w, []byte(t.Kind))
	}
	w.WriteString("\">")
	if len(t.Referrers) == 0 {
		w.WriteString("an input of the crawl\n")
	}
	for _, ref := range t.Referrers {
		xml.EscapeText(w, []byte(fmt.Sprintf("linked from %s (link %d)", ref.Page, ref.Link)))
		w.WriteByte('\n')
	}
	fmt.Fprintf(w, "</%s>\n    </testcase>\n", element)
}

// counts formats a map of counts as "k: n, ..." sorted by key.
func counts(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%s: %d", k, n))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// mdCode makes s safe inside a Markdown code span.
func mdCode(s string) string { return strings.ReplaceAll(s, "`", "%60") }

// mdEscape escapes the characters Markdown would read as markup.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// errWriter keeps the first error of a run of writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (ew *errWriter) printf(format string, args ...any) {
	if ew.err == nil {
		_, ew.err = fmt.Fprintf(ew.w, format, args...)
	}
}
