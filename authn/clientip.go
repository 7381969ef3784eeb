package authn

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type clientIPKey struct{}

// ClientIPs works out each request's client address: the connection's
// peer, or, when that peer is a trusted proxy, the address the proxies
// recorded in X-Forwarded-For. Without trusted proxies every integration
// behind one gateway would share the gateway's address.
type ClientIPs struct {
	Trusted []netip.Prefix
}

// ParseCIDRs parses a comma-separated list of CIDRs (or bare addresses).
func ParseCIDRs(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			addr, err := netip.ParseAddr(s)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (c *ClientIPs) trusted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range c.Trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Resolve returns the client address of r.
func (c *ClientIPs) Resolve(r *http.Request) string {
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
	for i := len(hops) - 1; i >= 0 && c.trusted(client); i-- {
		entries := strings.Split(hops[i], ",")
		for j := len(entries) - 1; j >= 0 && c.trusted(client); j-- {
			addr, err := netip.ParseAddr(strings.TrimSpace(entries[j]))
			if err != nil {
				return client.String()
			}
			client = addr.Unmap()
		}
	}
	return client.String()
}

// Middleware records the client address in the request context.
func (c *ClientIPs) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey{}, c.Resolve(r))))
	})
}

// ClientIPFromContext returns the client's address, or "" outside a request.
func ClientIPFromContext(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
