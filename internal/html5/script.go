package html5

import "bytes"

// The states of script data that matter for finding its end: the escaped
// states are entered by "<!--" and make "<script>" start a double-escaped
// section in which "</script>" does not end the element.
const (
	scriptData = iota
	scriptEscaped
	scriptEscapedDash
	scriptEscapedDashDash
	scriptDouble
	scriptDoubleDash
	scriptDoubleDashDash
)

// scriptEnd returns where the content of a script element starting at i
// ends: at its end tag, or at the end of the document.
func (z *Tokenizer) scriptEnd(i int) int {
	doc := z.doc
	state := scriptData
	for i < len(doc) {
		c := doc[i]
		switch state {
		case scriptData:
			j := bytes.IndexByte(doc[i:], '<')
			if j < 0 {
				return len(doc)
			}
			i += j
			if z.endTagAt(i) {
				return i
			}
			if bytes.HasPrefix(doc[i:], []byte("<!--")) {
				i += 4
				state = scriptEscapedDashDash
				continue
			}
			i++
		case scriptEscaped, scriptEscapedDash, scriptEscapedDashDash:
			switch {
			case c == '-':
				state = min(state+1, scriptEscapedDashDash)
				i++
			case c == '>' && state == scriptEscapedDashDash:
				state = scriptData
				i++
			case c == '<':
				if z.endTagAt(i) {
					return i
				}
				state = scriptEscaped
				if name, next, ok := z.scriptWord(i + 1); ok && name {
					state = scriptDouble
					i = next
					continue
				} else if next > i+1 {
					i = next // the letters after '<' are text
					continue
				}
				i++
			default:
				state = scriptEscaped
				i++
			}
		default: // double escaped
			switch {
			case c == '-':
				state = min(state+1, scriptDoubleDashDash)
				i++
			case c == '>' && state == scriptDoubleDashDash:
				state = scriptData
				i++
			case c == '<':
				state = scriptDouble
				if i+1 < len(doc) && doc[i+1] == '/' {
					if name, next, ok := z.scriptWord(i + 2); ok && name {
						state = scriptEscaped
						i = next
						continue
					} else if next > i+2 {
						i = next
						continue
					}
					i += 2
					continue
				}
				i++
			default:
				state = scriptDouble
				i++
			}
		}
	}
	return len(doc)
}

// scriptWord reads the letters at i. It reports whether they spell "script"
// (any case) followed by a space, '/' or '>', which it consumes, and where
// it stopped; ok is false when the document ends first.
func (z *Tokenizer) scriptWord(i int) (isScript bool, next int, ok bool) {
	doc := z.doc
	j := i
	for j < len(doc) && isAlpha(doc[j]) {
		j++
	}
	if j >= len(doc) {
		return false, j, false
	}
	if c := doc[j]; (isSpace(c) || c == '/' || c == '>') && equalFoldASCII(doc[i:j], "script") {
		return true, j + 1, true
	}
	return false, j, true
}
