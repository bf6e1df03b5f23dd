package extract

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// determineEncoding picks a document's encoding as Chromium does: byte
// order mark, then the Content-Type charset, then a <meta> declaration in
// the first 1024 bytes (the HTML Standard's prescan), then a guess. The
// guess is UTF-8 when the first 1024 bytes are valid UTF-8 with non-ASCII
// in them, else windows-1252; but, like Chromium, UTF-8 is never guessed
// for a document fetched over the network, only for a local file, so that
// sites declare their encoding.
//
// It returns the plain encoding from htmlindex, by its WHATWG name, and
// whether it is certain (byte order mark or Content-Type): otherwise a
// <meta> the parser meets later may change it (see metaEncoding).
func determineEncoding(data []byte, contentType string, local bool) (enc encoding.Encoding, name string, certain bool) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		return unicode.UTF8, "utf-8", true
	case bytes.HasPrefix(data, []byte("\xfe\xff")):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", true
	case bytes.HasPrefix(data, []byte("\xff\xfe")):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", true
	}
	if contentType != "" {
		if enc, name, ok := lookupEncoding(parseContentType(contentType).charset); ok {
			return enc, name, true
		}
	}
	head := data[:min(len(data), 1024)]
	if enc, name, ok := prescan(head); ok {
		return enc, name, false
	}
	if local && guessUTF8(head) {
		return unicode.UTF8, "utf-8", false
	}
	return charmap.Windows1252, "windows-1252", false
}

// metaEncoding is the encoding a <meta> element declares with charset or
// http-equiv="content-type" content, as the tree builder reads it when it
// "changes the encoding".
func metaEncoding(charset, httpEquiv, content []byte, hasCharset, hasHTTPEquiv bool) (encoding.Encoding, string, bool) {
	var label []byte
	switch {
	case hasCharset:
		label = charset
	case hasHTTPEquiv && equalFoldASCII(httpEquiv, "content-type"):
		cs, ok := charsetFromContent(bytes.ToLower(content))
		if !ok {
			return nil, "", false
		}
		label = cs
	default:
		return nil, "", false
	}
	enc, name, ok := lookupEncoding(string(label))
	switch {
	case !ok:
		return nil, "", false
	case name == "utf-16be" || name == "utf-16le":
		return unicode.UTF8, "utf-8", true
	case name == "x-user-defined":
		return charmap.Windows1252, "windows-1252", true
	}
	return enc, name, true
}

// lookupEncoding finds the encoding a label names.
func lookupEncoding(label string) (encoding.Encoding, string, bool) {
	if label == "" {
		return nil, "", false
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, "", false
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return nil, "", false
	}
	return enc, name, true
}

// guessUTF8 reports whether b, less a character cut off at its end, is
// valid UTF-8 with non-ASCII in it.
func guessUTF8(b []byte) bool {
	for i := len(b) - 1; i >= 0 && i > len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return !isPlainASCII(b) && utf8.Valid(b)
}

// prescan looks for a <meta> charset declaration the way the HTML Standard's
// "prescan a byte stream to determine its encoding" does, skipping comments
// and the attributes of other tags.
func prescan(b []byte) (encoding.Encoding, string, bool) {
	for i := 0; i < len(b); {
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(b[i+2:], []byte("-->")) // "<!-->" ends at once
			if end < 0 {
				return nil, "", false
			}
			i += 2 + end + 3
		case len(rest) > 5 && equalFoldASCII(rest[1:5], "meta") && rest[0] == '<' && (isSpace(rest[5]) || rest[5] == '/'):
			enc, name, ok, next := metaCharset(b, i+6)
			if ok {
				return enc, name, true
			}
			if next < 0 {
				return nil, "", false
			}
			i = next
		case len(rest) > 2 && rest[0] == '<' && (isLetter(rest[1]) || rest[1] == '/' && isLetter(rest[2])):
			j := i + 1
			for j < len(b) && !isSpace(b[j]) && b[j] != '>' {
				j++
			}
			for {
				_, _, next, ok := prescanAttr(b, j)
				if next < 0 {
					return nil, "", false
				}
				j = next
				if !ok {
					break
				}
			}
			i = j + 1
		case len(rest) > 1 && rest[0] == '<' && (rest[1] == '!' || rest[1] == '/' || rest[1] == '?'):
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return nil, "", false
			}
			i += end + 1
		default:
			i++
		}
	}
	return nil, "", false
}

// metaCharset reads the attributes of a <meta> tag starting at i and
// returns its declared encoding, if it declares one, or where to go on
// (-1 at the end of the input).
func metaCharset(b []byte, i int) (enc encoding.Encoding, name string, ok bool, next int) {
	var seen [][]byte
	gotPragma, needPragma, haveNeed := false, false, false
	var charset []byte
	for {
		attr, value, n, found := prescanAttr(b, i)
		if n < 0 {
			return nil, "", false, -1
		}
		i = n
		if !found {
			break
		}
		dup := false
		for _, s := range seen {
			dup = dup || bytes.Equal(s, attr)
		}
		if dup {
			continue
		}
		seen = append(seen, attr)
		switch string(attr) {
		case "http-equiv":
			gotPragma = gotPragma || string(value) == "content-type"
		case "content":
			if charset == nil {
				if cs, ok := charsetFromContent(value); ok {
					charset, needPragma, haveNeed = cs, true, true
				}
			}
		case "charset":
			charset, needPragma, haveNeed = value, false, true
		}
	}
	if !haveNeed || (needPragma && !gotPragma) {
		return nil, "", false, i + 1
	}
	enc, name, ok = lookupEncoding(string(charset))
	switch {
	case !ok:
		return nil, "", false, i + 1
	case name == "utf-16be" || name == "utf-16le":
		return unicode.UTF8, "utf-8", true, i
	case name == "x-user-defined":
		return charmap.Windows1252, "windows-1252", true, i
	}
	return enc, name, true, i
}

// prescanAttr is the standard's "get an attribute" on b at i: it returns
// the lower-cased name and value, where it stopped, and whether there was an
// attribute; next is -1 when the input ended first.
func prescanAttr(b []byte, i int) (name, value []byte, next int, found bool) {
	for i < len(b) && (isSpace(b[i]) || b[i] == '/') {
		i++
	}
	if i >= len(b) {
		return nil, nil, -1, false
	}
	if b[i] == '>' {
		return nil, nil, i, false
	}
	for ; ; i++ {
		if i >= len(b) {
			return nil, nil, -1, false
		}
		c := b[i]
		if c == '=' && len(name) > 0 {
			i++
			break
		}
		if isSpace(c) {
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if i >= len(b) {
				return nil, nil, -1, false
			}
			if b[i] != '=' {
				return name, nil, i, true
			}
			i++
			break
		}
		if c == '/' || c == '>' {
			return name, nil, i, true
		}
		name = append(name, lowerByte(c))
	}
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i >= len(b) {
		return nil, nil, -1, false
	}
	switch q := b[i]; q {
	case '"', '\'':
		end := bytes.IndexByte(b[i+1:], q)
		if end < 0 {
			return nil, nil, -1, false
		}
		return name, bytes.ToLower(b[i+1 : i+1+end]), i + 2 + end, true
	case '>':
		return name, nil, i, true
	}
	start := i
	for i < len(b) && !isSpace(b[i]) && b[i] != '>' {
		i++
	}
	if i >= len(b) {
		return nil, nil, -1, false
	}
	return name, bytes.ToLower(b[start:i]), i, true
}

// charsetFromContent is the standard's "extract a character encoding from
// a meta element", on a lower-cased content attribute.
func charsetFromContent(s []byte) ([]byte, bool) {
	for {
		i := bytes.Index(s, []byte("charset"))
		if i < 0 {
			return nil, false
		}
		s = s[i+7:]
		j := 0
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j == len(s) || s[j] != '=' {
			continue
		}
		s = s[j+1:]
		for len(s) > 0 && isSpace(s[0]) {
			s = s[1:]
		}
		if len(s) == 0 {
			return nil, false
		}
		if q := s[0]; q == '"' || q == '\'' {
			end := bytes.IndexByte(s[1:], q)
			if end < 0 {
				return nil, false
			}
			return s[1 : 1+end], true
		}
		end := bytes.IndexAny(s, " \t\n\f\r;")
		if end < 0 {
			end = len(s)
		}
		return s[:end], true
	}
}

func isSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lowerByte(b[i]) != s[i] {
			return false
		}
	}
	return true
}
