package results

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// runFile is a sorted run of index entries on disk.
type runFile struct {
	f    *os.File
	name string // the path Close removes, if it could not be unlinked
}

func (rf *runFile) close() error {
	err := rf.f.Close()
	if rf.name != "" {
		err = errors.Join(err, os.Remove(rf.name))
	}
	return err
}

// writeRun writes sorted entries to a new run file.
func writeRun(dir string, entries []indexEntry) (*runFile, error) {
	f, name, err := createTemp(dir, "crawl-spool-run-*")
	if err != nil {
		return nil, err
	}
	rf := &runFile{f: f, name: name}
	bw := bufio.NewWriterSize(f, 64<<10)
	var b []byte
	for _, e := range entries {
		b = binary.AppendUvarint(b[:0], uint64(len(e.key)))
		b = append(b, e.key...)
		b = binary.AppendUvarint(b, uint64(e.off))
		b = binary.AppendUvarint(b, uint64(e.n))
		if _, err := bw.Write(b); err != nil {
			rf.close()
			return nil, fmt.Errorf("spool run: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		rf.close()
		return nil, fmt.Errorf("spool run: %w", err)
	}
	return rf, nil
}

// cursor reads one sorted run: a file, or the entries still in memory.
type cursor struct {
	r     *bufio.Reader // nil for the run in memory
	mem   []indexEntry
	order int // runs put later have higher orders
	pos   int // entries read before this one
	cur   indexEntry
}

// advance reads the cursor's next entry; ok is false at the end.
func (c *cursor) advance() (ok bool, err error) {
	c.pos++
	if c.r == nil {
		if len(c.mem) == 0 {
			return false, nil
		}
		c.cur, c.mem = c.mem[0], c.mem[1:]
		return true, nil
	}
	n, err := binary.ReadUvarint(c.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("spool run: %w", err)
	}
	key := make([]byte, n)
	if _, err := io.ReadFull(c.r, key); err != nil {
		return false, fmt.Errorf("spool run: %w", err)
	}
	off, err := binary.ReadUvarint(c.r)
	if err != nil {
		return false, fmt.Errorf("spool run: %w", err)
	}
	size, err := binary.ReadUvarint(c.r)
	if err != nil {
		return false, fmt.Errorf("spool run: %w", err)
	}
	c.cur = indexEntry{key: string(key), off: int64(off), n: int64(size)}
	return true, nil
}

// merge yields the entries of sorted runs in key order, one per key: the
// one put last.
type merge struct {
	h       cursorHeap
	pending *indexEntry // the last entry of the key being merged
}

func newMerge(runs []*runFile, mem []indexEntry) (*merge, error) {
	m := &merge{}
	cursors := make([]*cursor, 0, len(runs)+1)
	for i, rf := range runs {
		if _, err := rf.f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("spool run: %w", err)
		}
		cursors = append(cursors, &cursor{r: bufio.NewReaderSize(rf.f, 16<<10), order: i})
	}
	cursors = append(cursors, &cursor{mem: mem, order: len(runs)})
	for _, c := range cursors {
		ok, err := c.advance()
		if err != nil {
			return nil, err
		}
		if ok {
			m.h = append(m.h, c)
		}
	}
	heap.Init(&m.h)
	return m, nil
}

// next returns the next key's last entry.
func (m *merge) next() (indexEntry, bool, error) {
	for len(m.h) > 0 {
		c := m.h[0]
		e := c.cur
		ok, err := c.advance()
		if err != nil {
			return indexEntry{}, false, err
		}
		if ok {
			heap.Fix(&m.h, 0)
		} else {
			heap.Pop(&m.h)
		}
		if m.pending != nil && m.pending.key != e.key {
			out := *m.pending
			*m.pending = e
			return out, true, nil
		}
		m.pending = &e
	}
	if m.pending != nil {
		out := *m.pending
		m.pending = nil
		return out, true, nil
	}
	return indexEntry{}, false, nil
}

// cursorHeap orders cursors by their entry's key, then by when the entry
// was put, so that the last of a key's entries comes out last.
type cursorHeap []*cursor

func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	if c := strings.Compare(h[i].cur.key, h[j].cur.key); c != 0 {
		return c < 0
	}
	if h[i].order != h[j].order {
		return h[i].order < h[j].order
	}
	return h[i].pos < h[j].pos
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
