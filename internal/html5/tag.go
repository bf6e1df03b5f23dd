package html5

import "bytes"

// tag reads a start or end tag whose name starts at i. A tag cut off by the
// end of the document is dropped, as the standard says.
func (z *Tokenizer) tag(i int, end bool) TokenType {
	doc := z.doc
	nameStart := i
	for i < len(doc) && !isSpace(doc[i]) && doc[i] != '/' && doc[i] != '>' {
		i++
	}
	z.name = z.lowerName(doc[nameStart:i])
	z.attrStart = len(z.attrs)
	for {
		for i < len(doc) && isSpace(doc[i]) {
			i++
		}
		if i >= len(doc) {
			return z.eofInTag()
		}
		switch doc[i] {
		case '>':
			return z.endTag(i+1, end)
		case '/':
			i++
			if i < len(doc) && doc[i] == '>' {
				z.SelfClosing = true
				return z.endTag(i+1, end)
			}
			continue
		}
		var a Attr
		a.name.start = int32(i)
		if doc[i] == '=' {
			i++
		}
		for i < len(doc) && !isSpace(doc[i]) && doc[i] != '/' && doc[i] != '>' && doc[i] != '=' {
			i++
		}
		a.name.end = int32(i)
		for i < len(doc) && isSpace(doc[i]) {
			i++
		}
		if i < len(doc) && doc[i] == '=' {
			i++
			for i < len(doc) && isSpace(doc[i]) {
				i++
			}
			if i >= len(doc) {
				return z.eofInTag()
			}
			switch q := doc[i]; q {
			case '"', '\'':
				j := bytes.IndexByte(doc[i+1:], q)
				if j < 0 {
					return z.eofInTag()
				}
				a.val = span{int32(i + 1), int32(i + 1 + j)}
				i += j + 2
			case '>':
				a.val = span{int32(i), int32(i)}
			default:
				start := i
				for i < len(doc) && !isSpace(doc[i]) && doc[i] != '>' {
					i++
				}
				a.val = span{int32(start), int32(i)}
			}
		} else {
			a.val = span{int32(i), int32(i)}
		}
		z.addAttr(a)
	}
}

// addAttr keeps a, unless the tag already has an attribute of that name.
// Past a few attributes the names go in a set, so that a tag with a huge
// number of them costs linear time.
func (z *Tokenizer) addAttr(a Attr) {
	const few = 16
	name := z.doc[a.name.start:a.name.end]
	if n := len(z.attrs) - z.attrStart; n < few {
		for j := z.attrStart; j < len(z.attrs); j++ {
			if equalFoldBytes(z.AttrName(j), name) {
				return
			}
		}
	} else {
		if n == few {
			if z.attrNames == nil {
				z.attrNames = make(map[string]struct{})
			}
			clear(z.attrNames)
			for j := z.attrStart; j < len(z.attrs); j++ {
				z.attrNames[string(bytes.ToLower(z.AttrName(j)))] = struct{}{}
			}
		}
		key := string(bytes.ToLower(name))
		if _, dup := z.attrNames[key]; dup {
			return
		}
		z.attrNames[key] = struct{}{}
	}
	z.attrs = append(z.attrs, a)
}

func (z *Tokenizer) endTag(next int, end bool) TokenType {
	z.pos = next
	if end {
		z.attrs = z.attrs[:z.attrStart] // an end tag's attributes are dropped
		z.Type = EndTagToken
		return EndTagToken
	}
	z.Type = StartTagToken
	return StartTagToken
}

func (z *Tokenizer) eofInTag() TokenType {
	z.attrs = z.attrs[:z.attrStart]
	z.pos = len(z.doc)
	z.Type = EOFToken
	return EOFToken
}

// lowerName returns a tag name lower-cased, with NUL as U+FFFD; the common
// case, already lower case, is returned as it is.
func (z *Tokenizer) lowerName(b []byte) []byte {
	clean := true
	for _, c := range b {
		if c >= 'A' && c <= 'Z' || c == 0 {
			clean = false
			break
		}
	}
	if clean {
		return b
	}
	z.nameBuf = z.nameBuf[:0]
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			z.nameBuf = append(z.nameBuf, c+'a'-'A')
		case c == 0:
			z.nameBuf = append(z.nameBuf, "\uFFFD"...)
		default:
			z.nameBuf = append(z.nameBuf, c)
		}
	}
	return z.nameBuf
}
