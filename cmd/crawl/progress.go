package main

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/crawlkit/crawl/crawler"
)

// progress draws a bar on stderr from the crawler's counters while a run
// goes on; it is a display refreshed on a timer, nothing waits for it.
type progress struct {
	stop func()
}

// startProgress shows the bar when stderr is a terminal. Its total is known
// from the start when every input is an argument or a regular file (they
// are counted first: milliseconds for a million lines), less the URLs a
// resumed file already has; with a pipe among the inputs it shows counts
// and rate without a percentage; with --depth the total grows as links
// are found, and the bar says so.
func startProgress(c *crawler.Crawler, o *options, in *inputs, resumed int, stderr io.Writer) *progress {
	if o.quiet || o.noProgress || o.verbose || !isTerminal(stderr) {
		return &progress{stop: func() {}}
	}
	total := int64(-1)
	if o.depth == 0 {
		if n := in.count(); n >= 0 {
			total = max(n-int64(resumed), 0)
		}
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("crawling"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("pages"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	update := func() {
		p := c.Progress()
		switch {
		case o.depth > 0:
			bar.ChangeMax64(max(p.Queued, 1))
			queued := p.Queued - p.Done + p.Waiting
			bar.Describe(fmt.Sprintf("crawling, total grows as links are found (%d queued, %d errors)", queued, p.Failed))
		case total >= 0:
			bar.ChangeMax64(max(total, p.Queued, 1)) // duplicates found past the count are not crawled
			bar.Describe(fmt.Sprintf("crawling (%d errors)", p.Failed))
		default:
			bar.Describe(fmt.Sprintf("crawling, reading the input as it comes (%d errors)", p.Failed))
		}
		bar.Set64(p.Done)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				update()
			case <-done:
				return
			}
		}
	})
	return &progress{stop: func() {
		close(done)
		wg.Wait()
		update()
		bar.Finish()
	}}
}

// count returns how many URLs the inputs hold, or -1 when one of them is a
// pipe (stdin), which cannot be read twice. Lists are read again by name.
func (in *inputs) count() int64 {
	var n int64
	for _, arg := range in.args {
		info, err := os.Stat(arg)
		if err != nil || !info.IsDir() {
			n++
			continue
		}
		filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isHTMLFile(path) {
				n++
			}
			return nil
		})
	}
	for _, l := range in.lists {
		if l.c == nil {
			return -1
		}
		f, err := os.Open(l.name)
		if err != nil {
			return -1
		}
		br := bufio.NewReaderSize(decodeList(f), 64<<10)
		for {
			line, size, err := readLine(br, maxLineBytes)
			if text := strings.TrimSpace(string(line)); size > maxLineBytes || text != "" && !strings.HasPrefix(text, "#") {
				n++
			}
			if err != nil {
				break
			}
		}
		f.Close()
	}
	return n
}
