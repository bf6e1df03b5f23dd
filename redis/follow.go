package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// exporterLease is how long a follower's lease lasts without renewal; it
// is renewed every third of it. A follower on another machine that died
// holds the job this long; one on this machine, only until its process is
// found gone.
const exporterLease = 15 * time.Second

// gather is how long a follower lets records gather after a batch that
// took all there was.
const gather = 100 * time.Millisecond

// ErrExporting is wrapped by Follow's error when another exporter follows
// the job.
var ErrExporting = errors.New("another exporter follows the job")

// Holder says who follows a job: stored with the lease, and with each
// commit so that a later export can say where the records went.
type Holder struct {
	Worker string `json:"worker"` // host-pid-random, as a worker's name
	Host   string `json:"host"`
	PID    int    `json:"pid"`
	File   string `json:"file"`
}

// Mark is what the last commit of a job's follower stored: how many
// records it moved out of Redis, and the size its file had then.
type Mark struct {
	Records int64
	Offset  int64
	File    string // the file of the job's first follower; "" when none ever followed it
	Holder  Holder // the last to commit; empty when no record was ever moved out
}

// Batch is records read from a job, in the order they finished.
type Batch struct {
	Lines [][]byte // each a record as JSON, without a newline
	last  string   // the stream ID of the last
}

// Follower moves a job's records out of Redis: it reads them as they
// finish and removes each batch once the caller says it is durably kept.
// A job has one follower at a time, by a lease.
type Follower struct {
	retrier
	rdb     *goredis.Client
	prefix  string
	holder  Holder
	token   string // the lease's value: holder as JSON
	cursor  string // the last stream ID read
	records int64  // moved out of Redis, by this follower and those before
	first   Mark   // the mark when the lease was taken
	short   bool   // the last batch was not full
	existed bool   // the job was seen in Redis: its going is an error

	stop chan struct{}
	done chan struct{}
	lost chan struct{} // closed when the lease was found taken
}

// Follow takes the job's exporter lease for a follower writing to file.
// A lease whose holder was a process on this machine that is gone is
// taken over at once; any other held lease is refused with ErrExporting.
func Follow(ctx context.Context, url, job, file string, log *slog.Logger) (*Follower, error) {
	if err := checkJobName(job); err != nil {
		return nil, err
	}
	rdb, err := connect(url)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	f := &Follower{retrier: newRetrier(job, log, "keeping what is written and retrying"), rdb: rdb, prefix: prefixOf(job), cursor: "-",
		holder: Holder{Worker: workerName(), Host: host, PID: os.Getpid(), File: file},
		stop:   make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{})}
	b, _ := json.Marshal(f.holder)
	f.token = string(b)
	start, cancel := context.WithTimeout(ctx, StartWait)
	defer cancel()
	err = f.take(start)
	if err == nil {
		f.first, err = f.Mark(start)
		f.records = f.first.Records
	}
	if err == nil {
		err = f.do(start, func(ctx context.Context) error {
			return f.rdb.HSetNX(ctx, f.prefix+"exp", "file", file).Err()
		})
	}
	if err != nil {
		rdb.Close()
		var o *outage
		if errors.As(err, &o) && ctx.Err() == nil {
			return nil, fmt.Errorf("redis not reachable for %v: %w", StartWait, o.last)
		}
		return nil, err
	}
	f.opened = true
	go f.renew()
	return f, nil
}

// takeLease sets KEYS[1] to ARGV[1] for ARGV[2] ms when it is free, or
// held by ARGV[3] (a holder found gone). It returns the holder it found
// when it did not take it.
var takeLease = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] and v ~= ARGV[3] then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ''
`)

func (f *Follower) take(ctx context.Context) error {
	key := f.prefix + "exporter"
	gone := ""
	for range 2 {
		var held string
		err := f.do(ctx, func(ctx context.Context) error {
			v, err := takeLease.Run(ctx, f.rdb, []string{key}, f.token, exporterLease.Milliseconds(), gone).Text()
			held = v
			return err
		})
		if err != nil {
			return err
		}
		if held == "" {
			return nil
		}
		var h Holder
		json.Unmarshal([]byte(held), &h)
		if h.Host == f.holder.Host && h.PID > 0 && !alive(h.PID) {
			gone = held // its process is gone: take over at once
			continue
		}
		ttl, _ := f.rdb.PTTL(ctx, key).Result()
		return fmt.Errorf("job %s: %w: %s (pid %d on %s) writes %s; its lease ends %v after it stops",
			f.name, ErrExporting, h.Worker, h.PID, h.Host, h.File, ttl.Round(time.Second))
	}
	return fmt.Errorf("job %s: %w", f.name, ErrExporting)
}

// renewLease extends the lease KEYS[1] by ARGV[2] ms if it holds ARGV[1],
// or sets it again if it expired (Redis was down, say) and nobody took it.
var renewLease = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

func (f *Follower) renew() {
	defer close(f.done)
	t := time.NewTicker(exporterLease / 3)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), exporterLease/3)
		n, err := renewLease.Run(ctx, f.rdb, []string{f.prefix + "exporter"}, f.token, exporterLease.Milliseconds()).Int()
		cancel()
		if err == nil && n == 0 {
			close(f.lost)
			return
		}
		if err != nil {
			f.log.Info("redis: exporter lease not renewed; retrying", "error", err)
		}
	}
}

// ErrLeaseLost is wrapped by the error of a follower whose lease another
// exporter took (it stalled for longer than the lease).
var ErrLeaseLost = errors.New("the exporter lease was taken by another exporter")

// Start returns what the job's last commit stored when this follower took
// the lease.
func (f *Follower) Start() Mark { return f.first }

// Mark returns what the job's last commit stored.
func (f *Follower) Mark(ctx context.Context) (Mark, error) {
	var v map[string]string
	err := f.do(ctx, func(ctx context.Context) error {
		m, err := f.rdb.HGetAll(ctx, f.prefix+"exp").Result()
		v = m
		return err
	})
	if err != nil {
		return Mark{}, err
	}
	return parseMark(v), nil
}

func parseMark(v map[string]string) Mark {
	var m Mark
	m.Records, _ = strconv.ParseInt(v["records"], 10, 64)
	m.Offset, _ = strconv.ParseInt(v["offset"], 10, 64)
	m.File = v["file"]
	json.Unmarshal([]byte(v["holder"]), &m.Holder)
	return m
}

// Next waits for records after those read so far, up to max, and returns
// them; it returns an empty batch and true once the job is finished and
// every record was read.
func (f *Follower) Next(ctx context.Context, max int) (Batch, bool, error) {
	if f.short {
		// The last batch took all there was: let more gather, so that a
		// batch (and its fsync) is not one record each.
		select {
		case <-time.After(gather):
		case <-ctx.Done():
			return Batch{}, false, ctx.Err()
		}
	}
	for {
		select {
		case <-f.lost:
			return Batch{}, false, fmt.Errorf("job %s: %w", f.name, ErrLeaseLost)
		default:
		}
		var msgs []goredis.XMessage
		err := f.do(ctx, func(ctx context.Context) error {
			v, err := f.rdb.XRangeN(ctx, f.prefix+"res", exclusive(f.cursor), "+", int64(max)).Result()
			msgs = v
			return err
		})
		if err != nil {
			return Batch{}, false, err
		}
		if len(msgs) > 0 {
			var b Batch
			for _, m := range msgs {
				raw, _ := m.Values["r"].(string)
				b.Lines = append(b.Lines, []byte(raw))
			}
			b.last = msgs[len(msgs)-1].ID
			f.cursor, f.short = b.last, len(msgs) < max
			return b, false, nil
		}
		done, err := f.finished(ctx)
		if err != nil || done {
			return Batch{}, done, err
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			return Batch{}, false, ctx.Err()
		}
	}
}

// exclusive is the XRANGE start just after id ("-" for the start).
func exclusive(id string) string {
	if id == "-" {
		return id
	}
	return "(" + id
}

// finished reports whether the job has seeds, has nothing left to crawl,
// and holds no record after the cursor: with no page pending, none can be
// added.
func (f *Follower) finished(ctx context.Context) (bool, error) {
	var done, exists bool
	err := f.do(ctx, func(ctx context.Context) error {
		n, err := f.rdb.Exists(ctx, f.prefix+"cfg").Result()
		if exists = n == 1; err != nil || !exists {
			return err
		}
		s, err := stats(ctx, f.rdb, f.name)
		if err != nil || s.Seen == 0 || !s.Finished() {
			done = false
			return err
		}
		now, err := f.rdb.Time(ctx).Result()
		if err != nil {
			return err
		}
		loaders, err := f.rdb.ZCount(ctx, f.prefix+"loaders", strconv.FormatInt(now.UnixMilli(), 10), "+inf").Result()
		if err != nil || loaders > 0 {
			done = false
			return err
		}
		after, err := f.rdb.XRangeN(ctx, f.prefix+"res", exclusive(f.cursor), "+", 1).Result()
		done = len(after) == 0
		return err
	})
	switch {
	case err != nil:
		return false, err
	case exists:
		f.existed = true
	case f.existed:
		// Removed by crawl job rm, or lost by a Redis restarted without
		// persistence: nothing more will come.
		return false, fmt.Errorf("job %s: %w", f.name, ErrGone)
	}
	return done, nil
}

// commit removes the records up to ARGV[1] (a stream ID) from the job and
// stores the mark, if the exporter lease is still ARGV[4]'s (or expired,
// and free). ARGV: last ID, records moved in all, file offset, holder
// JSON (the lease's value). Repeated, it changes nothing more.
var commit = goredis.NewScript(`
local P = KEYS[1]
local v = redis.call('GET', P .. 'exporter')
if v and v ~= ARGV[4] then return 0 end
local ms, seq = string.match(ARGV[1], '^(%d+)-(%d+)$')
redis.call('XTRIM', P .. 'res', 'MINID', ms .. '-' .. string.format('%d', tonumber(seq) + 1))
redis.call('HSET', P .. 'exp', 'records', ARGV[2], 'offset', ARGV[3], 'holder', ARGV[4])
return 1
`)

// Commit removes a batch from Redis, which the caller has durably kept
// in its file, now offset bytes long.
func (f *Follower) Commit(ctx context.Context, b Batch, offset int64) error {
	if b.last == "" {
		return nil
	}
	if strings.Count(b.last, "-") != 1 {
		return fmt.Errorf("redis: stream ID %q", b.last)
	}
	total := f.records + int64(len(b.Lines))
	var n int
	err := f.do(ctx, func(ctx context.Context) error {
		v, err := commit.Run(ctx, f.rdb, []string{f.prefix}, b.last, total, offset, f.token).Int()
		n = v
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("job %s: %w", f.name, ErrLeaseLost)
	}
	f.records = total
	return nil
}

// Records counts the records moved out of Redis so far, by this follower
// and those before it.
func (f *Follower) Records() int64 { return f.records }

// giveLease deletes the lease KEYS[1] if it holds ARGV[1].
var giveLease = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`)

// Close gives the lease back.
func (f *Follower) Close() error {
	close(f.stop)
	<-f.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := giveLease.Run(ctx, f.rdb, []string{f.prefix + "exporter"}, f.token).Err()
	return errors.Join(err, f.rdb.Close())
}
