// Package crawler fetches pages and extracts their buttons and links: a
// producer loads seeds into a frontier, a fixed pool of fetchers takes tasks
// from it, and every task ends as exactly one record in a results.Sink.
// It never formats output.
package crawler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/publicsuffix"
	"golang.org/x/sync/errgroup"

	"github.com/crawlkit/crawl/extract"
	"github.com/crawlkit/crawl/internal/weburl"
	"github.com/crawlkit/crawl/results"
)

// ErrInterrupted is the error of the records of URLs that were not crawled,
// or were cut off, because the run was cancelled.
var ErrInterrupted = errors.New("interrupted")

// Crawler crawls URLs as its Config says. Run may be called more than once,
// but not concurrently.
type Crawler struct {
	cfg        Config
	client     *http.Client
	log        *slog.Logger
	header     http.Header // sent to the inputs' origins
	anonHeader http.Header // the same minus credentials, sent everywhere else
	// creds holds the origins of the inputs, the only ones the credentials
	// of Config.Header go to; it is kept only when there are some.
	creds *originSet
	// dialCheck vets every address dialed (denyPrivate with DenyPrivate);
	// tests in this package replace it.
	dialCheck func(network, address string, c syscall.RawConn) error
	// parsing admits as many extractions at once as there are CPUs: more
	// would not go faster, only hold more parse trees in memory.
	parsing chan struct{}
	norm    Normalizer
	filter  filter
	jar     http.CookieJar // this run's cookies; nil with NoCookies
	net     *network       // direct or through a proxy

	stats               atomic.Pointer[runStats]
	done, failed, bytes atomic.Int64
}

// New returns a Crawler for cfg, its zero values replaced by defaults.
func New(cfg Config) (*Crawler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("crawler config: %w", err)
	}
	header := cfg.Header.Clone()
	if header == nil {
		header = make(http.Header)
	}
	header.Set("User-Agent", cfg.UserAgent)
	if header.Get("Accept") == "" {
		header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	}
	if header.Get("Accept-Encoding") == "" {
		header.Set("Accept-Encoding", "gzip, deflate")
	}
	anon := header.Clone()
	for _, k := range credentialHeaders {
		anon.Del(k)
	}
	c := &Crawler{
		cfg: cfg, log: cfg.Logger, header: header, anonHeader: anon,
		parsing: make(chan struct{}, runtime.GOMAXPROCS(0)),
		norm:    Normalizer{SortQuery: cfg.SortQuery, StripParams: cfg.StripParams},
		filter:  filter{depth: cfg.Depth, scope: cfg.Scope, include: cfg.Include, exclude: cfg.Exclude},
	}
	if cfg.DenyPrivate {
		c.dialCheck = denyPrivate
	}
	c.client, c.net, err = newClient(cfg, func(network, address string, rc syscall.RawConn) error {
		if c.dialCheck == nil {
			return nil
		}
		return c.dialCheck(network, address, rc)
	})
	if err != nil {
		return nil, fmt.Errorf("crawler config: %w", err)
	}
	return c, nil
}

// Run crawls the seeds, and with Config.Depth the pages they lead to, and
// puts one record per distinct URL taken into the crawl into sink, then
// returns once every one is done. When ctx is cancelled, no new URL is
// fetched: requests in flight get Config.Grace to finish, and every URL
// taken and not crawled is recorded with the error "interrupted"; Run still
// reads all the seeds, records them and returns ctx's error. Any other
// error is fatal (the sink or the disk failed) and stops the run.
func (c *Crawler) Run(ctx context.Context, seeds iter.Seq[Seed], sink results.Sink) error {
	c.done.Store(0)
	c.failed.Store(0)
	c.bytes.Store(0)
	c.creds = nil
	if len(c.anonHeader) != len(c.header) {
		c.creds = new(originSet)
	}
	c.jar = c.cfg.Cookies
	if c.jar == nil && !c.cfg.NoCookies {
		c.jar, _ = cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List}) // never fails
	}
	if !c.net.viaTransport {
		// Nothing is left to say after Run: an idle connection that
		// gets bytes nobody asked for would have net/http log it.
		defer c.client.CloseIdleConnections()
	}
	stats := new(runStats)
	c.stats.Store(stats)
	r := &run{
		front:   c.cfg.Frontier,
		shared:  c.cfg.Frontier != nil,
		sched:   newScheduler(c.cfg),
		sink:    sink,
		stopped: ctx.Done(),
	}
	if r.shared {
		// Tasks held here are no other process's to take: hold enough
		// to keep the fetchers busy, so that the job's last pages are
		// spread over all its workers.
		r.sched.limit = 2 * c.cfg.Concurrency
	}
	var mem *memFrontier
	if !r.shared {
		mem = newMemFrontier(frontierLimits{
			seeds:      4 * c.cfg.Concurrency,
			window:     frontierWindow,
			dir:        c.cfg.SpillDir,
			maxPages:   c.cfg.MaxPages,
			maxPerHost: c.cfg.MaxPagesPerHost,
		}, stats)
		defer mem.release()
		r.front = mem
	}
	// The run's own context ends only on a fatal error, so that an
	// interrupted run still drains its seeds into records; fetches are cut
	// off Grace after ctx ends.
	g, runCtx := errgroup.WithContext(context.WithoutCancel(ctx))
	fetchCtx, cutOff := context.WithCancel(runCtx)
	defer cutOff()
	stopTimer := afterGrace(ctx, c.cfg.Grace, cutOff)
	defer stopTimer()
	stopScheduler := context.AfterFunc(ctx, r.sched.stop)
	defer stopScheduler()
	stopFrontier := context.AfterFunc(ctx, r.front.Stop)
	defer stopFrontier()

	g.Go(func() error { return c.produce(runCtx, r, seeds) })
	g.Go(func() error { return r.feed(runCtx, stats) })
	for id := range c.cfg.Concurrency {
		g.Go(func() error { return c.work(runCtx, fetchCtx, r, id) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if mem != nil {
		stats.settle(mem.notFollowed())
	}
	return ctx.Err()
}

// frontierWindow is how many discovered tasks of one depth the frontier
// keeps in memory before it spills them to disk: enough to keep every
// fetcher busy between two reads of a segment, and a few MB at most.
const frontierWindow = 4096

// run is the state shared by the goroutines of one Run.
type run struct {
	front Frontier
	// shared is set when the frontier is Config.Frontier, which other
	// processes may share, rather than this run's own.
	shared bool
	sched  *scheduler
	sink   results.Sink
	// stopped is closed when Run's context ends: take no new URLs.
	stopped <-chan struct{}

	mu       sync.Mutex
	sitemaps map[string]bool // origins whose sitemaps were read

	hopRobots robotsCache // rules of origins reached by redirect
}

// firstSitemap reports whether the sitemaps of origin are still to be
// read, and notes that they will be.
func (r *run) firstSitemap(origin string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sitemaps[origin] {
		return false
	}
	if r.sitemaps == nil {
		r.sitemaps = make(map[string]bool)
	}
	r.sitemaps[origin] = true
	return true
}

func (r *run) interrupted() bool {
	select {
	case <-r.stopped:
		return true
	default:
		return false
	}
}

// feed moves tasks from the frontier to the scheduler until the frontier is
// drained, which happens once every task is done.
func (r *run) feed(ctx context.Context, stats *runStats) error {
	for {
		t, err := r.front.Next(ctx)
		if errors.Is(err, ErrDrained) {
			r.sched.close()
			return nil
		}
		if err != nil {
			return err
		}
		if r.shared { // a memFrontier counts what it takes, ahead of Next
			stats.accepted.Add(1)
		}
		if err := r.sched.push(ctx, t); err != nil {
			return err
		}
	}
}

// afterGrace calls cutOff grace after ctx ends. The returned function stops
// it from happening later.
func afterGrace(ctx context.Context, grace time.Duration, cutOff func()) (stop func()) {
	var mu sync.Mutex
	var timer *time.Timer
	stopAfter := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		timer = time.AfterFunc(grace, cutOff)
	})
	return func() {
		stopAfter()
		mu.Lock()
		defer mu.Unlock()
		if timer != nil {
			timer.Stop()
		}
	}
}

// produce adds every seed to the frontier, then closes it. A seed that is
// a record of an earlier run is not crawled again, but its links are
// followed.
func (c *Crawler) produce(ctx context.Context, r *run, seeds iter.Seq[Seed]) error {
	for s := range seeds {
		t := c.seedTask(s)
		c.noteInput(&t)
		added, err := r.front.Add(ctx, t)
		if err != nil {
			return err
		}
		if s.Done != nil {
			if err := c.replay(ctx, r, t, added); err != nil {
				return err
			}
		}
	}
	return r.front.Close(ctx)
}

// noteInput lets the credentials of Config.Header go to the origin of t
// when it is an input.
func (c *Crawler) noteInput(t *Task) {
	if c.creds == nil || t.Depth != 0 || t.Path != "" {
		return
	}
	if u, err := weburl.Parse(t.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		c.creds.add(originKey(&u))
	}
}

// replay takes the state of a record of an earlier run into the frontier
// (see Seed.Done): the key of the page its redirects led to, its links
// when its key was taken (added), and for a seed, its host's sitemaps.
func (c *Crawler) replay(ctx context.Context, r *run, t Task, added bool) error {
	rec := t.Done
	if rec.FinalURL != "" && rec.FinalURL != rec.URL && rec.DuplicateOf == "" {
		if u, err := weburl.Parse(rec.FinalURL); err == nil {
			if _, err := r.front.Claim(ctx, c.norm.Key(&u)); err != nil {
				return err
			}
		}
	}
	if !added {
		return nil
	}
	b := linkBatch{front: adder{r.front}, task: t}
	c.follow(ctx, t, rec, &b)
	if err := cmp.Or(b.err, offer(ctx, r.front, b.Page)); err != nil {
		return err
	}
	if c.cfg.Sitemap && t.Depth == 0 && !r.shared {
		t.SitemapsOnly = true
		if _, err := r.front.Add(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// work is one fetcher: it does the jobs the scheduler hands it until there
// are none left.
func (c *Crawler) work(ctx, fetchCtx context.Context, r *run, id int) error {
	var buf bodyBuf
	for {
		j, err := r.sched.next(ctx)
		if errors.Is(err, errSchedulerDone) {
			return nil
		}
		if err != nil {
			return err
		}
		if j.robots {
			r.sched.robotsDone(j, c.fetchRobots(fetchCtx, j.target, &buf))
			continue
		}
		out := c.crawl(fetchCtx, r, j, &buf)
		buf.shrink()
		if out.retry {
			c.log.Info("retrying", "url", j.task.URL, "worker", id, "attempt", j.attempts, "wait", out.wait, "error", out.rec.Error)
			if n, ok := r.front.(ErrorNoter); ok {
				n.NoteError(ctx, j.task, out.rec.Error)
			}
			r.sched.retry(j, out.wait, out.slow)
			continue
		}
		if err := c.finish(ctx, r, j, &out, &buf, id); err != nil {
			return err
		}
	}
}

// finish writes the record of a job and offers its links to the frontier
// before marking it done, so that the frontier never looks drained while
// a page's links are still coming.
func (c *Crawler) finish(ctx context.Context, r *run, j *job, out *outcome, buf *bodyBuf, id int) error {
	p := linkBatch{front: r.front, task: j.task}
	if r.shared { // a memFrontier counts what it is offered itself
		p.count = c.stats.Load().skip
	}
	if !out.sitemapsOnly {
		c.done.Add(1)
	}
	switch {
	case out.sitemapsOnly:
		if !r.interrupted() {
			c.sitemaps(ctx, r, j, j.task.Done.FinalURL, buf, &p)
		}
	case out.skip != "":
		c.log.Info("not followed", "url", j.task.URL, "worker", id, "reason", out.skip)
		c.stats.Load().skip(out.skip) // Run set it
	default:
		rec := &out.rec
		p.Record = rec
		c.log.Info("crawled", "url", rec.URL, "worker", id, "status", rec.Status, "proto", j.proto, "attempts", rec.Attempts, "ms", rec.DurationMS, "error", rec.Error)
		if err := r.sink.Put(*rec); err != nil {
			return fmt.Errorf("write record for %s: %w", rec.URL, err)
		}
		c.bytes.Add(rec.Bytes)
		if !rec.OK() {
			c.failed.Add(1)
		}
		// An interrupted run follows no more links, which a resumed one
		// finds again in the records; a shared job goes on in other
		// processes, which need them now.
		if !r.interrupted() || r.shared {
			c.follow(ctx, j.task, rec, &p)
			c.sitemaps(ctx, r, j, rec.FinalURL, buf, &p)
		}
	}
	r.sched.done(j, out.rec.Status >= 200 && out.rec.Status <= 299)
	if p.err != nil {
		return p.err
	}
	return r.front.Done(ctx, j.task, p.Page)
}

// outcome is what came of one attempt at a job: its record, or a retry.
type outcome struct {
	rec   results.Record
	retry bool          // try again after wait; rec.Error says why
	wait  time.Duration // before the retry
	slow  bool          // the host asked for fewer requests (429, 503)
	skip  string        // not followed after all, for this reason: no record
	// sitemapsOnly: the task was recorded by an earlier run; only its
	// host's sitemaps are to be read.
	sitemapsOnly bool
}

// crawl makes one attempt at a job. Whatever happens is in the record.
func (c *Crawler) crawl(ctx context.Context, r *run, j *job, buf *bodyBuf) outcome {
	rec := results.Record{URL: j.task.URL, Depth: j.task.Depth, Parent: j.task.Parent, Attempts: j.attempts, Checked: j.task.Check}
	switch {
	case j.task.SitemapsOnly: // recorded by an earlier run
		return outcome{sitemapsOnly: true}
	case j.task.DuplicateOf != "": // known without a fetch, interrupted or not
		rec.DuplicateOf = j.task.DuplicateOf
		return outcome{rec: rec}
	case j.task.Skip != "":
		rec.Skipped = j.task.Skip
		return outcome{rec: rec}
	case r.interrupted():
		rec.Error = ErrInterrupted.Error()
		return outcome{rec: rec}
	case j.targetErr != nil:
		rec.Error = j.targetErr.Error()
		return outcome{rec: rec}
	case j.task.Check && c.cfg.CheckCache != nil:
		if cached, ok := c.cfg.CheckCache.Lookup(j.task.URL); ok {
			return outcome{rec: fromCache(rec, cached)}
		}
	}
	if err := j.rules.allowed(&j.target); err != nil {
		var unreachable *errUnreachable
		switch {
		case errors.As(err, &unreachable):
			rec.Error, rec.Attempts = unreachable.msg, unreachable.attempts
		case j.task.Depth > 0:
			return outcome{skip: skipRobots} // a discovered URL refused is not followed, not failed
		default:
			rec.Error = err.Error()
		}
		return outcome{rec: rec}
	}
	c.noteInput(&j.task) // in a shared job, another worker's input
	j.attempts++
	j.leftScope = false
	rec.Attempts = j.attempts
	start := time.Now()
	rec.FetchedAt = start.UTC()
	var resp *response
	var err error
	if j.task.Path != "" {
		resp, err = c.readFile(j.task.Path, j.target.Href, buf)
	} else {
		resp, err = c.sharedFetch(ctx, r, j, buf)
	}
	rec.DurationMS = time.Since(start).Milliseconds()
	rec.Checked = j.task.Check || j.leftScope
	if err != nil {
		return c.fetchFailed(r, j, rec, err)
	}
	rec.Status, rec.FinalURL, rec.ContentType, rec.Redirect = resp.status, resp.finalURL, resp.contentType, resp.redirect
	j.proto = resp.proto
	rec.Bytes, rec.Truncated = int64(len(resp.body)), resp.truncated
	if resp.status != 0 && (resp.status < 200 || resp.status > 299) {
		rec.Error = strings.TrimSpace(fmt.Sprintf("HTTP %d %s", resp.status, http.StatusText(resp.status)))
		if retryableStatus(resp.status) && j.attempts <= c.cfg.Retries && !r.interrupted() {
			wait, ok := retryAfter(resp.retryAfter, time.Now())
			if !ok {
				wait = backoff(c.cfg.RetryBackoff, j.attempts)
			}
			return outcome{rec: rec, retry: true, wait: wait, slow: slowsHost(resp.status)}
		}
		return outcome{rec: rec}
	}
	switch {
	case !resp.html || rec.Checked:
	case c.cfg.Renderer != nil && resp.status != 0:
		c.render(ctx, resp, &rec)
	default:
		c.parse(ctx, resp.body, resp.contentType, resp.finalURL, &rec, true)
	}
	return outcome{rec: rec}
}

// parse extracts an HTML page into rec: its buttons and links (unless
// not links), and its fields and button details when asked for.
func (c *Crawler) parse(ctx context.Context, body []byte, contentType, docURL string, rec *results.Record, links bool) {
	select {
	case c.parsing <- struct{}{}:
	case <-ctx.Done():
		rec.Error = ErrInterrupted.Error()
		return
	}
	opt := extract.Options{Fields: c.cfg.Select, ButtonDetails: c.cfg.ButtonDetails, Anchors: c.cfg.Anchors, MaxText: int(min(c.cfg.MaxBody, math.MaxInt32))}
	page, err := extract.ParseWith(body, contentType, docURL, opt)
	<-c.parsing
	if page != nil {
		if links {
			rec.Button, rec.Link = page.Buttons, page.Links
		}
		rec.Fields, rec.Buttons, rec.FieldsTruncated = page.Fields, page.ButtonDetails, page.TextTruncated
		rec.Anchors = page.Anchors
	}
	if err != nil {
		rec.Error = "extract: " + err.Error()
	}
}

// fetchFailed turns a fetch error into the record, or into a retry when the
// error is worth another try and retries are left.
func (c *Crawler) fetchFailed(r *run, j *job, rec results.Record, err error) outcome {
	if r.interrupted() && errors.Is(err, context.Canceled) {
		rec.Error = ErrInterrupted.Error()
		return outcome{rec: rec}
	}
	var stop *redirectStop
	if errors.As(err, &stop) {
		rec.Status, rec.FinalURL, rec.DuplicateOf, rec.Skipped = stop.status, stop.url, stop.duplicateOf, stop.skip
		rec.Redirect = stop.first
		return outcome{rec: rec}
	}
	rec.Error = errorText(err)
	if retryableError(err) && j.attempts <= c.cfg.Retries && !r.interrupted() {
		return outcome{rec: rec, retry: true, wait: backoff(c.cfg.RetryBackoff, j.attempts)}
	}
	return outcome{rec: rec}
}

// parseTarget parses a seed's URL; only http and https are fetched, and
// file: only for seeds that name a local file.
func parseTarget(s Seed) (weburl.URL, error) {
	where := ""
	if s.Source != "" {
		where = s.Source + ": "
	}
	if s.Err != "" {
		return weburl.URL{}, errors.New(where + s.Err)
	}
	u, err := weburl.Parse(s.URL)
	if err != nil {
		hint := ""
		host, _, _ := strings.Cut(s.URL, "/")
		if strings.Contains(host, ".") && !strings.ContainsAny(s.URL, " \t:") {
			hint = " (no scheme: did you mean https://" + s.URL + "?)"
		}
		return u, fmt.Errorf("%sinvalid URL %q%s", where, s.URL, hint)
	}
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
		return u, nil
	case u.Scheme == "file" && s.Path != "":
		return u, nil
	}
	return u, fmt.Errorf("%sunsupported scheme %q in %q: only http and https URLs are crawled", where, u.Scheme, s.URL)
}
