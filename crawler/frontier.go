package crawler

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
)

// frontierLimits are what a memFrontier is told by the Config.
type frontierLimits struct {
	seeds      int    // seeds queued before Add blocks
	window     int    // discovered tasks kept in memory per queue
	dir        string // where queues spill ("" for the system's temp dir)
	maxPages   int    // 0: no limit
	maxPerHost int    // 0: no limit
}

// memFrontier is the in-process Frontier. Seeds wait in a bounded FIFO;
// discovered tasks wait in one spilling queue per depth.
//
// Depth is exact by construction: a link found on a page at depth k is a
// proposal at depth k+1, and proposals are only taken (marked seen and
// queued) once no page at depth k-1 or less is pending and every proposal
// of a lower depth has been taken. By then every path of length k or less
// has been seen, so a URL is first taken at its shortest distance from the
// seeds, whatever order pages finish in. Pages of two depths are fetched
// at once; only taking their links waits.
type memFrontier struct {
	lim   frontierLimits
	stats *runStats

	mu       sync.Mutex
	seen     *seenSet
	skipped  map[string]*seenSet // URLs not followed, by reason
	seeds    fifo[Task]
	queued   []*spillQueue // taken and waiting, by depth (0 unused)
	proposed []*spillQueue // waiting to be taken, by depth (0 unused)
	pending  []int         // taken and not done, by depth
	// checking counts the links to check (Task.Check) taken and not
	// done. They are not pending: having no links, they cannot shorten
	// a path, so a slow one (a host that takes 5 s not to resolve) holds
	// back no depth.
	checking int
	closed   bool
	stopped  bool           // interrupted: take no more proposals
	claims   int            // pages taken, for MaxPages
	perHost  map[string]int // pages taken by host, for MaxPagesPerHost
	// changed is closed, and replaced, whenever the state above changes, to
	// wake the goroutines waiting in Add and Next.
	changed chan struct{}
}

// newMemFrontier returns an empty in-memory frontier.
func newMemFrontier(lim frontierLimits, stats *runStats) *memFrontier {
	if stats == nil {
		stats = new(runStats)
	}
	return &memFrontier{
		lim:     lim,
		stats:   stats,
		seen:    newSeenSet(),
		skipped: make(map[string]*seenSet),
		perHost: make(map[string]int),
		pending: make([]int, 1),
		changed: make(chan struct{}),
	}
}

// broadcast wakes every waiter; f.mu must be held.
func (f *memFrontier) broadcast() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// wait releases f.mu until the state changes or ctx ends, then takes it again.
func (f *memFrontier) wait(ctx context.Context) error {
	ch := f.changed
	f.mu.Unlock()
	defer f.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *memFrontier) Add(ctx context.Context, t Task) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case t.SitemapsOnly:
		return true, f.addSitemaps(ctx, t)
	case t.Done != nil:
		return f.replay(t), nil
	case t.Depth == 0:
		return f.addSeed(ctx, t)
	}
	if f.stopped || f.seen.has(t.Key) {
		return false, nil
	}
	if f.lim.maxPages > 0 && f.claims >= f.lim.maxPages {
		f.skip(t.Key, skipMaxPages)
		return false, nil
	}
	if f.gateOpen(t.Depth) && f.lowestProposal() >= t.Depth {
		return f.take(t)
	}
	f.stats.waiting.Add(1)
	return true, f.level(&f.proposed, t.Depth, "proposed").push(t)
}

// replay takes the key of a page recorded by an earlier run: it is not
// crawled again, but counts against the page limits. The record of
// another spelling of a page (its duplicate_of is its own key) takes
// nothing: the key is that page's, whose record may come later in the
// file and must still have its links followed.
func (f *memFrontier) replay(t Task) bool {
	if t.Done.DuplicateOf == t.Key {
		return false
	}
	added, _ := f.seen.add(t.Key, f.seen.rawHash(t.URL))
	if added {
		f.count(t.Key)
	}
	return added
}

// addSeed queues a seed, waiting while the seeds queued are at their limit.
func (f *memFrontier) addSeed(ctx context.Context, t Task) (bool, error) {
	added, sameRaw := f.seen.add(t.Key, f.seen.rawHash(t.URL))
	switch {
	case sameRaw:
		return false, nil
	case !added:
		t.DuplicateOf = t.Key
	case f.full(t.Key):
		t.Skip = f.fullReason()
	default:
		f.count(t.Key)
	}
	for f.seeds.len() >= f.lim.seeds {
		if err := f.wait(ctx); err != nil {
			if added && t.Skip == "" {
				f.seen.remove(t.Key)
				f.uncount(t.Key)
			}
			return false, err
		}
	}
	f.seeds.push(t)
	f.pending[0]++
	f.stats.accepted.Add(1)
	f.broadcast()
	return true, nil
}

// addSitemaps queues the sitemaps-only task of a replayed seed with the
// seeds, pending at depth 0 like them, so that its sitemap URLs are
// proposed before the depth-1 gate can open.
func (f *memFrontier) addSitemaps(ctx context.Context, t Task) error {
	for f.seeds.len() >= f.lim.seeds {
		if err := f.wait(ctx); err != nil {
			return err
		}
	}
	f.seeds.push(t)
	f.pending[0]++
	f.broadcast()
	return nil
}

// full reports whether a page limit keeps key's page out.
func (f *memFrontier) full(key string) bool {
	if f.lim.maxPages > 0 && f.claims >= f.lim.maxPages {
		return true
	}
	return f.lim.maxPerHost > 0 && f.perHost[HostOfKey(key)] >= f.lim.maxPerHost
}

// fullReason says which page limit full found reached.
func (f *memFrontier) fullReason() string {
	if f.lim.maxPages > 0 && f.claims >= f.lim.maxPages {
		return skipMaxPages
	}
	return skipMaxPerHost
}

func (f *memFrontier) count(key string) {
	f.claims++
	if f.lim.maxPerHost > 0 {
		f.perHost[HostOfKey(key)]++
	}
}

func (f *memFrontier) uncount(key string) {
	f.claims--
	if f.lim.maxPerHost > 0 {
		f.perHost[HostOfKey(key)]--
	}
}

// take marks a discovered task seen and queues it, unless it was seen
// already or a page limit keeps it out.
func (f *memFrontier) take(t Task) (bool, error) {
	if f.seen.has(t.Key) {
		return false, nil
	}
	if f.full(t.Key) {
		f.skip(t.Key, f.fullReason())
		return false, nil
	}
	f.seen.add(t.Key, f.seen.rawHash(t.URL))
	f.count(t.Key)
	for len(f.pending) <= t.Depth {
		f.pending = append(f.pending, 0)
	}
	if t.Check {
		f.checking++
	} else {
		f.pending[t.Depth]++
	}
	f.stats.accepted.Add(1)
	f.stats.followed.Add(1)
	f.broadcast()
	return true, f.level(&f.queued, t.Depth, "queued").push(t)
}

// level returns the queue of depth d in qs, made on first use.
func (f *memFrontier) level(qs *[]*spillQueue, d int, name string) *spillQueue {
	for len(*qs) <= d {
		*qs = append(*qs, nil)
	}
	if (*qs)[d] == nil {
		(*qs)[d] = newSpillQueue(fmt.Sprintf("%s-%d", name, d), f.lim.window, f.spillDir)
	}
	return (*qs)[d]
}

// spillDir is the directory queues spill to: their files have no name
// there (see openSpill).
func (f *memFrontier) spillDir() (string, error) {
	if f.lim.dir != "" {
		return f.lim.dir, nil
	}
	return os.TempDir(), nil
}

// gateOpen reports whether proposals of depth d may be taken: the seeds
// are all in and no page shallower than d-1 is pending.
func (f *memFrontier) gateOpen(d int) bool {
	if !f.closed || f.stopped {
		return false
	}
	for j := 0; j < d-1 && j < len(f.pending); j++ {
		if f.pending[j] > 0 {
			return false
		}
	}
	return true
}

// lowestProposal returns the lowest depth with proposals waiting, or a
// depth higher than any.
func (f *memFrontier) lowestProposal() int {
	for d, q := range f.proposed {
		if q != nil && q.len() > 0 {
			return d
		}
	}
	return len(f.proposed) + 1<<30
}

// promote takes up to a window of proposals of the lowest depth that may
// be taken, and reports whether it took any.
func (f *memFrontier) promote() (bool, error) {
	d := f.lowestProposal()
	if d >= len(f.proposed) || !f.gateOpen(d) {
		return false, nil
	}
	q := f.proposed[d]
	for i := 0; i < f.lim.window && q.len() > 0; i++ {
		t, err := q.pop()
		if err != nil {
			return false, err
		}
		f.stats.waiting.Add(-1)
		if _, err := f.take(t); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (f *memFrontier) Next(ctx context.Context) (Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if f.seeds.len() > 0 {
			t := f.seeds.pop()
			f.broadcast()
			return t, nil
		}
		for _, q := range f.queued {
			if q != nil && q.len() > 0 {
				return q.pop()
			}
		}
		promoted, err := f.promote()
		if err != nil {
			return Task{}, err
		}
		if promoted {
			continue
		}
		if f.drained() {
			return Task{}, ErrDrained
		}
		if err := f.wait(ctx); err != nil {
			return Task{}, err
		}
	}
}

// Seen reports whether key was taken into the crawl.
func (f *memFrontier) Seen(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen.has(key)
}

// drained reports whether the crawl is over: seeds all in, nothing pending,
// nothing proposed.
func (f *memFrontier) drained() bool {
	if !f.closed || !f.stopped && f.lowestProposal() < len(f.proposed) || f.checking > 0 {
		return false
	}
	for _, n := range f.pending {
		if n > 0 {
			return false
		}
	}
	return true
}

func (f *memFrontier) Offer(ctx context.Context, _ Task, p Page) error { return offer(ctx, f, p) }

func (f *memFrontier) Done(ctx context.Context, t Task, p Page) error {
	if err := offer(ctx, f, p); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := &f.pending[t.Depth]
	if t.Check {
		n = &f.checking
	}
	if *n--; *n == 0 {
		f.broadcast()
	}
	return nil
}

// Stop takes no more proposals: the crawl was interrupted, and what is
// queued is recorded as such.
func (f *memFrontier) Stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	f.broadcast()
}

func (f *memFrontier) Close(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.broadcast()
	return nil
}

func (f *memFrontier) Claim(_ context.Context, key string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	added, _ := f.seen.add(key, rawNone)
	return added, nil
}

func (f *memFrontier) Skip(_ context.Context, key, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.skip(key, reason)
	return nil
}

func (f *memFrontier) skip(key, reason string) {
	if f.seen.has(key) {
		return
	}
	s := f.skipped[reason]
	if s == nil {
		s = f.seen.sibling()
		f.skipped[reason] = s
	}
	if added, _ := s.add(key, rawNone); added {
		f.stats.skip(reason)
	}
}

// notFollowed counts the URLs not followed, by reason, leaving out those
// that were taken after all by a path that allowed them.
func (f *memFrontier) notFollowed() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.skipped))
	for reason, s := range f.skipped {
		if n := s.minus(f.seen); n > 0 {
			out[reason] = n
		}
	}
	return out
}

// spilled returns the bytes the frontier's queues hold on disk.
func (f *memFrontier) spilled() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, qs := range [][]*spillQueue{f.queued, f.proposed} {
		for _, q := range qs {
			if q == nil {
				continue
			}
			for _, seg := range q.segs {
				n += seg.size
			}
		}
	}
	return n
}

// release frees the seen-set's memory and the spill files once the crawl
// is over.
func (f *memFrontier) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen.release()
	for _, s := range f.skipped {
		s.release()
	}
	for _, qs := range [][]*spillQueue{f.queued, f.proposed} {
		for _, q := range qs {
			if q != nil {
				q.close()
			}
		}
	}
}

// HostOfKey returns the host name of a dedup key of an http(s) URL, for
// the per-host page limit.
func HostOfKey(key string) string {
	_, rest, ok := strings.Cut(key, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		rest = rest[:i]
	}
	return rest
}
