package authn

import (
	"net/http"
	"time"

	"github.com/go-chi/httprate"
)

// RequestLimit admits up to a number of requests per key (a client IP) in
// a sliding window, for endpoints with a limit of their own, such as the
// public revocation reports. With Redis it holds one count for every
// instance, in one round trip; without, or while Redis does not answer,
// each instance counts in memory with httprate.
type RequestLimit struct {
	name   string
	limit  int
	window time.Duration
	local  *httprate.RateLimiter
	shared *SharedLimits
}

// NewRequestLimit makes a limit of limit requests per window; name keeps
// its counts in Redis apart from other limits'.
func NewRequestLimit(name string, limit int, window time.Duration, shared *SharedLimits) *RequestLimit {
	return &RequestLimit{
		name: name, limit: limit, window: window, shared: shared,
		local: httprate.NewRateLimiter(limit, window, httprate.WithResponseHeaders(httprate.ResponseHeaders{})),
	}
}

// Allow counts r against key's limit, unless the limit is spent: then it
// counts nothing and returns false.
func (l *RequestLimit) Allow(w http.ResponseWriter, r *http.Request, key string) bool {
	if l.shared.Shared() {
		// failScript is the same step: count one unless the count is spent.
		res, ok := l.shared.run(r.Context(), failScript, []string{l.shared.prefix + l.name + ":" + key},
			l.window.Milliseconds(), l.limit)
		if ok && len(res) == 2 {
			return res[0] == 1
		}
	}
	return !l.local.OnLimit(w, r, key)
}
