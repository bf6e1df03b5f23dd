package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Journal is a JSON lines file that records are appended to in batches,
// each written and fsynced before Append returns, so that whoever hands
// the records over may then drop its own copy (crawl export --follow takes
// them out of Redis). The file is locked against a second writer.
type Journal struct {
	f    *os.File
	size int64
}

// ErrNotJournal is wrapped by OpenJournal's error when the file is not
// the one the records were kept in.
var ErrNotJournal = errors.New("not the file the records were written to")

// OpenJournal opens path (creating it) to append after its first kept
// bytes: the file's size when the last batch was confirmed dropped at the
// source. Whole lines past it are a batch written but not confirmed: their
// URLs are returned, for the caller not to write them again (the source
// still holds them); a partial last line is cut off. More than maxTail such
// lines, or a file shorter than kept, mean another file: an error.
func OpenJournal(path string, kept int64, maxTail int) (*Journal, map[string]bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s is being written by another process", path)
	}
	j := &Journal{f: f}
	tail, err := j.open(path, kept, maxTail)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return j, tail, nil
}

func (j *Journal) open(path string, kept int64, maxTail int) (map[string]bool, error) {
	st, err := j.f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < kept {
		return nil, fmt.Errorf("%s: %w: it holds %d bytes, and %d bytes of records were written to it (those are no longer kept anywhere else)", path, ErrNotJournal, st.Size(), kept)
	}
	if _, err := j.f.Seek(kept, io.SeekStart); err != nil {
		return nil, err
	}
	tail := make(map[string]bool)
	whole := kept
	br := bufio.NewReaderSize(j.f, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			break // a partial line, or none: cut off below
		}
		if err != nil {
			return nil, err
		}
		rec, perr := parseRecord(line)
		if perr != nil {
			return nil, fmt.Errorf("%s: %w: byte %d is not a record: %v", path, ErrNotJournal, whole, perr)
		}
		if len(tail) == maxTail {
			return nil, fmt.Errorf("%s: %w: more than %d records follow its last %d confirmed bytes", path, ErrNotJournal, maxTail, kept)
		}
		tail[rec.URL] = true
		whole += int64(len(line))
	}
	if err := j.f.Truncate(whole); err != nil {
		return nil, err
	}
	if _, err := j.f.Seek(whole, io.SeekStart); err != nil {
		return nil, err
	}
	j.size = whole
	return tail, syncDir(filepath.Dir(path))
}

// syncDir fsyncs a directory, so that a file just created in it stays.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Append writes lines (each one JSON record without its newline) and
// fsyncs the file.
func (j *Journal) Append(lines [][]byte) error {
	w := bufio.NewWriterSize(j.f, 256<<10)
	var n int64
	for _, l := range lines {
		w.Write(l)
		w.WriteByte('\n')
		n += int64(len(l)) + 1
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.size += n
	return nil
}

// Size is the file's size after the last Append.
func (j *Journal) Size() int64 { return j.size }

// Close closes the file, which unlocks it.
func (j *Journal) Close() error { return j.f.Close() }
