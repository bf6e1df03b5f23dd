package crawler

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/crawlkit/crawl/extract"
	"github.com/crawlkit/crawl/internal/weburl"
)

// response is what fetching one URL produced.
type response struct {
	status      int // 0 for a local file
	finalURL    string
	contentType string
	retryAfter  string // the Retry-After header of a 429 or 503
	proto       string // HTTP/1.1, HTTP/2.0
	redirect    int    // the status of the first redirect followed, if any
	body        []byte // at most MaxBody bytes, decompressed; only read for HTML
	truncated   bool
	html        bool
}

// newClient returns the one HTTP client a Crawler uses: every connection
// but those to a proxy checked by control when it dials (see denyPrivate),
// proxies as Config.Proxy says (see network), idle connections sized to
// the pool, compression handled by readBody so that MaxBody counts
// decompressed bytes, and redirects left to fetch, which resolves them as
// a browser would.
func newClient(cfg Config, control func(network, address string, c syscall.RawConn) error) (*http.Client, *network, error) {
	guarded := &net.Dialer{Timeout: min(cfg.Timeout, 10*time.Second), KeepAlive: 30 * time.Second, Control: control}
	open := &net.Dialer{Timeout: guarded.Timeout, KeepAlive: guarded.KeepAlive}
	n, err := newNetwork(cfg, guarded, open)
	if err != nil {
		return nil, nil, err
	}
	var transport http.RoundTripper = &http.Transport{
		Proxy:                  n.proxyFor,
		DialContext:            n.dial,
		TLSClientConfig:        &tls.Config{InsecureSkipVerify: cfg.Insecure, RootCAs: cfg.RootCAs},
		ForceAttemptHTTP2:      true, // with a TLS config of our own, h2 must be asked for
		MaxIdleConns:           2 * cfg.Concurrency,
		MaxIdleConnsPerHost:    cfg.Concurrency,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    min(cfg.Timeout, 10*time.Second),
		ResponseHeaderTimeout:  cfg.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
		DisableCompression:     true,
		// A CONNECT to an http(s) proxy says who asks, as the requests do.
		ProxyConnectHeader: http.Header{"User-Agent": {cfg.UserAgent}},
	}
	if cfg.Transport != nil {
		transport, n.viaTransport = cfg.Transport, true
	}
	client := &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return client, n, nil
}

// fetch GETs target, following redirects, and reads the body of an HTML
// response into buf. The whole exchange, redirects included, must finish
// within the configured timeout.
func (c *Crawler) fetch(ctx context.Context, method string, target weburl.URL, buf *bodyBuf, hop hopCheck) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	first := 0
	firstHop := func(ctx context.Context, status int, next *weburl.URL) error {
		if first == 0 {
			first = status
		}
		if hop == nil {
			return nil
		}
		return hop(ctx, status, next)
	}
	resp, final, err := c.get(ctx, method, target, c.cfg.MaxRedirects, firstHop)
	if stop := (*redirectStop)(nil); errors.As(err, &stop) {
		stop.first = first
	}
	if err != nil {
		return nil, err
	}
	defer closeBody(resp.Body)
	r, err := c.readResponse(resp, final, buf)
	if r != nil {
		r.redirect = first
	}
	return r, err
}

// redirectError is a redirect that was not followed.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// get GETs target and follows up to maxRedirects redirects, each resolved
// against the URL that sent it as a browser would, to http and https only,
// with the credentials headers only on the inputs' origins, each hop vetted by
// hop when it is not nil. It returns the last response, whose body the
// caller closes, and its URL.
func (c *Crawler) get(ctx context.Context, method string, target weburl.URL, maxRedirects int, hop hopCheck) (*http.Response, weburl.URL, error) {
	var chain []string // the URLs fetched, to tell a loop
	for redirects := 0; ; redirects++ {
		resp, err := c.do(newRequest(ctx, method, target, c.headerFor(&target)))
		if err == nil && resp.StatusCode == http.StatusUnauthorized {
			resp, err = c.authenticate(ctx, method, target, resp)
		}
		if err != nil {
			return nil, target, err
		}
		loc := resp.Header.Get("Location")
		if !isRedirect(resp.StatusCode) || loc == "" {
			return resp, target, nil
		}
		closeBody(resp.Body)
		chain = append(chain, target.Href)
		if redirects == maxRedirects {
			return nil, target, &redirectError{redirectLimit(chain, redirects)}
		}
		next, err := weburl.Resolve(&target, loc, nil)
		if err != nil {
			return nil, target, &redirectError{fmt.Sprintf("redirect to invalid URL %q", loc)}
		}
		if next.Scheme != "http" && next.Scheme != "https" {
			return nil, target, &redirectError{fmt.Sprintf("redirect to %s: only http and https are followed", next.Href)}
		}
		if hop != nil {
			if err := hop(ctx, resp.StatusCode, &next); err != nil {
				return nil, target, err
			}
		}
		target = next
	}
}

// redirectLimit says why a chain of redirects was stopped: a loop when
// it came back to a URL it had been to, else too many redirects.
func redirectLimit(chain []string, redirects int) string {
	for i, u := range chain {
		if slices.Contains(chain[i+1:], u) {
			return fmt.Sprintf("redirect loop: stopped after %d redirects, back at %s", redirects, u)
		}
	}
	return fmt.Sprintf("stopped after %d redirects", redirects)
}

// authenticate answers a 401 with the credentials of the URL (user:pass@),
// as Chromium does: they are sent only when the server asks for them
// with a Basic challenge, never before, and only when -H gave no
// Authorization of its own. Otherwise the 401 stands.
func (c *Crawler) authenticate(ctx context.Context, method string, target weburl.URL, resp *http.Response) (*http.Response, error) {
	header := c.headerFor(&target)
	if target.Username == "" && target.Password == "" || header.Get("Authorization") != "" || !basicChallenge(resp.Header) {
		return resp, nil
	}
	closeBody(resp.Body)
	withAuth := header.Clone()
	withAuth.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(unescape(target.Username)+":"+unescape(target.Password))))
	return c.do(newRequest(ctx, method, target, withAuth))
}

// basicChallenge reports whether a 401's WWW-Authenticate offers Basic.
func basicChallenge(h http.Header) bool {
	for _, v := range h.Values("Www-Authenticate") {
		for _, challenge := range strings.Split(v, ",") {
			scheme, _, _ := strings.Cut(strings.TrimSpace(challenge), " ")
			if strings.EqualFold(scheme, "basic") {
				return true
			}
		}
	}
	return false
}

// do sends one request, with the run's cookies for its URL and keeping
// the cookies its response sets. The jar is applied here rather than by
// the client, which would add the cookies to the request's header: that
// header is shared by every request, and is copied only for a request that
// has cookies to send. A certificate error names the host.
func (c *Crawler) do(req *http.Request) (*http.Response, error) {
	jar, cloned := c.jar, false
	if jar != nil {
		if cookies := jar.Cookies(req.URL); len(cookies) > 0 {
			req.Header, cloned = req.Header.Clone(), true
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
		}
	}
	if c.cfg.OnRequest != nil {
		if !cloned {
			req.Header = req.Header.Clone()
		}
		if err := c.cfg.OnRequest(req); err != nil {
			return nil, fmt.Errorf("OnRequest: %w", err)
		}
	}
	if err := c.net.prepare(req); err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return nil, fmt.Errorf("TLS certificate of %s not trusted: %w (--ca-cert FILE trusts its authority, --insecure anything)", req.URL.Host, certErr.Err)
	}
	if err != nil {
		return nil, err
	}
	if jar != nil {
		if set := resp.Cookies(); len(set) > 0 {
			jar.SetCookies(req.URL, set)
		}
	}
	return resp, nil
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// newRequest builds a request for target (a GET, or a HEAD for a check). The path and query go on the wire
// exactly as the URL Standard serialized them, as a browser sends them. The
// header is shared, not copied: neither the client nor the transport
// writes to a request's header (the client copies it before adding basic
// auth).
func newRequest(ctx context.Context, method string, target weburl.URL, header http.Header) *http.Request {
	host := target.Host
	if target.Port != "" {
		host += ":" + target.Port
	}
	u := &url.URL{
		Scheme:     target.Scheme,
		Host:       host,
		Opaque:     target.Path,
		RawQuery:   target.Query,
		ForceQuery: target.HasQuery && target.Query == "",
	}
	// The path the cookie jar matches on; the wire gets Opaque.
	u.Path = unescape(target.Path)
	if strings.HasPrefix(target.Path, "//") {
		// net/http sends an Opaque starting with "//" in absolute form,
		// scheme + ":" + Opaque, which names the host the path spells.
		// As Path and RawPath it goes in origin form, "GET //x/y", as
		// browsers and curl send it (and in absolute form to a proxy).
		u.Opaque, u.RawPath = "", target.Path
	}
	req := &http.Request{Method: method, URL: u, Host: host, Header: header}
	return req.WithContext(ctx)
}

func unescape(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

// readResponse reads the body of a successful HTML response into buf. Other
// responses, and all of them without a buf, are recorded by status and
// content type only.
func (c *Crawler) readResponse(resp *http.Response, target weburl.URL, buf *bodyBuf) (*response, error) {
	r := &response{status: resp.StatusCode, finalURL: target.Href, contentType: lastValue(resp.Header, "Content-Type"), retryAfter: resp.Header.Get("Retry-After"), proto: resp.Proto}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return nil, fmt.Errorf("malformed HTTP status %03d", resp.StatusCode)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || buf == nil {
		return r, nil
	}
	if r.contentType != "" && !extract.IsHTML(r.contentType) {
		return r, nil
	}
	body, err := decompress(resp)
	if err != nil {
		return nil, err
	}
	size := resp.ContentLength
	if body != io.Reader(resp.Body) {
		size = 0 // compressed: the length says little about the body
	}
	if r.truncated, err = buf.read(body, c.cfg.MaxBody, size); err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	r.body = buf.bytes()
	r.html = r.contentType != "" || extract.IsHTML(http.DetectContentType(r.body))
	return r, nil
}

// decompress undoes the response's Content-Encoding. The transport's own
// decompression is off so that this also happens when the server compresses
// without being asked, and so that MaxBody limits decompressed bytes.
func decompress(resp *http.Response) (io.Reader, error) {
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return resp.Body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		return zr, nil
	case "deflate":
		// Servers send zlib-wrapped or raw deflate; browsers take both.
		br := bufio.NewReader(resp.Body)
		if h, _ := br.Peek(2); len(h) == 2 && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("deflate body: %w", err)
			}
			return zr, nil
		}
		return flate.NewReader(br), nil
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
}

// bodyBuf is a worker's reusable buffer for bodies. It grows by doubling
// but never past what one body may take, so that a 10 MiB limit costs
// 10 MiB and not the 16 MiB bytes.Buffer would round it up to.
type bodyBuf struct{ b []byte }

// read reads at most max bytes of r, reporting whether more was there: it
// reads one byte past max to tell. size, when positive, is how long the body
// says it is, so that a large body takes one allocation instead of a chain
// of doublings.
func (bb *bodyBuf) read(r io.Reader, max, size int64) (truncated bool, err error) {
	limit := int(min(max, math.MaxInt-1)) + 1
	b := bb.b[:0]
	if want := int(min(size, int64(limit-1))) + 1; size > 0 && want > cap(b) {
		b = make([]byte, 0, want)
	}
	for len(b) < limit {
		if len(b) == cap(b) {
			grown := make([]byte, len(b), min(2*cap(b)+32<<10, limit))
			copy(grown, b)
			b = grown
		}
		n, err := r.Read(b[len(b):min(cap(b), limit)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bb.b = b
			return false, err
		}
	}
	bb.b = b
	if len(b) > int(max) {
		bb.b = b[:max]
		return true, nil
	}
	return false, nil
}

// bytes returns what the last read read.
func (bb *bodyBuf) bytes() []byte { return bb.b }

// shrink lets go of a buffer grown for a large page: a worker keeps at most
// 256 KiB between pages, as most of its time is spent waiting with it.
func (bb *bodyBuf) shrink() {
	if cap(bb.b) > 256<<10 {
		bb.b = nil
	}
}

// closeBody reads a little of what is left, so that the connection can be
// reused when the rest is short, then closes the body.
func closeBody(body io.ReadCloser) {
	io.CopyN(io.Discard, body, 64<<10)
	body.Close()
}

// lastValue returns the last of a header's values: of two Content-Type
// headers, browsers use the last.
func lastValue(h http.Header, key string) string {
	vs := h.Values(key)
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// readFile reads a local HTML file given as a seed.
func (c *Crawler) readFile(path, fileURL string, buf *bodyBuf) (*response, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := &response{finalURL: fileURL}
	var size int64
	if info, err := f.Stat(); err == nil {
		size = info.Size()
	}
	if r.truncated, err = buf.read(f, c.cfg.MaxBody, size); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	r.body = buf.bytes()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		r.contentType = "text/html"
	case ".xhtml":
		r.contentType = "application/xhtml+xml"
	default:
		r.contentType = http.DetectContentType(r.body)
	}
	r.html = extract.IsHTML(r.contentType)
	return r, nil
}

// errorText describes a failed fetch for a record: the innermost useful
// message, without the URL the record is already keyed by.
func errorText(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}

	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout: " + err.Error()
	}
	return err.Error()
}

// credentialHeaders are the headers of Config.Header that only go to the
// inputs' origins, as curl sends -H credentials only to the host it was
// given.
var credentialHeaders = []string{"Authorization", "Cookie", "Proxy-Authorization"}

// headerFor returns the header of a request to u: with the credentials of
// Config.Header when u is on the origin (scheme, host and port) of an
// input, without them anywhere else, robots.txt and sitemaps included.
func (c *Crawler) headerFor(u *weburl.URL) http.Header {
	if c.creds != nil && c.creds.has(originKey(u)) {
		return c.header
	}
	return c.anonHeader
}

// originSet is a set of origins, safe for concurrent use.
type originSet struct {
	mu sync.Mutex
	m  map[string]struct{}
}

func (s *originSet) add(origin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]struct{})
	}
	s.m[origin] = struct{}{}
}

func (s *originSet) has(origin string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[origin]
	return ok
}
