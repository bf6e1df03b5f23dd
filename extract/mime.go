package extract

import "strings"

// contentType is a Content-Type header as a browser reads it: the WHATWG
// Fetch standard's "extract a MIME type" over MIME Sniffing's "parse a
// MIME type". Unlike mime.ParseMediaType, which fails on the whole header
// at the first malformed parameter (and so loses a good charset), it skips
// what it cannot read, takes the first of two charset parameters, reads an
// unterminated quoted value, and of comma-separated types keeps the last
// one it can parse, with the charset of an earlier one of the same type.
type contentType struct {
	essence string // "text/html", lower case; "" when nothing parsed
	charset string // the charset parameter, "" when none
}

// parseContentType reads a Content-Type header value.
func parseContentType(header string) contentType {
	var ct contentType
	for _, value := range splitHeaderValues(header) {
		essence, charset, ok := parseMIMEType(value)
		if !ok || essence == "*/*" {
			continue
		}
		if essence != ct.essence {
			ct = contentType{essence: essence, charset: charset}
		} else if charset != "" {
			ct.charset = charset
		}
	}
	return ct
}

// IsHTML reports whether a Content-Type names an HTML document
// (text/html or application/xhtml+xml), reading it as browsers do.
func IsHTML(header string) bool {
	e := parseContentType(header).essence
	return e == "text/html" || e == "application/xhtml+xml"
}

// splitHeaderValues splits a header on the commas outside quoted strings,
// trimming tabs and spaces, as Fetch's "getting, decoding, and splitting".
func splitHeaderValues(s string) []string {
	var values []string
	var v strings.Builder
	for i := 0; ; {
		j := strings.IndexAny(s[i:], "\",")
		if j < 0 {
			v.WriteString(s[i:])
			values = append(values, strings.Trim(v.String(), " \t"))
			return values
		}
		v.WriteString(s[i : i+j])
		i += j
		if s[i] == '"' {
			q, n := quotedString(s[i:], false)
			v.WriteString(q)
			i += n
			if i < len(s) {
				continue
			}
		} else {
			i++ // the comma
		}
		values = append(values, strings.Trim(v.String(), " \t"))
		v.Reset()
		if i >= len(s) {
			return values
		}
	}
}

// parseMIMEType is MIME Sniffing's "parse a MIME type", keeping only the
// essence and the charset parameter.
func parseMIMEType(s string) (essence, charset string, ok bool) {
	s = strings.Trim(s, httpSpace)
	typ, rest, found := strings.Cut(s, "/")
	if !isToken(typ) || !found {
		return "", "", false
	}
	sub, params, _ := strings.Cut(rest, ";")
	sub = strings.TrimRight(sub, httpSpace)
	if !isToken(sub) {
		return "", "", false
	}
	essence = strings.ToLower(typ + "/" + sub)
	for i, hasCharset := 0, false; i < len(params); {
		i += len(params[i:]) - len(strings.TrimLeft(params[i:], httpSpace))
		end := strings.IndexAny(params[i:], ";=")
		if end < 0 {
			break // a name with no value ends the parameters
		}
		name := strings.ToLower(params[i : i+end])
		i += end
		if params[i] == ';' {
			i++
			continue
		}
		i++ // the '='
		var value string
		if i < len(params) && params[i] == '"' {
			q, n := quotedString(params[i:], true)
			value = q
			i += n
			if k := strings.IndexByte(params[i:], ';'); k >= 0 {
				i += k + 1
			} else {
				i = len(params)
			}
		} else {
			k := strings.IndexByte(params[i:], ';')
			if k < 0 {
				k = len(params) - i
			}
			value = strings.TrimRight(params[i:i+k], httpSpace)
			i += k + 1
			if value == "" {
				continue
			}
		}
		if name == "charset" && !hasCharset && isQuotedStringText(value) {
			charset, hasCharset = value, true
		}
	}
	return essence, charset, true
}

// quotedString reads the HTTP quoted string s starts with (s[0] is '"'),
// an unterminated one included, and returns it (its value with the quotes
// and escapes removed when extract, else as written) and its length in s.
func quotedString(s string, extract bool) (string, int) {
	var v strings.Builder
	i := 1
	for i < len(s) {
		j := strings.IndexAny(s[i:], "\"\\")
		if j < 0 {
			v.WriteString(s[i:])
			i = len(s)
			break
		}
		v.WriteString(s[i : i+j])
		i += j
		c := s[i]
		i++
		if c == '"' {
			break
		}
		if i >= len(s) {
			v.WriteByte('\\')
			break
		}
		v.WriteByte(s[i])
		i++
	}
	if !extract {
		return s[:i], i
	}
	return v.String(), i
}

const httpSpace = " \t\r\n"

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// isQuotedStringText reports whether s holds only what an HTTP quoted
// string may: tab, printable ASCII and bytes 0x80 to 0xFF.
func isQuotedStringText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\t' && (c < 0x20 || c == 0x7f) {
			return false
		}
	}
	return true
}
