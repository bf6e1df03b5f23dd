package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
)

// robotsRules is what a host's robots.txt says to this crawler.
type robotsRules struct {
	group *robotstxt.Group // nil: everything is allowed
	// disallow, when set, disallows everything: robots.txt could not be
	// read (5xx, no answer), which RFC 9309 says means a full disallow.
	disallow   string
	crawlDelay time.Duration
	expires    time.Time
	sitemaps   []string // the Sitemap: lines
}

// allowed reports whether u may be fetched; the error says why not.
func (r *robotsRules) allowed(u *weburl.URL) error {
	if r == nil {
		return nil
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
	u, err := weburl.Resolve(&target, "/robots.txt", nil)
	if err != nil {
		return &robotsRules{expires: time.Now().Add(robotsTTL)} // cannot happen for http(s)
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
		return c.robotsFrom(status, body, err)
	}
}

// robotsFrom turns a robots.txt response into rules, as RFC 9309 says: a
// 2xx body is parsed, 4xx means there are no rules, 5xx, 429 and no answer
// mean everything is disallowed for now.
func (c *Crawler) robotsFrom(status int, body []byte, err error) *robotsRules {
	now := time.Now()
	switch {
	case errors.Is(err, errDenied):
		// DenyPrivate refused the host: its URLs fail with that, not
		// with a robots.txt that was never asked for.
		return &robotsRules{expires: now.Add(robotsTTL)}
	case err != nil:
		return &robotsRules{disallow: "robots.txt unreachable: " + errorText(err), expires: now.Add(robotsRetryTTL)}
	case status == http.StatusTooManyRequests || status >= 500:
		return &robotsRules{disallow: fmt.Sprintf("robots.txt answered HTTP %d", status), expires: now.Add(robotsRetryTTL)}
	case status < 200 || status > 299:
		return &robotsRules{expires: now.Add(robotsTTL)}
	}
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		return &robotsRules{expires: now.Add(robotsTTL)} // unparsable rules allow everything
	}
	g := data.FindGroup(robotsAgent(c.cfg.UserAgent))
	return &robotsRules{group: g, crawlDelay: g.CrawlDelay, expires: now.Add(robotsTTL), sitemaps: data.Sitemaps}
}

// getRobots GETs u, following up to five redirects; more mean there is no
// robots.txt. The body is read up to maxRobotsBytes.
func (c *Crawler) getRobots(ctx context.Context, u weburl.URL, buf *bodyBuf) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, _, err := c.get(ctx, u, robotsRedirects, nil)
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
