package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/net/http/httpguts"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/extract"
	"github.com/crawlkit/crawl/redis"
)

// Exit codes; DESIGN.md lists them.
const (
	exitOK          = 0
	exitFatal       = 1
	exitUsage       = 2
	exitSomeFailed  = 4
	exitInterrupted = 130
)

// options are the parsed command line.
type options struct {
	output, format string
	inputs         []string
	concurrency    int
	perHost        int
	rate           float64
	retries        int
	robots         string
	denyPrivate    bool
	resume         bool
	timeout        time.Duration
	maxBody        byteSize
	maxRedirects   int
	userAgent      string
	headers        []string
	depth          int
	scope          string
	include        []string
	exclude        []string
	maxPages       int
	maxPagesHost   int
	sortQuery      bool
	stripParams    []string
	sitemap        bool
	noCookies      bool
	cookies        string
	saveCookies    string
	insecure       bool
	caCert         string
	proxy          string
	selects        []string
	buttons        string
	anchors        bool
	render         bool
	chromium       string
	renderTabs     int
	renderQuiet    time.Duration
	renderTimeout  time.Duration
	redis          string
	job            string
	redisLease     time.Duration
	redisDeliver   int
	quiet          bool
	noProgress     bool
	verbose        bool
	version        bool
	args           []string
	argv           []string      // the whole command line, for the resume hint
	check          *checkOptions // crawl check's own flags; nil for a crawl
}

// maxRetries bounds --retries: past 20 doubling waits of up to 30 s each,
// another try only stalls the crawl.
const maxRetries = 20

// usageError is a problem with the command line: exit 2 with a hint.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

func newFlagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("crawl", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVarP(&o.output, "output", "o", "-", "write results to `FILE` (- for stdout); a JSON file is replaced atomically")
	fs.StringVarP(&o.format, "format", "f", "", "output `FORMAT`: json (one object keyed by URL), jsonl (a line per URL, as it finishes) or csv (a row per link and per button id); default json, or jsonl or csv for an output ending in .jsonl or .csv")
	fs.StringArrayVarP(&o.inputs, "input", "i", nil, "read URLs from `FILE`, one per line (- for stdin; blank lines and # comments skipped); repeatable")
	fs.IntVarP(&o.concurrency, "concurrency", "c", crawler.DefaultConcurrency, "`N` fetchers working at once")
	fs.IntVar(&o.perHost, "per-host", crawler.DefaultPerHost, "at most `N` requests in flight to one host (fewer after a 429 or 503)")
	fs.Float64Var(&o.rate, "rate", 0, "at most `R` requests per second to one host (0: no limit)")
	fs.IntVar(&o.retries, "retries", crawler.DefaultRetries, "retry a URL `N` times after network errors, timeouts, 408, 429 and 5xx")
	fs.StringVar(&o.robots, "robots", "obey", "`obey|ignore` robots.txt (RFC 9309, Crawl-delay included)")
	fs.BoolVar(&o.denyPrivate, "deny-private", false, "refuse to connect to loopback, private and link-local addresses, redirects and DNS included")
	fs.BoolVar(&o.resume, "resume", false, "with -f jsonl -o FILE: keep the URLs FILE already has without error, crawl the rest and append")
	fs.DurationVar(&o.timeout, "timeout", crawler.DefaultTimeout, "time limit for one attempt at a URL, from the request to the last byte, redirects included")
	o.maxBody = crawler.DefaultMaxBody
	fs.Var(&o.maxBody, "max-body", "read at most `SIZE` of a body after decompression (e.g. 512KiB, 10MiB); the record of a longer page says truncated")
	fs.IntVar(&o.maxRedirects, "max-redirects", crawler.DefaultMaxRedirects, "follow at most `N` redirects per URL")
	fs.StringVarP(&o.userAgent, "user-agent", "A", "", "send `UA` as User-Agent (default crawl/<version>)")
	fs.StringArrayVarP(&o.headers, "header", "H", nil, "send the header `'K: V'` with every request; repeatable")
	fs.IntVarP(&o.depth, "depth", "d", 0, "follow links `N` levels from the inputs (0: crawl the inputs only); a page's depth is its shortest link distance from an input")
	fs.StringVar(&o.scope, "scope", "host", "follow links within the input's `host|domain|any` (domain: the registrable domain, so a.example.com and b.example.com); checked on every redirect")
	fs.StringArrayVar(&o.include, "include", nil, "follow only links matching the Go regexp `RE` (any of them, when repeated)")
	fs.StringArrayVar(&o.exclude, "exclude", nil, "follow no link matching the Go regexp `RE`; repeatable, wins over --include")
	fs.IntVar(&o.maxPages, "max-pages", 0, "take at most `N` pages into the crawl in all, inputs included, exactly (0: no cap)")
	fs.IntVar(&o.maxPagesHost, "max-pages-per-host", 0, "take at most `N` pages of one host name (0: no cap)")
	fs.BoolVar(&o.sortQuery, "sort-query", false, "treat URLs whose query parameters differ only in order as one page")
	fs.StringArrayVar(&o.stripParams, "strip-param", nil, "treat URLs that differ only in the query parameter `NAME` as one page (* globs, e.g. utm_*); repeatable")
	fs.BoolVar(&o.sitemap, "sitemap", false, "also crawl the URLs in the inputs' hosts' sitemaps (robots.txt Sitemap: lines, else /sitemap.xml) as depth-1 discoveries; needs --depth")
	fs.BoolVar(&o.noCookies, "no-cookies", false, "send no cookies and keep none (by default a cookie jar per run follows the sites' cookies, never across sites)")
	fs.StringVar(&o.cookies, "cookies", "", "load cookies from the Netscape cookies.txt `FILE` (what browser exports and curl -c write)")
	fs.StringVar(&o.saveCookies, "save-cookies", "", "write the cookie jar to the cookies.txt `FILE` at the end")
	fs.StringVar(&o.proxy, "proxy", "", "reach hosts through the proxy at `URL` (http://, https://, socks5://, socks5h://, user:pass@ allowed), or none; default: HTTP_PROXY, HTTPS_PROXY and NO_PROXY")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify TLS certificates (the summary says so)")
	fs.StringVar(&o.caCert, "ca-cert", "", "trust the certificate authorities in the PEM `FILE` as well as the system's")
	fs.StringArrayVar(&o.selects, "select", nil, "add the field `NAME=CSS` to each HTML page's record: the text of every element the CSS selector matches, or with NAME=CSS@ATTR that attribute (URLs resolved as links are); repeatable")
	fs.StringVar(&o.buttons, "buttons", "ids", "`ids|detail`: with detail, also list every button (button, input type=button|submit|reset|image, role=button) with its kind, id, name, type, text, value, form, formaction and disabled")
	fs.BoolVar(&o.anchors, "anchors", false, "add \"anchors\" to each HTML page's record: the ids and <a name>s a link's #fragment can point to")
	renderFlags(fs, o)
	fs.StringVar(&o.redis, "redis", "", "crawl the shared job --job on the Redis server at `URL` (redis://[user:pass@]host:port/db, rediss:// for TLS) with other workers; records go to Redis (see crawl export)")
	fs.StringVar(&o.job, "job", "", "with --redis: the job's `NAME` (letters, digits, . _ -)")
	fs.DurationVar(&o.redisLease, "redis-lease", redis.DefaultLease, "with --redis: how long a worker's URLs may go without its heartbeat before others take them over")
	fs.IntVar(&o.redisDeliver, "redis-deliveries", redis.DefaultMaxDeliveries, "with --redis: hand a URL out at most `N` times, then record it as a dead letter")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing on stderr but errors")
	fs.BoolVar(&o.noProgress, "no-progress", false, "do not show the progress bar")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "log every URL with the fetcher that handled it")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	return fs
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	return o.parse(newFlagSet(o), args)
}

// parse parses args with fs, whose flags set o, and checks the values.
func (o *options) parse(fs *pflag.FlagSet, args []string) (*options, error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	o.args = fs.Args()
	o.argv = args
	switch {
	case o.format == "" && strings.HasSuffix(o.output, ".jsonl"):
		o.format = "jsonl"
	case o.format == "" && strings.HasSuffix(o.output, ".csv"):
		o.format = "csv"
	case o.format == "":
		o.format = "json"
	case o.format != "json" && o.format != "jsonl" && o.format != "csv":
		return nil, usagef("--format %q: want json, jsonl or csv", o.format)
	}
	if o.concurrency < 1 {
		return nil, usagef("--concurrency %d: want at least 1", o.concurrency)
	}
	if o.timeout <= 0 {
		return nil, usagef("--timeout %v: want a positive duration such as 30s", o.timeout)
	}
	if o.maxBody <= 0 {
		return nil, usagef("--max-body %v: want a positive size", o.maxBody)
	}
	if o.maxRedirects < 0 {
		return nil, usagef("--max-redirects %d: want 0 or more", o.maxRedirects)
	}
	if o.perHost < 1 {
		return nil, usagef("--per-host %d: want at least 1", o.perHost)
	}
	if o.rate < 0 || math.IsNaN(o.rate) || math.IsInf(o.rate, 0) {
		return nil, usagef("--rate %v: want 0 (no limit) or a positive number of requests per second", o.rate)
	}
	if o.retries < 0 || o.retries > maxRetries {
		return nil, usagef("--retries %d: want 0 to %d", o.retries, maxRetries)
	}
	if o.output == "" && o.check == nil {
		return nil, usagef("--output: want a file name, or - for stdout")
	}
	if o.robots != "obey" && o.robots != "ignore" {
		return nil, usagef("--robots %q: want obey or ignore", o.robots)
	}
	if o.depth < 0 {
		return nil, usagef("--depth %d: want 0 or more", o.depth)
	}
	if o.sitemap && o.depth == 0 {
		return nil, usagef("--sitemap adds depth-1 pages: give --depth 1 or more")
	}
	for _, name := range []string{"scope", "include", "exclude"} {
		if fs.Changed(name) && o.depth == 0 {
			return nil, usagef("--%s chooses the links a recursive crawl follows: give --depth 1 or more", name)
		}
	}
	if o.maxPages < 0 || o.maxPagesHost < 0 {
		return nil, usagef("--max-pages and --max-pages-per-host: want 0 (no cap) or more")
	}
	if _, err := crawler.ParseScope(o.scope); err != nil {
		return nil, usagef("--%v", err)
	}
	if o.noCookies && (o.cookies != "" || o.saveCookies != "") {
		return nil, usagef("--no-cookies with --cookies or --save-cookies: choose one")
	}
	if o.resume && (o.format != "jsonl" || o.output == "-") {
		return nil, usagef("--resume needs a JSON lines output file: -f jsonl -o FILE")
	}
	if o.buttons != "ids" && o.buttons != "detail" {
		return nil, usagef("--buttons %q: want ids or detail", o.buttons)
	}
	if err := o.checkShared(fs); err != nil {
		return nil, err
	}
	if err := o.checkRender(fs); err != nil {
		return nil, err
	}
	return o, nil
}

// config turns the options into a crawler.Config.
func (o *options) config(logger *slog.Logger) (crawler.Config, error) {
	header := make(http.Header)
	userAgent := o.userAgent
	for _, h := range o.headers {
		k, v, ok := strings.Cut(h, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || !httpguts.ValidHeaderFieldName(k) {
			return crawler.Config{}, usagef("--header %q: want 'Name: value'", h)
		}
		if !httpguts.ValidHeaderFieldValue(v) {
			return crawler.Config{}, usagef("--header %q: a header value cannot hold a line break or control character", h)
		}
		if http.CanonicalHeaderKey(k) == "Proxy-Authorization" {
			return crawler.Config{}, usagef("--header Proxy-Authorization: give the proxy's credentials in its URL (--proxy http://user:pass@host:port), so that they never reach a site")
		}
		if http.CanonicalHeaderKey(k) == "User-Agent" {
			// -H 'User-Agent: x' is -A x; -A, when given too, wins.
			if userAgent == "" {
				userAgent = v
			}
			continue
		}
		header.Add(k, v)
	}
	include, err := compileAll("include", o.include)
	if err != nil {
		return crawler.Config{}, err
	}
	exclude, err := compileAll("exclude", o.exclude)
	if err != nil {
		return crawler.Config{}, err
	}
	for _, p := range o.stripParams {
		if p == "" {
			return crawler.Config{}, usagef("--strip-param: want a parameter name")
		}
	}
	scope, _ := crawler.ParseScope(o.scope)
	fields, err := o.fields()
	if err != nil {
		return crawler.Config{}, err
	}
	return crawler.Config{
		Select:          fields,
		ButtonDetails:   o.buttons == "detail",
		Anchors:         o.anchors,
		Depth:           o.depth,
		Scope:           scope,
		Include:         include,
		Exclude:         exclude,
		MaxPages:        o.maxPages,
		MaxPagesPerHost: o.maxPagesHost,
		SortQuery:       o.sortQuery,
		StripParams:     o.stripParams,
		Sitemap:         o.sitemap,
		Concurrency:     o.concurrency,
		PerHost:         o.perHost,
		Rate:            o.rate,
		Retries:         orNone(o.retries),
		Timeout:         o.timeout,
		MaxBody:         int64(o.maxBody),
		MaxRedirects:    orNone(o.maxRedirects),
		IgnoreRobots:    o.robots == "ignore",
		DenyPrivate:     o.denyPrivate,
		UserAgent:       userAgent,
		Header:          header,
		Logger:          logger,
	}, nil
}

// fields parses the --select flags: a bad selector, a repeated name or a
// reserved one is a usage error naming it, never a failure per page.
func (o *options) fields() ([]extract.Field, error) {
	var fields []extract.Field
	seen := map[string]bool{}
	for _, spec := range o.selects {
		f, err := extract.ParseField(spec)
		if err != nil {
			return nil, usagef("--select %q: %v", spec, err)
		}
		if seen[f.Name] {
			return nil, usagef("--select %q: the field %s is given twice", spec, f.Name)
		}
		seen[f.Name] = true
		fields = append(fields, f)
	}
	return fields, nil
}

// compileAll compiles the regexps of a repeatable flag.
func compileAll(flag string, exprs []string) ([]*regexp.Regexp, error) {
	var res []*regexp.Regexp
	for _, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, usagef("--%s %q: %v", flag, e, err)
		}
		res = append(res, re)
	}
	return res, nil
}

// orNone maps a flag's 0 to crawler.Config's "none" (a negative value),
// since Config reads 0 as "the default".
func orNone(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `Usage: crawl [flags] [URL | FILE.html | DIR ...]
       crawl --redis URL --job NAME [flags] [URL ...]
       crawl check [flags] URL...      (crawl check --help)
       crawl export [-o FILE] RESULTS.jsonl
       crawl export --redis URL --job NAME [-o FILE]
       crawl jobs --redis URL
       crawl job rm --redis URL --job NAME

Fetches each URL and reports the ids of its <button> elements and the
targets of its <a href> links, as JSON keyed by URL. Local .html files and
directories of them are read offline. With no URL arguments and no -i,
URLs are read from stdin, one per line.

Flags:
%s
crawl export turns a JSON lines file into the JSON object keyed by URL
(the last record of a URL wins), e.g. after a crawl resumed with --resume;
with --redis it writes a shared job's records, as a local run would have.

With --redis, any number of crawl processes, on any machines, crawl one
job together until it is finished; URLs come only from arguments and -i.

Exit status: 0 all URLs crawled, 4 some URLs have errors (all are recorded),
2 usage error, 1 fatal error, 130 interrupted (results so far are written).
`, newFlagSet(&options{}).FlagUsages())
}

// run is the whole command, testable in-process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "check" {
		return checkCommand(ctx, args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && (args[0] == "export" || args[0] == "jobs" || args[0] == "job") {
		var err error
		switch args[0] {
		case "export":
			err = export(ctx, args[1:], stdout, stderr)
		case "jobs":
			err = listJobs(ctx, args[1:], stdout)
		default:
			err = jobCommand(ctx, args[1:], stdout)
		}
		if errors.Is(err, errInterrupted) {
			fmt.Fprintf(stderr, "crawl: %v\n", err)
			return exitInterrupted
		}
		if err != nil {
			return fail(stderr, err)
		}
		return exitOK
	}
	o, err := parseOptions(args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		usage(stdout)
		return exitOK
	}
	if err != nil {
		return fail(stderr, err)
	}
	if o.version {
		fmt.Fprintf(stdout, "crawl %s\n", crawler.Version())
		return exitOK
	}
	code, err := crawl(ctx, o, stdin, stdout, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	return code
}

// fail reports err and returns its exit code.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "crawl: %v\n", err)
	if errors.As(err, new(usageError)) {
		fmt.Fprintln(stderr, "Try 'crawl --help' for more information.")
		return exitUsage
	}
	return exitFatal
}
