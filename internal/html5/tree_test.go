package html5

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// treeTest is one case of the html5lib tree-construction suite.
type treeTest struct {
	file, data string
	want       []string // the expected tree, elements only
	scripting  string   // "on", "off", or "" for both
	fragment   bool
}

// divergences are the suite's documents whose element trees differ from the
// standard's on purpose, with the reason.
var divergences = map[string]string{
	// Attributes of a second <html> or <body> tag are added to the first;
	// crawl reads neither element's attributes, so they are not merged.
	`<head><noscript><html class="foo"><!--foo--></noscript>`:         "html attributes",
	`<!DOCTYPE html><html><html abc:def=gh><xyz:abc></xyz:abc>`:       "html attributes",
	`<!DOCTYPE html><html 123=456><html 789=012>`:                     "html attributes",
	`<!doctype html><html c=d><body></html><html a=b>`:                "html attributes",
	`<!doctype html><html c=d><frameset></frameset></html><html a=b>`: "html attributes",
	`<!doctype html><html a=b><head></head><html c=d>`:                "html attributes",
	`<!DOCTYPE html><html><body><html id=x>`:                          "html attributes",
	"<!DOCTYPE html>X</body><html id=\"x\">":                          "html attributes",
	`<!DOCTYPE html><head><html id=x>`:                                "html attributes",
	`<!DOCTYPE html><body t1=1><body t2=2><body t3=3 t4=4>`:           "body attributes",
	`<body foo='bar'><body foo='baz' yo='mama'>`:                      "body attributes",
	// The customizable <select>'s <selectedcontent> mirrors the selected
	// option by cloning it; the clone adds no link or button id that the
	// option does not have.
	`<select><button><selectedcontent></button><option>x<i>i<b>ib</i>b`: "selectedcontent",
}

// TestHTML5LibTreeConstruction builds every document of the html5lib suite
// that applies with scripting off and compares its elements (names,
// namespaces, the attributes of HTML elements, template contents) with the
// expected tree. Text and comments are not kept, so they are not compared.
func TestHTML5LibTreeConstruction(t *testing.T) {
	files, _ := filepath.Glob("testdata/html5lib/tree-construction/*.dat")
	if len(files) == 0 {
		t.Fatal("no tree-construction tests")
	}
	var ps Parser
	total, failed := 0, 0
	for _, file := range files {
		for _, tc := range readTreeTests(t, file) {
			if tc.fragment || tc.scripting == "on" || divergences[tc.data] != "" {
				continue
			}
			total++
			root, err := ps.Parse([]byte(tc.data))
			if err != nil {
				t.Errorf("%s: %q: %v", tc.file, tc.data, err)
				failed++
				continue
			}
			got := dumpTree(&ps, root)
			if !slices.Equal(got, tc.want) {
				failed++
				t.Errorf("%s: %q\n got:\n%s\nwant:\n%s", tc.file, tc.data, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		}
	}
	t.Logf("%d documents, %d failed", total, failed)
}

func readTreeTests(t *testing.T, file string) []treeTest {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var tests []treeTest
	var cur *treeTest
	section := ""
	var data []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	finish := func() {
		if cur != nil {
			cur.want = expectedElements(cur.want)
			tests = append(tests, *cur)
		}
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			switch line {
			case "#data":
				finish()
				cur = &treeTest{file: filepath.Base(file)}
				data = nil
			case "#errors", "#new-errors":
				if section == "#data" {
					cur.data = strings.Join(data, "\n")
				}
			case "#script-on":
				cur.scripting = "on"
			case "#script-off":
				cur.scripting = "off"
			case "#document-fragment":
				cur.fragment = true
			}
			section = line
			continue
		}
		switch section {
		case "#data":
			data = append(data, line)
		case "#document":
			cur.want = append(cur.want, line)
		}
	}
	finish()
	return tests
}

// expectedElements keeps the element lines of an expected tree (and the
// attributes of HTML elements), dropping text, comments and doctypes and
// lifting template contents to be the template's children.
func expectedElements(lines []string) []string {
	var out []string
	var dedent []int // indents of "content" lines still open
	foreign := map[int]bool{}
	for _, line := range lines {
		if !strings.HasPrefix(line, "|") {
			continue // the rest of a multi-line text node
		}
		body := line[2:]
		indent := len(body) - len(strings.TrimLeft(body, " "))
		body = strings.TrimLeft(body, " ")
		for len(dedent) > 0 && indent <= dedent[len(dedent)-1] {
			dedent = dedent[:len(dedent)-1]
		}
		for k := range foreign {
			if indent <= k {
				delete(foreign, k)
			}
		}
		if body == "content" {
			dedent = append(dedent, indent)
			continue
		}
		shifted := indent - 2*len(dedent)
		switch {
		case strings.HasPrefix(body, "<!"), strings.HasPrefix(body, "\""):
			continue
		case strings.HasPrefix(body, "<"):
			if strings.HasPrefix(body, "<svg ") || strings.HasPrefix(body, "<math ") {
				foreign[indent] = true
			}
			out = append(out, strings.Repeat(" ", shifted)+body)
		default: // an attribute
			if len(foreign) == 0 || !underForeign(foreign, indent) {
				out = append(out, strings.Repeat(" ", shifted)+body)
			}
		}
	}
	return out
}

func underForeign(foreign map[int]bool, indent int) bool {
	for k := range foreign {
		if indent == k+2 {
			return true
		}
	}
	return false
}

// dumpTree renders the tree in the suite's format.
func dumpTree(ps *Parser, root *Node) []string {
	var out []string
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		indent := strings.Repeat(" ", 2*depth)
		if n.Type == ElementNode {
			if n.Namespace != "" {
				out = append(out, fmt.Sprintf("%s<%s %s>", indent, n.Namespace, n.Data))
			} else {
				out = append(out, fmt.Sprintf("%s<%s>", indent, n.Data))
				var attrs []string
				for i := int(n.attrLo); i < int(n.attrHi); i++ {
					attrs = append(attrs, fmt.Sprintf("%s  %s=\"%s\"", indent, strings.ToLower(string(ps.z.AttrName(i))), ps.z.AttrValue(i)))
				}
				slices.Sort(attrs)
				out = append(out, attrs...)
			}
			depth++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth)
		}
	}
	walk(root, 0)
	return out
}
