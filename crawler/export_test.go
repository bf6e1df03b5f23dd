package crawler

import "syscall"

// SetDialCheck replaces the check every address dialed goes through (with
// DenyPrivate, denyPrivate), for the tests of package crawler_test.
func SetDialCheck(c *Crawler, check func(network, address string) error) {
	c.dialCheck = func(network, address string, _ syscall.RawConn) error { return check(network, address) }
}

// DenyPrivate is the check DenyPrivate makes.
func DenyPrivate(network, address string) error { return denyPrivate(network, address, nil) }
