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
	"sync/atomic"
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

// pages are script-built fixture pages, by path.
var pages = map[string]string{
	"/sync":      `<p>x<script>document.body.insertAdjacentHTML('beforeend', '<a href="/added-sync">s</a><button id="sync-button">b</button>')</script>`,
	"/microtask": `<p>x<script>Promise.resolve().then(() => document.body.insertAdjacentHTML('beforeend', '<a href="micro">m</a>'))</script>`,
	"/timeout":   `<a href="/static">static</a><script>setTimeout(() => { document.body.insertAdjacentHTML('beforeend', '<button id="late">l</button>'); document.querySelector('a').remove(); }, 200)</script>`,
	"/fetch":     `<script>fetch('/data.json').then(r => r.json()).then(d => { for (const u of d.links) { const a = document.createElement('a'); a.href = u; document.body.append(a) } })</script>`,
	"/shadow": `<div id="host"><a href="/light">light</a></div><div id="closed"></div><script>
const root = document.getElementById('host').attachShadow({mode: 'open'});
root.innerHTML = '<a href="/in-shadow">s</a><button id="shadow-button">b</button><slot></slot>';
document.getElementById('closed').attachShadow({mode: 'closed'}).innerHTML = '<a href="/closed">c</a>';
</script>`,
	"/base":     `<p>x<script>const b = document.createElement('base'); b.href = 'http://other.example/dir/'; document.head.append(b); document.body.insertAdjacentHTML('beforeend', '<a href="rel">r</a>')</script>`,
	"/forever":  `<script>let n = 0; setInterval(() => { const a = document.createElement('a'); a.href = '/n' + (n++ % 3); document.body.append(a); }, 40)</script>`,
	"/throws":   `<a href="/before-throw">b</a><script>throw new Error('boom')</script><script>document.body.insertAdjacentHTML('beforeend', '<a href="/after-throw">a</a>')</script>`,
	"/noscript": `<noscript><a href="/in-noscript">n</a></noscript><a href="/plain">p</a>`,
	"/alert":    `<p>x<script>alert('hi'); confirm('sure?') || document.body.insertAdjacentHTML('beforeend', '<a href="/after-dialogs">a</a>')</script>`,
	"/static":   `<a href="/one">1</a><a href="/one">1</a><button id="x">x</button><svg><a href="/svg"></a></svg>`,
}

func fixtureServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/data.json" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"links": ["/from-json-1", "/from-json-2"]}`)
			return
		}
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// document fetches u as crawl would, for Render.
func document(t *testing.T, u string) crawler.Document {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return crawler.Document{URL: u, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body,
		Fetch: func(ctx context.Context, req *http.Request) (*http.Response, error) {
			return http.DefaultClient.Do(req.WithContext(ctx))
		}}
}

func TestRenderScriptBuiltPages(t *testing.T) {
	b := startBrowser(t, Options{Tabs: 2, Quiet: 300 * time.Millisecond, Timeout: 1500 * time.Millisecond})
	srv := fixtureServer(t)
	u := srv.URL
	tests := []struct {
		path           string
		buttons, links []string
		timedOut       bool
	}{
		{"/sync", []string{"sync-button"}, []string{u + "/added-sync"}, false},
		{"/microtask", nil, []string{u + "/micro"}, false},
		{"/timeout", []string{"late"}, nil, false},
		{"/fetch", nil, []string{u + "/from-json-1", u + "/from-json-2"}, false},
		{"/shadow", []string{"shadow-button"}, []string{u + "/in-shadow", u + "/light"}, false},
		{"/base", nil, []string{"http://other.example/dir/rel"}, false},
		{"/forever", nil, []string{u + "/n0", u + "/n1", u + "/n2"}, true},
		{"/throws", nil, []string{u + "/before-throw", u + "/after-throw"}, false},
		{"/noscript", nil, []string{u + "/plain"}, false},
		{"/static", []string{"x"}, []string{u + "/one", u + "/svg"}, false},
		{"/alert", nil, []string{u + "/after-dialogs"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := b.Render(context.Background(), document(t, u+tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Buttons, nonNil(tt.buttons)) || !slices.Equal(got.Links, nonNil(tt.links)) || got.TimedOut != tt.timedOut {
				t.Errorf("got buttons %q links %q timed out %v\nwant buttons %q links %q timed out %v", got.Buttons, got.Links, got.TimedOut, tt.buttons, tt.links, tt.timedOut)
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
	got, err := b.Render(context.Background(), document(t, srv.URL+"/sync"))
	if err != nil || !slices.Equal(got.Links, []string{srv.URL + "/added-sync"}) {
		t.Errorf("after one crash: %+v, %v", got, err)
	}
	if b.Crashes() != 1 {
		t.Errorf("%d crashes counted, want 1", b.Crashes())
	}
	b.navigated = crash
	if _, err := b.Render(context.Background(), document(t, srv.URL+"/sync")); err == nil || !strings.Contains(err.Error(), "crashed") {
		t.Errorf("crashing every time: error %v, want one naming the crash", err)
	}
	b.navigated = nil
	if got, err := b.Render(context.Background(), document(t, srv.URL+"/static")); err != nil || len(got.Links) != 2 {
		t.Errorf("after the crashes: %+v, %v", got, err)
	}
}
