package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/crawlkit/crawl/results"
)

// Spill is a results.Sink that keeps what the report needs of each record
// in a file, so that a crawl of millions of pages is read back in passes
// instead of being held in memory. It is safe for concurrent use.
type Spill struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	n   int
	err error
}

// entry is the part of a record the report reads.
type entry struct {
	URL         string   `json:"u"`
	Depth       int      `json:"d,omitempty"`
	Status      int      `json:"s,omitempty"`
	FinalURL    string   `json:"f,omitempty"`
	Redirect    int      `json:"r,omitempty"`
	DuplicateOf string   `json:"k,omitempty"`
	Skipped     string   `json:"x,omitempty"`
	Checked     bool     `json:"c,omitempty"`
	Error       string   `json:"e,omitempty"`
	Links       []string `json:"l,omitempty"`
	// Parsed is set on an HTML page whose Anchors were collected: a link's
	// fragment must be one of them.
	Parsed  bool     `json:"p,omitempty"`
	Anchors []string `json:"a,omitempty"`
}

// NewSpill creates the spill file in dir (the system's temporary
// directory when empty); it is removed at once, and gone with Close.
func NewSpill(dir string) (*Spill, error) {
	f, err := os.CreateTemp(dir, "crawl-check-*")
	if err != nil {
		return nil, fmt.Errorf("check spill: %w", err)
	}
	os.Remove(f.Name()) // an open file stays readable
	return &Spill{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// Put keeps r's entry.
func (s *Spill) Put(r results.Record) error {
	e := entry{
		URL: r.URL, Depth: r.Depth, Status: r.Status, FinalURL: r.FinalURL, Redirect: r.Redirect,
		DuplicateOf: r.DuplicateOf, Skipped: r.Skipped, Checked: r.Checked, Error: r.Error,
		Links: r.Link, Parsed: r.Anchors != nil, Anchors: r.Anchors,
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("check spill: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		_, s.err = s.w.Write(append(b, '\n'))
		s.n++
	}
	return s.err
}

// Len is the number of records kept.
func (s *Spill) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// each reads every entry back, in the order they were put.
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
	dec := json.NewDecoder(bufio.NewReaderSize(s.f, 256<<10))
	for {
		var e entry
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("check spill: %w", err)
		}
		fn(&e)
	}
}

// Close removes the spill file.
func (s *Spill) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}
