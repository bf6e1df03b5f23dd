package weburl

import (
	"strings"
)

// parser builds one URL's serialization in buf, recording where each
// component starts, following the states of the URL Standard's basic URL
// parser.
type parser struct {
	buf     []byte
	special bool
	scheme  string
	enc     QueryEncoder

	hasHost      bool
	fileRelative bool // a file: path resolved against its base
	// lenient writes a special URL's host or port that does not parse as
	// Chromium's canonicalizer writes it anyway (see Resolver.Echo).
	lenient                                  bool
	userStart, userEnd, passStart, passEnd   int
	hostStart, hostEnd, portStart, portEnd   int
	pathStart, queryStart, fragStart, opaque int
}

func (p *parser) reset(enc QueryEncoder) {
	*p = parser{buf: p.buf[:0], enc: enc, queryStart: -1, fragStart: -1, opaque: -1, lenient: p.lenient}
}

func (p *parser) parse(base *URL, input string, enc QueryEncoder) (URL, error) {
	p.reset(enc)
	input = removeTabNewline(trimControlAndSpace(input))
	if scheme, rest, ok := splitScheme(input); ok {
		return p.withScheme(base, scheme, rest)
	}
	switch {
	case base == nil:
		return URL{}, ErrInvalid
	case base.Opaque:
		if !strings.HasPrefix(input, "#") {
			return URL{}, ErrInvalid
		}
		p.setScheme(base.Scheme)
		p.opaque = len(p.buf)
		p.buf = append(p.buf, base.Path...)
		p.copyQuery(base)
		return p.fragment(input[1:])
	case base.Scheme == "file":
		p.setScheme("file")
		return p.file(base, input)
	}
	p.setScheme(base.Scheme)
	return p.relative(base, input)
}

// splitScheme splits "scheme:rest" when input starts with a valid scheme.
func splitScheme(input string) (scheme, rest string, ok bool) {
	if input == "" || !isASCIIAlpha(input[0]) {
		return "", "", false
	}
	for i := 1; i < len(input); i++ {
		switch c := input[i]; {
		case c == ':':
			return input[:i], input[i+1:], true
		case isASCIIAlpha(c) || isASCIIDigit(c) || c == '+' || c == '-' || c == '.':
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// setScheme writes the lower-cased scheme and its colon.
func (p *parser) setScheme(scheme string) {
	start := len(p.buf)
	lower := true
	for i := 0; i < len(scheme); i++ {
		c := scheme[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
			lower = false
		}
		p.buf = append(p.buf, c)
	}
	switch {
	case lower:
		p.scheme = scheme
	default:
		p.scheme = knownScheme(p.buf[start:])
	}
	_, p.special = defaultPort(p.scheme)
	p.buf = append(p.buf, ':')
}

// knownScheme returns the scheme as a string, without allocating for the
// common ones.
func knownScheme(b []byte) string {
	for _, k := range [...]string{"http", "https", "mailto", "javascript", "tel", "data", "ftp", "file", "ws", "wss"} {
		if string(b) == k {
			return k
		}
	}
	return string(b)
}

func (p *parser) withScheme(base *URL, scheme, rest string) (URL, error) {
	p.setScheme(scheme)
	switch {
	case p.scheme == "file":
		if base != nil && base.Scheme != "file" {
			base = nil
		}
		return p.file(base, rest)
	case p.special:
		if base != nil && base.Scheme == p.scheme && !strings.HasPrefix(rest, "//") {
			return p.relative(base, rest) // "http:foo" is relative to an http base
		}
		return p.authority(skipSlashes(rest, true))
	case strings.HasPrefix(rest, "//"):
		return p.authority(rest[2:])
	case strings.HasPrefix(rest, "/"):
		p.pathStart = len(p.buf)
		return p.path(rest[1:])
	}
	p.opaque = len(p.buf)
	return p.opaquePath(rest)
}

// skipSlashes drops leading slashes, and backslashes too for special URLs.
func skipSlashes(s string, special bool) string {
	i := 0
	for i < len(s) && (s[i] == '/' || (special && s[i] == '\\')) {
		i++
	}
	return s[i:]
}

func (p *parser) isSlash(c byte) bool { return c == '/' || (p.special && c == '\\') }

// relative resolves input, which has no scheme, against base.
func (p *parser) relative(base *URL, input string) (URL, error) {
	if input != "" && p.isSlash(input[0]) {
		rest := input[1:]
		switch {
		case p.special && rest != "" && p.isSlash(rest[0]):
			return p.authority(skipSlashes(rest, true))
		case !p.special && strings.HasPrefix(rest, "/"):
			return p.authority(rest[1:])
		}
		p.copyAuthority(base)
		p.pathStart = len(p.buf)
		return p.path(rest)
	}
	p.copyAuthority(base)
	return p.relativePath(base, input)
}

// relativePath resolves input, which starts neither with an authority nor
// with a slash, against base's path: an empty input is base without its
// fragment, "?q" and "#f" replace those, and anything else is a path in
// base's directory.
func (p *parser) relativePath(base *URL, input string) (URL, error) {
	p.pathStart = len(p.buf)
	p.buf = append(p.buf, base.Path...)
	switch {
	case input == "":
		p.copyQuery(base)
		return p.finish()
	case input[0] == '?':
		return p.query(input[1:])
	case input[0] == '#':
		p.copyQuery(base)
		return p.fragment(input[1:])
	}
	p.shortenPath()
	return p.path(input)
}

func (p *parser) copyAuthority(base *URL) {
	if !base.HasHost {
		return
	}
	p.hasHost = true
	p.buf = append(p.buf, '/', '/')
	if base.Username != "" || base.Password != "" {
		p.userStart, p.userEnd = p.put(base.Username)
		if base.Password != "" {
			p.buf = append(p.buf, ':')
			p.passStart, p.passEnd = p.put(base.Password)
		}
		p.buf = append(p.buf, '@')
	}
	p.hostStart, p.hostEnd = p.put(base.Host)
	if base.Port != "" {
		p.buf = append(p.buf, ':')
		p.portStart, p.portEnd = p.put(base.Port)
	}
}

// put appends s and returns where it starts and ends.
func (p *parser) put(s string) (start, end int) {
	start = len(p.buf)
	p.buf = append(p.buf, s...)
	return start, len(p.buf)
}

func (p *parser) copyQuery(base *URL) {
	if base.HasQuery {
		p.buf = append(p.buf, '?')
		p.queryStart = len(p.buf)
		p.buf = append(p.buf, base.Query...)
	}
}

// authority parses [userinfo@]host[:port] and what follows it.
func (p *parser) authority(input string) (URL, error) {
	end := len(input)
	for i := 0; i < len(input); i++ {
		if c := input[i]; c == '?' || c == '#' || p.isSlash(c) {
			end = i
			break
		}
	}
	auth, rest := input[:end], input[end:]
	p.hasHost = true
	p.buf = append(p.buf, '/', '/')
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		user, pass, hasPass := strings.Cut(auth[:at], ":")
		auth = auth[at+1:]
		if auth == "" {
			return URL{}, ErrInvalid
		}
		if user != "" || pass != "" {
			p.userStart = len(p.buf)
			p.buf = percentEncode(p.buf, user, &userinfoSet)
			p.userEnd = len(p.buf)
			if hasPass && pass != "" {
				p.buf = append(p.buf, ':')
				p.passStart = len(p.buf)
				p.buf = percentEncode(p.buf, pass, &userinfoSet)
				p.passEnd = len(p.buf)
			}
			p.buf = append(p.buf, '@')
		}
	}
	host, port, hasPort := splitHostPort(auth)
	if host == "" && (hasPort || p.special) {
		return URL{}, ErrInvalid
	}
	p.hostStart = len(p.buf)
	buf, err := appendHost(p.buf, host, !p.special)
	switch {
	case err == nil:
		p.buf = buf
	case p.lenient && p.special:
		p.buf = appendEchoHost(p.buf, host)
	default:
		return URL{}, err
	}
	p.hostEnd = len(p.buf)
	if hasPort {
		if err := p.port(port); err != nil && p.lenient && p.special {
			p.buf = append(append(p.buf, ':'), port...)
		} else if err != nil {
			return URL{}, err
		}
	}
	return p.pathStart_(rest)
}

// splitHostPort splits at the first ':' outside IPv6 brackets (an opening
// one may be written %5B, which Chromium decodes).
func splitHostPort(s string) (host, port string, hasPort bool) {
	inBrackets := len(s) >= 3 && s[0] == '%' && s[1] == '5' && s[2]|0x20 == 'b'
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			inBrackets = true
		case ']':
			inBrackets = false
		case ':':
			if !inBrackets {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}

// port writes a port, or nothing for an empty or default one.
func (p *parser) port(s string) error {
	if s == "" {
		return nil
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return ErrInvalid
		}
		if n = n*10 + int(s[i]-'0'); n > 65535 {
			return ErrInvalid
		}
	}
	var digits [5]byte
	i := len(digits)
	for v := n; ; v /= 10 {
		i--
		digits[i] = byte('0' + v%10)
		if v < 10 {
			break
		}
	}
	if def, _ := defaultPort(p.scheme); def == string(digits[i:]) {
		return nil
	}
	p.buf = append(p.buf, ':')
	p.portStart = len(p.buf)
	p.buf = append(p.buf, digits[i:]...)
	p.portEnd = len(p.buf)
	return nil
}

// pathStart_ is the path start state: a special URL always has a path, and
// one leading slash belongs to it.
func (p *parser) pathStart_(input string) (URL, error) {
	p.pathStart = len(p.buf)
	switch {
	case p.special:
		if input != "" && p.isSlash(input[0]) {
			input = input[1:]
		}
		return p.path(input)
	case input == "":
		return p.finish()
	case input[0] == '?':
		return p.query(input[1:])
	case input[0] == '#':
		return p.fragment(input[1:])
	case input[0] == '/':
		input = input[1:]
	}
	return p.path(input)
}

// path appends the segments of input, which starts just after a slash,
// resolving dot segments, then parses the query and fragment.
func (p *parser) path(input string) (URL, error) {
	for {
		end := len(input)
		for i := 0; i < len(input); i++ {
			if c := input[i]; c == '?' || c == '#' || p.isSlash(c) {
				end = i
				break
			}
		}
		seg := input[:end]
		slash := end < len(input) && p.isSlash(input[end])
		switch {
		case isDoubleDot(seg):
			p.shortenPath()
			if !slash {
				p.buf = append(p.buf, '/')
			}
		case isSingleDot(seg):
			if !slash {
				p.buf = append(p.buf, '/')
			}
		default:
			p.buf = append(p.buf, '/')
			p.buf = percentEncode(p.buf, seg, &pathSet)
		}
		if !slash {
			input = input[end:]
			break
		}
		input = input[end+1:]
	}
	switch {
	case input == "":
		return p.finish()
	case input[0] == '?':
		return p.query(input[1:])
	}
	return p.fragment(input[1:])
}

func isSingleDot(s string) bool {
	return s == "." || (len(s) == 3 && s[0] == '%' && s[1] == '2' && s[2]|0x20 == 'e')
}

func isDoubleDot(s string) bool {
	switch len(s) {
	case 2:
		return s == ".."
	case 4:
		return (s[0] == '.' && isSingleDot(s[1:])) || (s[3] == '.' && isSingleDot(s[:3]))
	case 6:
		return isSingleDot(s[:3]) && isSingleDot(s[3:])
	}
	return false
}

// shortenPath removes the last path segment.
func (p *parser) shortenPath() {
	path := p.buf[p.pathStart:]
	i := len(path) - 1
	for i >= 0 && path[i] != '/' {
		i--
	}
	if i >= 0 {
		p.buf = p.buf[:p.pathStart+i]
	}
}

// opaquePath parses the path of a URL such as mailto:x or javascript:x.
func (p *parser) opaquePath(input string) (URL, error) {
	end := 0
	for end < len(input) && input[end] != '?' && input[end] != '#' {
		end++
	}
	p.buf = percentEncode(p.buf, input[:end], &c0ControlSet)
	input = input[end:]
	switch {
	case input == "":
		return p.finish()
	case input[0] == '?':
		return p.query(input[1:])
	}
	return p.fragment(input[1:])
}

// query percent-encodes the query, in the document's encoding for special
// URLs other than ws(s), and parses the fragment after it.
func (p *parser) query(input string) (URL, error) {
	q, frag, hasFrag := strings.Cut(input, "#")
	p.buf = append(p.buf, '?')
	p.queryStart = len(p.buf)
	set := &querySet
	if p.special {
		set = &specialQuerySet
	}
	if p.enc != nil && p.special && p.scheme != "ws" && p.scheme != "wss" && !isASCII(q) {
		start := len(p.buf)
		p.buf = p.enc(p.buf, q)
		p.buf = percentEncodeInPlace(p.buf, start, set)
	} else {
		p.buf = percentEncode(p.buf, q, set)
	}
	if !hasFrag {
		return p.finish()
	}
	return p.fragment(frag)
}

func (p *parser) fragment(input string) (URL, error) {
	p.buf = append(p.buf, '#')
	p.fragStart = len(p.buf)
	p.buf = percentEncode(p.buf, input, &fragmentSet)
	return p.finish()
}

// finish makes the string and slices the components out of it.
func (p *parser) finish() (URL, error) {
	if p.opaque < 0 && (!p.hasHost || p.fileRelative) && p.pathStart+1 < len(p.buf) &&
		p.buf[p.pathStart] == '/' && p.buf[p.pathStart+1] == '/' {
		// A path that starts with an empty segment and no host would read as
		// an authority: the standard serializes it behind "/.". Chromium
		// does the same for a file: path resolved against its base.
		p.buf = append(p.buf[:p.pathStart+2], p.buf[p.pathStart:]...)
		p.buf[p.pathStart], p.buf[p.pathStart+1] = '/', '.'
		p.pathStart += 2
		p.queryStart, p.fragStart = shift(p.queryStart, 2), shift(p.fragStart, 2)
	}
	href := string(p.buf)
	u := URL{Href: href, Scheme: p.scheme, HasHost: p.hasHost, HasQuery: p.queryStart >= 0, HasFrag: p.fragStart >= 0}
	u.Username = href[p.userStart:p.userEnd]
	u.Password = href[p.passStart:p.passEnd]
	u.Host = href[p.hostStart:p.hostEnd]
	u.Port = href[p.portStart:p.portEnd]
	pathStart, pathEnd := p.pathStart, len(href)
	if p.opaque >= 0 {
		u.Opaque, pathStart = true, p.opaque
	}
	if p.queryStart >= 0 {
		pathEnd = p.queryStart - 1
		qEnd := len(href)
		if p.fragStart >= 0 {
			qEnd = p.fragStart - 1
		}
		u.Query = href[p.queryStart:qEnd]
	} else if p.fragStart >= 0 {
		pathEnd = p.fragStart - 1
	}
	if p.fragStart >= 0 {
		u.Fragment = href[p.fragStart:]
	}
	u.Path = href[pathStart:pathEnd]
	if u.Opaque || !p.hasHost || p.fileRelative {
		u.Path = strings.TrimPrefix(u.Path, "/.")
	}
	return u, nil
}

func shift(i, by int) int {
	if i < 0 {
		return i
	}
	return i + by
}

// appendEchoHost appends a host that does not parse as Chromium's
// canonicalizer writes it in the URL it still returns: letters in lower
// case, a '%' that starts no escape as %25, spaces, controls and bytes
// outside ASCII percent-encoded, the rest as it is ("[bad", "%25zz").
func appendEchoHost(dst []byte, host string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c == '%' && (i+2 >= len(host) || !isASCIIHex(host[i+1]) || !isASCIIHex(host[i+2])):
			dst = append(dst, "%25"...)
		case c <= ' ' || c >= 0x7f:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
