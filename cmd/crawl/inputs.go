package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

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
		f, err := openList(name, o.output)
		if err != nil {
			in.close()
			return nil, err
		}
		in.lists = append(in.lists, list{name: name, r: f, c: f})
	}
	for _, arg := range o.args {
		info, err := os.Stat(arg)
		if err == nil && !info.IsDir() && !strings.Contains(arg, "://") && !isHTMLFile(arg) {
			in.close()
			return nil, usagef("%s is not an .html file: did you mean -i %s?", arg, arg)
		}
	}
	if len(o.args) == 0 && len(o.inputs) == 0 && o.redis == "" { // a worker may join without inputs
		if isTerminal(stdin) {
			return nil, usagef("no URLs: give URLs or .html files as arguments, -i FILE, or pipe URLs to stdin")
		}
		in.lists = append(in.lists, list{name: "stdin", r: stdin})
	}
	return in, nil
}

// openList opens an -i file, refusing a directory and the output file
// itself (compared by identity, so another name for it is caught too),
// which the crawl would overwrite before reading it.
func openList(name, output string) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usagef("--input: %v", err)
	}
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		f.Close()
		return nil, usagef("--input %s: is a directory (give local .html files and directories as arguments)", name)
	}
	if output != "-" && sameFile(name, output) {
		f.Close()
		return nil, usagef("--input %s is also the output file %s: the crawl would overwrite its own input", name, output)
	}
	return f, nil
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
//
// Reading stops when ctx ends: an interrupted crawl does not wait for a
// pipe that never closes (tail -f urls | crawl).
func (in *inputs) seeds(ctx context.Context) iter.Seq[crawler.Seed] {
	return func(yield func(crawler.Seed) bool) {
		for i, arg := range in.args {
			if !in.argSeeds(arg, fmt.Sprintf("argument %d", i+1), yield) {
				return
			}
		}
		for _, l := range in.lists {
			if !in.listSeeds(ctx, l, yield) {
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
		return yield(crawler.Seed{URL: escapeInvalidUTF8(arg), Source: source})
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

// maxLineBytes is the longest line of a URL list read as a URL; a longer
// one is recorded as an error, and the list goes on.
const maxLineBytes = 64 << 10

// listSeeds yields the URLs of a list, one per line; blank lines and lines
// starting with # are skipped. A UTF-8 byte order mark is skipped and a
// UTF-16 list (with its mark) decoded; lines of any length are read in
// bounded memory.
func (in *inputs) listSeeds(ctx context.Context, l list, yield func(crawler.Seed) bool) bool {
	next := lineReader(ctx, l)
	for n := 1; ; n++ {
		line, size, err := next()
		if len(line) == 0 && size == 0 && err != nil {
			if !errors.Is(err, io.EOF) && in.err == nil {
				in.err = fmt.Errorf("read %s: %w", l.name, err)
			}
			return true
		}
		source := fmt.Sprintf("%s:%d", l.name, n)
		if size > maxLineBytes {
			seed := crawler.Seed{
				URL:    fmt.Sprintf("%s… [%s]", escapeInvalidUTF8(strings.ToValidUTF8(string(line[:256]), "")), source),
				Source: source,
				Err:    fmt.Sprintf("a line of %d bytes, longer than the %d KiB a URL may have", size, maxLineBytes>>10),
			}
			if !yield(seed) {
				return false
			}
			continue
		}
		text := strings.TrimSpace(string(line))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !yield(crawler.Seed{URL: escapeInvalidUTF8(text), Source: source}) {
			return false
		}
	}
}

// lineReader returns the function that reads the list's next line. A
// file is read in place; stdin, which may block for ever, is read by a
// goroutine of its own, so that the next line can be given up on when ctx
// ends (the error is then ctx's). That goroutine ends when the process
// does, or when its read returns.
func lineReader(ctx context.Context, l list) func() ([]byte, int, error) {
	br := bufio.NewReaderSize(decodeList(l.r), 64<<10)
	if l.c != nil {
		return func() ([]byte, int, error) { return readLine(br, maxLineBytes) }
	}
	type result struct {
		line []byte
		size int
		err  error
	}
	lines := make(chan result)
	go func() {
		for {
			line, size, err := readLine(br, maxLineBytes)
			select {
			case lines <- result{line, size, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var end error // once the goroutine has said it, it says no more
	return func() ([]byte, int, error) {
		if end != nil {
			return nil, 0, end
		}
		select {
		case r := <-lines:
			end = r.err
			return r.line, r.size, r.err
		case <-ctx.Done():
			end = io.EOF // the rest of the input is never known
			return nil, 0, end
		}
	}
}

// readLine reads a line without its end of line, keeping at most limit+1
// bytes of it; size is its whole length.
func readLine(br *bufio.Reader, limit int) (line []byte, size int, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		size += len(chunk)
		if room := limit + 1 - len(line); room > 0 {
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if strings.HasSuffix(string(chunk), "\n") {
			size--
		}
		return line, size, err
	}
}

// decodeList skips a UTF-8 byte order mark, and decodes a list that starts
// with a UTF-16 one (as Windows tools write them).
func decodeList(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	}
	return br
}

// escapeInvalidUTF8 percent-encodes the bytes of s that are not UTF-8, as
// a browser's URL parser encodes bytes it cannot read, so that two inputs
// that differ only there stay two keys, and the key is the same on every
// run (--resume).
func escapeInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, "%%%02X", s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
