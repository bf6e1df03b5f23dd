// Package results holds what a crawl found: the per-URL Record, a concurrent
// map of records, and the writers that turn records into JSON or JSON lines.
// It never fetches anything.
package results

import (
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/crawlkit/crawl/extract"
)

// Record is what crawl reports for one URL: the button ids and links found on
// the page, how the fetch went, or the error that stopped it.
//
// The JSON tags document the output schema and are what encoding/json uses to
// read records back (for --resume); AppendJSON writes the same encoding
// without reflection.
type Record struct {
	// URL is the input URL exactly as given; it is the key of the JSON object
	// and the "url" field of a JSON line.
	URL    string   `json:"url"`
	Button []string `json:"button"`
	Link   []string `json:"link"`
	// Fields holds, for an HTML page of a crawl with custom fields
	// (--select), each field's values by name, [] for none.
	Fields map[string][]string `json:"fields,omitzero"`
	// Buttons lists, for an HTML page of a crawl with --buttons detail,
	// every button a person could press, with or without an id.
	Buttons  []extract.Button `json:"buttons,omitzero"`
	Status   int              `json:"status,omitempty"`
	FinalURL string           `json:"final_url,omitempty"`
	// Redirect is the status of the first redirect on the way to
	// FinalURL (301, 302, 303, 307 or 308), so that a link to a page
	// that moved for good can be updated; 0 when there was none.
	Redirect    int    `json:"redirect,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Depth       int    `json:"depth"`
	// Parent is a page that links to this one at Depth-1; empty for inputs.
	Parent     string    `json:"parent,omitempty"`
	FetchedAt  time.Time `json:"fetched_at,omitzero"`
	DurationMS int64     `json:"duration_ms"`
	// Bytes is the size of the body read, after decompression.
	Bytes int64 `json:"bytes,omitempty"`
	// Attempts counts the requests made for this URL, retries included.
	Attempts  int  `json:"attempts,omitempty"`
	Truncated bool `json:"truncated,omitempty"`
	// FieldsTruncated is set when the page's field values and button
	// texts reached their bound (the crawl's max body, in all): the value
	// being read then was cut, and the later ones were left out.
	FieldsTruncated bool `json:"fields_truncated,omitempty"`
	// Rendered is set when the page was rendered in a browser (--render)
	// and read from its DOM; Render is "timeout" when that DOM was still
	// changing when the wait for it ran out.
	Rendered bool   `json:"rendered,omitempty"`
	Render   string `json:"render,omitempty"`
	// DuplicateOf is set when the page is one already in the crawl under
	// another URL (an input spelled differently, or a redirect to a page
	// already fetched): it holds that page's dedup key, and the page was
	// not fetched again.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// Skipped says why the page was not fetched, or a redirect not
	// followed, without that being an error: "max-pages" for an input past
	// --max-pages, "scope" for a redirect out of the crawl's scope.
	Skipped string `json:"skipped,omitempty"`
	// Checked is set on the record of a link that crawl check verified
	// without crawling it (out of scope): its status, and no links.
	Checked bool `json:"checked,omitempty"`
	// Anchors lists, with crawler.Config.Anchors, the ids and <a name>s a
	// link's #fragment can point to on this page: nil when the page was
	// not parsed as HTML, empty when it has none.
	Anchors []string `json:"anchors,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// OK reports whether the URL was fetched and parsed without error.
func (r *Record) OK() bool { return r.Error == "" }

// AppendJSON appends r as one JSON object, "url" included, to dst.
func (r *Record) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"url":`...)
	dst = appendString(dst, r.URL)
	dst = append(dst, ',')
	return r.appendFields(dst)
}

// appendBody appends r as a JSON object without its URL: the value stored
// under the URL key in the JSON object output.
func (r *Record) appendBody(dst []byte) []byte {
	dst = append(dst, '{')
	return r.appendFields(dst)
}

// appendFields appends every field but the URL, and the closing brace. The
// order and omissions match encoding/json on the struct tags above.
func (r *Record) appendFields(dst []byte) []byte {
	dst = append(dst, `"button":`...)
	dst = appendStrings(dst, r.Button)
	dst = append(dst, `,"link":`...)
	dst = appendStrings(dst, r.Link)
	if r.Fields != nil {
		dst = appendFieldValues(dst, r.Fields)
	}
	if r.Buttons != nil {
		dst = appendButtons(dst, r.Buttons)
	}
	if r.Status != 0 {
		dst = append(dst, `,"status":`...)
		dst = strconv.AppendInt(dst, int64(r.Status), 10)
	}
	if r.FinalURL != "" {
		dst = append(dst, `,"final_url":`...)
		dst = appendString(dst, r.FinalURL)
	}
	if r.Redirect != 0 {
		dst = append(dst, `,"redirect":`...)
		dst = strconv.AppendInt(dst, int64(r.Redirect), 10)
	}
	if r.ContentType != "" {
		dst = append(dst, `,"content_type":`...)
		dst = appendString(dst, r.ContentType)
	}
	dst = append(dst, `,"depth":`...)
	dst = strconv.AppendInt(dst, int64(r.Depth), 10)
	if r.Parent != "" {
		dst = append(dst, `,"parent":`...)
		dst = appendString(dst, r.Parent)
	}
	if !r.FetchedAt.IsZero() {
		dst = append(dst, `,"fetched_at":"`...)
		dst = r.FetchedAt.AppendFormat(dst, time.RFC3339Nano)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"duration_ms":`...)
	dst = strconv.AppendInt(dst, r.DurationMS, 10)
	if r.Bytes != 0 {
		dst = append(dst, `,"bytes":`...)
		dst = strconv.AppendInt(dst, r.Bytes, 10)
	}
	if r.Attempts != 0 {
		dst = append(dst, `,"attempts":`...)
		dst = strconv.AppendInt(dst, int64(r.Attempts), 10)
	}
	if r.Truncated {
		dst = append(dst, `,"truncated":true`...)
	}
	if r.FieldsTruncated {
		dst = append(dst, `,"fields_truncated":true`...)
	}
	if r.Rendered {
		dst = append(dst, `,"rendered":true`...)
	}
	if r.Render != "" {
		dst = append(dst, `,"render":`...)
		dst = appendString(dst, r.Render)
	}
	if r.DuplicateOf != "" {
		dst = append(dst, `,"duplicate_of":`...)
		dst = appendString(dst, r.DuplicateOf)
	}
	if r.Skipped != "" {
		dst = append(dst, `,"skipped":`...)
		dst = appendString(dst, r.Skipped)
	}
	if r.Checked {
		dst = append(dst, `,"checked":true`...)
	}
	if len(r.Anchors) > 0 {
		dst = append(dst, `,"anchors":`...)
		dst = appendStrings(dst, r.Anchors)
	}
	if r.Error != "" {
		dst = append(dst, `,"error":`...)
		dst = appendString(dst, r.Error)
	}
	return append(dst, '}')
}

// appendFieldValues appends the "fields" member, its names sorted as
// encoding/json sorts map keys.
func appendFieldValues(dst []byte, fields map[string][]string) []byte {
	names := slices.Sorted(maps.Keys(fields))
	dst = append(dst, `,"fields":{`...)
	for i, name := range names {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, name)
		dst = append(dst, ':')
		dst = appendStrings(dst, fields[name])
	}
	return append(dst, '}')
}

// appendButtons appends the "buttons" member as encoding/json writes
// []extract.Button.
func appendButtons(dst []byte, bs []extract.Button) []byte {
	dst = append(dst, `,"buttons":[`...)
	for i, b := range bs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"kind":`...)
		dst = appendString(dst, b.Kind)
		for _, f := range [...]struct{ key, val string }{
			{`,"id":`, b.ID}, {`,"name":`, b.Name}, {`,"type":`, b.Type}, {`,"text":`, b.Text},
			{`,"value":`, b.Value}, {`,"form":`, b.Form}, {`,"formaction":`, b.FormAction},
		} {
			if f.val != "" {
				dst = append(dst, f.key...)
				dst = appendString(dst, f.val)
			}
		}
		if b.Disabled {
			dst = append(dst, `,"disabled":true`...)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendStrings appends a JSON array of strings; nil is written as [] so
// that button and link are always arrays.
func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s to dst as a JSON string, escaped as records
// are, for other writers of JSON that stream (the link check's report).
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s) }

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping off: control characters, quote and backslash escaped,
// invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
