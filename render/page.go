package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/crawlkit/crawl/crawler"
)

// maxSubresource is the most bytes of a script, stylesheet or XHR answer
// handed to the browser.
const maxSubresource = 10 << 20

// tab is one browser tab, used for one page at a time.
type tab struct {
	ctx     context.Context // chromedp's, of this tab
	cancel  context.CancelFunc
	gen     int // of the browser it is in
	pages   int
	timeout time.Duration // of a CDP step

	mu      sync.Mutex
	doc     *crawler.Document // the page being rendered
	served  bool              // its document was handed to the browser
	crashed bool
	abort   context.CancelFunc // ends the steps of the page being rendered
}

// newTab opens a tab whose every request is paused for this package to
// answer (Fetch.enable), with the observer of DOM changes installed in
// every document it loads.
func (b *Browser) newTab() (*tab, error) {
	b.mu.Lock()
	browser, gen := b.browser, b.gen
	b.mu.Unlock()
	ctx, cancel := chromedp.NewContext(browser)
	t := &tab{ctx: ctx, cancel: cancel, gen: gen, timeout: b.opt.stepTimeout}
	// The first action opens the target, which lives as long as the
	// context of that action (see chromedp.Run): its timeout cancels the
	// tab's own context instead.
	slow := time.AfterFunc(b.opt.stepTimeout, cancel)
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, inspector.Enable, cdp.Empty{}); err != nil { // for targetCrashed
			return err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: observerScript})
		return err
	}))
	if !slow.Stop() {
		err = fmt.Errorf("the browser did not answer in %v", b.opt.stepTimeout)
	}
	if err == nil {
		err = chromedp.Listen(ctx, t.event)
	}
	if err != nil {
		t.close()
		return nil, fmt.Errorf("render: open a tab: %w", err)
	}
	return t, nil
}

// close closes the tab without waiting: closing asks the browser, which
// may be one that hangs (chromedp gives up on it after 5 s).
func (t *tab) close() { go t.cancel() }

// event is called for each event of the tab, on the goroutine that reads
// them: it only hands work to others.
func (t *tab) event(ev any) {
	switch ev := ev.(type) {
	case *fetch.EventRequestPaused:
		go t.answer(ev)
	case *page.EventJavascriptDialogOpening:
		// alert(), confirm() and prompt() would hold the page, and every
		// step after them, until a person answered: they are dismissed.
		go t.call(t.ctx, func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			return err
		})
	case *inspector.EventTargetCrashed:
		t.mu.Lock()
		t.crashed = true
		if t.abort != nil {
			t.abort() // a step waiting on the dead renderer gives up now
		}
		t.mu.Unlock()
	}
}

// answer answers a paused request: the page's document with the bytes
// crawl fetched, images, fonts and media not at all (they do not change
// the DOM's links), other documents (iframes are documents of their own)
// not either, and everything else, scripts and XHR above all, through
// crawl's network.
func (t *tab) answer(ev *fetch.EventRequestPaused) {
	t.mu.Lock()
	doc, first := t.doc, false
	if doc != nil && ev.ResourceType == network.ResourceTypeDocument && !t.served && ev.Request.URL == withoutFragment(doc.URL) {
		t.served, first = true, true
	}
	t.mu.Unlock()
	switch {
	case first:
		t.fulfill(ev.RequestID, doc.Status, http.Header{"Content-Type": {doc.ContentType}}, doc.Body)
	case doc == nil, ev.ResourceType == network.ResourceTypeDocument, ev.ResourceType == network.ResourceTypeImage,
		ev.ResourceType == network.ResourceTypeMedia, ev.ResourceType == network.ResourceTypeFont:
		t.fail(ev.RequestID, network.ErrorReasonBlockedByClient)
	default:
		t.forward(ev, doc)
	}
}

// forward fetches a request of the page through crawl and hands the
// answer to the browser; a request crawl refuses (a private address under
// --deny-private, say) fails in the page as a network error.
func (t *tab) forward(ev *fetch.EventRequestPaused, doc *crawler.Document) {
	var body io.Reader
	if len(ev.Request.PostDataEntries) > 0 {
		var b bytes.Buffer
		for _, e := range ev.Request.PostDataEntries {
			b.Write(e.Bytes)
		}
		body = &b
	}
	req, err := http.NewRequest(ev.Request.Method, ev.Request.URL, body)
	if err != nil {
		t.fail(ev.RequestID, network.ErrorReasonFailed)
		return
	}
	for k, v := range ev.Request.Headers {
		if s, ok := v.(string); ok {
			req.Header.Set(k, s)
		}
	}
	resp, err := doc.Fetch(t.ctx, req)
	if err != nil {
		t.fail(ev.RequestID, network.ErrorReasonAddressUnreachable)
		return
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSubresource))
	if err != nil {
		t.fail(ev.RequestID, network.ErrorReasonFailed)
		return
	}
	t.fulfill(ev.RequestID, resp.StatusCode, resp.Header, data)
}

func (t *tab) fulfill(id fetch.RequestID, status int, h http.Header, body []byte) {
	var headers []*fetch.HeaderEntry
	for k, vs := range h {
		switch strings.ToLower(k) {
		case "content-length", "content-encoding", "transfer-encoding", "connection":
			continue // the body is whole and decoded
		}
		for _, v := range vs {
			headers = append(headers, &fetch.HeaderEntry{Name: k, Value: v})
		}
	}
	t.call(t.ctx, func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: id, ResponseCode: int64(status), ResponseHeaders: headers, Body: body})
		return err
	})
}

func (t *tab) fail(id fetch.RequestID, reason network.ErrorReason) {
	t.call(t.ctx, func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.FailRequest, fetch.FailRequestParams{RequestID: id, ErrorReason: reason})
		return err
	})
}

// call runs a CDP step on the tab, bounded by its timeout, within ctx
// (the tab's, or that of the page being rendered).
func (t *tab) call(ctx context.Context, f func(ctx context.Context, tg *chromedp.Target) error) error {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	return chromedp.Do(ctx, chromedp.Func(f))
}

// errCrashed is the error of a page whose renderer crashed.
var errCrashed = errors.New("render: the tab's renderer crashed")

// Render renders doc in a free tab, waits for its DOM to settle and reads
// it. A tab whose renderer crashed, or that stopped answering, is replaced
// and the page rendered again once; then the error names what happened.
func (b *Browser) Render(ctx context.Context, doc crawler.Document) (crawler.Rendered, error) {
	var out crawler.Rendered
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var t *tab
		select {
		case t = <-b.tabs:
		case <-ctx.Done():
			return out, ctx.Err()
		}
		t = b.fresh(t)
		out, err = b.renderIn(ctx, t, doc)
		if err == nil || ctx.Err() != nil {
			b.release(t, false)
			return out, err
		}
		b.crashed()
		b.log.Warn("render: replacing a tab", "url", doc.URL, "error", err)
		b.release(t, true)
	}
	return out, err
}

// fresh returns t, or a new tab in its place when t is of a browser that
// has been replaced.
func (b *Browser) fresh(t *tab) *tab {
	b.mu.Lock()
	gen := b.gen
	b.mu.Unlock()
	if t.gen == gen {
		return t
	}
	n, err := b.newTab()
	if err != nil {
		return t // renderIn will say what is wrong
	}
	t.close()
	return n
}

// release puts a tab back, or a new one in its place when it is broken or
// has rendered its share of pages.
func (b *Browser) release(t *tab, broken bool) {
	t.pages++
	if !broken && t.pages < recycleAfter {
		b.tabs <- t
		return
	}
	t.close()
	n, err := b.newTab()
	if err != nil {
		// No new tab: the browser itself is dead or hung. A new one.
		if err = b.relaunch(t.gen); err == nil {
			n, err = b.newTab()
		}
	}
	if err == nil {
		b.tabs <- n
		return
	}
	b.log.Warn("render: no new tab", "error", err)
	// No new tab: put the old one back, so the pool keeps its size and
	// the next page says what is wrong.
	b.tabs <- t
}

// renderIn renders doc in t.
func (b *Browser) renderIn(ctx context.Context, t *tab, doc crawler.Document) (crawler.Rendered, error) {
	run, abort := context.WithCancel(t.ctx)
	defer abort()
	stop := context.AfterFunc(ctx, abort)
	defer stop()
	t.mu.Lock()
	t.doc, t.served, t.crashed, t.abort = &doc, false, false, abort
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.doc, t.abort = nil, nil
		t.mu.Unlock()
	}()
	if err := t.call(run, func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, page.Navigate, page.NavigateParams{URL: doc.URL})
		if err == nil && res.ErrorText != "" {
			err = errors.New(res.ErrorText)
		}
		return err
	}); err != nil {
		return crawler.Rendered{}, t.failure(fmt.Errorf("render: navigate: %w", err))
	}
	if b.navigated != nil {
		b.navigated(t)
	}
	timedOut, err := b.settle(run, t)
	if err != nil {
		return crawler.Rendered{}, err
	}
	rctx, cancel := context.WithTimeout(run, t.timeout)
	defer cancel()
	found, err := chromedp.Run(rctx, chromedp.Evaluate[struct {
		Button []string `json:"button"`
		Link   []string `json:"link"`
	}](extractScript))
	if err != nil {
		return crawler.Rendered{}, t.failure(fmt.Errorf("render: read the DOM: %w", err))
	}
	out := crawler.Rendered{Buttons: nonNil(found.Button), Links: nonNil(found.Link), TimedOut: timedOut}
	// What the page's scripts left for the garbage collector is freed now,
	// not when V8 gets to it: the renderer's memory stays near that of
	// the pages it holds (a third less on crawlbench's React pages).
	t.call(run, func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, heapprofiler.CollectGarbage, cdp.Empty{})
		return err
	})
	if doc.Serialize {
		sctx, cancel := context.WithTimeout(run, t.timeout)
		defer cancel()
		if out.HTML, err = chromedp.Run(sctx, chromedp.Evaluate[string](serializeScript)); err != nil {
			return crawler.Rendered{}, t.failure(fmt.Errorf("render: serialize the DOM: %w", err))
		}
	}
	return out, nil
}

// settle waits until the page has loaded and its DOM has been quiet for
// Options.Quiet, or Options.Timeout has passed (timedOut). It polls the
// observer's clock every 50 ms; the page's own timers run as they would.
func (b *Browser) settle(ctx context.Context, t *tab) (timedOut bool, err error) {
	deadline := time.Now().Add(b.opt.Timeout)
	quiet := float64(b.opt.Quiet.Milliseconds())
	poll := fmt.Sprintf("%s(%d)", pollScript, b.opt.Quiet.Milliseconds()/4)
	for {
		t.mu.Lock()
		crashed := t.crashed
		t.mu.Unlock()
		if crashed {
			return false, errCrashed
		}
		pctx, cancel := context.WithTimeout(ctx, t.timeout)
		state, err := chromedp.Run(pctx, chromedp.Evaluate[[]float64](poll))
		cancel()
		if err != nil && ctx.Err() == nil {
			return false, t.failure(fmt.Errorf("render: watch the DOM: %w", err))
		}
		if err != nil {
			return false, t.failure(ctx.Err())
		}
		if len(state) == 2 && state[0] == 1 && state[1] >= quiet {
			return false, nil
		}
		if time.Now().After(deadline) {
			return true, nil
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// failure names a crash when there was one.
func (t *tab) failure(err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.crashed {
		return errCrashed
	}
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func withoutFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}
