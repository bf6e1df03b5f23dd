package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestWriteJSON(t *testing.T) {
	m := NewMap()
	m.Put(Record{URL: "https://b.example/", Link: []string{"https://b.example/x"}, Status: 200})
	m.Put(Record{URL: "https://a.example/", Error: "boom"})
	m.Put(Record{URL: "https://a.example/", Button: []string{"go"}, Status: 200}) // replaces
	var buf bytes.Buffer
	if err := WriteJSON(&buf, m.Sorted()); err != nil {
		t.Fatal(err)
	}
	want := `{
 "https://a.example/": {"button":["go"],"link":[],"status":200,"depth":0,"duration_ms":0},
 "https://b.example/": {"button":[],"link":["https://b.example/x"],"status":200,"depth":0,"duration_ms":0}
}
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	var obj map[string]map[string]any
	if err := json.Unmarshal(buf.Bytes(), &obj); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if _, ok := obj["https://a.example/"]["url"]; ok {
		t.Error("values of the JSON object must not repeat the url")
	}
}

func TestWriteJSONEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "{}\n" {
		t.Errorf("got %q", buf.String())
	}
}

func TestJSONLConcurrentPutsStayWholeLines(t *testing.T) {
	var buf bytes.Buffer
	j := NewJSONL(&buf)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if err := j.Put(Record{URL: fmt.Sprintf("https://e.example/%d/%d", g, i), Link: []string{"x"}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	if _, err := ReadJSONL(&buf, func(r Record) { seen[r.URL] = true }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1600 {
		t.Errorf("read back %d distinct records, want 1600", len(seen))
	}
}

func TestReadJSONL(t *testing.T) {
	good := `{"url":"a","button":[],"link":[],"depth":0,"duration_ms":1}` + "\n" +
		"\n" +
		`{"url":"b","button":["x"],"link":[],"depth":0,"duration_ms":1,"error":"boom"}` + "\n"
	tests := []struct {
		name      string
		in        string
		wantURLs  []string
		wantValid int
		wantErr   bool
	}{
		{"whole lines", good, []string{"a", "b"}, len(good), false},
		{"cut short", good + `{"url":"c","butt`, []string{"a", "b"}, len(good), false},
		{"garbage line", good + "not json\n", nil, 0, true},
		{"empty", "", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var urls []string
			valid, err := ReadJSONL(strings.NewReader(tt.in), func(r Record) { urls = append(urls, r.URL) })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if fmt.Sprint(urls) != fmt.Sprint(tt.wantURLs) || valid != int64(tt.wantValid) {
				t.Errorf("got %v valid=%d, want %v valid=%d", urls, valid, tt.wantURLs, tt.wantValid)
			}
		})
	}
}

func TestAtomicFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}

	f, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half")
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "old")

	f, err = CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	assertFile(t, path, "old") // not visible before Commit
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "new")
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestCreateAtomicUnwritable(t *testing.T) {
	if _, err := CreateAtomic(filepath.Join(t.TempDir(), "missing", "out.json")); err == nil {
		t.Fatal("want an error for a directory that does not exist")
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", path, b, want)
	}
}

func TestResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	lines := []string{
		`{"url":"a","button":[],"link":[],"depth":0,"duration_ms":1}`,
		`{"url":"b","button":[],"link":[],"depth":0,"duration_ms":1,"error":"timeout"}`,
		`{"url":"c","button":[],"link":[],"depth":0,"duration_ms":1,"error":"interrupted"}`,
		`{"url":"c","button":["x"],"link":[],"depth":0,"duration_ms":2}`,
		`{"url":"d","button":[],"link":[],"depth":0,"duration_ms":1}`,
		`{"url":"d","button":[],"link":[],"depth":0,"duration_ms":1,"error":"HTTP 500"}`,
	}
	content := strings.Join(lines, "\n") + "\n" + `{"url":"e","butt` // cut short by a crash
	os.WriteFile(path, []byte(content), 0o644)
	done, err := Resume(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 2 {
		t.Errorf("done = %v, want a and c", done)
	}
	for _, u := range []string{"a", "c"} {
		if _, ok := done[u]; !ok {
			t.Errorf("%s should be done", u)
		}
	}
	assertFile(t, path, lines[0]+"\n"+lines[3]+"\n")

	if done, err := Resume(filepath.Join(t.TempDir(), "missing.jsonl")); err != nil || len(done) != 0 {
		t.Errorf("a missing file: %v, %v", done, err)
	}
	os.WriteFile(path, []byte("not json\n"), 0o644)
	if _, err := Resume(path); err == nil {
		t.Error("a file that is not crawl records must be refused, not overwritten")
	}
	assertFile(t, path, "not json\n")
}

// TestSpoolMatchesMap puts the same records in a Map and a Spool: both
// write the same bytes, the last record of a URL winning, whether the index
// fits one run in memory or is spread over many runs on disk.
func TestSpoolMatchesMap(t *testing.T) {
	var allBytes strings.Builder
	for b := range 256 {
		allBytes.WriteByte(byte(b))
	}
	long := strings.Repeat("https://example.com/a/very/long/shared/prefix/", 40)
	tests := []struct {
		name string
		recs []Record
	}{
		{"empty", nil},
		{"one", []Record{{URL: "https://a.example/", Status: 200}}},
		{"replaced", []Record{
			{URL: "https://b.example/", Link: []string{"https://b.example/x"}, Status: 200},
			{URL: "https://a.example/", Error: "boom"},
			{URL: "https://c.example/\u00e9", Button: []string{"\"q\""}},
			{URL: "https://a.example/", Button: []string{"go"}, Status: 200},
			{URL: "https://b.example/", Error: "second"},
			{URL: "https://a.example/", Button: []string{"third"}},
		}},
		{"shared prefixes", []Record{
			{URL: long + "b"}, {URL: long}, {URL: long + "a"}, {URL: long + "a/"}, {URL: long + "b", Status: 404},
		}},
		{"every byte", []Record{
			{URL: allBytes.String(), Button: []string{allBytes.String()}},
			{URL: "\u2028\u2029\xff\xfe"},
			{URL: ""},
			{URL: "\x00"},
		}},
	}
	for _, tt := range tests {
		for _, run := range []int{8 << 20, 1, 300} {
			t.Run(fmt.Sprintf("%s/run %d", tt.name, run), func(t *testing.T) {
				defer func(old int) { runBytes = old }(runBytes)
				runBytes = run
				dir := t.TempDir()
				sp, err := NewSpool(dir)
				if err != nil {
					t.Fatal(err)
				}
				m := NewMap()
				for _, r := range tt.recs {
					m.Put(r)
					if err := sp.Put(r); err != nil {
						t.Fatal(err)
					}
				}
				if left, _ := os.ReadDir(dir); len(left) > 0 {
					t.Errorf("%d spool files in the directory while it is used: they should be unlinked", len(left))
				}
				var fromMap, fromSpool bytes.Buffer
				WriteJSON(&fromMap, m.Sorted())
				if err := sp.WriteJSON(&fromSpool); err != nil {
					t.Fatal(err)
				}
				if fromMap.String() != fromSpool.String() {
					t.Errorf("spool wrote\n%q\nmap wrote\n%q", fromSpool.String(), fromMap.String())
				}
				if err := sp.Close(); err != nil {
					t.Error(err)
				}
			})
		}
	}
}
