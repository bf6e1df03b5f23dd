// Package weburl parses URLs the way a browser does, following the WHATWG URL
// Standard (https://url.spec.whatwg.org/) as Chromium implements it, so that a
// link resolves to exactly the string a browser's a.href reads.
//
// It exists because net/url follows RFC 3986 (different escaping, no IDNA, no
// dot-segment or backslash handling), and because the WHATWG parsers
// available for Go allocate per code point and cannot percent-encode a query
// in a multi-byte legacy encoding such as EUC-KR. Parsing a relative link
// here costs one allocation: the resulting string.
package weburl

import (
	"errors"
	"strings"
)

// URL is a parsed URL. Its fields are substrings of Href.
type URL struct {
	// Href is the serialized URL, as a.href and URL.href read it.
	Href string

	Scheme   string // without the ':'
	Username string
	Password string
	// Host is the serialized host: a lower-case ASCII domain, a dotted IPv4
	// address, a bracketed IPv6 address, or an opaque host. HasHost tells an
	// empty host (file:///x) from none (mailto:x).
	Host    string
	HasHost bool
	Port    string // "" for none and for the scheme's default port
	// Path is the serialized path: "/"-separated segments, or an opaque path
	// when Opaque is set (mailto:, javascript:, data:).
	Path     string
	Opaque   bool
	Query    string // without the '?'; HasQuery tells "?" from nothing
	HasQuery bool
	Fragment string // without the '#'
	HasFrag  bool
}

// ErrInvalid is returned for input that is not a URL (a browser's URL
// constructor throws on it and a.href echoes the attribute unresolved).
var ErrInvalid = errors.New("invalid URL")

// QueryEncoder encodes a query into the bytes to percent-encode: the
// document's character encoding, which the URL Standard uses for the query of
// a special URL. It appends to dst; characters the encoding lacks are written
// as HTML numeric character references (&#NNNN;). A nil QueryEncoder means
// UTF-8.
type QueryEncoder func(dst []byte, query string) []byte

// Parse parses input as an absolute URL.
func Parse(input string) (URL, error) {
	return Resolve(nil, input, nil)
}

// Resolve parses input against base (nil for none), as new URL(input, base)
// does. enc is the document's encoding for the query, nil for UTF-8.
func Resolve(base *URL, input string, enc QueryEncoder) (URL, error) {
	var p parser
	return p.parse(base, input, enc)
}

// defaultPort returns the default port of a special scheme, and whether the
// scheme is special at all.
func defaultPort(scheme string) (port string, special bool) {
	switch scheme {
	case "http", "ws":
		return "80", true
	case "https", "wss":
		return "443", true
	case "ftp":
		return "21", true
	case "file":
		return "", true
	}
	return "", false
}

// IsSpecial reports whether u has one of the URL Standard's special schemes
// (http, https, ws, wss, ftp, file).
func (u *URL) IsSpecial() bool {
	_, special := defaultPort(u.Scheme)
	return special
}

// Hostname returns the host for dialing: the IPv6 brackets removed.
func (u *URL) Hostname() string {
	return strings.TrimSuffix(strings.TrimPrefix(u.Host, "["), "]")
}

// String returns u.Href.
func (u URL) String() string { return u.Href }

// trimControlAndSpace removes leading and trailing C0 controls and spaces.
func trimControlAndSpace(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

// removeTabNewline removes every tab, line feed and carriage return; the
// common case, none, allocates nothing.
func removeTabNewline(s string) string {
	i := 0
	for i < len(s) && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s))
	copy(b, s)
	for ; i < len(s); i++ {
		if c := s[i]; c != '\t' && c != '\n' && c != '\r' {
			b = append(b, c)
		}
	}
	return string(b)
}

func isASCIIAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }
func isASCIIHex(c byte) bool {
	return isASCIIDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// Resolver resolves many links against one base URL, reusing its buffer, so
// that each call allocates only the resulting string. It is not safe for
// concurrent use.
type Resolver struct {
	base   URL
	noBase bool // only absolute URLs resolve
	enc    QueryEncoder
	p      parser
}

// NewResolver returns a Resolver for links in a document whose base URL is
// base and whose query encoding is enc (nil for UTF-8).
func NewResolver(base URL, enc QueryEncoder) *Resolver {
	return &Resolver{base: base, enc: enc}
}

// NewAbsoluteResolver returns a Resolver without a base: only absolute
// URLs resolve, as in a document whose base URL failed to parse.
func NewAbsoluteResolver(enc QueryEncoder) *Resolver {
	return &Resolver{enc: enc, noBase: true}
}

// Echo returns what a URL-valued DOM property (a button's .formAction, a
// form's .action) reads for input: the URL resolved, and where its host or
// port does not parse, the string Chromium's canonicalizer still writes
// ("http://[bad" reads "http://[bad/", "http://%zz/" "http://%25zz/");
// input itself when it is no URL at all.
func (r *Resolver) Echo(input string) string {
	r.p.lenient = true
	defer func() { r.p.lenient = false }()
	if u, err := r.Resolve(input); err == nil {
		return u.Href
	}
	return input
}

// Resolve parses input against the resolver's base.
func (r *Resolver) Resolve(input string) (URL, error) {
	if r.noBase {
		return r.p.parse(nil, input, r.enc)
	}
	return r.p.parse(&r.base, input, r.enc)
}
