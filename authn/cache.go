package authn

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/keyfob/keyfob/model"
)

// verdict is what the cache remembers about a credential hash: who it
// belongs to, or (actor nil) that it belongs to nobody.
type verdict struct {
	actor *model.Actor
	ttl   time.Duration
}

// Cache remembers verified credentials so that a warm verification makes no
// database query. Revocations reach it three ways: directly from this
// instance's mutations, from other instances through the listener, and, as
// a backstop, through each entry's time-to-live.
type Cache struct {
	entries     *otter.Cache[string, verdict]
	ttl         time.Duration
	negativeTTL time.Duration

	// mu orders fills against revocations. A look-up that started before a
	// revocation carries an older generation and may not fill its result,
	// so a stale "valid" can never outlive the delete that revoked it.
	mu         sync.Mutex
	generation uint64
	// bypass is set while revocations may be going unheard (the listener
	// lost its connection): every verification then asks the database, and
	// entries serve only as a fallback when the database cannot answer.
	bypass atomic.Bool

	hits, misses atomic.Uint64
}

// NewCache returns a cache keeping verified credentials for ttl and unknown
// ones for negativeTTL.
func NewCache(ttl, negativeTTL time.Duration, maxEntries int) *Cache {
	return &Cache{
		ttl: ttl, negativeTTL: negativeTTL,
		entries: otter.Must(&otter.Options[string, verdict]{
			MaximumSize: maxEntries,
			// Maintenance runs on the caller: it is bounded, and on two cores a
			// goroutine spawned per drained read buffer costs more than the work.
			Executor: func(fn func()) { fn() },
			ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, verdict]) time.Duration {
				return e.Value.ttl
			}),
		}),
	}
}

func (c *Cache) get(hash string) (verdict, bool) {
	if c.bypass.Load() {
		c.misses.Add(1)
		return verdict{}, false
	}
	v, ok := c.entries.GetIfPresent(hash)
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return v, ok
}

// Stats reports cache hits and misses since start.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

func (c *Cache) currentGeneration() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.generation
}

// fill stores a look-up's result unless a revocation happened since the
// look-up began (its generation is stale).
func (c *Cache) fill(hash string, v verdict, generation uint64) {
	if v.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation == c.generation {
		c.entries.Set(hash, v)
	}
}

// lastKnown returns a credential verified within its time-to-live, for
// when the database cannot answer. While the database is down nothing can
// be revoked anywhere, so the last verdict still stands, as long as the
// TTL backstop allows.
func (c *Cache) lastKnown(hash string) (*model.Actor, bool) {
	v, ok := c.entries.GetIfPresent(hash)
	if !ok || v.actor == nil {
		return nil, false
	}
	return v.actor, true
}

// forget drops what the cache knows of hash: the database says it is gone.
func (c *Cache) forget(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries.Invalidate(hash)
}

// Revoke forgets credentials that were just revoked.
func (c *Cache) Revoke(hashes []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for _, h := range hashes {
		c.entries.Invalidate(h)
	}
}

// SetListening tells the cache whether revocations from other instances are
// being heard. While they are not, the cache is bypassed; when listening
// resumes it is emptied, since revocations may have been missed meanwhile.
func (c *Cache) SetListening(listening bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	if !listening {
		c.bypass.Store(true)
		return
	}
	c.entries.InvalidateAll()
	c.bypass.Store(false)
}
