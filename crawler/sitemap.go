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
	"net/http"
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
func (c *Crawler) sitemaps(ctx context.Context, r *run, j *job, finalURL string, buf *bodyBuf, b *linkBatch) {
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
		if err != nil && len(locs) == 0 {
			c.log.Warn("sitemap not read", "url", loc, "error", err)
			continue
		}
		if err != nil {
			c.log.Warn("sitemap read in part", "url", loc, "urls", len(locs), "error", err)
		}
		if index {
			queue = append(queue, locs...)
			continue
		}
		// Proposed as links of the seed page, with the sitemap as parent.
		rec := &results.Record{URL: loc, Link: locs, FinalURL: cmp.Or(finalURL, j.target.Href)}
		c.follow(ctx, page, rec, b)
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
	resp, _, err := c.get(ctx, http.MethodGet, u, robotsRedirects, hop)
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

// sitemapNS is the sitemap protocol's XML namespace.
const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

// parseSitemap reads the <loc> of every <url> of a urlset, or of every
// <sitemap> of a sitemap index, up to the protocol's 50,000. Only a <loc>
// that is a child of <url> or <sitemap>, in the sitemap namespace (or in
// none, for sitemaps that leave it out), counts: the <image:loc> of an
// image sitemap, <video:...> and the like are not pages. An XML error
// keeps the URLs read before it, and is returned with them.
func parseSitemap(r io.Reader) (locs []string, index bool, err error) {
	d := xml.NewDecoder(r)
	d.Strict = false
	var stack []xml.Name // the open elements
	root, inLoc := "", false
	var text strings.Builder
	for len(locs) < maxSitemapURLs {
		tok, terr := d.Token()
		if errors.Is(terr, io.EOF) {
			break
		}
		if terr != nil {
			err = fmt.Errorf("sitemap XML, after %d URLs: %w", len(locs), terr)
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = t.Name.Local
				index = root == "sitemapindex"
			}
			if len(stack) == 2 && isSitemapLoc(stack, t.Name) {
				inLoc = true
				text.Reset()
			}
			stack = append(stack, t.Name)
		case xml.CharData:
			if inLoc {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if inLoc && len(stack) == 2 {
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
	return locs, index, err
}

// isSitemapLoc reports whether an element name, inside the elements of
// stack (the root, then its child), is a sitemap's <loc>: urlset > url >
// loc, or sitemapindex > sitemap > loc, all in the sitemap namespace or
// all in none.
func isSitemapLoc(stack []xml.Name, name xml.Name) bool {
	ns := name.Space
	if ns != sitemapNS && ns != "" || stack[0].Space != ns || stack[1].Space != ns || name.Local != "loc" {
		return false
	}
	return stack[0].Local == "urlset" && stack[1].Local == "url" || stack[0].Local == "sitemapindex" && stack[1].Local == "sitemap"
}
