package authn

import (
	"context"
	"hash/maphash"
	"math"
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
	// shared, when set, keeps the counters in Redis while it answers; the
	// counters below are the fallback.
	shared *SharedLimits
	// The header values that do not change, formatted once: the window in
	// seconds (X-RateLimit-Window, and Retry-After when refused) and the
	// limit. Each slice is shared by every answer, and full (len == cap),
	// so that an Add to one answer's header copies it instead of writing
	// into it.
	window, limit []string
	// perKey is split into shards by key, so that concurrent requests
	// rarely queue on one mutex.
	perKey [limiterShards]keyWindows
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

func newLimiters(l RateLimits, shared *SharedLimits) *limiters {
	failed := func(limit int) *httprate.RateLimiter {
		// An explicit counter keeps windows aligned to the wall clock, which
		// the slots rely on to count into the current window.
		return httprate.NewRateLimiter(limit, l.FailedWindow,
			httprate.WithResponseHeaders(httprate.ResponseHeaders{}),
			httprate.WithLimitCounter(&orderedCounter{LimitCounter: httprate.NewLocalLimitCounter(l.FailedWindow)}))
	}
	limits := &limiters{
		limits: l, shared: shared,
		window:          headerValue(strconv.Itoa(int(l.KeyWindow.Seconds()))),
		limit:           headerValue(strconv.Itoa(l.PerKey)),
		failedByAddress: failed(l.FailedPerIP),
		failedByNetwork: failed(networkLimitFactor * l.FailedPerIP),
		fromAddress: &model.Error{Code: model.CodeRateLimited, RetryAfter: l.FailedWindow,
			Message: "too many failed authentications from this address: retry after the time in Retry-After"},
		fromNetwork: &model.Error{Code: model.CodeRateLimited, RetryAfter: l.FailedWindow,
			Message: "too many failed authentications from this network: retry after the time in Retry-After"},
		lookUps:     map[string]int{},
		lookUpEnded: make(chan struct{}),
	}
	for i := range limits.perKey {
		limits.perKey[i].counts = map[string]*keyCount{}
	}
	return limits
}

const limiterShards = 16

var shardSeed = maphash.MakeSeed()

func shardOf(key string) int { return int(maphash.String(shardSeed, key) % limiterShards) }

var errKeyRateLimited = &model.Error{Code: model.CodeRateLimited, Message: "rate limit exceeded for this API key: slow down and retry after the time in Retry-After"}

// headerValue is a header's value for answers to share: full, so that
// appending to it copies.
func headerValue(v string) []string { return []string{v}[:1:1] }

// Header names in Go's canonical form, set straight into the map: HTTP
// header names ignore case, and Header.Set would canonicalise them again
// on every request.
const (
	headerLimit      = "X-Ratelimit-Limit"
	headerRemaining  = "X-Ratelimit-Remaining"
	headerWindow     = "X-Ratelimit-Window"
	headerRetryAfter = "Retry-After"
)

// keyWindows is one shard of the per-key limits: the counts of the keys
// it holds, by key id. A cached verdict carries its key's count (see
// keyAdmission), so a warm request counts without this look-up; the shard is
// asked when a verdict is filled, and by a request whose count it has
// since retired.
type keyWindows struct {
	mu     sync.Mutex
	counts map[string]*keyCount
	// newest is the start of the newest window a look-up has seen (Unix
	// nanoseconds): when it moves on, the counts idle since before the
	// previous window are retired, so that memory holds only the keys of
	// the last two windows, as httprate's counter cleared its maps.
	newest int64
}

// keyCount is one key's requests in the window starting at window (Unix
// nanoseconds) and in the one before it, counted under its own lock by the
// sliding-window rule of httprate's limiter (RateLimiter.OnLimit). It
// counts as httprate's in-memory counter did, with each key's two windows
// in one entry reached by a pointer; that counter hashed the key three
// times and looked it up in three maps for every request.
type keyCount struct {
	mu                sync.Mutex
	window            int64
	current, previous int
	// retired is set when the shard lets go of the count: a request that
	// still holds it counts into the one the shard holds instead, so a
	// key never has two counts at once.
	retired bool
}

// count returns key's count, made if the shard holds none.
func (k *keyWindows) count(key string, now time.Time, length time.Duration) *keyCount {
	window := now.Truncate(length).UnixNano()
	k.mu.Lock()
	defer k.mu.Unlock()
	if window > k.newest {
		k.newest = window
		k.retireBefore(window - int64(length))
	}
	c := k.counts[key]
	if c == nil {
		c = &keyCount{window: window}
		k.counts[key] = c
	}
	return c
}

// retireBefore lets go of the counts last counted before the window
// starting at start, which count nothing any more.
func (k *keyWindows) retireBefore(start int64) {
	for key, c := range k.counts {
		c.mu.Lock()
		if c.window < start {
			c.retired = true
			delete(k.counts, key)
		}
		c.mu.Unlock()
	}
}

// admit counts a request at now against key's limit unless that would
// exceed it, and returns the requests it leaves in the window (negative:
// refused).
func (k *keyWindows) admit(key string, now time.Time, limit int, length time.Duration) (remaining int, admitted bool) {
	for {
		remaining, admitted, retired := k.count(key, now, length).admit(now, limit, length)
		if !retired {
			return remaining, admitted
		}
	}
}

// admit is keyWindows.admit on c; retired says c no longer counts.
func (c *keyCount) admit(now time.Time, limit int, length time.Duration) (remaining int, admitted, retired bool) {
	window := now.Truncate(length).UnixNano()
	c.mu.Lock()
	switch {
	case c.retired:
		c.mu.Unlock()
		return 0, false, true
	case window <= c.window:
		// A request that read the clock just before a window ended may
		// take the lock just after another opened the next one; it then
		// counts into the newest, which can only be stricter.
		window = c.window
	case c.window == window-int64(length):
		c.window, c.current, c.previous = window, 0, c.current
	default:
		c.window, c.current, c.previous = window, 0, 0
	}
	elapsed := max(now.UnixNano()-window, 0)
	rate := int(math.Round(float64(c.previous)*(float64(length)-float64(elapsed))/float64(length) + float64(c.current)))
	if rate+1 > limit {
		c.mu.Unlock()
		return limit - rate, false, false
	}
	c.current++
	c.mu.Unlock()
	return limit - rate - 1, true, false
}

// keyCount returns keyID's count, for a verdict to carry.
func (l *limiters) keyCount(keyID string, now time.Time) *keyCount {
	return l.perKey[shardOf(keyID)].count(keyID, now, l.limits.KeyWindow)
}

// admitKey counts a request against its key's limit and sets the rate-limit
// headers; past the limit it returns RATE_LIMITED.
func (l *limiters) admitKey(w http.ResponseWriter, r *http.Request, keyID string) error {
	return l.admitKeyAt(w, r, keyID, nil, time.Now())
}

// admitKeyAt is admitKey for a request admitted at now; count is the
// key's count if the caller holds it, else nil.
func (l *limiters) admitKeyAt(w http.ResponseWriter, r *http.Request, keyID string, count *keyCount, now time.Time) error {
	h := w.Header()
	h[headerWindow] = l.window
	if l.shared.Shared() {
		if err, ok := l.admitKeyShared(w, r, keyID); ok {
			return err
		}
	}
	remaining, admitted, retired := 0, false, true
	if count != nil {
		remaining, admitted, retired = count.admit(now, l.limits.PerKey, l.limits.KeyWindow)
	}
	if retired {
		remaining, admitted = l.perKey[shardOf(keyID)].admit(keyID, now, l.limits.PerKey, l.limits.KeyWindow)
	}
	h[headerLimit] = l.limit
	h[headerRemaining] = []string{strconv.Itoa(remaining)}
	if !admitted {
		h[headerRetryAfter] = l.window // httprate's: the window, in seconds
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
// of look-ups under way do not block: those may yet be given back. With
// Redis, the check rides on the request's one round trip instead: that of
// its key's limit or of its failure.
func (l *limiters) ipBlocked(ip string) error { return l.ipBlockedAt(ip, time.Now()) }

// ipBlockedAt is ipBlocked for a request admitted at now.
func (l *limiters) ipBlockedAt(ip string, now time.Time) error {
	if l.shared.Shared() {
		return nil
	}
	return l.ipBlockedLocallyAt(ip, now)
}

func (l *limiters) ipBlockedLocally(ip string) error { return l.ipBlockedLocallyAt(ip, time.Now()) }

func (l *limiters) ipBlockedLocallyAt(ip string, now time.Time) error {
	if now.UnixNano()-l.lastFailure.Load() > int64(2*l.limits.FailedWindow) {
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

// failedFrom counts a failed authentication that needed no look-up, and
// returns why: the client's refusal if one of its limits is spent, else
// the failure itself.
func (l *limiters) failedFrom(ctx context.Context, ip string, why error) error {
	if l.shared.Shared() {
		if refusal, ok := l.failedFromShared(ctx, ip); ok {
			if refusal != nil {
				return refusal
			}
			// Counted here too: look-up slots are this instance's, and
			// weigh its own failures.
			l.failedLocally(ip)
			return why
		}
		// Redis's counters cannot say whether this one is spent: the local
		// ones do, as they would have before the look-up.
		if refusal := l.ipBlockedLocally(ip); refusal != nil {
			return refusal
		}
	}
	l.failedLocally(ip)
	return why
}

func (l *limiters) failedLocally(ip string) {
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
// cannot all reach the database before the first is counted. Slots are
// this instance's own, with or without Redis: taking one in Redis, and
// ending it, would cost a keyed request that misses the cache two round
// trips more. Redis hears of a look-up once it has failed (failedLookUp),
// and an instance that Redis tells a client is spent remembers it
// (spentInRedis), so its next look-up for that client is refused here.
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

// failedLookUp is the answer to a look-up that found the credential
// unknown, after its slot has ended and kept its count here: with Redis,
// the failure is counted there too, in the request's one round trip, and
// the client's refusal answers instead if Redis finds its limit spent.
func (l *limiters) failedLookUp(ctx context.Context, ip string) error {
	if l.shared.Shared() {
		if refusal, ok := l.failedFromShared(ctx, ip); ok && refusal != nil {
			return refusal
		}
	}
	return refusedUnknown
}

// spentInRedis fills this instance's count for f's current window, so that
// the client's next look-up is refused here, without asking the database,
// until the count fades as the local limit's would. Redis said f is
// spent across instances; this instance had counted only its own share.
func (l *limiters) spentInRedis(f failureLimit) {
	l.lastFailure.Store(time.Now().UnixNano())
	window := l.currentWindow()
	l.mu.Lock()
	defer l.mu.Unlock()
	if missing := math.Ceil(float64(f.limit) - l.failures(f)); missing > 0 {
		_ = f.counter.Counter().IncrementBy(f.key, window, int(missing))
	}
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

// The shared counterparts of the steps above, each one script in Redis.
// ok is false when Redis did not answer and the step falls back to this
// instance's counters.

func (l *limiters) redisKeys(limits []failureLimit) []string {
	keys := make([]string, len(limits))
	for i, f := range limits {
		keys[i] = l.shared.prefix + "failed:" + f.key
	}
	return keys
}

func (l *limiters) admitKeyShared(w http.ResponseWriter, r *http.Request, keyID string) (_ error, ok bool) {
	gates := l.of(ClientIPFromContext(r.Context()))
	keys := append([]string{l.shared.prefix + "key:" + keyID}, l.redisKeys(gates)...)
	args := make([]any, 0, 5)
	args = append(args, l.limits.PerKey, l.limits.KeyWindow.Milliseconds(), l.limits.FailedWindow.Milliseconds())
	for _, f := range gates {
		args = append(args, f.limit)
	}
	res, ok := l.shared.run(r.Context(), admitKeyScript, keys, args...)
	if !ok || len(res) != 2 {
		return nil, false
	}
	h := w.Header()
	switch verdict, remaining := res[0], res[1]; {
	case verdict < 0:
		// The client was refused before its key was looked at, as it
		// would be by the local limits: no rate-limit headers.
		delete(h, headerWindow)
		l.spentInRedis(gates[-verdict-1])
		return gates[-verdict-1].refusal, true
	case verdict == 0:
		h[headerLimit] = l.limit
		h[headerRemaining] = []string{strconv.FormatInt(remaining, 10)}
		h[headerRetryAfter] = l.window // httprate's: the window, in seconds
		return errKeyRateLimited, true
	default:
		h[headerLimit] = l.limit
		h[headerRemaining] = []string{strconv.FormatInt(remaining, 10)}
		return nil, true
	}
}

func (l *limiters) failureArgs(limits []failureLimit) []any {
	args := make([]any, 0, 1+len(limits))
	args = append(args, l.limits.FailedWindow.Milliseconds())
	for _, f := range limits {
		args = append(args, f.limit)
	}
	return args
}

// sessionBlocked returns the client's refusal if one of its failure
// limits is spent, for a request that no key's limit checked: one with a
// session token. Without Redis, ipBlocked has already checked.
func (l *limiters) sessionBlocked(ctx context.Context, ip string) error {
	if !l.shared.Shared() {
		return nil
	}
	limits := l.of(ip)
	res, ok := l.shared.run(ctx, blockedScript, l.redisKeys(limits), l.failureArgs(limits)...)
	if !ok || len(res) != 1 {
		return l.ipBlockedLocally(ip)
	}
	if res[0] > 0 {
		l.spentInRedis(limits[res[0]-1])
		return limits[res[0]-1].refusal
	}
	return nil
}

// failedFromShared counts a failure in Redis unless the client's limit is
// spent, in which case it returns the refusal.
func (l *limiters) failedFromShared(ctx context.Context, ip string) (refusal error, ok bool) {
	limits := l.of(ip)
	res, ok := l.shared.run(ctx, failScript, l.redisKeys(limits), l.failureArgs(limits)...)
	if !ok || len(res) != 2 {
		return nil, false
	}
	if res[0] == 0 {
		l.spentInRedis(limits[res[1]-1])
		return limits[res[1]-1].refusal, true
	}
	return nil, true
}
