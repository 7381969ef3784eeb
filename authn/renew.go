package authn

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// Credentials due for renewal are renewed in batches, many to a statement,
// by one background worker: under steady traffic on many keys, one look-up
// per credential costs the server more in statements than in rows.
const (
	// maxRenewalsPerStatement bounds a batch's statement: a key takes two
	// parameters, well within SQLite's and PostgreSQL's limits. It also
	// bounds the burst of work one batch is (reading its rows, and the
	// garbage that leaves): batches of a few hundred keys, as a warm-up's
	// keys falling due together made them, put the p99 of requests at
	// 2,000/s 4-5 ms over /noop's in the rounds they ran.
	maxRenewalsPerStatement = 100
	// maxRenewalsDue bounds the credentials due or landing at once. A hit
	// that finds it reached skips its renewal: the entry stays valid until
	// its TTL, and a later hit asks again.
	maxRenewalsDue = 10_000
	// maxRenewalGathering caps how long the first credential due waits for
	// others to join its batch (see Cache.renewalGathering).
	maxRenewalGathering = 100 * time.Millisecond
)

// renewalGathering is how long the first credential due for renewal waits
// for others to join its batch. A refresh point is at most 9/10 into an
// entry's TTL, so waiting a twentieth of it still leaves the batch another
// twentieth (1.5 s at the default 30 s) to land before the entry expires.
// A tenth of a second is enough: a statement's own cost is what batching
// saves, and a handful of keys a statement saves most of it, while a
// longer wait makes bigger bursts when many keys fall due together
// (1,000 keys filled at once come due at about 220 a second).
func (c *Cache) renewalGathering() time.Duration {
	return min(c.ttl/20, maxRenewalGathering)
}

// dueRenewal is a credential whose cache entry is due for renewal.
type dueRenewal struct {
	digest credential.Digest
	kind   credential.Kind
}

// renewals is the cache's side of batched renewal: which credentials are
// due and when their batch stops gathering.
type renewals struct {
	mu sync.Mutex
	// claimed holds every credential due or landing, so each is renewed once.
	claimed map[credential.Digest]struct{}
	due     []dueRenewal
	// gatherUntil (Unix nanoseconds, by the cache's clock) is when the
	// oldest credential due stops waiting for others.
	gatherUntil int64
	// landing counts the credentials whose statement is running.
	landing int
	// working says a worker runs; one starts with the first credential due
	// and stops when none is left.
	working bool
	// wake tells the waiting worker to look at the clock again: a batch is
	// full, or someone saw its gathering end (a fake clock moved on
	// between the worker's reading and its timer).
	wake chan struct{}
}

func (r *renewals) nudge() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// claimRenewal marks d due for renewal unless it already is, renewals are
// paused after a failure, or too many are due. startWorker says no worker
// is running: the caller must start one (or drop the renewals if it cannot).
func (c *Cache) claimRenewal(d credential.Digest, kind credential.Kind) (startWorker bool) {
	now := c.clock.Now().UnixNano()
	if now < c.refreshPausedUntil.Load() {
		return false
	}
	r := &c.renewals
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, claimed := r.claimed[d]; claimed || len(r.claimed) >= maxRenewalsDue {
		return false
	}
	r.claimed[d] = struct{}{}
	if len(r.due) == 0 {
		r.gatherUntil = now + int64(c.renewalGathering())
	}
	r.due = append(r.due, dueRenewal{d, kind})
	if r.working {
		if len(r.due) >= maxRenewalsPerStatement {
			r.nudge()
		}
		return false
	}
	r.working = true
	return true
}

// nextRenewals waits for the next batch to finish gathering and hands it
// over as landing; false means nothing is due (the worker stops) or ctx
// ended (what was due is dropped).
func (c *Cache) nextRenewals(ctx context.Context) ([]dueRenewal, bool) {
	r := &c.renewals
	for {
		r.mu.Lock()
		if len(r.due) == 0 {
			r.working = false
			r.mu.Unlock()
			return nil, false
		}
		wait := time.Duration(r.gatherUntil - c.clock.Now().UnixNano())
		if wait <= 0 || len(r.due) >= maxRenewalsPerStatement {
			n := min(len(r.due), maxRenewalsPerStatement)
			batch := r.due[:n:n]
			r.due = r.due[n:]
			if len(r.due) == 0 {
				r.due = nil
			}
			r.landing = n
			r.mu.Unlock()
			return batch, true
		}
		r.mu.Unlock()
		timer := c.clock.NewTimer(wait)
		select {
		case <-timer.Chan():
		case <-r.wake:
		case <-ctx.Done():
			timer.Stop()
			c.dropRenewals()
			return nil, false
		}
		timer.Stop()
	}
}

// renewalsLanded releases a batch's claims; failed pauses renewals for a
// second.
func (c *Cache) renewalsLanded(batch []dueRenewal, failed bool) {
	if failed {
		c.refreshPausedUntil.Store(c.clock.Now().Add(time.Second).UnixNano())
	}
	r := &c.renewals
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range batch {
		delete(r.claimed, b.digest)
	}
	r.landing = 0
}

// dropRenewals forgets every renewal due, for an authenticator that closed.
func (c *Cache) dropRenewals() {
	r := &c.renewals
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.claimed)
	r.due, r.landing, r.working = nil, 0, false
}

// RefreshesInFlight is how many renewals are landing or done gathering and
// about to: a test that moves a fake clock waits for them to land before
// moving it on. Renewals still gathering do not count, since only the
// clock moving on ends their wait.
func (c *Cache) RefreshesInFlight() int {
	r := &c.renewals
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.landing
	if len(r.due) > 0 && c.clock.Now().UnixNano() >= r.gatherUntil {
		n += len(r.due)
		r.nudge()
	}
	return n
}

// renewed stores a batch's answers, actors[i] for digests[i] (nil: the
// database does not know it), as lookUp would each: a credential found is
// renewed, one not found forgotten and remembered as unknown. Nothing is
// filled if a revocation happened since the batch's generation was taken.
func (c *Cache) renewed(digests []credential.Digest, actors []*model.Actor, generation uint64) {
	verdicts := make([]verdict, len(digests))
	for i, actor := range actors {
		if actor != nil {
			verdicts[i] = c.stamped(c.found(actor))
		} else {
			verdicts[i] = c.stamped(verdict{ttl: c.negativeTTL})
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	current, epoch := generation == c.generation, c.epoch.Load()
	for i, d := range digests {
		if actors[i] == nil {
			c.entries.Invalidate(d)
		}
		if v := verdicts[i]; current && v.ttl > 0 {
			v.epoch = epoch
			c.entries.Set(d, v)
		}
	}
}

// renewDue is the renewal worker: it renews batch after batch until none
// is due, or the authenticator closes.
func (a *Authenticator) renewDue() {
	for {
		batch, ok := a.Cache.nextRenewals(a.background)
		if !ok {
			return
		}
		err := a.renew(batch)
		failed := err != nil && a.background.Err() == nil
		if failed {
			a.Logger.Warn("background renewal of cached credentials failed; renewals pause for a second", "credentials", len(batch), "error", err)
		}
		a.Cache.renewalsLanded(batch, failed)
	}
}

// renew looks a batch up again, keys in one statement and sessions in
// another, and stores the answers.
func (a *Authenticator) renew(batch []dueRenewal) error {
	ctx, cancel := context.WithTimeout(a.background, refreshTimeout)
	defer cancel()
	var keys, sessions []credential.Digest
	for _, b := range batch {
		if b.kind == credential.KindSession {
			sessions = append(sessions, b.digest)
		} else {
			keys = append(keys, b.digest)
		}
	}
	var errs []error
	for _, group := range []struct {
		digests []credential.Digest
		lookUp  func(context.Context, []string) ([]*model.Actor, error)
	}{{keys, a.DB.ActorsByAPIKeys}, {sessions, a.DB.ActorsBySessions}} {
		if len(group.digests) == 0 {
			continue
		}
		hashes := make([]string, len(group.digests))
		for i, d := range group.digests {
			hashes[i] = d.String()
		}
		// Taken before the statement, so that a revocation while it runs
		// keeps its answers out of the cache.
		generation := a.Cache.currentGeneration()
		actors, err := group.lookUp(ctx, hashes)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		a.Cache.renewed(group.digests, actors, generation)
	}
	return errors.Join(errs...)
}
