// Package redis keeps a crawl job in Redis, so that many crawl processes,
// on one machine or many, crawl it together: the frontier (a stream with a
// consumer group, beside the seen-set and the depth counts), the records,
// the robots.txt files and the politeness limits. It implements the
// crawler's Frontier, RobotsStore and HostLimiter; cmd/crawl wires it in.
//
// Every change to the job's state is one Lua script, atomic in Redis, and a
// URL's entry is acknowledged only in the same step that stores its record
// and queues its links. Entries held by a worker that stopped are reclaimed
// after a lease; the job is finished when the counts in Redis say nothing
// is queued, proposed or pending, never on a timer.
package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Defaults for the zero values of Options.
const (
	DefaultLease         = 60 * time.Second
	DefaultMaxDeliveries = 5
	DefaultBatch         = 8
	// StartWait is how long Open waits for an unreachable Redis before it
	// gives up: an outage during a job is waited out, but a worker that
	// cannot reach its Redis at all should say so, not hang.
	StartWait = 10 * time.Second
)

// Options say which job to open and how to take part in it.
type Options struct {
	// URL is the server: redis://[user:pass@]host:port/db, or rediss://
	// for TLS.
	URL string
	// Job names the job: letters, digits, '.', '_' and '-', up to 64.
	Job string
	// Settings are what every worker of the job must agree on; they are
	// stored with the job by its first worker, and Open refuses others.
	Settings Settings
	// Lease is how long an entry may go without its worker's heartbeat
	// before another worker takes it over. Default 60s.
	Lease time.Duration
	// MaxDeliveries is how many times an entry is handed out before it is
	// recorded as a dead letter instead. Default 5.
	MaxDeliveries int
	// Batch is how many entries a worker reads at once. Default 8.
	Batch int
	// Logger gets the outages of Redis at Warn. Default: discard.
	Logger *slog.Logger
}

// Settings are the parts of a crawl's configuration that decide which pages
// it crawls, and so must be the same in every worker of a job.
type Settings struct {
	Depth           int      `json:"depth"`
	Scope           string   `json:"scope"`
	Include         []string `json:"include,omitempty"`
	Exclude         []string `json:"exclude,omitempty"`
	SortQuery       bool     `json:"sort_query,omitempty"`
	StripParams     []string `json:"strip_params,omitempty"`
	MaxPages        int      `json:"max_pages,omitempty"`
	MaxPagesPerHost int      `json:"max_pages_per_host,omitempty"`
	Sitemap         bool     `json:"sitemap,omitempty"`
	IgnoreRobots    bool     `json:"ignore_robots,omitempty"`
	// What decides a record's content, so that the job's records all
	// have one shape: the custom fields as given (NAME=CSS[@ATTR]),
	// button details, and the body limit links and fields are read in.
	Select        []string `json:"select,omitempty"`
	ButtonDetails bool     `json:"button_details,omitempty"`
	Anchors       bool     `json:"anchors,omitempty"`
	MaxBody       int64    `json:"max_body,omitempty"`
	Render        bool     `json:"render,omitempty"`
}

// ErrGone is wrapped by the error of a worker whose job disappeared from
// Redis under it: removed by crawl job rm, or lost by a Redis restarted
// without persistence.
var ErrGone = errors.New("the job is gone from Redis (removed by crawl job rm, or lost by a restart of a Redis without persistence); its state is lost: start it again")

// ErrSettings is wrapped by Open's error when the job was started with
// other settings.
var ErrSettings = errors.New("the job was started with other settings")

var jobName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func checkJobName(job string) error {
	if !jobName.MatchString(job) {
		return fmt.Errorf("job name %q: use letters, digits, '.', '_' and '-', up to 64", job)
	}
	return nil
}

// CheckURL reports, without connecting, whether url names a Redis server
// as Options.URL must: redis:// or rediss://, in a form go-redis reads.
func CheckURL(url string) error {
	if !strings.HasPrefix(url, "redis://") && !strings.HasPrefix(url, "rediss://") {
		return fmt.Errorf("redis url %q: want redis://[user:pass@]host:port/db, or rediss:// for TLS", url)
	}
	if _, err := goredis.ParseURL(url); err != nil {
		return fmt.Errorf("redis url %q: %w", url, err)
	}
	return nil
}

// CheckJobName reports whether job can name a job (Options.Job).
func CheckJobName(job string) error { return checkJobName(job) }

// jobsKey is the set of job names, for List.
const jobsKey = "crawl:jobs"

// Job is one worker's connection to a job. Its methods are safe for
// concurrent use.
type Job struct {
	retrier
	rdb    *goredis.Client
	prefix string // "crawl:{name}:"
	worker string // this worker's consumer name
	set    Settings
	lease  time.Duration
	maxDel int
	batch  int
	keys   []string // {prefix}, for the scripts

	releases  sync.WaitGroup // slots being given back
	finishing sync.WaitGroup // tasks' ends being sent

	errMu sync.Mutex
	err   error // the first error of a step sent in the background

	front frontierState

	closeOnce sync.Once
	closeErr  error
}

// Open connects to the job, creating it with opt.Settings if it is new, and
// refuses when it exists with other settings.
func Open(ctx context.Context, opt Options) (*Job, error) {
	if err := checkJobName(opt.Job); err != nil {
		return nil, err
	}
	ro, err := goredis.ParseURL(opt.URL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	ro.MaxRetries = -1 // the job retries, knowing which steps may be repeated
	j := &Job{
		retrier: newRetrier(opt.Job, opt.Logger, "keeping in-flight pages and retrying"),
		rdb:     goredis.NewClient(ro),
		prefix:  "crawl:{" + opt.Job + "}:",
		worker:  workerName(),
		set:     opt.Settings,
		lease:   cmpOr(opt.Lease, DefaultLease),
		maxDel:  cmpOr(opt.MaxDeliveries, DefaultMaxDeliveries),
		batch:   cmpOr(opt.Batch, DefaultBatch),
	}
	j.keys = []string{j.prefix}
	j.front.init()
	start, cancel := context.WithTimeout(ctx, StartWait)
	defer cancel()
	if err := j.create(start); err != nil {
		j.rdb.Close()
		var o *outage
		if errors.As(err, &o) && ctx.Err() == nil {
			return nil, fmt.Errorf("redis at %s not reachable for %v: %w", ro.Addr, StartWait, o.last)
		}
		return nil, err
	}
	j.downMu.Lock()
	j.opened = true
	j.downMu.Unlock()
	return j, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// workerName is unique to this process: host, pid and a random part.
func workerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// create stores the settings if the job is new, checks them if not, and
// makes the consumer group.
func (j *Job) create(ctx context.Context) error {
	want, err := json.Marshal(j.set)
	if err != nil {
		return err
	}
	var got string
	err = j.do(ctx, func(ctx context.Context) error {
		pipe := j.rdb.TxPipeline()
		pipe.SetNX(ctx, j.prefix+"cfg", want, 0)
		get := pipe.Get(ctx, j.prefix+"cfg")
		pipe.SAdd(ctx, jobsKey, j.name)
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		got = get.Val()
		err := j.rdb.XGroupCreateMkStream(ctx, j.prefix+"q", "g", "0").Err()
		if err != nil && strings.HasPrefix(err.Error(), "BUSYGROUP") {
			err = nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("open job %s: %w", j.name, err)
	}
	if got != string(want) {
		var stored Settings
		json.Unmarshal([]byte(got), &stored)
		return fmt.Errorf("job %s: %w: %s", j.name, ErrSettings, settingsDiff(stored, j.set))
	}
	return nil
}

// settingsDiff says how two settings differ, as the flags that set them.
func settingsDiff(stored, mine Settings) string {
	var diffs []string
	add := func(flag string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			diffs = append(diffs, fmt.Sprintf("%s is %v in the job, %v here", flag, a, b))
		}
	}
	add("--depth", stored.Depth, mine.Depth)
	add("--scope", stored.Scope, mine.Scope)
	add("--include", stored.Include, mine.Include)
	add("--exclude", stored.Exclude, mine.Exclude)
	add("--sort-query", stored.SortQuery, mine.SortQuery)
	add("--strip-param", stored.StripParams, mine.StripParams)
	add("--max-pages", stored.MaxPages, mine.MaxPages)
	add("--max-pages-per-host", stored.MaxPagesPerHost, mine.MaxPagesPerHost)
	add("--sitemap", stored.Sitemap, mine.Sitemap)
	// A bool is said as the flag's value.
	choice := func(set bool, yes, no string) string {
		if set {
			return yes
		}
		return no
	}
	add("--robots", choice(stored.IgnoreRobots, "ignore", "obey"), choice(mine.IgnoreRobots, "ignore", "obey"))
	add("--select", stored.Select, mine.Select)
	add("--buttons", choice(stored.ButtonDetails, "detail", "ids"), choice(mine.ButtonDetails, "detail", "ids"))
	add("--anchors", stored.Anchors, mine.Anchors)
	add("--max-body", stored.MaxBody, mine.MaxBody)
	add("--render", stored.Render, mine.Render)
	if len(diffs) == 0 {
		return "they could not be read"
	}
	return strings.Join(diffs, "; ")
}

// Name is the job's name; Worker is this worker's consumer name.
func (j *Job) Name() string   { return j.name }
func (j *Job) Worker() string { return j.worker }

// RoundTrips counts the requests this worker sent to Redis (a pipeline is
// one).
func (j *Job) RoundTrips() int64 { return j.trips.Load() }

// Close ends this worker's part: its unfinished entries go back to the job
// at once, and its connections are closed. Only the first call does it.
func (j *Job) Close(ctx context.Context) error {
	j.closeOnce.Do(func() { j.closeErr = j.close(ctx) })
	return j.closeErr
}

func (j *Job) close(ctx context.Context) error {
	j.releases.Wait()
	j.finishing.Wait()
	err := errors.Join(j.failed(), j.releaseAll(ctx))
	j.front.stopHeartbeat()
	if err == nil {
		err = j.do(ctx, func(ctx context.Context) error {
			pipe := j.rdb.Pipeline()
			pipe.ZRem(ctx, j.prefix+"workers", j.worker)
			pipe.ZRem(ctx, j.prefix+"loaders", j.worker)
			_, err := pipe.Exec(ctx)
			return err
		})
	}
	return errors.Join(err, j.rdb.Close())
}

// retrier runs the steps of one job's client, waiting out the outages of
// Redis (a restart, a network cut) and saying so once per outage.
type retrier struct {
	name      string // the job's
	log       *slog.Logger
	trips     atomic.Int64 // round trips to Redis
	meanwhile string       // what is done during an outage, to say so

	downMu sync.Mutex
	down   bool // Redis is unreachable, and that has been said
	opened bool // the job is open: an outage from now on is waited out
}

func newRetrier(job string, log *slog.Logger, meanwhile string) retrier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	goredis.SetLogger(clientLog{log})
	return retrier{name: job, log: log, meanwhile: meanwhile}
}

// do runs op until it succeeds, retrying with backoff while Redis cannot be
// reached (or is loading its data after a restart), and saying so once per
// outage; any other error is returned. Every op must be safe to repeat.
// When ctx ends during an outage, the error wraps ctx's and the last one.
func (j *retrier) do(ctx context.Context, op func(context.Context) error) error {
	wait := 50 * time.Millisecond
	for {
		j.trips.Add(1)
		err := op(ctx)
		if err != nil && ctx.Err() != nil && transient(err) {
			return &outage{ctx.Err(), err}
		}
		if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
			return fmt.Errorf("job %s: %w", j.name, ErrGone)
		}
		if err == nil || !transient(err) {
			j.up()
			return err
		}
		j.downMu.Lock()
		if !j.down && j.opened {
			j.down = true
			j.log.Warn("redis unreachable; "+j.meanwhile, "error", err)
		}
		j.downMu.Unlock()
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return &outage{ctx.Err(), err}
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// up notes that Redis answered, saying so after an outage.
func (j *retrier) up() {
	j.downMu.Lock()
	defer j.downMu.Unlock()
	if j.down {
		j.down = false
		j.log.Warn("redis reachable again; continuing")
	}
}

// transient reports whether err is Redis being out of reach for now.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, goredis.Nil) || errors.Is(err, goredis.ErrClosed) {
		return false
	}
	msg := err.Error()
	// BUSY: a script of another client (another job's, say) runs long;
	// Redis answers again once it ends.
	for _, p := range []string{"LOADING", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY", "BUSY "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	var rerr goredis.Error
	if errors.As(err, &rerr) {
		return false // an answer from Redis: the command itself failed
	}
	return true // the connection: refused, reset, closed, timed out
}

// clientLog passes go-redis's own log lines (a dial that failed, say) to
// the job's logger at Info, so that they obey -q and show with -v.
type clientLog struct{ l *slog.Logger }

func (c clientLog) Printf(ctx context.Context, format string, v ...any) {
	c.l.InfoContext(ctx, fmt.Sprintf(format, v...), "from", "go-redis")
}

// outage is the error of a step given up on because its context ended
// while Redis could not be reached: both errors, ctx's first.
type outage struct{ ctx, last error }

func (o *outage) Error() string   { return o.ctx.Error() + ": " + o.last.Error() }
func (o *outage) Unwrap() []error { return []error{o.ctx, o.last} }
