package crawler

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/crawlkit/crawl/internal/weburl"
	"github.com/crawlkit/crawl/results"
)

// The sitemaps protocol's limits for one file, uncompressed, and the
// sitemaps read for one host (an index and what it lists).
const (
	maxSitemapURLs  = 50000
	maxSitemapBytes = 50_000_000
	maxSitemapFiles = 50
)

// sitemaps adds the URLs of the sitemaps of a seed's host as depth-1
// discoveries, once per host: those robots.txt names, else /sitemap.xml,
// following sitemap indexes. It runs while the seed is pending, so that a
// URL found in a sitemap is taken at depth 1 even when a link reaches it
// too. The URLs go through the same scope, filters and trap rules as
// links; a sitemap that cannot be read is logged and adds nothing.
func (c *Crawler) sitemaps(ctx context.Context, r *run, j *job, finalURL string, buf *bodyBuf, p *Page) {
	if !c.cfg.Sitemap || j.task.Depth != 0 || j.task.Path != "" || j.targetErr != nil || !r.firstSitemap(originKey(&j.target)) {
		return
	}
	var queue []string
	if j.rules != nil {
		queue = append(queue, j.rules.sitemaps...)
	}
	if len(queue) == 0 {
		u, _ := weburl.Resolve(&j.target, "/sitemap.xml", nil)
		queue = append(queue, u.Href)
	}
	page := j.task
	seen := map[string]bool{}
	for files := 0; len(queue) > 0 && files < maxSitemapFiles; files++ {
		loc := queue[0]
		queue = queue[1:]
		if seen[loc] {
			continue
		}
		seen[loc] = true
		locs, index, err := c.readSitemap(ctx, r, j, loc, buf)
		if err != nil {
			c.log.Warn("sitemap not read", "url", loc, "error", err)
			continue
		}
		if index {
			queue = append(queue, locs...)
			continue
		}
		// Proposed as links of the seed page, with the sitemap as parent.
		rec := &results.Record{URL: loc, Link: locs, FinalURL: cmp.Or(finalURL, j.target.Href)}
		c.follow(page, rec, p)
	}
}

// readSitemap fetches a sitemap (gzipped or not) and returns its <loc>
// URLs and whether it is a sitemap index. The sitemap, and every redirect
// it takes, obeys the robots.txt of the host it is on, whichever host
// named it.
func (c *Crawler) readSitemap(ctx context.Context, r *run, j *job, loc string, buf *bodyBuf) ([]string, bool, error) {
	u, err := weburl.Parse(loc)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" {
		return nil, false, fmt.Errorf("not an http(s) URL")
	}
	if err := c.hopAllowed(ctx, r, j, &u, buf); err != nil {
		return nil, false, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hop := func(ctx context.Context, _ int, next *weburl.URL) error {
		if err := c.hopAllowed(ctx, r, j, next, buf); err != nil {
			return fmt.Errorf("redirect to %s: %w", next.Href, err)
		}
		return nil
	}
	resp, _, err := c.get(ctx, u, robotsRedirects, hop)
	if err != nil {
		return nil, false, err
	}
	defer closeBody(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, false, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	body, err := decompress(resp)
	if err != nil {
		return nil, false, err
	}
	if _, err := buf.read(body, maxSitemapBytes, 0); err != nil {
		return nil, false, err
	}
	data := buf.bytes()
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) { // a .xml.gz served as it is
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, false, err
		}
		var unzipped bodyBuf
		if _, err := unzipped.read(zr, maxSitemapBytes, 0); err != nil {
			return nil, false, err
		}
		data = unzipped.bytes()
	}
	return parseSitemap(bytes.NewReader(data))
}

// parseSitemap reads the <loc> of every <url> of a urlset, or of every
// <sitemap> of a sitemap index, up to the protocol's 50,000.
func parseSitemap(r io.Reader) (locs []string, index bool, err error) {
	d := xml.NewDecoder(r)
	d.Strict = false
	root, inLoc := "", false
	var text strings.Builder
	for len(locs) < maxSitemapURLs {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return locs, index, fmt.Errorf("sitemap XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = t.Name.Local
				index = root == "sitemapindex"
			}
			if t.Name.Local == "loc" {
				inLoc = true
				text.Reset()
			}
		case xml.CharData:
			if inLoc {
				text.Write(t)
			}
		case xml.EndElement:
			if t.Name.Local == "loc" && inLoc {
				inLoc = false
				if loc := strings.TrimSpace(text.String()); loc != "" {
					locs = append(locs, loc)
				}
			}
		}
	}
	if root != "urlset" && root != "sitemapindex" {
		return nil, false, fmt.Errorf("not a sitemap: root element <%s>", root)
	}
	return locs, index, nil
}
