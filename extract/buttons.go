package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawlkit/crawl/internal/weburl"
)

// Button is something a person can press: a <button> (Kind "button"), an
// <input type=button|submit|reset|image> ("input"), or another element
// with role=button ("role"). The fields read as the DOM's properties do.
type Button struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Type is .type: a <button>'s type attribute if it is submit, reset or
	// button, else "submit"; an <input>'s type. Empty for role=button.
	Type string `json:"type,omitempty"`
	// Text is the element's text (see Text); empty for an <input>.
	Text  string `json:"text,omitempty"`
	Value string `json:"value,omitempty"`
	// Form is the form owner's id, or when it has none its .action (the
	// action resolved, or the document's URL); empty without an owner.
	// The owner is the form the form attribute names, else the one the
	// parser associated (which need not be an ancestor), else the nearest
	// ancestor form.
	Form string `json:"form,omitempty"`
	// FormAction is .formAction: the formaction attribute resolved, or the
	// document's URL when it is missing or empty.
	FormAction string `json:"formaction,omitempty"`
	Disabled   bool   `json:"disabled,omitempty"`
}

// buttonDetails lists the page's buttons in document order, those of an
// open shadow root after its host and before the host's children. A
// button's form owner is looked for in its own tree: a form attribute
// names an id of that tree, and a form outside a shadow tree owns nothing
// in it.
func buttonDetails(t domTree, resolve *weburl.Resolver, docURL string, budget *textBudget) []Button {
	out := []Button{}
	byID := map[*html.Node]map[string]*html.Node{} // first element with each id, by tree, built on first use
	url := resolve.Echo                            // as the DOM reads an invalid URL: canonical, or echoed
	var walk func(n, root *html.Node)
	walk = func(n, root *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if b, ok := button(c, budget); ok {
				if b.Kind != "role" {
					if v := domAttr(c, "formaction"); v != "" {
						b.FormAction = url(v)
					} else {
						b.FormAction = docURL
					}
					b.Disabled = actuallyDisabled(c)
					if byID[root] == nil {
						byID[root] = ids(root)
					}
					if f := t.owner(c, byID[root]); f != nil {
						b.Form = domAttr(f, "id")
						if b.Form == "" {
							b.Form = docURL
							if v := domAttr(f, "action"); v != "" {
								b.Form = url(v)
							}
						}
					}
				}
				out = append(out, b.clone())
			}
			if frag := t.shadows[c]; frag != nil {
				walk(frag, frag)
			}
			walk(c, root)
		}
	}
	walk(t.root, t.root)
	return out
}

// button reports whether n is a button, and its kind, id, name, type, text
// (within budget) and value.
func button(n *html.Node, budget *textBudget) (Button, bool) {
	b := Button{ID: domAttr(n, "id"), Name: domAttr(n, "name")}
	switch {
	case n.Namespace == "" && n.DataAtom == atom.Button:
		b.Kind, b.Text, b.Value = "button", budget.text(n), domAttr(n, "value")
		switch t := strings.ToLower(domAttr(n, "type")); t {
		case "submit", "reset", "button":
			b.Type = t
		default:
			b.Type = "submit"
		}
	case n.Namespace == "" && n.DataAtom == atom.Input:
		switch t := strings.ToLower(domAttr(n, "type")); t {
		case "button", "submit", "reset", "image":
			b.Kind, b.Type, b.Value = "input", t, domAttr(n, "value")
		default:
			return Button{}, false
		}
	default:
		// The first token of role is the one a browser takes.
		roles := strings.FieldsFunc(domAttr(n, "role"), isASCIISpace)
		if len(roles) == 0 || !strings.EqualFold(roles[0], "button") {
			return Button{}, false
		}
		b.Kind, b.Text = "role", budget.text(n)
	}
	return b, true
}

// owner is n's form owner.
func (t domTree) owner(n *html.Node, byID map[string]*html.Node) *html.Node {
	if id, ok := lookup(n, "form"); ok {
		if f := byID[id]; f != nil && f.Namespace == "" && f.DataAtom == atom.Form {
			return f
		}
		return nil
	}
	if src := t.from[n]; src != nil {
		if f := t.to[t.ps.Form(src)]; f != nil {
			return f
		}
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Namespace == "" && p.DataAtom == atom.Form {
			return p
		}
	}
	return nil
}

// ids maps each id to the first element, in document order, that has it.
func ids(root *html.Node) map[string]*html.Node {
	m := make(map[string]*html.Node)
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				if id, ok := lookup(c, "id"); ok && id != "" && m[id] == nil {
					m[id] = c
				}
				walk(c)
			}
		}
	}
	walk(root)
	return m
}

func lookup(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

func domAttr(n *html.Node, key string) string {
	v, _ := lookup(n, key)
	return v
}

// clone copies b's strings out of the arena the tree's values are in.
func (b Button) clone() Button {
	for _, s := range []*string{&b.Kind, &b.ID, &b.Name, &b.Type, &b.Text, &b.Value, &b.Form, &b.FormAction} {
		*s = strings.Clone(*s)
	}
	return b
}
