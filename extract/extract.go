// Package extract finds what a browser sees in an HTML document as served:
// the ids of its <button> elements and the targets of its <a href> links,
// resolved the way a.href reads them. It knows nothing of HTTP or files: it
// takes bytes, the Content-Type they came with, and the document's URL.
package extract

import (
	"bytes"
	"fmt"
	"io"

	"github.com/crawlkit/crawl/internal/weburl"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
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
}

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

// ParseBytes is Parse for a document already in memory. It does not keep or
// modify data.
func ParseBytes(data []byte, contentType, docURL string) (*Page, error) {
	base, err := weburl.Parse(docURL)
	if err != nil {
		return nil, fmt.Errorf("document URL %q: %w", docURL, err)
	}
	text, enc, name, err := decode(data, contentType)
	if err != nil {
		return nil, err
	}
	doc, err := html.ParseWithOptions(bytes.NewReader(text), html.ParseOptionEnableScripting(false))
	if err != nil {
		return nil, fmt.Errorf("parse HTML: %w", err)
	}
	var w walker
	w.walk(doc)
	queryEnc := queryEncoder(enc, name)
	if w.hasBase {
		// A <base href> that does not parse leaves the document URL as base.
		if u, err := weburl.Resolve(&base, w.base, queryEnc); err == nil {
			base = u
		}
	}
	r := weburl.NewResolver(base, queryEnc)
	page := &Page{Buttons: dedup(w.buttons), Links: make([]string, 0, len(w.hrefs)), Charset: name}
	seen := make(map[string]struct{}, len(w.hrefs))
	for _, href := range w.hrefs {
		u, err := r.Resolve(href)
		if err != nil {
			continue
		}
		if _, dup := seen[u.Href]; !dup {
			seen[u.Href] = struct{}{}
			page.Links = append(page.Links, u.Href)
		}
	}
	return page, nil
}

// decode turns data into UTF-8 the way a browser picks the encoding: byte
// order mark, then the Content-Type charset, then <meta> in the first 1024
// bytes, then a guess.
func decode(data []byte, contentType string) ([]byte, encoding.Encoding, string, error) {
	enc, name, _ := charset.DetermineEncoding(data, contentType)
	if name == "utf-8" {
		return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), enc, name, nil
	}
	text, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return nil, nil, "", fmt.Errorf("decode %s: %w", name, err)
	}
	return text, enc, name, nil
}

// queryEncoder returns how link queries are encoded in a document of the
// given encoding: in that encoding, characters it lacks written as &#N;, as
// browsers do. UTF-8 and UTF-16 documents use UTF-8 (nil).
func queryEncoder(enc encoding.Encoding, name string) weburl.QueryEncoder {
	switch name {
	case "utf-8", "utf-16be", "utf-16le", "replacement":
		return nil
	}
	return func(dst []byte, q string) []byte {
		b, err := encoding.HTMLEscapeUnsupported(enc.NewEncoder()).String(q)
		if err != nil {
			return append(dst, q...)
		}
		return append(dst, b...)
	}
}

// walker collects, in tree order, what the document's DOM holds.
type walker struct {
	buttons, hrefs []string
	base           string
	hasBase        bool
}

func (w *walker) walk(n *html.Node) {
	if n.Type == html.ElementNode && n.Namespace == "" {
		switch n.DataAtom {
		case atom.A:
			if v, ok := attr(n, "href"); ok {
				w.hrefs = append(w.hrefs, v)
			}
		case atom.Button:
			if v, ok := attr(n, "id"); ok && v != "" {
				w.buttons = append(w.buttons, v)
			}
		case atom.Base:
			if v, ok := attr(n, "href"); ok && !w.hasBase {
				w.base, w.hasBase = v, true
			}
		case atom.Template:
			return // template contents are not part of the document
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func dedup(ss []string) []string {
	out := make([]string, 0, len(ss))
	seen := make(map[string]struct{}, len(ss))
	for _, s := range ss {
		if _, dup := seen[s]; !dup {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	return out
}
