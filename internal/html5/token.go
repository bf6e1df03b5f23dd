package html5

import (
	"bytes"
)

// TokenType is the kind of a token.
type TokenType uint8

// The token types. EOFToken ends the stream.
const (
	EOFToken TokenType = iota
	TextToken
	StartTagToken
	EndTagToken
	CommentToken
	DoctypeToken
)

// span is a byte range [start, end) of the document.
type span struct{ start, end int32 }

// Attr is one attribute of a start tag, kept as ranges of the document so
// that tokenizing copies nothing; Tokenizer.AttrName and AttrValue read it.
type Attr struct {
	name, val span
}

// rawKind is a tokenizer state that a tree builder switches on after
// inserting certain elements: their content is text up to their end tag.
type rawKind uint8

const (
	rawNone      rawKind = iota
	rawRCDATA            // title, textarea: character references decoded
	rawText              // style, xmp, iframe, noembed, noframes
	rawScript            // script, with its escaping rules
	rawPlaintext         // everything to the end of the document
)

// Tokenizer splits a UTF-8 document into HTML tokens following the HTML
// Standard's tokenization states. It works on the whole document in memory;
// the token's slices are views of it or of scratch space, valid until the
// next call to Next.
type Tokenizer struct {
	// NormalizeNewlines makes Text read CR LF and CR as LF, as a browser's
	// DOM holds them; off, text is read as it is (for speed: the elements
	// do not depend on it).
	NormalizeNewlines bool

	doc        []byte
	pos        int
	raw        rawKind
	rawTag     string // the element whose end tag ends raw text
	allowCDATA bool
	textIsRaw  bool // the current text token has no character references
	doctypeEOF bool // the current doctype ran to the end without its '>'

	// The current token.
	Type        TokenType
	data        span   // text, comment or doctype content
	name        []byte // lower-case tag name
	SelfClosing bool
	// attrs holds the attributes of every start tag so far; those of the
	// current token start at attrStart. Nodes keep ranges of it.
	attrs     []Attr
	attrStart int

	nameBuf []byte
	textBuf []byte
	valBuf  []byte
	// attrNames holds the lower-cased names of the current tag's
	// attributes once it has too many to compare one by one.
	attrNames map[string]struct{}
}

// Reset starts tokenizing doc, reusing the tokenizer's buffers.
func (z *Tokenizer) Reset(doc []byte) {
	*z = Tokenizer{doc: doc, attrs: z.attrs[:0], nameBuf: z.nameBuf[:0], textBuf: z.textBuf[:0], valBuf: z.valBuf[:0]}
}

// SetRaw switches the tokenizer to raw text until the end tag of tag.
func (z *Tokenizer) SetRaw(kind rawKind, tag string) { z.raw, z.rawTag = kind, tag }

// AllowCDATA says whether <![CDATA[ starts a CDATA section (in foreign
// content) or a bogus comment.
func (z *Tokenizer) AllowCDATA(allow bool) { z.allowCDATA = allow }

// TagName returns the lower-cased name of the current tag token.
func (z *Tokenizer) TagName() []byte { return z.name }

// Attrs returns the attributes of the current start tag.
func (z *Tokenizer) Attrs() (lo, hi int) { return z.attrStart, len(z.attrs) }

// Raw returns the bytes of the current text, comment or doctype token, as
// they are in the document.
func (z *Tokenizer) Raw() []byte { return z.doc[z.data.start:z.data.end] }

// Text returns the current text token with its character references decoded
// (NUL and CR are left as they are).
func (z *Tokenizer) Text() []byte {
	raw := z.Raw()
	cr := z.NormalizeNewlines && bytes.IndexByte(raw, '\r') >= 0
	if !cr && (z.textIsRaw || bytes.IndexByte(raw, '&') < 0) {
		return raw
	}
	z.textBuf = z.textBuf[:0]
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '&')
		if i < 0 || z.textIsRaw {
			z.textBuf = appendNewlines(z.textBuf, raw, cr)
			break
		}
		z.textBuf = appendNewlines(z.textBuf, raw[:i], cr)
		var n int
		z.textBuf, n = appendCharRef(z.textBuf, raw[i:], false)
		raw = raw[i+n:]
	}
	return z.textBuf
}

// AttrName returns the name of attribute i as written (not lower-cased).
func (z *Tokenizer) AttrName(i int) []byte {
	a := z.attrs[i]
	return z.doc[a.name.start:a.name.end]
}

// AttrValue returns the value of attribute i, decoded; it is valid until the
// next call to AttrValue.
func (z *Tokenizer) AttrValue(i int) []byte {
	a := z.attrs[i]
	v := z.doc[a.val.start:a.val.end]
	if !bytes.ContainsAny(v, "&\x00\r") {
		return v
	}
	z.valBuf = appendDecoded(z.valBuf[:0], v, true)
	return z.valBuf
}

// AttrValueString is AttrValue copied into a new string.
func (z *Tokenizer) AttrValueString(i int) string { return string(z.AttrValue(i)) }

// LookupAttr returns the index of the attribute named name (lower case)
// among attrs [lo, hi), or -1.
func (z *Tokenizer) LookupAttr(lo, hi int, name string) int {
	for i := lo; i < hi; i++ {
		if equalFoldASCII(z.AttrName(i), name) {
			return i
		}
	}
	return -1
}

// Doctype parses the current doctype token.
func (z *Tokenizer) Doctype() doctype { return parseDoctype(z.Raw(), z.doctypeEOF) }

// Next reads the next token and returns its type.
func (z *Tokenizer) Next() TokenType {
	z.SelfClosing = false
	z.name = nil
	z.textIsRaw = false
	z.doctypeEOF = false
	if kind := z.raw; kind != rawNone {
		z.raw = rawNone
		start := z.pos
		switch kind {
		case rawPlaintext:
			z.pos = len(z.doc)
		case rawScript:
			z.pos = z.scriptEnd(start)
		default:
			z.pos = z.endTagFrom(start)
		}
		if z.pos > start {
			z.textIsRaw = kind != rawRCDATA
			return z.emit(TextToken, start, z.pos)
		}
	}
	for {
		start := z.pos
		if start >= len(z.doc) {
			z.Type = EOFToken
			return EOFToken
		}
		end := z.textEnd(start)
		if end > start {
			z.pos = end
			return z.emit(TextToken, start, end)
		}
		if t, ok := z.markup(); ok {
			return t
		}
	}
}

// emit sets the current token to a text-like token over [start, end).
func (z *Tokenizer) emit(t TokenType, start, end int) TokenType {
	z.Type = t
	z.data = span{int32(start), int32(end)}
	return t
}

// textEnd returns where the text starting at i ends: at a '<' that begins a
// tag, comment or other markup, or at the end.
func (z *Tokenizer) textEnd(i int) int {
	doc := z.doc
	for {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 || i+j+1 >= len(doc) {
			return len(doc) // a '<' at the very end is text too
		}
		i += j
		if c := doc[i+1]; isAlpha(c) || c == '/' || c == '!' || c == '?' {
			return i
		}
		i++
	}
}

// markup reads the markup at z.pos, a '<' followed by a letter, '/', '!' or
// '?'. It reports false when the markup produces no token ("</>").
func (z *Tokenizer) markup() (TokenType, bool) {
	doc, i := z.doc, z.pos
	switch c := doc[i+1]; {
	case isAlpha(c):
		return z.tag(i+1, false), true
	case c == '?':
		return z.bogusComment(i + 1), true
	case c == '!':
		return z.declaration(i + 2), true
	}
	// "</"
	switch {
	case i+2 >= len(doc):
		z.pos = len(doc)
		return z.emit(TextToken, i, len(doc)), true
	case isAlpha(doc[i+2]):
		return z.tag(i+2, true), true
	case doc[i+2] == '>':
		z.pos = i + 3
		return 0, false
	}
	return z.bogusComment(i + 2), true
}

// bogusComment reads a comment that runs from i to the next '>'.
func (z *Tokenizer) bogusComment(i int) TokenType {
	end := bytes.IndexByte(z.doc[i:], '>')
	if end < 0 {
		z.pos = len(z.doc)
		return z.emit(CommentToken, i, len(z.doc))
	}
	z.pos = i + end + 1
	return z.emit(CommentToken, i, i+end)
}

// declaration reads what follows "<!": a comment, a doctype, a CDATA section
// in foreign content, or a bogus comment.
func (z *Tokenizer) declaration(i int) TokenType {
	doc := z.doc
	rest := doc[i:]
	switch {
	case bytes.HasPrefix(rest, []byte("--")):
		return z.comment(i + 2)
	case len(rest) >= 7 && equalFoldASCII(rest[:7], "doctype"):
		j := i + 7
		for j < len(doc) && isSpace(doc[j]) {
			j++
		}
		end := bytes.IndexByte(doc[j:], '>')
		if end < 0 {
			z.pos = len(doc)
			z.doctypeEOF = true
			return z.emit(DoctypeToken, j, len(doc))
		}
		z.pos = j + end + 1
		return z.emit(DoctypeToken, j, j+end)
	case z.allowCDATA && bytes.HasPrefix(rest, []byte("[CDATA[")):
		start := i + 7
		end := bytes.Index(doc[start:], []byte("]]>"))
		if end < 0 {
			z.pos = len(doc)
			z.textIsRaw = true
			return z.emit(TextToken, start, len(doc))
		}
		z.pos = start + end + 3
		z.textIsRaw = true
		return z.emit(TextToken, start, start+end)
	}
	return z.bogusComment(i)
}

// comment reads a comment whose data starts at i, just after "<!--". It
// ends at "-->" or "--!>", or at once for "<!-->" and "<!--->".
func (z *Tokenizer) comment(i int) TokenType {
	doc := z.doc
	switch {
	case i < len(doc) && doc[i] == '>':
		z.pos = i + 1
		return z.emit(CommentToken, i, i)
	case i+1 < len(doc) && doc[i] == '-' && doc[i+1] == '>':
		z.pos = i + 2
		return z.emit(CommentToken, i, i)
	}
	for k := i; ; {
		j := bytes.IndexByte(doc[k:], '>')
		if j < 0 {
			// The comment runs to the end; a trailing "-", "--" or "--!" is
			// part of an end that never came.
			end := len(doc)
			for _, suffix := range []string{"--!", "--", "-"} {
				if end-len(suffix) >= i && bytes.HasSuffix(doc[i:end], []byte(suffix)) {
					end -= len(suffix)
					break
				}
			}
			z.pos = len(doc)
			return z.emit(CommentToken, i, end)
		}
		gt := k + j
		switch {
		case gt-2 >= i && doc[gt-2] == '-' && doc[gt-1] == '-':
			z.pos = gt + 1
			return z.emit(CommentToken, i, gt-2)
		case gt-3 >= i && doc[gt-3] == '-' && doc[gt-2] == '-' && doc[gt-1] == '!':
			z.pos = gt + 1
			return z.emit(CommentToken, i, gt-3)
		}
		k = gt + 1
	}
}

// endTagFrom returns where RCDATA or RAWTEXT starting at i ends: at the
// end tag of z.rawTag, or at the end of the document.
func (z *Tokenizer) endTagFrom(i int) int {
	for {
		j := bytes.Index(z.doc[i:], []byte("</"))
		if j < 0 {
			return len(z.doc)
		}
		i += j
		if z.endTagAt(i) {
			return i
		}
		i += 2
	}
}

// endTagAt reports whether an "appropriate end tag" for the raw text
// element starts at i: "</" and its name, then a space, '/' or '>'.
func (z *Tokenizer) endTagAt(i int) bool {
	doc, n := z.doc, len(z.rawTag)
	if n == 0 || i+2+n >= len(doc) || doc[i] != '<' || doc[i+1] != '/' {
		return false
	}
	if !equalFoldASCII(doc[i+2:i+2+n], z.rawTag) {
		return false
	}
	c := doc[i+2+n]
	return isSpace(c) || c == '/' || c == '>'
}

// isSpace reports the HTML whitespace characters; CR counts because the
// standard turns it into LF before tokenizing.
func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r'
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// equalFoldASCII reports whether b equals the lower-case ASCII string s,
// ignoring the case of b.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func equalFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lowerByte(a[i]) != lowerByte(b[i]) {
			return false
		}
	}
	return true
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// appendNewlines appends b to dst, with CR LF and CR as LF when cr is set,
// as the input stream's preprocessing does (section 13.2.3.5); a CR that a
// character reference writes stays.
func appendNewlines(dst, b []byte, cr bool) []byte {
	if !cr {
		return append(dst, b...)
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\r' {
			dst = append(dst, b[i])
			continue
		}
		dst = append(dst, '\n')
		if i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
	}
	return dst
}
