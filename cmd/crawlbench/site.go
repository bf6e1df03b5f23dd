package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/crawlkit/crawl/internal/fixtureserver"
)

// siteScenario is a recursive crawl of a generated site from its first
// page, by crawl and by colly written as its users write a recursive crawl.
type siteScenario struct {
	name, about  string
	pages, links int
	depth        int
	maxPages     int // crawl --max-pages, colly MaxRequests; 0 for none
	concurrency  int
}

var siteScenarios = []siteScenario{
	{name: "R", about: "20 000-page site, 10 links a page, depth 7, -c 64", pages: 20000, links: 10, depth: 7, concurrency: 64},
	{name: "M", about: "5 000 000-page site, 20 links a page, --max-pages 30000 (colly: MaxRequests), -c 64", pages: 5000000, links: 20, depth: 1000, maxPages: 30000, concurrency: 64},
}

// siteRun is one program's recursive crawl.
type siteRun struct {
	measurement
	distinct, requests int // pages the server saw requested, and requests
}

// runSiteScenario runs crawl and colly over a fresh site each run and
// prints their rows: distinct pages fetched per second, requests made
// (a page fetched twice shows here), CPU and peak RSS.
func runSiteScenario(l *launcher, sc siteScenario, bins map[string]string, dir string, runs int) error {
	res := map[string][]siteRun{}
	for range runs {
		for _, name := range []string{"crawl", "colly"} {
			r, err := runSiteOnce(l, name, bins, sc, dir)
			if err != nil {
				return err
			}
			res[name] = append(res[name], r)
		}
	}
	median := map[string]siteRun{}
	for name, rs := range res {
		slices.SortFunc(rs, func(a, b siteRun) int { return cmp.Compare(a.wall, b.wall) })
		median[name] = rs[len(rs)/2]
	}
	c, o := median["crawl"], median["colly"]
	rate := func(r siteRun) float64 { return float64(r.distinct) / r.wall.Seconds() }
	for _, name := range []string{"crawl", "colly"} {
		r := median[name]
		var ratios string
		if name == "crawl" {
			ratios = fmt.Sprintf("%.2f× | %.2f×", rate(c)/rate(o), c.rssMB/o.rssMB)
		} else {
			ratios = "– | –"
		}
		fmt.Printf("| %s | %s | %.0f | %d | %d | %d | %.2f | %.0f | %s |\n", sc.name, name, rate(r), r.distinct, r.requests, r.ok+r.fail, r.cpu.Seconds(), r.rssMB, ratios)
	}
	var reqs []string
	for _, r := range res["colly"] {
		reqs = append(reqs, fmt.Sprint(r.requests))
	}
	fmt.Printf("| | *%s; colly's requests over the runs: %v* | | | | | | | |\n", sc.about, reqs)
	return nil
}

func runSiteOnce(l *launcher, name string, bins map[string]string, sc siteScenario, dir string) (siteRun, error) {
	site, err := fixtureserver.StartSite(sc.pages, sc.links, 0)
	if err != nil {
		return siteRun{}, err
	}
	defer site.Close()
	out := filepath.Join(dir, "out-site-"+name)
	c := fmt.Sprint(sc.concurrency)
	var args []string
	if name == "crawl" {
		args = []string{bins["crawl"], "-q", "-o", out, "-c", c, "--per-host", c, "-d", fmt.Sprint(sc.depth)}
		if sc.maxPages > 0 {
			args = append(args, "--max-pages", fmt.Sprint(sc.maxPages))
		}
	} else {
		args = []string{bins["collyrecursive"], "-o", out, "-c", c, "-d", fmt.Sprint(sc.depth)}
		if sc.maxPages > 0 {
			args = append(args, "-max-requests", fmt.Sprint(sc.maxPages))
		}
	}
	start := time.Now()
	res, err := l.run("", append(args, site.URL(0))...)
	if err != nil {
		return siteRun{}, fmt.Errorf("%s: %v", name, err)
	}
	if res.Exit != 0 && res.Exit != 4 {
		return siteRun{}, fmt.Errorf("%s: exit %d after %v\n%s", name, res.Exit, time.Since(start), res.Stderr)
	}
	r := siteRun{measurement: measurement{wall: res.Wall, cpu: res.CPU, rssMB: float64(res.MaxRSS) / 1024}}
	r.distinct, r.requests = site.Fetched()
	if r.ok, r.fail, err = countRecords(out, false); err != nil {
		return r, fmt.Errorf("%s output: %v", name, err)
	}
	os.Remove(out)
	return r, nil
}
