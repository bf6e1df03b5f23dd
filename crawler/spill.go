package crawler

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
)

// spillQueue is a FIFO of tasks that keeps at most window of them in memory
// and writes the rest to segment files, so that a frontier of millions of
// discovered URLs is bounded by disk, not RAM, and adding to it never
// blocks. Segments are append-only files of up to segmentSize bytes, read
// back in order and closed once read; a segment still being written is
// sealed before it is read, so reading never races writing. Segments have
// no name (see openSpill): closing one frees its disk, and a process that
// is killed leaves none behind.
//
// An embedded store (bbolt, pebble) was the alternative; a FIFO needs
// neither keys nor random access, and sequential files do one write and
// one read per task with no compaction.
type spillQueue struct {
	dir    func() (string, error) // the directory segments go in
	name   string                 // the queue's name, for errors
	window int
	mem    fifo[Task]
	segs   []*segment // oldest first; only the last may be open for writing
	onDisk int
	buf    []byte
}

const segmentSize = 8 << 20

// segment is one file of encoded tasks.
type segment struct {
	f       *os.File
	w       *bufio.Writer // nil once sealed
	r       *bufio.Reader // set once reading starts
	n, read int           // tasks written, and read back
	size    int64
}

func newSpillQueue(name string, window int, dir func() (string, error)) *spillQueue {
	return &spillQueue{name: name, window: max(window, 1), dir: dir}
}

func (q *spillQueue) len() int { return q.mem.len() + q.onDisk }

// push appends t; it fails only when the disk does.
func (q *spillQueue) push(t Task) error {
	if q.onDisk == 0 && q.mem.len() < q.window {
		q.mem.push(t)
		return nil
	}
	seg := q.writable()
	if seg == nil {
		dir, err := q.dir()
		if err != nil {
			return err
		}
		f, err := openSpill(dir)
		if err != nil {
			return fmt.Errorf("frontier spill: %w", err)
		}
		seg = &segment{f: f, w: bufio.NewWriterSize(f, 64<<10)}
		q.segs = append(q.segs, seg)
	}
	q.buf = encodeTask(q.buf[:0], &t)
	if _, err := seg.w.Write(q.buf); err != nil {
		return fmt.Errorf("frontier spill: %w", err)
	}
	seg.n++
	seg.size += int64(len(q.buf))
	q.onDisk++
	return nil
}

// writable returns the segment open for writing, if it has room.
func (q *spillQueue) writable() *segment {
	if len(q.segs) == 0 {
		return nil
	}
	seg := q.segs[len(q.segs)-1]
	if seg.w == nil || seg.size >= segmentSize {
		return nil
	}
	return seg
}

// pop removes and returns the first task; the queue must not be empty.
func (q *spillQueue) pop() (Task, error) {
	if q.mem.len() == 0 {
		if err := q.refill(); err != nil {
			return Task{}, err
		}
	}
	return q.mem.pop(), nil
}

// refill reads up to window tasks from the oldest segment into memory.
func (q *spillQueue) refill() error {
	seg := q.segs[0]
	if seg.w != nil {
		if err := seg.w.Flush(); err != nil {
			return fmt.Errorf("frontier spill: %w", err)
		}
		seg.w = nil
	}
	if seg.r == nil {
		if _, err := seg.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("frontier spill: %w", err)
		}
		seg.r = bufio.NewReaderSize(seg.f, 64<<10)
	}
	for i := 0; i < q.window && seg.read < seg.n; i++ {
		t, err := decodeTask(seg.r)
		if err != nil {
			return fmt.Errorf("frontier spill %s: %w", q.name, err)
		}
		q.mem.push(t)
		seg.read++
		q.onDisk--
	}
	if seg.read == seg.n {
		q.segs = q.segs[1:]
		return seg.f.Close()
	}
	return nil
}

// close removes the queue's segments.
func (q *spillQueue) close() {
	for _, seg := range q.segs {
		seg.f.Close()
	}
	q.segs, q.onDisk = nil, 0
	q.mem = fifo[Task]{}
}

// encodeTask appends the fields a discovered task has: URL, key, parent,
// depth, trap counter and Check. Seeds never spill.
func encodeTask(b []byte, t *Task) []byte {
	key := t.Key
	if key == t.URL {
		key = ""
	}
	for _, s := range []string{t.URL, key, t.Parent} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(t.Depth))
	var check byte
	if t.Check {
		check = 1
	}
	return append(b, t.Extended, check)
}

func decodeTask(r *bufio.Reader) (Task, error) {
	var s [3]string
	for i := range s {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return Task{}, err
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return Task{}, err
		}
		s[i] = string(b)
	}
	depth, err := binary.ReadUvarint(r)
	if err != nil {
		return Task{}, err
	}
	ext, err := r.ReadByte()
	if err != nil {
		return Task{}, err
	}
	check, err := r.ReadByte()
	if err != nil {
		return Task{}, err
	}
	t := Task{Seed: Seed{URL: s[0]}, Key: s[1], Parent: s[2], Depth: int(depth), Extended: ext, Check: check == 1}
	if t.Key == "" {
		t.Key = t.URL
	}
	return t, nil
}

// openUnlinked creates a spill file in dir and unlinks it at once: only an
// exit between the two leaves it behind.
func openUnlinked(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, "crawl-frontier-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil && runtime.GOOS != "windows" {
		f.Close()
		return nil, err
	}
	return f, nil
}
