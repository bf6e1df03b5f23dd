package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/internal/weburl"
	"github.com/crawlkit/crawl/report"
	"github.com/crawlkit/crawl/results"
)

// checkOptions are the flags of crawl check on top of a crawl's.
type checkOptions struct {
	skipFragment string
	redirects    string
	reports      []string
	cache        string
	cacheAge     time.Duration
	skip         *regexp.Regexp // skipFragment compiled
}

// unlimitedDepth is crawl check's default --depth: the whole site.
const unlimitedDepth = math.MaxInt32

func (c *checkOptions) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.skipFragment, "skip-fragment", "", "do not check the #fragments matching the Go regexp `RE` (client-side routes such as #/users/1)")
	fs.StringVar(&c.redirects, "redirects", "ok", "`ok|warn|error`: accept redirects, list the links moved permanently (301, 308), or count those as broken")
	fs.StringArrayVar(&c.reports, "report", nil, "also write the report to `FILE`: .json, .md (Markdown) or .xml (JUnit XML); repeatable")
	fs.StringVar(&c.cache, "cache", "", "keep the results of the links checked out of the crawl in the JSON lines `FILE`; a later run does not fetch again those within --cache-age (failures are never kept)")
	fs.DurationVar(&c.cacheAge, "cache-age", 24*time.Hour, "how long a result in --cache is trusted")
}

// parseCheckOptions parses the command line of crawl check: a crawl's
// flags, with no depth limit and no record output by default, and its own.
func parseCheckOptions(args []string) (*options, error) {
	o := &options{check: &checkOptions{}}
	fs := checkFlagSet(o)
	if _, err := o.parse(fs, args); err != nil {
		return nil, err
	}
	return o, o.check.validate(o)
}

func (c *checkOptions) validate(o *options) error {
	switch {
	case o.depth == 0:
		return usagef("crawl check --depth 0: want 1 or more (by default, no limit)")
	case o.redis != "":
		return usagef("crawl check --redis: a link check does not run as a shared job")
	case o.resume:
		return usagef("crawl check --resume: not supported; --cache keeps what was checked")
	case c.redirects != "ok" && c.redirects != "warn" && c.redirects != "error":
		return usagef("--redirects %q: want ok, warn or error", c.redirects)
	case c.cacheAge <= 0:
		return usagef("--cache-age %v: want a positive duration such as 24h", c.cacheAge)
	}
	if c.skipFragment != "" {
		re, err := regexp.Compile(c.skipFragment)
		if err != nil {
			return usagef("--skip-fragment %q: %v", c.skipFragment, err)
		}
		c.skip = re
	}
	for _, r := range c.reports {
		switch strings.ToLower(filepath.Ext(r)) {
		case ".json", ".md", ".xml":
		default:
			return usagef("--report %q: want a file ending in .json, .md or .xml", r)
		}
	}
	return nil
}

// checkCommand is crawl check.
func checkCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseCheckOptions(args)
	if errors.Is(err, pflag.ErrHelp) {
		checkUsage(stdout)
		return exitOK
	}
	if errors.As(err, new(usageError)) {
		fmt.Fprintf(stderr, "crawl check: %v\nTry 'crawl check --help' for more information.\n", err)
		return exitUsage
	}
	if err != nil {
		return fail(stderr, err)
	}
	code, err := crawl(ctx, o, stdin, stdout, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	return code
}

// checkFlagSet returns the flags of crawl check, setting o: a crawl's,
// with its own defaults (no depth limit, no record output), and its own.
func checkFlagSet(o *options) *pflag.FlagSet {
	fs := newFlagSet(o)
	o.check.flags(fs)
	o.depth, o.output = unlimitedDepth, ""
	fs.Lookup("depth").DefValue = "unlimited"
	fs.Lookup("output").DefValue = ""
	return fs
}

func checkUsage(w io.Writer) {
	fs := checkFlagSet(&options{check: &checkOptions{}})
	fmt.Fprintf(w, `Usage: crawl check [flags] URL...

Crawls each input's site (every depth, --scope host) and checks every link
that leaves it, once per URL: a HEAD, then a GET when the HEAD fails, with
the crawl's politeness. A link to page#fragment is broken when the page has
no element with that id or <a name>. Prints every broken link with every
page that links to it; mailto:, tel: and javascript: links are counted.

Flags:
%s
Exit status: 0 nothing broken, 4 something broken, 2 usage error, 1 fatal
error, 130 interrupted (the report covers what was checked).
`, fs.FlagUsages())
}

// checkRun is the state of crawl check around a crawl: the spill the
// report is built from, and the cache.
type checkRun struct {
	opt     *checkOptions
	anchors bool // --anchors: records keep them
	spill   *report.Spill
	cache   *report.Cache
	norm    crawler.Normalizer
	rep     *report.Report
}

// startCheck sets cfg up for a link check.
func startCheck(o *options, cfg *crawler.Config) (*checkRun, error) {
	cfg.Check = true
	ch := &checkRun{opt: o.check, anchors: o.anchors, norm: crawler.Normalizer{SortQuery: cfg.SortQuery, StripParams: cfg.StripParams}}
	if o.check.cache != "" {
		cache, err := report.OpenCache(o.check.cache, o.check.cacheAge, time.Now)
		if err != nil {
			return nil, err
		}
		ch.cache, cfg.CheckCache = cache, cache
	}
	spill, err := report.NewSpill(cfg.SpillDir, report.Options{Key: ch.key, LinkKey: ch.norm.KeyOf, SkipFragment: o.check.skip, Redirects: strings.TrimPrefix(o.check.redirects, "ok")})
	if err != nil {
		return nil, err
	}
	ch.spill = spill
	return ch, nil
}

func (ch *checkRun) close() { ch.spill.Close() }

// sink passes each record to the spill and the cache, then to next,
// without its anchors unless --anchors asked for them.
func (ch *checkRun) sink(next results.Sink) results.Sink {
	return sinkFunc(func(r results.Record) error {
		if err := ch.spill.Put(r); err != nil {
			return err
		}
		if ch.cache != nil {
			ch.cache.Note(r)
		}
		if !ch.anchors {
			r.Anchors = nil
		}
		return next.Put(r)
	})
}

type sinkFunc func(results.Record) error

func (f sinkFunc) Put(r results.Record) error { return f(r) }

// finish builds the report, prints it on w and writes its files, and saves
// the cache.
func (ch *checkRun) finish(w io.Writer) error {
	rep, err := ch.spill.Report()
	if err != nil {
		return err
	}
	ch.rep = rep
	if err := rep.WriteText(w); err != nil {
		return err
	}
	if ch.cache != nil {
		fmt.Fprintf(w, "crawl check: %d links known from %s\n", ch.cache.Hits(), ch.opt.cache)
	}
	for _, path := range ch.opt.reports {
		if err := writeReport(rep, path); err != nil {
			return err
		}
	}
	if ch.cache != nil {
		return ch.cache.Save()
	}
	return nil
}

// key is the crawl's dedup key of a URL.
func (ch *checkRun) key(href string) string {
	u, err := weburl.Parse(href)
	if err != nil {
		return href
	}
	return ch.norm.Key(&u)
}

// writeReport writes rep to path, in the format its extension names,
// replacing the file only once it is whole.
func writeReport(rep *report.Report, path string) error {
	f, err := results.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		err = rep.WriteJSON(f)
	case ".md":
		err = rep.WriteMarkdown(f)
	default:
		err = rep.WriteJUnit(f)
	}
	if err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
