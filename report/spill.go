package report

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/crawlkit/crawl/results"
)

// Spill is a results.Sink that keeps what the report needs of each record
// in a file, so that a crawl of millions of pages is read back in passes
// instead of being held in memory, and makes the report's first pass as
// the records come. It is safe for concurrent use.
type Spill struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	n   int
	err error
	b   *builder
}

// entry is the part of a record the report reads.
type entry struct {
	URL         string
	Depth       int
	Status      int
	FinalURL    string
	Redirect    int
	DuplicateOf string
	Skipped     string
	Checked     bool
	Error       string
	Links       []string
	// Parsed is set on an HTML page whose Anchors were collected: a link's
	// fragment must be one of them.
	Parsed  bool
	Anchors []string
}

// NewSpill creates the spill of a report made with opt, its file in dir
// (the system's temporary directory when empty); the file is removed at
// once, and gone with Close.
func NewSpill(dir string, opt Options) (*Spill, error) {
	f, err := os.CreateTemp(dir, "crawl-check-*")
	if err != nil {
		return nil, fmt.Errorf("check spill: %w", err)
	}
	os.Remove(f.Name()) // an open file stays readable
	return &Spill{f: f, w: bufio.NewWriterSize(f, 256<<10), b: newBuilder(opt)}, nil
}

// Put keeps r's entry.
func (s *Spill) Put(r results.Record) error {
	e := entry{
		URL: r.URL, Depth: r.Depth, Status: r.Status, FinalURL: r.FinalURL, Redirect: r.Redirect,
		DuplicateOf: r.DuplicateOf, Skipped: r.Skipped, Checked: r.Checked, Error: r.Error,
		Links: r.Link, Parsed: r.Anchors != nil, Anchors: r.Anchors,
	}
	buf := e.append(make([]byte, 0, 256))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		_, s.err = s.w.Write(buf)
		s.n++
		s.b.survey(&e)
	}
	return s.err
}

// Entries are written as a length-prefixed binary record: read three
// times at the end of a check, JSON took longer than the passes' work.
const (
	flagChecked = 1 << iota
	flagParsed
)

func (e *entry) append(b []byte) []byte {
	var flags uint64
	if e.Checked {
		flags |= flagChecked
	}
	if e.Parsed {
		flags |= flagParsed
	}
	for _, n := range []int{int(flags), e.Depth, e.Status, e.Redirect} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	for _, s := range []string{e.URL, e.FinalURL, e.DuplicateOf, e.Skipped, e.Error} {
		b = appendString(b, s)
	}
	for _, list := range [][]string{e.Links, e.Anchors} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = appendString(b, s)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads entries back.
type decoder struct {
	r   *bufio.Reader
	err error
}

func (d *decoder) uvarint() int {
	if d.err != nil {
		return 0
	}
	n, err := binary.ReadUvarint(d.r)
	if err != nil {
		d.err = err
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n == 0 {
		return ""
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.err = err
		return ""
	}
	return string(b)
}

func (d *decoder) strings(list []string) []string {
	n := d.uvarint()
	list = list[:0]
	for range n {
		if d.err != nil {
			break
		}
		list = append(list, d.string())
	}
	return list
}

// next reads the next entry into e, reusing its slices.
func (d *decoder) next(e *entry) bool {
	flags := d.uvarint()
	if d.err != nil {
		return false
	}
	e.Checked, e.Parsed = flags&flagChecked != 0, flags&flagParsed != 0
	e.Depth, e.Status, e.Redirect = d.uvarint(), d.uvarint(), d.uvarint()
	e.URL, e.FinalURL, e.DuplicateOf, e.Skipped, e.Error = d.string(), d.string(), d.string(), d.string(), d.string()
	e.Links, e.Anchors = d.strings(e.Links), d.strings(e.Anchors)
	return d.err == nil
}

// each reads every entry back, in the order they were put. The entry
// passed to fn is only valid during the call.
func (s *Spill) each(fn func(*entry)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("check spill: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("check spill: %w", err)
	}
	defer s.f.Seek(0, io.SeekEnd)
	d := decoder{r: bufio.NewReaderSize(s.f, 256<<10)}
	var e entry
	for n := 0; n < s.n; n++ {
		if !d.next(&e) {
			return fmt.Errorf("check spill: entry %d: %w", n, cmp.Or(d.err, io.ErrUnexpectedEOF))
		}
		fn(&e)
	}
	return nil
}

// Close removes the spill file.
func (s *Spill) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}
