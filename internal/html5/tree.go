// Copyright 2010 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Adapted from golang.org/x/net/html (parse.go): the same insertion modes,
// driving this package's Tokenizer and building a tree of elements only.

package html5

import (
	"strings"
	"unsafe"

	a "golang.org/x/net/html/atom"
)

// A parser implements the HTML5 parsing algorithm:
// https://html.spec.whatwg.org/multipage/syntax.html#tree-construction
type parser struct {
	// z provides the tokens for the parser.
	z *Tokenizer
	// tok is the most recently read token.
	tok token
	// Self-closing tags like <hr/> are treated as start tags, except that
	// hasSelfClosingToken is set while they are being processed.
	hasSelfClosingToken bool
	// doc is the document root element.
	doc *Node
	// The stack of open elements (section 12.2.4.2) and active formatting
	// elements (section 12.2.4.3).
	oe, afe nodeStack
	// Element pointers (section 12.2.4.4).
	head, form *Node
	// Other parsing state flags (section 12.2.4.5).
	scripting, framesetOK bool
	// The stack of template insertion modes
	templateStack insertionModeStack
	// im is the current insertion mode.
	im insertionMode
	// originalIM is the insertion mode to go back to after completing a text
	// or inTableText insertion mode.
	originalIM insertionMode
	// fosterParenting is whether new elements should be inserted according to
	// the foster parenting rules (section 12.2.6.1).
	fosterParenting bool
	// quirks is whether the parser is operating in "quirks mode."
	quirks bool
	// keepText adds text nodes (Parser.KeepText).
	keepText bool
	// forms maps the <button> and <input> elements inserted while the
	// form element pointer was set to that form (see Parser.Form).
	forms map[*Node]*Node

	arena arena
	names map[string]string // interned names of elements without an atom
	// rawElement is the element inserted for the current start tag when it
	// switches the tokenizer to raw text (script, style, title, ...).
	rawElement *Node
	rawKind    rawKind
}

func (p *parser) top() *Node {
	if n := p.oe.top(); n != nil {
		return n
	}
	return p.doc
}

type scope int

const (
	defaultScope scope = iota
	listItemScope
	buttonScope
	tableScope
	tableRowScope
	tableBodyScope
)

// popUntil pops the stack of open elements at the highest element whose tag
// is in matchTags, provided there is no higher element in the scope's stop
// tags (as defined in section 12.2.4.2). It returns whether or not there was
// such an element. If there was not, popUntil leaves the stack unchanged.
//
// For example, the set of stop tags for table scope is: "html", "table". If
// the stack was:
// ["html", "body", "font", "table", "b", "i", "u"]
// then popUntil(tableScope, "font") would return false, but
// popUntil(tableScope, "i") would return true and the stack would become:
// ["html", "body", "font", "table", "b"]
//
// If an element's tag is in both the stop tags and matchTags, then the stack
// will be popped and the function returns true (provided, of course, there was
// no higher element in the stack that was also in the stop tags). For example,
// popUntil(tableScope, "table") returns true and leaves:
// ["html", "body", "font"]
func (p *parser) popUntil(s scope, matchTags ...a.Atom) bool {
	if i := p.indexOfElementInScope(s, matchTags...); i != -1 {
		p.oe = p.oe[:i]
		return true
	}
	return false
}

// indexOfElementInScope returns the index in p.oe of the highest element whose
// tag is in matchTags that is in scope. If no matching element is in scope, it
// returns -1.
func (p *parser) indexOfElementInScope(s scope, matchTags ...a.Atom) int {
	for i := len(p.oe) - 1; i >= 0; i-- {
		tagAtom := p.oe[i].DataAtom
		if p.oe[i].Namespace == "" {
			for _, t := range matchTags {
				if t == tagAtom {
					return i
				}
			}
			switch s {
			case defaultScope:
				// No-op.
			case listItemScope:
				if tagAtom == a.Ol || tagAtom == a.Ul {
					return -1
				}
			case buttonScope:
				if tagAtom == a.Button {
					return -1
				}
			case tableScope:
				if tagAtom == a.Html || tagAtom == a.Table || tagAtom == a.Template {
					return -1
				}
			default:
				panic("html5: unknown scope")
			}
		}
		switch s {
		case defaultScope, listItemScope, buttonScope:
			if isScopeBoundary(p.oe[i]) {
				return -1
			}
		}
	}
	return -1
}

// isScopeBoundary reports the elements that end the default scope (section
// 12.2.4.2).
func isScopeBoundary(n *Node) bool {
	switch n.Namespace {
	case "":
		switch n.DataAtom {
		case a.Applet, a.Caption, a.Html, a.Table, a.Td, a.Th, a.Marquee, a.Object, a.Template, a.Select:
			return true
		}
	case "math":
		switch n.DataAtom {
		case a.AnnotationXml, a.Mi, a.Mn, a.Mo, a.Ms, a.Mtext:
			return true
		}
	case "svg":
		switch n.DataAtom {
		case a.Desc, a.ForeignObject, a.Title:
			return true
		}
	}
	return false
}

// elementInScope is like popUntil, except that it doesn't modify the stack of
// open elements.
func (p *parser) elementInScope(s scope, matchTags ...a.Atom) bool {
	return p.indexOfElementInScope(s, matchTags...) != -1
}

// clearStackToContext pops elements off the stack of open elements until a
// scope-defined element is found.
func (p *parser) clearStackToContext(s scope) {
	for i := len(p.oe) - 1; i >= 0; i-- {
		tagAtom := p.oe[i].DataAtom
		switch s {
		case tableScope:
			if tagAtom == a.Html || tagAtom == a.Table || tagAtom == a.Template {
				p.oe = p.oe[:i+1]
				return
			}
		case tableRowScope:
			if tagAtom == a.Html || tagAtom == a.Tr || tagAtom == a.Template {
				p.oe = p.oe[:i+1]
				return
			}
		case tableBodyScope:
			if tagAtom == a.Html || tagAtom == a.Tbody || tagAtom == a.Tfoot || tagAtom == a.Thead || tagAtom == a.Template {
				p.oe = p.oe[:i+1]
				return
			}
		default:
			panic("html5: unknown scope")
		}
	}
}

// parseGenericRawTextElement implements the generic raw text element parsing
// algorithm defined in 12.2.6.2.
// https://html.spec.whatwg.org/multipage/parsing.html#parsing-elements-that-contain-only-text
// TODO: Since both RAWTEXT and RCDATA states are treated as tokenizer's part
// officially, need to make tokenizer consider both states.
func (p *parser) parseGenericRawTextElement() {
	p.addElement()
	p.originalIM = p.im
	p.im = textIM
}

// generateImpliedEndTags pops nodes off the stack of open elements as long as
// the top node has a tag name of dd, dt, li, optgroup, option, p, rb, rp, rt or rtc.
// If exceptions are specified, nodes with that name will not be popped off.
func (p *parser) generateImpliedEndTags(exceptions ...string) {
	var i int
loop:
	for i = len(p.oe) - 1; i >= 0; i-- {
		n := p.oe[i]
		if n.Type != ElementNode {
			break
		}
		switch n.DataAtom {
		case a.Dd, a.Dt, a.Li, a.Optgroup, a.Option, a.P, a.Rb, a.Rp, a.Rt, a.Rtc:
			for _, except := range exceptions {
				if n.Data == except {
					break loop
				}
			}
			continue
		}
		break
	}

	p.oe = p.oe[:i+1]
}

// addChild adds a child node n to the top element, and pushes n onto the stack
// of open elements if it is an element node.
func (p *parser) addChild(n *Node) {
	if len(p.oe) >= maxDepth {
		// Past this depth an element becomes a sibling of the current node
		// instead of its child, as Chromium caps the depth of its DOM; this
		// bounds every walk of the stack on hostile input.
		p.oe.pop()
	}
	if p.shouldFosterParent() {
		p.fosterParent(n)
	} else {
		p.top().AppendChild(n)
	}

	if n.Type == ElementNode {
		p.insertOpenElement(n)
	}
}

func (p *parser) insertOpenElement(n *Node) {
	p.oe = append(p.oe, n)
}

// shouldFosterParent returns whether the next node to be added should be
// foster parented.
func (p *parser) shouldFosterParent() bool {
	if p.fosterParenting {
		switch p.top().DataAtom {
		case a.Table, a.Tbody, a.Tfoot, a.Thead, a.Tr:
			return true
		}
	}
	return false
}

// fosterParent adds a child node according to the foster parenting rules.
// Section 12.2.6.1, "foster parenting".
func (p *parser) fosterParent(n *Node) {
	var table, parent, template *Node
	var i int
	for i = len(p.oe) - 1; i >= 0; i-- {
		if p.oe[i].DataAtom == a.Table {
			table = p.oe[i]
			break
		}
	}

	var j int
	for j = len(p.oe) - 1; j >= 0; j-- {
		if p.oe[j].DataAtom == a.Template {
			template = p.oe[j]
			break
		}
	}

	if template != nil && (table == nil || j > i) {
		template.AppendChild(n)
		return
	}

	if table == nil {
		// The foster parent is the html element.
		parent = p.oe[0]
	} else {
		parent = table.Parent
	}
	if parent == nil {
		parent = p.oe[i-1]
	}

	parent.InsertBefore(n, table)
}

// addText adds text to the current node's last child if that is text, or
// else as a new text node, foster parented as elements are. It does nothing
// unless the parser keeps text. Section 12.2.6.1, "insert a character".
func (p *parser) addText(text string) {
	if p.keepText && text != "" { // inlined: free when text is not kept
		p.insertText(text)
	}
}

func (p *parser) insertText(text string) {
	if p.shouldFosterParent() {
		p.fosterText(text)
		return
	}
	t := p.top()
	if n := t.LastChild; n != nil && n.Type == TextNode {
		n.Data += text
		return
	}
	n := p.arena.new()
	n.Type, n.Data = TextNode, p.keep(text)
	t.AppendChild(n)
}

// keep returns text to be kept in the tree: as it is when it is a view of
// the document, which lives as long as the tree; else (decoded character
// references, normalized newlines, the tokenizer's reused buffer) copied.
func (p *parser) keep(text string) string {
	doc := p.z.doc
	if len(doc) > 0 && len(text) > 0 {
		start := uintptr(unsafe.Pointer(unsafe.SliceData(doc)))
		at := uintptr(unsafe.Pointer(unsafe.StringData(text)))
		if at >= start && at+uintptr(len(text)) <= start+uintptr(len(doc)) {
			return text
		}
	}
	return strings.Clone(text)
}

// fosterText foster parents text, joining it to a text node just before
// the table.
func (p *parser) fosterText(text string) {
	n := p.arena.new()
	n.Type, n.Data = TextNode, p.keep(text)
	p.fosterParent(n)
	if prev := n.PrevSibling; prev != nil && prev.Type == TextNode {
		prev.Data += n.Data
		n.Parent.RemoveChild(n)
	}
}

// addElement adds a child element based on the current token.
func (p *parser) addElement() {
	n := p.arena.new()
	n.Type, n.DataAtom, n.Data = ElementNode, p.tok.DataAtom, p.tok.Data
	n.attrLo, n.attrHi = int32(p.tok.attrLo), int32(p.tok.attrHi)
	if p.keepText && p.form != nil && (n.DataAtom == a.Button || n.DataAtom == a.Input) && !p.oe.contains(a.Template) &&
		p.z.LookupAttr(p.tok.attrLo, p.tok.attrHi, "form") < 0 {
		if p.forms == nil {
			p.forms = make(map[*Node]*Node)
		}
		p.forms[n] = p.form
	}
	if kind := rawKindOf(p.tok.DataAtom); kind != rawNone && p.tok.Type == StartTagToken {
		p.rawElement, p.rawKind = n, kind
	}
	p.addChild(n)
}

// rawKindOf returns the tokenizer state that inserting an HTML element
// switches to (scripting off, so <noscript> holds markup).
func rawKindOf(t a.Atom) rawKind {
	switch t {
	case a.Title, a.Textarea:
		return rawRCDATA
	case a.Style, a.Xmp, a.Iframe, a.Noembed, a.Noframes:
		return rawText
	case a.Script:
		return rawScript
	case a.Plaintext:
		return rawPlaintext
	}
	return rawNone
}

// Section 12.2.4.3.
func (p *parser) addFormattingElement() {
	tagAtom := p.tok.DataAtom
	p.addElement()
	top := p.top()

	// Implement the Noah's Ark clause, but with three per family instead of two.
	identicalElements := 0
	for i := len(p.afe) - 1; i >= 0; i-- {
		n := p.afe[i]
		if n.Type == scopeMarkerNode {
			break
		}
		if n.Type != ElementNode || n.Namespace != "" || n.DataAtom != tagAtom || !p.sameAttrs(n, top) {
			continue
		}
		identicalElements++
		if identicalElements >= 3 {
			p.afe.remove(n)
		}
	}
	p.afe = append(p.afe, top)
}

// sameAttrs reports whether two elements have the same set of attributes.
func (p *parser) sameAttrs(m, n *Node) bool {
	if m.attrHi-m.attrLo != n.attrHi-n.attrLo {
		return false
	}
	for i := int(m.attrLo); i < int(m.attrHi); i++ {
		j := p.z.LookupAttr(int(n.attrLo), int(n.attrHi), strings.ToLower(string(p.z.AttrName(i))))
		if j < 0 {
			return false
		}
		v := p.z.AttrValueString(i)
		if string(p.z.AttrValue(j)) != v {
			return false
		}
	}
	return true
}

// Section 12.2.4.3.
func (p *parser) clearActiveFormattingElements() {
	for {
		if n := p.afe.pop(); len(p.afe) == 0 || n.Type == scopeMarkerNode {
			return
		}
	}
}

// Section 12.2.4.3.
func (p *parser) reconstructActiveFormattingElements() {
	n := p.afe.top()
	if n == nil {
		return
	}
	if n.Type == scopeMarkerNode || p.oe.index(n) != -1 {
		return
	}
	i := len(p.afe) - 1
	for n.Type != scopeMarkerNode && p.oe.index(n) == -1 {
		if i == 0 {
			i = -1
			break
		}
		i--
		n = p.afe[i]
	}
	for {
		i++
		clone := p.clone(p.afe[i])
		p.addChild(clone)
		p.afe[i] = clone
		if i == len(p.afe)-1 {
			break
		}
	}
}

// Section 12.2.5.
func (p *parser) acknowledgeSelfClosingTag() {
	p.hasSelfClosingToken = false
}

// An insertion mode (section 12.2.4.1) is the state transition function from
// a particular state in the HTML5 parser's state machine. It updates the
// parser's fields depending on parser.tok (where EOFToken means EOF).
// It returns whether the token was consumed.
type insertionMode func(*parser) bool

// setOriginalIM sets the insertion mode to return to after completing a text or
// inTableText insertion mode.
// Section 12.2.4.1, "using the rules for".
func (p *parser) setOriginalIM() {
	if p.originalIM != nil {
		panic("html: bad parser state: originalIM was set twice")
	}
	p.originalIM = p.im
}

// Section 12.2.4.1, "reset the insertion mode".
func (p *parser) resetInsertionMode() {
	for i := len(p.oe) - 1; i >= 0; i-- {
		n := p.oe[i]
		last := i == 0

		switch n.DataAtom {
		case a.Td, a.Th:
			// TODO: remove this divergence from the HTML5 spec.
			//
			// See https://bugs.chromium.org/p/chromium/issues/detail?id=829668
			p.im = inCellIM
		case a.Tr:
			p.im = inRowIM
		case a.Tbody, a.Thead, a.Tfoot:
			p.im = inTableBodyIM
		case a.Caption:
			p.im = inCaptionIM
		case a.Colgroup:
			p.im = inColumnGroupIM
		case a.Table:
			p.im = inTableIM
		case a.Template:
			// TODO: remove this divergence from the HTML5 spec.
			if n.Namespace != "" {
				continue
			}
			p.im = p.templateStack.top()
		case a.Head:
			// TODO: remove this divergence from the HTML5 spec.
			//
			// See https://bugs.chromium.org/p/chromium/issues/detail?id=829668
			p.im = inHeadIM
		case a.Body:
			p.im = inBodyIM
		case a.Frameset:
			p.im = inFramesetIM
		case a.Html:
			if p.head == nil {
				p.im = beforeHeadIM
			} else {
				p.im = afterHeadIM
			}
		default:
			if last {
				p.im = inBodyIM
				return
			}
			continue
		}
		return
	}
}
