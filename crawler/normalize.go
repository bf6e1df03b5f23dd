package crawler

import (
	"slices"
	"strings"

	"github.com/crawlkit/crawl/internal/weburl"
)

// Normalizer computes the dedup key of a URL: two URLs with one key are one
// page, fetched once. The key is the WHATWG serialization (lower-case scheme
// and host, default port and dot segments gone, as weburl parses it) with
// the fragment removed, percent-escapes of unreserved characters (letters,
// digits, "-", ".", "_", "~") decoded and every other escape upper-cased;
// the query keeps its order unless SortQuery, and parameters whose name
// matches a StripParams glob are dropped. Only the key is normalized: the
// URL fetched is the one found, minus its fragment.
type Normalizer struct {
	SortQuery   bool
	StripParams []string // names, "*" matching any run of characters
}

// Key returns the dedup key of u.
func (n *Normalizer) Key(u *weburl.URL) string {
	tail := len(u.Path)
	if u.HasQuery {
		tail += 1 + len(u.Query)
	}
	if u.HasFrag {
		tail += 1 + len(u.Fragment)
	}
	prefix := u.Href[:len(u.Href)-tail]
	b := make([]byte, 0, len(u.Href))
	b = append(b, prefix...)
	b = weburl.AppendNormalEscapes(b, u.Path)
	if !u.HasQuery {
		return string(b)
	}
	q := u.Query
	if n.SortQuery || len(n.StripParams) > 0 {
		q = n.query(q)
		if q == "" && u.Query != "" {
			return string(b) // every parameter was stripped: no "?" left
		}
	}
	b = append(b, '?')
	return string(weburl.AppendNormalEscapes(b, q))
}

// KeyOf returns the dedup key of href, an absolute URL as weburl
// serializes it (a link of a record, say: not an input as typed). Most
// such URLs are their own key but for the fragment, found without parsing
// them again: those with no percent-escape to normalize, and no query when
// the query is normalized.
func (n *Normalizer) KeyOf(href string) string {
	page, _, _ := strings.Cut(href, "#") // a serialized URL's first '#' starts its fragment
	if !strings.Contains(page, "%") && (!strings.Contains(page, "?") || !n.SortQuery && len(n.StripParams) == 0) {
		return page
	}
	u, err := weburl.Parse(href)
	if err != nil {
		return href
	}
	return n.Key(&u)
}

// query strips and sorts the parameters of q.
func (n *Normalizer) query(q string) string {
	params := strings.Split(q, "&")
	params = slices.DeleteFunc(params, func(p string) bool {
		name, _, _ := strings.Cut(p, "=")
		for _, g := range n.StripParams {
			if globMatch(g, name) {
				return true
			}
		}
		return false
	})
	if n.SortQuery {
		slices.SortStableFunc(params, func(a, b string) int {
			an, _, _ := strings.Cut(a, "=")
			bn, _, _ := strings.Cut(b, "=")
			return strings.Compare(an, bn)
		})
	}
	return strings.Join(params, "&")
}

// globMatch reports whether name matches pattern, where "*" matches any
// run of characters and everything else matches itself.
func globMatch(pattern, name string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == name
	}
	if !strings.HasPrefix(name, pattern[:star]) {
		return false
	}
	name, rest := name[star:], pattern[star+1:]
	for i := 0; i <= len(name); i++ {
		if globMatch(rest, name[i:]) {
			return true
		}
	}
	return false
}

// withoutFragment returns u's href without its fragment: the URL fetched
// for a link.
func withoutFragment(u *weburl.URL) string {
	if !u.HasFrag {
		return u.Href
	}
	return u.Href[:len(u.Href)-1-len(u.Fragment)]
}
