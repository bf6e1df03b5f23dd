// Package cookiefile reads and writes Netscape cookies.txt files, the
// format browsers' export extensions, curl (-b/-c) and wget use, into and
// out of a cookie jar.
//
// net/http/cookiejar keeps the jar's rules (public suffixes, domains,
// paths, expiry) but cannot list its cookies, so Jar wraps it and keeps
// what it was given, to write it back.
package cookiefile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Jar is a cookiejar.Jar that also remembers the cookies set in it, so that
// Save can write them.
type Jar struct {
	jar *cookiejar.Jar

	mu      sync.Mutex
	cookies map[string]entry // by domain, path and name
}

// entry is a cookie as the file holds it.
type entry struct {
	domain   string // without a leading dot
	hostOnly bool
	path     string
	secure   bool
	httpOnly bool
	expires  time.Time // zero for a session cookie
	name     string
	value    string
}

// NewJar returns an empty jar that follows the public suffix list.
func NewJar() *Jar {
	j, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List}) // never fails
	return &Jar{jar: j, cookies: make(map[string]entry)}
}

// Cookies implements http.CookieJar.
func (j *Jar) Cookies(u *url.URL) []*http.Cookie { return j.jar.Cookies(u) }

// SetCookies implements http.CookieJar, and remembers the cookies the jar
// takes.
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.jar.SetCookies(u, cookies)
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now()
	for _, c := range cookies {
		e := entry{domain: strings.TrimPrefix(strings.ToLower(c.Domain), "."), path: c.Path, secure: c.Secure, httpOnly: c.HttpOnly, name: c.Name, value: c.Value}
		if e.domain == "" {
			e.domain, e.hostOnly = u.Hostname(), true
		}
		if e.path == "" || e.path[0] != '/' {
			e.path = defaultPath(u.Path)
		}
		switch {
		case c.MaxAge > 0:
			e.expires = now.Add(time.Duration(c.MaxAge) * time.Second)
		case c.MaxAge < 0:
			e.expires = now.Add(-time.Second)
		case !c.Expires.IsZero():
			e.expires = c.Expires
		}
		key := e.domain + ";" + e.path + ";" + e.name
		if !e.expires.IsZero() && e.expires.Before(now) {
			delete(j.cookies, key)
			continue
		}
		// Only what the jar accepted is kept: it refuses cookies for
		// another site or a public suffix.
		if j.accepted(u, e) {
			j.cookies[key] = e
		}
	}
}

// accepted reports whether the jar holds e, as seen from the URL it came
// from.
func (j *Jar) accepted(u *url.URL, e entry) bool {
	probe := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: e.path}
	for _, c := range j.jar.Cookies(probe) {
		if c.Name == e.name && c.Value == e.value {
			return true
		}
	}
	return false
}

// defaultPath is RFC 6265's default-path of a request path.
func defaultPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// Load reads a cookies.txt file into the jar. Expired cookies are skipped;
// a malformed line is an error naming it.
func (j *Jar) Load(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	n := 1 // the line being read
	for ; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		httpOnly := false
		if rest, ok := strings.CutPrefix(line, "#HttpOnly_"); ok {
			line, httpOnly = rest, true
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return fmt.Errorf("line %d: want 7 tab-separated fields, found %d", n, len(f))
		}
		secs, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			return fmt.Errorf("line %d: expiry %q: want seconds since 1970", n, f[4])
		}
		domain := strings.TrimPrefix(f[0], ".")
		c := &http.Cookie{Name: f[5], Value: f[6], Path: f[2], Secure: strings.EqualFold(f[3], "TRUE"), HttpOnly: httpOnly}
		if strings.EqualFold(f[1], "TRUE") {
			c.Domain = domain
		}
		if secs > 0 {
			c.Expires = time.Unix(secs, 0)
			if c.Expires.Before(time.Now()) {
				continue
			}
		}
		scheme := "http"
		if c.Secure {
			scheme = "https"
		}
		j.SetCookies(&url.URL{Scheme: scheme, Host: domain, Path: c.Path}, []*http.Cookie{c})
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("line %d: longer than %d KiB, which no cookie is", n, maxLine>>10)
	}
	return sc.Err()
}

// maxLine is the longest line Load reads: browsers keep a cookie's name
// and value to 4 KiB, so a longer line is no cookie.
const maxLine = 1 << 20

// Save writes the jar's cookies, session cookies included, as a
// cookies.txt file, sorted by domain, path and name.
func (j *Jar) Save(w io.Writer) error {
	j.mu.Lock()
	keys := slices.Sorted(maps.Keys(j.cookies))
	entries := make([]entry, len(keys))
	for i, k := range keys {
		entries[i] = j.cookies[k]
	}
	j.mu.Unlock()
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, "# Netscape HTTP Cookie File\n# Written by crawl.\n\n")
	now := time.Now()
	for _, e := range entries {
		if !e.expires.IsZero() && e.expires.Before(now) {
			continue
		}
		domain, sub := e.domain, "FALSE"
		if !e.hostOnly {
			domain, sub = "."+e.domain, "TRUE"
		}
		if e.httpOnly {
			domain = "#HttpOnly_" + domain
		}
		var expires int64
		if !e.expires.IsZero() {
			expires = e.expires.Unix()
		}
		fmt.Fprintf(bw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", domain, sub, e.path, strings.ToUpper(strconv.FormatBool(e.secure)), expires, e.name, e.value)
	}
	return bw.Flush()
}
