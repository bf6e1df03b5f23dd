package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/results"
)

// crawl runs the crawl the options describe and writes its output.
func crawl(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	logLevel := slog.LevelWarn
	if o.verbose {
		logLevel = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	// net/http writes what it has to say (an unsolicited response on an idle
	// connection, say) to the standard logger: through ours it obeys -q.
	defer log.SetOutput(log.Writer())
	defer log.SetFlags(log.Flags())
	log.SetOutput(stdlogWriter{logger})
	log.SetFlags(0)
	cfg, err := o.config(logger)
	if err != nil {
		return 0, err
	}
	jar, err := o.network(&cfg)
	if err != nil {
		return 0, err
	}
	browser, err := o.startBrowser(ctx, logger)
	if err != nil {
		return 0, err
	}
	if browser != nil {
		defer browser.Close()
		cfg.Renderer = browser
	}
	if o.redis != "" {
		code, err := crawlShared(ctx, o, cfg, browser, stdin, stderr)
		if err == nil {
			err = o.saveJar(jar)
		}
		return code, err
	}
	var check *checkRun
	if o.check != nil {
		if check, err = startCheck(o, &cfg); err != nil {
			return 0, err
		}
		defer check.close()
	}
	c, err := crawler.New(cfg)
	if err != nil {
		return 0, usagef("%v", err)
	}
	in, err := openInputs(o, stdin, func(msg string) { fmt.Fprintf(stderr, "crawl: %s\n", msg) })
	if err != nil {
		return 0, err
	}
	defer in.close()
	out, err := openOutput(o, stdout)
	if err != nil {
		return 0, err
	}
	t := &tally{next: out.sink, statuses: make(map[string]int)}
	if check != nil {
		t.next = check.sink(out.sink)
	}
	seeds, skipped := in.seeds(ctx), 0
	var replayErr error
	if out.done != nil {
		seeds = skipDone(seeds, out.done, &skipped)
		if o.depth > 0 {
			seeds = concat(replay(o.output, out.replaySize, &replayErr), seeds)
		}
	}
	progress := startProgress(c, o, in, len(out.done), stderr)
	start := time.Now()
	runErr := c.Run(ctx, seeds, t)
	progress.stop()
	interrupted := runErr != nil && ctx.Err() != nil && errors.Is(runErr, ctx.Err())
	if runErr != nil && !interrupted {
		out.abort()
		return 0, runErr
	}
	if err := out.finish(); err != nil {
		return 0, fmt.Errorf("write %s: %w", o.output, err)
	}
	if err := o.saveJar(jar); err != nil {
		return 0, err
	}
	if !o.quiet {
		fmt.Fprintln(stderr, t.summary(time.Since(start)))
		if o.depth > 0 {
			fmt.Fprintln(stderr, followSummary(c.Progress()))
		}
		if browser != nil {
			fmt.Fprintln(stderr, renderSummary(t, browser, time.Since(start)))
		}
		if o.insecure {
			fmt.Fprintln(stderr, "crawl: WARNING: --insecure: TLS certificates were NOT verified; any server could have answered for any host")
		}
		if out.done != nil {
			fmt.Fprintf(stderr, "crawl: --resume: %d URLs were already in %s without error, not crawled again\n", skipped, o.output)
		}
	}
	switch {
	case in.err != nil:
		return 0, in.err
	case replayErr != nil:
		return 0, replayErr
	}
	if check != nil {
		// The report goes where the records do not.
		w := stdout
		if o.output == "-" {
			w = stderr
		}
		if err := check.finish(w); err != nil {
			return 0, err
		}
	}
	switch {
	case interrupted:
		fmt.Fprintln(stderr, "crawl: interrupted; URLs not crawled are recorded with the error \"interrupted\"")
		if !o.quiet {
			fmt.Fprintln(stderr, resumeHint(o))
		}
		return exitInterrupted, nil
	case check != nil && check.rep.Failed(), check == nil && t.failed > 0:
		return exitSomeFailed, nil
	}
	return exitOK, nil
}

// stdlogWriter passes the standard logger's lines to a slog.Logger, at
// Info: they are diagnostics, shown with -v.
type stdlogWriter struct{ l *slog.Logger }

func (w stdlogWriter) Write(p []byte) (int, error) {
	w.l.Info(strings.TrimSpace(string(p)), "from", "net/http")
	return len(p), nil
}

// output is where records go: a JSON object written at the end (to a file
// atomically), or JSON lines written as each record finishes.
type output struct {
	sink   results.Sink
	finish func() error // writes what is left and makes it final
	abort  func()       // leaves an output file as it was, when possible
	// done holds, with --resume, the URLs the output already has without
	// error; they are not crawled again.
	done map[string]struct{}
	// replaySize is, with --resume, the size of what the file kept: the
	// records whose links rebuild the frontier of a recursive crawl.
	replaySize int64
}

func openOutput(o *options, stdout io.Writer) (*output, error) {
	switch {
	case o.output == "": // crawl check without -o: the report is the output
		nop := func() error { return nil }
		return &output{sink: sinkFunc(func(results.Record) error { return nil }), finish: nop, abort: func() {}}, nil
	case o.resume:
		done, err := results.Resume(o.output)
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
		if err != nil {
			return nil, usagef("--output: %v", err)
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		out := jsonlFile(f)
		out.done, out.replaySize = done, info.Size()
		return out, nil
	case o.format == "csv" && o.output == "-":
		return csvOutput(stdout, nil), nil
	case o.format == "csv":
		f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return nil, usagef("--output: %v", err)
		}
		return csvOutput(f, f), nil
	case o.format == "jsonl" && o.output == "-":
		return &output{sink: results.NewJSONL(stdout), finish: func() error { return nil }, abort: func() {}}, nil
	case o.format == "jsonl":
		f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return nil, usagef("--output: %v", err)
		}
		return jsonlFile(f), nil
	}
	// A JSON object can only be written once every record is in: they wait
	// in a spool file, not in memory.
	spool, err := results.NewSpool("")
	if err != nil {
		return nil, err
	}
	if o.output == "-" {
		return &output{
			sink:   spool,
			finish: func() error { return errors.Join(spool.WriteJSON(stdout), spool.Close()) },
			abort:  func() { spool.Close() },
		}, nil
	}
	f, err := results.CreateAtomic(o.output)
	if err != nil {
		spool.Close()
		return nil, usagef("--output: %v", err)
	}
	return &output{
		sink: spool,
		finish: func() error {
			defer spool.Close()
			if err := spool.WriteJSON(f); err != nil {
				f.Abort()
				return err
			}
			return f.Commit()
		},
		abort: func() { f.Abort(); spool.Close() },
	}, nil
}

// jsonlFile streams records to f and syncs it every second, so that after a
// crash at most the last second of records is lost to a power failure and
// none to a killed process.
func jsonlFile(f *os.File) *output {
	w := results.NewJSONL(f)
	return streamed(w, w.Sync, f.Close)
}

// streamed is the output of a sink that writes as records come: it is
// synced every second (flush), and finished by end.
func streamed(sink results.Sink, flush, end func() error) *output {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				flush()
			case <-done:
				return
			}
		}
	})
	stop := func() error {
		close(done)
		wg.Wait()
		return errors.Join(flush(), end())
	}
	return &output{sink: sink, finish: stop, abort: func() { stop() }}
}

// csvOutput writes the CSV edge list to w as records come, to f (which it
// syncs and closes) when w is a file.
func csvOutput(w io.Writer, f *os.File) *output {
	c := results.NewCSV(w)
	if f == nil {
		return &output{sink: c, finish: c.Finish, abort: func() {}}
	}
	return streamed(c, func() error { return results.SyncFile(f) }, func() error { return errors.Join(c.Finish(), f.Close()) })
}

// skipDone leaves out the seeds already done, counting them.
func skipDone(seeds iter.Seq[crawler.Seed], done map[string]struct{}, skipped *int) iter.Seq[crawler.Seed] {
	return func(yield func(crawler.Seed) bool) {
		for s := range seeds {
			if _, ok := done[s.URL]; ok {
				*skipped++
				continue
			}
			if !yield(s) {
				return
			}
		}
	}
}

// replay yields the records of a resumed JSON lines file, up to size (what
// was there before this run appends), as done seeds: they are not crawled
// again, and their links rebuild the frontier of a recursive crawl. A read
// error ends the replay and is left in *errp.
func replay(path string, size int64, errp *error) iter.Seq[crawler.Seed] {
	return func(yield func(crawler.Seed) bool) {
		f, err := os.Open(path)
		if err != nil {
			*errp = fmt.Errorf("--resume: %w", err)
			return
		}
		defer f.Close()
		stopped := false
		_, err = results.ReadJSONL(io.LimitReader(f, size), func(r results.Record) {
			if !stopped && !yield(crawler.Seed{URL: r.URL, Done: &r}) {
				stopped = true
			}
		})
		if err != nil {
			*errp = fmt.Errorf("--resume: %s: %w", path, err)
		}
	}
}

// concat yields the seeds of a, then those of b.
func concat(a, b iter.Seq[crawler.Seed]) iter.Seq[crawler.Seed] {
	return func(yield func(crawler.Seed) bool) {
		for s := range a {
			if !yield(s) {
				return
			}
		}
		for s := range b {
			if !yield(s) {
				return
			}
		}
	}
}

// tally counts records by outcome for the summary, and passes them on.
type tally struct {
	next results.Sink

	mu       sync.Mutex
	statuses map[string]int
	ok       int
	failed   int
	bytes    int64
	// rendered and renderTimeouts count the pages rendered (--render),
	// and those whose DOM was still changing at the timeout.
	rendered, renderTimeouts int
}

func (t *tally) Put(r results.Record) error {
	t.mu.Lock()
	switch {
	case r.DuplicateOf != "":
		t.statuses["duplicate"]++
	case r.Skipped != "":
		t.statuses["skipped"]++
	case r.Status != 0:
		t.statuses[strconv.Itoa(r.Status)]++
	case r.Error == crawler.ErrInterrupted.Error():
		t.statuses["interrupted"]++
	case r.Error != "":
		t.statuses["no response"]++
	default:
		t.statuses["file"]++
	}
	if r.OK() {
		t.ok++
	} else {
		t.failed++
	}
	if r.Rendered {
		t.rendered++
	}
	if r.Render != "" {
		t.renderTimeouts++
	}
	t.bytes += r.Bytes
	t.mu.Unlock()
	return t.next.Put(r)
}

// summary is the line printed on stderr at the end of a run.
func (t *tally) summary(elapsed time.Duration) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := slices.Sorted(maps.Keys(t.statuses))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, t.statuses[k])
	}
	n := t.ok + t.failed
	rate := float64(n) / max(elapsed.Seconds(), 1e-9)
	return fmt.Sprintf("crawl: %d URLs in %s (%.1f pages/s): %d ok, %d failed [%s]; %s read",
		n, elapsed.Round(time.Millisecond), rate, t.ok, t.failed, strings.Join(parts, ", "), humanBytes(t.bytes))
}

// followSummary is the line that says, after a recursive crawl, how many
// links to new pages were followed and why the others were not.
func followSummary(p crawler.Progress) string {
	reasons := slices.Sorted(maps.Keys(p.NotFollowed))
	parts := make([]string, len(reasons))
	total := p.Followed
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%s: %d", r, p.NotFollowed[r])
		total += int64(p.NotFollowed[r])
	}
	line := fmt.Sprintf("crawl: %d pages discovered, %d followed", total, p.Followed)
	if len(parts) > 0 {
		line += ", not followed [" + strings.Join(parts, ", ") + "]"
	}
	return line
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// resumeHint says, after an interruption, where the results are and how
// to go on.
func resumeHint(o *options) string {
	switch {
	case o.output == "-":
		return "crawl: the results so far went to stdout; with -f jsonl -o FILE an interrupted crawl can be resumed"
	case o.format != "jsonl":
		return fmt.Sprintf("crawl: the results so far are in %s; written as JSON lines (-o FILE.jsonl) a crawl can be resumed", o.output)
	}
	args := o.argv
	if !slices.Contains(args, "--resume") {
		args = append(slices.Clone(args), "--resume")
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return fmt.Sprintf("crawl: the results so far are in %s; to go on: crawl %s", o.output, strings.Join(quoted, " "))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
