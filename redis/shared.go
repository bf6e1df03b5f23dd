package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/crawlkit/crawl/crawler"
)

// robotsLock is how long a worker may take to fetch a robots.txt before
// another one tries.
const robotsLock = 2 * time.Minute

// Robots returns the job's copy of origin's robots.txt, fetching it (in
// one worker of all, the one that takes the lock) when there is none or it
// has expired. The others wait for it.
func (j *Job) Robots(ctx context.Context, origin string, fetch func() crawler.RobotsFile) (crawler.RobotsFile, error) {
	key, lock := j.prefix+"robots", j.prefix+"rlock:"+origin
	stored := func() (crawler.RobotsFile, bool, error) {
		var raw string
		err := j.do(ctx, func(ctx context.Context) error {
			v, err := j.rdb.HGet(ctx, key, origin).Result()
			if errors.Is(err, goredis.Nil) {
				v, err = "", nil
			}
			raw = v
			return err
		})
		var f crawler.RobotsFile
		fresh := raw != "" && json.Unmarshal([]byte(raw), &f) == nil && time.Now().Before(f.Expires)
		return f, fresh, err
	}
	wait := 20 * time.Millisecond
	for {
		f, fresh, err := stored()
		if err != nil || fresh {
			return f, err
		}
		var mine bool
		err = j.do(ctx, func(ctx context.Context) error {
			ok, err := j.rdb.SetNX(ctx, lock, j.worker, robotsLock).Result()
			mine = ok
			return err
		})
		if err != nil {
			return crawler.RobotsFile{}, err
		}
		if mine {
			// Another worker may have stored it between the look and
			// the lock.
			if f, fresh, err := stored(); err != nil || fresh {
				j.do(ctx, func(ctx context.Context) error { return j.rdb.Del(ctx, lock).Err() })
				return f, err
			}
			f := fetch()
			if ctx.Err() != nil {
				// Cut off by an interrupt: what it says is not the
				// host's answer, for the others to go by.
				j.do(context.WithoutCancel(ctx), func(ctx context.Context) error { return j.rdb.Del(ctx, lock).Err() })
				return f, nil
			}
			b, err := json.Marshal(f)
			if err != nil {
				return f, err
			}
			err = j.do(ctx, func(ctx context.Context) error {
				pipe := j.rdb.TxPipeline()
				pipe.HSet(ctx, key, origin, b)
				pipe.Del(ctx, lock)
				_, err := pipe.Exec(ctx)
				return err
			})
			return f, err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return crawler.RobotsFile{}, ctx.Err()
		}
		wait = min(2*wait, time.Second)
	}
}

// slotLease bounds how long a request holds its per-host slot, should its
// worker stop without giving it back.
const slotLease = 5 * time.Minute

// Acquire waits until a request to origin may start under the job-wide
// limits: at most perHost in flight across all workers, and interval
// between two starts. Both are decided in Redis, on Redis's clock: the
// limit is exact, the spacing is exact at Redis and off at the site by the
// difference in the workers' round trips to Redis. A worker waiting asks
// again every 10 ms, or when the interval says.
func (j *Job) Acquire(ctx context.Context, origin string, perHost int, interval time.Duration) (func(), error) {
	b := make([]byte, 8)
	rand.Read(b)
	token := j.worker + "/" + hex.EncodeToString(b)
	for {
		var wait int64
		err := j.do(ctx, func(ctx context.Context) error {
			v, err := acquire.Run(ctx, j.rdb, j.keys, origin, token, perHost, interval.Milliseconds(), slotLease.Milliseconds()).Int64()
			wait = v
			return err
		})
		if err != nil {
			return nil, err
		}
		if wait < 0 {
			break
		}
		select {
		case <-time.After(time.Duration(wait) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// The slot is given back off the fetcher's path: the next request
	// need not wait for this one's round trip.
	return func() {
		j.releases.Add(1)
		go func() {
			defer j.releases.Done()
			ctx, cancel := context.WithTimeout(context.Background(), j.lease)
			defer cancel()
			j.do(ctx, func(ctx context.Context) error {
				return j.rdb.ZRem(ctx, j.prefix+"slots:"+origin, token).Err()
			})
		}()
	}, nil
}
