package html5

import (
	"bytes"
	"strings"
)

// doctype is a parsed DOCTYPE token.
type doctype struct {
	name, public, system string
	hasPublic, hasSystem bool
	forceQuirks          bool
}

// parseDoctype parses what follows "<!DOCTYPE" up to the '>', following
// the standard's DOCTYPE states; eof says the document ended before a '>'.
func parseDoctype(b []byte, eof bool) doctype {
	var d doctype
	b = trimSpace(b)
	if len(b) == 0 {
		d.forceQuirks = true // a missing name
		return d
	}
	i := 0
	for i < len(b) && !isSpace(b[i]) {
		i++
	}
	d.name = string(bytes.ReplaceAll(bytes.ToLower(b[:i]), []byte{0}, []byte("\uFFFD")))
	rest := trimSpace(b[i:])
	if len(rest) == 0 {
		d.forceQuirks = eof
		return d
	}
	if len(rest) < 6 {
		d.forceQuirks = true
		return d
	}
	keyword := string(bytes.ToLower(rest[:6]))
	rest = rest[6:]
	var started, closed bool
	switch keyword {
	case "public":
		d.public, rest, started, closed = quotedID(rest)
		d.hasPublic = started
		if !closed {
			d.forceQuirks = true
			return d
		}
		if rest = trimSpace(rest); len(rest) == 0 {
			d.forceQuirks = eof
			return d
		}
	case "system":
	default:
		d.forceQuirks = true
		return d
	}
	// A system identifier: after SYSTEM, or after a public one.
	d.system, rest, started, closed = quotedID(rest)
	d.hasSystem = started
	if !closed {
		d.forceQuirks = true
		return d
	}
	// Anything after the system identifier is ignored, without quirks.
	d.forceQuirks = eof && len(trimSpace(rest)) == 0
	return d
}

// quotedID reads optional spaces and a quoted identifier. It reports
// whether there was an opening quote and a closing one; a missing one (no
// identifier, or a '>' that ended the token inside the quotes) forces
// quirks mode.
func quotedID(b []byte) (id string, rest []byte, started, closed bool) {
	b = trimSpace(b)
	if len(b) == 0 || (b[0] != '"' && b[0] != '\'') {
		return "", b, false, false
	}
	q := b[0]
	end := bytes.IndexByte(b[1:], q)
	if end < 0 {
		return string(bytes.ReplaceAll(b[1:], []byte{0}, []byte("\uFFFD"))), nil, true, false
	}
	return string(bytes.ReplaceAll(b[1:1+end], []byte{0}, []byte("\uFFFD"))), b[2+end:], true, true
}

func trimSpace(b []byte) []byte { return bytes.TrimLeft(b, " \t\n\f\r") }

// quirks reports whether a document with this DOCTYPE is rendered in quirks
// mode, which changes how a <table> start tag closes an open <p>.
func (d doctype) quirks() bool {
	if d.forceQuirks || d.name != "html" {
		return true
	}
	public, system := strings.ToLower(d.public), strings.ToLower(d.system)
	if d.hasPublic {
		switch public {
		case "-//w3o//dtd w3 html strict 3.0//en//", "-/w3c/dtd html 4.0 transitional/en", "html":
			return true
		}
		for _, q := range quirkyIDs {
			if strings.HasPrefix(public, q) {
				return true
			}
		}
		if !d.hasSystem && (strings.HasPrefix(public, "-//w3c//dtd html 4.01 frameset//") ||
			strings.HasPrefix(public, "-//w3c//dtd html 4.01 transitional//")) {
			return true
		}
	}
	return d.hasSystem && system == "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd"
}

// quirkyIDs are the public identifier prefixes that select quirks mode,
// lower-cased (from the HTML Standard, as listed in golang.org/x/net/html).
var quirkyIDs = []string{
	"+//silmaril//dtd html pro v0r11 19970101//",
	"-//advasoft ltd//dtd html 3.0 aswedit + extensions//",
	"-//as//dtd html 3.0 aswedit + extensions//",
	"-//ietf//dtd html 2.0 level 1//",
	"-//ietf//dtd html 2.0 level 2//",
	"-//ietf//dtd html 2.0 strict level 1//",
	"-//ietf//dtd html 2.0 strict level 2//",
	"-//ietf//dtd html 2.0 strict//",
	"-//ietf//dtd html 2.0//",
	"-//ietf//dtd html 2.1e//",
	"-//ietf//dtd html 3.0//",
	"-//ietf//dtd html 3.2 final//",
	"-//ietf//dtd html 3.2//",
	"-//ietf//dtd html 3//",
	"-//ietf//dtd html level 0//",
	"-//ietf//dtd html level 1//",
	"-//ietf//dtd html level 2//",
	"-//ietf//dtd html level 3//",
	"-//ietf//dtd html strict level 0//",
	"-//ietf//dtd html strict level 1//",
	"-//ietf//dtd html strict level 2//",
	"-//ietf//dtd html strict level 3//",
	"-//ietf//dtd html strict//",
	"-//ietf//dtd html//",
	"-//metrius//dtd metrius presentational//",
	"-//microsoft//dtd internet explorer 2.0 html strict//",
	"-//microsoft//dtd internet explorer 2.0 html//",
	"-//microsoft//dtd internet explorer 2.0 tables//",
	"-//microsoft//dtd internet explorer 3.0 html strict//",
	"-//microsoft//dtd internet explorer 3.0 html//",
	"-//microsoft//dtd internet explorer 3.0 tables//",
	"-//netscape comm. corp.//dtd html//",
	"-//netscape comm. corp.//dtd strict html//",
	"-//o'reilly and associates//dtd html 2.0//",
	"-//o'reilly and associates//dtd html extended 1.0//",
	"-//o'reilly and associates//dtd html extended relaxed 1.0//",
	"-//softquad software//dtd hotmetal pro 6.0::19990601::extensions to html 4.0//",
	"-//softquad//dtd hotmetal pro 4.0::19971010::extensions to html 4.0//",
	"-//spyglass//dtd html 2.0 extended//",
	"-//sq//dtd html 2.0 hotmetal + extensions//",
	"-//sun microsystems corp.//dtd hotjava html//",
	"-//sun microsystems corp.//dtd hotjava strict html//",
	"-//w3c//dtd html 3 1995-03-24//",
	"-//w3c//dtd html 3.2 draft//",
	"-//w3c//dtd html 3.2 final//",
	"-//w3c//dtd html 3.2//",
	"-//w3c//dtd html 3.2s draft//",
	"-//w3c//dtd html 4.0 frameset//",
	"-//w3c//dtd html 4.0 transitional//",
	"-//w3c//dtd html experimental 19960712//",
	"-//w3c//dtd html experimental 970421//",
	"-//w3c//dtd w3 html//",
	"-//w3o//dtd w3 html 3.0//",
	"-//webtechs//dtd mozilla html 2.0//",
	"-//webtechs//dtd mozilla html//",
}
