package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/keyfob/keyfob/authn"
)

// clientIPs works out each request's client address: the connection's
// peer, or, when that peer is a trusted proxy, the address the proxies
// recorded in X-Forwarded-For. Without trusted proxies every integration
// behind one gateway would share the gateway's address.
type clientIPs struct {
	trusted []netip.Prefix
}

func (c *clientIPs) isTrusted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range c.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// isTrustedPeer reports whether r's connection comes from a trusted proxy.
func (c *clientIPs) isTrustedPeer(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	return err == nil && c.isTrusted(peer)
}

// resolve returns the client address of r.
func (c *clientIPs) resolve(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	client := peer.Unmap()
	// Walk X-Forwarded-For from the right: each entry was appended by the
	// hop before it, so only entries added by trusted hops are believed.
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0 && c.isTrusted(client); i-- {
		entries := strings.Split(hops[i], ",")
		for j := len(entries) - 1; j >= 0 && c.isTrusted(client); j-- {
			addr, err := netip.ParseAddr(strings.TrimSpace(entries[j]))
			if err != nil {
				return client.String()
			}
			client = addr.Unmap()
		}
	}
	return client.String()
}

// middleware records the client address in the request context.
func (c *clientIPs) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(authn.NewContextWithClientIP(r.Context(), c.resolve(r))))
	})
}
