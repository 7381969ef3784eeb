package authn

import (
	"hash/maphash"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-chi/httprate"

	"github.com/keyfob/keyfob/model"
)

// RateLimits are the per-instance request limits.
type RateLimits struct {
	// PerKey requests are allowed per key in each KeyWindow, counted over a
	// sliding window so a burst at a window's edge cannot double the limit.
	PerKey    int
	KeyWindow time.Duration
	// FailedPerIP failed authentications are allowed per client IP in each
	// FailedWindow, so keys cannot be probed.
	FailedPerIP  int
	FailedWindow time.Duration
}

// DefaultRateLimits follow the CRM's REST API: 250 requests per key per 10
// seconds, and 20 failed authentications per IP per minute.
var DefaultRateLimits = RateLimits{PerKey: 250, KeyWindow: 10 * time.Second, FailedPerIP: 20, FailedWindow: time.Minute}

type limiters struct {
	limits RateLimits
	window string // the X-RateLimit-Window value, formatted once
	// perKey is split into shards by key: httprate locks one mutex per
	// limiter, which every concurrent request would otherwise queue on.
	perKey [limiterShards]*httprate.RateLimiter
	failed *httprate.RateLimiter
	// lastFailure lets the hot path skip the per-IP check (and its lock)
	// when no authentication has failed within the sliding window.
	lastFailure atomic.Int64
}

func newLimiters(l RateLimits) *limiters {
	// Header names in Go's canonical form, so setting them costs no
	// canonicalisation on the hot path (HTTP header names ignore case).
	headers := httprate.WithResponseHeaders(httprate.ResponseHeaders{
		Limit: "X-Ratelimit-Limit", Remaining: "X-Ratelimit-Remaining", RetryAfter: "Retry-After",
	})
	return &limiters{
		limits: l, window: strconv.Itoa(int(l.KeyWindow.Seconds())),
		perKey: func() (shards [limiterShards]*httprate.RateLimiter) {
			for i := range shards {
				shards[i] = httprate.NewRateLimiter(l.PerKey, l.KeyWindow, headers)
			}
			return shards
		}(),
		// An explicit counter keeps windows aligned to the wall clock, which
		// failedFrom relies on to count into the current window.
		failed: httprate.NewRateLimiter(l.FailedPerIP, l.FailedWindow,
			httprate.WithResponseHeaders(httprate.ResponseHeaders{}),
			httprate.WithLimitCounter(httprate.NewLocalLimitCounter(l.FailedWindow))),
	}
}

const limiterShards = 16

var shardSeed = maphash.MakeSeed()

func shardOf(key string) int { return int(maphash.String(shardSeed, key) % limiterShards) }

var (
	errKeyRateLimited = &model.Error{Code: model.CodeRateLimited, Message: "rate limit exceeded for this API key: slow down and retry after the time in Retry-After"}
	errIPRateLimited  = &model.Error{Code: model.CodeRateLimited, Message: "too many failed authentications from this address: retry after the time in Retry-After"}
)

// admitKey counts a request against its key's limit and sets the rate-limit
// headers; past the limit it returns RATE_LIMITED.
func (l *limiters) admitKey(w http.ResponseWriter, r *http.Request, keyID string) error {
	w.Header()["X-Ratelimit-Window"] = []string{l.window}
	if l.perKey[shardOf(keyID)].OnLimit(w, r, keyID) {
		return errKeyRateLimited
	}
	return nil
}

// ipBlocked reports whether ip used up its failed authentications, setting
// Retry-After if so.
func (l *limiters) ipBlocked(w http.ResponseWriter, ip string) bool {
	if time.Since(time.Unix(0, l.lastFailure.Load())) > 2*l.limits.FailedWindow {
		return false
	}
	_, rate, err := l.failed.Status(ip)
	if err != nil || rate < float64(l.limits.FailedPerIP) {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(l.limits.FailedWindow.Seconds())))
	return true
}

func (l *limiters) failedFrom(ip string) {
	l.lastFailure.Store(time.Now().UnixNano())
	window := time.Now().UTC().Truncate(l.limits.FailedWindow)
	_ = l.failed.Counter().IncrementBy(ip, window, 1)
}
