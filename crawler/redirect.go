package crawler

import (
	"context"
	"slices"

	"github.com/crawlkit/crawl/internal/weburl"
)

// hopCheck vets a redirect, from a response of the given status to next,
// before it is followed; an error stops the fetch there.
type hopCheck func(ctx context.Context, status int, next *weburl.URL) error

// redirectStop is a redirect not followed, for a reason that is no error:
// it leads to a page already in the crawl, or out of its scope.
type redirectStop struct {
	status      int    // of the redirect
	url         string // where it pointed
	duplicateOf string // the key of the page it leads to, already taken
	skip        string // or why it is not followed
}

func (e *redirectStop) Error() string { return "redirect to " + e.url + " not followed" }

// redirectCheck returns the checks on the redirects of task t in a
// recursive crawl: a discovered page must stay in its scope (and
// Include/Exclude) on every hop, and every page reached takes its key, so
// that two URLs redirecting to one page fetch it once. The hops of one
// chain may come back to a key of the chain: that is a loop, which
// MaxRedirects ends. A crawl of the inputs alone follows every redirect,
// so that each input's record has its own page.
func (c *Crawler) redirectCheck(r *run, t *Task) hopCheck {
	if c.cfg.Depth == 0 {
		return nil
	}
	var scopeKey string
	if t.Depth > 0 {
		if u, err := weburl.Parse(t.URL); err == nil {
			scopeKey = c.cfg.Scope.key(&u)
		}
	}
	chain := []string{t.Key}
	return func(ctx context.Context, status int, next *weburl.URL) error {
		href := withoutFragment(next)
		if t.Depth > 0 {
			if reason := c.filter.hopReason(next, href, scopeKey); reason != "" {
				return &redirectStop{status: status, url: next.Href, skip: reason}
			}
		}
		key := c.norm.Key(next)
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
