package crawler

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Progress is a snapshot of the counters of the current or last run.
type Progress struct {
	Queued int64 // distinct URLs taken into the crawl, to be recorded
	Done   int64 // URLs taken and finished
	Failed int64 // records written with an error
	Bytes  int64 // body bytes read
	// Waiting counts the links found and waiting for the pages of a lower
	// depth to finish before they are taken (or found to be repeats).
	Waiting int64
	// Followed counts the discovered URLs taken into the crawl.
	Followed int64
	// NotFollowed counts the distinct discovered URLs not followed, by
	// reason (depth, scope, include, exclude, robots, max-pages,
	// max-pages-per-host, trap). While Run goes on a URL skipped for one
	// reason and later taken by another path may be counted; once Run has
	// returned the counts are exact.
	NotFollowed map[string]int
}

// Progress returns the counters of the current or last run; it is safe to
// call while Run is going on.
func (c *Crawler) Progress() Progress {
	p := Progress{Done: c.done.Load(), Failed: c.failed.Load(), Bytes: c.bytes.Load()}
	if st := c.stats.Load(); st != nil {
		p.Queued, p.Waiting, p.Followed = st.accepted.Load(), st.waiting.Load(), st.followed.Load()
		p.NotFollowed = st.skipCounts()
	}
	return p
}

// runStats are the counters of one run that its frontier keeps up to date.
type runStats struct {
	accepted, followed, waiting atomic.Int64

	mu    sync.Mutex
	skips map[string]int
}

func (st *runStats) skip(reason string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.skips == nil {
		st.skips = make(map[string]int)
	}
	st.skips[reason]++
}

func (st *runStats) skipCounts() map[string]int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return maps.Clone(st.skips)
}

// settle replaces the counts of the reasons the frontier counts by URL with
// its exact ones; robots.txt refusals are counted as they happen.
func (st *runStats) settle(exact map[string]int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	robots := st.skips[skipRobots]
	st.skips = exact
	if robots > 0 {
		st.skips[skipRobots] = robots
	}
}
