package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// WriteJSON writes records as one JSON object keyed by URL, in the order
// given (Map.Sorted gives them sorted), followed by a newline. A URL that
// appears twice is written twice; callers pass a Map's contents.
func WriteJSON(w io.Writer, records []Record) error {
	return writeObject(w, len(records), func(dst []byte, i int) ([]byte, error) {
		dst = appendString(dst, records[i].URL)
		dst = append(dst, ':', ' ')
		return records[i].appendBody(dst), nil
	})
}

// writeObject writes n members as one JSON object, one to a line; member
// appends the i-th one, key and value.
func writeObject(w io.Writer, n int, member func(dst []byte, i int) ([]byte, error)) error {
	ow := newObjectWriter(w)
	for i := range n {
		if err := ow.member(func(dst []byte) ([]byte, error) { return member(dst, i) }); err != nil {
			return err
		}
	}
	return ow.close()
}

// objectWriter writes a JSON object a member at a time, one to a line, so
// that a caller need not know how many there are: "{", then ",\n KEY: VALUE"
// for each (without the comma for the first), then "\n}\n" ("{}\n" when
// empty).
type objectWriter struct {
	bw  *bufio.Writer
	buf []byte
	n   int
}

func newObjectWriter(w io.Writer) *objectWriter {
	ow := &objectWriter{bw: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 4096)}
	ow.buf = append(ow.buf, '{')
	return ow
}

// member writes the member that add appends to dst.
func (ow *objectWriter) member(add func(dst []byte) ([]byte, error)) error {
	if ow.n > 0 {
		ow.buf = append(ow.buf, ',')
	}
	ow.buf = append(ow.buf, '\n', ' ')
	var err error
	if ow.buf, err = add(ow.buf); err != nil {
		return err
	}
	ow.n++
	_, err = ow.bw.Write(ow.buf)
	ow.buf = ow.buf[:0]
	return err
}

// close ends the object and flushes it.
func (ow *objectWriter) close() error {
	if ow.n > 0 {
		ow.buf = append(ow.buf, '\n')
	}
	ow.buf = append(ow.buf, '}', '\n')
	if _, err := ow.bw.Write(ow.buf); err != nil {
		return err
	}
	return ow.bw.Flush()
}

// JSONL writes each record as one JSON line as soon as it is put, so that a
// reader (or a crash) sees every finished record. It is safe for concurrent
// use.
type JSONL struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewJSONL returns a JSONL writer that writes to w. Each record is handed to
// w in a single Write call.
func NewJSONL(w io.Writer) *JSONL {
	return &JSONL{w: w}
}

// Put writes r as one line.
func (j *JSONL) Put(r Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = r.AppendJSON(j.buf[:0])
	j.buf = append(j.buf, '\n')
	_, err := j.w.Write(j.buf)
	return err
}

// Sync commits what was written to stable storage when the underlying writer
// is a regular file; it is a no-op otherwise (a pipe, a FIFO, /dev/null or
// a terminal have nothing to sync, and fsync refuses them).
func (j *JSONL) Sync() error {
	f, ok := j.w.(*os.File)
	if !ok {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return SyncFile(f)
}

// SyncFile fsyncs f when it is a regular file, and does nothing for a
// pipe, a FIFO, a device or a terminal, which fsync refuses (EINVAL).
func SyncFile(f *os.File) error {
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil
	}
	return f.Sync()
}

// ReadJSONL reads the records of a JSON lines stream, calling fn for each in
// order. A final line without its newline is kept when it is a whole record
// (a file another tool wrote), and otherwise taken for the trace of a write
// cut short (a crash): it is ignored and its offset returned as valid, so
// the caller can truncate the file there. Any other line that is not a
// record with a url is an error naming the line.
func ReadJSONL(r io.Reader, fn func(Record)) (valid int64, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		last := errors.Is(err, io.EOF)
		if err != nil && !last {
			return valid, err
		}
		if len(bytes.TrimSpace(b)) > 0 {
			rec, perr := parseRecord(b)
			switch {
			case perr != nil && last:
				return valid, nil // cut short
			case perr != nil:
				return valid, fmt.Errorf("line %d: %w", line, perr)
			}
			fn(rec)
		}
		valid += int64(len(b))
		if last {
			return valid, nil
		}
	}
}

// parseRecord reads one JSON line as a record, which must have a url.
func parseRecord(b []byte) (Record, error) {
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, err
	}
	if rec.URL == "" {
		return rec, errors.New("not a crawl record: no url")
	}
	return rec, nil
}
