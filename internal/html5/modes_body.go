// Copyright 2010 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Adapted from golang.org/x/net/html (parse.go): the same insertion modes,
// driving this package's Tokenizer and building a tree of elements only.

package html5

import (
	"strings"

	a "golang.org/x/net/html/atom"
)

// Section 12.2.6.4.7.
func inBodyIM(p *parser) bool {
	switch p.tok.Type {
	case TextToken:
		return inBodyText(p)
	case StartTagToken:
		return inBodyStartTag(p)
	case EndTagToken:
		return inBodyEndTag(p)
	case EOFToken:
		// TODO: remove this divergence from the HTML5 spec.
		if len(p.templateStack) > 0 {
			p.im = inTemplateIM
			return false
		}
		for _, e := range p.oe {
			switch e.DataAtom {
			case a.Dd, a.Dt, a.Li, a.Optgroup, a.Option, a.P, a.Rb, a.Rp, a.Rt, a.Rtc, a.Tbody, a.Td, a.Tfoot, a.Th,
				a.Thead, a.Tr, a.Body, a.Html:
			default:
				return true
			}
		}
	}
	return true
}

// inBodyText is "in body" for character tokens.
func inBodyText(p *parser) bool {
	d := p.tok.Data
	switch n := p.oe.top(); n.DataAtom {
	case a.Pre, a.Listing:
		if n.FirstChild == nil {
			// Ignore a newline at the start of a <pre> block.
			if d != "" && d[0] == '\r' {
				d = d[1:]
			}
			if d != "" && d[0] == '\n' {
				d = d[1:]
			}
		}
	}
	d = strings.Replace(d, "\x00", "", -1)
	if d == "" {
		return true
	}
	p.reconstructActiveFormattingElements()
	p.addText(d)
	if p.framesetOK && strings.TrimLeft(d, whitespace) != "" {
		// There were non-whitespace characters inserted.
		p.framesetOK = false
	}
	return true
}

// inBodyStartTag is "in body" for start tags.
func inBodyStartTag(p *parser) bool {
	switch p.tok.DataAtom {
	case a.Html:
		if p.oe.contains(a.Template) {
			return true
		}
		// The attributes would be added to <html>; none of them matter here.
	case a.Base, a.Basefont, a.Bgsound, a.Link, a.Meta, a.Noframes, a.Script, a.Style, a.Template, a.Title:
		return inHeadIM(p)
	case a.Body:
		if p.oe.contains(a.Template) {
			return true
		}
		if len(p.oe) >= 2 {
			body := p.oe[1]
			if body.Type == ElementNode && body.DataAtom == a.Body {
				p.framesetOK = false
			}
		}
	case a.Frameset:
		if !p.framesetOK || len(p.oe) < 2 || p.oe[1].DataAtom != a.Body {
			// Ignore the token.
			return true
		}
		body := p.oe[1]
		if body.Parent != nil {
			body.Parent.RemoveChild(body)
		}
		p.oe = p.oe[:1]
		p.addElement()
		p.im = inFramesetIM
		return true
	case a.Address, a.Article, a.Aside, a.Blockquote, a.Center, a.Details, a.Dialog, a.Dir, a.Div, a.Dl, a.Fieldset, a.Figcaption, a.Figure, a.Footer, a.Header, a.Hgroup, a.Main, a.Menu, a.Nav, a.Ol, a.P, a.Search, a.Section, a.Summary, a.Ul:
		p.popUntil(buttonScope, a.P)
		p.addElement()
	case a.H1, a.H2, a.H3, a.H4, a.H5, a.H6:
		p.popUntil(buttonScope, a.P)
		switch n := p.top(); n.DataAtom {
		case a.H1, a.H2, a.H3, a.H4, a.H5, a.H6:
			p.oe.pop()
		}
		p.addElement()
	case a.Pre, a.Listing:
		p.popUntil(buttonScope, a.P)
		p.addElement()
		// The newline, if any, will be dealt with by the TextToken case.
		p.framesetOK = false
	case a.Form:
		if p.form != nil && !p.oe.contains(a.Template) {
			// Ignore the token
			return true
		}
		p.popUntil(buttonScope, a.P)
		p.addElement()
		if !p.oe.contains(a.Template) {
			p.form = p.top()
		}
	case a.Li:
		p.framesetOK = false
		for i := len(p.oe) - 1; i >= 0; i-- {
			node := p.oe[i]
			switch node.DataAtom {
			case a.Li:
				p.oe = p.oe[:i]
			case a.Address, a.Div, a.P:
				continue
			default:
				if !isSpecialElement(node) {
					continue
				}
			}
			break
		}
		p.popUntil(buttonScope, a.P)
		p.addElement()
	case a.Dd, a.Dt:
		p.framesetOK = false
		for i := len(p.oe) - 1; i >= 0; i-- {
			node := p.oe[i]
			switch node.DataAtom {
			case a.Dd, a.Dt:
				p.oe = p.oe[:i]
			case a.Address, a.Div, a.P:
				continue
			default:
				if !isSpecialElement(node) {
					continue
				}
			}
			break
		}
		p.popUntil(buttonScope, a.P)
		p.addElement()
	case a.Plaintext:
		p.popUntil(buttonScope, a.P)
		p.addElement()
	case a.Button:
		if p.elementInScope(defaultScope, a.Button) {
			p.generateImpliedEndTags()
			p.popUntil(defaultScope, a.Button)
		}
		p.reconstructActiveFormattingElements()
		p.addElement()
		p.framesetOK = false
	case a.A:
		for i := len(p.afe) - 1; i >= 0 && p.afe[i].Type != scopeMarkerNode; i-- {
			if n := p.afe[i]; n.Type == ElementNode && n.DataAtom == a.A {
				p.inBodyEndTagFormatting(a.A, "a")
				p.oe.remove(n)
				p.afe.remove(n)
				break
			}
		}
		p.reconstructActiveFormattingElements()
		p.addFormattingElement()
	case a.B, a.Big, a.Code, a.Em, a.Font, a.I, a.S, a.Small, a.Strike, a.Strong, a.Tt, a.U:
		p.reconstructActiveFormattingElements()
		p.addFormattingElement()
	case a.Nobr:
		p.reconstructActiveFormattingElements()
		if p.elementInScope(defaultScope, a.Nobr) {
			p.inBodyEndTagFormatting(a.Nobr, "nobr")
			p.reconstructActiveFormattingElements()
		}
		p.addFormattingElement()
	case a.Applet, a.Marquee, a.Object:
		p.reconstructActiveFormattingElements()
		p.addElement()
		p.afe = append(p.afe, &scopeMarker)
		p.framesetOK = false
	case a.Table:
		if !p.quirks {
			p.popUntil(buttonScope, a.P)
		}
		p.addElement()
		p.framesetOK = false
		p.im = inTableIM
		return true
	case a.Area, a.Br, a.Embed, a.Img, a.Keygen, a.Wbr:
		p.reconstructActiveFormattingElements()
		p.addElement()
		p.oe.pop()
		p.acknowledgeSelfClosingTag()
		p.framesetOK = false
	case a.Input:
		p.popUntil(defaultScope, a.Select)
		p.reconstructActiveFormattingElements()
		p.addElement()
		p.oe.pop()
		p.acknowledgeSelfClosingTag()
		if p.hiddenInput() {
			// Skip setting framesetOK = false
			return true
		}
		p.framesetOK = false
	case a.Param, a.Source, a.Track:
		p.addElement()
		p.oe.pop()
		p.acknowledgeSelfClosingTag()
	case a.Hr:
		if p.elementInScope(buttonScope, a.P) {
			p.generateImpliedEndTags("p")
			p.popUntil(defaultScope, a.P)
		}
		if p.elementInScope(defaultScope, a.Select) {
			p.generateImpliedEndTags()
		}
		p.addElement()
		p.oe.pop()
		p.acknowledgeSelfClosingTag()
		p.framesetOK = false
	case a.Image:
		p.tok.DataAtom = a.Img
		p.tok.Data = a.Img.String()
		return false
	case a.Textarea:
		p.addElement()
		p.setOriginalIM()
		p.framesetOK = false
		p.im = textIM
	case a.Xmp:
		p.popUntil(buttonScope, a.P)
		p.reconstructActiveFormattingElements()
		p.framesetOK = false
		p.parseGenericRawTextElement()
	case a.Iframe:
		p.framesetOK = false
		p.parseGenericRawTextElement()
	case a.Noembed:
		p.parseGenericRawTextElement()
	case a.Noscript:
		if p.scripting {
			p.parseGenericRawTextElement()
			return true
		}
		p.reconstructActiveFormattingElements()
		p.addElement()
		// Don't let the tokenizer go into raw text mode when scripting is disabled.
	case a.Select:
		if p.popUntil(defaultScope, a.Select) {
			return true
		}
		p.reconstructActiveFormattingElements()
		p.addElement()
		p.framesetOK = false
		return true
	case a.Option:
		if p.elementInScope(defaultScope, a.Select) {
			p.generateImpliedEndTags("optgroup")
			// If oe has option element in scope, parse error?
		} else if p.top().DataAtom == a.Option {
			p.oe.pop()
		}
		p.reconstructActiveFormattingElements()
		p.addElement()
	case a.Optgroup:
		if p.elementInScope(defaultScope, a.Select) {
			p.generateImpliedEndTags()
			// If oe has option or optgroup element in scope, parse error?
		} else if p.top().DataAtom == a.Option {
			p.oe.pop()
		}
		p.reconstructActiveFormattingElements()
		p.addElement()
	case a.Rb, a.Rtc:
		if p.elementInScope(defaultScope, a.Ruby) {
			p.generateImpliedEndTags()
		}
		p.addElement()
	case a.Rp, a.Rt:
		if p.elementInScope(defaultScope, a.Ruby) {
			p.generateImpliedEndTags("rtc")
		}
		p.addElement()
	case a.Math, a.Svg:
		p.reconstructActiveFormattingElements()
		p.addElement()
		p.top().Namespace = p.tok.Data
		if p.hasSelfClosingToken {
			p.oe.pop()
			p.acknowledgeSelfClosingTag()
		}
		return true
	case a.Caption, a.Col, a.Colgroup, a.Frame, a.Head, a.Tbody, a.Td, a.Tfoot, a.Th, a.Thead, a.Tr:
		// Ignore the token.
	default:
		p.reconstructActiveFormattingElements()
		p.addElement()
	}
	return true
}

// inBodyEndTag is "in body" for end tags.
func inBodyEndTag(p *parser) bool {
	switch p.tok.DataAtom {
	case a.Body:
		if p.elementInScope(defaultScope, a.Body) {
			p.im = afterBodyIM
		}
	case a.Html:
		if p.elementInScope(defaultScope, a.Body) {
			p.parseImpliedToken(EndTagToken, a.Body, a.Body.String())
			return false
		}
		return true
	case a.Address, a.Article, a.Aside, a.Blockquote, a.Button, a.Center, a.Details, a.Dialog, a.Dir, a.Div, a.Dl, a.Fieldset, a.Figcaption, a.Figure, a.Footer, a.Header, a.Hgroup, a.Listing, a.Main, a.Menu, a.Nav, a.Ol, a.Pre, a.Search, a.Section, a.Select, a.Summary, a.Ul:
		if !p.elementInScope(defaultScope, p.tok.DataAtom) {
			// Ignore the token.
			return true
		}
		p.generateImpliedEndTags()
		p.popUntil(defaultScope, p.tok.DataAtom)
	case a.Form:
		if p.oe.contains(a.Template) {
			i := p.indexOfElementInScope(defaultScope, a.Form)
			if i == -1 {
				// Ignore the token.
				return true
			}
			p.generateImpliedEndTags()
			if p.oe[i].DataAtom != a.Form {
				// Ignore the token.
				return true
			}
			p.popUntil(defaultScope, a.Form)
		} else {
			node := p.form
			p.form = nil
			i := p.indexOfElementInScope(defaultScope, a.Form)
			if node == nil || i == -1 || p.oe[i] != node {
				// Ignore the token.
				return true
			}
			p.generateImpliedEndTags()
			p.oe.remove(node)
		}
	case a.P:
		if !p.elementInScope(buttonScope, a.P) {
			p.parseImpliedToken(StartTagToken, a.P, a.P.String())
		}
		p.popUntil(buttonScope, a.P)
	case a.Li:
		p.popUntil(listItemScope, a.Li)
	case a.Dd, a.Dt:
		p.popUntil(defaultScope, p.tok.DataAtom)
	case a.H1, a.H2, a.H3, a.H4, a.H5, a.H6:
		p.popUntil(defaultScope, a.H1, a.H2, a.H3, a.H4, a.H5, a.H6)
	case a.A, a.B, a.Big, a.Code, a.Em, a.Font, a.I, a.Nobr, a.S, a.Small, a.Strike, a.Strong, a.Tt, a.U:
		p.inBodyEndTagFormatting(p.tok.DataAtom, p.tok.Data)
	case a.Applet, a.Marquee, a.Object:
		if p.popUntil(defaultScope, p.tok.DataAtom) {
			p.clearActiveFormattingElements()
		}
	case a.Br:
		p.tok.Type = StartTagToken
		return false
	case a.Template:
		return inHeadIM(p)
	default:
		p.inBodyEndTagOther(p.tok.DataAtom, p.tok.Data)
	}
	return true
}

func (p *parser) inBodyEndTagOther(tagAtom a.Atom, tagName string) {
	for i := len(p.oe) - 1; i >= 0; i-- {
		// Two element nodes have the same tag if they have the same Data (a
		// string-typed field). As an optimization, for common HTML tags, each
		// Data string is assigned a unique, non-zero DataAtom (a uint32-typed
		// field), since integer comparison is faster than string comparison.
		// Uncommon (custom) tags get a zero DataAtom.
		//
		// The if condition here is equivalent to (p.oe[i].Data == tagName).
		if p.oe[i].Namespace == "" && (p.oe[i].DataAtom == tagAtom) &&
			((tagAtom != 0) || (p.oe[i].Data == tagName)) {
			p.oe = p.oe[:i]
			break
		}
		if isSpecialElement(p.oe[i]) {
			break
		}
	}
}

// Section 12.2.6.4.8.
func textIM(p *parser) bool {
	switch p.tok.Type {
	case EOFToken:
		p.oe.pop()
	case TextToken:
		if !p.keepText {
			return true // the element's text, not kept
		}
		d := p.tok.Data
		if n := p.oe.top(); n.DataAtom == a.Textarea && n.FirstChild == nil {
			// Ignore a newline at the start of a <textarea> block.
			if d != "" && d[0] == '\r' {
				d = d[1:]
			}
			if d != "" && d[0] == '\n' {
				d = d[1:]
			}
		}
		p.addText(strings.ReplaceAll(d, "\x00", "\ufffd"))
		return true
	case EndTagToken:
		p.oe.pop()
	}
	p.im = p.originalIM
	p.originalIM = nil
	return p.tok.Type == EndTagToken
}
