package extract

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawlkit/crawl/internal/html5"
	"github.com/crawlkit/crawl/internal/weburl"
)

// Field is a custom field of a page: the text, or one attribute, of every
// element a CSS selector matches, in document order.
type Field struct {
	// Name keys the field's values in Page.Fields.
	Name string
	// Selector is the CSS selector, as given.
	Selector string
	// Attr, when set, is the attribute read instead of the text. The
	// URL attributes (href, src, action, formaction, poster, cite) are
	// resolved as links are; an element without the attribute gives
	// nothing.
	Attr string

	// sel and quirks are Selector as Chromium matches it (see
	// browserSelector), in a document in no-quirks mode and in quirks mode;
	// states is set when it asks about form controls' states (:enabled,
	// :disabled, :checked), which the tree must then be given (markStates).
	sel, quirks cascadia.Selector
	states      bool
}

var (
	fieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	attrName  = regexp.MustCompile(`^[A-Za-z_:][-A-Za-z0-9_:.]*$`)
)

// reservedNames are not field names: they are the record's own keys, so
// that a field never reads as one of them where records are flattened.
var reservedNames = map[string]bool{
	"url": true, "button": true, "buttons": true, "link": true, "status": true, "final_url": true,
	"content_type": true, "depth": true, "parent": true, "fetched_at": true, "duration_ms": true,
	"bytes": true, "attempts": true, "truncated": true, "duplicate_of": true, "skipped": true,
	"error": true, "fields": true, "kind": true, "value": true,
}

// ParseField parses a field given as NAME=CSS or NAME=CSS@ATTR. The @ATTR
// suffix is read as an attribute only when what follows the last @ is an
// attribute name, so a selector may hold an @ of its own.
func ParseField(spec string) (Field, error) {
	name, css, ok := strings.Cut(spec, "=")
	if !ok {
		return Field{}, fmt.Errorf("%q: want NAME=CSS or NAME=CSS@ATTR", spec)
	}
	attr := ""
	if i := strings.LastIndexByte(css, '@'); i >= 0 && attrName.MatchString(css[i+1:]) {
		css, attr = css[:i], css[i+1:]
	}
	return NewField(name, css, attr)
}

// NewField returns the field name of the elements css matches: their text,
// or their attribute attr when it is not empty.
func NewField(name, css, attr string) (Field, error) {
	switch {
	case !fieldName.MatchString(name):
		return Field{}, fmt.Errorf("field name %q: use letters, digits, '_' and '-', starting with a letter", name)
	case reservedNames[strings.ToLower(name)]:
		return Field{}, fmt.Errorf("field name %q is reserved: it is a key of the record", name)
	case attr != "" && !attrName.MatchString(attr):
		return Field{}, fmt.Errorf("field %s: %q is not an attribute name", name, attr)
	}
	f := Field{Name: name, Selector: css, Attr: strings.ToLower(attr), states: strings.Contains(browserSelector(css, false), `[\20 `)}
	var err error
	if f.sel, err = compileSelector(css, false); err != nil {
		return Field{}, fmt.Errorf("field %s: selector %q: %v", name, css, err)
	}
	if f.quirks, err = compileSelector(css, true); err != nil {
		return Field{}, fmt.Errorf("field %s: selector %q: %v", name, css, err)
	}
	return f, nil
}

// compileSelector compiles css as Chromium matches it (browserSelector);
// should the rewrite not compile where css does, css is used as it is.
// The error is that of css as given.
func compileSelector(css string, quirks bool) (cascadia.Selector, error) {
	sel, err := cascadia.Compile(browserSelector(css, quirks))
	if err == nil {
		return sel, nil
	}
	return cascadia.Compile(css)
}

// urlAttrs are the attributes whose values are URLs, resolved like links.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "poster": true, "cite": true}

// domTree is the parsed tree as x/net/html nodes, for goquery and
// cascadia: the same tree, not a second parse, with a map back.
type domTree struct {
	ps   *html5.Parser
	root *html.Node
	from map[*html.Node]*html5.Node
	to   map[*html5.Node]*html.Node
	// shadows holds, for button details, the open shadow roots: each
	// host's shadow tree, under a node of its own that no selector of the
	// document reaches.
	shadows map[*html.Node]*html.Node
}

// domArena is the memory of the x/net/html copy of a tree, reused from one
// document to the next: the copy never outlives the extraction (what goes
// into the Page is copied out of it).
type domArena struct {
	nodes [][]html.Node
	chunk int
	attrs []html.Attribute
	vals  []byte
	names map[string]string // attribute names, one string each
}

const domChunk = 512

func (ar *domArena) reset() {
	for i := 0; i <= ar.chunk && i < len(ar.nodes); i++ {
		clear(ar.nodes[i])
		ar.nodes[i] = ar.nodes[i][:0]
	}
	ar.chunk = 0
	clear(ar.attrs)
	ar.attrs, ar.vals = ar.attrs[:0], ar.vals[:0]
	if len(ar.nodes) > 64 { // a huge page should not pin its memory
		ar.nodes, ar.attrs, ar.vals = ar.nodes[:64], nil, nil
	}
	if ar.names == nil {
		ar.names = make(map[string]string)
	}
}

func (ar *domArena) node() *html.Node {
	if ar.chunk < len(ar.nodes) && len(ar.nodes[ar.chunk]) == domChunk {
		ar.chunk++
	}
	if ar.chunk == len(ar.nodes) {
		ar.nodes = append(ar.nodes, make([]html.Node, 0, domChunk))
	}
	c := &ar.nodes[ar.chunk]
	*c = (*c)[:len(*c)+1]
	return &(*c)[len(*c)-1]
}

// value keeps an attribute value in the arena's buffer. When the buffer
// grows the old one stays alive for the values that point into it.
func (ar *domArena) value(v []byte) string {
	if len(ar.vals)+len(v) > cap(ar.vals) {
		ar.vals = make([]byte, 0, max(2*cap(ar.vals), len(v), 4096))
	}
	start := len(ar.vals)
	ar.vals = append(ar.vals, v...)
	return unsafe.String(unsafe.SliceData(ar.vals[start:]), len(v))
}

// convert copies the tree under n (elements, attributes and text; template
// contents left out, as they are not part of the document) into x/net/html
// nodes in ar. The maps back are kept only for what button details need
// (forms): the elements the parser gave a form, the forms, and the open
// shadow trees. With states, form controls get the attributes of their
// states (markStates).
func convert(ps *html5.Parser, n *html5.Node, forms, states bool, ar *domArena) domTree {
	ar.reset()
	t := domTree{ps: ps, root: ar.node()}
	t.root.Type = html.DocumentNode
	if forms {
		t.from, t.to = make(map[*html.Node]*html5.Node), make(map[*html5.Node]*html.Node)
	}
	var walk func(dst *html.Node, src *html5.Node)
	walk = func(dst *html.Node, src *html5.Node) {
		for c := src.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html5.TextNode && c.Type != html5.ElementNode {
				continue
			}
			m := ar.node()
			if c.Type == html5.TextNode {
				m.Type, m.Data = html.TextNode, c.Data
				dst.AppendChild(m)
				continue
			}
			m.Type, m.Data, m.DataAtom, m.Namespace = html.ElementNode, c.Data, c.DataAtom, c.Namespace
			start := len(ar.attrs)
			ps.Attrs(c, func(name, value []byte) {
				key, ok := ar.names[string(name)]
				if !ok {
					key = string(name)
					ar.names[key] = key
				}
				ar.attrs = append(ar.attrs, html.Attribute{Key: key, Val: ar.value(value)})
			})
			m.Attr = ar.attrs[start:len(ar.attrs):len(ar.attrs)]
			if forms && (c.DataAtom == atom.Form || ps.Form(c) != nil) {
				t.from[m], t.to[c] = c, m
			}
			dst.AppendChild(m)
			if root := c.OpenShadowRoot(); root != nil && forms {
				frag := ar.node()
				frag.Type = html.DocumentNode
				walk(frag, root)
				if t.shadows == nil {
					t.shadows = make(map[*html.Node]*html.Node)
				}
				t.shadows[m] = frag
			}
			if !(c.DataAtom == atom.Template && c.Namespace == "") {
				walk(m, c)
			}
		}
	}
	walk(t.root, n)
	if states {
		markStates(t.root)
	}
	return t
}

// fields reads every field from the tree, within budget.
func fields(t domTree, fs []Field, resolve *weburl.Resolver, budget *textBudget) map[string][]string {
	out := make(map[string][]string, len(fs))
	doc := goquery.NewDocumentFromNode(t.root)
	for _, f := range fs {
		vals := []string{}
		sel := f.sel
		if t.ps.Quirks() {
			sel = f.quirks
		}
		doc.FindMatcher(sel).EachWithBreak(func(_ int, s *goquery.Selection) bool {
			if budget.cut {
				return false
			}
			n := s.Get(0)
			if f.Attr == "" {
				vals = append(vals, budget.text(n))
				return true
			}
			v, ok := s.Attr(f.Attr)
			if !ok {
				return true
			}
			if urlAttrs[f.Attr] {
				u, err := resolve.Resolve(v)
				if err != nil {
					return true // not a URL, as a link that is not one is left out
				}
				v = u.Href
			}
			vals = append(vals, budget.take(v)) // a copy, out of the arena
			return true
		})
		out[f.Name] = vals
	}
	return out
}

// textBudget is what is left of the bytes that a page's field values and
// button texts may hold in all (Options.MaxText). Once it is spent, the
// value being read is cut there, later values are left out, and cut is
// set, for Page.TextTruncated.
type textBudget struct {
	left int
	cut  bool
}

func newTextBudget(limit int) *textBudget {
	if limit <= 0 {
		limit = math.MaxInt
	}
	return &textBudget{left: limit}
}

// text returns the text of n (see Text), within the budget.
func (b *textBudget) text(n *html.Node) string {
	if b.cut {
		return ""
	}
	s, cut := boundedText(n, b.left)
	b.left -= len(s)
	b.cut = cut
	return s
}

// take returns a copy of v, within the budget.
func (b *textBudget) take(v string) string {
	if b.cut {
		return ""
	}
	if len(v) > b.left {
		v, b.cut = v[:wholeRunes([]byte(v[:b.left]))], true
	}
	b.left -= len(v)
	return strings.Clone(v)
}

// blocks are the elements whose text is set apart from what surrounds it,
// as a browser lays them out on lines of their own.
var blocks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Br: true,
	atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true, atom.Ol: true,
	atom.Option: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Td: true, atom.Th: true, atom.Tr: true, atom.Ul: true, atom.Caption: true,
}

// hidden are the elements whose text a reader never sees.
var hidden = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Template: true}

// Text is the text of n as the field values and the button details read
// it: the text of its descendants in document order, leaving out those
// inside <script>, <style> and <template> (n's own text counts whatever n
// is), with a space where a block element (p, div, li, td, h1...) or a
// <br> begins or ends, then every run of ASCII whitespace made one space
// and the ends trimmed.
func Text(n *html.Node) string {
	s, _ := boundedText(n, math.MaxInt)
	return s
}

// boundedText is Text, cut at limit bytes (at a character boundary): cut
// reports that it was. The text is built with its whitespace collapsed
// as it goes, so that the walk stops at the limit: the text of 300 nested
// elements, each holding all the others, costs limit bytes, not the
// square of the page.
func boundedText(n *html.Node, limit int) (text string, cut bool) {
	w := textWriter{limit: limit}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && !w.cut; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				w.write(c.Data)
			case c.Type != html.ElementNode || c.Namespace == "" && hidden[c.DataAtom]:
			case c.Namespace == "" && blocks[c.DataAtom]:
				w.space = true
				walk(c)
				w.space = true
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return w.string(), w.cut
}

// textWriter collapses runs of ASCII whitespace into one space, leaving
// none at the start or the end, and stops at limit bytes.
type textWriter struct {
	b     []byte
	space bool // a space is due before the next character
	limit int
	cut   bool
}

func (w *textWriter) write(s string) {
	for i := 0; i < len(s) && !w.cut; i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' {
			w.space = true
			continue
		}
		sep := w.space && len(w.b) > 0
		if need := len(w.b) + 1 + b2i(sep); need > w.limit {
			w.cut = true
			return
		}
		if sep {
			w.b = append(w.b, ' ')
		}
		w.space = false
		w.b = append(w.b, c)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// string returns the text, without a character the limit cut in two.
func (w *textWriter) string() string {
	if w.cut {
		return string(w.b[:wholeRunes(w.b)])
	}
	return string(w.b)
}

// wholeRunes is the length of b without a character cut in two at its end.
func wholeRunes(b []byte) int {
	if i := lastRuneStart(b); !utf8.FullRune(b[i:]) {
		return i
	}
	return len(b)
}

// lastRuneStart is the index of the first byte of b's last character, or
// len(b) when b is empty.
func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return len(b)
}

func isASCIISpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}
