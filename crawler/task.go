package crawler

import (
	"context"
	"errors"

	"github.com/crawlkit/crawl/results"
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
	// Err, when set, says why the input is not a URL to crawl (a line too
	// long to be one, say): its record has this error, and nothing is
	// fetched.
	Err string
	// Done, when set, is the URL's record from an earlier run of the same
	// crawl (see --resume): the URL is not fetched or recorded again, and
	// the links in the record are followed as if it had just been crawled.
	// Its URL and depth are the record's.
	Done *results.Record
}

// Task is a URL waiting in the frontier.
type Task struct {
	Seed
	// Depth is the number of links followed from a seed to reach the URL,
	// the fewest there are; seeds have depth 0.
	Depth int
	// Parent is a page that links to the URL at Depth-1; empty for seeds.
	Parent string
	// Key is the URL's dedup key (see Normalizer): URLs with one key are
	// one page, fetched once.
	Key string
	// DuplicateOf is set on a seed whose page another spelling of it has
	// already taken: the seed's record says so instead of fetching it.
	DuplicateOf string
	// Skip is set on a seed that is recorded but not fetched, saying why:
	// "max-pages".
	Skip string
	// Extended counts how many times in a row the URL's query extended its
	// parent's, a sign of a crawler trap (see selfExtending); a shared
	// frontier keeps it with the task.
	Extended uint8
	// SitemapsOnly is set on the task of a seed recorded by an earlier run
	// (Seed.Done) whose host's sitemaps are still to be read: it is not
	// fetched or recorded again; only its sitemaps are read.
	SitemapsOnly bool
	// Check is set on a link to be checked rather than crawled (see
	// Config.Check): it is fetched without its body, and not parsed.
	Check bool
}

// ErrDrained is returned by Frontier.Next when the frontier is closed and
// every task added to it is done: the crawl is over.
var ErrDrained = errors.New("frontier drained")

// Frontier is the queue of tasks waiting to be crawled, together with the set
// of URL keys already seen. The crawl ends when it is drained, which is
// decided by counting tasks done, never by a timer.
//
// Run uses the in-memory frontier, which spills to disk; the interface is the
// seam where a shared one (Redis) takes its place, so that several processes
// crawl one frontier.
type Frontier interface {
	// Add offers a task and reports whether it was taken. A seed (depth 0)
	// is queued unless its key was seen: a seed given twice is dropped, and
	// another spelling of a page already taken is queued with DuplicateOf
	// set, so that it is still recorded. Add blocks while the seeds queued
	// are at the frontier's limit. A discovered task (depth 1 and more) is
	// queued only once no shorter path to its URL can still be found, and
	// only if its key is new and the page limits allow; Add never blocks
	// for one.
	Add(ctx context.Context, t Task) (bool, error)
	// Claim takes key for a page reached by a redirect, and reports whether
	// it was new; a page already taken is not fetched again.
	Claim(ctx context.Context, key string) (bool, error)
	// Skip counts a URL not followed, by reason; a URL is counted once.
	Skip(ctx context.Context, key, reason string) error
	// Next returns the next task, blocking until there is one. It returns
	// ErrDrained once the frontier is closed and every task is done.
	Next(ctx context.Context) (Task, error)
	// Offer hands over links found on a task returned by Next, and not
	// yet done, in chunks of at most LinkChunk: a page of a million links,
	// or a sitemap index of millions of URLs, is never held in memory at
	// once. The links offered and those given to Done are the task's
	// links together, as if Done had been given them all.
	Offer(ctx context.Context, t Task, p Page) error
	// Done marks a task returned by Next as finished, with what came of it:
	// its record and the links found on it are handed over together, so
	// that a shared frontier can store them and acknowledge the task in
	// one step (with the links Offer took before). A record with the
	// error ErrInterrupted means the run was interrupted before the task
	// was crawled: a shared frontier hands the task to another process
	// instead of keeping that record.
	Done(ctx context.Context, t Task, p Page) error
	// Close says no more seeds will be added.
	Close(ctx context.Context) error
	// Stop says the run was interrupted: no more tasks are to be handed
	// out than those already queued here, and no more links taken.
	Stop()
}

// Page is what came of a task, for Frontier.Done.
type Page struct {
	// Record is the task's record, or nil when it has none (a discovered
	// URL that robots.txt refuses is only counted).
	Record *results.Record
	// Links are the URLs found on the page, and in its host's sitemaps, to
	// be offered as tasks one deeper, in document order.
	Links []Task
	// NotFollowed are the URLs found and not followed, with the reason.
	NotFollowed []NotFollowed
}

// NotFollowed is a URL found and not followed, by key, and why.
type NotFollowed struct{ Key, Reason string }

// LinkChunk is the most links (and URLs not followed) of one page that the
// crawler holds before it hands them to the frontier (Frontier.Offer).
const LinkChunk = 1024

// linkBatch gathers the links of one task and hands them to the frontier
// in chunks of LinkChunk; what is left goes with Done.
type linkBatch struct {
	front Frontier
	task  Task
	count func(reason string) // when set, called for each URL not followed
	Page
	err error // the first error of an Offer
}

func (b *linkBatch) link(ctx context.Context, t Task) {
	b.Links = append(b.Links, t)
	b.full(ctx)
}

func (b *linkBatch) notFollowed(ctx context.Context, n NotFollowed) {
	if b.count != nil {
		b.count(n.Reason)
	}
	b.NotFollowed = append(b.NotFollowed, n)
	b.full(ctx)
}

// full hands the chunk over when it is full; the frontier copies what it
// keeps, so the chunk's memory is used again.
// After an error the chunks are dropped: the run ends with that error.
func (b *linkBatch) full(ctx context.Context) {
	if len(b.Links)+len(b.NotFollowed) < LinkChunk {
		return
	}
	if b.err == nil {
		b.err = b.front.Offer(ctx, b.task, Page{Links: b.Links, NotFollowed: b.NotFollowed})
	}
	b.Links, b.NotFollowed = b.Links[:0], b.NotFollowed[:0]
}

// adder is a frontier whose Offer adds the links as discovered tasks of no
// task in particular: for the links of records replayed (Seed.Done).
type adder struct{ Frontier }

func (a adder) Offer(ctx context.Context, _ Task, p Page) error { return offer(ctx, a.Frontier, p) }

// offer adds the links of p to f and counts those it does not follow.
func offer(ctx context.Context, f Frontier, p Page) error {
	for _, t := range p.Links {
		if _, err := f.Add(ctx, t); err != nil {
			return err
		}
	}
	for _, n := range p.NotFollowed {
		if err := f.Skip(ctx, n.Key, n.Reason); err != nil {
			return err
		}
	}
	return nil
}
