package crawler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crawlkit/crawl/results"
)

const corpusDir = "../../shared/corpus"

// TestCorpusParityThroughCrawl serves the readability corpus as Chromium's
// truth file was taken (each page at /<name>, Content-Type text/html
// without a charset), crawls it, and compares every record with what
// Chromium saw.
func TestCorpusParityThroughCrawl(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "truth-readability.json"))
	if os.IsNotExist(err) {
		t.Skipf("corpus not present at %s; skipping", corpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Origin string `json:"origin"`
		Pages  map[string]struct {
			Button []string `json:"button"`
			Link   []string `json:"link"`
		} `json:"pages"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(corpusDir, "readability", filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(b)
	}))
	defer srv.Close()

	var urls []string
	for name := range truth.Pages {
		urls = append(urls, srv.URL+"/"+name)
	}
	c, err := New(Config{Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	m := results.NewMap()
	if err := c.Run(context.Background(), seedsOf(urls...), m); err != nil {
		t.Fatal(err)
	}
	// The truth was taken at another origin; links to the server's own
	// pages carry it.
	origin := func(s string) string { return strings.Replace(s, truth.Origin, srv.URL, 1) }
	exact := 0
	for name, want := range truth.Pages {
		rec, _ := m.Get(srv.URL + "/" + name)
		wantLinks := make([]string, len(want.Link))
		for i, l := range want.Link {
			wantLinks[i] = origin(l)
		}
		if rec.Error != "" {
			t.Errorf("%s: %s", name, rec.Error)
			continue
		}
		if slices.Equal(rec.Link, wantLinks) && slices.Equal(rec.Button, want.Button) {
			exact++
			continue
		}
		t.Errorf("%s: %s", name, firstDifference(rec.Link, wantLinks, rec.Button, want.Button))
	}
	t.Logf("%d/%d pages exactly as Chromium sees them", exact, len(truth.Pages))
}

// firstDifference describes where two pages' results part.
func firstDifference(gotLinks, wantLinks, gotButtons, wantButtons []string) string {
	for _, l := range []struct {
		what      string
		got, want []string
	}{{"link", gotLinks, wantLinks}, {"button", gotButtons, wantButtons}} {
		for i := 0; i < max(len(l.got), len(l.want)); i++ {
			var g, w string
			if i < len(l.got) {
				g = l.got[i]
			}
			if i < len(l.want) {
				w = l.want[i]
			}
			if g != w {
				return fmt.Sprintf("%ss differ at %d: got %q, want %q (%d vs %d)", l.what, i, g, w, len(l.got), len(l.want))
			}
		}
	}
	return "no difference"
}
