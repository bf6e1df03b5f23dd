package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/crawlkit/crawl/report"
)

// linkinatorVersion is the link checker crawl check is measured against:
// 6.x is the last that runs on this machine's Node.js 20.
const linkinatorVersion = "6.3.0"

// linkSite is scenario L's generated site: checkPages pages on 127.0.0.1
// that link to each other, to fragments that exist and some that do not,
// to a few pages that do not exist, and out to localhost (another host),
// where some links are fine, some are gone and one dead URL is linked from
// every page.
type linkSite struct {
	site, ext *http.Server
	siteURL   string
	extURL    string
}

const checkPages = 2000

func startLinkSite() (*linkSite, error) {
	s := &linkSite{}
	siteL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	extL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		siteL.Close()
		return nil, err
	}
	s.siteURL = "http://" + siteL.Addr().String()
	s.extURL = "http://localhost:" + extL.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):]
	s.site = &http.Server{Handler: http.HandlerFunc(s.servePage)}
	s.ext = &http.Server{Handler: http.HandlerFunc(s.serveExt)}
	go s.site.Serve(siteL)
	go s.ext.Serve(extL)
	return s, nil
}

func (s *linkSite) close() {
	s.site.Close()
	s.ext.Close()
}

// filler makes the pages the size of real ones.
var filler = strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n", 50)

func (s *linkSite) servePage(w http.ResponseWriter, r *http.Request) {
	var i int
	if _, err := fmt.Sscanf(r.URL.Path, "/p/%d", &i); err != nil || i < 0 || i >= checkPages {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><title>page %d</title>\n", i)
	for k := range 10 {
		fmt.Fprintf(&b, "<h2 id=s%d>section %d</h2>\n", k, k)
	}
	b.WriteString(filler)
	for _, j := range []int{(i + 1) % checkPages, (i*7 + 1) % checkPages, (i*13 + 5) % checkPages} {
		fmt.Fprintf(&b, "<a href=\"/p/%d\">next</a>\n<a href=\"/p/%d#s%d\">section</a>\n", j, j, j%10)
	}
	if i%50 == 0 {
		fmt.Fprintf(&b, "<a href=\"/p/%d#no-such-section\">bad fragment</a>\n", (i+3)%checkPages)
	}
	if i%100 == 0 {
		fmt.Fprintf(&b, "<a href=\"/missing/%d\">missing page</a>\n", i)
	}
	fmt.Fprintf(&b, "<a href=\"%s/ok/%d\">out</a>\n", s.extURL, i%200)
	if i%10 == 0 {
		fmt.Fprintf(&b, "<a href=\"%s/gone/%d\">gone</a>\n", s.extURL, i%40)
	}
	fmt.Fprintf(&b, "<a href=\"%s/dead-popular\">dead</a>\n<a href=\"mailto:p%d@example.com\">mail</a>\n", s.extURL, i)
	w.Write([]byte(b.String()))
}

func (s *linkSite) serveExt(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/ok/") {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<p>fine</p>")
		return
	}
	http.NotFound(w, r)
}

// brokenLink is one broken <a href> target on one page.
type brokenLink struct{ target, page string }

// runCheck is scenario L: crawl check against linkinator on the generated
// site; both must find the same broken links with the same referrers
// (linkinator does not check fragments: those are compared apart).
func runCheck(l *launcher, crawlBin, dir string, runs int) error {
	site, err := startLinkSite()
	if err != nil {
		return err
	}
	defer site.close()
	lk, err := installLinkinator(dir)
	if err != nil {
		return fmt.Errorf("linkinator: %v", err)
	}
	fmt.Printf("\n| scenario | program | wall s | CPU s | peak RSS MB | broken links (target, page) | broken targets | fragments broken | time vs linkinator | RSS vs linkinator |\n")
	fmt.Printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	return compareCheckers(l, crawlBin, lk, dir, "L", site.siteURL+"/p/0", runs, "64")
}

// compareCheckers runs both link checkers on root, interleaved, and prints
// their medians and whether they agree.
func compareCheckers(l *launcher, crawlBin, lk, dir, name, root string, runs int, concurrency string) error {
	var crawlRuns, lkRuns []launchResult
	var crawlBroken, lkBroken map[brokenLink]bool
	var fragments int
	for range runs {
		rep := filepath.Join(dir, "check-"+name+".json")
		res, err := l.run("", crawlBin, "check", "-q", "--no-progress", "-c", concurrency, "--per-host", concurrency, "--report", rep, root)
		if err != nil || res.Exit != 0 && res.Exit != 4 {
			return fmt.Errorf("crawl check: exit %d %v\n%s", res.Exit, err, res.Stderr)
		}
		crawlRuns = append(crawlRuns, res)
		if crawlBroken, fragments, err = crawlCheckBroken(rep); err != nil {
			return err
		}
		out := filepath.Join(dir, "linkinator-"+name+".json")
		res, err = l.runRequest(launchRequest{Args: []string{"node", lk, root, "--recurse", "--format", "json", "--concurrency", concurrency}, Stdout: out})
		if err != nil || res.Exit != 0 && res.Exit != 1 {
			return fmt.Errorf("linkinator: exit %d %v\n%s", res.Exit, err, res.Stderr)
		}
		lkRuns = append(lkRuns, res)
		if lkBroken, err = linkinatorBroken(out); err != nil {
			return err
		}
	}
	c, k := medianRun(crawlRuns), medianRun(lkRuns)
	targets := func(m map[brokenLink]bool) int {
		t := map[string]bool{}
		for b := range m {
			t[b.target] = true
		}
		return len(t)
	}
	fmt.Printf("| %s | crawl check | %.2f | %.2f | %.0f | %d | %d | %d | %.2f× | %.2f× |\n", name, c.Wall.Seconds(), c.CPU.Seconds(), float64(c.MaxRSS)/1024,
		len(crawlBroken), targets(crawlBroken), fragments, c.Wall.Seconds()/k.Wall.Seconds(), float64(c.MaxRSS)/float64(k.MaxRSS))
	fmt.Printf("| %s | linkinator %s | %.2f | %.2f | %.0f | %d | %d | – | | |\n", name, linkinatorVersion, k.Wall.Seconds(), k.CPU.Seconds(), float64(k.MaxRSS)/1024,
		len(lkBroken), targets(lkBroken))
	onlyCrawl, onlyLk := diff(crawlBroken, lkBroken), diff(lkBroken, crawlBroken)
	fmt.Printf("| | *%s: %d broken links found by crawl only, %d by linkinator only (fragments apart)* | | | | | | | | |\n", root, len(onlyCrawl), len(onlyLk))
	for i, b := range append(onlyCrawl, onlyLk...) {
		if i == 10 {
			break
		}
		fmt.Printf("|  | *differs: %s on %s* | | | | | | | | |\n", b.target, b.page)
	}
	return nil
}

func diff(a, b map[brokenLink]bool) []brokenLink {
	var out []brokenLink
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(x, y brokenLink) int { return cmp.Or(strings.Compare(x.target, y.target), strings.Compare(x.page, y.page)) })
	return out
}

func medianRun(rs []launchResult) launchResult {
	slices.SortFunc(rs, func(a, b launchResult) int { return cmp.Compare(a.Wall, b.Wall) })
	return rs[len(rs)/2]
}

// crawlCheckBroken reads crawl check's JSON report: its broken links but
// fragments (which linkinator does not check), and the count of those.
func crawlCheckBroken(path string) (map[brokenLink]bool, int, error) {
	var rep report.Report
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", path, err)
	}
	out, fragments := map[brokenLink]bool{}, 0
	for _, t := range rep.Broken {
		if t.Kind == "fragment" {
			fragments++
			continue
		}
		for _, r := range t.Referrers {
			out[brokenLink{t.URL, r.Page}] = true
		}
	}
	return out, fragments, nil
}

// linkinatorBroken reads linkinator's JSON output: every link it found
// broken, with the page it is on.
func linkinatorBroken(path string) (map[brokenLink]bool, error) {
	var res struct {
		Links []struct {
			URL, State, Parent string
		} `json:"links"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := map[brokenLink]bool{}
	for _, l := range res.Links {
		if l.State == "BROKEN" {
			out[brokenLink{l.URL, l.Parent}] = true
		}
	}
	return out, nil
}

// installLinkinator installs linkinator from npm into dir and returns its
// command's script.
func installLinkinator(dir string) (string, error) {
	prefix := filepath.Join(dir, "linkinator")
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", prefix, "linkinator@"+linkinatorVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	return filepath.Join(prefix, "node_modules", "linkinator", "build", "src", "cli.js"), nil
}

// runApacheManual is scenario APACHE: both checkers on Debian's apache2-doc
// manual served by Apache (apt-get install apache2 apache2-doc; a2enconf
// apache2-doc; service apache2 start), from root.
func runApacheManual(l *launcher, crawlBin, dir, root string, runs int) error {
	if resp, err := http.Get(root); err != nil || resp.StatusCode != 200 {
		return fmt.Errorf("%s is not served (apt-get install apache2 apache2-doc; a2enconf apache2-doc; service apache2 start): %v", root, err)
	}
	lk, err := installLinkinator(dir)
	if err != nil {
		return fmt.Errorf("linkinator: %v", err)
	}
	fmt.Printf("\n| scenario | program | wall s | CPU s | peak RSS MB | broken links (target, page) | broken targets | fragments broken | time vs linkinator | RSS vs linkinator |\n")
	fmt.Printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	start := time.Now()
	defer func() { fmt.Printf("\nAPACHE took %v in all\n", time.Since(start).Round(time.Second)) }()
	return compareCheckers(l, crawlBin, lk, dir, "APACHE", root, runs, "100")
}
