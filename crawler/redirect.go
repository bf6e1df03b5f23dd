package crawler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/crawlkit/crawl/internal/weburl"
)

// hopCheck vets a redirect, from a response of the given status to next,
// before it is followed; an error stops the fetch there.
type hopCheck func(ctx context.Context, status int, next *weburl.URL) error

// redirectStop is a redirect not followed, for a reason that is no error:
// it leads to a page already in the crawl, or out of its scope.
type redirectStop struct {
	status      int    // of the redirect
	first       int    // the status of the first redirect of the chain
	url         string // where it pointed
	duplicateOf string // the key of the page it leads to, already taken
	skip        string // or why it is not followed
}

func (e *redirectStop) Error() string { return "redirect to " + e.url + " not followed" }

// redirectCheck returns the checks on the redirects of job j. Every hop to
// another origin must be allowed by that origin's robots.txt (unless robots
// are ignored); a refused hop ends the fetch there, recorded with the
// error "disallowed by robots.txt" for an input and as skipped for a
// discovered page. In a recursive crawl a discovered page must also stay
// in its scope (and Include/Exclude) on every hop, and every page reached
// takes its key, so that two URLs redirecting to one page fetch it once;
// the hops of one chain may come back to a key of the chain, a loop that
// MaxRedirects ends. A crawl of the inputs alone follows their redirects
// to pages already crawled, so that each input's record has its own page.
func (c *Crawler) redirectCheck(r *run, j *job, buf *bodyBuf) hopCheck {
	recursive := c.cfg.Depth > 0
	if !recursive && c.cfg.IgnoreRobots {
		return nil
	}
	t := &j.task
	var scopeKey string
	if t.Depth > 0 {
		scopeKey = c.cfg.Scope.key(&j.target)
	}
	var chain []string // the keys this fetch reached, made on the first hop
	return func(ctx context.Context, status int, next *weburl.URL) error {
		if err := c.hopAllowed(ctx, r, j, next, buf); err != nil {
			var unreachable *errUnreachable
			switch {
			case errors.As(err, &unreachable):
				return errors.New(unreachable.msg)
			case t.Depth > 0:
				return &redirectStop{status: status, url: next.Href, skip: skipRobots}
			}
			return fmt.Errorf("redirect to %s %w", next.Href, err)
		}
		if !recursive || t.Check || j.leftScope {
			return nil // a link checked takes no key: it is no page of the crawl
		}
		href, key := withoutFragment(next), c.norm.Key(next)
		if t.Depth > 0 {
			reason := c.filter.hopReason(next, href, key, scopeKey)
			if c.cfg.Check && (reason == skipScope || reason == skipInclude) && c.filter.filtered(href, key) != skipExclude {
				j.leftScope = true // checked where it leads, not crawled
				return nil
			}
			if reason != "" {
				return &redirectStop{status: status, url: next.Href, skip: reason}
			}
		}
		if chain == nil {
			chain = []string{t.Key}
		}
		if slices.Contains(chain, key) {
			return nil
		}
		chain = append(chain, key)
		added, err := r.front.Claim(ctx, key)
		if err != nil {
			return err
		}
		if !added {
			return &redirectStop{status: status, url: next.Href, duplicateOf: key}
		}
		return nil
	}
}

// hopAllowed checks a redirect to next against its origin's robots.txt:
// the job's own rules on its origin, else the scheduler's for that origin,
// else the run's cache of rules fetched for redirects, else a fetch.
func (c *Crawler) hopAllowed(ctx context.Context, r *run, j *job, next *weburl.URL, buf *bodyBuf) error {
	if c.cfg.IgnoreRobots {
		return nil
	}
	origin := originKey(next)
	if origin == j.host.key {
		return j.rules.allowed(next)
	}
	if rules := r.sched.rules(origin); rules != nil {
		return rules.allowed(next)
	}
	return r.hopRobots.get(origin, func() *robotsRules { return c.fetchRobots(ctx, *next, buf) }).allowed(next)
}

// robotsCache keeps the robots.txt rules of origins reached by redirect,
// fetched once each even when several hops reach an origin at once; it
// holds at most maxHopRobots origins, starting over when full, so that a
// crawl redirected to a million hosts stays small.
type robotsCache struct {
	mu      sync.Mutex
	entries map[string]*robotsEntry
}

// robotsEntry is an origin's rules, once ready is closed.
type robotsEntry struct {
	ready chan struct{}
	rules *robotsRules
}

const maxHopRobots = 4096

func (rc *robotsCache) get(origin string, fetch func() *robotsRules) *robotsRules {
	rc.mu.Lock()
	e := rc.entries[origin]
	if e != nil {
		rc.mu.Unlock()
		<-e.ready
		if time.Now().Before(e.rules.expires) {
			return e.rules
		}
		rc.mu.Lock()
		if rc.entries[origin] == e {
			delete(rc.entries, origin)
		}
		rc.mu.Unlock()
		return rc.get(origin, fetch)
	}
	if rc.entries == nil || len(rc.entries) >= maxHopRobots {
		rc.entries = make(map[string]*robotsEntry)
	}
	e = &robotsEntry{ready: make(chan struct{})}
	rc.entries[origin] = e
	rc.mu.Unlock()
	e.rules = fetch()
	close(e.ready)
	return e.rules
}
