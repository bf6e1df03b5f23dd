package report

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteJSON writes the report as one JSON object (schema in README.md).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
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

// junitSuites is the JUnit XML report: one test case per broken target,
// failed, and one per target rate limited, skipped.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes the report as JUnit XML, which CI systems display:
// each broken target is a failed test case whose text lists its
// referrers; each target rate limited is a skipped one.
func (r *Report) WriteJUnit(w io.Writer) error {
	suite := junitSuite{Name: "crawl check", Cases: []junitCase{}}
	for _, t := range r.Broken {
		suite.Cases = append(suite.Cases, junitCase{Name: t.URL, ClassName: "links." + strings.ReplaceAll(t.Kind, " ", "-"),
			Failure: &junitMessage{Message: describe(&t), Type: t.Kind, Text: referrerText(&t)}})
	}
	for _, t := range r.RateLimited {
		suite.Cases = append(suite.Cases, junitCase{Name: t.URL, ClassName: "links.rate-limited",
			Skipped: &junitMessage{Message: describe(&t), Text: referrerText(&t)}})
	}
	suite.Tests, suite.Failures, suite.Skipped = len(suite.Cases), len(r.Broken), len(r.RateLimited)
	doc := junitSuites{Name: "crawl check", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func referrerText(t *Target) string {
	var b strings.Builder
	if len(t.Referrers) == 0 {
		b.WriteString("an input of the crawl\n")
	}
	for _, ref := range t.Referrers {
		fmt.Fprintf(&b, "linked from %s (link %d)\n", ref.Page, ref.Link)
	}
	return b.String()
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
