// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Adapted from golang.org/x/net/html (node.go, const.go): nodes carry no
// text and keep their attributes as ranges of the tokenizer's table.

package html5

import (
	a "golang.org/x/net/html/atom"
)

// NodeType is the type of a Node.
type NodeType uint8

// The node types; there are no comment or doctype nodes, and text nodes
// only when Parser.KeepText asks for them.
const (
	DocumentNode NodeType = iota
	ElementNode
	scopeMarkerNode
	TextNode
)

// Node is an element, the document, or (with Parser.KeepText) a run of
// text. What the tree builder does with elements is exact either way.
type Node struct {
	Parent, FirstChild, LastChild, PrevSibling, NextSibling *Node

	Type NodeType
	// Namespace is "" for HTML, "svg" or "math" for foreign elements.
	Namespace string
	DataAtom  a.Atom
	// Data is the tag name (SVG names in their adjusted case), or a text
	// node's text.
	Data string
	// attrLo and attrHi delimit the element's attributes in its
	// Document's table; a clone shares its original's.
	attrLo, attrHi int32
	// integrationPoint marks a MathML annotation-xml whose encoding is HTML.
	integrationPoint bool
	// shadow marks a <template> that is a declarative shadow root of its
	// parent (see declareShadowRoot), and shadowHost that parent.
	shadow     ShadowMode
	shadowHost bool
}

// ShadowMode says whether a template is a shadow root, and which.
type ShadowMode uint8

// The modes of a declarative shadow root.
const (
	NoShadow ShadowMode = iota
	ShadowOpen
	ShadowClosed
)

// Shadow reports whether n is a <template> that the parser attached to its
// parent as a shadow root, as Chromium's parser does for <template
// shadowrootmode="open|closed">: its children are the shadow tree, which
// is not part of the light DOM (no selector of the document matches in
// it), and an open one is part of what a person sees.
func (n *Node) Shadow() ShadowMode { return n.shadow }

// OpenShadowRoot returns the template that is n's open shadow root, or
// nil when n hosts none.
func (n *Node) OpenShadowRoot() *Node {
	if !n.shadowHost {
		return nil
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.shadow != NoShadow {
			if c.shadow == ShadowOpen {
				return c
			}
			return nil
		}
	}
	return nil
}

// scopeMarker is the marker in the list of active formatting elements.
var scopeMarker = Node{Type: scopeMarkerNode}

// InsertBefore inserts newChild as a child of n, immediately before
// oldChild, or at the end when oldChild is nil.
func (n *Node) InsertBefore(newChild, oldChild *Node) {
	var prev, next *Node
	if oldChild != nil {
		prev, next = oldChild.PrevSibling, oldChild
	} else {
		prev = n.LastChild
	}
	if prev != nil {
		prev.NextSibling = newChild
	} else {
		n.FirstChild = newChild
	}
	if next != nil {
		next.PrevSibling = newChild
	} else {
		n.LastChild = newChild
	}
	newChild.Parent = n
	newChild.PrevSibling = prev
	newChild.NextSibling = next
}

// AppendChild adds c as the last child of n.
func (n *Node) AppendChild(c *Node) {
	last := n.LastChild
	if last != nil {
		last.NextSibling = c
	} else {
		n.FirstChild = c
	}
	n.LastChild = c
	c.Parent = n
	c.PrevSibling = last
}

// RemoveChild removes c, a child of n.
func (n *Node) RemoveChild(c *Node) {
	if n.FirstChild == c {
		n.FirstChild = c.NextSibling
	}
	if c.NextSibling != nil {
		c.NextSibling.PrevSibling = c.PrevSibling
	}
	if n.LastChild == c {
		n.LastChild = c.PrevSibling
	}
	if c.PrevSibling != nil {
		c.PrevSibling.NextSibling = c.NextSibling
	}
	c.Parent = nil
	c.PrevSibling = nil
	c.NextSibling = nil
}

// reparentChildren moves all of src's children to dst.
func reparentChildren(dst, src *Node) {
	for {
		child := src.FirstChild
		if child == nil {
			break
		}
		src.RemoveChild(child)
		dst.AppendChild(child)
	}
}

// arena allocates nodes in chunks that are reused from one document to the
// next, so that parsing allocates no nodes once warm.
type arena struct {
	chunks [][]Node
	chunk  int // index of the chunk being filled
	used   int // nodes used in it
	count  int // nodes handed out for this document
	budget int // how many the document may use; see Parser.Parse
}

const arenaChunk = 1024

func (ar *arena) reset() {
	for i := 0; i <= ar.chunk && i < len(ar.chunks); i++ {
		clear(ar.chunks[i])
	}
	ar.chunk, ar.used, ar.count = 0, 0, 0
	// A huge document should not pin its memory for the next one.
	if len(ar.chunks) > 64 {
		ar.chunks = ar.chunks[:64]
	}
}

func (ar *arena) new() *Node {
	if ar.chunk < len(ar.chunks) && ar.used == arenaChunk {
		ar.chunk++
		ar.used = 0
	}
	if ar.chunk == len(ar.chunks) {
		ar.chunks = append(ar.chunks, make([]Node, arenaChunk))
	}
	n := &ar.chunks[ar.chunk][ar.used]
	ar.used++
	ar.count++
	return n
}

// clone returns a new element with n's name and attributes.
func (p *parser) clone(n *Node) *Node {
	m := p.arena.new()
	m.Type, m.Namespace, m.DataAtom, m.Data = n.Type, n.Namespace, n.DataAtom, n.Data
	m.attrLo, m.attrHi, m.integrationPoint = n.attrLo, n.attrHi, n.integrationPoint
	return m
}

// nodeStack is a stack of nodes.
type nodeStack []*Node

// pop pops the stack. It will panic if s is empty.
func (s *nodeStack) pop() *Node {
	i := len(*s)
	n := (*s)[i-1]
	*s = (*s)[:i-1]
	return n
}

// top returns the most recently pushed node, or nil if s is empty.
func (s *nodeStack) top() *Node {
	if i := len(*s); i > 0 {
		return (*s)[i-1]
	}
	return nil
}

// index returns the index of the top-most occurrence of n in the stack, or
// -1 if n is not present.
func (s *nodeStack) index(n *Node) int {
	for i := len(*s) - 1; i >= 0; i-- {
		if (*s)[i] == n {
			return i
		}
	}
	return -1
}

// contains returns whether a is within s.
func (s *nodeStack) contains(a a.Atom) bool {
	for _, n := range *s {
		if n.DataAtom == a && n.Namespace == "" {
			return true
		}
	}
	return false
}

// insert inserts a node at the given index.
func (s *nodeStack) insert(i int, n *Node) {
	*s = append(*s, nil)
	copy((*s)[i+1:], (*s)[i:])
	(*s)[i] = n
}

// remove removes a node from the stack. It is a no-op if n is not present.
func (s *nodeStack) remove(n *Node) {
	i := s.index(n)
	if i == -1 {
		return
	}
	copy((*s)[i:], (*s)[i+1:])
	j := len(*s) - 1
	(*s)[j] = nil
	*s = (*s)[:j]
}

type insertionModeStack []insertionMode

func (s *insertionModeStack) pop() (im insertionMode) {
	i := len(*s)
	im = (*s)[i-1]
	*s = (*s)[:i-1]
	return im
}

func (s *insertionModeStack) top() insertionMode {
	if i := len(*s); i > 0 {
		return (*s)[i-1]
	}
	return nil
}

// isSpecialElement reports the standard's "special" category of elements.
func isSpecialElement(n *Node) bool {
	switch n.Namespace {
	case "":
		switch n.DataAtom {
		case a.Address, a.Applet, a.Area, a.Article, a.Aside, a.Base, a.Basefont, a.Bgsound,
			a.Blockquote, a.Body, a.Br, a.Button, a.Caption, a.Center, a.Col, a.Colgroup,
			a.Dd, a.Details, a.Dir, a.Div, a.Dl, a.Dt, a.Embed, a.Fieldset, a.Figcaption,
			a.Figure, a.Footer, a.Form, a.Frame, a.Frameset, a.H1, a.H2, a.H3, a.H4, a.H5,
			a.H6, a.Head, a.Header, a.Hgroup, a.Hr, a.Html, a.Iframe, a.Img, a.Input,
			a.Keygen, a.Li, a.Link, a.Listing, a.Main, a.Marquee, a.Menu, a.Meta, a.Nav,
			a.Noembed, a.Noframes, a.Noscript, a.Object, a.Ol, a.P, a.Param, a.Plaintext,
			a.Pre, a.Script, a.Search, a.Section, a.Select, a.Source, a.Style, a.Summary,
			a.Table, a.Tbody, a.Td, a.Template, a.Textarea, a.Tfoot, a.Th, a.Thead,
			a.Title, a.Tr, a.Track, a.Ul, a.Wbr, a.Xmp:
			return true
		}
	case "math":
		switch n.Data {
		case "mi", "mo", "mn", "ms", "mtext", "annotation-xml":
			return true
		}
	case "svg":
		switch n.Data {
		case "foreignObject", "desc", "title":
			return true
		}
	}
	return false
}
