package crawler

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/crawlkit/crawl/extract"
)

// Config says how to crawl. The zero value of every field means its default,
// documented on the field; New rejects values that make no sense.
type Config struct {
	// Concurrency is the number of fetchers working at once. Default 16.
	Concurrency int
	// PerHost limits the requests in flight to one host (scheme, host and
	// port). Default 8. A host that answers 429 or 503 gets fewer until it
	// recovers.
	PerHost int
	// Rate limits the requests per second to one host; 0, the default,
	// means no limit. A robots.txt Crawl-delay can only lower it.
	Rate float64
	// Timeout bounds one attempt at a URL, from dialing to the last byte
	// of the body, redirects included; a retry gets a fresh one. It also
	// catches a server that trickles its body. Default 30s.
	Timeout time.Duration
	// MaxBody is the number of bytes read from a body, counted after
	// decompression; the rest is not read and the record says truncated.
	// Default 10 MiB.
	MaxBody int64
	// MaxRedirects is the number of redirects followed per URL. Default 10;
	// a negative value follows none.
	MaxRedirects int
	// Retries is how many times a URL is tried again after a network error,
	// a timeout, a body cut short, or HTTP 408, 429 or 5xx. Default 2; a
	// negative value retries nothing.
	Retries int
	// RetryBackoff is the wait before the first retry; it doubles for each
	// next one, half of it random, and a Retry-After header overrides it
	// (both capped at 30s). Default 500ms.
	RetryBackoff time.Duration
	// IgnoreRobots skips robots.txt; by default each host's is fetched once
	// and obeyed (RFC 9309), Crawl-delay included.
	IgnoreRobots bool
	// DenyPrivate refuses to connect to loopback, private, link-local,
	// unspecified and other non-public addresses. It is checked when
	// dialing, so neither redirects nor DNS answers get around it.
	DenyPrivate bool
	// UserAgent is sent with every request. Default "crawl/<version>".
	UserAgent string
	// Header holds extra request headers, sent with every request.
	Header http.Header
	// Grace is how long requests in flight may go on after the context
	// passed to Run is cancelled, before they are cut off and recorded as
	// interrupted. Default 2s; a negative value cuts them off at once.
	Grace time.Duration
	// Logger receives a line per URL at level Info and problems at Warn.
	// Default: discard.
	Logger *slog.Logger

	// Depth is how many links are followed from the seeds: links found on a
	// page at depth d < Depth are crawled at depth d+1, where d is the
	// fewest links from any seed. 0, the default, crawls the seeds only.
	// Only http(s) links are followed.
	Depth int
	// Scope limits the links followed to the seed's host (the default), its
	// registrable domain, or none; checked on every redirect hop too.
	Scope Scope
	// Include, when set, follows only links matching one of them; Exclude
	// follows none that match one of them, and wins. Both are matched
	// against the absolute URL, fragment removed, and against its dedup
	// key (see Normalizer), which decodes the escapes a server decodes.
	Include, Exclude []*regexp.Regexp
	// MaxPages caps the pages taken into the crawl, seeds included, exactly:
	// requests in flight count, and a seed past the cap is recorded as
	// skipped. MaxPagesPerHost caps them per host name. 0: no cap.
	MaxPages, MaxPagesPerHost int
	// SortQuery and StripParams refine the dedup key of a URL (see
	// Normalizer).
	SortQuery   bool
	StripParams []string
	// Sitemap adds the URLs of each seed host's sitemaps (those its
	// robots.txt names, else /sitemap.xml; gzip and sitemap indexes
	// followed) as depth-1 discoveries, in scope and filtered like links.
	// It needs Depth 1 or more.
	Sitemap bool
	// Check makes the crawl a link check: every http(s) link on a crawled
	// page that the scope, the depth or Include leaves out (but not one
	// Exclude does) is checked instead of crawled, once per URL: a HEAD,
	// then a GET when the HEAD fails, without reading or parsing the body,
	// under the same politeness. Its record has Checked set. A redirect of
	// a crawled page out of the scope is followed and checked the same way.
	// It needs Depth 1 or more, and implies Anchors.
	Check bool
	// CheckCache, when set, is asked for a fresh result of a link before
	// Check fetches it.
	CheckCache CheckCache
	// Anchors records on each HTML page the ids and <a name>s its links'
	// fragments can point to (results.Record.Anchors).
	Anchors bool
	// Cookies is the cookie jar requests use and responses fill; nil gives
	// each Run a jar of its own (net/http/cookiejar with the public suffix
	// list), so that a site that sets a cookie and redirects works, and
	// cookies never cross to another site. NoCookies sends none.
	Cookies   http.CookieJar
	NoCookies bool
	// Proxy is how hosts are reached: "" through the proxies the standard
	// environment variables name (HTTP_PROXY, HTTPS_PROXY, NO_PROXY and
	// their lower-case forms; Go skips them for localhost and loopback
	// addresses), "none" directly, or through the proxy at this URL
	// (http, https, socks5 or socks5h, user:pass@ for credentials). See
	// network for what DenyPrivate can check through each.
	Proxy string
	// Insecure skips the verification of TLS certificates. RootCAs, when
	// set, are the certificate authorities trusted instead of the system's.
	Insecure bool
	RootCAs  *x509.CertPool
	// OnRequest, when set, is called with every request before it is sent
	// (robots.txt and redirect hops included), to set headers or cookies;
	// its error fails the URL. The request's header is its own to change.
	OnRequest func(*http.Request) error
	// Transport, when set, sends the requests instead of crawl's own. The
	// body limits, timeouts, redirects, robots.txt and politeness still
	// apply; DenyPrivate can then only refuse hosts given as private IP
	// addresses or localhost, as through a proxy, since the addresses are
	// dialed by Transport.
	Transport http.RoundTripper
	// Follow, when set, is asked about every link and sitemap URL that the
	// scope and the other filters let through, with the page it is on (the
	// sitemap, for a sitemap's URL), the link and the depth it would be
	// crawled at; a link it refuses is counted as not followed for
	// "filter". It is called from many goroutines at once.
	Follow func(from, to *url.URL, depth int) bool
	// Frontier, when set, is the frontier Run crawls instead of one of its
	// own: a shared one (package redis) lets many processes crawl one job.
	// It then keeps the page limits (MaxPages, MaxPagesPerHost) itself,
	// stores the records with each task's end, and decides when the crawl
	// is over; the sink passed to Run still gets this process's records.
	Frontier Frontier
	// Robots, when set, shares robots.txt files between the processes of
	// one crawl, so that each host's is fetched once; Limiter, when set,
	// holds PerHost and Rate (and Crawl-delay) for all of them together.
	Robots  RobotsStore
	Limiter HostLimiter
	// Select are custom fields read from every HTML page into the
	// record's Fields (see extract.ParseField); ButtonDetails lists its
	// buttons in detail in Buttons. Both keep text in the parse tree,
	// which costs time; without them it holds elements only.
	Select        []extract.Field
	ButtonDetails bool
	// Renderer, when set, renders every HTML page crawl fetched in a
	// browser (package render), and the record's buttons, links, fields
	// and button details are read from the DOM the page's scripts leave.
	// Local files are extracted as served.
	Renderer Renderer
	// SpillDir is where the frontier keeps the discovered URLs that do not
	// fit its window in memory. Default: the system's temporary directory.
	SpillDir string
}

// Defaults for the zero values of Config.
const (
	DefaultConcurrency  = 16
	DefaultPerHost      = 8
	DefaultRetries      = 2
	DefaultRetryBackoff = 500 * time.Millisecond
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBody      = 10 << 20
	DefaultMaxRedirects = 10
	DefaultGrace        = 2 * time.Second
)

// withDefaults returns c with zero values replaced by defaults, or an error
// naming the first field that is out of range.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Concurrency >= 0, "concurrency %d: must be at least 1", c.Concurrency)
	check(c.PerHost >= 0, "per-host %d: must be at least 1", c.PerHost)
	check(c.Rate >= 0, "rate %v: must not be negative", c.Rate)
	check(c.RetryBackoff >= 0, "retry backoff %v: must not be negative", c.RetryBackoff)
	check(c.Timeout >= 0, "timeout %v: must be positive", c.Timeout)
	check(c.MaxBody >= 0, "max body %d: must be positive", c.MaxBody)
	check(c.Depth >= 0, "depth %d: must not be negative", c.Depth)
	check(c.Scope >= ScopeHost && c.Scope <= ScopeAny, "scope %d: unknown", c.Scope)
	check(c.MaxPages >= 0, "max pages %d: must not be negative", c.MaxPages)
	check(c.MaxPagesPerHost >= 0, "max pages per host %d: must not be negative", c.MaxPagesPerHost)
	check(!c.Sitemap || c.Depth > 0, "sitemap: needs a depth of 1 or more")
	check(!c.Check || c.Depth > 0, "check: needs a depth of 1 or more")
	check(!c.Check || c.Frontier == nil, "check: a shared frontier is not supported")
	for _, p := range c.StripParams {
		check(p != "", "strip param: empty name")
	}
	// The fields are made again, so that one built by hand (not by
	// extract.ParseField) is checked and compiled too.
	names := map[string]bool{}
	fields := make([]extract.Field, 0, len(c.Select))
	for _, f := range c.Select {
		g, err := extract.NewField(f.Name, f.Selector, f.Attr)
		check(err == nil, "select: %v", err)
		check(!names[f.Name], "select: field %s given twice", f.Name)
		names[f.Name] = true
		fields = append(fields, g)
	}
	c.Select = fields
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	c.Concurrency = cmp.Or(c.Concurrency, DefaultConcurrency)
	c.PerHost = cmp.Or(c.PerHost, DefaultPerHost)
	c.Retries = max(cmp.Or(c.Retries, DefaultRetries), 0)
	c.RetryBackoff = cmp.Or(c.RetryBackoff, DefaultRetryBackoff)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.MaxBody = cmp.Or(c.MaxBody, DefaultMaxBody)
	c.MaxRedirects = max(cmp.Or(c.MaxRedirects, DefaultMaxRedirects), 0)
	c.Grace = max(cmp.Or(c.Grace, DefaultGrace), 0)
	c.Anchors = c.Anchors || c.Check
	if c.UserAgent == "" {
		c.UserAgent = "crawl/" + Version()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Version returns the version of the crawl module this program was built
// from, or "dev" for a build from a work tree.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	const module = "github.com/crawlkit/crawl"
	if info.Main.Path == module && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == module {
			return dep.Version
		}
	}
	return "dev"
}
