package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// cascadia matches selectors by the letter of Selectors Level 4; Chromium's
// querySelectorAll also follows what HTML adds to them. The differences
// that change what a field matches are made up for here, by rewriting the
// selector into one cascadia matches the same way, and by attributes the
// tree is given for it (see markStates):
//
//   - The values of the attributes HTML lists as case-insensitive (type,
//     dir, lang, method, target, ...) match whatever their case:
//     [type=submit] matches type=SUBMIT. The rewrite adds cascadia's i
//     flag. (The s flag of Selectors Level 4 is refused, by Chromium and
//     by cascadia alike.)
//   - In quirks mode, class and id selectors match whatever the case:
//     .foo matches class=Foo, #bar matches id=Bar.
//   - :enabled and :disabled are about form controls only (cascadia's
//     :enabled matches <a href>), and :disabled is HTML's "actually
//     disabled", which a <fieldset disabled> passes to the controls inside
//     it but for those in its first <legend>.
//   - :checked is a checkbox or radio button checked (of a radio group,
//     the last one that says so) or an option selected, which for a
//     <select> with no selected option is its first one not disabled.

// caseInsensitiveAttrs are the attributes whose values selectors match
// ASCII case-insensitively on HTML elements (HTML, "Case-sensitivity of
// selectors").
var caseInsensitiveAttrs = map[string]bool{
	"accept": true, "accept-charset": true, "align": true, "alink": true, "axis": true, "bgcolor": true,
	"charset": true, "checked": true, "clear": true, "codetype": true, "color": true, "compact": true,
	"declare": true, "defer": true, "dir": true, "direction": true, "disabled": true, "enctype": true,
	"face": true, "frame": true, "hreflang": true, "http-equiv": true, "lang": true, "language": true,
	"link": true, "media": true, "method": true, "multiple": true, "nohref": true, "noresize": true,
	"noshade": true, "nowrap": true, "readonly": true, "rel": true, "rev": true, "rules": true,
	"scope": true, "scrolling": true, "selected": true, "shape": true, "target": true, "text": true,
	"type": true, "valign": true, "valuetype": true, "vlink": true,
}

// The attributes markStates gives form controls, named with a leading
// space so that no attribute of a page can have their name.
const (
	enabledAttr  = " enabled"
	disabledAttr = " disabled"
	checkedAttr  = " checked"
)

// browserSelector rewrites css (a selector cascadia parses) into one that
// cascadia matches as Chromium matches css, in a document in quirks mode
// or not. What it cannot read it leaves as it is.
func browserSelector(css string, quirks bool) string {
	var b strings.Builder
	for i := 0; i < len(css); {
		switch c := css[i]; {
		case c == '\\':
			n := escapeLen(css[i:])
			b.WriteString(css[i : i+n])
			i += n
		case c == '"' || c == '\'':
			n := stringLen(css[i:])
			b.WriteString(css[i : i+n])
			i += n
		case c == '[':
			n := bracketLen(css[i:])
			b.WriteString(attrSelector(css[i : i+n]))
			i += n
		case c == ':' && !strings.HasPrefix(css[i:], "::"):
			name, n := ident(css[i+1:])
			switch lower := strings.ToLower(name); {
			case (lower == "enabled" || lower == "disabled" || lower == "checked") && !strings.HasPrefix(css[i+1+n:], "("):
				b.WriteString(`[\20 ` + lower + `]`)
			default:
				b.WriteString(css[i : i+1+n])
			}
			i += 1 + n
		case (c == '.' || c == '#') && quirks:
			name, n := ident(css[i+1:])
			switch {
			case n == 0:
				b.WriteByte(c)
			case c == '.':
				b.WriteString("[class~=" + name + " i]")
			default:
				b.WriteString("[id=" + name + " i]")
			}
			i += 1 + n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// attrSelector rewrites one attribute selector, brackets included: an
// attribute of caseInsensitiveAttrs compared without a flag gets the i
// flag.
func attrSelector(sel string) string {
	if !strings.HasSuffix(sel, "]") {
		return sel
	}
	inner := sel[1 : len(sel)-1]
	op := strings.IndexByte(inner, '=')
	if op <= 0 {
		return sel // [attr], or something cascadia will refuse
	}
	name := inner[:op]
	if strings.ContainsAny(name[len(name)-1:], "~|^$*!#") {
		name = name[:len(name)-1]
	}
	name = strings.ToLower(strings.TrimSpace(name))
	value := strings.TrimLeft(inner[op+1:], " \t\n\r\f")
	var n int
	if value != "" && (value[0] == '"' || value[0] == '\'') {
		n = stringLen(value)
	} else {
		_, n = ident(value)
	}
	if flag := strings.TrimSpace(value[n:]); flag == "" && caseInsensitiveAttrs[name] && n > 0 {
		return "[" + inner[:op+1] + value[:n] + " i]"
	}
	return sel
}

// ident returns the CSS identifier (or name) at the start of s, escapes
// included as written, and its length.
func ident(s string) (string, int) {
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\':
			i += escapeLen(s[i:])
		case c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			i++
		default:
			return s[:i], i
		}
	}
	return s, i
}

// escapeLen is the length of the CSS escape at the start of s: a
// backslash and one character, or up to six hex digits and one space.
func escapeLen(s string) int {
	i := 1
	for i < len(s) && i < 7 && isHex(s[i]) {
		i++
	}
	switch {
	case i > 1 && i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'):
		return i + 1
	case i > 1:
		return i
	}
	return min(2, len(s))
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// stringLen is the length of the quoted string at the start of s, quotes
// included (all of s when it is not closed).
func stringLen(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case s[0]:
			return i + 1
		}
	}
	return len(s)
}

// bracketLen is the length of the attribute selector at the start of s,
// up to its closing bracket outside strings (all of s when there is none).
func bracketLen(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i += escapeLen(s[i:]) - 1
		case '"', '\'':
			i += stringLen(s[i:]) - 1
		case ']':
			return i + 1
		}
	}
	return len(s)
}

// markStates gives each HTML form control under root (button, input,
// select, textarea, optgroup, option, fieldset) the attribute enabledAttr
// or disabledAttr, as it is actually disabled or not, and those that are
// checked or selected checkedAttr, for :enabled, :disabled and :checked as
// browserSelector rewrites them.
func markStates(root *html.Node) {
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if isFormControl(c) {
				key := enabledAttr
				if actuallyDisabled(c) {
					key = disabledAttr
				}
				addAttr(c, key)
			}
			if isHTML(c, atom.Select) {
				markSelected(c)
			}
			walk(c)
		}
	}
	walk(root)
	markChecked(root)
}

// addAttr gives n an attribute without a value, in a slice of its own.
func addAttr(n *html.Node, key string) {
	n.Attr = append(n.Attr[:len(n.Attr):len(n.Attr)], html.Attribute{Key: key})
}

// markChecked gives checkedAttr to the checkboxes and radio buttons under
// root that are checked: those with a checked attribute, and of radio
// buttons of one group (one form, one name) only the last.
func markChecked(root *html.Node) {
	type group struct {
		form *html.Node
		name string
	}
	last := map[group]*html.Node{}
	var walk func(n, form *html.Node)
	walk = func(n, form *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if isHTML(c, atom.Input) {
				_, checked := lookup(c, "checked")
				switch t := strings.ToLower(domAttr(c, "type")); {
				case !checked:
				case t == "checkbox":
					addAttr(c, checkedAttr)
				case t == "radio" && domAttr(c, "name") == "":
					addAttr(c, checkedAttr)
				case t == "radio":
					last[group{form, domAttr(c, "name")}] = c
				}
			}
			f := form
			if isHTML(c, atom.Form) {
				f = c
			}
			walk(c, f)
		}
	}
	walk(root, nil)
	for _, c := range last {
		addAttr(c, checkedAttr)
	}
}

// markSelected gives checkedAttr to the options of a select that are
// selected: those with a selected attribute (of a select without multiple,
// the last), else, for a select without multiple shown as a drop-down, its
// first option that is not disabled.
func markSelected(sel *html.Node) {
	var options []*html.Node
	for c := sel.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case isHTML(c, atom.Option):
			options = append(options, c)
		case isHTML(c, atom.Optgroup):
			for o := c.FirstChild; o != nil; o = o.NextSibling {
				if isHTML(o, atom.Option) {
					options = append(options, o)
				}
			}
		}
	}
	_, multiple := lookup(sel, "multiple")
	var chosen *html.Node
	for _, o := range options {
		if _, ok := lookup(o, "selected"); ok {
			if multiple {
				addAttr(o, checkedAttr)
			}
			chosen = o
		}
	}
	size := strings.TrimSpace(domAttr(sel, "size"))
	if chosen == nil && !multiple && (size == "" || size == "0" || size == "1") {
		for _, o := range options {
			if _, ok := lookup(o, "disabled"); !ok && !(isHTML(o.Parent, atom.Optgroup) && hasAttr(o.Parent, "disabled")) {
				chosen = o
				break
			}
		}
	}
	if chosen != nil && !multiple {
		addAttr(chosen, checkedAttr)
	}
}

func hasAttr(n *html.Node, key string) bool {
	_, ok := lookup(n, key)
	return ok
}

func isFormControl(n *html.Node) bool {
	if n.Namespace != "" {
		return false
	}
	switch n.DataAtom {
	case atom.Button, atom.Input, atom.Select, atom.Textarea, atom.Optgroup, atom.Option, atom.Fieldset:
		return true
	}
	return false
}

// actuallyDisabled is HTML's "actually disabled" for a form control: its
// own disabled attribute; for an option, that of its parent optgroup; for
// a button, input, select, textarea or fieldset, that of a fieldset it is
// in, unless it is in that fieldset's first legend child.
func actuallyDisabled(n *html.Node) bool {
	if _, ok := lookup(n, "disabled"); ok {
		return true
	}
	switch n.DataAtom {
	case atom.Optgroup:
		return false
	case atom.Option:
		// Its optgroup's attribute, and, in Chromium, its select's state.
		p := n.Parent
		if isHTML(p, atom.Optgroup) {
			if _, ok := lookup(p, "disabled"); ok {
				return true
			}
			p = p.Parent
		}
		return isHTML(p, atom.Select) && actuallyDisabled(p)
	}
	for child, p := n, n.Parent; p != nil; child, p = p, p.Parent {
		if p.Type != html.ElementNode || p.Namespace != "" || p.DataAtom != atom.Fieldset {
			continue
		}
		if _, ok := lookup(p, "disabled"); ok && child != firstLegend(p) {
			return true
		}
	}
	return false
}

func isHTML(n *html.Node, a atom.Atom) bool {
	return n != nil && n.Type == html.ElementNode && n.Namespace == "" && n.DataAtom == a
}

// firstLegend is the first legend child of a fieldset, or nil.
func firstLegend(fieldset *html.Node) *html.Node {
	for c := fieldset.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Namespace == "" && c.DataAtom == atom.Legend {
			return c
		}
	}
	return nil
}
