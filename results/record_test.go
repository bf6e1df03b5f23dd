package results

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/crawlkit/crawl/extract"
)

// TestAppendJSONMatchesEncodingJSON pins the hand-written encoder to what
// encoding/json makes of the struct tags, so the two can never drift apart.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		rec  Record
	}{
		{"empty", Record{URL: "https://example.com/"}},
		{"full", Record{
			URL: "https://example.com/", Button: []string{"buy-now", "login"},
			Link:   []string{"https://example.com/about", "mailto:hi@example.com"},
			Status: 200, FinalURL: "https://example.com/", ContentType: "text/html; charset=utf-8",
			Depth: 1, FetchedAt: at, DurationMS: 84, Bytes: 1234, Attempts: 3, Truncated: true,
		}},
		{"discovered", Record{
			URL: "https://example.com/b", Depth: 2, Parent: "https://example.com/a", Status: 301,
			FinalURL: "https://other.example/", DuplicateOf: "https://example.com/c", Skipped: "scope",
		}},
		{"checked", Record{
			URL: "https://other.example/a", Status: 200, FinalURL: "https://other.example/b", Redirect: 308, Checked: true,
		}},
		{"anchors", Record{URL: "u", Anchors: []string{"top", "a\\b"}}},
		{"error", Record{URL: "https://down.example/", Error: "dial tcp: connection refused"}},
		{"escapes", Record{
			URL:    "https://e.com/?q=\"<&>\"",
			Button: []string{"a\\b", "tab\there", "nl\nx", "cr\r", "\x00\x1f\x7f", "bad\xff\xfeutf8", "sep\u2028\u2029", "ünï©ødé", ""},
			Link:   []string{},
		}},
		{"non-UTC time", Record{URL: "u", FetchedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))}},
		{"fields and buttons", Record{
			URL: "u", Button: []string{}, Link: []string{},
			Fields:  map[string][]string{"b": {"x<y", "é\n"}, "a": {}},
			Buttons: []extract.Button{{Kind: "input", Type: "image", Disabled: true}, {Kind: "button", Text: "t\"q"}},
		}},
		{"no buttons found", Record{URL: "u", Button: []string{}, Link: []string{}, Fields: map[string][]string{}, Buttons: []extract.Button{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tt.rec); err != nil {
				t.Fatal(err)
			}
			// encoding/json writes nil slices as null; our schema says [].
			wantS := bytes.ReplaceAll(bytes.TrimSpace(want.Bytes()), []byte(`:null`), []byte(`:[]`))
			got := tt.rec.AppendJSON(nil)
			if !bytes.Equal(got, wantS) {
				t.Errorf("AppendJSON\n got %s\nwant %s", got, wantS)
			}
			var back Record
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			if back.URL != tt.rec.URL {
				t.Errorf("url round trip: %q != %q", back.URL, tt.rec.URL)
			}
		})
	}
}

func TestButtonAndLinkAreAlwaysArrays(t *testing.T) {
	got := string((&Record{URL: "u"}).AppendJSON(nil))
	want := `{"url":"u","button":[],"link":[],"depth":0,"duration_ms":0}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	rec := Record{URL: "https://example.com/page", Status: 200, FetchedAt: time.Now(), ContentType: "text/html"}
	for i := range 50 {
		rec.Link = append(rec.Link, "https://example.com/some/path/"+string(rune('a'+i%26)))
	}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = rec.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// TestRecordJSONIsStable pins the output schema that downstream tools read:
// the field names, their order, and which are left out when empty. A
// rename, a reordering or a changed omitempty fails here; change the
// schema on purpose, in README.md too, and then this string.
func TestRecordJSONIsStable(t *testing.T) {
	full := Record{
		URL: "u", Button: []string{"b"}, Link: []string{"l"},
		Fields:  map[string][]string{"z": {"1", "2"}, "a": {}},
		Buttons: []extract.Button{{Kind: "button", ID: "i", Name: "n", Type: "submit", Text: "t", Value: "v", Form: "f", FormAction: "fa", Disabled: true}, {Kind: "role"}},
		Status:  200, FinalURL: "f", Redirect: 301, ContentType: "c",
		Depth: 2, Parent: "p", FetchedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DurationMS: 6, Bytes: 7,
		Attempts: 8, Truncated: true, FieldsTruncated: true, Rendered: true, Render: "timeout", DuplicateOf: "d", Skipped: "s",
		Checked: true, Anchors: []string{"x"}, Error: "e",
	}
	const wantFull = `{"url":"u","button":["b"],"link":["l"],"fields":{"a":[],"z":["1","2"]},` +
		`"buttons":[{"kind":"button","id":"i","name":"n","type":"submit","text":"t","value":"v","form":"f","formaction":"fa","disabled":true},{"kind":"role"}],` +
		`"status":200,"final_url":"f","redirect":301,"content_type":"c",` +
		`"depth":2,"parent":"p","fetched_at":"2026-01-02T03:04:05Z","duration_ms":6,"bytes":7,"attempts":8,` +
		`"truncated":true,"fields_truncated":true,"rendered":true,"render":"timeout","duplicate_of":"d","skipped":"s","checked":true,"anchors":["x"],"error":"e"}`
	const wantEmpty = `{"url":"","button":[],"link":[],"depth":0,"duration_ms":0}`
	if got := string(full.AppendJSON(nil)); got != wantFull {
		t.Errorf("a full record is written as\n%s\nwant\n%s", got, wantFull)
	}
	if got := string((&Record{}).AppendJSON(nil)); got != wantEmpty {
		t.Errorf("an empty record is written as\n%s\nwant\n%s", got, wantEmpty)
	}
}
