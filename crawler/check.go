package crawler

import (
	"context"
	"errors"
	"net/http"

	"github.com/crawlkit/crawl/internal/weburl"
	"github.com/crawlkit/crawl/results"
)

// CheckCache holds the results of links checked by earlier runs (see
// Config.Check), so that a link checked recently is not fetched again.
// It is called from many goroutines at once.
type CheckCache interface {
	// Lookup returns the record of url's check when it is fresh enough to
	// be used instead of a fetch.
	Lookup(url string) (results.Record, bool)
}

// checkFetch checks a link without reading its body: a HEAD, then a GET
// when the HEAD fails or answers 4xx or 5xx, since many servers refuse
// HEAD (405, 501) or answer it wrongly (404 to a HEAD, 200 to a GET). A
// HEAD that timed out, or whose redirects went wrong, is not tried again
// as a GET: the GET would fail the same way, after as long. Nor is a 429
// or 503, which asks for fewer requests: the retry waits as it says.
func (c *Crawler) checkFetch(ctx context.Context, target weburl.URL, hop hopCheck) (*response, error) {
	resp, err := c.fetch(ctx, http.MethodHead, target, nil, hop)
	if err == nil && (resp.status < 400 || slowsHost(resp.status)) {
		return resp, nil // a 429 or 503 asks for fewer requests: retried later, as a HEAD
	}
	var redirect *redirectError
	var stop *redirectStop
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &redirect) || errors.As(err, &stop) {
		return resp, err
	}
	return c.fetch(ctx, http.MethodGet, target, nil, hop)
}

// fromCache makes the record of a link checked from its cached record.
func fromCache(rec, cached results.Record) results.Record {
	rec.Status, rec.FinalURL, rec.Redirect = cached.Status, cached.FinalURL, cached.Redirect
	rec.ContentType, rec.FetchedAt, rec.Error = cached.ContentType, cached.FetchedAt, cached.Error
	rec.Checked = true
	return rec
}
