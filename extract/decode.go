package extract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// decode returns data as UTF-8: as it is when it is UTF-8 (less a byte
// order mark) or plain ASCII in an ASCII-compatible encoding, else
// converted into x.decoded.
func (x *extractor) decode(data []byte, enc encoding.Encoding, name string) ([]byte, error) {
	if name == "utf-8" {
		return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), nil
	}
	if cm, ok := enc.(*charmap.Charmap); ok {
		if isPlainASCII(data) {
			return data, nil // ASCII is itself in every single-byte encoding
		}
		x.decoded = decodeSingleByte(x.decoded[:0], data, cm)
		return x.decoded, nil
	}
	if name != "utf-16le" && name != "utf-16be" && name != "iso-2022-jp" && name != "replacement" && isPlainASCII(data) {
		return data, nil
	}
	x.decoded = x.decoded[:0]
	dec := enc.NewDecoder()
	src := data
	for {
		if len(x.decoded) == cap(x.decoded) {
			x.decoded = append(x.decoded, make([]byte, max(4096, len(src)+len(src)/2))...)[:len(x.decoded)]
		}
		nDst, nSrc, err := dec.Transform(x.decoded[len(x.decoded):cap(x.decoded)], src, true)
		x.decoded = x.decoded[:len(x.decoded)+nDst]
		src = src[nSrc:]
		switch {
		case err == nil:
			return x.decoded, nil
		case errors.Is(err, transform.ErrShortDst):
			x.decoded = append(x.decoded, make([]byte, len(src)+16)...)[:len(x.decoded)]
		default:
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
	}
}

// isPlainASCII reports whether b has only ASCII bytes other than ESC, which
// every ASCII-compatible encoding decodes to themselves.
func isPlainASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0x1b {
			return false
		}
	}
	return true
}

// byteTable is the UTF-8 encoding of each byte of a single-byte encoding
// above 0x7F; the bytes below are ASCII in all of them.
type byteTable [128]struct {
	b [4]byte
	n uint8
}

var byteTables sync.Map // *charmap.Charmap → *byteTable

// decodeSingleByte appends src, in a single-byte encoding such as
// windows-1252, to dst as UTF-8. ASCII runs are copied eight bytes at a
// time; x/text's decoder goes byte by byte, which made decoding a tenth of
// the time spent on windows-1252 pages.
func decodeSingleByte(dst, src []byte, cm *charmap.Charmap) []byte {
	t := tableFor(cm)
	dst = slices.Grow(dst, len(src)+len(src)/8)
	for len(src) > 0 {
		i := 0
		for i+8 <= len(src) && binary.LittleEndian.Uint64(src[i:])&0x8080808080808080 == 0 {
			i += 8
		}
		for i < len(src) && src[i] < utf8.RuneSelf {
			i++
		}
		dst = append(dst, src[:i]...)
		if i == len(src) {
			break
		}
		e := &t[src[i]-0x80]
		dst = append(dst, e.b[:e.n]...)
		src = src[i+1:]
	}
	return dst
}

func tableFor(cm *charmap.Charmap) *byteTable {
	if t, ok := byteTables.Load(cm); ok {
		return t.(*byteTable)
	}
	t := new(byteTable)
	for c := range 128 {
		e := &t[c]
		e.n = uint8(utf8.EncodeRune(e.b[:], cm.DecodeByte(byte(c+0x80))))
	}
	byteTables.Store(cm, t)
	return t
}
