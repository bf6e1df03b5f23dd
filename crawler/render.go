package crawler

import (
	"context"
	"io"
	"net/http"

	"github.com/crawlkit/crawl/results"
)

// Renderer renders an HTML page that crawl has fetched in a browser with
// scripts on, and reads the buttons and links of the DOM they leave
// (Config.Renderer; package render). It never fetches the document
// itself: it is handed the one crawl's fetcher read, so that robots.txt,
// politeness, retries, limits and redirects hold as for any page.
type Renderer interface {
	Render(ctx context.Context, doc Document) (Rendered, error)
}

// Document is a page crawl fetched, for a Renderer.
type Document struct {
	// URL is the page's final URL, after redirects.
	URL         string
	Status      int
	ContentType string
	Body        []byte
	// Fetch sends a request the page makes (a script, a stylesheet, an
	// XHR) through crawl's own network: its proxy, its private-address
	// guard, its cookies. The caller closes the response's body.
	Fetch func(ctx context.Context, req *http.Request) (*http.Response, error)
	// Serialize asks for Rendered.HTML, for fields and button details.
	Serialize bool
}

// Rendered is what a Renderer read from a page's DOM.
type Rendered struct {
	// Buttons and Links are read by the rules of the static extraction
	// (see extract.Page), from the DOM as the page's scripts left it,
	// open shadow roots included.
	Buttons, Links []string
	// TimedOut is set when the DOM was still changing when the wait for
	// it to settle ran out; Buttons and Links are what it held then.
	TimedOut bool
	// HTML is, with Document.Serialize, the DOM serialized, open shadow
	// roots as declarative ones (<template shadowrootmode="open">).
	HTML string
}

// render renders a fetched HTML page with Config.Renderer into rec: its
// buttons and links from the live DOM, and its fields and button details
// from the DOM as serialized (open shadow roots as declarative ones).
func (c *Crawler) render(ctx context.Context, resp *response, rec *results.Record) {
	details := len(c.cfg.Select) > 0 || c.cfg.ButtonDetails || c.cfg.Anchors
	doc := Document{URL: resp.finalURL, Status: resp.status, ContentType: resp.contentType, Body: resp.body, Fetch: c.subresource, Serialize: details}
	out, err := c.cfg.Renderer.Render(ctx, doc)
	switch {
	case err != nil && ctx.Err() != nil:
		rec.Error = ErrInterrupted.Error()
		return
	case err != nil:
		rec.Error = err.Error()
		return
	}
	rec.Rendered, rec.Button, rec.Link = true, out.Buttons, out.Links
	if out.TimedOut {
		rec.Render = RenderTimeout
	}
	if details {
		c.parse(ctx, []byte(out.HTML), "text/html; charset=utf-8", resp.finalURL, rec, false)
	}
}

// RenderTimeout is the record's "render" of a page whose DOM was still
// changing when the wait for it ran out.
const RenderTimeout = "timeout"

// subresource sends a request a rendered page makes, with the crawl's
// cookies and User-Agent, through its client: the proxy, DenyPrivate and
// the timeout hold for it as for a page.
func (c *Crawler) subresource(ctx context.Context, req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	req = req.WithContext(ctx)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// cancelOnClose ends a request's context when its body is closed.
type cancelOnClose struct {
	body   io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Read(p []byte) (int, error) { return b.body.Read(p) }
func (b cancelOnClose) Close() error {
	err := b.body.Close()
	b.cancel()
	return err
}
