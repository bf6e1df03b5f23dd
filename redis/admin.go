package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/results"
)

// Stats are a job's counts.
type Stats struct {
	Job      string `json:"job"`
	Seen     int64  `json:"seen"`     // URLs taken or proposed
	Queued   int64  `json:"queued"`   // tasks waiting to be read
	Pending  int64  `json:"pending"`  // tasks taken and not finished, queued ones included
	Proposed int64  `json:"proposed"` // links waiting for their depth's turn
	Records  int64  `json:"records"`
	Failed   int64  `json:"failed"`
	Dead     int64  `json:"dead_letters"`
	Workers  int64  `json:"workers"` // alive, by their heartbeat
	// NotFollowed estimates (HyperLogLog) the distinct URLs not followed,
	// by reason.
	NotFollowed map[string]int64 `json:"not_followed,omitempty"`
	// Exported counts the records crawl export --follow moved out.
	Exported int64 `json:"exported"`
	// Memory is what the job's parts hold in Redis, in bytes: estimated
	// by Redis's MEMORY USAGE, on a sample of the seen-set's buckets. Only
	// List measures it.
	Memory Memory `json:"memory"`
}

// Memory is what a job holds in Redis, by part, in bytes.
type Memory struct {
	Records int64 `json:"records"` // the records not yet exported
	Seen    int64 `json:"seen"`    // the seen-set
	Queue   int64 `json:"queue"`   // the tasks queued and the links proposed
}

// seenSamples is how many of the seen-set's buckets are measured to
// estimate its memory.
const seenSamples = 32

// Finished reports whether nothing is left to crawl.
func (s Stats) Finished() bool { return s.Pending == 0 && s.Proposed == 0 }

// connect opens a client for url.
func connect(url string) (*goredis.Client, error) {
	ro, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	return goredis.NewClient(ro), nil
}

func prefixOf(job string) string { return "crawl:{" + job + "}:" }

// skipReasons are the reasons a URL is not followed, as crawler counts them.
var skipReasons = []string{"depth", "scope", "include", "exclude", "robots", "max-pages", "max-pages-per-host", "trap", "filter"}

// stats reads the counts of one job.
func stats(ctx context.Context, rdb *goredis.Client, job string) (Stats, error) {
	p := prefixOf(job)
	now, err := rdb.Time(ctx).Result() // leases are on Redis's clock
	if err != nil {
		return Stats{}, err
	}
	pipe := rdb.Pipeline()
	seen := pipe.HGet(ctx, p+"sm", "n")
	exported := pipe.HGet(ctx, p+"exp", "records")
	pend := pipe.HVals(ctx, p+"pend")
	depths := pipe.ZRange(ctx, p+"pdepths", 0, -1)
	info := pipe.XInfoGroups(ctx, p+"q")
	st := pipe.HGetAll(ctx, p+"stats")
	workers := pipe.ZCount(ctx, p+"workers", strconv.FormatInt(now.UnixMilli(), 10), "+inf")
	skips := make([]*goredis.IntCmd, len(skipReasons))
	for i, r := range skipReasons {
		skips[i] = pipe.PFCount(ctx, p+"skip:"+r)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != goredis.Nil && !strings.Contains(err.Error(), "no such key") {
		return Stats{}, err
	}
	s := Stats{Job: job, Workers: workers.Val(), NotFollowed: map[string]int64{}}
	s.Seen, _ = strconv.ParseInt(seen.Val(), 10, 64)
	s.Exported, _ = strconv.ParseInt(exported.Val(), 10, 64)
	for _, v := range pend.Val() {
		n, _ := strconv.ParseInt(v, 10, 64)
		s.Pending += n
	}
	for _, g := range info.Val() {
		s.Queued += g.Lag
	}
	if len(depths.Val()) > 0 {
		lens := rdb.Pipeline()
		var cmds []*goredis.IntCmd
		for _, d := range depths.Val() {
			cmds = append(cmds, lens.LLen(ctx, p+"prop:"+d))
		}
		lens.Exec(ctx)
		for _, c := range cmds {
			s.Proposed += c.Val()
		}
	}
	s.Records, _ = strconv.ParseInt(st.Val()["records"], 10, 64)
	s.Failed, _ = strconv.ParseInt(st.Val()["failed"], 10, 64)
	s.Dead, _ = strconv.ParseInt(st.Val()["dead"], 10, 64)
	for i, r := range skipReasons {
		if n := skips[i].Val(); n > 0 {
			s.NotFollowed[r] = n
		}
	}
	return s, nil
}

// memory measures what a job holds in Redis with MEMORY USAGE: the
// records stream, the queue (its stream and the lists of proposed links)
// and the seen-set, estimated from seenSamples of its buckets. Only crawl
// jobs asks: it is some 40 commands, which the counts need not wait for.
func memory(ctx context.Context, rdb *goredis.Client, job string) (Memory, error) {
	p := prefixOf(job)
	pipe := rdb.Pipeline()
	shape := pipe.HMGet(ctx, p+"sm", "l", "s")
	depths := pipe.ZRange(ctx, p+"pdepths", 0, -1)
	res, q, sm := pipe.MemoryUsage(ctx, p+"res"), pipe.MemoryUsage(ctx, p+"q"), pipe.MemoryUsage(ctx, p+"sm")
	if _, err := pipe.Exec(ctx); err != nil && err != goredis.Nil {
		return Memory{}, err
	}
	var level, split int64 // of the seen-set's linear hash table; 0, 0 when empty
	if v, ok := shape.Val()[0].(string); ok {
		level, _ = strconv.ParseInt(v, 10, 64)
	}
	if v, ok := shape.Val()[1].(string); ok {
		split, _ = strconv.ParseInt(v, 10, 64)
	}
	buckets := int64(0)
	if level > 0 {
		buckets = 1<<level + split
	}
	sizes := rdb.Pipeline()
	var props, samples []*goredis.IntCmd
	for _, d := range depths.Val() {
		props = append(props, sizes.MemoryUsage(ctx, p+"prop:"+d))
	}
	n := min(buckets, seenSamples)
	for i := range n {
		samples = append(samples, sizes.MemoryUsage(ctx, p+"s:"+strconv.FormatInt(i*buckets/n, 10)))
	}
	sizes.Exec(ctx) // a bucket or a list may be gone by now: it counts 0
	m := Memory{Records: res.Val(), Queue: q.Val()}
	for _, c := range props {
		m.Queue += c.Val()
	}
	if n > 0 {
		var sum int64
		for _, c := range samples {
			sum += c.Val()
		}
		m.Seen = sum*buckets/n + sm.Val()
	}
	return m, nil
}

// Stats returns the job's counts.
func (j *Job) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := j.do(ctx, func(ctx context.Context) error {
		v, err := stats(ctx, j.rdb, j.name)
		s = v
		return err
	})
	return s, err
}

// List returns the counts of every job on the server at url, by name.
func List(ctx context.Context, url string) ([]Stats, error) {
	rdb, err := connect(url)
	if err != nil {
		return nil, err
	}
	defer rdb.Close()
	names, err := rdb.SMembers(ctx, jobsKey).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	slices.Sort(names)
	out := make([]Stats, 0, len(names))
	for _, name := range names {
		s, err := stats(ctx, rdb, name)
		if err == nil {
			s.Memory, err = memory(ctx, rdb, name)
		}
		if err != nil {
			return nil, fmt.Errorf("redis: job %s: %w", name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// ErrRunning is wrapped by Remove's error when the job has workers alive.
var ErrRunning = errors.New("the job has workers")

// liveWorkers counts the workers of job whose lease has not expired, on
// Redis's clock.
func liveWorkers(ctx context.Context, rdb *goredis.Client, job string) (int64, error) {
	now, err := rdb.Time(ctx).Result()
	if err != nil {
		return 0, err
	}
	return rdb.ZCount(ctx, prefixOf(job)+"workers", strconv.FormatInt(now.UnixMilli(), 10), "+inf").Result()
}

// Remove deletes a job and everything it holds; it reports whether there
// was such a job. A job whose workers are alive is not removed: they
// would end with its state gone under them.
func Remove(ctx context.Context, url, job string) (bool, error) {
	if err := checkJobName(job); err != nil { // so that its key prefix is no SCAN pattern either
		return false, err
	}
	rdb, err := connect(url)
	if err != nil {
		return false, err
	}
	defer rdb.Close()
	if alive, err := liveWorkers(ctx, rdb, job); err != nil {
		return false, fmt.Errorf("redis: %w", err)
	} else if alive > 0 {
		return false, fmt.Errorf("job %s: %w: %d alive; stop them first (SIGINT gives their URLs back), or wait a lease after they died", job, ErrRunning, alive)
	}
	if held, err := rdb.Get(ctx, prefixOf(job)+"exporter").Result(); err == nil {
		var h Holder
		json.Unmarshal([]byte(held), &h)
		return false, fmt.Errorf("job %s: an exporter follows it (pid %d on %s, writing %s); it ends once the job is finished, or stop it first", job, h.PID, h.Host, h.File)
	} else if !errors.Is(err, goredis.Nil) {
		return false, fmt.Errorf("redis: %w", err)
	}
	n, err := rdb.SRem(ctx, jobsKey, job).Result()
	if err != nil {
		return false, fmt.Errorf("redis: %w", err)
	}
	iter := rdb.Scan(ctx, 0, prefixOf(job)+"*", 1000).Iterator()
	var keys []string
	found := n > 0
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 1000 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return found, err
			}
			keys, found = keys[:0], true
		}
	}
	if err := iter.Err(); err != nil {
		return found, fmt.Errorf("redis: %w", err)
	}
	if len(keys) > 0 {
		found = true
		if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
			return found, fmt.Errorf("redis: %w", err)
		}
	}
	return found, nil
}

// ErrMoved is wrapped by Records' error when a follower moved records of
// the job out of Redis: what is left is not the whole job.
var ErrMoved = errors.New("records were moved out of Redis")

// Records calls put with every record of a job, in the order they were
// stored. A stored record that is not valid JSON of a record is an error.
func Records(ctx context.Context, url, job string, put func(results.Record) error) error {
	if err := checkJobName(job); err != nil {
		return err
	}
	rdb, err := connect(url)
	if err != nil {
		return err
	}
	defer rdb.Close()
	ok, err := rdb.SIsMember(ctx, jobsKey, job).Result()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if !ok {
		return fmt.Errorf("redis: no job %q", job)
	}
	exp, err := rdb.HGetAll(ctx, prefixOf(job)+"exp").Result()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if m := parseMark(exp); m.Records > 0 {
		return fmt.Errorf("job %s: %w: %d of its records were moved to %s on %s by crawl export --follow; run that again with the same file to get the rest", job, ErrMoved, m.Records, m.Holder.File, m.Holder.Host)
	}
	key, start := prefixOf(job)+"res", "-"
	for {
		msgs, err := rdb.XRangeN(ctx, key, start, "+", 1000).Result()
		if err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		for _, m := range msgs {
			raw, _ := m.Values["r"].(string)
			var r results.Record
			if err := json.Unmarshal([]byte(raw), &r); err != nil || r.URL == "" {
				return fmt.Errorf("redis: job %s: record %s is not a record: %.80q", job, m.ID, raw)
			}
			if err := put(r); err != nil {
				return err
			}
		}
		if len(msgs) < 1000 {
			return nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}
