package weburl

import "unicode/utf8"

// percentSet says which ASCII bytes a component percent-encodes; every byte
// above 0x7E is always encoded.
type percentSet [128]bool

func newSet(base *percentSet, extra string) percentSet {
	var s percentSet
	if base != nil {
		s = *base
	}
	for i := 0; i < len(extra); i++ {
		s[extra[i]] = true
	}
	return s
}

var (
	// c0ControlSet is the C0 control percent-encode set (plus DEL, which is
	// above U+007E).
	c0ControlSet = func() percentSet {
		var s percentSet
		for c := 0; c < 0x20; c++ {
			s[c] = true
		}
		s[0x7f] = true
		return s
	}()
	fragmentSet     = newSet(&c0ControlSet, " \"<>`")
	standardQuery   = newSet(&c0ControlSet, " \"#<>")
	specialQuerySet = newSet(&standardQuery, "'")
	// Where Chromium encodes more than the URL Standard, these sets follow
	// Chromium, since crawl reports what the browser reports: the
	// apostrophe in every query (mailto:?subject=it%27s) and in userinfo,
	// '^' and '|' in paths.
	querySet    = specialQuerySet
	pathSet     = newSet(&standardQuery, "?`{}^|")
	userinfoSet = newSet(&pathSet, "/:;=@[\\]'")
)

const upperHex = "0123456789ABCDEF"

// percentEncode appends s to dst, percent-encoding the bytes of set and, as
// UTF-8, every non-ASCII character; invalid UTF-8 is encoded as U+FFFD.
func percentEncode(dst []byte, s string, set *percentSet) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if set[c] {
				dst = append(dst, s[start:i]...)
				dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
				start = i + 1
			}
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "%EF%BF%BD"...)
		} else {
			for j := i; j < i+size; j++ {
				dst = append(dst, '%', upperHex[s[j]>>4], upperHex[s[j]&15])
			}
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// percentEncodeInPlace percent-encodes buf[start:], bytes that are already
// in the target encoding, growing buf as needed.
func percentEncodeInPlace(buf []byte, start int, set *percentSet) []byte {
	n := 0
	for _, c := range buf[start:] {
		if c >= utf8.RuneSelf || set[c] {
			n++
		}
	}
	if n == 0 {
		return buf
	}
	end := len(buf)
	buf = append(buf, make([]byte, 2*n)...)
	w := len(buf)
	for r := end - 1; r >= start; r-- {
		c := buf[r]
		if c >= utf8.RuneSelf || set[c] {
			w -= 3
			buf[w], buf[w+1], buf[w+2] = '%', upperHex[c>>4], upperHex[c&15]
		} else {
			w--
			buf[w] = c
		}
	}
	return buf
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// percentDecode decodes %XX escapes; a '%' not followed by two hex digits
// stays as it is.
func percentDecode(s string) string {
	i := 0
	for i < len(s) && s[i] != '%' {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isASCIIHex(s[i+1]) && isASCIIHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// AppendNormalEscapes appends s with its percent-escapes normalized as RFC
// 3986 section 6.2.2 allows: those of unreserved characters (letters,
// digits, "-", ".", "_", "~") decoded, the others upper-cased. A "%" that
// starts no escape is kept. Crawlers use it to tell two spellings of one
// URL apart from two URLs.
func AppendNormalEscapes(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' || i+2 >= len(s) || !isASCIIHex(s[i+1]) || !isASCIIHex(s[i+2]) {
			b = append(b, c)
			continue
		}
		if v := unhex(s[i+1])<<4 | unhex(s[i+2]); isUnreserved(v) {
			b = append(b, v)
		} else {
			b = append(b, '%', toUpperHex(s[i+1]), toUpperHex(s[i+2]))
		}
		i += 2
	}
	return b
}

func toUpperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
