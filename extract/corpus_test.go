package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// corpusDir holds real-world pages and what Chromium sees in them; see
// ../shared/corpus/readability/SOURCE.md. Tests and benchmarks that need it
// skip when it is absent.
const corpusDir = "../../shared/corpus"

// truth is truth-readability.json: for each page, Chromium's view of it when
// served at Origin/<name> as text/html without a charset.
type truth struct {
	Origin string `json:"origin"`
	Pages  map[string]struct {
		Button  []string `json:"button"`
		Link    []string `json:"link"`
		Charset string   `json:"charset"`
	} `json:"pages"`
}

func loadTruth(tb testing.TB) *truth {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "truth-readability.json"))
	if os.IsNotExist(err) {
		tb.Skipf("corpus not present at %s; skipping", corpusDir)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var tr truth
	if err := json.Unmarshal(b, &tr); err != nil {
		tb.Fatal(err)
	}
	return &tr
}

// TestCorpusParity extracts every corpus page and compares it with what
// Chromium found.
func TestCorpusParity(t *testing.T) {
	tr := loadTruth(t)
	exact := 0
	for name, want := range tr.Pages {
		data, err := os.ReadFile(filepath.Join(corpusDir, "readability", name))
		if err != nil {
			t.Fatal(err)
		}
		page, err := ParseBytes(data, "text/html", tr.Origin+"/"+name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		ok := t.Run(name, func(t *testing.T) {
			compare(t, "button", page.Buttons, want.Button)
			compare(t, "link", page.Links, want.Link)
		})
		if ok {
			exact++
		}
	}
	t.Logf("%d/%d pages exactly as Chromium sees them", exact, len(tr.Pages))
}

// BenchmarkExtract extracts every corpus page, as the crawler does, on one
// goroutine: b.SetBytes makes the MB/s figure the corpus throughput.
func BenchmarkExtract(b *testing.B) { benchmarkCorpus(b, ParseBytes) }

// BenchmarkExtractSelect is BenchmarkExtract with one custom field, the
// text of the headings (--select 'heading=h1, h2, h3'); its tree keeps text.
func BenchmarkExtractSelect(b *testing.B) {
	f, err := ParseField("heading=h1, h2, h3")
	if err != nil {
		b.Fatal(err)
	}
	benchmarkCorpus(b, func(data []byte, contentType, docURL string) (*Page, error) {
		return ParseWith(data, contentType, docURL, Options{Fields: []Field{f}})
	})
}

// BenchmarkExtractButtonDetails is BenchmarkExtract with --buttons detail.
func BenchmarkExtractButtonDetails(b *testing.B) {
	benchmarkCorpus(b, func(data []byte, contentType, docURL string) (*Page, error) {
		return ParseWith(data, contentType, docURL, Options{ButtonDetails: true})
	})
}

// BenchmarkReference is the same work with the reference extractor
// (x/net/html's tree), for comparison.
func BenchmarkReference(b *testing.B) { benchmarkCorpus(b, referenceParse) }

func benchmarkCorpus(b *testing.B, parse func(data []byte, contentType, docURL string) (*Page, error)) {
	docs, names, size := loadCorpus(b)
	tr := loadTruth(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for i, d := range docs {
			if _, err := parse(d, "text/html", tr.Origin+"/"+names[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func loadCorpus(tb testing.TB) (docs [][]byte, names []string, size int64) {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "readability", "*.html"))
	if len(files) == 0 {
		tb.Skipf("corpus not present at %s; skipping", corpusDir)
	}
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, d)
		names = append(names, filepath.Base(f))
		size += int64(len(d))
	}
	return docs, names, size
}
