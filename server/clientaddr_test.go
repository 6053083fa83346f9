package server

import (
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted := proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	for _, tc := range []struct {
		name, peer string
		forwarded  []string
		want       string
	}{
		{"untrusted peer: its header is ignored", "192.0.2.1", []string{"203.0.113.9"}, "192.0.2.1"},
		{"trusted proxy: the hop it saw", "10.0.0.1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a forged hop left of the proxy's", "10.0.0.1", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"a chain of trusted proxies", "10.0.0.1", []string{"203.0.113.9, 10.0.0.2", "10.0.0.3"}, "203.0.113.9"},
		{"only proxies: the leftmost", "10.0.0.1", []string{"10.0.0.2"}, "10.0.0.2"},
		{"trusted proxy without a header", "10.0.0.1", nil, "10.0.0.1"},
		{"garbage from the proxy's client", "10.0.0.1", []string{"not-an-ip"}, "10.0.0.1"},
		{"IPv6 proxy, IPv4-mapped client", "2001:db8::1", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := trusted.clientIP(netip.MustParseAddr(tc.peer), tc.forwarded); got != tc.want {
				t.Fatalf("clientIP(%s, %q) = %s, want %s", tc.peer, tc.forwarded, got, tc.want)
			}
		})
	}
}
