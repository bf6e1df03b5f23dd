package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/redis"
	"github.com/crawlkit/crawl/render"
	"github.com/crawlkit/crawl/results"
)

// checkShared checks the flags of a shared crawl (--redis).
func (o *options) checkShared(fs *pflag.FlagSet) error {
	if o.redis == "" {
		for _, name := range []string{"job", "redis-lease", "redis-deliveries"} {
			if fs.Changed(name) {
				return usagef("--%s needs --redis", name)
			}
		}
		return nil
	}
	switch {
	case o.job == "":
		return usagef("--redis needs --job NAME: the name every worker of the crawl gives")
	case redis.CheckURL(o.redis) != nil:
		return usagef("--redis: %v", redis.CheckURL(o.redis))
	case redis.CheckJobName(o.job) != nil:
		return usagef("--job: %v", redis.CheckJobName(o.job))
	case o.resume:
		return usagef("--resume with --redis: a shared job keeps its own state; start the worker again to go on")
	case fs.Changed("output") || fs.Changed("format"):
		return usagef("--output and --format with --redis: the records go to Redis; write them with crawl export --redis URL --job %s -o FILE", o.job)
	case o.redisLease < time.Second:
		return usagef("--redis-lease %v: want at least 1s", o.redisLease)
	case o.redisDeliver < 1:
		return usagef("--redis-deliveries %d: want at least 1", o.redisDeliver)
	}
	return nil
}

// settings are the options every worker of a job must share.
func (o *options) settings() redis.Settings {
	return redis.Settings{
		Depth: o.depth, Scope: o.scope, Include: o.include, Exclude: o.exclude,
		SortQuery: o.sortQuery, StripParams: o.stripParams,
		MaxPages: o.maxPages, MaxPagesPerHost: o.maxPagesHost,
		Sitemap: o.sitemap, IgnoreRobots: o.robots == "ignore",
		Select: o.selects, ButtonDetails: o.buttons == "detail", Anchors: o.anchors, MaxBody: int64(o.maxBody), Render: o.render,
	}
}

// crawlShared is one worker of a shared job: it adds its inputs to the job,
// then crawls the job's frontier until the job is finished. browser is
// that of --render, or nil.
func crawlShared(ctx context.Context, o *options, cfg crawler.Config, browser *render.Browser, stdin io.Reader, stderr io.Writer) (int, error) {
	job, err := redis.Open(ctx, redis.Options{
		URL: o.redis, Job: o.job, Settings: o.settings(),
		Lease: o.redisLease, MaxDeliveries: o.redisDeliver, Logger: cfg.Logger,
	})
	if errors.Is(err, redis.ErrSettings) {
		return 0, usagef("%v", err)
	}
	if err != nil {
		return 0, err
	}
	cfg.Frontier, cfg.Robots, cfg.Limiter = job.Frontier(), job, job
	c, err := crawler.New(cfg)
	if err != nil {
		job.Close(context.WithoutCancel(ctx))
		return 0, usagef("%v", err)
	}
	in, err := openInputs(o, stdin, func(msg string) { fmt.Fprintf(stderr, "crawl: %s\n", msg) })
	if err != nil {
		job.Close(context.WithoutCancel(ctx))
		return 0, err
	}
	defer in.close()
	t := &tally{next: discardSink{}, statuses: make(map[string]int)}
	progress := startProgress(c, o, in, 0, stderr)
	start := time.Now()
	runErr := c.Run(ctx, in.seeds(ctx), t)
	progress.stop()
	interrupted := runErr != nil && ctx.Err() != nil && errors.Is(runErr, ctx.Err())
	var st redis.Stats
	if runErr == nil || interrupted {
		st, runErr = job.Stats(context.WithoutCancel(ctx))
	}
	if err := errors.Join(runErr, job.Close(context.WithoutCancel(ctx))); err != nil {
		return 0, err
	}
	if !o.quiet {
		fmt.Fprintln(stderr, t.summary(time.Since(start)))
		fmt.Fprintf(stderr, "crawl: job %s: %d records, %d failed (%d dead letters), %d pending; this worker: %d redis round trips\n",
			o.job, st.Records, st.Failed, st.Dead, st.Pending, job.RoundTrips())
		if browser != nil {
			fmt.Fprintln(stderr, renderSummary(t, browser, time.Since(start)))
		}
	}
	switch {
	case in.err != nil:
		return 0, in.err
	case interrupted:
		fmt.Fprintf(stderr, "crawl: interrupted; this worker's unfinished URLs went back to job %s for the other workers\n", o.job)
		return exitInterrupted, nil
	case st.Failed > 0:
		return exitSomeFailed, nil
	}
	return exitOK, nil
}

// discardSink drops records: a shared job stores its own.
type discardSink struct{}

func (discardSink) Put(results.Record) error { return nil }

// redisFlags parses the --redis and --job flags of a subcommand.
func redisFlags(name string, args []string, stdout io.Writer, help string, needJob bool) (*pflag.FlagSet, string, string, error) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	url := fs.String("redis", "", "the Redis server's `URL`")
	job := fs.String("job", "", "the job's `NAME`")
	if err := fs.Parse(args); errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(stdout, "%s\n\n%s", help, fs.FlagUsages())
		return nil, "", "", pflag.ErrHelp
	} else if err != nil {
		return nil, "", "", usagef("%s: %v", name, err)
	}
	if *url == "" || needJob && *job == "" {
		return nil, "", "", usagef("%s", help)
	}
	if err := redis.CheckURL(*url); err != nil {
		return nil, "", "", usagef("%s: --redis: %v", name, err)
	}
	if err := redis.CheckJobName(*job); *job != "" && err != nil {
		return nil, "", "", usagef("%s: --job: %v", name, err)
	}
	return fs, *url, *job, nil
}

// listJobs is crawl jobs --redis URL: each job with its counts.
func listJobs(ctx context.Context, args []string, stdout io.Writer) error {
	_, url, _, err := redisFlags("crawl jobs", args, stdout, "Usage: crawl jobs --redis URL", false)
	if errors.Is(err, pflag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	jobs, err := redis.List(ctx, url)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tSTATE\tRECORDS\tEXPORTED\tFAILED\tDEAD\tPENDING\tPROPOSED\tSEEN\tWORKERS\tMEM RECORDS\tMEM SEEN\tMEM QUEUE")
	for _, s := range jobs {
		state := "running"
		if s.Finished() {
			state = "finished"
		}
		m := s.Memory
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Job, state, s.Records, s.Exported, s.Failed, s.Dead, s.Pending, s.Proposed, s.Seen, s.Workers,
			megabytes(m.Records), megabytes(m.Seen), megabytes(m.Queue))
	}
	return w.Flush()
}

// megabytes says a size in MB, to one decimal.
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// jobCommand is crawl job rm --redis URL --job NAME.
func jobCommand(ctx context.Context, args []string, stdout io.Writer) error {
	const help = "Usage: crawl job rm --redis URL --job NAME"
	if len(args) == 0 || args[0] != "rm" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdout, help)
			return nil
		}
		return usagef("%s", help)
	}
	_, url, job, err := redisFlags("crawl job rm", args[1:], stdout, help, true)
	if errors.Is(err, pflag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	found, err := redis.Remove(ctx, url, job)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("job rm: no job %q on %s", job, url)
	}
	fmt.Fprintf(stdout, "crawl: job %s removed\n", job)
	return nil
}

// exportShared writes a shared job's records as a local run would have:
// a JSON object keyed by URL, or JSON lines in the order they finished.
func exportShared(ctx context.Context, url, job, output, format string, stdout io.Writer) error {
	switch {
	case format == "" && strings.HasSuffix(output, ".jsonl"):
		format = "jsonl"
	case format == "":
		format = "json"
	case format != "json" && format != "jsonl":
		return usagef("export --format %q: want json or jsonl", format)
	}
	var w io.Writer = stdout
	var file *results.AtomicFile
	if output != "-" {
		f, err := results.CreateAtomic(output)
		if err != nil {
			return usagef("export --output: %v", err)
		}
		file, w = f, f
	}
	err := writeShared(ctx, url, job, format, w)
	if file == nil {
		return err
	}
	if err != nil {
		return errors.Join(err, file.Abort())
	}
	return file.Commit()
}

func writeShared(ctx context.Context, url, job, format string, w io.Writer) error {
	if format == "jsonl" {
		out := results.NewJSONL(w)
		seen := make(map[string]struct{})
		err := redis.Records(ctx, url, job, func(r results.Record) error {
			if _, dup := seen[r.URL]; dup {
				return nil
			}
			seen[r.URL] = struct{}{}
			return out.Put(r)
		})
		return err
	}
	spool, err := results.NewSpool("")
	if err != nil {
		return err
	}
	defer spool.Close()
	if err := redis.Records(ctx, url, job, spool.Put); err != nil {
		return err
	}
	return spool.WriteJSON(w)
}
