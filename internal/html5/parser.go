// Package html5 parses HTML as a browser does, fast: a tokenizer that
// follows the HTML Standard's states on the whole document in memory, and
// the Standard's tree construction with scripting disabled, adapted from
// golang.org/x/net/html (BSD license, see LICENSE) to build a tree of
// elements only, in memory reused from one document to the next.
//
// It exists for extract, which needs a browser's DOM (template contents,
// foster parenting, adoption-agency clones, foreign content and the rest)
// at close to tokenizer speed. It passes the html5lib tokenizer and
// tree-construction suites (text and comments are not kept).
package html5

import (
	"errors"
	"fmt"
	"unsafe"

	a "golang.org/x/net/html/atom"
)

// Limits that keep hostile documents from costing more than their size
// warrants; ordinary pages never reach them.
const (
	// maxDepth caps the stack of open elements; deeper elements become
	// siblings (Chromium caps its DOM depth at 512 the same way).
	maxDepth = 512
	// maxFormatting caps the active formatting elements after the last
	// marker, which reconstruction clones for every run of text.
	maxFormatting = 64
)

// ErrTooComplex is returned when a document would need more nodes than its
// size justifies (deeply misnested formatting elements cloned over and
// over); the tree holds what was built before parsing stopped.
var ErrTooComplex = errors.New("html5: document too complex")

// token is the current token as the insertion modes see it.
type token struct {
	Type     TokenType
	DataAtom a.Atom
	// Data is the tag name, or the text of a text token (a view of the
	// tokenizer's buffers, valid for this token only).
	Data           string
	attrLo, attrHi int
}

// Parser builds element trees from HTML documents, following the HTML
// Standard's tree construction with scripting disabled (so <noscript> holds
// markup). It reuses its memory from one document to the next and is not
// safe for concurrent use.
type Parser struct {
	// KeepText adds text nodes to the tree, for reading elements' text;
	// without it the tree holds elements only, which is faster.
	KeepText bool

	p parser
	z Tokenizer
}

// Parse parses doc, which must be UTF-8, and returns the document node. The
// tree and the attribute values stay valid until the next call to Parse;
// text nodes may be views of doc, valid while doc is unchanged.
// The error is ErrTooComplex for a document whose tree would be too large;
// the partial tree is returned with it.
func (ps *Parser) Parse(doc []byte) (root *Node, err error) {
	ps.z.Reset(doc)
	p := &ps.p
	p.arena.reset()
	*p = parser{
		z:          &ps.z,
		arena:      p.arena,
		names:      p.names,
		oe:         p.oe[:0],
		afe:        p.afe[:0],
		framesetOK: true,
		im:         initialIM,
		keepText:   ps.KeepText,
	}
	ps.z.NormalizeNewlines = ps.KeepText
	p.arena.budget = len(doc)/4 + 1<<16
	p.doc = p.arena.new()
	p.doc.Type = DocumentNode
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("html5: parser failed: %v", r)
		}
	}()
	if !p.parse() {
		return p.doc, ErrTooComplex
	}
	return p.doc, nil
}

// Quirks reports whether the last document parsed is in quirks mode (its
// doctype is missing or old), where selectors match classes and ids
// whatever their case.
func (ps *Parser) Quirks() bool { return ps.p.quirks }

// Attr returns the decoded value of n's attribute name (lower case), valid
// until the next call to Attr or Parse.
func (ps *Parser) Attr(n *Node, name string) ([]byte, bool) {
	i := ps.z.LookupAttr(int(n.attrLo), int(n.attrHi), name)
	if i < 0 {
		return nil, false
	}
	return ps.z.AttrValue(i), true
}

// parse runs the tokens through the insertion modes until the end of the
// document. It returns false if it stopped early because the tree grew past
// its budget.
func (p *parser) parse() bool {
	for {
		n := p.oe.top()
		p.z.AllowCDATA(n != nil && n.Namespace != "")
		t := p.z.Next()
		p.tok = token{Type: t}
		switch t {
		case TextToken:
			text := p.z.Text()
			p.tok.Data = unsafe.String(unsafe.SliceData(text), len(text))
		case StartTagToken, EndTagToken:
			name := p.z.TagName()
			p.tok.DataAtom = a.Lookup(name)
			p.tok.Data = p.name(p.tok.DataAtom, name)
			p.tok.attrLo, p.tok.attrHi = p.z.Attrs()
			p.hasSelfClosingToken = t == StartTagToken && p.z.SelfClosing
		}
		p.rawElement = nil
		p.parseCurrentToken()
		if e := p.rawElement; e != nil && e == p.oe.top() && e.Namespace == "" {
			p.z.SetRaw(p.rawKind, e.Data)
		}
		p.capFormatting()
		if p.arena.count > p.arena.budget {
			return false
		}
		if t == EOFToken {
			return true
		}
	}
}

// name returns a tag name as a string without allocating: the atom's, or an
// interned copy for names without one.
func (p *parser) name(at a.Atom, b []byte) string {
	if at != 0 {
		return at.String()
	}
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	if p.names == nil || len(p.names) > 4096 {
		p.names = make(map[string]string)
	}
	s := string(b)
	p.names[s] = s
	return s
}

// capFormatting drops the earliest active formatting elements past
// maxFormatting since the last marker.
func (p *parser) capFormatting() {
	start := 0
	for i := len(p.afe) - 1; i >= 0; i-- {
		if p.afe[i].Type == scopeMarkerNode {
			start = i + 1
			break
		}
	}
	if extra := len(p.afe) - start - maxFormatting; extra > 0 {
		p.afe = append(p.afe[:start], p.afe[start+extra:]...)
	}
}

// hiddenInput reports whether the current token is <input type=hidden>.
func (p *parser) hiddenInput() bool {
	i := p.z.LookupAttr(p.tok.attrLo, p.tok.attrHi, "type")
	return i >= 0 && equalFoldASCII(p.z.AttrValue(i), "hidden")
}

// Form returns the form the parser associated n, a <button> or <input>,
// with: the form element pointer when n was inserted, which need not be an
// ancestor of n; nil when there was none. It is recorded with KeepText,
// for the readers of a document's details.
func (ps *Parser) Form(n *Node) *Node { return ps.p.forms[n] }

// Attrs calls fn with the name (lower case) and the decoded value of each
// of n's attributes, in order; a repeated name is skipped, as the Standard
// drops it. Both are valid only during the call.
func (ps *Parser) Attrs(n *Node, fn func(name, value []byte)) {
	var lower []byte
	for i := int(n.attrLo); i < int(n.attrHi); i++ {
		lower = append(lower[:0], ps.z.AttrName(i)...)
		for k, c := range lower {
			if 'A' <= c && c <= 'Z' {
				lower[k] = c + 'a' - 'A'
			}
		}
		if ps.z.LookupAttr(int(n.attrLo), i, unsafe.String(unsafe.SliceData(lower), len(lower))) >= 0 {
			continue
		}
		fn(lower, ps.z.AttrValue(i))
	}
}
