package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/crawlkit/crawl/crawler"
	"github.com/crawlkit/crawl/internal/cookiefile"
	"github.com/crawlkit/crawl/results"
)

// network fills the network settings of cfg from the options: the cookie
// jar (a cookies.txt loaded or to be saved), TLS trust. It returns the jar
// to save at the end, if any.
func (o *options) network(cfg *crawler.Config) (*cookiefile.Jar, error) {
	cfg.NoCookies = o.noCookies
	cfg.Insecure = o.insecure
	cfg.Proxy = o.proxy
	if o.caCert != "" {
		pem, err := os.ReadFile(o.caCert)
		if err != nil {
			return nil, usagef("--ca-cert: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usagef("--ca-cert %s: no PEM certificate in it", o.caCert)
		}
		cfg.RootCAs = pool
	}
	if o.cookies == "" && o.saveCookies == "" {
		return nil, nil
	}
	if err := o.checkSaveCookies(); err != nil {
		return nil, err
	}
	jar := cookiefile.NewJar()
	if o.cookies != "" {
		f, err := os.Open(o.cookies)
		if err != nil {
			return nil, usagef("--cookies: %v", err)
		}
		defer f.Close()
		if err := jar.Load(f); err != nil {
			return nil, usagef("--cookies %s: %v", o.cookies, err)
		}
	}
	cfg.Cookies = jar
	return jar, nil
}

// saveJar writes the jar to --save-cookies, atomically.
func (o *options) saveJar(jar *cookiefile.Jar) error {
	if jar == nil || o.saveCookies == "" {
		return nil
	}
	f, err := results.CreateAtomic(o.saveCookies)
	if err != nil {
		return fmt.Errorf("--save-cookies: %w", err)
	}
	if err := jar.Save(f); err != nil {
		return errors.Join(fmt.Errorf("--save-cookies: %w", err), f.Abort())
	}
	return f.Commit()
}

// checkSaveCookies refuses, before anything is crawled, a --save-cookies
// file that is also the output or an input list (by identity, so another
// name or a hard link is caught too), which saving would overwrite, and
// one that cannot be written.
func (o *options) checkSaveCookies() error {
	if o.saveCookies == "" {
		return nil
	}
	if o.output != "-" && sameFile(o.saveCookies, o.output) {
		return usagef("--save-cookies %s is also the output file %s: saving the cookies would overwrite the results", o.saveCookies, o.output)
	}
	for _, in := range o.inputs {
		if in != "-" && sameFile(o.saveCookies, in) {
			return usagef("--save-cookies %s is also the input list %s: saving the cookies would overwrite it", o.saveCookies, in)
		}
	}
	f, err := results.CreateAtomic(o.saveCookies)
	if err != nil {
		return usagef("--save-cookies: %v", err)
	}
	return f.Abort()
}

// sameFile reports whether two paths name one file: the same file when
// both exist (another name, a symlink or a hard link), else the same path.
func sameFile(a, b string) bool {
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(ia, ib)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
