package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crawlkit/crawl/report"
)

// linkinatorVersion is the link checker crawl check is measured against:
// 6.x is the last that runs on this machine's Node.js 20.
const linkinatorVersion = "6.3.0"

// linkSite is scenario L's generated documentation site: checkPages
// pages on 127.0.0.1, each with what a docs page has (a sidebar of the
// chapters, previous and next, a table of contents of its own sections,
// links into other pages and their sections, links out), and broken links
// planted: fragments that do not exist, pages that do not exist, links out
// (to localhost, another host) that are gone, and one dead URL linked from
// every page.
type linkSite struct {
	site, ext *http.Server
	siteURL   string
	extURL    string
	// pages holds each page once made: the server should cost the
	// checkers' machine as little as a web server sending files does.
	pages []atomic.Pointer[[]byte]
}

const (
	chapters = 20 // in every page's sidebar
	sections = 6  // per page, in its table of contents
)

// checkPages is the size of scenario L's site (-check-pages).
var checkPages = 10000

func startLinkSite() (*linkSite, error) {
	s := &linkSite{pages: make([]atomic.Pointer[[]byte], checkPages)}
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
var filler = strings.Repeat("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n", 8)

func (s *linkSite) servePage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>home</title><a href="/p/0">start</a>`)
		return
	}
	var i int
	if _, err := fmt.Sscanf(r.URL.Path, "/p/%d", &i); err != nil || i < 0 || i >= checkPages {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	page := s.pages[i].Load()
	if page == nil {
		b := []byte(s.page(i))
		page = &b
		s.pages[i].Store(page)
	}
	w.Write(*page)
}

// page makes page i.
func (s *linkSite) page(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><title>page %d</title>\n<nav>", i)
	for c := range chapters {
		fmt.Fprintf(&b, "<a href=\"/p/%d\">chapter %d</a>\n", c*checkPages/chapters, c)
	}
	fmt.Fprintf(&b, "<a href=\"/p/%d\">previous</a> <a href=\"/p/%d\">next</a></nav>\n<ul>", (i+checkPages-1)%checkPages, (i+1)%checkPages)
	for k := range sections {
		fmt.Fprintf(&b, "<li><a href=\"#s%d\">section %d</a>\n", k, k)
	}
	b.WriteString("</ul>\n")
	for k := range sections {
		j := (i*7 + k*131) % checkPages
		fmt.Fprintf(&b, "<h2 id=s%d>Section %d</h2>\n%s<p>See <a href=\"/p/%d\">page %d</a> and <a href=\"/p/%d#s%d\">its section</a>.</p>\n",
			k, k, filler, j, j, (j+1)%checkPages, k)
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
	return b.String()
}

func (s *linkSite) serveExt(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/ok/") {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<p>fine</p>")
		return
	}
	http.NotFound(w, r)
}

// brokenLink is one link to a broken target: the target, without its
// fragment, and the page the link is on.
type brokenLink struct{ target, page string }

// runCheck is scenario L: crawl check against linkinator on the generated
// site, from its root.
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
	checkHeader()
	return compareCheckers(l, crawlBin, lk, dir, "L", site.siteURL+"/", runs)
}

func checkHeader() {
	fmt.Printf("\n| scenario | program | wall s | CPU s | peak RSS MB | broken targets | links to them listed | fragments broken | time vs linkinator | RSS vs linkinator |\n")
	fmt.Printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
}

// checkerRun is what one link checker found.
type checkerRun struct {
	launchResult
	broken    map[string]bool     // targets, without fragments
	links     map[brokenLink]bool // (target, page) pairs listed
	fragments int                 // missing fragments (crawl only)
}

// compareCheckers runs both link checkers on root, interleaved, prints
// their medians and compares what they found. linkinator crawls the pages
// under root (a prefix of their URL) and checks every other link; crawl
// check is given the same with --include. linkinator lists each broken URL
// once, with the first page it was found on, and checks more than <a
// href> (images, scripts, stylesheets): it is compared on the targets that
// are <a href> links of the pages, which crawl's records list. Each runs
// with its defaults, as people run them: linkinator 100 requests at once,
// crawl 16 fetchers and 8 requests to one host.
func compareCheckers(l *launcher, crawlBin, lk, dir, name, root string, runs int) error {
	var crawls, lks []checkerRun
	records := filepath.Join(dir, "check-"+name+".jsonl")
	for i := range runs {
		rep := filepath.Join(dir, "check-"+name+".json")
		args := []string{crawlBin, "check", "-q", "--no-progress", "--include", "^" + regexp.QuoteMeta(root), "--report", rep, root}
		if i == runs-1 { // the records tell which targets are <a href> links
			args = append(args, "-o", records)
		}
		res, err := l.run("", args...)
		if err != nil || res.Exit != 0 && res.Exit != 4 {
			return fmt.Errorf("crawl check: exit %d %v\n%s", res.Exit, err, res.Stderr)
		}
		c := checkerRun{launchResult: res}
		if err := c.readCrawl(rep); err != nil {
			return err
		}
		crawls = append(crawls, c)
		out := filepath.Join(dir, "linkinator-"+name+".json")
		res, err = l.runRequest(launchRequest{Args: []string{"node", lk, root, "--recurse", "--format", "json"}, Stdout: out})
		if err != nil || res.Exit != 0 && res.Exit != 1 {
			return fmt.Errorf("linkinator: exit %d %v\n%s", res.Exit, err, res.Stderr)
		}
		k := checkerRun{launchResult: res}
		if err := k.readLinkinator(out); err != nil {
			return err
		}
		lks = append(lks, k)
	}
	anchors, err := anchorTargets(records)
	if err != nil {
		return err
	}
	c, k := medianChecker(crawls), medianChecker(lks)
	k.onlyAnchors(anchors)
	fmt.Printf("| %s | crawl check | %.2f | %.2f | %.0f | %d | %d | %d | %.2f× | %.2f× |\n", name, c.Wall.Seconds(), c.CPU.Seconds(), float64(c.MaxRSS)/1024,
		len(c.broken), len(c.links), c.fragments, c.Wall.Seconds()/k.Wall.Seconds(), float64(c.MaxRSS)/float64(k.MaxRSS))
	fmt.Printf("| %s | linkinator %s | %.2f | %.2f | %.0f | %d | %d | – | | |\n", name, linkinatorVersion, k.Wall.Seconds(), k.CPU.Seconds(), float64(k.MaxRSS)/1024,
		len(k.broken), len(k.links))
	onlyCrawl, onlyLk := diffKeys(c.broken, k.broken), diffKeys(k.broken, c.broken)
	var missing []string
	for b := range k.links {
		if c.broken[b.target] && !c.links[b] {
			missing = append(missing, b.target+" on "+b.page)
		}
	}
	slices.Sort(missing)
	fmt.Printf("| | *%s: %d broken targets found by crawl only, %d by linkinator only; %d links linkinator lists that crawl does not* | | | | | | | | |\n", root, len(onlyCrawl), len(onlyLk), len(missing))
	for i, d := range slices.Concat(prefixed("crawl only: ", onlyCrawl), prefixed("linkinator only: ", onlyLk), prefixed("link missing: ", missing)) {
		if i == 12 {
			break
		}
		fmt.Printf("|  | *%s* | | | | | | | | |\n", d)
	}
	return nil
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

func diffKeys(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func medianChecker(rs []checkerRun) checkerRun {
	slices.SortFunc(rs, func(a, b checkerRun) int { return cmp.Compare(a.Wall, b.Wall) })
	return rs[len(rs)/2]
}

func withoutFragment(u string) string {
	u, _, _ = strings.Cut(u, "#")
	return u
}

// readCrawl reads crawl check's JSON report: its broken targets but
// missing fragments (which linkinator does not check), counted apart.
func (c *checkerRun) readCrawl(path string) error {
	var rep report.Report
	if err := readJSON(path, &rep); err != nil {
		return err
	}
	c.broken, c.links = map[string]bool{}, map[brokenLink]bool{}
	for _, t := range rep.Broken {
		if t.Kind == "fragment" {
			c.fragments++
			continue
		}
		c.broken[t.URL] = true
		for _, r := range t.Referrers {
			c.links[brokenLink{t.URL, r.Page}] = true
		}
	}
	return nil
}

// readLinkinator reads linkinator's JSON output: every link it found
// broken, with the page it is on.
func (c *checkerRun) readLinkinator(path string) error {
	var res struct {
		Links []struct {
			URL, State, Parent string
		} `json:"links"`
	}
	if err := readJSON(path, &res); err != nil {
		return err
	}
	c.broken, c.links = map[string]bool{}, map[brokenLink]bool{}
	for _, l := range res.Links {
		if l.State == "BROKEN" {
			t := withoutFragment(l.URL)
			c.broken[t] = true
			c.links[brokenLink{t, l.Parent}] = true
		}
	}
	return nil
}

// readJSON decodes the JSON file at path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// onlyAnchors keeps the targets that are <a href> links.
func (c *checkerRun) onlyAnchors(anchors map[string]bool) {
	for t := range c.broken {
		if !anchors[t] {
			delete(c.broken, t)
		}
	}
	for l := range c.links {
		if !anchors[l.target] {
			delete(c.links, l)
		}
	}
}

// anchorTargets reads crawl's records: every <a href> on the pages,
// without fragments.
func anchorTargets(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	dec := json.NewDecoder(f)
	for {
		var r struct{ Link []string }
		if err := dec.Decode(&r); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		for _, l := range r.Link {
			out[withoutFragment(l)] = true
		}
	}
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
	checkHeader()
	start := time.Now()
	defer func() { fmt.Printf("\nAPACHE took %v in all\n", time.Since(start).Round(time.Second)) }()
	return compareCheckers(l, crawlBin, lk, dir, "APACHE", root, runs)
}
