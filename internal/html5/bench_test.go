package html5

import (
	"os"
	"path/filepath"
	"testing"
)

// corpus loads the readability pages, or skips.
func corpus(b *testing.B) ([][]byte, int64) {
	files, _ := filepath.Glob("../../../shared/corpus/readability/*.html")
	if len(files) == 0 {
		b.Skip("corpus not present at ../shared/corpus; skipping")
	}
	var docs [][]byte
	var n int64
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d)
		n += int64(len(d))
	}
	return docs, n
}

func BenchmarkTokenizer(b *testing.B) {
	docs, n := corpus(b)
	b.SetBytes(n)
	b.ReportAllocs()
	var z Tokenizer
	for b.Loop() {
		for _, d := range docs {
			z.Reset(d)
			for z.Next() != EOFToken {
			}
		}
	}
}
