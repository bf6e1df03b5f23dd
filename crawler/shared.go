package crawler

import (
	"context"
	"net/http"
	"time"
)

// RobotsStore keeps the robots.txt files of the hosts of a crawl that many
// processes share (Config.Robots), so that each is fetched once.
type RobotsStore interface {
	// Robots returns what origin's robots.txt answered, calling fetch, in
	// one process of all, when no answer is stored or it has expired.
	Robots(ctx context.Context, origin string, fetch func() RobotsFile) (RobotsFile, error)
}

// RobotsFile is what a host answered for its robots.txt.
type RobotsFile struct {
	Status int    `json:"status,omitempty"`
	Body   []byte `json:"body,omitempty"`
	// Err is the network error, when there was no answer; Denied says it
	// was DenyPrivate's refusal.
	Err      string `json:"error,omitempty"`
	Denied   bool   `json:"denied,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
	// Expires is when the file is to be fetched again: a day after an
	// answer, a minute after none (RFC 9309).
	Expires time.Time `json:"expires"`
}

// ErrorNoter is a Frontier that wants to know the errors of the attempts
// that are retried: a shared one keeps the last, for the record of a URL
// whose process stops before it is done.
type ErrorNoter interface {
	NoteError(ctx context.Context, t Task, msg string)
}

// HostLimiter holds the politeness limits of a crawl that many processes
// share (Config.Limiter): at most perHost requests in flight to an origin,
// and at least interval between the starts of two, counted across them all.
type HostLimiter interface {
	// Acquire blocks until a request to origin may start, and returns the
	// function that ends it.
	Acquire(ctx context.Context, origin string, perHost int, interval time.Duration) (release func(), err error)
}

// sharedFetch fetches a job's target, first waiting for the Limiter, when
// there is one, to let the request start.
func (c *Crawler) sharedFetch(ctx context.Context, r *run, j *job, buf *bodyBuf) (*response, error) {
	if c.cfg.Limiter != nil {
		var interval time.Duration
		if c.cfg.Rate > 0 {
			interval = time.Duration(float64(time.Second) / c.cfg.Rate)
		}
		if j.rules != nil {
			interval = max(interval, j.rules.crawlDelay)
		}
		release, err := c.cfg.Limiter.Acquire(ctx, j.host.key, c.cfg.PerHost, interval)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	if j.task.Check {
		return c.checkFetch(ctx, j.target, c.redirectCheck(r, j, buf))
	}
	return c.fetch(ctx, http.MethodGet, j.target, buf, c.redirectCheck(r, j, buf))
}
