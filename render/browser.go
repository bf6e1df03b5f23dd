// Package render renders pages in one headless Chromium (Debian's chromium,
// driven over CDP with chromedp) and reads the buttons and links of the DOM
// their scripts leave. It implements crawler.Renderer; cmd/crawl wires it
// in. It never fetches a document itself: crawl's fetcher does, and hands
// it over, and the browser's own requests (scripts, XHR) go through the
// fetch function the crawler gives, with its proxy and its private-address
// guard.
//
// No Chromium outlives the run: the browser is killed with the process
// that started it (Pdeathsig), and a small reaper, a shell that waits on a
// pipe from this process, kills what is left of it and removes its profile
// directory once this process is gone, however it ended.
package render

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

// Options say which browser to start and how to render with it.
type Options struct {
	// Chromium is the browser's executable. Default: chromium, or
	// chromium-browser, found on PATH.
	Chromium string
	// Tabs is how many pages render at once, each in a tab of its own;
	// the tabs share one renderer process a CPU. Default: 2 per CPU.
	Tabs int
	// Quiet is how long the DOM must go without a change (an element
	// added or removed, an href or id changed) after the load event for
	// the page to be done. Default 500ms.
	Quiet time.Duration
	// Timeout caps the wait for a page to be done; a page still changing
	// then is read as it is, and said to have timed out. Default 10s.
	Timeout time.Duration
	// Logger gets the browser's troubles at Warn. Default: discard.
	Logger *slog.Logger

	stepTimeout time.Duration // the package's stepTimeout, but for tests
}

// Defaults for the zero values of Options.
const (
	DefaultQuiet   = 500 * time.Millisecond
	DefaultTimeout = 10 * time.Second
	// recycleAfter is how many pages a tab renders before it is closed and
	// replaced, so that what a page leaves behind does not pile up.
	recycleAfter = 100
	// stepTimeout bounds each CDP step that is not a wait for the page,
	// opening a tab included: a browser that hangs is found out, not
	// waited on.
	stepTimeout = 15 * time.Second
)

// ErrNoChromium is wrapped by Find's error.
var ErrNoChromium = errors.New("no usable Chromium")

// Find returns the path of the browser to start: path itself when it is
// set, else chromium or chromium-browser on PATH.
func Find(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("%w: --chromium %s: %v (Debian's is the package chromium: apt-get install -y chromium)", ErrNoChromium, path, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w on PATH: install Debian's chromium (apt-get install -y chromium), or name it with --chromium PATH", ErrNoChromium)
}

// Browser is one running Chromium and its tabs. Its methods are safe for
// concurrent use.
type Browser struct {
	opt     Options
	log     *slog.Logger
	dir     string             // the profile directory
	cancel  context.CancelFunc // ends the browser (its allocator)
	browser context.Context    // the browser's first, blank tab
	reaper  *exec.Cmd
	pipe    *os.File // the reaper's stdin: closing it, or exiting, sets it off
	tabs    chan *tab
	path    string // the executable
	tmp     string // Chromium's TMPDIR, in dir

	relaunching sync.Mutex     // one relaunch at a time
	opening     sync.WaitGroup // the tabs opened after Start

	mu      sync.Mutex // guards what follows, and cancel and browser
	gen     int        // which browser this is, from 1
	crashes int
	closed  bool

	// navigated, when set, is called with each tab once its page is
	// navigated to: the tests crash tabs there.
	navigated func(*tab)
}

// Start starts the browser and opens its tabs. The context bounds the
// start only; Close ends the browser.
func Start(ctx context.Context, opt Options) (*Browser, error) {
	path, err := Find(opt.Chromium)
	if err != nil {
		return nil, err
	}
	if opt.Tabs <= 0 {
		opt.Tabs = 2 * runtime.NumCPU()
	}
	if opt.Quiet <= 0 {
		opt.Quiet = DefaultQuiet
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.stepTimeout <= 0 {
		opt.stepTimeout = stepTimeout
	}
	b := &Browser{opt: opt, log: opt.Logger, tabs: make(chan *tab, opt.Tabs)}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.dir, err = os.MkdirTemp("", "crawl-chromium-*"); err != nil {
		return nil, fmt.Errorf("render: profile directory: %w", err)
	}
	// Chromium's own temporary files (its singleton socket, shared
	// memory) go inside the profile too, so that the reaper removes them.
	tmp := filepath.Join(b.dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		os.RemoveAll(b.dir)
		return nil, fmt.Errorf("render: profile directory: %w", err)
	}
	if err := b.startReaper(); err != nil {
		os.RemoveAll(b.dir)
		return nil, err
	}
	b.path, b.tmp = path, tmp
	if err := b.launch(ctx); err != nil {
		b.Close()
		return nil, err
	}
	// One tab before Start returns, to know the browser works; the others
	// open while the first pages render (each takes ~0.2 s here).
	t, err := b.newTab()
	if err != nil {
		b.Close()
		return nil, err
	}
	b.tabs <- t
	b.opening.Go(func() {
		for range opt.Tabs - 1 {
			t, err := b.newTab()
			if err != nil {
				if !b.isClosed() {
					b.log.Warn("render: a tab did not open; fewer pages render at once", "error", err)
				}
				return
			}
			b.tabs <- t
		}
	})
	return b, nil
}

// launch starts a Chromium, with a profile of its own under the
// directory the reaper removes, and makes it the browser new tabs open in.
func (b *Browser) launch(ctx context.Context) error {
	b.mu.Lock()
	b.gen++
	profile := filepath.Join(b.dir, fmt.Sprintf("profile-%d", b.gen))
	b.mu.Unlock()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.path),
		chromedp.UserDataDir(profile),
		chromedp.Env("TMPDIR="+b.tmp),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("blink-settings", "imagesEnabled=false"),
		// Memory: the compositor and the network service in the browser
		// process (chromedp's default names the feature by its old name;
		// it is NetworkServiceInProcess2 now), no process per site, and
		// one renderer a CPU: a renderer runs one page's scripts at a
		// time, so more of them than CPUs buy no speed, only memory.
		chromedp.Flag("in-process-gpu", true),
		chromedp.Flag("enable-features", "NetworkService,NetworkServiceInProcess2"),
		chromedp.Flag("renderer-process-limit", strconv.Itoa(min(b.opt.Tabs, runtime.NumCPU()))),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,site-per-process,IsolateOrigins,OptimizationHints,MediaRouter,DialMediaRouteProvider,BackForwardCache"),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Killed with this process, whatever ends it.
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		}),
	)...)
	browser, _ := chromedp.NewContext(alloc)
	start, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	stop := context.AfterFunc(start, func() {
		if start.Err() == context.DeadlineExceeded {
			cancelAlloc()
		}
	})
	defer stop()
	if _, err := chromedp.Run(browser, chromedp.Evaluate[int]("1")); err != nil {
		cancelAlloc()
		return fmt.Errorf("render: start %s: %w", b.path, err)
	}
	b.mu.Lock()
	old := b.cancel
	b.cancel, b.browser = cancelAlloc, browser
	b.mu.Unlock()
	if old != nil {
		old() // the browser this one replaces, dead or hung
	}
	return nil
}

// relaunch replaces the browser of generation gen with a new one, unless
// that was done already (several tabs find a dead browser at once).
func (b *Browser) relaunch(gen int) error {
	b.relaunching.Lock()
	defer b.relaunching.Unlock()
	b.mu.Lock()
	current, closed := b.gen, b.closed
	b.mu.Unlock()
	if closed || current != gen {
		return nil
	}
	b.log.Warn("render: the browser stopped answering; starting a new one")
	b.crashed()
	return b.launch(context.Background())
}

// startReaper starts the shell that cleans up after the browser once this
// process is gone: it waits for its stdin, a pipe only this process
// writes, to close, which happens when this process exits however it
// exits (SIGKILL included), then kills every process still using the
// profile directory and removes it. It runs in a process group of its own,
// so that a Ctrl-C at a terminal does not end it first.
func (b *Browser) startReaper() error {
	// One grep a pass lists the processes whose command line names the
	// directory (the shell itself among them, and grep, gone by then);
	// passes go on while one finds something to kill.
	const script = `read _
for pass in 1 2 3 4 5 6 7 8 9 10; do
  left=
  for f in $(grep -laF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    [ "$pid" = "$$" ] && continue
    kill -9 "$pid" 2>/dev/null && left=1
  done
  [ -z "$left" ] && break
  sleep 0.1
done
rm -rf -- "$1"`
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("render: reaper: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", script, "crawl-chromium-reaper", b.dir)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("render: reaper: %w", err)
	}
	r.Close()
	b.reaper, b.pipe = cmd, w
	return nil
}

// Close ends the browser and removes its profile; it waits until no
// process of it is left.
func (b *Browser) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	cancel := b.cancel
	b.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	b.opening.Wait()
	b.pipe.Close()
	return b.reaper.Wait()
}

func (b *Browser) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Crashes counts the tabs and browsers that crashed and were replaced.
func (b *Browser) Crashes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.crashes
}

func (b *Browser) crashed() {
	b.mu.Lock()
	b.crashes++
	b.mu.Unlock()
}
