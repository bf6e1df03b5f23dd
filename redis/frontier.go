package redis

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/crawler"
)

// wireTask is a task as it is stored in the job, as JSON when it does
// not fit the compact form (see wire).
type wireTask struct {
	URL      string `json:"u"`
	Depth    int    `json:"d,omitempty"`
	Parent   string `json:"p,omitempty"`
	Key      string `json:"k,omitempty"` // omitted when it is URL, as it mostly is
	Source   string `json:"s,omitempty"`
	Err      string `json:"e,omitempty"`
	Host     string `json:"h,omitempty"` // for max-pages-per-host
	Extended uint8  `json:"x,omitempty"`
}

// frontierState is this worker's side of the job's frontier.
type frontierState struct {
	mu      sync.Mutex
	buf     []crawler.Task    // read from the job, not yet handed out
	held    map[string]string // entry IDs read and not finished -> URL
	ids     map[string]string // URL of a task handed out -> its entry ID
	staged  map[string]bool   // entry IDs with links staged (Offer)
	stopped bool
	loading bool // seeds are being added
	closed  bool // all this worker's seeds are added

	seeds []string // addSeeds arguments waiting to be sent

	hbStart sync.Once
	hbStop  chan struct{}
	hbOnce  sync.Once
}

func (f *frontierState) init() {
	f.held = make(map[string]string)
	f.ids = make(map[string]string)
	f.staged = make(map[string]bool)
	f.hbStop = make(chan struct{})
}

func (f *frontierState) stopHeartbeat() { f.hbOnce.Do(func() { close(f.hbStop) }) }

// seedBatch is how many seeds go to Redis in one script call.
const seedBatch = 256

// keyHash is the seen-set's field for a dedup key: 96 bits of its SHA-256,
// the same in every worker.
func keyHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return string(h[:12])
}

// spelling tells apart seeds of one page spelled differently: "" when the
// seed is spelled as its dedup key (as most are, which keeps the seen-set's
// value for them one byte), else 32 bits of the hash of its spelling.
func spelling(t crawler.Task) string {
	if t.URL == t.Key {
		return ""
	}
	h := sha256.Sum256([]byte(t.URL))
	return string(h[:4])
}

// wire encodes a task for the job. Most go in a compact form, "D N REST
// URL": the depth, then the parent as the length of the prefix it shares
// with the URL and the rest of it, so that a queued link costs its URL
// and a few bytes, not JSON and a second URL. A task with more to say
// goes as JSON (wireTask).
func (j *Job) wire(t crawler.Task) (string, error) {
	if t.Key == t.URL && t.Source == "" && t.Err == "" && t.Extended == 0 && j.set.MaxPagesPerHost == 0 &&
		t.URL != "" && !strings.ContainsAny(t.Parent, " \t\n\r\f\v") {
		n := 0
		for n < len(t.URL) && n < len(t.Parent) && t.URL[n] == t.Parent[n] {
			n++
		}
		return strconv.Itoa(t.Depth) + " " + strconv.Itoa(n) + " " + t.Parent[n:] + " " + t.URL, nil
	}
	w := wireTask{URL: t.URL, Depth: t.Depth, Parent: t.Parent, Source: t.Source, Err: t.Err, Extended: t.Extended}
	if t.Key != t.URL {
		w.Key = t.Key
	}
	if j.set.MaxPagesPerHost > 0 {
		w.Host = crawler.HostOfKey(t.Key)
	}
	b, err := json.Marshal(w)
	return string(b), err
}

func (j *Job) limits() []any {
	return []any{j.set.MaxPages, j.set.MaxPagesPerHost}
}

// Add queues a seed (depth 0), or offers a discovered task as a link of no
// page in particular. Seeds are sent in batches; Close sends the last.
func (j *Job) Add(ctx context.Context, t crawler.Task) (bool, error) {
	if t.Path != "" {
		return false, fmt.Errorf("%s: a local file cannot be crawled by a shared job", t.Path)
	}
	if t.Done != nil {
		return false, fmt.Errorf("%s: a shared job keeps its own records and cannot resume from a file", t.URL)
	}
	task, err := j.wire(t)
	if err != nil {
		return false, err
	}
	if t.Depth > 0 {
		return true, j.offer(ctx, "", 0, crawler.Page{Links: []crawler.Task{t}})
	}
	f := &j.front
	f.mu.Lock()
	first := !f.loading
	f.loading = true
	f.mu.Unlock()
	if first {
		// Counted as adding seeds before the first is sent, so that no
		// worker takes the job for finished, or opens a deeper depth,
		// while this one's seeds are on their way.
		if err := j.renew(ctx, j.prefix+"loaders"); err != nil {
			return false, err
		}
		j.startHeartbeat()
	}
	f.mu.Lock()
	f.seeds = append(f.seeds, keyHash(t.Key), spelling(t), task)
	full := len(f.seeds) >= 3*seedBatch
	f.mu.Unlock()
	if full {
		return true, j.flushSeeds(ctx)
	}
	return true, nil
}

// flushSeeds sends the seeds waiting.
func (j *Job) flushSeeds(ctx context.Context) error {
	f := &j.front
	f.mu.Lock()
	batch := f.seeds
	f.seeds = nil
	f.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	args := append(j.limits(), j.worker, j.lease.Milliseconds())
	for _, a := range batch {
		args = append(args, a)
	}
	return j.do(ctx, func(ctx context.Context) error {
		return addSeeds.Run(ctx, j.rdb, j.keys, args...).Err()
	})
}

// Frontier returns the job's frontier, for crawler.Config.Frontier.
func (j *Job) Frontier() crawler.Frontier { return frontier{j} }

// frontier is the job as a crawler.Frontier, whose Close ends the seeds,
// not the connection.
type frontier struct{ *Job }

func (f frontier) Close(ctx context.Context) error { return f.closeSeeds(ctx) }

// closeSeeds sends the last seeds and stops counting this worker as one
// adding seeds, which holds the deeper links back.
func (j *Job) closeSeeds(ctx context.Context) error {
	if err := j.flushSeeds(ctx); err != nil {
		return err
	}
	j.front.mu.Lock()
	j.front.loading, j.front.closed = false, true
	j.front.mu.Unlock()
	return j.do(ctx, func(ctx context.Context) error {
		return j.rdb.ZRem(ctx, j.prefix+"loaders", j.worker).Err()
	})
}

// Claim marks the key of a page reached by a redirect as taken.
func (j *Job) Claim(ctx context.Context, key string) (bool, error) {
	var added bool
	err := j.do(ctx, func(ctx context.Context) error {
		n, err := claimKey.Run(ctx, j.rdb, j.keys, append(j.limits(), keyHash(key))...).Int()
		added = n == 1
		return err
	})
	return added, err
}

// Skip counts a URL not followed (an estimate: HyperLogLog, ±1%).
func (j *Job) Skip(ctx context.Context, key, reason string) error {
	return j.offer(ctx, "", 0, crawler.Page{NotFollowed: []crawler.NotFollowed{{Key: key, Reason: reason}}})
}

// Next returns a task of the job, blocking until there is one; it returns
// crawler.ErrDrained once the job is finished or this worker was stopped.
func (j *Job) Next(ctx context.Context) (crawler.Task, error) {
	j.startHeartbeat()
	if err := j.failed(); err != nil {
		return crawler.Task{}, err
	}
	f := &j.front
	for {
		f.mu.Lock()
		if f.stopped {
			f.mu.Unlock()
			return crawler.Task{}, crawler.ErrDrained
		}
		if len(f.buf) > 0 {
			t := f.buf[0]
			f.buf = f.buf[1:]
			f.mu.Unlock()
			return t, nil
		}
		closed, waiting := f.closed, len(f.seeds) > 0
		f.mu.Unlock()
		if waiting { // nothing to hand out: send the seeds read so far
			if err := j.flushSeeds(ctx); err != nil {
				return crawler.Task{}, err
			}
		}
		done, err := j.claim(ctx)
		switch {
		case err != nil:
			return crawler.Task{}, err
		case done && closed:
			return crawler.Task{}, crawler.ErrDrained
		case done:
			// This worker's seeds are still coming (a slow pipe), or
			// have not started to.
			if err := j.idle(ctx); err != nil {
				return crawler.Task{}, err
			}
		}
	}
}

// claim reads tasks into the buffer, or waits for some to be queued, and
// reports whether the job is finished.
func (j *Job) claim(ctx context.Context) (bool, error) {
	var res []any
	err := j.do(ctx, func(ctx context.Context) error {
		v, err := claim.Run(ctx, j.rdb, j.keys, append(j.limits(), j.worker, j.batch, j.lease.Milliseconds(), j.maxDel)...).Slice()
		res = v
		return err
	})
	if err != nil {
		return false, fmt.Errorf("redis claim: %w", err)
	}
	switch res[0].(int64) {
	case 1:
		return false, j.buffer(res[1].([]any))
	case 2:
		return true, nil
	}
	// Nothing to do yet: wait for an entry to be queued, or for the
	// counts to change (a page ends), and ask again.
	return false, j.idle(ctx)
}

// idle waits up to 100 ms for an entry to be queued, and takes it.
func (j *Job) idle(ctx context.Context) error {
	var streams []goredis.XStream
	err := j.do(ctx, func(ctx context.Context) error {
		s, err := j.rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{
			Group: "g", Consumer: j.worker, Streams: []string{j.prefix + "q", ">"}, Count: int64(j.batch), Block: 100 * time.Millisecond,
		}).Result()
		if err == goredis.Nil {
			err = nil
		}
		streams = s
		return err
	})
	if err != nil {
		return fmt.Errorf("redis read: %w", err)
	}
	for _, s := range streams {
		for _, m := range s.Messages {
			j.hold(m.ID, m.Values)
		}
	}
	return nil
}

// buffer takes the entries a script returned.
func (j *Job) buffer(entries []any) error {
	for _, e := range entries {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return fmt.Errorf("redis claim: unexpected entry %v", e)
		}
		id, _ := pair[0].(string)
		fields, _ := pair[1].([]any)
		values := make(map[string]any, len(fields)/2)
		for i := 0; i+1 < len(fields); i += 2 {
			k, _ := fields[i].(string)
			values[k] = fields[i+1]
		}
		j.hold(id, values)
	}
	return nil
}

// unwire decodes a task as wire encodes it.
func unwire(raw string) (wireTask, error) {
	var w wireTask
	if raw == "" || raw[0] < '0' || raw[0] > '9' {
		err := json.Unmarshal([]byte(raw), &w)
		return w, err
	}
	f := strings.SplitN(raw, " ", 4)
	if len(f) != 4 {
		return w, fmt.Errorf("task %.80q: want depth, prefix, rest and URL", raw)
	}
	d, err1 := strconv.Atoi(f[0])
	n, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || n < 0 || n > len(f[3]) {
		return w, fmt.Errorf("task %.80q: want depth, prefix, rest and URL", raw)
	}
	w.URL, w.Depth = f[3], d
	if n > 0 || f[2] != "" {
		w.Parent = f[3][:n] + f[2]
	}
	return w, nil
}

// hold decodes an entry into a task and buffers it. An entry that is not a
// task as this package writes them is acknowledged and dropped, saying so:
// entries are data, validated, never code.
func (j *Job) hold(id string, values map[string]any) {
	raw, _ := values["t"].(string)
	w, err := unwire(raw)
	if w.Key == "" {
		w.Key = w.URL
	}
	if err != nil || w.URL == "" || w.Depth < 0 {
		// Ended as a task with no record, so that the counts stay right
		// (at the depth it says, if it says one).
		j.log.Warn("redis: dropping an entry that is not a task", "id", id, "entry", raw)
		if err := j.offer(context.Background(), id, max(w.Depth, 0), crawler.Page{}); err != nil {
			j.fail(err)
		}
		return
	}
	t := crawler.Task{Seed: crawler.Seed{URL: w.URL, Source: w.Source, Err: w.Err}, Depth: w.Depth, Parent: w.Parent, Key: w.Key, Extended: w.Extended}
	if values["dup"] != nil {
		t.DuplicateOf = w.Key
	}
	if s, ok := values["skip"].(string); ok {
		t.Skip = s
	}
	f := &j.front
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held[id] = t.URL // heartbeated, and released by Close if not done
	if _, dup := f.ids[t.URL]; dup || f.stopped {
		// Not handed out: stopped, or a URL this worker holds already
		// (an entry it released while stopping, read back before the
		// release was noted). Close gives it back.
		return
	}
	f.ids[t.URL] = id
	f.buf = append(f.buf, t)
}

// Offer stages a chunk of the links of a task not ended yet: its end takes
// them with it, into the job, in the same step as its record and its
// acknowledgement; they are then proposed in bounded steps (see finish).
// No script is given more than a chunk, so that one page of a million
// links never holds Redis up for other jobs.
func (j *Job) Offer(ctx context.Context, t crawler.Task, p crawler.Page) error {
	if err := j.failed(); err != nil {
		return err
	}
	f := &j.front
	f.mu.Lock()
	id := f.ids[t.URL]
	first := id != "" && !f.staged[id]
	if id != "" {
		f.staged[id] = true
	}
	f.mu.Unlock()
	if id == "" {
		return fmt.Errorf("redis: %s was not handed out by this worker", t.URL)
	}
	args := append(j.limits(), id, b01(first), len(p.Links))
	for _, l := range p.Links {
		task, err := j.wire(l)
		if err != nil {
			return err
		}
		args = append(args, keyHash(l.Key), task)
	}
	for _, n := range p.NotFollowed {
		args = append(args, keyHash(n.Key), n.Reason)
	}
	err := j.do(ctx, func(ctx context.Context) error {
		return stage.Run(ctx, j.rdb, j.keys, args...).Err()
	})
	if err != nil {
		return fmt.Errorf("redis stage: %w", err)
	}
	return nil
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Done ends a task: record, links and acknowledgement in one step. A task
// interrupted before it was crawled goes back to the job instead. The step
// is sent to Redis in the background, so that the fetcher goes on to its
// next page at once; an error it meets is returned by the next call to
// Next or Done, and by Close, which waits for them all.
func (j *Job) Done(ctx context.Context, t crawler.Task, p crawler.Page) error {
	if err := j.failed(); err != nil {
		return err
	}
	f := &j.front
	f.mu.Lock()
	id := f.ids[t.URL]
	f.mu.Unlock()
	if id == "" {
		return fmt.Errorf("redis: %s was not handed out by this worker", t.URL)
	}
	var send func(context.Context) error
	if p.Record != nil && p.Record.Error == crawler.ErrInterrupted.Error() {
		send = func(ctx context.Context) error { return j.releaseIDs(ctx, []string{id}) }
	} else {
		f.mu.Lock()
		staged := f.staged[id]
		f.mu.Unlock()
		args, err := j.finishArgs(id, t.Depth, p, staged)
		if err != nil {
			return err
		}
		send = func(ctx context.Context) error {
			if err := j.runFinish(ctx, args); err != nil || !staged {
				return err
			}
			return j.drainAll(ctx)
		}
	}
	// The step outlives the call, and may outlive the run that made it
	// (its context ends with it): Close waits for it instead.
	ctx = context.WithoutCancel(ctx)
	j.finishing.Add(1)
	go func() {
		defer j.finishing.Done()
		if err := send(ctx); err != nil {
			j.fail(err)
			return
		}
		f.mu.Lock()
		delete(f.ids, t.URL)
		delete(f.held, id)
		delete(f.staged, id)
		f.mu.Unlock()
	}()
	return nil
}

// drainBatch is how many staged links one drain step proposes: a few
// milliseconds of Redis's time.
const drainBatch = 256

// drainAll proposes the staged links of ended pages, a bounded step at a
// time, until none are left.
func (j *Job) drainAll(ctx context.Context) error {
	for {
		var left int64
		err := j.do(ctx, func(ctx context.Context) error {
			n, err := drainStep.Run(ctx, j.rdb, j.keys, append(j.limits(), drainBatch)...).Int64()
			left = n
			return err
		})
		if err != nil {
			return fmt.Errorf("redis drain: %w", err)
		}
		if left == 0 {
			return nil
		}
	}
}

// fail keeps the first error of a step sent in the background.
func (j *Job) fail(err error) {
	j.errMu.Lock()
	defer j.errMu.Unlock()
	if j.err == nil {
		j.err = err
	}
}

func (j *Job) failed() error {
	j.errMu.Lock()
	defer j.errMu.Unlock()
	return j.err
}

// offer runs the finish script for entry id (none when "") and waits.
func (j *Job) offer(ctx context.Context, id string, depth int, p crawler.Page) error {
	args, err := j.finishArgs(id, depth, p, false)
	if err != nil {
		return err
	}
	return j.runFinish(ctx, args)
}

// finishArgs are the finish script's arguments for entry id, whose links
// were staged before (Offer) or not.
func (j *Job) finishArgs(id string, depth int, p crawler.Page, staged bool) ([]any, error) {
	args := append(j.limits(), id, depth)
	failed := "0"
	if rec := p.Record; rec != nil {
		args = append(args, string(rec.AppendJSON(nil))) // the writers' encoder, no reflection
		if !rec.OK() {
			failed = "1"
		}
	} else {
		args = append(args, "")
	}
	args = append(args, failed, b01(staged), len(p.Links))
	for _, l := range p.Links {
		task, err := j.wire(l)
		if err != nil {
			return nil, err
		}
		args = append(args, keyHash(l.Key), l.Depth, task)
	}
	for _, n := range p.NotFollowed {
		args = append(args, keyHash(n.Key), n.Reason)
	}
	return args, nil
}

func (j *Job) runFinish(ctx context.Context, args []any) error {
	err := j.do(ctx, func(ctx context.Context) error {
		return finish.Run(ctx, j.rdb, j.keys, args...).Err()
	})
	if err != nil {
		return fmt.Errorf("redis finish: %w", err)
	}
	return nil
}
