package authn

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/model"
	"github.com/keyfob/keyfob/usage"
)

const renewalTTL = 30 * time.Second

// renewalFixture is an authenticator over a real store, both on one fake
// clock, and an owner to make credentials with.
type renewalFixture struct {
	a     *Authenticator
	store *db.DB
	clock *clockwork.FakeClock
	owner *model.Actor
	email string
}

// eachRenewalStore runs test on SQLite, and on PostgreSQL when
// TEST_DATABASE_URL is set.
func eachRenewalStore(t *testing.T, test func(t *testing.T, f *renewalFixture)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newRenewalFixture(t, filepath.Join(t.TempDir(), "renew.db"))) })
	t.Run("postgres", func(t *testing.T) { test(t, newRenewalFixture(t, pgtest.FreshSchema(t))) })
}

func newRenewalFixture(t testing.TB, dsn string) *renewalFixture {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Now())
	f := &renewalFixture{clock: clock, email: "r@example.test"}
	f.store, f.owner = signedUpStore(t, dsn, db.Options{Clock: clock}, "Renew", f.email)
	recorder := usage.NewRecorder(f.store, usage.Options{Interval: time.Hour})
	t.Cleanup(func() { recorder.Close(context.Background()) })
	limits := DefaultRateLimits
	limits.PerKey = 1 << 30
	f.a = New(f.store, recorder, slog.New(slog.DiscardHandler), Options{
		CacheTTL: renewalTTL, NegativeCacheTTL: time.Minute, CacheSize: 1000, RateLimits: limits, Clock: clock,
	})
	t.Cleanup(f.a.Close)
	return f
}

func (f *renewalFixture) newKey(t testing.TB) (*model.APIKey, string) {
	t.Helper()
	key, secret, err := f.store.CreateAPIKey(context.Background(), f.owner, "renewed")
	if err != nil {
		t.Fatal(err)
	}
	return key, secret
}

func (f *renewalFixture) verify(t *testing.T, secret string) (*model.Actor, error) {
	t.Helper()
	return f.a.verify(context.Background(), "Bearer "+secret, true)
}

// renewAll makes every cached credential in secrets due, hits each once
// so that they gather into a batch, and waits for the batch to land.
func (f *renewalFixture) renewAll(t *testing.T, secrets []string) {
	t.Helper()
	f.clock.Advance(renewalTTL * 9 / 10)
	for _, s := range secrets {
		if _, err := f.verify(t, s); err != nil {
			t.Fatalf("a cached credential, due for renewal: %v", err)
		}
	}
	if n := f.a.Cache.RefreshesInFlight(); n != 0 {
		t.Fatalf("%d renewals in flight before their gathering ended", n)
	}
	f.clock.Advance(f.a.Cache.renewalGathering())
	for deadline := time.Now().Add(10 * time.Second); f.a.Cache.RefreshesInFlight() > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the renewal batch did not land in 10 s")
		}
	}
}

// Keys and sessions due for renewal together are renewed in one statement
// per kind, and every one of them then outlives its first TTL with no
// request missing the cache.
func TestRenewalBatchesDueCredentials(t *testing.T) {
	eachRenewalStore(t, func(t *testing.T, f *renewalFixture) {
		var secrets []string
		for range 6 {
			_, secret := f.newKey(t)
			secrets = append(secrets, secret)
		}
		for range 2 {
			token, _, err := f.store.LogIn(context.Background(), f.email, "password123", model.ClientWeb)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, token)
		}
		for _, s := range secrets {
			if _, err := f.verify(t, s); err != nil {
				t.Fatal(err)
			}
		}
		statements := f.store.CountStatements()
		_, missesBefore := f.a.Cache.Stats()
		f.renewAll(t, secrets)
		if n := statements.Load(); n != 2 {
			t.Fatalf("renewing 6 keys and 2 sessions ran %d statements, want 2 (one per kind)", n)
		}
		f.clock.Advance(renewalTTL / 5) // past the TTL they were filled with
		for _, s := range secrets {
			if _, err := f.verify(t, s); err != nil {
				t.Fatalf("a renewed credential after its first TTL: %v", err)
			}
		}
		if _, misses := f.a.Cache.Stats(); misses != missesBefore {
			t.Fatalf("%d verifications missed the cache, want 0: the batch did not renew every credential", misses-missesBefore)
		}
	})
}

// In one batch, a key deleted without an announcement and a rolled key's
// previous secret whose grace the database says is over are dropped and
// remembered as unknown, while the others, the rolled key's new secret
// among them, are renewed.
func TestRenewalDropsGoneCredentialsAndRenewsTheRest(t *testing.T) {
	eachRenewalStore(t, func(t *testing.T, f *renewalFixture) {
		ctx := context.Background()
		_, live := f.newKey(t)
		deleted, deletedSecret := f.newKey(t)
		rolling, previous := f.newKey(t)
		_, current, err := f.store.RollAPIKey(ctx, f.owner, rolling.ID, 60)
		if err != nil {
			t.Fatal(err)
		}
		secrets := []string{live, deletedSecret, previous, current}
		for _, s := range secrets {
			if _, err := f.verify(t, s); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.store.Gorm().Exec("DELETE FROM api_keys WHERE id = ?", deleted.ID).Error; err != nil {
			t.Fatal(err)
		}
		err = f.store.Gorm().Model(&model.APIKey{}).Where("id = ?", rolling.ID).
			Update("previous_secret_expires_at", f.clock.Now().Add(-time.Second)).Error
		if err != nil {
			t.Fatal(err)
		}
		statements := f.store.CountStatements()
		f.renewAll(t, secrets)
		if n := statements.Load(); n != 1 {
			t.Fatalf("the batch ran %d statements, want 1", n)
		}
		now := f.clock.Now()
		for _, s := range []string{live, current} {
			if v, ok := f.a.Cache.get(credential.Sum(s)); !ok || v.actor == nil || v.refreshDue(now) {
				t.Fatalf("a live key's entry after the batch: %+v %v, want renewed", v, ok)
			}
		}
		for _, s := range []string{deletedSecret, previous} {
			if v, ok := f.a.Cache.get(credential.Sum(s)); !ok || v.actor != nil {
				t.Fatalf("a gone secret's entry after the batch: %+v %v, want remembered as unknown", v, ok)
			}
			if _, err := f.verify(t, s); !errors.Is(err, refusedUnknown) {
				t.Fatalf("a gone secret verified with %v after the batch, want refusedUnknown", err)
			}
		}
	})
}

// A revocation while the batch's statement runs is not undone: the batch
// read the key before it was revoked, and may not put it back.
func TestRenewalDoesNotUndoARevocationDuringTheBatch(t *testing.T) {
	eachRenewalStore(t, func(t *testing.T, f *renewalFixture) {
		_, revoked := f.newKey(t)
		_, kept := f.newKey(t)
		secrets := []string{revoked, kept}
		for _, s := range secrets {
			if _, err := f.verify(t, s); err != nil {
				t.Fatal(err)
			}
		}
		// The revocation reaches the cache as the statement starts, as a
		// notification from another instance may; the row is left in place
		// so that the statement still finds the key.
		var once sync.Once
		revoke := func(*gorm.DB) {
			once.Do(func() { f.a.Cache.Revoke([]string{credential.Hash(revoked)}) })
		}
		cb := f.store.Gorm().Callback()
		if err := cb.Row().Before("*").Register("test:revoke-mid-batch", revoke); err != nil {
			t.Fatal(err)
		}
		if err := cb.Query().Before("*").Register("test:revoke-mid-batch", revoke); err != nil {
			t.Fatal(err)
		}
		f.renewAll(t, secrets)
		if v, ok := f.a.Cache.get(credential.Sum(revoked)); ok {
			t.Fatalf("the batch put a key revoked during it back in the cache: %+v", v)
		}
	})
}
