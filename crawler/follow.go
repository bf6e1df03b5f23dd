package crawler

import (
	"context"
	"net/url"

	"github.com/crawlkit/crawl/internal/weburl"
	"github.com/crawlkit/crawl/results"
)

// seedTask makes the task of a seed, or of a record being replayed.
func (c *Crawler) seedTask(s Seed) Task {
	t := Task{Seed: s}
	if s.Done != nil {
		t.URL, t.Depth, t.Parent = s.Done.URL, s.Done.Depth, s.Done.Parent
	}
	t.Key = "\x00" + t.URL // no URL has this key: an invalid input is deduped as it is spelled
	if u, err := weburl.Parse(t.URL); err == nil {
		t.Key = c.norm.Key(&u)
	}
	return t
}

// follow adds to b the links of a page (rec, of task page) to be offered
// to the frontier, and those not followed with the reason. Only http(s)
// links are followed; the page's final URL sets their scope and rec.URL is
// their parent.
func (c *Crawler) follow(ctx context.Context, page Task, rec *results.Record, b *linkBatch) {
	if c.cfg.Depth == 0 || len(rec.Link) == 0 {
		return
	}
	pageURL, err := weburl.Parse(page.URL)
	if err != nil {
		return
	}
	scopeKey := c.cfg.Scope.key(&pageURL)
	if rec.FinalURL != "" && rec.FinalURL != page.URL {
		if final, err := weburl.Parse(rec.FinalURL); err == nil {
			scopeKey = c.cfg.Scope.key(&final)
		}
	}
	var from *url.URL
	if c.cfg.Follow != nil {
		from, _ = url.Parse(rec.URL)
	}
	// Most links of a site are to pages taken already (its menus are on
	// every page): the frontier would drop them, and telling costs less
	// than parsing them again. Config.Follow is asked about every link.
	seen, _ := b.front.(seenKeys)
	if c.cfg.Follow != nil {
		seen = nil
	}
	for _, href := range rec.Link {
		if seen != nil && seen.Seen(c.norm.KeyOf(href)) {
			continue
		}
		u, err := weburl.Parse(href)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" {
			continue
		}
		child := Task{Seed: Seed{URL: withoutFragment(&u)}, Depth: page.Depth + 1, Parent: rec.URL, Key: c.norm.Key(&u)}
		reason := c.filter.reason(&u, child.URL, child.Key, page.Depth, scopeKey)
		if c.cfg.Check && c.filter.checks(reason, child.URL, child.Key) {
			child.Check, reason = true, ""
		}
		if child.Extended = selfExtending(&pageURL, page.Extended, &u); child.Extended > maxSelfExtended && reason == "" {
			reason = skipTrap
		}
		if reason == "" && c.cfg.Follow != nil && !c.follows(from, child.URL, child.Depth) {
			reason = skipFilter
		}
		if reason != "" {
			b.notFollowed(ctx, NotFollowed{Key: child.Key, Reason: reason})
		} else {
			b.link(ctx, child)
		}
	}
}

// seenKeys is a frontier that tells cheaply whether it has taken a key.
type seenKeys interface{ Seen(key string) bool }

// follows asks Config.Follow about a link.
func (c *Crawler) follows(from *url.URL, to string, depth int) bool {
	u, err := url.Parse(to)
	return err == nil && c.cfg.Follow(from, u, depth)
}
