package html5

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// treeTest is one case of the html5lib tree-construction suite.
type treeTest struct {
	file, data string
	want       []string // the expected tree, elements only
	lines      []string // the expected tree as the suite gives it
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
func TestHTML5LibTreeConstruction(t *testing.T) { html5libTrees(t, false) }

// TestHTML5LibTreeConstructionText is the same with Parser.KeepText: the
// text nodes are compared too (adjacent ones joined, as they are once the
// comments between them are dropped).
func TestHTML5LibTreeConstructionText(t *testing.T) { html5libTrees(t, true) }

func html5libTrees(t *testing.T, text bool) {
	files, _ := filepath.Glob("testdata/html5lib/tree-construction/*.dat")
	if len(files) == 0 {
		t.Fatal("no tree-construction tests")
	}
	ps := Parser{KeepText: text}
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
			got, want := dumpTree(&ps, root), tc.want
			if text && textDivergences[tc.data] != "" {
				continue
			}
			if text {
				want = expectedWithText(tc.lines)
			}
			if !slices.Equal(got, want) {
				failed++
				t.Errorf("%s: %q\n got:\n%s\nwant:\n%s", tc.file, tc.data, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	t.Logf("%d documents, %d failed", total, failed)
}

// textDivergences are the suite's documents whose text differs with
// KeepText, with the reason.
var textDivergences = map[string]string{
	"<select><button><selectedcontent></button><option>X":                   "selectedcontent's copy of the selected option is a DOM step the parser does not take",
	"<select><button><selectedcontent></button><option>X<option>Y":          "selectedcontent's copy of the selected option is a DOM step the parser does not take",
	"<select><button><selectedcontent></button><option>X<option selected>Y": "selectedcontent's copy of the selected option is a DOM step the parser does not take",
	"<plaintext>\x00filler\x00text\x00":                                     "NUL in <plaintext> should read U+FFFD; it is dropped",
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
			cur.lines = cur.want
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
		if n.Type == TextNode {
			out = append(out, fmt.Sprintf("%s%q", indent, n.Data))
		}
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

// expectedWithText is expectedElements keeping the text nodes, as %q
// strings, joined when they are siblings once comments are dropped.
func expectedWithText(lines []string) []string {
	var joined []string // one entry a node, multi-line text put together
	open := false       // inside a text node that spans lines
	for _, line := range lines {
		if open {
			joined[len(joined)-1] += "\n" + line
			open = !strings.HasSuffix(line, "\"")
			continue
		}
		if !strings.HasPrefix(line, "|") {
			continue
		}
		joined = append(joined, line)
		body := strings.TrimLeft(line[2:], " ")
		open = strings.HasPrefix(body, "\"") && (len(body) == 1 || !strings.HasSuffix(body, "\""))
	}
	var elems, out []string
	for _, line := range joined {
		body := strings.TrimLeft(line[2:], " ")
		if !strings.HasPrefix(body, "\"") {
			elems = append(elems, line)
			continue
		}
		// A text node: keep it in place as a marker line expectedElements
		// keeps, then turn it back.
		indent := line[:len(line)-len(body)]
		elems = append(elems, indent+"<#text "+strconv.Quote(body[1:len(body)-1])+">")
	}
	var prev string
	for _, l := range expectedElements(elems) {
		body := strings.TrimLeft(l, " ")
		if rest, ok := strings.CutPrefix(body, "<#text "); ok {
			text, _ := strconv.Unquote(strings.TrimSuffix(rest, ">"))
			indent := l[:len(l)-len(body)]
			if strings.HasPrefix(prev, indent+"\"") && len(out) > 0 {
				old, _ := strconv.Unquote(strings.TrimPrefix(out[len(out)-1], indent))
				text = old + text
				out = out[:len(out)-1]
			}
			l = indent + strconv.Quote(text)
		}
		out = append(out, l)
		prev = l
	}
	return out
}
