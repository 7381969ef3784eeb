package authn

import (
	"context"
	"hash/maphash"
	"net/http"
	"strconv"
	"sync"
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
	// FailedWindow, so keys cannot be probed, and ten times as many per
	// IPv6 /64.
	FailedPerIP  int
	FailedWindow time.Duration
}

// DefaultRateLimits follow the CRM's REST API: 250 requests per key per 10
// seconds, and 20 failed authentications per IP per minute.
var DefaultRateLimits = RateLimits{PerKey: 250, KeyWindow: 10 * time.Second, FailedPerIP: 20, FailedWindow: time.Minute}

// networkLimitFactor is how many times an address's limit its IPv6 /64
// gets, on top of the address's own. A /64 must not hold 2⁶⁴ allowances,
// but hosting providers put unrelated customers in one, and strangers
// there must not lock each other out at a single address's limit.
const networkLimitFactor = 10

// networkKey names ip's /64 when ip is an IPv6 address, for the
// per-network limits; it is "" otherwise: an IPv4 address is limited by
// itself alone.
func networkKey(ip string) string {
	network, ok := model.NetworkOf(ip)
	if !ok || network.Addr().Is4() {
		return ""
	}
	return network.String()
}

type limiters struct {
	limits RateLimits
	window string // the X-RateLimit-Window value, formatted once
	// perKey is split into shards by key: httprate locks one mutex per
	// limiter, which every concurrent request would otherwise queue on.
	perKey [limiterShards]*httprate.RateLimiter
	// failedByAddress and failedByNetwork count failed authentications,
	// and the look-ups under way, by client address and by IPv6 /64.
	failedByAddress, failedByNetwork *httprate.RateLimiter
	fromAddress, fromNetwork         *model.Error // their refusals
	// mu makes taking a look-up's slot one step: checking and counting it
	// against the address and its network. httprate's OnLimit is atomic
	// for one limiter only.
	mu sync.Mutex
	// lookUps counts the slots of look-ups under way by limiter key: they
	// may yet be given back.
	lookUps map[string]int
	// lookUpEnded is closed, and replaced, whenever a look-up's slot is
	// kept or given back, waking those waiting for one.
	lookUpEnded chan struct{}
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
	failed := func(limit int) *httprate.RateLimiter {
		// An explicit counter keeps windows aligned to the wall clock, which
		// the slots rely on to count into the current window.
		return httprate.NewRateLimiter(limit, l.FailedWindow,
			httprate.WithResponseHeaders(httprate.ResponseHeaders{}),
			httprate.WithLimitCounter(&orderedCounter{LimitCounter: httprate.NewLocalLimitCounter(l.FailedWindow)}))
	}
	return &limiters{
		limits: l, window: strconv.Itoa(int(l.KeyWindow.Seconds())),
		perKey: func() (shards [limiterShards]*httprate.RateLimiter) {
			for i := range shards {
				shards[i] = httprate.NewRateLimiter(l.PerKey, l.KeyWindow, headers)
			}
			return shards
		}(),
		failedByAddress: failed(l.FailedPerIP),
		failedByNetwork: failed(networkLimitFactor * l.FailedPerIP),
		fromAddress: &model.Error{Code: model.CodeRateLimited, RetryAfter: l.FailedWindow,
			Message: "too many failed authentications from this address: retry after the time in Retry-After"},
		fromNetwork: &model.Error{Code: model.CodeRateLimited, RetryAfter: l.FailedWindow,
			Message: "too many failed authentications from this network: retry after the time in Retry-After"},
		lookUps:     map[string]int{},
		lookUpEnded: make(chan struct{}),
	}
}

const limiterShards = 16

var shardSeed = maphash.MakeSeed()

func shardOf(key string) int { return int(maphash.String(shardSeed, key) % limiterShards) }

var errKeyRateLimited = &model.Error{Code: model.CodeRateLimited, Message: "rate limit exceeded for this API key: slow down and retry after the time in Retry-After"}

// admitKey counts a request against its key's limit and sets the rate-limit
// headers; past the limit it returns RATE_LIMITED.
func (l *limiters) admitKey(w http.ResponseWriter, r *http.Request, keyID string) error {
	w.Header()["X-Ratelimit-Window"] = []string{l.window}
	if l.perKey[shardOf(keyID)].OnLimit(w, r, keyID) {
		return errKeyRateLimited
	}
	return nil
}

// failureLimit is one of the failed-authentication limits a client is held
// to, with the key it is counted under.
type failureLimit struct {
	counter *httprate.RateLimiter
	key     string
	limit   int
	refusal *model.Error
}

// of lists the limits a client at ip is held to.
func (l *limiters) of(ip string) []failureLimit {
	limits := []failureLimit{{l.failedByAddress, ip, l.limits.FailedPerIP, l.fromAddress}}
	if network := networkKey(ip); network != "" {
		limits = append(limits, failureLimit{l.failedByNetwork, network, networkLimitFactor * l.limits.FailedPerIP, l.fromNetwork})
	}
	return limits
}

// ipBlocked returns the refusal of ip's first used-up limit, or nil. Slots
// of look-ups under way do not block: those may yet be given back.
func (l *limiters) ipBlocked(ip string) error {
	if time.Since(time.Unix(0, l.lastFailure.Load())) > 2*l.limits.FailedWindow {
		return nil
	}
	for _, f := range l.of(ip) {
		if l.failures(f) < float64(f.limit) {
			continue // the lock is needed only to tell failures from look-ups
		}
		l.mu.Lock()
		blocked := l.failures(f)-float64(l.lookUps[f.key]) >= float64(f.limit)
		l.mu.Unlock()
		if blocked {
			return f.refusal
		}
	}
	return nil
}

// failures is f's sliding-window count, look-ups under way included.
func (l *limiters) failures(f failureLimit) float64 {
	_, n, err := f.counter.Status(f.key)
	if err != nil { // the in-memory counter never fails
		return 0
	}
	return n
}

// failedFrom counts a failed authentication that needed no look-up.
func (l *limiters) failedFrom(ip string) {
	l.lastFailure.Store(time.Now().UnixNano())
	window := l.currentWindow()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range l.of(ip) {
		_ = f.counter.Counter().IncrementBy(f.key, window, 1)
	}
}

func (l *limiters) currentWindow() time.Time {
	return time.Now().UTC().Truncate(l.limits.FailedWindow)
}

// lookUpSlot is a failed authentication counted before the look-up that
// decides it, so that concurrent unknown credentials from one address
// cannot all reach the database before the first is counted.
type lookUpSlot struct {
	l      *limiters
	limits []failureLimit
	window time.Time
}

// takeLookUpSlot counts a failure against ip's limits ahead of a look-up,
// or refuses if one would not fit. A look-up that would fit only if some
// of those under way succeed waits for their outcome, so that a gateway's
// integrations starting together are not refused for failures that never
// happen.
func (l *limiters) takeLookUpSlot(ctx context.Context, ip string) (*lookUpSlot, error) {
	s := &lookUpSlot{l: l, limits: l.of(ip)}
	l.mu.Lock()
	for {
		s.window = l.currentWindow()
		var full *failureLimit
		for i, f := range s.limits {
			if l.failures(f)+1 > float64(f.limit) {
				full = &s.limits[i]
				break
			}
		}
		if full == nil {
			break
		}
		if l.lookUps[full.key] == 0 {
			l.mu.Unlock()
			return nil, full.refusal
		}
		ended := l.lookUpEnded
		l.mu.Unlock()
		select {
		case <-ended:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		l.mu.Lock()
	}
	for _, f := range s.limits {
		_ = f.counter.Counter().IncrementBy(f.key, s.window, 1)
		l.lookUps[f.key]++
	}
	l.mu.Unlock()
	return s, nil
}

// end keeps the slot if the look-up found the credential unknown, and
// gives it back otherwise. A slot taken in a window that has closed is
// not given back: it fades with its window.
func (s *lookUpSlot) end(failed bool) {
	l := s.l
	if failed {
		l.lastFailure.Store(time.Now().UnixNano())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range s.limits {
		if !failed {
			_ = f.counter.Counter().IncrementBy(f.key, s.window, -1)
		}
		if l.lookUps[f.key]--; l.lookUps[f.key] == 0 {
			delete(l.lookUps, f.key)
		}
	}
	close(l.lookUpEnded)
	l.lookUpEnded = make(chan struct{})
}

// orderedCounter is httprate's in-memory counter, safe against a count
// for a window older than the newest it has seen: the in-memory counter
// would then clear every count. httprate's own limiter hands it one when
// a request reads the clock just before a window ends and takes its lock
// just after another request opened the next window. A late increment
// counts into the newest window instead, which can only be stricter; a
// late give-back is dropped, as the slot it returns fades with its window.
type orderedCounter struct {
	httprate.LimitCounter
	mu     sync.Mutex
	newest time.Time
}

func (c *orderedCounter) IncrementBy(key string, window time.Time, amount int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if window.Before(c.newest) {
		if amount < 0 {
			return nil
		}
		window = c.newest
	}
	c.newest = window
	return c.LimitCounter.IncrementBy(key, window, amount)
}

func (c *orderedCounter) Increment(key string, window time.Time) error {
	return c.IncrementBy(key, window, 1)
}
