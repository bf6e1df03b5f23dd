// Package extract finds what a browser sees in an HTML document as served:
// the ids of its <button> elements and the targets of its <a href> links,
// resolved the way a.href reads them. It knows nothing of HTTP or files: it
// takes bytes, the Content-Type they came with, and the document's URL.
package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/net/html/atom"
	"golang.org/x/text/encoding"

	"github.com/crawlkit/crawl/internal/html5"
	"github.com/crawlkit/crawl/internal/weburl"
)

// Page is what one document holds.
type Page struct {
	// Buttons are the id attributes of the <button> elements, in document
	// order, empty and repeated values dropped.
	Buttons []string
	// Links are the href attributes of the <a> elements resolved against the
	// document's base URL, in document order, repeats dropped. An href that
	// does not parse as a URL is left out.
	Links []string
	// Charset is the name of the encoding the bytes were decoded with.
	Charset string
	// Fields holds, with Options.Fields, each field's values, by name;
	// a field that matched nothing has an empty list.
	Fields map[string][]string
	// ButtonDetails lists, with Options.ButtonDetails, every button a
	// person could press, with or without an id, in document order.
	ButtonDetails []Button
	// Anchors lists, with Options.Anchors, what a link's fragment can
	// point at in the document: every element's id and every <a>'s name,
	// in document order, repeats dropped (see anchors).
	Anchors []string
	// TextTruncated is set when the field values and button texts
	// reached Options.MaxText: the value being read then was cut, and
	// the later values were left out (button texts left empty).
	TextTruncated bool
}

// Options ask for more than buttons and links. Both read the same tree
// the links come from, with its text kept, which costs time: a parse
// without them keeps elements only.
type Options struct {
	// Fields are custom fields (see ParseField).
	Fields []Field
	// ButtonDetails lists the page's buttons in detail.
	ButtonDetails bool
	// Anchors collects the page's Anchors, for checking fragments.
	Anchors bool
	// MaxText bounds the bytes that the field values and button texts of
	// a page hold in all; 0 is no bound. The text of an element holds the
	// text of all its descendants, so without a bound a field matching
	// nested elements grows with the square of the page.
	MaxText int
}

func (o Options) needTree() bool { return len(o.Fields) > 0 || o.ButtonDetails }

// needStates reports whether a field asks about form controls' states.
func (o Options) needStates() bool {
	for _, f := range o.Fields {
		if f.states {
			return true
		}
	}
	return false
}

// ErrTooComplex is returned, with the part of the page that was parsed, for
// a document whose markup would build a tree out of proportion to its size
// (hostile nesting of formatting elements).
var ErrTooComplex = html5.ErrTooComplex

// Parse reads a whole HTML document from r and extracts its page.
// contentType is the Content-Type the document was served with ("" if none);
// its charset parameter takes part in choosing the encoding. docURL is the
// document's address, against which relative links resolve unless the
// document has a <base href>.
func Parse(r io.Reader, contentType, docURL string) (*Page, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	return ParseBytes(data, contentType, docURL)
}

// extractor is the reusable state of one extraction: the parser's tree and
// tables, the decoding buffer and the resolver's buffer.
type extractor struct {
	parser  html5.Parser
	root    *html5.Node // the last tree parsed
	dom     domArena    // its x/net/html copy, for Options
	decoded []byte
	links   []*html5.Node
	meta    declaredEncoding
	seen    map[string]struct{}
}

// declaredEncoding is the first encoding a <meta> declares.
type declaredEncoding struct {
	enc  encoding.Encoding
	name string
}

var extractors = sync.Pool{New: func() any { return new(extractor) }}

// ParseBytes is Parse for a document already in memory. It does not keep or
// modify data. It may be called from many goroutines at once.
func ParseBytes(data []byte, contentType, docURL string) (*Page, error) {
	return ParseWith(data, contentType, docURL, Options{})
}

// ParseWith is ParseBytes with Options: custom fields and button details
// as well.
func ParseWith(data []byte, contentType, docURL string, opt Options) (*Page, error) {
	base, err := weburl.Parse(docURL)
	if err != nil {
		return nil, fmt.Errorf("document URL %q: %w", docURL, err)
	}
	x := extractors.Get().(*extractor)
	defer x.release()
	x.parser.KeepText = opt.needTree()
	enc, name, certain := determineEncoding(data, contentType, base.Scheme == "file")
	page, baseNode, parseErr, err := x.extract(data, enc, name)
	if err != nil {
		return nil, err
	}
	if m := x.meta; !certain && m.name != "" && m.name != name {
		// A <meta> declared another encoding than the one guessed: the
		// document is read again in it, as browsers do.
		enc, name = m.enc, m.name
		if page, baseNode, parseErr, err = x.extract(data, enc, name); err != nil {
			return nil, err
		}
	}
	queryEnc := queryEncoder(enc, name)
	resolver := weburl.NewResolver(base, queryEnc)
	if baseNode != nil {
		href, _ := x.parser.Attr(baseNode, "href")
		switch u, err := weburl.Resolve(&base, bytesView(href), queryEnc); {
		case err != nil:
			// As in Chromium, whose a.href then echoes every relative
			// href raw: only absolute links resolve.
			resolver = weburl.NewAbsoluteResolver(queryEnc)
		case u.Scheme == "javascript" || u.Scheme == "data":
			// Ignored, as in Chromium: links resolve against the document.
		default:
			resolver = weburl.NewResolver(u, queryEnc)
		}
	}
	page.Links = x.resolve(resolver)
	if opt.Anchors {
		page.Anchors = x.anchors(x.root, make(map[string]struct{}), []string{})
	}
	if opt.needTree() {
		t := convert(&x.parser, x.root, opt.ButtonDetails, opt.needStates(), &x.dom)
		budget := newTextBudget(opt.MaxText)
		if len(opt.Fields) > 0 {
			page.Fields = fields(t, opt.Fields, resolver, budget)
		}
		if opt.ButtonDetails {
			page.ButtonDetails = buttonDetails(t, resolver, base.Href, budget)
		}
		page.TextTruncated = budget.cut
	}
	return page, parseErr
}

// extract decodes data and parses it, gathering the page's buttons, its
// links' elements (x.links), its first <meta> encoding declaration (x.meta)
// and its <base>. parseErr is ErrTooComplex for a tree cut short.
func (x *extractor) extract(data []byte, enc encoding.Encoding, name string) (page *Page, base *html5.Node, parseErr, err error) {
	text, err := x.decode(data, enc, name)
	if err != nil {
		return nil, nil, nil, err
	}
	root, parseErr := x.parser.Parse(text)
	if parseErr != nil && !errors.Is(parseErr, html5.ErrTooComplex) {
		return nil, nil, nil, parseErr
	}
	x.root = root
	x.links, x.meta = x.links[:0], declaredEncoding{}
	page = &Page{Buttons: []string{}, Charset: name}
	return page, x.collect(root, page, true), parseErr, nil
}

func (x *extractor) release() {
	if cap(x.decoded) > 1<<20 {
		x.decoded = nil // do not pin one huge page's memory
	}
	if len(x.seen) > 1<<16 || cap(x.links) > 1<<16 { // nor those of its links
		x.seen, x.links = nil, nil
	}
	x.links, x.root = x.links[:0], nil
	clear(x.seen)
	extractors.Put(x)
}

// queryEncoder returns how link queries are encoded in a document of the
// given encoding, as Chromium does: in that encoding, and a character the
// encoding lacks as its numeric reference, already percent-encoded
// ("%26%23NNNN%3B"). UTF-8 and UTF-16 documents use UTF-8 (nil).
func queryEncoder(enc encoding.Encoding, name string) weburl.QueryEncoder {
	switch name {
	case "utf-8", "utf-16be", "utf-16le", "replacement":
		return nil
	}
	return func(dst []byte, q string) []byte {
		e := enc.NewEncoder()
		var buf [utf8.UTFMax]byte
		for _, r := range q {
			if r < utf8.RuneSelf {
				dst = append(dst, byte(r))
				continue
			}
			out, err := e.Bytes(utf8.AppendRune(buf[:0], r))
			if err != nil {
				dst = append(dst, "%26%23"...)
				dst = strconv.AppendInt(dst, int64(r), 10)
				dst = append(dst, "%3B"...)
			} else {
				dst = append(dst, out...)
			}
			e.Reset()
		}
		return dst
	}
}

// collect walks the tree in document order, gathering button ids into page
// and the <a> elements with an href into x.links. It returns the first
// <base> with an href. Template contents are not part of the document.
//
// An open shadow root (declarative shadow DOM) is walked right after its
// host, before the host's children, as a person reads the page; a <base>
// or <meta> in it is not the document's.
func (x *extractor) collect(n *html5.Node, page *Page, light bool) (base *html5.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		// <a href> and <button id> count in every namespace, as the
		// selectors a[href] and button[id] match them: an SVG <a href> is
		// a link a user can click. xlink:href is another attribute.
		switch c.DataAtom {
		case atom.A:
			if _, ok := x.parser.Attr(c, "href"); ok {
				x.links = append(x.links, c)
			}
		case atom.Button:
			if id, ok := x.parser.Attr(c, "id"); ok && len(id) > 0 {
				x.addButton(page, id)
			}
		}
		if c.Namespace == "" {
			switch c.DataAtom {
			case atom.Base:
				if _, ok := x.parser.Attr(c, "href"); ok && base == nil && light {
					base = c
				}
			case atom.Meta:
				if x.meta.name == "" && light {
					x.noteMeta(c)
				}
			case atom.Template:
				continue
			}
		}
		if root := c.OpenShadowRoot(); root != nil {
			x.collect(root, page, false)
		}
		if b := x.collect(c, page, light); base == nil {
			base = b
		}
	}
	return base
}

// anchors appends to out the ids of the elements under n and the names of
// its <a> elements, the targets the HTML standard's "indicated part" of a
// fragment looks for. They are looked for in the document tree only:
// shadow trees and <template> contents are not in it.
func (x *extractor) anchors(n *html5.Node, seen map[string]struct{}, out []string) []string {
	add := func(v []byte, ok bool) {
		if ok && len(v) > 0 {
			if _, dup := seen[bytesView(v)]; !dup {
				s := string(v) // Attr's value is overwritten by the next call
				seen[s] = struct{}{}
				out = append(out, s)
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html5.ElementNode {
			continue
		}
		add(x.parser.Attr(c, "id"))
		if c.DataAtom == atom.A && c.Namespace == "" {
			add(x.parser.Attr(c, "name"))
		}
		if c.DataAtom == atom.Template && c.Namespace == "" {
			continue
		}
		out = x.anchors(c, seen, out)
	}
	return out
}

// noteMeta records the encoding a <meta> declares, if it declares one.
func (x *extractor) noteMeta(n *html5.Node) {
	charset, hasCharset := x.parser.Attr(n, "charset")
	charset = bytes.Clone(charset) // Attr's value is overwritten by the next call
	httpEquiv, hasHTTPEquiv := x.parser.Attr(n, "http-equiv")
	httpEquiv = bytes.Clone(httpEquiv)
	content, _ := x.parser.Attr(n, "content")
	if enc, name, ok := metaEncoding(charset, httpEquiv, content, hasCharset, hasHTTPEquiv); ok {
		x.meta = declaredEncoding{enc, name}
	}
}

// resolve resolves the collected links, dropping repeats and hrefs that are
// not URLs.
func (x *extractor) resolve(r *weburl.Resolver) []string {
	links := make([]string, 0, len(x.links))
	if x.seen == nil {
		x.seen = make(map[string]struct{})
	}
	clear(x.seen) // the buttons' set is done with
	for _, n := range x.links {
		href, _ := x.parser.Attr(n, "href")
		u, err := r.Resolve(bytesView(href))
		if err != nil {
			continue
		}
		if _, dup := x.seen[u.Href]; !dup {
			x.seen[u.Href] = struct{}{}
			links = append(links, u.Href)
		}
	}
	return links
}

// addButton adds id to the page's buttons unless it is there already.
// Pages have few buttons, so they are compared one by one until there are
// many, then kept in x.seen (which links use after the walk).
func (x *extractor) addButton(page *Page, id []byte) {
	const few = 32
	if len(page.Buttons) < few {
		for _, s := range page.Buttons {
			if s == string(id) {
				return
			}
		}
	} else {
		if x.seen == nil {
			x.seen = make(map[string]struct{})
		}
		if len(page.Buttons) == few {
			for _, s := range page.Buttons {
				x.seen[s] = struct{}{}
			}
		}
		if _, dup := x.seen[string(id)]; dup {
			return
		}
	}
	s := string(id)
	page.Buttons = append(page.Buttons, s)
	if len(page.Buttons) > few {
		x.seen[s] = struct{}{}
	}
}

// bytesView returns b as a string without copying, for a callee that does
// not keep it.
func bytesView(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
