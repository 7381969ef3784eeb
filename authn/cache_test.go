package authn

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

var (
	hash    = credential.Sum("hash")
	other   = credential.Sum("other")
	gone    = credential.Sum("gone")
	unknown = credential.Sum("unknown")
)

// A look-up that was in flight while its key was revoked must not put the
// stale "valid" back into the cache.
func TestCacheRefusesStaleFill(t *testing.T) {
	c := NewCache(time.Minute, time.Second, 100, nil)
	actor := &model.Actor{User: &model.User{ID: "user_1"}}

	generation := c.currentGeneration() // look-up starts
	c.Revoke([]string{hash.String()})   // the key is deleted meanwhile
	c.fill(hash, verdict{actor: actor, ttl: time.Minute}, generation)
	if _, ok := c.get(hash); ok {
		t.Fatal("a look-up that began before the revocation refilled the cache")
	}

	generation = c.currentGeneration()
	c.fill(hash, verdict{actor: actor, ttl: time.Minute}, generation)
	if v, ok := c.get(hash); !ok || v.actor != actor {
		t.Fatal("a look-up that began after the revocation should fill the cache")
	}
	c.Revoke([]string{hash.String()})
	if _, ok := c.get(hash); ok {
		t.Fatal("Revoke left the entry in place")
	}
	c.fill(other, verdict{actor: actor, ttl: time.Minute}, c.currentGeneration())
	c.Revoke([]string{"not a hash"})
	if _, ok := c.get(other); ok {
		t.Fatal("a revocation naming an unreadable hash left the cache in place")
	}
}

// While the listener is down the cache answers nothing by itself, but it
// keeps its entries for a database that cannot answer. Once it listens
// again, nothing from before is served until the database confirms it,
// entries kept through the gap and filled during it alike, since a
// revocation may have gone unheard meanwhile; they are still kept.
func TestCacheBypassedWhileNotListening(t *testing.T) {
	c := NewCache(time.Minute, time.Second, 100, nil)
	actor := &model.Actor{User: &model.User{ID: "user_1"}}
	c.fill(hash, verdict{actor: actor, ttl: time.Minute}, c.currentGeneration())

	c.SetListening(false)
	if _, ok := c.get(hash); ok {
		t.Fatal("the cache answered while revocations could go unheard")
	}
	if v, ok := c.kept(hash); !ok || v.actor != actor {
		t.Fatal("the verdict was not kept for an outage when the listener was lost")
	}
	generation := c.currentGeneration() // a look-up starts while bypassed
	c.fill(other, verdict{actor: actor, ttl: time.Minute}, c.currentGeneration())
	c.SetListening(false) // a failed reconnection changes nothing
	if _, ok := c.kept(other); !ok {
		t.Fatal("a failed reconnection dropped what the bypassed cache kept")
	}
	c.SetListening(true)
	for _, d := range []credential.Digest{hash, other} {
		if _, ok := c.get(d); ok {
			t.Fatal("an entry kept or filled while the listener was down was served after its return, unconfirmed")
		}
		if _, ok := c.kept(d); !ok {
			t.Fatal("an unconfirmed entry was not kept for a database that cannot answer")
		}
	}
	c.fill(gone, verdict{actor: actor, ttl: time.Minute}, generation)
	if _, ok := c.kept(gone); ok {
		t.Fatal("a look-up that began before the listener returned filled the cache")
	}
	c.fill(hash, verdict{actor: actor, ttl: time.Minute}, c.currentGeneration())
	if _, ok := c.get(hash); !ok {
		t.Fatal("an entry the database confirmed after the listener's return is not served")
	}
}

// A kept verdict stands in for the database only within its TTL, and not
// past the credential's own expiry.
func TestKeptVerdictEndsWithItsTTL(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Now())
	c := NewCache(10*time.Second, time.Second, 100, clock)
	expires := clock.Now().Add(5 * time.Second)
	c.fill(hash, c.found(&model.Actor{APIKey: &model.APIKey{ID: "key_1"}}), c.currentGeneration())
	c.fill(other, c.found(&model.Actor{APIKey: &model.APIKey{ID: "key_2", ExpiresAt: &expires}}), c.currentGeneration())
	c.SetListening(false)
	clock.Advance(5*time.Second - time.Nanosecond)
	if _, ok := c.kept(other); !ok {
		t.Fatal("a kept verdict was dropped before its key expires")
	}
	clock.Advance(time.Nanosecond)
	if _, ok := c.kept(other); ok {
		t.Fatal("a kept verdict answered at its key's expiry")
	}
	clock.Advance(5*time.Second - time.Nanosecond)
	if _, ok := c.kept(hash); !ok {
		t.Fatal("a kept verdict was dropped before its TTL ended")
	}
	clock.Advance(time.Nanosecond)
	if _, ok := c.kept(hash); ok {
		t.Fatal("a kept verdict answered after its TTL")
	}
}

// Renewals are claimed once per credential and gather into one batch until
// the gathering delay ends, or at once when the batch is full; a claim on a
// credential landing is refused, and after a batch fails claims pause for a
// second. Gathering renewals are not in flight; done gathering, they are.
func TestCacheRenewalClaims(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Now())
	c := NewCache(time.Minute, time.Second, 100, clock)
	if !c.claimRenewal(hash, credential.KindAPIKey) {
		t.Fatal("the first renewal due did not ask for a worker")
	}
	if c.claimRenewal(hash, credential.KindAPIKey) || c.claimRenewal(other, credential.KindSession) {
		t.Fatal("a second worker was asked for while one runs, or a credential was claimed twice")
	}
	if n := c.RefreshesInFlight(); n != 0 {
		t.Fatalf("%d renewals in flight while they gather, want 0", n)
	}
	clock.Advance(c.renewalGathering())
	if n := c.RefreshesInFlight(); n != 2 {
		t.Fatalf("%d renewals in flight once gathered, want 2", n)
	}
	batch, ok := c.nextRenewals(t.Context())
	if !ok || len(batch) != 2 || batch[0] != (dueRenewal{hash, credential.KindAPIKey}) || batch[1] != (dueRenewal{other, credential.KindSession}) {
		t.Fatalf("batch %v, want both credentials claimed", batch)
	}
	if c.claimRenewal(hash, credential.KindAPIKey) {
		t.Fatal("a credential landing was claimed again")
	}
	if n := c.RefreshesInFlight(); n != 2 {
		t.Fatalf("%d renewals in flight while landing, want 2", n)
	}
	c.renewalsLanded(batch, true)
	if n := c.RefreshesInFlight(); n != 0 {
		t.Fatalf("%d renewals in flight after landing, want 0", n)
	}
	if c.claimRenewal(gone, credential.KindAPIKey) {
		t.Fatal("a renewal was claimed right after a batch failed")
	}
	clock.Advance(time.Second)
	if c.claimRenewal(gone, credential.KindAPIKey) {
		t.Fatal("a claim asked for a second worker while one runs")
	}
	clock.Advance(c.renewalGathering())
	if n := c.RefreshesInFlight(); n != 1 {
		t.Fatalf("%d renewals in flight once the pause ended, want 1", n)
	}

	full := NewCache(time.Minute, time.Second, 100, clock)
	for i := range maxRenewalsPerStatement {
		full.claimRenewal(credential.Sum(strconv.Itoa(i)), credential.KindAPIKey)
	}
	batch, ok = full.nextRenewals(t.Context()) // the clock stands still: a full batch does not wait
	if !ok || len(batch) != maxRenewalsPerStatement {
		t.Fatalf("a full batch: %d credentials, want %d without waiting", len(batch), maxRenewalsPerStatement)
	}
}

// An entry is due for refresh between 3/4 and 9/10 of its TTL, never before.
func TestCacheRefreshIsDueBeforeExpiry(t *testing.T) {
	ttl := 40 * time.Millisecond
	c := NewCache(ttl, time.Second, 100, nil)
	actor := &model.Actor{User: &model.User{ID: "user_1"}}
	start := time.Now()
	c.fill(hash, verdict{actor: actor, ttl: ttl}, c.currentGeneration())
	c.fill(unknown, verdict{ttl: ttl}, c.currentGeneration())
	v, _ := c.get(hash)
	due := time.Unix(0, v.refreshAt)
	if due.Before(start.Add(ttl*3/4)) || due.After(time.Now().Add(ttl*9/10)) {
		t.Fatalf("refresh due %v after fill, want within [%v, %v]", due.Sub(start), ttl*3/4, ttl*9/10)
	}
	if v.refreshDue(start) || !v.refreshDue(start.Add(ttl)) {
		t.Fatal("refreshDue disagrees with refreshAt")
	}
	if v, _ := c.get(unknown); v.refreshAt != 0 {
		t.Fatal("an unknown credential is due for refresh; it should just expire")
	}
}

// A background refresh asks the database, so it drops a key deleted without
// an announcement (a missed notification) instead of renewing it.
func TestRefreshDropsADeletedKey(t *testing.T) {
	a, secret := newBenchAuthenticator(t)
	if _, err := a.verify(t.Context(), "Bearer "+secret, false); err != nil {
		t.Fatal(err)
	}
	digest := credential.Sum(secret)
	if v, ok := a.Cache.get(digest); !ok || v.actor == nil {
		t.Fatal("the verified key is not cached")
	}
	if err := a.DB.Gorm().Exec("DELETE FROM api_keys WHERE secret_hash = ?", digest.String()).Error; err != nil {
		t.Fatal(err)
	}
	a.refresh(digest, credential.KindAPIKey)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, ok := a.Cache.get(digest); ok && v.actor == nil {
			break // remembered as unknown
		}
		if time.Now().After(deadline) {
			t.Fatal("the refresh did not drop the deleted key")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := a.verify(t.Context(), "Bearer "+secret, false); !errors.Is(err, refusedUnknown) {
		t.Fatalf("the deleted key verified with %v, want refusedUnknown", err)
	}
}

// On the real clock otter evicts by a coarse reading of it, which lags;
// an entry still stops answering the moment its TTL ends, by the reading
// the request was admitted at, and so does one kept for an outage.
func TestCacheEntryEndsWithItsTTLOnTheRealClock(t *testing.T) {
	c := NewCache(5*time.Millisecond, 5*time.Millisecond, 100, nil)
	actor := &model.Actor{User: &model.User{ID: "user_1"}}
	c.fill(hash, verdict{actor: actor, ttl: c.ttl}, c.currentGeneration())
	c.fill(unknown, verdict{ttl: c.negativeTTL}, c.currentGeneration())
	if _, ok := c.get(hash); !ok {
		t.Fatal("a fresh entry did not answer")
	}
	time.Sleep(10 * time.Millisecond)
	for _, d := range []credential.Digest{hash, unknown} {
		if _, ok := c.getAt(d, time.Now()); ok {
			t.Fatal("an entry answered after its TTL ended")
		}
		if _, ok := c.kept(d); ok {
			t.Fatal("an entry was kept after its TTL ended")
		}
	}
}
