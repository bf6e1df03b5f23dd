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

// Spool is a concurrent map from URL to record for output written as one
// JSON object, which can only be written once every record is in. Neither
// the records nor their index grow in memory with the crawl: records go to
// a temporary file as they come, and their index (URL, offset, length) to
// sorted runs of runBytes (2 MB) at most, written out as they fill. WriteJSON
// merges the runs, keeping the last record of a URL put twice, and reads
// each record once, in URL order.
//
// This is an external merge sort of the index rather than of the records:
// a run of a few MB covers tens of thousands of URLs whatever their pages
// hold, and a replaced record is dropped without being read. The files are
// unlinked as soon as they are made where the system allows it, so that
// they go away with the process however it ends; Close removes what is left.
type Spool struct {
	mu     sync.Mutex
	dir    string
	f      *os.File // the records
	name   string   // f's path, while it is still linked
	w      *bufio.Writer
	size   int64
	run    []indexEntry // entries not yet in a run file, in Put order
	runLen int          // their size in memory, roughly
	runs   []*runFile
	buf    []byte // Put's encoding buffer
}

// runBytes bounds the index entries held in memory before they are sorted
// and written out as a run.
var runBytes = 2 << 20

// indexEntry locates a URL's record in the spool file.
type indexEntry struct {
	key    string
	off, n int64
}

// NewSpool creates a spool in dir (os.TempDir() when empty).
func NewSpool(dir string) (*Spool, error) {
	f, name, err := createTemp(dir, "crawl-spool-*")
	if err != nil {
		return nil, err
	}
	return &Spool{dir: dir, f: f, name: name, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// createTemp creates a temporary file and unlinks it at once where the
// system allows it; name is then "", else the path Close must remove.
func createTemp(dir, pattern string) (*os.File, string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, "", err
	}
	if os.Remove(f.Name()) == nil {
		return f, "", nil
	}
	return f, f.Name(), nil
}

// Put stores r under r.URL, replacing any earlier record for that URL.
func (s *Spool) Put(r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = r.appendBody(s.buf[:0])
	if _, err := s.w.Write(s.buf); err != nil {
		return err
	}
	s.run = append(s.run, indexEntry{key: r.URL, off: s.size, n: int64(len(s.buf))})
	s.size += int64(len(s.buf))
	s.runLen += len(r.URL) + 48
	if s.runLen >= runBytes {
		return s.flushRun()
	}
	return nil
}

// flushRun sorts the entries in memory and writes them out as a run.
func (s *Spool) flushRun() error {
	sortRun(s.run)
	rf, err := writeRun(s.dir, s.run)
	if err != nil {
		return err
	}
	s.runs = append(s.runs, rf)
	clear(s.run)
	s.run, s.runLen = s.run[:0], 0
	return nil
}

// sortRun sorts entries by key; a key's entries stay in Put order.
func sortRun(entries []indexEntry) {
	slices.SortStableFunc(entries, func(a, b indexEntry) int { return strings.Compare(a.key, b.key) })
}

// WriteJSON writes every record as one JSON object keyed by URL, sorted,
// byte for byte as WriteJSON does for the same records.
func (s *Spool) WriteJSON(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.w.Flush(); err != nil {
		return err
	}
	sortRun(s.run)
	m, err := newMerge(s.runs, s.run)
	if err != nil {
		return err
	}
	ow := newObjectWriter(w)
	for {
		e, ok, err := m.next()
		if err != nil {
			return err
		}
		if !ok {
			return ow.close()
		}
		err = ow.member(func(dst []byte) ([]byte, error) {
			dst = appendString(dst, e.key)
			dst = append(dst, ':', ' ')
			start := len(dst)
			dst = slices.Grow(dst, int(e.n))[:start+int(e.n)]
			_, err := s.f.ReadAt(dst[start:], e.off)
			return dst, err
		})
		if err != nil {
			return err
		}
	}
}

// Close removes the spool's files.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := []error{s.f.Close()}
	if s.name != "" {
		errs = append(errs, os.Remove(s.name))
	}
	for _, rf := range s.runs {
		errs = append(errs, rf.close())
	}
	s.runs = nil
	return errors.Join(errs...)
}
