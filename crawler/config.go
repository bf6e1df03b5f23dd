package crawler

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// Config says how to crawl. The zero value of every field means its default,
// documented on the field; New rejects values that make no sense.
type Config struct {
	// Concurrency is the number of fetchers working at once. Default 16.
	Concurrency int
	// Timeout bounds one request, from dialing to the last byte of the
	// body. Default 30s.
	Timeout time.Duration
	// MaxBody is the number of bytes read from a body, counted after
	// decompression; the rest is not read and the record says truncated.
	// Default 10 MiB.
	MaxBody int64
	// MaxRedirects is the number of redirects followed per URL. Default 10;
	// a negative value follows none.
	MaxRedirects int
	// UserAgent is sent with every request. Default "crawl/<version>".
	UserAgent string
	// Header holds extra request headers, sent with every request.
	Header http.Header
	// Grace is how long requests in flight may go on after the context
	// passed to Run is cancelled, before they are cut off and recorded as
	// interrupted. Default 2s; a negative value cuts them off at once.
	Grace time.Duration
	// Logger receives a line per URL at level Info and problems at Warn.
	// Default: discard.
	Logger *slog.Logger
}

// Defaults for the zero values of Config.
const (
	DefaultConcurrency  = 16
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBody      = 10 << 20
	DefaultMaxRedirects = 10
	DefaultGrace        = 2 * time.Second
)

// withDefaults returns c with zero values replaced by defaults, or an error
// naming the first field that is out of range.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Concurrency >= 0, "concurrency %d: must be at least 1", c.Concurrency)
	check(c.Timeout >= 0, "timeout %v: must be positive", c.Timeout)
	check(c.MaxBody >= 0, "max body %d: must be positive", c.MaxBody)
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	c.Concurrency = cmp.Or(c.Concurrency, DefaultConcurrency)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.MaxBody = cmp.Or(c.MaxBody, DefaultMaxBody)
	c.MaxRedirects = max(cmp.Or(c.MaxRedirects, DefaultMaxRedirects), 0)
	c.Grace = max(cmp.Or(c.Grace, DefaultGrace), 0)
	if c.UserAgent == "" {
		c.UserAgent = "crawl/" + Version()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Version returns the version of the crawl module this program was built
// from, or "dev" for a build from a work tree.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	const module = "github.com/crawlkit/crawl"
	if info.Main.Path == module && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == module {
			return dep.Version
		}
	}
	return "dev"
}
