package html5

//go:generate go run gen_entities.go

import (
	"bytes"
	"unicode/utf8"
)

// windows1252 is what numeric references 0x80 to 0x9F mean: the HTML
// standard reads them as windows-1252 bytes, as legacy pages intended.
var windows1252 = [32]rune{
	'\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
	'\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
	'\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
	'\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
}

// longestLegacyEntity is the length of the longest entity name that may
// appear without its semicolon.
const longestLegacyEntity = 6

// appendDecoded appends src to dst as the tokenizer delivers it: character
// references decoded, NUL as U+FFFD and CR LF or lone CR as LF. In an
// attribute value (attr), a named reference without its ';' followed by '='
// or an alphanumeric is left as written, as the standard says.
func appendDecoded(dst, src []byte, attr bool) []byte {
	for len(src) > 0 {
		i := bytes.IndexAny(src, "&\x00\r")
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		switch src[0] {
		case 0:
			dst = append(dst, "\uFFFD"...)
			src = src[1:]
		case '\r':
			dst = append(dst, '\n')
			src = src[1:]
			if len(src) > 0 && src[0] == '\n' {
				src = src[1:]
			}
		default:
			var n int
			dst, n = appendCharRef(dst, src, attr)
			src = src[n:]
		}
	}
	return dst
}

// appendCharRef decodes the character reference at the start of s, which
// begins with '&', and returns how many bytes it took. Text that is not a
// reference is appended as it is.
func appendCharRef(dst, s []byte, attr bool) ([]byte, int) {
	if len(s) > 1 && s[1] == '#' {
		return appendNumericRef(dst, s)
	}
	end := 1
	for end < len(s) && end <= 40 && isAlnum(s[end]) {
		end++
	}
	name := s[1:end]
	if end < len(s) && s[end] == ';' {
		if v, ok := entities[string(s[1:end+1])]; ok {
			return append(dst, v...), end + 1
		}
	}
	for j := min(len(name), longestLegacyEntity); j >= 2; j-- {
		v, ok := entities[string(name[:j])]
		if !ok {
			continue
		}
		if attr && 1+j < len(s) && (s[1+j] == '=' || isAlnum(s[1+j])) {
			break // left alone in attributes: "?a=1&copy=2"
		}
		return append(dst, v...), 1 + j
	}
	return append(dst, '&'), 1
}

func appendNumericRef(dst, s []byte) ([]byte, int) {
	i, base := 2, 10
	if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
		i, base = 3, 16
	}
	start := i
	x := 0
	for ; i < len(s); i++ {
		d := digitValue(s[i], base)
		if d < 0 {
			break
		}
		if x <= utf8.MaxRune {
			x = x*base + d
		}
	}
	if i == start {
		return append(dst, '&'), 1 // "&#" without digits is text
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	r := rune(x)
	switch {
	case x == 0 || x > utf8.MaxRune || (x >= 0xD800 && x <= 0xDFFF):
		r = utf8.RuneError
	case x >= 0x80 && x <= 0x9F:
		r = windows1252[x-0x80]
	}
	return utf8.AppendRune(dst, r), i
}

func digitValue(c byte, base int) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case base == 16 && c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return -1
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}
