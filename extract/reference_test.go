package extract

// The reference extractor: the definition of what extract must produce,
// written the obvious way on golang.org/x/net/html's tree (html.Parse with
// scripting off). It is too slow for the crawler, and the fast extractor is
// tested against it.

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/crawlkit/crawl/internal/weburl"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/encoding"
)

// referenceParse extracts a page the obvious way, for comparison.
func referenceParse(data []byte, contentType, docURL string) (*Page, error) {
	base, err := weburl.Parse(docURL)
	if err != nil {
		return nil, fmt.Errorf("document URL %q: %w", docURL, err)
	}
	enc, name, certain := determineEncoding(data, contentType, base.Scheme == "file")
	w, err := referenceWalk(data, enc, name)
	if err != nil {
		return nil, err
	}
	if !certain && w.metaName != "" && w.metaName != name {
		enc, name = w.metaEnc, w.metaName
		if w, err = referenceWalk(data, enc, name); err != nil {
			return nil, err
		}
	}
	queryEnc := queryEncoder(enc, name)
	r := weburl.NewResolver(base, queryEnc)
	if w.hasBase {
		// Chromium ignores a javascript: or data: base, and resolves no
		// relative link against one that does not parse.
		u, err := weburl.Resolve(&base, w.base, queryEnc)
		switch {
		case err != nil:
			r = weburl.NewAbsoluteResolver(queryEnc)
		case u.Scheme != "javascript" && u.Scheme != "data":
			r = weburl.NewResolver(u, queryEnc)
		}
	}
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

// referenceWalk decodes and parses data and walks its tree.
func referenceWalk(data []byte, enc encoding.Encoding, name string) (*walker, error) {
	text := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if name != "utf-8" {
		var err error
		if text, err = enc.NewDecoder().Bytes(data); err != nil {
			return nil, err
		}
	}
	doc, err := html.ParseWithOptions(bytes.NewReader(text), html.ParseOptionEnableScripting(false))
	if err != nil {
		return nil, fmt.Errorf("parse HTML: %w", err)
	}
	w := &walker{}
	w.walk(doc)
	return w, nil
}

// walker collects, in tree order, what the document's DOM holds.
type walker struct {
	buttons, hrefs []string
	base           string
	hasBase        bool
	metaEnc        encoding.Encoding
	metaName       string
	shadow         int // depth in shadow trees, where <base> and <meta> do not count
}

func (w *walker) walk(n *html.Node) {
	if n.Type == html.ElementNode {
		// In every namespace, as a[href] and button[id] match.
		switch {
		case n.Data == "a":
			if v, ok := attr(n, "href"); ok {
				w.hrefs = append(w.hrefs, v)
			}
		case n.Data == "button":
			if v, ok := attr(n, "id"); ok && v != "" {
				w.buttons = append(w.buttons, v)
			}
		}
	}
	if n.Type == html.ElementNode && n.Namespace == "" && w.shadow == 0 {
		switch n.DataAtom {
		case atom.Base:
			if v, ok := attr(n, "href"); ok && !w.hasBase {
				w.base, w.hasBase = v, true
			}
		case atom.Meta:
			if w.metaName == "" {
				charset, hasCharset := attr(n, "charset")
				httpEquiv, hasHTTPEquiv := attr(n, "http-equiv")
				content, _ := attr(n, "content")
				if enc, name, ok := metaEncoding([]byte(charset), []byte(httpEquiv), []byte(content), hasCharset, hasHTTPEquiv); ok {
					w.metaEnc, w.metaName = enc, name
				}
			}
		}
	}
	if n.Type == html.ElementNode && n.Namespace == "" && n.DataAtom == atom.Template {
		return // template contents are not part of the document
	}
	if root := shadowRootOf(n); root != nil {
		w.shadow++
		for c := root.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c)
		}
		w.shadow--
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
}

// shadowRootOf returns the template child that makes n the host of an
// open declarative shadow root, by HTML's rules: the first template child
// whose shadowrootmode is open or closed (case aside) makes it a host when
// n may be one (not <html>; an HTML element of attachShadow's list, or a
// custom element name), and only an open one is returned.
func shadowRootOf(n *html.Node) *html.Node {
	if n.Type != html.ElementNode || n.Namespace != "" || n.Parent == nil || n.Parent.Type == html.DocumentNode {
		return nil
	}
	switch n.Data {
	case "article", "aside", "blockquote", "body", "div", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
		"header", "main", "nav", "p", "section", "span":
	default:
		if !strings.Contains(n.Data, "-") || n.Data[0] < 'a' || n.Data[0] > 'z' || n.Data == "annotation-xml" ||
			n.Data == "color-profile" || strings.HasPrefix(n.Data, "font-face") || n.Data == "missing-glyph" {
			return nil
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.Namespace != "" || c.DataAtom != atom.Template {
			continue
		}
		switch mode, _ := attr(c, "shadowrootmode"); strings.ToLower(mode) {
		case "open":
			return c
		case "closed":
			return nil
		}
	}
	return nil
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
