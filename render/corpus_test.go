package render

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crawlkit/crawl/crawler"
)

// corpusDir holds real pages and what Chromium sees in them with scripts
// off (see ../shared/corpus/readability/SOURCE.md); the tests that need it
// skip when it is absent.
const corpusDir = "../../shared/corpus"

// TestCorpusWithoutScripts renders the readability pages that have no
// <script>: a page without scripts rendered is exactly the page as served,
// which truth-readability.json records (Chromium, scripts off).
func TestCorpusWithoutScripts(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "truth-readability.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no corpus at %s", corpusDir)
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
	b := startBrowser(t, Options{Tabs: 6, Quiet: 200 * time.Millisecond})
	// Nothing is served: the documents are handed over, and what they ask
	// for (stylesheets) fails, as it would offline.
	noNetwork := func(context.Context, *http.Request) (*http.Response, error) {
		return nil, errors.New("offline")
	}
	var names []string
	for name := range truth.Pages {
		data, err := os.ReadFile(filepath.Join(corpusDir, "readability", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(bytes.ToLower(data), []byte("<script")) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		t.Fatal("no corpus page without a script")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	exact := 0
	for _, name := range names {
		data, _ := os.ReadFile(filepath.Join(corpusDir, "readability", name))
		want := truth.Pages[name]
		wg.Go(func() {
			got, err := b.Render(context.Background(), crawler.Document{URL: truth.Origin + "/" + name, Status: 200, ContentType: "text/html", Body: data, Fetch: noNetwork})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("%s: %v", name, err)
			case !slices.Equal(got.Buttons, nonNil(want.Button)) || !slices.Equal(got.Links, nonNil(want.Link)):
				t.Errorf("%s: rendered %d buttons and %d links, served %d and %d", name, len(got.Buttons), len(got.Links), len(want.Button), len(want.Link))
			default:
				exact++
			}
		})
	}
	wg.Wait()
	t.Logf("%d/%d pages without scripts rendered exactly as served", exact, len(names))
}

// TestCorpusWithScripts renders the readability pages that have scripts,
// their external scripts failing as they do offline, and compares them
// with what Chromium's DOM held (testdata/corpus-scripts.json, recorded by
// testdata/corpus.mjs with the same wait and the same walk).
func TestCorpusWithScripts(t *testing.T) {
	raw, err := os.ReadFile("testdata/corpus-scripts.json")
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Origin string `json:"origin"`
		Pages  map[string]struct {
			Button   []string `json:"button"`
			Link     []string `json:"link"`
			TimedOut bool     `json:"timed_out"`
		} `json:"pages"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(corpusDir, "readability")); err != nil {
		t.Skipf("no corpus at %s", corpusDir)
	}
	b := startBrowser(t, Options{Tabs: 6}) // waiting for quiet costs no CPU
	noNetwork := func(context.Context, *http.Request) (*http.Response, error) {
		return nil, errors.New("offline")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	exact := 0
	for name, want := range truth.Pages {
		data, err := os.ReadFile(filepath.Join(corpusDir, "readability", name))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			got, err := b.Render(context.Background(), crawler.Document{URL: truth.Origin + "/" + name, Status: 200, ContentType: "text/html", Body: data, Fetch: noNetwork})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("%s: %v", name, err)
			case !slices.Equal(got.Buttons, nonNil(want.Button)) || !slices.Equal(got.Links, nonNil(want.Link)) || got.TimedOut != want.TimedOut:
				t.Errorf("%s: %d buttons, %d links, timed out %v; Chromium's DOM held %d, %d, %v", name, len(got.Buttons), len(got.Links), got.TimedOut, len(want.Button), len(want.Link), want.TimedOut)
			default:
				exact++
			}
		})
	}
	wg.Wait()
	t.Logf("%d/%d pages with scripts rendered as Chromium's DOM held them", exact, len(truth.Pages))
}
