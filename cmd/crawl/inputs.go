package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/crawlkit/crawl/crawler"
)

// inputs are the places seeds are read from, in order: positional
// arguments, then each -i file, then stdin when nothing else was given.
type inputs struct {
	args  []string
	lists []list
	warn  func(string)
	err   error // the first error reading a list
}

// list is a file of URLs, one per line.
type list struct {
	name string
	r    io.Reader
	c    io.Closer // nil for stdin
}

// openInputs opens every -i file up front, so that a missing one is a usage
// error before anything is crawled.
func openInputs(o *options, stdin io.Reader, warn func(string)) (*inputs, error) {
	in := &inputs{args: o.args, warn: warn}
	stdinUsed := false
	for _, name := range o.inputs {
		if name == "-" {
			if !stdinUsed {
				in.lists = append(in.lists, list{name: "stdin", r: stdin})
				stdinUsed = true
			}
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			in.close()
			return nil, usagef("--input: %v", err)
		}
		in.lists = append(in.lists, list{name: name, r: f, c: f})
	}
	if len(o.args) == 0 && len(o.inputs) == 0 {
		if isTerminal(stdin) {
			return nil, usagef("no URLs: give URLs or .html files as arguments, -i FILE, or pipe URLs to stdin")
		}
		in.lists = append(in.lists, list{name: "stdin", r: stdin})
	}
	return in, nil
}

func (in *inputs) close() {
	for _, l := range in.lists {
		if l.c != nil {
			l.c.Close()
		}
	}
}

// isTerminal reports whether v is a terminal: a progress bar goes only to
// one, and stdin is read only when it is not one.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// seeds yields every input as it is read: lists are streamed line by line,
// so a long list is never held in memory.
func (in *inputs) seeds() iter.Seq[crawler.Seed] {
	return func(yield func(crawler.Seed) bool) {
		for i, arg := range in.args {
			if !in.argSeeds(arg, fmt.Sprintf("argument %d", i+1), yield) {
				return
			}
		}
		for _, l := range in.lists {
			if !in.listSeeds(l, yield) {
				return
			}
		}
	}
}

// argSeeds yields a positional argument: a URL, or a local .html file, or
// every .html file under a directory.
func (in *inputs) argSeeds(arg, source string, yield func(crawler.Seed) bool) bool {
	info, statErr := os.Stat(arg)
	switch {
	case strings.Contains(arg, "://") || (statErr != nil && !looksLikePath(arg)):
		return yield(crawler.Seed{URL: arg, Source: source})
	case statErr != nil || !info.IsDir():
		return yield(fileSeed(arg, source))
	}
	found := 0
	err := filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isHTMLFile(path) {
			found++
			if !yield(fileSeed(path, source)) {
				return fs.SkipAll
			}
		}
		return nil
	})
	if err != nil {
		in.warn(fmt.Sprintf("%s: %v", arg, err))
	} else if found == 0 {
		in.warn(fmt.Sprintf("%s: no .html files in this directory", arg))
	}
	return !errors.Is(err, fs.SkipAll)
}

func looksLikePath(arg string) bool {
	return isHTMLFile(arg) || strings.ContainsRune(arg, filepath.Separator) || strings.HasPrefix(arg, ".")
}

func isHTMLFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm", ".xhtml":
		return true
	}
	return false
}

// fileSeed is a local file, keyed by its absolute file: URL.
func fileSeed(path, source string) crawler.Seed {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	u := &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return crawler.Seed{URL: u.String(), Source: source, Path: abs}
}

// listSeeds yields the URLs of a list, one per line; blank lines and lines
// starting with # are skipped.
func (in *inputs) listSeeds(l list, yield func(crawler.Seed) bool) bool {
	sc := bufio.NewScanner(l.r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !yield(crawler.Seed{URL: line, Source: fmt.Sprintf("%s:%d", l.name, n)}) {
			return false
		}
	}
	if err := sc.Err(); err != nil && in.err == nil {
		in.err = fmt.Errorf("read %s: %w", l.name, err)
	}
	return true
}
