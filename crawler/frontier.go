package crawler

import (
	"context"
	"errors"
	"sync"
)

// Seed is one input URL and where it came from.
type Seed struct {
	// URL is the input exactly as given; the record for it is keyed by it.
	URL string
	// Source says where the URL was read, such as "urls.txt:12", so that an
	// error about it can point there. It may be empty.
	Source string
	// Path, when set, is a local HTML file to extract instead of fetching:
	// URL is then its file: URL, the document's base. Only seeds with a Path
	// ever read files; a file: URL without one is refused.
	Path string
}

// Task is a URL waiting in the frontier.
type Task struct {
	Seed
	// Depth is the number of links followed from a seed to reach the URL;
	// seeds have depth 0.
	Depth int
}

// ErrDrained is returned by Frontier.Next when the frontier is closed and
// every task added to it is done: the crawl is over.
var ErrDrained = errors.New("frontier drained")

// Frontier is the queue of tasks waiting to be crawled, together with the set
// of URLs already seen. The crawl ends when it is drained, which is decided by
// counting tasks done, never by a timer.
//
// Run uses the in-memory frontier; the interface is the seam where a shared
// one (Redis) will take its place, so that several processes crawl one
// frontier, and where a task will add the links it discovers before it is
// marked done.
type Frontier interface {
	// Add queues t unless its URL was added before, and reports whether it
	// was new. It blocks while the frontier is full.
	Add(ctx context.Context, t Task) (bool, error)
	// Next returns the next task, blocking until there is one. It returns
	// ErrDrained once the frontier is closed and every task is done.
	Next(ctx context.Context) (Task, error)
	// Done marks a task returned by Next as finished.
	Done(ctx context.Context, t Task) error
	// Close says no more seeds will be added.
	Close(ctx context.Context) error
}

// memFrontier is the in-memory Frontier: a bounded FIFO queue and the set
// of URLs seen (see seenSet).
type memFrontier struct {
	mu      sync.Mutex
	seen    *seenSet
	queue   fifo[Task]
	limit   int
	pending int // added and not yet done
	closed  bool
	// changed is closed, and replaced, whenever the state above changes, to
	// wake the goroutines waiting in Add and Next.
	changed chan struct{}
}

// newMemFrontier returns an in-memory frontier that holds at most limit
// queued tasks before Add blocks.
func newMemFrontier(limit int) *memFrontier {
	return &memFrontier{
		seen:    newSeenSet(),
		limit:   max(limit, 1),
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
	if !f.seen.add(t.URL) {
		return false, nil
	}
	for f.queue.len() >= f.limit {
		if err := f.wait(ctx); err != nil {
			f.seen.remove(t.URL)
			return false, err
		}
	}
	f.queue.push(t)
	f.pending++
	f.broadcast()
	return true, nil
}

func (f *memFrontier) Next(ctx context.Context) (Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if f.queue.len() > 0 {
			t := f.queue.pop()
			f.broadcast()
			return t, nil
		}
		if f.closed && f.pending == 0 {
			return Task{}, ErrDrained
		}
		if err := f.wait(ctx); err != nil {
			return Task{}, err
		}
	}
}

func (f *memFrontier) Done(context.Context, Task) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending--
	if f.pending == 0 {
		f.broadcast()
	}
	return nil
}

// release frees the seen-set's memory once the crawl is over.
func (f *memFrontier) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen.release()
}

func (f *memFrontier) Close(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.broadcast()
	return nil
}
