package render

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/crawlkit/crawl/crawler"
)

// startBrowser starts a browser for a test, skipping it where there is no
// Chromium (.ci/run installs Debian's).
func startBrowser(t *testing.T, opt Options) *Browser {
	t.Helper()
	if _, err := Find(""); err != nil {
		t.Skip(err)
	}
	b, err := Start(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// fixtureServer serves the pages of testdata/pages at /<name>, as text/html
// without a charset, and the JSON one of them fetches, as pages.mjs does.
func fixtureServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/data.json" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"links": ["/from-json-1", "/from-json-2"]}`)
			return
		}
		body, err := os.ReadFile(filepath.Join("testdata/pages", filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// document fetches u as crawl would, for Render; what the page asks of
// other origins fails, as offline.
func document(t *testing.T, u string) crawler.Document {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	origin := resp.Request.URL.Scheme + "://" + resp.Request.URL.Host
	return crawler.Document{URL: u, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body,
		Fetch: func(ctx context.Context, req *http.Request) (*http.Response, error) {
			if req.URL.Scheme+"://"+req.URL.Host != origin {
				return nil, fmt.Errorf("offline: %s", req.URL.Host)
			}
			return http.DefaultClient.Do(req.WithContext(ctx))
		}}
}

// TestRenderRecordedPages renders the fixture pages of testdata/pages,
// each a way scripts build, change or hide buttons and links, and compares
// them with what Chromium's DOM held (testdata/pages.json, recorded by
// testdata/pages.mjs with the same wait and walk).
func TestRenderRecordedPages(t *testing.T) {
	truth := readRecording(t, "testdata/pages.json")
	files, _ := filepath.Glob("testdata/pages/*.html")
	if len(files) != len(truth.Pages) {
		t.Fatalf("%d pages, %d recorded: rerun testdata/pages.mjs", len(files), len(truth.Pages))
	}
	b := startBrowser(t, Options{Tabs: 4, Quiet: time.Duration(truth.QuietMS) * time.Millisecond, Timeout: time.Duration(truth.TimeoutMS) * time.Millisecond})
	srv := fixtureServer(t)
	for name, want := range truth.Pages {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := b.Render(context.Background(), document(t, srv.URL+"/"+name))
			if err != nil {
				t.Fatal(err)
			}
			links := make([]string, len(want.Link))
			for i, l := range want.Link {
				links[i] = strings.Replace(l, truth.Origin, srv.URL, 1)
			}
			if !slices.Equal(got.Buttons, nonNil(want.Button)) || !slices.Equal(got.Links, links) || got.TimedOut != want.TimedOut {
				t.Errorf("got buttons %q links %q timed out %v\nChromium buttons %q links %q timed out %v", got.Buttons, got.Links, got.TimedOut, want.Button, links, want.TimedOut)
			}
		})
	}
}

// TestCloseLeavesNothing: after Close no process of the browser is left,
// and its profile directory is gone.
func TestCloseLeavesNothing(t *testing.T) {
	b := startBrowser(t, Options{Tabs: 1})
	dir := b.dir
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		b, _ := os.ReadFile(f)
		status, _ := os.ReadFile(filepath.Join(filepath.Dir(f), "status"))
		if strings.Contains(string(b), dir) && !strings.Contains(string(status), "State:\tZ") {
			t.Errorf("process left: %s", strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("profile directory %s left", dir)
	}
}

// crash crashes the renderer of a tab, as Chromium's own crash page does;
// the command gets no answer from the renderer it kills.
func crash(t *tab) {
	ctx, cancel := context.WithTimeout(t.ctx, time.Second)
	defer cancel()
	t.call(ctx, func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.Crash, cdp.Empty{})
		return err
	})
}

// TestRendererCrash: a tab whose renderer crashes is replaced and the page
// rendered again; when it crashes again, the error says so. The other
// pages go on.
func TestRendererCrash(t *testing.T) {
	b := startBrowser(t, Options{Tabs: 2, Quiet: 200 * time.Millisecond})
	srv := fixtureServer(t)
	var crashes atomic.Int64
	b.navigated = func(tb *tab) {
		if crashes.Add(1) == 1 {
			crash(tb)
		}
	}
	got, err := b.Render(context.Background(), document(t, srv.URL+"/sync.html"))
	if err != nil || !slices.Equal(got.Links, []string{srv.URL + "/added-sync"}) {
		t.Errorf("after one crash: %+v, %v", got, err)
	}
	if b.Crashes() != 1 {
		t.Errorf("%d crashes counted, want 1", b.Crashes())
	}
	b.navigated = crash
	if _, err := b.Render(context.Background(), document(t, srv.URL+"/sync.html")); err == nil || !strings.Contains(err.Error(), "crashed") {
		t.Errorf("crashing every time: error %v, want one naming the crash", err)
	}
	b.navigated = nil
	if got, err := b.Render(context.Background(), document(t, srv.URL+"/static.html")); err != nil || len(got.Links) != 2 {
		t.Errorf("after the crashes: %+v, %v", got, err)
	}
}

// TestCrashedRendererSharedByTabs crashes one tab's renderer while other
// pages render: the tabs share a renderer a CPU, so pages in other tabs
// die with it. Every page is rendered once more, and none is lost.
func TestCrashedRendererSharedByTabs(t *testing.T) {
	b := startBrowser(t, Options{Tabs: 4, Quiet: 300 * time.Millisecond})
	srv := fixtureServer(t)
	var navigations atomic.Int64
	b.navigated = func(tb *tab) {
		if navigations.Add(1) == 3 {
			crash(tb)
		}
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			got, err := b.Render(context.Background(), document(t, srv.URL+"/sync.html"))
			if err != nil || !slices.Equal(got.Links, []string{srv.URL + "/added-sync"}) {
				t.Errorf("page %d: %+v, %v", i, got, err)
			}
		})
	}
	wg.Wait()
	if b.Crashes() == 0 {
		t.Error("no crash counted")
	}
	t.Logf("%d tabs replaced after one renderer crashed", b.Crashes())
}

// browserPID returns the PID of b's browser process (not a renderer or a
// helper of it).
func browserPID(t *testing.T, b *Browser) int {
	t.Helper()
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		c, _ := os.ReadFile(f)
		// Only the browser itself talks CDP over the pipe.
		if strings.Contains(string(c), b.dir) && strings.Contains(string(c), "--remote-debugging-pipe") && !strings.Contains(string(c), "--type=") {
			var pid int
			fmt.Sscanf(filepath.Base(filepath.Dir(f)), "%d", &pid)
			return pid
		}
	}
	t.Fatal("no browser process found")
	return 0
}

// TestBrowserDeathAndHang kills the browser process, or stops it (SIGSTOP)
// as a hung one would be: the page being rendered gives up on it (at once,
// or when its CDP steps time out), a new browser takes its place, and that
// page and the ones after it render.
func TestBrowserDeathAndHang(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGSTOP} {
		t.Run(sig.String(), func(t *testing.T) {
			b := startBrowser(t, Options{Tabs: 2, Quiet: 200 * time.Millisecond, stepTimeout: 2 * time.Second})
			srv := fixtureServer(t)
			if _, err := b.Render(context.Background(), document(t, srv.URL+"/static.html")); err != nil {
				t.Fatal(err)
			}
			pid := browserPID(t, b)
			if err := syscall.Kill(pid, sig); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			for i := range 3 {
				got, err := b.Render(context.Background(), document(t, srv.URL+"/sync.html"))
				if err != nil || !slices.Equal(got.Links, []string{srv.URL + "/added-sync"}) {
					t.Errorf("page %d after %v: %+v, %v", i, sig, got, err)
				}
			}
			if b.Crashes() == 0 {
				t.Errorf("%v of the browser was not counted", sig)
			}
		})
	}
}
