package results

import (
	"encoding/csv"
	"io"
	"strconv"
	"sync"
)

// CSV writes records as an edge list, the shape spreadsheets and graph
// tools load: a header row, then one row per (page, link) and per (page,
// button id), with the columns url, kind ("link" or "button"), value,
// depth, status and error. A URL that was not fetched has one row that
// says why: kind "duplicate_of" with the key of the page it is another
// spelling of, or kind "skipped" with the reason; a page with no link and
// no button id still gets one row, with kind and value empty, so that no
// URL goes missing. Quoting is RFC 4180's (encoding/csv).
//
// A cell that a spreadsheet would read as a formula (it starts with =, +,
// -, @, a tab or a carriage return: a button id "=HYPERLINK(...)", say)
// gets a leading ' as OWASP advises, so that it is shown as text; a value
// that starts with ' gets one more, so that the first ' always marks one
// added. Rows are written as each record is put, a record's rows in one
// Write call; it is safe for concurrent use.
type CSV struct {
	mu     sync.Mutex
	w      io.Writer
	buf    bytesBuffer
	cw     *csv.Writer
	header bool
}

// bytesBuffer is the minimal buffer csv.Writer writes a record's rows to.
type bytesBuffer struct{ b []byte }

func (b *bytesBuffer) Write(p []byte) (int, error) {
	b.b = append(b.b, p...)
	return len(p), nil
}

// CSVHeader is the first row CSV writes.
var CSVHeader = []string{"url", "kind", "value", "depth", "status", "error"}

// NewCSV returns a CSV writer that writes to w.
func NewCSV(w io.Writer) *CSV {
	c := &CSV{w: w}
	c.cw = csv.NewWriter(&c.buf)
	return c
}

// Put writes r's rows.
func (c *CSV) Put(r Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.b = c.buf.b[:0]
	if !c.header {
		c.cw.Write(CSVHeader)
		c.header = true
	}
	depth, status := strconv.Itoa(r.Depth), ""
	if r.Status != 0 {
		status = strconv.Itoa(r.Status)
	}
	url, errText := neutralize(r.URL), neutralize(r.Error)
	row := func(kind, value string) {
		c.cw.Write([]string{url, kind, neutralize(value), depth, status, errText})
	}
	switch {
	case r.DuplicateOf != "":
		row("duplicate_of", r.DuplicateOf)
	case r.Skipped != "":
		row("skipped", r.Skipped)
	}
	for _, l := range r.Link {
		row("link", l)
	}
	for _, b := range r.Button {
		row("button", b)
	}
	if len(r.Link) == 0 && len(r.Button) == 0 && r.DuplicateOf == "" && r.Skipped == "" {
		row("", "")
	}
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	_, err := c.w.Write(c.buf.b)
	return err
}

// Finish writes the header of an output that got no record.
func (c *CSV) Finish() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.header {
		return nil
	}
	c.header = true
	c.buf.b = c.buf.b[:0]
	c.cw.Write(CSVHeader)
	c.cw.Flush()
	_, err := c.w.Write(c.buf.b)
	return err
}

// neutralize makes a cell that a spreadsheet would evaluate read as text,
// with a leading ' (see CSV).
func neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + s
	}
	return s
}
