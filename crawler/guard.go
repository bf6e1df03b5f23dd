package crawler

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// errDenied is wrapped by the error of a connection that DenyPrivate
// refused.
var errDenied = errors.New("denied")

// deniedPrefixes are the networks DenyPrivate keeps crawl away from, beyond
// what netip classifies as loopback, private, link-local, multicast or
// unspecified.
var deniedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network", 0.0.0.0 reaches the local host
	netip.MustParsePrefix("100.64.0.0/10"),      // carrier-grade NAT, shared address space
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b::/96"),       // NAT64, which maps onto IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),     // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),      // documentation
	netip.MustParsePrefix("::ffff:0:0:0/96"),    // IPv4-translated
	netip.MustParsePrefix("100::/64"),           // discard-only
	netip.MustParsePrefix("2002::/16"),          // 6to4, which embeds IPv4
	netip.MustParsePrefix("fec0::/10"),          // deprecated site-local
	netip.MustParsePrefix("::/128"),             // unspecified
	netip.MustParsePrefix("::1/128"),            // loopback
	netip.MustParsePrefix("fe80::/10"),          // link-local
	netip.MustParsePrefix("fc00::/7"),           // unique local
	netip.MustParsePrefix("ff00::/8"),           // multicast
	netip.MustParsePrefix("255.255.255.255/32"), // broadcast
}

// isPrivate reports whether ip is an address a crawler told to stay on the
// public internet must not connect to: loopback, private, link-local,
// unspecified, multicast, reserved, and the IPv4-mapped forms of them.
func isPrivate(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range deniedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// denyPrivate is a net.Dialer Control function: it runs after DNS, for
// every address a connection is attempted to, so neither a redirect nor a
// DNS answer can lead crawl to a private address.
func denyPrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("connection to %s %w: not an IP address", address, errDenied)
	}
	if isPrivate(ap.Addr()) {
		return fmt.Errorf("connection to private address %s %w (--deny-private)", ap.Addr(), errDenied)
	}
	return nil
}
