package weburl

import (
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// uts46 is the URL Standard's "domain to ASCII" with beStrict false:
// UseSTD3ASCIIRules, CheckHyphens, Transitional_Processing and VerifyDnsLength
// off, CheckBidi and CheckJoiners on.
var uts46 = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.CheckJoiners(true),
	idna.CheckHyphens(false),
	idna.StrictDomainName(false),
	idna.Transitional(false),
	idna.VerifyDNSLength(false),
)

// appendHost parses a host and appends its serialization. opaque is set for
// URLs that are not special, whose hosts are not domains.
//
// For special URLs it follows Chromium where Chromium is laxer than the URL
// Standard: the host is percent-decoded before looking for IPv6 brackets,
// a space is kept as %20 and '*' written as %2A instead of failing, ASCII
// hosts are only lower-cased (an invalid "xn--" label is kept), and a %XX
// that IDNA mapping produces (from a fullwidth ％) is decoded in turn.
func appendHost(dst []byte, host string, opaque bool) ([]byte, error) {
	if opaque {
		if strings.HasPrefix(host, "[") {
			return appendIPv6Host(dst, host)
		}
		for i := 0; i < len(host); i++ {
			if c := host[i]; c != '%' && forbiddenHost(c) {
				return nil, ErrInvalid
			}
		}
		return percentEncode(dst, host, &c0ControlSet), nil
	}
	decoded := strings.ToValidUTF8(percentDecode(host), "\uFFFD")
	if strings.HasPrefix(decoded, "[") {
		return appendIPv6Host(dst, decoded)
	}
	domain, err := domainToASCII(decoded)
	if err != nil {
		return nil, err
	}
	if strings.Contains(domain, "%") {
		if domain, err = domainToASCII(percentDecode(domain)); err != nil {
			return nil, err
		}
	}
	start := len(dst)
	for i := 0; i < len(domain); i++ {
		switch c := domain[i]; {
		case c == ' ':
			dst = append(dst, "%20"...)
		case c == '*':
			dst = append(dst, "%2A"...)
		case forbiddenHost(c) || c <= 0x1f || c == '%' || c == 0x7f:
			return nil, ErrInvalid
		default:
			dst = append(dst, c)
		}
	}
	if endsInNumber(domain) {
		v, ok := parseIPv4(domain)
		if !ok {
			return nil, ErrInvalid
		}
		return appendIPv4(dst[:start], v), nil
	}
	return dst, nil
}

// appendIPv6Host appends a bracketed IPv6 address.
func appendIPv6Host(dst []byte, host string) ([]byte, error) {
	if !strings.HasSuffix(host, "]") || len(host) < 2 {
		return nil, ErrInvalid
	}
	addr, ok := parseIPv6(host[1 : len(host)-1])
	if !ok {
		return nil, ErrInvalid
	}
	dst = append(dst, '[')
	dst = appendIPv6(dst, addr)
	return append(dst, ']'), nil
}

// forbiddenHost reports the URL Standard's forbidden host code points.
func forbiddenHost(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\r', ' ', '#', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '^', '|':
		return true
	}
	return false
}

// domainToASCII lower-cases an ASCII domain, which is all Chromium does to
// one (the standard would also check its punycode labels), and runs UTS #46
// ToASCII on anything else.
func domainToASCII(domain string) (string, error) {
	if isASCII(domain) {
		if domain == "" {
			return "", ErrInvalid
		}
		return asciiLower(domain), nil
	}
	ascii, err := uts46.ToASCII(domain)
	if err != nil || ascii == "" {
		return "", ErrInvalid
	}
	return ascii, nil
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// endsInNumber reports whether the last label of a domain is a number,
// which makes the whole host an IPv4 address (or invalid).
func endsInNumber(domain string) bool {
	last := domain
	if strings.HasSuffix(last, ".") && len(last) > 1 {
		last = last[:len(last)-1]
	}
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseIPv4 parses the URL Standard's IPv4 forms: 1 to 4 parts, each
// decimal, octal (leading 0) or hexadecimal (0x), the last filling the
// remaining bytes.
func parseIPv4(s string) (uint32, bool) {
	parts := strings.Split(s, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return 0, false
	}
	var nums [4]uint64
	for i, part := range parts {
		n, ok := parseIPv4Number(part)
		if !ok {
			return 0, false
		}
		nums[i] = n
	}
	last := len(parts) - 1
	var v uint64
	for i := range last {
		if nums[i] > 255 {
			return 0, false
		}
		v |= nums[i] << (8 * (3 - i))
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return 0, false
	}
	return uint32(v + nums[last]), true
}

// parseIPv4Number parses one part of an IPv4 address. Values too large for
// any address are reported as 1<<32 rather than as failures, as the standard
// distinguishes "not a number" from "out of range".
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && s[0] == '0' && s[1]|0x20 == 'x':
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s == "" {
		return 0, true
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d := uint64(0xff)
		switch c := s[i]; {
		case isASCIIDigit(c):
			d = uint64(c - '0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			d = uint64(c|0x20-'a') + 10
		}
		if d >= uint64(base) {
			return 0, false
		}
		if n <= 1<<32 {
			n = n*uint64(base) + d
		}
	}
	return min(n, 1<<32), true
}

func appendIPv4(dst []byte, v uint32) []byte {
	for i := 3; i >= 0; i-- {
		dst = strconv.AppendUint(dst, uint64(v>>(8*i)&0xff), 10)
		if i > 0 {
			dst = append(dst, '.')
		}
	}
	return dst
}

// parseIPv6 parses an address without its brackets, following the URL
// Standard's IPv6 parser (including an embedded IPv4 tail).
func parseIPv6(s string) ([8]uint16, bool) {
	var addr [8]uint16
	piece, compress := 0, -1
	i := 0
	if strings.HasPrefix(s, ":") {
		if !strings.HasPrefix(s, "::") {
			return addr, false
		}
		i, piece, compress = 2, 1, 1
	}
	for i < len(s) {
		if piece == 8 {
			return addr, false
		}
		if s[i] == ':' {
			if compress >= 0 {
				return addr, false
			}
			i++
			piece++
			compress = piece
			continue
		}
		value, length := 0, 0
		for length < 4 && i < len(s) && isASCIIHex(s[i]) {
			value = value*16 + int(unhex(s[i]))
			i++
			length++
		}
		if i < len(s) && s[i] == '.' {
			if length == 0 || piece > 6 {
				return addr, false
			}
			i -= length
			v4, ok := parseEmbeddedIPv4(s[i:])
			if !ok {
				return addr, false
			}
			addr[piece], addr[piece+1] = uint16(v4>>16), uint16(v4)
			piece += 2
			break // the IPv4 tail ends the address
		}
		if i < len(s) {
			if s[i] != ':' {
				return addr, false
			}
			i++
			if i == len(s) {
				return addr, false
			}
		}
		addr[piece] = uint16(value)
		piece++
	}
	switch {
	case compress >= 0:
		swaps := piece - compress
		for j := 7; j != 0 && swaps > 0; j, swaps = j-1, swaps-1 {
			addr[j], addr[compress+swaps-1] = addr[compress+swaps-1], addr[j]
		}
	case piece != 8:
		return addr, false
	}
	return addr, true
}

// parseEmbeddedIPv4 parses the dotted-decimal tail of an IPv6 address:
// exactly four decimal parts without leading zeros.
func parseEmbeddedIPv4(s string) (uint32, bool) {
	var v uint32
	parts := 0
	for i := 0; i < len(s); {
		if parts > 0 {
			if s[i] != '.' || parts == 4 {
				return 0, false
			}
			i++
		}
		if i == len(s) || !isASCIIDigit(s[i]) {
			return 0, false
		}
		n, start := 0, i
		for i < len(s) && isASCIIDigit(s[i]) {
			if i > start && s[start] == '0' {
				return 0, false
			}
			if n = n*10 + int(s[i]-'0'); n > 255 {
				return 0, false
			}
			i++
		}
		v = v<<8 | uint32(n)
		parts++
	}
	return v, parts == 4
}

// appendIPv6 serializes an address in lower-case hex, the first longest run
// of two or more zero pieces written as "::".
func appendIPv6(dst []byte, addr [8]uint16) []byte {
	best, bestLen := -1, 1
	for i := 0; i < 8; {
		if addr[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && addr[j] == 0 {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j
	}
	ignore0 := false
	for i := 0; i < 8; i++ {
		if ignore0 && addr[i] == 0 {
			continue
		}
		ignore0 = false
		if i == best {
			if i == 0 {
				dst = append(dst, ':')
			}
			dst = append(dst, ':')
			ignore0 = true
			continue
		}
		dst = strconv.AppendUint(dst, uint64(addr[i]), 16)
		if i != 7 {
			dst = append(dst, ':')
		}
	}
	return dst
}
