package crawler

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/crawlkit/crawl/internal/weburl"
)

// errSchedulerDone is returned by scheduler.next once every job is finished
// and no more will come.
var errSchedulerDone = errors.New("scheduler done")

// job is one URL on its way through the scheduler, or the fetch of a host's
// robots.txt.
type job struct {
	task      Task
	target    weburl.URL
	targetErr error // the task's URL cannot be fetched; record this
	host      *host
	attempts  int          // requests made so far
	robots    bool         // fetch the host's robots.txt instead of a task
	rules     *robotsRules // the host's rules when the job was handed out
	proto     string       // of the last response (HTTP/1.1, HTTP/2.0), for the log
	// leftScope is set during an attempt at a page whose redirect left the
	// scope of a link check (Config.Check): it is checked, not crawled.
	leftScope bool
}

// host is the politeness state of one origin (scheme, host and port).
type host struct {
	key         string
	queue       fifo[*job] // waiting jobs
	delayed     int        // jobs waiting for a retry
	inflight    int
	maxInflight int           // PerHost, halved by 429 and 503, regained on success
	limiter     *rate.Limiter // nil: no rate limit
	pausedUntil time.Time     // set by 429 and 503
	robots      *robotsRules  // nil until fetched (or when robots.txt is ignored)
	robotsBusy  bool
	inReady     bool
	wakeAt      time.Time // a timer is set to look at this host again then
}

func (h *host) queued() int { return h.queue.len() }

// scheduler hands jobs to workers host by host: at most PerHost in flight to
// one host, at most Rate a second, none while a host has asked to be left
// alone (429, 503, Crawl-delay), and robots.txt fetched before a host's
// first URL. A host that must wait never holds up another: a worker always
// takes the next host that may go, and waits only when none may.
type scheduler struct {
	perHost int
	rate    rate.Limit
	robots  bool
	limit   int // jobs held before push blocks

	mu       sync.Mutex
	hosts    map[string]*host
	ready    fifo[*host] // hosts that may go now, served in turn
	timers   timerHeap
	held     int  // jobs pushed and not finished
	closed   bool // nothing more will be pushed
	stopped  bool // interrupted: hand everything out at once, unfetched
	changed  chan struct{}
	noTarget host // for jobs that fetch nothing: bad URLs and local files
}

func newScheduler(cfg Config) *scheduler {
	lim := rate.Inf
	if cfg.Rate > 0 {
		lim = rate.Limit(cfg.Rate)
	}
	return &scheduler{
		perHost: cfg.PerHost,
		rate:    lim,
		robots:  !cfg.IgnoreRobots,
		// Enough to look past a run of one slow host's URLs; not so many
		// that the jobs waiting (a few hundred bytes each) weigh.
		limit:    max(1024, 16*cfg.Concurrency),
		hosts:    make(map[string]*host),
		changed:  make(chan struct{}),
		noTarget: host{maxInflight: 1 << 30},
	}
}

func (s *scheduler) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// push adds a task, blocking while the scheduler holds its limit of jobs.
func (s *scheduler) push(ctx context.Context, t Task) error {
	j := &job{task: t}
	j.target, j.targetErr = parseTarget(t.Seed)
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.held >= s.limit {
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			return ctx.Err()
		}
		s.mu.Lock()
	}
	j.host = s.hostFor(j)
	j.host.queue.push(j)
	s.held++
	s.consider(j.host, time.Now())
	s.broadcast()
	return nil
}

// hostFor returns the host state of a job's origin.
func (s *scheduler) hostFor(j *job) *host {
	if j.targetErr != nil || j.task.Path != "" || j.task.DuplicateOf != "" || j.task.Skip != "" {
		return &s.noTarget
	}
	key := originKey(&j.target)
	h := s.hosts[key]
	if h == nil {
		h = &host{key: key, maxInflight: s.perHost}
		if s.rate != rate.Inf {
			h.limiter = rate.NewLimiter(s.rate, 1)
		}
		s.hosts[key] = h
	}
	return h
}

// originKey names the origin a URL's politeness and robots.txt belong to.
func originKey(u *weburl.URL) string {
	port := u.Port
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return u.Scheme + "://" + u.Host + ":" + port
}

// close says no more tasks will be pushed.
func (s *scheduler) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.broadcast()
}

// stop hands out everything held at once, ignoring politeness: the crawl
// was interrupted and the jobs are only recorded as such.
func (s *scheduler) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	now := time.Now()
	s.fireTimers(now)
	for _, h := range s.hosts {
		s.consider(h, now)
	}
	s.consider(&s.noTarget, now)
	s.broadcast()
}

// next returns the next job a worker should do, waiting until one may go.
func (s *scheduler) next(ctx context.Context) (*job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		now := time.Now()
		s.fireTimers(now)
		for s.ready.len() > 0 {
			h := s.ready.pop()
			h.inReady = false
			if j := s.dispatch(h, now); j != nil {
				s.consider(h, now)
				return j, nil
			}
		}
		if s.closed && s.held == 0 {
			return nil, errSchedulerDone
		}
		if err := s.wait(ctx, now); err != nil {
			return nil, err
		}
	}
}

// wait releases the lock until the state changes, the next timer is due or
// ctx ends.
func (s *scheduler) wait(ctx context.Context, now time.Time) error {
	ch := s.changed
	var due <-chan time.Time
	if len(s.timers) > 0 {
		t := time.NewTimer(s.timers[0].at.Sub(now))
		defer t.Stop()
		due = t.C
	}
	s.mu.Unlock()
	defer s.mu.Lock()
	select {
	case <-ch:
	case <-due:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// dispatch takes host h's next job if the host may go now.
func (s *scheduler) dispatch(h *host, now time.Time) *job {
	if !s.mayGo(h, now) {
		return nil
	}
	h.inflight++
	if h.limiter != nil && !s.stopped {
		h.limiter.AllowN(now, 1)
	}
	if s.needsRobots(h, now) && !s.stopped {
		h.robotsBusy = true
		return &job{host: h, robots: true, target: h.queue.peek().target}
	}
	j := h.queue.pop()
	j.rules = h.robots
	return j
}

// mayGo reports whether h has a job to hand out now, and otherwise sets a
// timer for when it will.
func (s *scheduler) mayGo(h *host, now time.Time) bool {
	if h.queued() == 0 || (h.robotsBusy && !s.stopped) {
		return false
	}
	if s.stopped {
		return true
	}
	if h.inflight >= h.maxInflight {
		return false // done or retry will look again
	}
	if now.Before(h.pausedUntil) {
		s.wakeHost(h, h.pausedUntil)
		return false
	}
	if h.limiter != nil {
		if tokens := h.limiter.TokensAt(now); tokens < 1 {
			wait := time.Duration((1 - tokens) / float64(h.limiter.Limit()) * float64(time.Second))
			s.wakeHost(h, now.Add(max(wait, time.Millisecond)))
			return false
		}
	}
	return true
}

func (s *scheduler) needsRobots(h *host, now time.Time) bool {
	return s.robots && h != &s.noTarget && (h.robots == nil || now.After(h.robots.expires))
}

// consider puts h in the ready line if it may go now.
func (s *scheduler) consider(h *host, now time.Time) {
	if !h.inReady && s.mayGo(h, now) {
		h.inReady = true
		s.ready.push(h)
	}
}

func (s *scheduler) wakeHost(h *host, at time.Time) {
	if h.wakeAt.IsZero() || at.Before(h.wakeAt) {
		h.wakeAt = at
		heap.Push(&s.timers, timer{at: at, host: h})
	}
}

// fireTimers wakes the hosts and retries that are due (all of them once the
// crawl is stopped).
func (s *scheduler) fireTimers(now time.Time) {
	for len(s.timers) > 0 && (s.stopped || !s.timers[0].at.After(now)) {
		t := heap.Pop(&s.timers).(timer)
		h := t.host
		if t.job != nil {
			h.delayed--
			h.queue.pushFront(t.job)
		} else if t.at.Equal(h.wakeAt) {
			h.wakeAt = time.Time{}
		}
		s.consider(h, now)
	}
}

// done finishes a job handed out by next. ok says the server answered
// well, which lets a host slowed by 429 or 503 speed up again.
func (s *scheduler) done(j *job, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := j.host
	h.inflight--
	s.held--
	if ok && h.maxInflight < s.perHost {
		h.maxInflight++
	}
	s.forget(h)
	s.consider(h, time.Now())
	s.broadcast()
}

// retry puts a job back, to be handed out again after wait. slow says the
// server asked for fewer requests (429, 503): its host pauses as long and
// halves the requests it may have in flight.
func (s *scheduler) retry(j *job, wait time.Duration, slow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, now := j.host, time.Now()
	h.inflight--
	if slow {
		if at := now.Add(wait); at.After(h.pausedUntil) {
			h.pausedUntil = at
		}
		h.maxInflight = max(1, h.maxInflight/2)
	}
	h.delayed++
	heap.Push(&s.timers, timer{at: now.Add(wait), host: h, job: j})
	s.consider(h, now)
	s.broadcast()
}

// robotsDone records a host's robots.txt rules.
func (s *scheduler) robotsDone(j *job, rules *robotsRules) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := j.host
	h.inflight--
	h.robotsBusy = false
	h.robots = rules
	if rules.crawlDelay > 0 {
		lim := rate.Every(rules.crawlDelay)
		if h.limiter == nil {
			h.limiter = rate.NewLimiter(lim, 1)
		} else if lim < h.limiter.Limit() {
			h.limiter.SetLimit(lim)
		}
	}
	s.consider(h, time.Now())
	s.broadcast()
}

// rules returns the robots.txt rules the scheduler holds for origin, or
// nil when it has none that are fresh.
func (s *scheduler) rules(origin string) *robotsRules {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.hosts[origin]; h != nil && h.robots != nil && time.Now().Before(h.robots.expires) {
		return h.robots
	}
	return nil
}

// forget drops an idle host when there are many, so that a list of a
// million hosts does not keep a million states; its robots.txt is fetched
// again should it come back.
func (s *scheduler) forget(h *host) {
	if len(s.hosts) > 4096 && h != &s.noTarget && h.queued() == 0 && h.inflight == 0 && h.delayed == 0 && h.wakeAt.IsZero() {
		delete(s.hosts, h.key)
	}
}

// timer wakes a host at a time, or hands a delayed job back to it.
type timer struct {
	at   time.Time
	host *host
	job  *job
}

type timerHeap []timer

func (t timerHeap) Len() int           { return len(t) }
func (t timerHeap) Less(i, j int) bool { return t[i].at.Before(t[j].at) }
func (t timerHeap) Swap(i, j int)      { t[i], t[j] = t[j], t[i] }
func (t *timerHeap) Push(x any)        { *t = append(*t, x.(timer)) }
func (t *timerHeap) Pop() any {
	old := *t
	x := old[len(old)-1]
	*t = old[:len(old)-1]
	return x
}
