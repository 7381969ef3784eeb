package authn

import "context"

type clientIPKey struct{}

// NewContextWithClientIP returns ctx carrying the client's address, which
// the per-address limits key on. The HTTP layer works it out, trusting
// X-Forwarded-For only from the proxies it is told to.
func NewContextWithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIPFromContext returns the client's address, or "" outside a request.
func ClientIPFromContext(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
