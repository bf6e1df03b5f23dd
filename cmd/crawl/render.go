package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/crawlkit/crawl/render"
)

// renderFlags adds the flags of --render to fs.
func renderFlags(fs *pflag.FlagSet, o *options) {
	fs.BoolVar(&o.render, "render", false, "render every HTML page in headless Chromium with its scripts on, and read buttons, links, fields and button details from the DOM they leave")
	fs.StringVar(&o.chromium, "chromium", "", "with --render: the Chromium to start (default: chromium on PATH; Debian's package chromium)")
	fs.IntVar(&o.renderTabs, "render-tabs", 0, "with --render: pages rendered at once, a tab each (default: 2 per CPU)")
	fs.DurationVar(&o.renderQuiet, "render-quiet", render.DefaultQuiet, "with --render: a page is done once its DOM has not changed for `D` after the load event")
	fs.DurationVar(&o.renderTimeout, "render-timeout", render.DefaultTimeout, "with --render: wait at most `D` for a page's DOM to settle; a page still changing is read then, and its record says \"render\": \"timeout\"")
}

// checkRender checks the flags of --render.
func (o *options) checkRender(fs *pflag.FlagSet) error {
	if !o.render {
		for _, name := range []string{"chromium", "render-tabs", "render-quiet", "render-timeout"} {
			if fs.Changed(name) {
				return usagef("--%s needs --render", name)
			}
		}
		return nil
	}
	switch {
	case o.renderTabs < 0:
		return usagef("--render-tabs %d: want at least 1", o.renderTabs)
	case o.renderQuiet <= 0:
		return usagef("--render-quiet %v: want a positive duration such as 500ms", o.renderQuiet)
	case o.renderTimeout < o.renderQuiet:
		return usagef("--render-timeout %v: want at least --render-quiet (%v)", o.renderTimeout, o.renderQuiet)
	}
	return nil
}

// startBrowser starts the browser of --render, or returns nil without it.
// No usable Chromium is a usage error.
func (o *options) startBrowser(ctx context.Context, logger *slog.Logger) (*render.Browser, error) {
	if !o.render {
		return nil, nil
	}
	b, err := render.Start(ctx, render.Options{Chromium: o.chromium, Tabs: o.renderTabs, Quiet: o.renderQuiet, Timeout: o.renderTimeout, Logger: logger})
	if errors.Is(err, render.ErrNoChromium) {
		return nil, usagef("--render: %v", err)
	}
	if err != nil {
		return nil, usagef("--render: %v (is --chromium a working Chromium?)", err)
	}
	return b, nil
}

// renderSummary is the line that says, after a run with --render, how
// the rendering went.
func renderSummary(t *tally, b *render.Browser, elapsed time.Duration) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("crawl: %d pages rendered (%.1f/s), %d timed out; %d tabs crashed or hung and were replaced",
		t.rendered, float64(t.rendered)/max(elapsed.Seconds(), 1e-9), t.renderTimeouts, b.Crashes())
}
