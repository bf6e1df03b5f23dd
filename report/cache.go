package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/crawlkit/crawl/results"
)

// Cache remembers the links checked by earlier runs (crawl check --cache),
// one JSON line per URL with the time it was checked, so that a run within
// its maximum age does not fetch them again. Only successes are kept: an
// error or a 429 is checked again every time. It implements
// crawler.CheckCache, and is safe for concurrent use.
type Cache struct {
	path   string
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]cacheEntry
	hits    int
}

// cacheEntry is one line of the cache file.
type cacheEntry struct {
	URL         string    `json:"url"`
	Status      int       `json:"status"`
	FinalURL    string    `json:"final_url,omitempty"`
	Redirect    int       `json:"redirect,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	CheckedAt   time.Time `json:"checked_at"`
}

// OpenCache reads the cache at path, which need not exist yet; entries
// older than maxAge are dropped. A line that cannot be read is an error
// naming it: a cache file is not to be half-trusted.
func OpenCache(path string, maxAge time.Duration, now func() time.Time) (*Cache, error) {
	c := &Cache{path: path, maxAge: maxAge, now: now, entries: map[string]cacheEntry{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var e cacheEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.URL == "" {
			return nil, fmt.Errorf("cache %s:%d: not a cache entry", path, line)
		}
		if c.fresh(e) {
			c.entries[e.URL] = e
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	return c, nil
}

func (c *Cache) fresh(e cacheEntry) bool {
	return c.now().Sub(e.CheckedAt) < c.maxAge && cacheable(e.Status, "")
}

// cacheable reports whether a check's result may be kept: a response
// that is no error and no 429.
func cacheable(status int, errText string) bool {
	return errText == "" && status != 0 && status != 429
}

// Lookup returns the cached record of url when it is fresh.
func (c *Cache) Lookup(url string) (results.Record, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[url]
	if !ok || !c.fresh(e) {
		return results.Record{}, false
	}
	c.hits++
	return results.Record{URL: e.URL, Status: e.Status, FinalURL: e.FinalURL, Redirect: e.Redirect, ContentType: e.ContentType, FetchedAt: e.CheckedAt, Checked: true}, true
}

// Hits counts the lookups the cache answered.
func (c *Cache) Hits() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

// Note keeps the result of a link checked in this run, when it may be
// cached; a failure drops what an earlier run had.
func (c *Cache) Note(r results.Record) {
	if !r.Checked {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !cacheable(r.Status, r.Error) {
		delete(c.entries, r.URL)
		return
	}
	c.entries[r.URL] = cacheEntry{URL: r.URL, Status: r.Status, FinalURL: r.FinalURL, Redirect: r.Redirect, ContentType: r.ContentType, CheckedAt: r.FetchedAt}
}

// Save writes the fresh entries to the cache file, sorted by URL,
// replacing it only once it is whole (results.CreateAtomic).
func (c *Cache) Save() error {
	c.mu.Lock()
	lines := make([][]byte, 0, len(c.entries))
	for _, e := range c.entries {
		if !c.fresh(e) {
			continue
		}
		b, err := json.Marshal(e)
		if err != nil {
			c.mu.Unlock()
			return fmt.Errorf("cache: %w", err)
		}
		lines = append(lines, b)
	}
	c.mu.Unlock()
	slices.SortFunc(lines, func(a, b []byte) int { return slices.Compare(a, b) })
	f, err := results.CreateAtomic(c.path)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.Write(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Abort()
		return fmt.Errorf("cache %s: %w", c.path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("cache %s: %w", c.path, err)
	}
	return nil
}
