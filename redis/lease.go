package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/crawler"
)

// leaseScript renews a lease on Redis's clock, so that the workers' clocks
// need not agree: KEYS[1] is the sorted set, ARGV[1] the member, ARGV[2] the
// lease in ms.
const leaseScript = `
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2]), ARGV[1])
return 1
`

// renew takes or renews this worker's lease in the sorted set key.
func (j *Job) renew(ctx context.Context, key string) error {
	return j.do(ctx, func(ctx context.Context) error {
		return j.rdb.Eval(ctx, leaseScript, []string{key}, j.worker, j.lease.Milliseconds()).Err()
	})
}

// Stop hands out no more tasks; those read and not handed out go back to
// the job at once.
func (j *Job) Stop() {
	f := &j.front
	f.mu.Lock()
	f.stopped = true
	var ids []string
	for _, t := range f.buf {
		ids = append(ids, f.ids[t.URL])
		delete(f.held, f.ids[t.URL])
		delete(f.ids, t.URL)
	}
	f.buf = nil
	f.mu.Unlock()
	if len(ids) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := j.releaseIDs(ctx, ids); err != nil {
			j.log.Warn("redis: entries not released; others take them after the lease", "error", err)
		}
	}
}

// releaseIDs gives entries back to the job at once.
func (j *Job) releaseIDs(ctx context.Context, ids []string) error {
	args := j.limits()
	for _, id := range ids {
		args = append(args, id)
	}
	return j.do(ctx, func(ctx context.Context) error {
		return release.Run(ctx, j.rdb, j.keys, args...).Err()
	})
}

// releaseAll gives back every entry this worker still holds.
func (j *Job) releaseAll(ctx context.Context) error {
	f := &j.front
	f.mu.Lock()
	ids := make([]string, 0, len(f.held))
	for id := range f.held {
		ids = append(ids, id)
	}
	f.held = make(map[string]string)
	f.ids = make(map[string]string)
	f.staged = make(map[string]bool)
	f.buf = nil
	f.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	return j.releaseIDs(ctx, ids)
}

// startHeartbeat starts, once, the goroutine that keeps this worker's
// entries (and its place among the workers adding seeds) from looking
// abandoned: a third of the lease apart, their idle time is reset.
func (j *Job) startHeartbeat() {
	j.front.hbStart.Do(func() { go j.heartbeat() })
}

func (j *Job) heartbeat() {
	tick := time.NewTicker(j.lease / 3)
	defer tick.Stop()
	for {
		j.beat()
		select {
		case <-tick.C:
		case <-j.front.hbStop:
			return
		}
	}
}

// beat resets the idle time of the entries held, and renews the leases.
func (j *Job) beat() {
	f := &j.front
	f.mu.Lock()
	ids := make([]string, 0, len(f.held))
	for id := range f.held {
		ids = append(ids, id)
	}
	loading := f.loading
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), j.lease/3)
	defer cancel()
	j.trips.Add(1)
	pipe := j.rdb.Pipeline()
	pipe.Eval(ctx, leaseScript, []string{j.prefix + "workers"}, j.worker, j.lease.Milliseconds())
	if loading {
		pipe.Eval(ctx, leaseScript, []string{j.prefix + "loaders"}, j.worker, j.lease.Milliseconds())
	}
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		pipe.XClaimJustID(ctx, &goredis.XClaimArgs{Stream: j.prefix + "q", Group: "g", Consumer: j.worker, MinIdle: 0, Messages: ids[:n]})
		ids = ids[n:]
	}
	if _, err := pipe.Exec(ctx); err != nil && transient(err) {
		j.log.Warn("redis: heartbeat failed", "error", err)
	}
}

// NoteError keeps the last error of a task that is being retried, for its
// dead-letter record should its worker stop.
func (j *Job) NoteError(ctx context.Context, t crawler.Task, msg string) {
	f := &j.front
	f.mu.Lock()
	id := f.ids[t.URL]
	f.mu.Unlock()
	if id == "" {
		return
	}
	j.do(ctx, func(ctx context.Context) error {
		return j.rdb.HSet(ctx, j.prefix+"errs", id, msg).Err()
	})
}
