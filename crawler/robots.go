package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/crawlkit/crawl/internal/weburl"
)

// RFC 9309 limits: robots.txt is read up to maxRobotsBytes (the RFC asks
// for at least 500 KiB) and through at most robotsRedirects redirects.
const (
	maxRobotsBytes  = 512 << 10
	robotsRedirects = 5
	// robotsTTL is how long rules are kept (the RFC's 24 hours), and
	// robotsRetryTTL how long an unreachable robots.txt disallows a host
	// before it is fetched again.
	robotsTTL      = 24 * time.Hour
	robotsRetryTTL = time.Minute
	// maxCrawlDelay caps a robots.txt Crawl-delay, as Retry-After is
	// capped: a host asking for a day between requests would stall its
	// URLs without a word.
	maxCrawlDelay = maxRetryWait
)

// robotsRules is what a host's robots.txt says to this crawler.
type robotsRules struct {
	group *robotstxt.Group // nil: everything is allowed
	// disallow, when set, disallows everything: robots.txt could not be
	// read (5xx, 429), which RFC 9309 says means a full disallow.
	disallow string
	// unreachable, when set, is why the host could not be reached at all
	// for its robots.txt (no such name, connection refused, TLS): its URLs
	// are not fetched, and their records carry this error and the requests
	// made, as a fetch of their own would have.
	unreachable string
	attempts    int
	crawlDelay  time.Duration
	expires     time.Time
	sitemaps    []string // the Sitemap: lines
}

// errUnreachable marks the refusal of a URL whose host could not be reached
// for its robots.txt: a network error, not a robots.txt rule.
type errUnreachable struct {
	msg      string
	attempts int
}

func (e *errUnreachable) Error() string { return e.msg }

// allowed reports whether u may be fetched; the error says why not.
func (r *robotsRules) allowed(u *weburl.URL) error {
	if r == nil {
		return nil
	}
	if r.unreachable != "" {
		return &errUnreachable{msg: r.unreachable, attempts: r.attempts}
	}
	if r.disallow != "" {
		return fmt.Errorf("disallowed by robots.txt (%s)", r.disallow)
	}
	path := u.Path
	if u.HasQuery {
		path += "?" + u.Query
	}
	if r.group != nil && !r.group.Test(path) {
		return fmt.Errorf("disallowed by robots.txt")
	}
	return nil
}

// robotsAgent is the product token robots.txt groups are matched against:
// "crawl" for "crawl/1.2 (+https://...)".
func robotsAgent(userAgent string) string {
	token, _, _ := strings.Cut(userAgent, "/")
	token, _, _ = strings.Cut(token, " ")
	return strings.ToLower(strings.TrimSpace(token))
}

// fetchRobots fetches and parses the robots.txt of target's origin. It
// retries network errors and 5xx like any fetch; what it cannot read
// disallows the host for a minute.
func (c *Crawler) fetchRobots(ctx context.Context, target weburl.URL, buf *bodyBuf) *robotsRules {
	fetch := func() RobotsFile { return c.robotsFile(ctx, target, buf) }
	f := RobotsFile{}
	if c.cfg.Robots != nil {
		var err error
		if f, err = c.cfg.Robots.Robots(ctx, originKey(&target), fetch); err != nil {
			c.log.Warn("shared robots.txt not reached; fetching it here", "host", target.Host, "error", err)
			f = fetch()
		}
	} else {
		f = fetch()
	}
	var err error
	switch {
	case f.Denied:
		err = errDenied
	case f.Err != "":
		err = errors.New(f.Err)
	}
	rules := c.robotsFrom(target.Host, f.Status, f.Body, err)
	rules.attempts = f.Attempts
	if !f.Expires.IsZero() {
		rules.expires = f.Expires
	}
	return rules
}

// robotsFile fetches the robots.txt of target's origin, retrying as for
// pages.
func (c *Crawler) robotsFile(ctx context.Context, target weburl.URL, buf *bodyBuf) RobotsFile {
	u, err := weburl.Resolve(&target, "/robots.txt", nil)
	if err != nil {
		return RobotsFile{Status: http.StatusNotFound} // cannot happen for http(s)
	}
	for attempt := 1; ; attempt++ {
		status, body, err := c.getRobots(ctx, u, buf)
		retry := err != nil && retryableError(err) || err == nil && retryableStatus(status)
		if retry && attempt <= c.cfg.Retries && ctx.Err() == nil {
			select {
			case <-time.After(backoff(c.cfg.RetryBackoff, attempt)):
				continue
			case <-ctx.Done():
			}
		}
		f := RobotsFile{Status: status, Body: bytes.Clone(body), Attempts: attempt, Expires: time.Now().Add(robotsTTL)}
		if err != nil {
			f.Err, f.Denied = errorText(err), errors.Is(err, errDenied)
		}
		if err != nil && !f.Denied || status == http.StatusTooManyRequests || status >= 500 {
			f.Expires = time.Now().Add(robotsRetryTTL)
		}
		return f
	}
}

// robotsFrom turns a robots.txt response into rules, as RFC 9309 says: a
// 2xx body is parsed, 4xx means there are no rules, 5xx, 429 and no answer
// mean everything is disallowed for now.
func (c *Crawler) robotsFrom(host string, status int, body []byte, err error) *robotsRules {
	now := time.Now()
	switch {
	case errors.Is(err, errDenied):
		// DenyPrivate refused the host: its URLs fail with that, not
		// with a robots.txt that was never asked for.
		return &robotsRules{expires: now.Add(robotsTTL)}
	case err != nil:
		return &robotsRules{unreachable: errorText(err), expires: now.Add(robotsRetryTTL)}
	case status == http.StatusTooManyRequests || status >= 500:
		return &robotsRules{disallow: fmt.Sprintf("robots.txt answered HTTP %d", status), expires: now.Add(robotsRetryTTL)}
	case status < 200 || status > 299:
		return &robotsRules{expires: now.Add(robotsTTL)}
	}
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		return &robotsRules{expires: now.Add(robotsTTL)} // unparsable rules allow everything
	}
	group, err := robotstxt.FromBytes(robotsGroup(body, robotsAgent(c.cfg.UserAgent)))
	if err != nil {
		return &robotsRules{expires: now.Add(robotsTTL)}
	}
	g := group.FindGroup("*")
	delay := g.CrawlDelay
	if delay > maxCrawlDelay {
		c.log.Warn("robots.txt Crawl-delay capped", "host", host, "crawl-delay", delay, "cap", maxCrawlDelay)
		delay = maxCrawlDelay
	}
	return &robotsRules{group: g, crawlDelay: delay, expires: now.Add(robotsTTL), sitemaps: data.Sitemaps}
}

// robotsGroup returns our group's rules as a robots.txt of one "*" group.
// temoto's robotstxt matches User-agent lines as prefixes of the name it
// is asked for ("c" and "crawl" both bind "crawler"), and lets "*" win
// over a one-letter name. RFC 9309 section 2.2.1 matches the product
// token exactly, case-insensitively, and merges every group that names
// it; "*" applies only when none does. So the groups are chosen here and
// temoto, which is right about the rules, reads only theirs: a small
// wrapper, rather than a fork to keep up.
func robotsGroup(body []byte, token string) []byte {
	var ours, star []byte
	var agents []string
	inRules := false
	for line := range strings.Lines(string(body)) {
		text, _, _ := strings.Cut(line, "#")
		key, value, ok := strings.Cut(text, ":")
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		switch {
		case !ok:
			continue
		case key == "user-agent":
			if inRules {
				agents, inRules = nil, false
			}
			agents = append(agents, strings.ToLower(value))
		case key == "sitemap":
			// Not part of any group.
		default:
			inRules = true
			switch {
			case slices.Contains(agents, strings.ToLower(token)):
				ours = append(ours, strings.TrimSpace(text)+"\n"...)
			case slices.Contains(agents, "*"):
				star = append(star, strings.TrimSpace(text)+"\n"...)
			}
		}
	}
	rules := star
	if ours != nil {
		rules = ours
	}
	return append([]byte("User-agent: *\n"), rules...)
}

// getRobots GETs u, following up to five redirects; more mean there is no
// robots.txt. The body is read up to maxRobotsBytes.
func (c *Crawler) getRobots(ctx context.Context, u weburl.URL, buf *bodyBuf) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, _, err := c.get(ctx, http.MethodGet, u, robotsRedirects, nil)
	var redirect *redirectError
	if errors.As(err, &redirect) {
		return http.StatusNotFound, nil, nil // unavailable: no rules
	}
	if err != nil {
		return 0, nil, err
	}
	defer closeBody(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, nil, nil
	}
	body, err := decompress(resp)
	if err != nil {
		return 0, nil, err
	}
	if _, err := buf.read(body, maxRobotsBytes, 0); err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, buf.bytes(), nil
}
