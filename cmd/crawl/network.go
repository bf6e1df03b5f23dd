package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"

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
