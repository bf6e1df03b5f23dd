package render

import (
	"bytes"
	"cmp"
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

// recording is what a truth file says of the pages it recorded: the origin
// they were served at and, by name, what the DOM held.
type recording struct {
	Origin string `json:"origin"`
	// The wait the pages were recorded with, when not the default.
	QuietMS   int `json:"quiet_ms"`
	TimeoutMS int `json:"timeout_ms"`
	Pages     map[string]struct {
		Button   []string `json:"button"`
		Link     []string `json:"link"`
		TimedOut bool     `json:"timed_out"`
	} `json:"pages"`
}

func readRecording(t *testing.T, path string) *recording {
	t.Helper()
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no %s", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var r recording
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// renderCorpus renders the corpus pages named, handed over as served at
// the recording's origin with nothing else reachable (as offline), and
// compares each with the recording; it returns how many matched.
//
// A page that was still changing at the cap when recorded is rendered with
// that same cap, so that both read its DOM at the same moment. A page that
// settled when recorded (one page at a time) is given three times the cap:
// on a busy machine (CI tests packages at once) its scripts run slower, and
// it must still settle to the recorded DOM, not be read mid-change. One
// that is still changing even then is not compared; such pages must stay
// few.
func renderCorpus(t *testing.T, opt Options, rec *recording, names []string) int {
	t.Helper()
	var capped, settled []string
	for _, name := range names {
		if rec.Pages[name].TimedOut {
			capped = append(capped, name)
		} else {
			settled = append(settled, name)
		}
	}
	exact := 0
	if len(capped) > 0 {
		b := startBrowser(t, opt)
		exact += renderPages(t, b, rec, capped, nil)
		b.Close()
	}
	patient := opt
	patient.Timeout = 3 * cmp.Or(opt.Timeout, DefaultTimeout)
	var late []string
	exact += renderPages(t, startBrowser(t, patient), rec, settled, &late)
	if len(late) > 0 {
		t.Logf("still changing at %v here, settled when recorded, not compared: %q", patient.Timeout, late)
	}
	if len(late) > len(names)/10 {
		t.Errorf("%d of %d pages timed out here and not when recorded; want at most a tenth", len(late), len(names))
	}
	return exact
}

// renderPages renders the pages named at once and compares each with the
// recording; a page that times out where the recording did not is added
// to late.
func renderPages(t *testing.T, b *Browser, rec *recording, names []string, late *[]string) int {
	t.Helper()
	offline := func(context.Context, *http.Request) (*http.Response, error) { return nil, errors.New("offline") }
	var wg sync.WaitGroup
	var mu sync.Mutex
	exact := 0
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(corpusDir, "readability", name))
		if err != nil {
			t.Fatal(err)
		}
		want := rec.Pages[name]
		wg.Go(func() {
			got, err := b.Render(context.Background(), crawler.Document{URL: rec.Origin + "/" + name, Status: 200, ContentType: "text/html", Body: data, Fetch: offline})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("%s: %v", name, err)
			case got.TimedOut && !want.TimedOut:
				*late = append(*late, name)
			case !slices.Equal(got.Buttons, nonNil(want.Button)) || !slices.Equal(got.Links, nonNil(want.Link)):
				t.Errorf("%s: %d buttons, %d links, timed out %v; Chromium's DOM held %d, %d, %v", name, len(got.Buttons), len(got.Links), got.TimedOut, len(want.Button), len(want.Link), want.TimedOut)
			default:
				exact++
			}
		})
	}
	wg.Wait()
	return exact
}

// TestCorpusWithoutScripts renders the readability pages that have no
// <script>: a page without scripts rendered is exactly the page as served,
// which truth-readability.json records (Chromium, scripts off).
func TestCorpusWithoutScripts(t *testing.T) {
	rec := readRecording(t, filepath.Join(corpusDir, "truth-readability.json"))
	var names []string
	for name := range rec.Pages {
		data, err := os.ReadFile(filepath.Join(corpusDir, "readability", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(bytes.ToLower(data), []byte("<script")) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		t.Fatal("no corpus page without a script")
	}
	exact := renderCorpus(t, Options{Tabs: 6, Quiet: 200 * time.Millisecond}, rec, names) // waiting for quiet costs no CPU
	t.Logf("%d/%d pages without scripts rendered exactly as served", exact, len(names))
}

// TestCorpusWithScripts renders the readability pages that have scripts,
// their external scripts failing as they do offline, and compares them
// with what Chromium's DOM held (testdata/corpus-scripts.json, recorded by
// testdata/corpus.mjs with the same wait and the same walk).
func TestCorpusWithScripts(t *testing.T) {
	if _, err := os.Stat(filepath.Join(corpusDir, "readability")); err != nil {
		t.Skipf("no corpus at %s", corpusDir)
	}
	rec := readRecording(t, "testdata/corpus-scripts.json")
	var names []string
	for name := range rec.Pages {
		names = append(names, name)
	}
	exact := renderCorpus(t, Options{Tabs: 6}, rec, names)
	t.Logf("%d/%d pages with scripts rendered as Chromium's DOM held them", exact, len(names))
}
