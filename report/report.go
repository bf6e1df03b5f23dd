// Package report turns the records of a link check (crawl check) into the
// list of broken links, each with every page that links to it. A Spill
// keeps the records in a file as they come and reads them back in passes,
// holding only the links that are broken and the fragments that are
// linked to, never the link graph.
package report

import (
	"cmp"
	"hash/maphash"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Options says how links are judged.
type Options struct {
	// Key returns the dedup key of an absolute URL without its fragment:
	// the crawl's, so that two spellings of one page are one target.
	Key func(href string) string
	// LinkKey, when set, is Key for a URL the crawl serialized (a link,
	// a final URL, a page it discovered), which can be quicker to get
	// than for an input as it was typed. Default: Key.
	LinkKey func(href string) string
	// SkipFragment, when set, leaves unchecked the fragments it matches
	// (client-side routes such as #/users/1).
	SkipFragment *regexp.Regexp
	// Redirects is "" to accept redirects, "warn" to list the links that
	// are permanently redirected (301, 308), "error" to count them as
	// broken as well.
	Redirects string
}

// Report is what a link check found.
type Report struct {
	// Pages counts the pages crawled, Checked the links checked without
	// being crawled (out of the scope or past the depth).
	Pages   int `json:"pages"`
	Checked int `json:"checked"`
	// Links counts the links found on the pages crawled; NotChecked counts
	// those of the schemes that are not fetched (mailto, tel, javascript,
	// data and others), by scheme.
	Links      int            `json:"links"`
	NotChecked map[string]int `json:"not_checked"`
	// Fragments counts the links with a #fragment checked against the
	// page they point to.
	Fragments int `json:"fragments"`
	// Broken lists the targets that are broken; RateLimited those that
	// still answered 429 after their retries (not broken: unknown);
	// Redirected, with Options.Redirects "warn", those that moved for
	// good. Each is sorted by URL.
	Broken      []Target `json:"broken"`
	RateLimited []Target `json:"rate_limited"`
	Redirected  []Target `json:"redirected"`
}

// Target is one link target and the pages that link to it.
type Target struct {
	// URL is the target as recorded, with the #fragment for a missing
	// fragment.
	URL string `json:"url"`
	// Kind says what is wrong: "http" (a 4xx or 5xx), "network",
	// "timeout", "redirect loop", "redirects", "fragment" (missing),
	// "robots" (refused by robots.txt: an input, or a redirect), "invalid"
	// (an input that is no http(s) URL), "rate limited" or "moved" (a
	// permanent redirect).
	Kind   string `json:"kind"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error"`
	// FinalURL is where its redirects led.
	FinalURL string `json:"final_url,omitempty"`
	// Input is set when the target is an input of the crawl, which no page
	// may link to.
	Input     bool       `json:"input,omitempty"`
	Referrers []Referrer `json:"referrers"`
}

// Referrer is a link to a target: the page it is on, and its index in that
// page's "link" list (from 0).
type Referrer struct {
	Page string `json:"page"`
	Link int    `json:"link"`
}

// Failed reports whether the check failed: something is broken.
func (r *Report) Failed() bool { return len(r.Broken) > 0 }

// problem is what is wrong with a target page, by its key.
type problem struct {
	target *Target
	list   *[]Target // where the target goes: Broken, RateLimited, Redirected
}

// builder holds the state of the passes.
type builder struct {
	opt  Options
	seed maphash.Seed
	rep  *Report
	// problems are the targets with something wrong, by key.
	problems map[string]*problem
	// alias maps the key of a page recorded as a duplicate, or reached
	// by a redirect, to the key of the record that has its content.
	alias map[string]string
	// wanted holds the hash of each (page key, fragment) linked to from
	// another page, marked when the page has it. pages holds the hashes of
	// the keys of pages linked to with a fragment, marked when the page's
	// anchors were read. A link to a fragment of its own page (a table of
	// contents) is checked against that page's record alone.
	wanted, pages hashSet
	targets       []*problem
}

func newBuilder(opt Options) *builder {
	b := &builder{
		opt: opt, seed: maphash.MakeSeed(), rep: &Report{NotChecked: map[string]int{}},
		problems: map[string]*problem{}, alias: map[string]string{},
	}
	if b.opt.LinkKey == nil {
		b.opt.LinkKey = b.opt.Key
	}
	return b
}

// Report makes the report of the records put: the first pass over them
// (survey) was made as they came; it reads them back twice, to find which
// of the fragments linked to exist, and to list the referrers of what is
// broken. It is called once, after the last Put.
func (s *Spill) Report() (*Report, error) {
	b := s.b
	b.wanted.compact()
	b.pages.compact()
	if b.wanted.len() > 0 {
		owners := b.owners()
		if err := s.each(func(e *entry) { b.anchors(e, owners) }); err != nil {
			return nil, err
		}
	}
	if err := s.each(b.refer); err != nil {
		return nil, err
	}
	return b.finish(), nil
}

// survey is the first pass, made as each record is put: counts, problems,
// aliases and the fragments linked to.
func (b *builder) survey(e *entry) {
	key := b.key(e)
	switch {
	case e.Checked:
		b.rep.Checked++
	case e.Error == "" && e.DuplicateOf == "" && e.Skipped == "":
		b.rep.Pages++
	}
	if e.DuplicateOf != "" {
		b.alias[key] = e.DuplicateOf
	} else if e.FinalURL != "" && e.FinalURL != e.URL && e.Error == "" && !e.Checked {
		if final := b.opt.LinkKey(e.FinalURL); final != key {
			b.alias[final] = key
		}
	}
	if t, list := b.judge(e); t != nil {
		t.Input = e.Depth == 0
		b.problems[key] = &problem{target: t, list: list}
	}
	for _, href := range e.Links {
		page, frag, ok := strings.Cut(href, "#")
		if !ok || !b.checksFragment(frag) || !isHTTP(page) {
			continue
		}
		pk := b.opt.LinkKey(page)
		if pk == key && e.Parsed {
			continue // its own page: checked by refer
		}
		b.pages.add(b.hash(pk, ""))
		for _, f := range spellings(frag) {
			b.wanted.add(b.hash(pk, f))
		}
	}
}

// judge returns what is wrong with the target of record e, and the list
// it belongs to, or nil.
func (b *builder) judge(e *entry) (*Target, *[]Target) {
	t := &Target{URL: e.URL, Status: e.Status, Error: e.Error, FinalURL: e.FinalURL}
	redirect := e.Redirect
	if e.DuplicateOf != "" && isRedirect(e.Status) {
		redirect = e.Status
	}
	switch {
	case e.Error == "":
		if b.opt.Redirects == "" || redirect != 301 && redirect != 308 {
			return nil, nil
		}
		t.Kind, t.Error = "moved", "moved permanently ("+strconv.Itoa(redirect)+")"
		if e.FinalURL != "" {
			t.Error += " to " + e.FinalURL
		}
		if b.opt.Redirects == "error" {
			return t, &b.rep.Broken
		}
		return t, &b.rep.Redirected
	case e.Status == 429:
		t.Kind = "rate limited"
		return t, &b.rep.RateLimited
	case strings.HasPrefix(e.Error, "extract: "), e.Error == "interrupted":
		return nil, nil // the page is there; or it was never checked
	case e.Status >= 400:
		t.Kind = "http"
	case strings.Contains(e.Error, "robots.txt"):
		t.Kind = "robots" // an input, or a redirect, that robots.txt refuses
	case strings.Contains(e.Error, "invalid URL"), strings.Contains(e.Error, "unsupported scheme"):
		t.Kind = "invalid" // an input that is no http(s) URL
	case strings.HasPrefix(e.Error, "redirect loop"):
		t.Kind = "redirect loop"
	case strings.Contains(e.Error, "redirect"):
		t.Kind = "redirects"
	case strings.HasPrefix(e.Error, "timeout"):
		t.Kind = "timeout"
	default:
		t.Kind = "network"
	}
	return t, &b.rep.Broken
}

// owners maps the key of each record that has a page's content to the
// other keys that lead to that page (its aliases).
func (b *builder) owners() map[string][]string {
	owners := map[string][]string{}
	for k := range b.alias {
		if owner := b.owner(k); owner != k {
			owners[owner] = append(owners[owner], k)
		}
	}
	return owners
}

// owner follows aliases from key to the record that has the page.
func (b *builder) owner(key string) string {
	for range 20 { // aliases never loop; this bounds a record set that says otherwise
		next, ok := b.alias[key]
		if !ok {
			break
		}
		key = next
	}
	return key
}

// anchors is the second pass: which of the fragments wanted each page has.
func (b *builder) anchors(e *entry, owners map[string][]string) {
	if !e.Parsed {
		return
	}
	key := b.key(e)
	for _, k := range append([]string{key}, owners[key]...) {
		if !b.pages.mark(b.hash(k, "")) {
			continue
		}
		for _, a := range e.Anchors {
			b.wanted.mark(b.hash(k, a))
		}
	}
}

// refer is the last pass: every link on a page to a target with a problem
// is a referrer of that target.
func (b *builder) refer(e *entry) {
	pg := pageLinks{e: e}
	for i, href := range e.Links {
		b.rep.Links++
		p := b.linkProblem(&pg, href)
		if p == nil {
			continue
		}
		if len(p.target.Referrers) == 0 {
			b.targets = append(b.targets, p)
		}
		p.target.Referrers = append(p.target.Referrers, Referrer{Page: e.URL, Link: i})
	}
}

// pageLinks is a page whose links refer reads, with what it works out
// about the page only when a link needs it.
type pageLinks struct {
	e   *entry
	key string              // the page's key
	own map[string]struct{} // its anchors
}

// linkProblem returns the problem of the link href on page pg, or nil.
func (b *builder) linkProblem(pg *pageLinks, href string) *problem {
	page, frag, hasFrag := strings.Cut(href, "#")
	if !isHTTP(page) {
		b.rep.NotChecked[scheme(href)]++
		return nil
	}
	key := b.opt.LinkKey(page)
	if p := b.problems[key]; p != nil {
		return p
	}
	if p := b.problems[b.owner(key)]; p != nil && p.target.Kind != "moved" {
		return p // a page that redirected to a broken one; a move is its own page's
	}
	if !hasFrag || !b.checksFragment(frag) {
		return nil
	}
	if pg.key == "" {
		pg.key = b.key(pg.e)
	}
	if key != pg.key || !pg.e.Parsed {
		return b.fragment(key, page, frag)
	}
	if pg.own == nil {
		pg.own = make(map[string]struct{}, len(pg.e.Anchors))
		for _, a := range pg.e.Anchors {
			pg.own[a] = struct{}{}
		}
	}
	b.rep.Fragments++
	for _, f := range spellings(frag) {
		if _, ok := pg.own[f]; ok {
			return nil
		}
	}
	return b.missing(key, page, frag)
}

// fragment returns the problem of a link to page#frag (key its page's key)
// when the page was parsed and has no such anchor, or nil.
func (b *builder) fragment(key, page, frag string) *problem {
	if !b.pages.marked(b.hash(key, "")) {
		return nil
	}
	b.rep.Fragments++
	for _, f := range spellings(frag) {
		if b.wanted.marked(b.hash(key, f)) {
			return nil
		}
	}
	return b.missing(key, page, frag)
}

// missing returns the problem of the missing fragment frag of page (key
// its key), made the first time.
func (b *builder) missing(key, page, frag string) *problem {
	pkey := key + "#" + frag
	p := b.problems[pkey]
	if p == nil {
		t := &Target{URL: page + "#" + frag, Kind: "fragment", Error: "no element with id or <a name> " + strconv.Quote(frag)}
		p = &problem{target: t, list: &b.rep.Broken}
		b.problems[pkey] = p
	}
	return p
}

// finish puts each target in its list, inputs with problems included,
// sorted.
func (b *builder) finish() *Report {
	for _, p := range b.problems {
		if len(p.target.Referrers) == 0 && p.target.Input {
			p.target.Referrers = []Referrer{}
			b.targets = append(b.targets, p)
		}
	}
	for _, p := range b.targets {
		slices.SortFunc(p.target.Referrers, func(x, y Referrer) int {
			return cmp.Or(strings.Compare(x.Page, y.Page), cmp.Compare(x.Link, y.Link))
		})
		*p.list = append(*p.list, *p.target)
	}
	for _, list := range []*[]Target{&b.rep.Broken, &b.rep.RateLimited, &b.rep.Redirected} {
		if *list == nil {
			*list = []Target{}
		}
		slices.SortFunc(*list, func(x, y Target) int { return strings.Compare(x.URL, y.URL) })
	}
	return b.rep
}

// checksFragment reports whether a link's fragment is to be checked: not
// empty, not "top" (which always scrolls to the top), not skipped.
func (b *builder) checksFragment(frag string) bool {
	if frag == "" || strings.EqualFold(frag, "top") {
		return false
	}
	return b.opt.SkipFragment == nil || !b.opt.SkipFragment.MatchString(frag)
}

// key returns the key of the page of e: an input is as it was typed.
func (b *builder) key(e *entry) string {
	if e.Depth == 0 {
		return b.opt.Key(e.URL)
	}
	return b.opt.LinkKey(e.URL)
}

func (b *builder) hash(key, frag string) uint64 {
	var h maphash.Hash
	h.SetSeed(b.seed)
	h.WriteString(key)
	h.WriteByte(0)
	h.WriteString(frag)
	return h.Sum64()
}

// spellings returns the forms of a fragment that can name an element: as
// written, and percent-decoded (the HTML standard tries both).
func spellings(frag string) []string {
	if d, err := url.PathUnescape(frag); err == nil && d != frag {
		return []string{frag, d}
	}
	return []string{frag}
}

func isHTTP(href string) bool {
	return strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")
}

// scheme returns the scheme of a link that is not fetched, lower case.
func scheme(href string) string {
	s, _, ok := strings.Cut(href, ":")
	if !ok || s == "" {
		return "other"
	}
	return strings.ToLower(s)
}

func isRedirect(status int) bool {
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308
}
