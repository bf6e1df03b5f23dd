package main

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/crawlkit/crawl/internal/fixtureserver"
	"github.com/crawlkit/crawl/results"
)

// Scenario H: crawl --render against katana's headless mode, on one site
// of pages built by React (fixtureserver.ScriptedSite), each program at
// the settings of the issue: crawl's default tabs (2 per CPU), katana
// -headless -system-chrome -d 1 -c 10. Both render the list of pages once
// each with Debian's chromium; crawl's records are checked against what
// each page's DOM holds. The memory is the peak of the PSS summed over the
// program's whole process tree, the browser's included.
const (
	renderPages   = 60
	katanaVersion = "v1.2.2"
	reactVersion  = "18.3.1"
)

// renderRun is one program's run of scenario H.
type renderRun struct {
	launchResult
	requests int    // page requests the site saw
	found    string // crawl: pages exact; katana: links reported
}

func (r renderRun) pagesPerSec() float64 { return renderPages / r.Wall.Seconds() }
func (r renderRun) pssMB() float64       { return float64(r.PeakPSS) / 1024 }

// runRender runs scenario H and prints its rows.
func runRender(l *launcher, crawlBin, dir string, runs int) error {
	react, err := installReact(dir)
	if err != nil {
		return fmt.Errorf("react from npm: %v", err)
	}
	katana, err := buildKatana(dir)
	if err != nil {
		return fmt.Errorf("katana %s from the module proxy: %v", katanaVersion, err)
	}
	res := map[string][]renderRun{}
	for range runs {
		for _, name := range []string{"crawl", "katana"} {
			r, err := renderOnce(l, name, crawlBin, katana, react, dir, 0)
			if err != nil {
				return err
			}
			res[name] = append(res[name], r)
		}
	}
	median := map[string]renderRun{}
	for name, rs := range res {
		slices.SortFunc(rs, func(a, b renderRun) int { return cmp.Compare(a.Wall, b.Wall) })
		median[name] = rs[len(rs)/2]
	}
	c, k := median["crawl"], median["katana"]
	fmt.Printf("\n| scenario | program | pages/s | wall s | CPU s (tree) | pages per CPU-second | peak PSS MB (tree) | processes | left running | page requests | result | pages/s vs katana | PSS vs katana |\n")
	fmt.Printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n")
	for _, name := range []string{"crawl", "katana"} {
		r := median[name]
		ratios := "– | –"
		if name == "crawl" {
			ratios = fmt.Sprintf("%.2f× | %.2f×", c.pagesPerSec()/k.pagesPerSec(), c.pssMB()/k.pssMB())
		}
		fmt.Printf("| H | %s | %.2f | %.1f | %.1f | %.1f | %.0f | %d | %d | %d | %s | %s |\n", name, r.pagesPerSec(), r.Wall.Seconds(), r.TreeCPU.Seconds(),
			renderPages/r.TreeCPU.Seconds(), r.pssMB(), r.Processes, r.Left, r.requests, r.found, ratios)
	}
	fmt.Printf("| | *%d React %s pages on 127.0.0.1; crawl --render (default tabs); katana %s -headless -system-chrome -d 1 -c 10; median of %d runs* |||||||||||\n",
		renderPages, reactVersion, katanaVersion, runs)
	return renderPerTab(l, crawlBin, react, dir, c)
}

// renderPerTab runs crawl with one tab and prints what each tab past the
// first costs, from the default run's peak. (More tabs than two a CPU
// overload the machine: see the README.)
func renderPerTab(l *launcher, crawlBin, react, dir string, def renderRun) error {
	one, err := renderOnce(l, "crawl", crawlBin, "", react, dir, 1)
	if err != nil {
		return err
	}
	tabs := 2 * runtime.NumCPU()
	fmt.Printf("\nH: crawl --render-tabs 1: %.2f pages/s, %.0f MB of PSS; %d tabs (the default): %.2f pages/s, %.0f MB: %.1f MB a tab past the first; %.2f pages/s a CPU\n",
		one.pagesPerSec(), one.pssMB(), tabs, def.pagesPerSec(), def.pssMB(), (def.pssMB()-one.pssMB())/float64(tabs-1), def.pagesPerSec()/float64(runtime.NumCPU()))
	return nil
}

// renderOnce runs one program over a fresh site; tabs > 0 sets crawl's
// --render-tabs.
func renderOnce(l *launcher, name, crawlBin, katanaBin, react, dir string, tabs int) (renderRun, error) {
	site, err := fixtureserver.StartScriptedSite(renderPages, fixtureserver.ScriptedOptions{React: react})
	if err != nil {
		return renderRun{}, err
	}
	defer site.Close()
	list := filepath.Join(dir, "render-urls.txt")
	var b strings.Builder
	for i := range renderPages {
		fmt.Fprintln(&b, site.URL(i))
	}
	if err := os.WriteFile(list, []byte(b.String()), 0o644); err != nil {
		return renderRun{}, err
	}
	out := filepath.Join(dir, "render-out-"+name)
	args := []string{katanaBin, "-headless", "-system-chrome", "-d", "1", "-c", "10", "-list", list, "-silent", "-o", out}
	if name == "crawl" {
		args = []string{crawlBin, "--render", "-q", "-f", "jsonl", "-i", list, "-o", out}
		if tabs > 0 {
			args = append(args, "--render-tabs", fmt.Sprint(tabs))
		}
	}
	req := launchRequest{Args: args, Tree: true}
	res, err := l.runRequest(req)
	if err != nil {
		return renderRun{}, fmt.Errorf("%s: %v", name, err)
	}
	if tabs > 0 {
		name = fmt.Sprintf("%s --render-tabs %d", name, tabs)
	}
	if res.Exit != 0 {
		return renderRun{}, fmt.Errorf("%s: exit %d\n%s", name, res.Exit, res.Stderr)
	}
	r := renderRun{launchResult: res}
	for i := range renderPages {
		r.requests += site.Hits(i)
	}
	if name == "crawl" {
		var exact int
		exact, err = checkRendered(site, out)
		r.found = fmt.Sprintf("%d/%d pages exact", exact, renderPages)
	} else {
		r.found, err = katanaFound(site, out)
	}
	if err != nil {
		err = fmt.Errorf("%s: %v", name, err)
	}
	return r, err
}

// checkRendered counts the records of out equal to what their page's DOM
// holds.
func checkRendered(site *fixtureserver.ScriptedSite, out string) (int, error) {
	f, err := os.Open(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	recs := map[string]results.Record{}
	if _, err := results.ReadJSONL(f, func(r results.Record) { recs[r.URL] = r }); err != nil {
		return 0, err
	}
	exact := 0
	var first error
	for i := range renderPages {
		want, wantLinks := site.Want(i)
		rec, ok := recs[site.URL(i)]
		if ok && rec.Rendered && slices.Equal(rec.Button, want) && slices.Equal(rec.Link, wantLinks) {
			exact++
		} else if first == nil {
			first = fmt.Errorf("%s: rendered %v, render %q, error %q, buttons %q, %d links; want %q, %d links",
				site.URL(i), rec.Rendered, rec.Render, rec.Error, rec.Button, len(rec.Link), want, len(wantLinks))
		}
	}
	if exact != renderPages {
		return exact, fmt.Errorf("%d of %d pages exact; the first that is not: %v", exact, renderPages, first)
	}
	return exact, nil
}

// katanaFound says how many of the links the pages' DOMs hold katana
// reported (its output is the URLs it found, one a line, all pages
// together), and how many of those only the pages' scripts make.
func katanaFound(site *fixtureserver.ScriptedSite, out string) (string, error) {
	f, err := os.Open(out)
	if err != nil {
		return "", err
	}
	defer f.Close()
	got := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		got[strings.TrimSpace(sc.Text())] = true
	}
	want := map[string]bool{}
	for i := range renderPages {
		_, links := site.Want(i)
		for _, u := range links {
			want[u] = true
		}
	}
	found := 0
	for u := range want {
		if got[u] {
			found++
		}
	}
	return fmt.Sprintf("%d of the %d distinct links found", found, len(want)), sc.Err()
}

// installReact installs React's UMD builds from npm into dir and returns
// the directory that holds them.
func installReact(dir string) (string, error) {
	prefix := filepath.Join(dir, "npm")
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", prefix, "react@"+reactVersion, "react-dom@"+reactVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	umd := filepath.Join(dir, "react-umd")
	if err := os.MkdirAll(umd, 0o755); err != nil {
		return "", err
	}
	for _, p := range []string{"react/umd/react.production.min.js", "react-dom/umd/react-dom.production.min.js"} {
		b, err := os.ReadFile(filepath.Join(prefix, "node_modules", p))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(umd, filepath.Base(p)), b, 0o644); err != nil {
			return "", err
		}
	}
	return umd, nil
}

// buildKatana builds katana from the module proxy, as a dependency of a
// throwaway module: nothing of it is in this repository.
func buildKatana(dir string) (string, error) {
	mod := filepath.Join(dir, "katana-mod")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "katana")
	files := map[string]string{
		"go.mod":   "module katanabench\n\ngo 1.24\n",
		"tools.go": "//go:build tools\n\npackage tools\n\nimport _ \"github.com/projectdiscovery/katana/cmd/katana\"\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(body), 0o644); err != nil {
			return "", err
		}
	}
	for _, step := range [][]string{
		{"go", "get", "github.com/projectdiscovery/katana/cmd/katana@" + katanaVersion},
		{"go", "build", "-o", bin, "github.com/projectdiscovery/katana/cmd/katana"},
	} {
		cmd := exec.Command(step[0], step[1:]...)
		cmd.Dir = mod
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(step, " "), err, out)
		}
	}
	return bin, nil
}
