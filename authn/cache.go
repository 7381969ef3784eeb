package authn

import (
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/maypok86/otter/v2"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// verdict is what the cache remembers about a credential: who it belongs
// to, or (actor nil) that it belongs to nobody.
type verdict struct {
	actor *model.Actor
	ttl   time.Duration
	// expiresAt (Unix nanoseconds, 0 for never; fill sets it): see expired.
	expiresAt int64
	// refreshAt (Unix nanoseconds, 0 for never) is when a hit starts a look-up
	// in the background, so a credential in use is renewed before its TTL ends
	// instead of making a request wait for the database when it does.
	refreshAt int64
	// key is what admitting a request with the key reads, for a key's
	// verdict (see keyAdmission).
	key *keyAdmission
	// epoch is the cache's listening epoch when the verdict was filled: one
	// from an earlier epoch may predate a revocation the listener missed,
	// so it answers only when the database cannot (see Cache.kept).
	epoch uint64
}

// expiresAt (Unix nanoseconds, 0 for never) is when the entry stops
// answering: when the credential itself stops working (a key's expiresAt,
// a session's end) or its TTL ends, whichever comes first. otter evicts
// the entry a little later, by a clock that may lag (see NewCache), so
// get and kept check it by the request's own reading.
func (v verdict) expired(now time.Time) bool {
	return v.expiresAt != 0 && now.UnixNano() >= v.expiresAt
}

// refreshDue reports whether a hit at now should renew the entry.
func (v verdict) refreshDue(now time.Time) bool {
	return v.refreshAt != 0 && now.UnixNano() >= v.refreshAt
}

// Cache remembers verified credentials so that a warm verification makes no
// database query. Revocations reach it three ways: directly from this
// instance's mutations, from other instances through the listener, and, as
// a backstop, through each entry's time-to-live.
type Cache struct {
	entries     *otter.Cache[credential.Digest, verdict]
	ttl         time.Duration
	negativeTTL time.Duration

	// mu orders fills against revocations. A look-up that started before a
	// revocation carries an older generation and may not fill its result,
	// so a stale "valid" can never outlive the delete that revoked it.
	mu         sync.Mutex
	generation uint64
	// bypass is set while revocations may be going unheard (the listener
	// lost its connection): every verification then asks the database, and
	// the entries are kept only to answer when it cannot (see kept).
	bypass atomic.Bool
	// epoch counts the listener's returns. Entries filled in an earlier
	// epoch are not served until the database confirms them, since a
	// revocation may have gone unheard while it was away; until then they
	// are kept, like a bypassed cache's.
	epoch atomic.Uint64
	// unreachableUntil (Unix nanoseconds) is set when a look-up finds the
	// database unable to answer: until then kept verdicts answer without
	// asking it again, so an outage costs one bounded wait a second rather
	// than one per request.
	unreachableUntil atomic.Int64

	// renewals gathers the credentials due for renewal into batches.
	renewals renewals
	// refreshPausedUntil (Unix nanoseconds) holds refreshes back for a while
	// after one fails, so a database outage is not met by a look-up (and a
	// log line) for every hit.
	refreshPausedUntil atomic.Int64

	// admissionOf, if set, gathers what admitting a key's requests reads,
	// for its verdict to carry (the authenticator's).
	admissionOf func(*model.Actor) *keyAdmission

	hits, misses atomic.Uint64
	clock        clockwork.Clock
	// realClock says clock is the real one, whose time.Now the hot path
	// reads once for the cache and the rate limits together.
	realClock bool
}

var realClockType = reflect.TypeOf(clockwork.NewRealClock())

// otterClock lets otter expire entries by the cache's clock.
type otterClock struct{ clockwork.Clock }

func (c otterClock) NowNano() int64 { return c.Now().UnixNano() }

// Tick drives otter's proactive clean-ups; expiry itself is checked on
// every read, by NowNano.
func (c otterClock) Tick(d time.Duration) <-chan time.Time { return c.NewTicker(d).Chan() }

// coarseResolution is how often otter's view of the real clock is
// updated. Each update wakes a goroutine, which would cost more than the
// clock readings it saves at low traffic if it were frequent.
const coarseResolution = time.Second

// NewCache returns a cache keeping verified credentials for ttl and unknown
// ones for negativeTTL, as clock tells the time (nil for the real clock).
func NewCache(ttl, negativeTTL time.Duration, maxEntries int, clock clockwork.Clock) *Cache {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	realClock := reflect.TypeOf(clock) == realClockType
	// otter reads its clock on every read. The real clock is read coarsely
	// (a variable a goroutine updates every coarseResolution), which saves
	// a clock reading per hit: otter only evicts by it, and whether an
	// entry still answers is decided by expiresAt against the request's
	// own reading. Its view lags by up to a resolution, so its entries
	// live one resolution longer than their TTL: evicted early, a verdict
	// kept for an outage would be gone before its TTL ends
	// (TestFaultDatabaseRestart), where it must still answer.
	var evictionClock otter.Clock = otterClock{clock}
	var evictionSlack time.Duration
	if realClock {
		evictionClock, evictionSlack = otter.NewCoarseClock(coarseResolution), coarseResolution
	}
	return &Cache{
		ttl: ttl, negativeTTL: negativeTTL, clock: clock, realClock: realClock,
		renewals: renewals{claimed: map[credential.Digest]struct{}{}, wake: make(chan struct{}, 1)},
		entries: otter.Must(&otter.Options[credential.Digest, verdict]{
			MaximumSize: maxEntries,
			Clock:       evictionClock,
			// Maintenance runs on the caller: it is bounded, and on two cores a
			// goroutine spawned per drained read buffer costs more than the work.
			Executor: func(fn func()) { fn() },
			ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[credential.Digest, verdict]) time.Duration {
				return e.Value.ttl + evictionSlack
			}),
		}),
	}
}

// clockAt is the time by the cache's clock for a request admitted at now
// by the real one: now itself unless a test drives a fake clock.
func (c *Cache) clockAt(now time.Time) time.Time {
	if c.realClock {
		return now
	}
	return c.clock.Now()
}

func (c *Cache) get(d credential.Digest) (verdict, bool) { return c.getAt(d, c.clock.Now()) }

// quietly reads d's verdict without telling otter's eviction policy of
// the read: recording it (a shared read buffer, drained by the reader
// now and then) cost a warm request about 0.3 us. The policy loses
// little: an entry lives a TTL past its last fill unless a hit renews
// it, and a renewal writes it, so the entries in use are those written
// within a TTL, and otter still learns of each of them by its writes.
// The policy decides anything only past CacheSize credentials in use.
func (c *Cache) quietly(d credential.Digest) (verdict, bool) {
	e, ok := c.entries.GetEntryQuietly(d)
	return e.Value, ok
}

// getAt is get at now, as the cache's clock tells it.
func (c *Cache) getAt(d credential.Digest, now time.Time) (verdict, bool) {
	if c.bypass.Load() {
		c.misses.Add(1)
		return verdict{}, false
	}
	v, ok := c.quietly(d)
	if ok && (v.expired(now) || v.epoch != c.epoch.Load()) {
		// From its expiry on, an entry answers nothing: the look-up that
		// follows finds the credential expired and remembers that instead.
		// One from before the listener's return waits for the database.
		ok = false
	}
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return v, ok
}

// kept is the verdict the cache holds for d but may not serve by itself,
// call it after get missed: one kept while the cache is bypassed, or from
// before the listener's return. It must not answer while the database
// does, which may know of a revocation the listener missed; only when the
// database cannot answer does it stand in, for what is left of its TTL (a
// credential's own expiry still ends it).
func (c *Cache) kept(d credential.Digest) (verdict, bool) {
	v, ok := c.quietly(d)
	if !ok || v.expired(c.clock.Now()) {
		return verdict{}, false
	}
	return v, true
}

// unreachableFor is how long kept verdicts answer without asking the
// database again after a look-up found it unable to answer.
const unreachableFor = time.Second

// markUnreachable notes that a look-up found the database unable to
// answer; it reports whether the database was thought reachable until now.
func (c *Cache) markUnreachable() (began bool) {
	until := c.clock.Now().Add(unreachableFor).UnixNano()
	return c.unreachableUntil.Swap(until) == 0
}

// markReachable notes that the database answered; it reports whether it
// was thought unreachable until now.
func (c *Cache) markReachable() (ended bool) {
	return c.unreachableUntil.Load() != 0 && c.unreachableUntil.Swap(0) != 0
}

// unreachable reports whether a look-up found the database unable to
// answer less than unreachableFor ago.
func (c *Cache) unreachable() bool {
	until := c.unreachableUntil.Load()
	return until != 0 && c.clock.Now().UnixNano() < until
}

// found is the verdict for a credential the database knows, now: trusted
// for the cache's TTL, or until the credential expires if that is sooner
// (for a rolled key's previous secret, when its grace ends).
func (c *Cache) found(actor *model.Actor) verdict {
	v := verdict{actor: actor, ttl: c.ttl}
	if c.admissionOf != nil {
		v.key = c.admissionOf(actor)
	}
	var expiresAt *time.Time
	switch {
	case actor.Session != nil:
		expiresAt = &actor.Session.ExpiresAt
	case actor.APIKey != nil:
		expiresAt = actor.APIKey.ExpiresAt
		// A rolled key's previous secret stops at its grace's end, which
		// is never after the key's own expiry.
		if until := actor.PreviousSecretExpiresAt; until != nil && (expiresAt == nil || until.Before(*expiresAt)) {
			expiresAt = until
		}
	}
	if expiresAt != nil {
		v.ttl = min(v.ttl, expiresAt.Sub(c.clock.Now()))
		v.expiresAt = expiresAt.UnixNano()
	}
	return v
}

// Stats reports cache hits and misses since start.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

func (c *Cache) currentGeneration() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.generation
}

// fill stores a look-up's result unless a revocation happened since the
// look-up began (its generation is stale). A credential that was found is
// due for refresh at a random point between 3/4 and 9/10 of its TTL: random
// so that entries filled together (after a restart, say) are not renewed
// together, and before the last tenth so the look-up has time to finish.
func (c *Cache) fill(d credential.Digest, v verdict, generation uint64) {
	if v.ttl <= 0 {
		return
	}
	v = c.stamped(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation == c.generation {
		v.epoch = c.epoch.Load()
		c.entries.Set(d, v)
	}
}

// stamped is v as it is stored now: ending with its TTL if the
// credential does not end sooner, and, if found, with its refresh point
// (see fill).
func (c *Cache) stamped(v verdict) verdict {
	now := c.clock.Now()
	if end := now.Add(v.ttl).UnixNano(); v.expiresAt == 0 || end < v.expiresAt {
		v.expiresAt = end
	}
	if v.actor != nil && v.ttl > 0 {
		after := time.Duration(float64(v.ttl) * (0.75 + 0.15*rand.Float64()))
		v.refreshAt = now.Add(after).UnixNano()
	}
	return v
}

// forget drops what the cache knows of d: the database says it is gone.
func (c *Cache) forget(d credential.Digest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries.Invalidate(d)
}

// Revoke forgets credentials that were just revoked, given by their hashes
// as storage keeps them. A hash it cannot read (a garbled notification)
// empties the cache: it cannot tell which credential was revoked.
func (c *Cache) Revoke(hashes []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for _, h := range hashes {
		d, ok := credential.ParseDigest(h)
		if !ok {
			c.entries.InvalidateAll()
			return
		}
		c.entries.Invalidate(d)
	}
}

// SetListening tells the cache whether revocations from other instances are
// being heard. The moment they are not, it is bypassed: every verification
// asks the database, which may know of revocations the listener missed.
// Its entries are kept, not served, so that if the database cannot answer
// either (an outage takes the listener with it), a credential verified
// within its TTL can still be answered on its last verdict (kept). When
// listening resumes, a new epoch begins: no entry from before it is served
// until the database confirms it, since it may be for a key deleted
// meanwhile, yet each still stands in if the database cannot answer. A
// look-up that began before the return may not fill (the generation moves
// on): it may have read the database before such a deletion.
func (c *Cache) SetListening(listening bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !listening && c.bypass.Load() {
		return // a failed reconnection: nothing changes
	}
	c.generation++
	if listening {
		c.epoch.Add(1)
		c.unreachableUntil.Store(0)
	}
	c.bypass.Store(!listening)
}
