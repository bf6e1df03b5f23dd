package crawler

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/crawlkit/crawl/internal/weburl"
)

// Scope says which discovered links a recursive crawl follows, relative to
// the page they were found on (and so, page by page, to its seed).
type Scope int

const (
	// ScopeHost follows links to the same host name as the page's seed,
	// either scheme, any port. The default.
	ScopeHost Scope = iota
	// ScopeDomain follows links within the seed's registrable domain
	// (eTLD+1 by the public suffix list): a.example.com and b.example.com
	// are one domain, evilexample.com is not example.com.
	ScopeDomain
	// ScopeAny follows every http(s) link.
	ScopeAny
)

// ParseScope reads "host", "domain" or "any".
func ParseScope(s string) (Scope, error) {
	switch s {
	case "host", "":
		return ScopeHost, nil
	case "domain":
		return ScopeDomain, nil
	case "any":
		return ScopeAny, nil
	}
	return 0, fmt.Errorf("scope %q: want host, domain or any", s)
}

func (s Scope) String() string {
	return [...]string{"host", "domain", "any"}[s]
}

// Reasons a discovered URL is not followed, as counted in the summary.
const (
	skipDepth       = "depth"
	skipScope       = "scope"
	skipInclude     = "include"
	skipExclude     = "exclude"
	skipRobots      = "robots"
	skipMaxPages    = "max-pages"
	skipMaxPerHost  = "max-pages-per-host"
	skipTrap        = "trap"
	skipFilter      = "filter" // Config.Follow said no
	maxURLLength    = 2083     // what old browsers took, and the usual crawler limit
	maxSegments     = 32
	maxRepeats      = 3 // consecutive repeats of one path segment, or of one parameter
	maxSelfExtended = 3 // times in a row a query extends its parent's
)

// scopeKey names the scope a page's links are judged by: its host name,
// its registrable domain, or nothing for ScopeAny. A page that is in scope
// has its seed's scope key, so the key can be taken from the page itself;
// a seed is judged by where it landed, so that example.com redirecting to
// www.example.com crawls www.example.com.
func (s Scope) key(u *weburl.URL) string {
	switch s {
	case ScopeAny:
		return ""
	case ScopeDomain:
		return registrableDomain(u.Host)
	}
	return u.Host
}

// registrableDomain returns host's eTLD+1, or host itself for an IP
// address, a public suffix or a name the list does not know.
func registrableDomain(host string) string {
	if strings.HasPrefix(host, "[") {
		return host
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(host, "."))
	if err != nil {
		return host
	}
	return d
}

// filter is what decides whether a discovered link is followed.
type filter struct {
	depth            int
	scope            Scope
	include, exclude []*regexp.Regexp
}

// reason returns why link u (fetched as href, deduplicated as key), found
// on page at depth d whose scope key is scopeKey, is not followed, or "".
func (f *filter) reason(u *weburl.URL, href, key string, d int, scopeKey string) string {
	if d+1 > f.depth {
		return skipDepth
	}
	if reason := f.hopReason(u, href, key, scopeKey); reason != "" {
		return reason
	}
	if isTrap(u, href) {
		return skipTrap
	}
	return ""
}

// checks reports whether a link not followed for reason is to be checked
// instead (see Config.Check): one out of the scope, past the depth or
// not included, that Exclude lets through and is not too long to be a URL.
func (f *filter) checks(reason, href, key string) bool {
	switch reason {
	case skipScope, skipDepth, skipInclude:
		return len(href) <= maxURLLength && f.filtered(href, key) != skipExclude
	}
	return false
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// isTrap reports URLs that crawler traps generate: too long, too deep, a
// path segment repeated (/a/a/a/a), or one parameter given again and again.
func isTrap(u *weburl.URL, href string) bool {
	if len(href) > maxURLLength {
		return true
	}
	if repeatsSegments(strings.TrimPrefix(u.Path, "/")) {
		return true
	}
	if !u.HasQuery || u.Query == "" {
		return false
	}
	count := make(map[string]int)
	for p := range strings.SplitSeq(u.Query, "&") {
		name, _, _ := strings.Cut(p, "=")
		if count[name]++; count[name] > maxRepeats {
			return true
		}
	}
	return false
}

// repeatsSegments reports whether path has more than maxSegments
// segments, or one non-empty segment more than maxRepeats times in a row.
// It is called for every link found, so it allocates nothing.
func repeatsSegments(path string) bool {
	n, run := 0, 1
	prev, first := "", true
	for seg := range strings.SplitSeq(path, "/") {
		if n++; n > maxSegments {
			return true
		}
		switch {
		case first:
			first = false
		case seg != prev || seg == "":
			run = 1
		default:
			if run++; run > maxRepeats {
				return true
			}
		}
		prev = seg
	}
	return false
}

// selfExtending returns how many times in a row link's query has extended
// its page's: a page /s?q=a linking to /s?q=ab, then /s?q=abc, ... is a
// trap that never repeats a URL. It is 0 when link does not extend page.
func selfExtending(page *weburl.URL, pageExtended uint8, link *weburl.URL) uint8 {
	if !page.HasQuery || page.Query == "" || !link.HasQuery || link.Host != page.Host || link.Path != page.Path ||
		len(link.Query) <= len(page.Query) || !strings.HasPrefix(link.Query, page.Query) {
		return 0
	}
	return min(pageExtended, 254) + 1
}

// hopReason returns why a link, or a discovered page's redirect, to u
// (href without its fragment, key its dedup key) is not followed: out of
// scope, or filtered out. The filters are matched against both href and
// key, the form with unreserved escapes decoded and the others upper-cased,
// which is what a server reads: /%6Cogout is /logout to --exclude /logout.
func (f *filter) hopReason(u *weburl.URL, href, key, scopeKey string) string {
	if f.scope != ScopeAny && f.scope.key(u) != scopeKey {
		return skipScope
	}
	return f.filtered(href, key)
}

// filtered returns why Include or Exclude leave a URL out, or "".
func (f *filter) filtered(href, key string) string {
	switch {
	case anyMatch(f.exclude, href) || key != href && anyMatch(f.exclude, key):
		return skipExclude
	case len(f.include) > 0 && !anyMatch(f.include, href) && (key == href || !anyMatch(f.include, key)):
		return skipInclude
	}
	return ""
}
