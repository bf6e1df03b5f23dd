// Command crawlbench measures crawl against other programs doing the same
// job, side by side in one run, on pages served from 127.0.0.1.
//
//	go run ./cmd/crawlbench -scenarios A,B,C,D -runs 3
//
// It builds crawl from this module and the contestants from bench/ (a
// separate module, so crawl itself never depends on them), serves the pages
// with internal/fixtureserver, runs every program on the same URL list and
// reports pages/s, CPU seconds and peak RSS, and the ratios between them.
// Run it from the repository root.
package main

import (
	"cmp"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/crawlkit/crawl/internal/fixtureserver"
)

// scenario is one benchmark setting.
type scenario struct {
	name        string
	about       string
	small       bool // generated small pages instead of the corpus
	urls        int
	latency     time.Duration
	concurrency int
	jsonl       bool
	contestants []string
	versus      string // the contestant the ratios compare with; default colly
}

// benchField is the custom field of scenario AS, for crawl --select and
// colly -select alike.
const benchField = "heading=h1, h2, h3"

var scenarios = []scenario{
	{name: "A", about: "2000 corpus pages, no latency, -c 32", urls: 2000, concurrency: 32, contestants: []string{"crawl", "colly", "tokenize"}},
	{name: "B", about: "2000 corpus pages, 20 ms latency, -c 64", urls: 2000, latency: 20 * time.Millisecond, concurrency: 64, contestants: []string{"crawl", "colly", "tokenize"}},
	{name: "C", about: "5000 small pages, 100 ms latency, -c 64 (ceiling 640 pages/s)", small: true, urls: 5000, latency: 100 * time.Millisecond, concurrency: 64, contestants: []string{"crawl", "colly", "tokenize"}},
	{name: "AS", about: "scenario A with one custom field, " + benchField + " (crawl --select, colly OnHTML)", urls: 2000, concurrency: 32, contestants: []string{"crawl", "crawl-select", "colly-select"}, versus: "colly-select"},
	{name: "D10k", about: "10 000 small pages, -f jsonl, -c 64", small: true, urls: 10000, concurrency: 64, jsonl: true, contestants: []string{"crawl"}},
	{name: "D100k", about: "100 000 small pages, -f jsonl (crawl) and -f json (crawl-json), -c 64", small: true, urls: 100000, concurrency: 64, jsonl: true, contestants: []string{"crawl", "crawl-json"}},
	{name: "D1M", about: "1 000 000 small pages, -f jsonl (crawl) and -f json (crawl-json), -c 64", small: true, urls: 1000000, concurrency: 64, jsonl: true, contestants: []string{"crawl", "crawl-json"}},
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == launcherFlag {
		if err := serveLaunches(os.Stdin, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	// Started first, while this process is small; see launcher.go.
	l, err := startLauncher()
	if err != nil {
		log.Fatal(err)
	}
	defer l.close()

	only := flag.String("scenarios", "A,B,C,D", "comma-separated scenarios to run: A, B, C, D (D is D10k, D100k and D1M); R and M are recursive crawls of a generated site; S is three workers of a shared job on a local redis-server, RMEM what a 1,000,000-URL job holds in Redis, and DRAIN a 1,000,000-page shared crawl whose records an exporter drains; H is crawl --render against katana's headless mode (needs chromium, npm and the module proxy); L is crawl check against linkinator on a generated site with broken links planted, APACHE the same on the Apache manual at -apache (both need npm)")
	apache := flag.String("apache", "http://127.0.0.1/manual/en/", "where scenario APACHE finds Debian's apache2-doc manual served by Apache")
	corpus := flag.String("corpus", "../shared/corpus/readability", "directory of real-world pages for scenarios A and B")
	runs := flag.Int("runs", 3, "runs per contestant and scenario; the median is reported")
	flag.IntVar(&checkPages, "check-pages", checkPages, "pages of scenario L's site")
	serve := flag.Bool("serve-link-site", false, "serve scenario L's site until interrupted, to try crawl check on it by hand")
	flag.Parse()
	log.SetFlags(0)
	if *serve {
		site, err := startLinkSite()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(site.siteURL + "/")
		select {}
	}
	log.SetPrefix("crawlbench: ")

	dir, err := os.MkdirTemp("", "crawlbench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bins, err := build(dir)
	if err != nil {
		log.Fatal(err)
	}

	peaks := map[string]float64{} // crawl's peak RSS by scenario, for the D ratio
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		want[strings.TrimSpace(s)] = true
	}
	header := false
	for _, sc := range scenarios {
		if !want[sc.name] && !want[strings.TrimRight(sc.name, "0123456789kM")] {
			continue
		}
		if !header {
			fmt.Printf("| scenario | program | pages/s | CPU s | peak RSS MB | records ok/failed | pages/s vs colly | vs tokenize | RSS vs colly |\n")
			fmt.Printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
			header = true
		}
		var pages *fixtureserver.Pages
		if sc.small {
			pages = fixtureserver.Small(1000)
		} else if pages, err = fixtureserver.LoadDir(*corpus); err != nil {
			log.Fatalf("scenario %s needs the corpus: %v", sc.name, err)
		}
		median, err := runScenario(l, sc, pages, bins, dir, *runs)
		if err != nil {
			log.Fatalf("scenario %s: %v", sc.name, err)
		}
		peaks[sc.name] = median["crawl"].rssMB
		peaks[sc.name+"-json"] = median["crawl-json"].rssMB
	}
	if want["R"] || want["M"] {
		fmt.Printf("\n| scenario | program | distinct pages/s | distinct pages | requests | records | CPU s | peak RSS MB | pages/s vs colly | RSS vs colly |\n")
		fmt.Printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	}
	for _, sc := range siteScenarios {
		if want[sc.name] {
			if err := runSiteScenario(l, sc, bins, dir, *runs); err != nil {
				log.Fatalf("scenario %s: %v", sc.name, err)
			}
		}
	}
	if want["S"] {
		fmt.Printf("\n| scenario | setting | distinct pages | requests | wall | pages/s | vs the Little's-law ceiling | redis round trips a page |\n")
		fmt.Printf("|---|---|---:|---:|---:|---:|---:|---:|\n")
		if err := runShared(bins["crawl"], dir, *runs); err != nil {
			log.Fatalf("scenario S: %v", err)
		}
	}
	if want["H"] {
		if err := runRender(l, bins["crawl"], dir, *runs); err != nil {
			log.Fatalf("scenario H: %v", err)
		}
	}
	if want["L"] {
		if err := runCheck(l, bins["crawl"], dir, *runs); err != nil {
			log.Fatalf("scenario L: %v", err)
		}
	}
	if want["APACHE"] {
		if err := runApacheManual(l, bins["crawl"], dir, *apache, *runs); err != nil {
			log.Fatalf("scenario APACHE: %v", err)
		}
	}
	if want["DRAIN"] {
		if err := runDrain(bins["crawl"], dir); err != nil {
			log.Fatalf("scenario DRAIN: %v", err)
		}
	}
	if want["RMEM"] {
		if err := runRedisMemory(dir); err != nil {
			log.Fatalf("scenario RMEM: %v", err)
		}
	}
	if peaks["D10k"] > 0 && peaks["D100k"] > 0 {
		fmt.Printf("\nD: crawl's peak RSS at 100 000 URLs is %.2f× its peak at 10 000\n", peaks["D100k"]/peaks["D10k"])
	}
	if peaks["D100k-json"] > 0 && peaks["D1M-json"] > 0 {
		perURL := func(a, b float64) float64 { return (b - a) * 1e6 / 900000 }
		fmt.Printf("D: from 100 000 to 1 000 000 URLs, peak RSS grows %.1f bytes a URL with -f jsonl and %.1f with -f json: the JSON output adds %.1f\n",
			perURL(peaks["D100k"], peaks["D1M"]), perURL(peaks["D100k-json"], peaks["D1M-json"]),
			perURL(peaks["D100k-json"]-peaks["D100k"], peaks["D1M-json"]-peaks["D1M"]))
	}
	if want["A"] {
		if err := startup(l, bins["crawl"], *corpus, *runs); err != nil {
			log.Fatal(err)
		}
	}
}

// build compiles crawl and the contestants into dir.
func build(dir string) (map[string]string, error) {
	bins := map[string]string{
		"crawl":    filepath.Join(dir, "crawl"),
		"colly":    filepath.Join(dir, "colly"),
		"tokenize": filepath.Join(dir, "tokenize"),

		"collyrecursive": filepath.Join(dir, "collyrecursive"),
	}
	steps := [][]string{
		{"go", "build", "-o", bins["crawl"], "./cmd/crawl"},
		{"go", "build", "-C", "bench", "-o", bins["colly"], "./colly"},
		{"go", "build", "-C", "bench", "-o", bins["tokenize"], "./tokenize"},
		{"go", "build", "-C", "bench", "-o", bins["collyrecursive"], "./collyrecursive"},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", strings.Join(s, " "), err, out)
		}
	}
	return bins, nil
}

// measurement is one program's run.
type measurement struct {
	wall, cpu time.Duration
	rssMB     float64
	ok, fail  int
}

func (m measurement) pagesPerSec() float64 { return float64(m.ok+m.fail) / m.wall.Seconds() }

// runScenario runs every program of a scenario, prints their rows and
// returns the median measurement of each.
func runScenario(l *launcher, sc scenario, pages *fixtureserver.Pages, bins map[string]string, dir string, runs int) (map[string]measurement, error) {
	srv, err := fixtureserver.Start(pages, sc.latency)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	list := filepath.Join(dir, "urls-"+sc.name+".txt")
	var b strings.Builder
	for i := range sc.urls {
		b.WriteString(srv.URL(i))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(list, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	results := map[string][]measurement{}
	for range runs { // interleaved, so that drift in the machine hits everyone alike
		for _, name := range sc.contestants {
			m, err := runOnce(l, name, bins, sc, list, dir)
			if err != nil {
				return nil, err
			}
			results[name] = append(results[name], m)
		}
	}
	median := map[string]measurement{}
	for name, ms := range results {
		slices.SortFunc(ms, func(a, b measurement) int { return cmp.Compare(a.wall, b.wall) })
		median[name] = ms[len(ms)/2]
	}
	for _, name := range sc.contestants {
		m := median[name]
		versus := cmp.Or(sc.versus, "colly")
		ratio := func(other string, f func(measurement) float64) string {
			if other == "colly" {
				other = versus
			}
			o, ok := median[other]
			if !ok || other == name {
				return "–"
			}
			return fmt.Sprintf("%.2f×", f(m)/f(o))
		}
		fmt.Printf("| %s | %s | %.0f | %.2f | %.0f | %d/%d | %s | %s | %s |\n", sc.name, name, m.pagesPerSec(), m.cpu.Seconds(), m.rssMB, m.ok, m.fail,
			ratio("colly", measurement.pagesPerSec), ratio("tokenize", measurement.pagesPerSec),
			ratio("colly", func(m measurement) float64 { return m.rssMB }))
	}
	fmt.Printf("| | *%s; crawl with --per-host %d* | | | | | | | |\n", sc.about, sc.concurrency)
	if j, ok := median["crawl-json"]; ok {
		c := median["crawl"]
		fmt.Printf("| | *-f json vs -f jsonl: %.2f× the peak RSS, %.2f× the wall time* | | | | | | | |\n", j.rssMB/c.rssMB, j.wall.Seconds()/c.wall.Seconds())
	}
	return median, nil
}

// runOnce runs one program over the list and checks that every URL is in
// its output.
func runOnce(l *launcher, name string, bins map[string]string, sc scenario, list, dir string) (measurement, error) {
	out := filepath.Join(dir, "out-"+name)
	isCrawl, jsonl := strings.HasPrefix(name, "crawl"), sc.jsonl && name == "crawl"
	bin := bins[strings.TrimSuffix(name, "-select")]
	if isCrawl {
		bin = bins["crawl"]
	}
	args := []string{bin, "-i", list, "-o", out, "-c", fmt.Sprint(sc.concurrency)}
	if isCrawl {
		// All the URLs are on one host; the other programs have no
		// per-host limit, so crawl's polite default of 8 is lifted to -c.
		args = append(args, "-q", "--per-host", fmt.Sprint(sc.concurrency))
		if jsonl {
			args = append(args, "-f", "jsonl")
		}
		if strings.HasSuffix(name, "-select") {
			args = append(args, "--select", benchField)
		}
	} else if strings.HasSuffix(name, "-select") {
		args = append(args, "-select", benchField)
	}
	res, err := l.run("", args...)
	if err != nil {
		return measurement{}, fmt.Errorf("%s: %v", name, err)
	}
	if res.Exit != 0 && res.Exit != 4 { // 4: some URLs failed, counted below
		return measurement{}, fmt.Errorf("%s: exit %d\n%s", name, res.Exit, res.Stderr)
	}
	m := measurement{wall: res.Wall, cpu: res.CPU, rssMB: float64(res.MaxRSS) / 1024}
	m.ok, m.fail, err = countRecords(out, jsonl)
	if err != nil {
		return m, fmt.Errorf("%s output: %v", name, err)
	}
	if m.ok+m.fail != sc.urls {
		return m, fmt.Errorf("%s wrote %d records for %d URLs", name, m.ok+m.fail, sc.urls)
	}
	return m, nil
}

// startup measures how soon crawl sends its first request and how long an
// empty run takes.
func startup(l *launcher, bin, corpus string, runs int) error {
	pages, err := fixtureserver.LoadDir(corpus)
	if err != nil {
		return err
	}
	srv, err := fixtureserver.Start(pages, 0)
	if err != nil {
		return err
	}
	defer srv.Close()
	var first, empty []time.Duration
	for range max(runs, 5) {
		srv.Reset()
		start := time.Now()
		if _, err := l.run("", bin, "-q", "-o", os.DevNull, srv.URL(0)); err != nil {
			return fmt.Errorf("crawl one URL: %v", err)
		}
		first = append(first, srv.FirstRequest().Sub(start))

		res, err := l.run(os.DevNull, bin, "-q", "-o", os.DevNull)
		if err != nil {
			return fmt.Errorf("empty run: %v", err)
		}
		empty = append(empty, res.Wall)
	}
	slices.Sort(first)
	slices.Sort(empty)
	fmt.Printf("\ncrawl startup to first request: median %v (min %v); empty run: median %v (min %v)\n",
		first[len(first)/2].Round(100*time.Microsecond), first[0].Round(100*time.Microsecond),
		empty[len(empty)/2].Round(100*time.Microsecond), empty[0].Round(100*time.Microsecond))
	return nil
}
