package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/crawlkit/crawl/redis"
	"github.com/crawlkit/crawl/results"
)

// followBatch is how many records are written, fsynced and removed from
// Redis at once; a restart finds at most this many written and not yet
// removed.
const followBatch = 1000

// errInterrupted is wrapped by the error of a subcommand stopped by a
// signal: exit 130.
var errInterrupted = errors.New("interrupted")

// followJob is crawl export --redis URL --job NAME --follow -o FILE: the
// job's records move out of Redis into FILE as they finish, each batch
// fsynced before it is removed. FILE is the truth: a restart appends
// after it, skipping the records of a batch it holds that Redis had not
// yet removed.
func followJob(ctx context.Context, url, job, path string, stderr io.Writer) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := redis.Follow(ctx, url, job, abs, log)
	if errors.Is(err, redis.ErrExporting) {
		return usagef("export --follow: %v", err)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	start := f.Start()
	if st, err := os.Stat(abs); err == nil && st.Size() > 0 && start.File == "" {
		return usagef("export --follow: %s already holds %d bytes, and no exporter of job %s wrote to it: give a new file", path, st.Size(), job)
	}
	out, tail, err := results.OpenJournal(abs, start.Offset, followBatch)
	if err != nil {
		return fmt.Errorf("export --follow: %w", err)
	}
	defer out.Close()
	if start.Holder.File != "" && start.Holder.File != abs {
		fmt.Fprintf(stderr, "crawl: export: job %s was exported to %s before; going on in %s\n", job, start.Holder.File, abs)
	}
	before := f.Records()
	for {
		b, done, err := f.Next(ctx, followBatch)
		if ctx.Err() != nil {
			return fmt.Errorf("export: %w: %d records of job %s are in %s; run the same command again to go on", errInterrupted, f.Records(), job, path)
		}
		if err != nil {
			return err
		}
		if done {
			break
		}
		lines, err := unwritten(b.Lines, tail)
		if err != nil {
			return fmt.Errorf("export: job %s: %w", job, err)
		}
		if err := out.Append(lines); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := f.Commit(context.WithoutCancel(ctx), b, out.Size()); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "crawl: export: job %s is finished: %d records in %s (%d written now)\n", job, f.Records(), path, f.Records()-before)
	return nil
}

// unwritten returns the lines whose record's URL is not in written (a
// batch a stopped exporter wrote and Redis still held), checking that each
// is a record.
func unwritten(lines [][]byte, written map[string]bool) ([][]byte, error) {
	out := lines[:0:0]
	for _, l := range lines {
		var r struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(l, &r); err != nil || r.URL == "" {
			return nil, fmt.Errorf("a stored record is not a record: %.80q", l)
		}
		if written[r.URL] {
			delete(written, r.URL)
			continue
		}
		out = append(out, l)
	}
	return out, nil
}
