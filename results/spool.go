package results

import (
	"bufio"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
)

// Spool is a concurrent map from URL to record that keeps the records in a
// temporary file and only an index in memory, so that the memory a crawl
// written as one JSON object needs does not grow with what its pages hold.
// A URL put twice keeps its last record. Close removes the file.
type Spool struct {
	mu    sync.Mutex
	f     *os.File
	w     *bufio.Writer
	size  int64
	index map[string]span // where each URL's record is in f
	buf   []byte          // Put's encoding buffer
}

// span locates a record in the spool file.
type span struct{ off, n int64 }

// NewSpool creates a spool in dir (os.TempDir() when empty).
func NewSpool(dir string) (*Spool, error) {
	f, err := os.CreateTemp(dir, "crawl-spool-*")
	if err != nil {
		return nil, err
	}
	return &Spool{f: f, w: bufio.NewWriterSize(f, 256<<10), index: make(map[string]span)}, nil
}

// Put stores r under r.URL, replacing any earlier record for that URL.
func (s *Spool) Put(r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = r.appendBody(s.buf[:0])
	if _, err := s.w.Write(s.buf); err != nil {
		return err
	}
	s.index[r.URL] = span{s.size, int64(len(s.buf))}
	s.size += int64(len(s.buf))
	return nil
}

// Len returns the number of URLs stored.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.index)
}

// WriteJSON writes every record as one JSON object keyed by URL, sorted,
// as WriteJSON does for a Map.
func (s *Spool) WriteJSON(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.w.Flush(); err != nil {
		return err
	}
	urls := make([]string, 0, len(s.index))
	for u := range s.index {
		urls = append(urls, u)
	}
	slices.SortFunc(urls, strings.Compare)
	return writeObject(w, len(urls), func(dst []byte, i int) ([]byte, error) {
		dst = appendString(dst, urls[i])
		dst = append(dst, ':', ' ')
		sp := s.index[urls[i]]
		start := len(dst)
		dst = slices.Grow(dst, int(sp.n))[:start+int(sp.n)]
		_, err := s.f.ReadAt(dst[start:], sp.off)
		return dst, err
	})
}

// Close removes the spool's file.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.f.Close(), os.Remove(s.f.Name()))
}
