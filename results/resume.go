package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Resume prepares a JSON lines file left by an interrupted crawl for the
// crawl to go on appending to it. It keeps each URL's last record if that
// record has no error and was not skipped, drops the others (those URLs
// are to be crawled again: a page skipped for max-pages may fit a larger
// cap) and a last line cut short by a crash, rewrites the file atomically,
// and returns the URLs kept, which need no crawling. A file that does not
// exist is an empty one.
//
// Kept lines are copied as they are, and only URLs are held in memory.
func Resume(path string) (done map[string]struct{}, err error) {
	last, err := lastRecords(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]struct{}{}, nil
	}
	if err != nil {
		return nil, err
	}
	in, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	out, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	done = make(map[string]struct{})
	err = eachLine(in, func(n int, line []byte, h lineHead) error {
		if st := last[h.URL]; st.line == n && st.ok {
			done[h.URL] = struct{}{}
			_, err := bw.Write(line)
			return err
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		out.Abort()
		return nil, fmt.Errorf("resume %s: %w", path, err)
	}
	return done, out.Commit()
}

// lastState is where a URL's last record is, and whether it succeeded.
type lastState struct {
	line int
	ok   bool
}

func lastRecords(path string) (map[string]lastState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	last := make(map[string]lastState)
	err = eachLine(f, func(n int, _ []byte, h lineHead) error {
		last[h.URL] = lastState{line: n, ok: h.Error == "" && h.Skipped == ""}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return last, nil
}

// lineHead is what Resume reads of a record.
type lineHead struct {
	URL     string `json:"url"`
	Error   string `json:"error"`
	Skipped string `json:"skipped"`
}

// eachLine calls fn for every whole line of a JSON lines stream with its
// number and head; a final line without its newline (a write cut short) and
// blank lines are skipped.
func eachLine(r io.Reader, fn func(n int, line []byte, h lineHead) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var h lineHead
		if err := json.Unmarshal(line, &h); err != nil || h.URL == "" {
			return fmt.Errorf("line %d is not a crawl record", n)
		}
		if err := fn(n, line, h); err != nil {
			return err
		}
	}
}
