package authn

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
	"github.com/keyfob/keyfob/usage"
)

// outageFixture is an authenticator over a real SQLite store with two keys,
// whose look-ups are bounded, and a way to make the database unable to
// answer: a transaction that holds SQLite's one connection, so a look-up
// waits past its bound.
type outageFixture struct {
	a                     *Authenticator
	store                 *db.DB
	clock                 *clockwork.FakeClock
	warm, cold, gone      string // secrets: verified before the outage, never verified, deleted unannounced
	warmID, goneID, coldB string
}

func newOutageFixture(t *testing.T, failClosed bool) *outageFixture {
	t.Helper()
	store, owner := signedUpStore(t, filepath.Join(t.TempDir(), "outage.db"), db.Options{}, "Outage", "o@example.test")
	ctx := context.Background()
	var err error
	f := &outageFixture{store: store, clock: clockwork.NewFakeClockAt(time.Now())}
	var key *model.APIKey
	if key, f.warm, err = store.CreateAPIKey(ctx, owner, "warm"); err != nil {
		t.Fatal(err)
	}
	f.warmID = key.ID
	if _, f.cold, err = store.CreateAPIKey(ctx, owner, "cold"); err != nil {
		t.Fatal(err)
	}
	if key, f.gone, err = store.CreateAPIKey(ctx, owner, "gone"); err != nil {
		t.Fatal(err)
	}
	f.goneID = key.ID
	recorder := usage.NewRecorder(store, usage.Options{Interval: time.Hour})
	t.Cleanup(func() { recorder.Close(context.Background()) })
	f.a = New(store, recorder, slog.New(slog.DiscardHandler), Options{
		CacheTTL: time.Minute, NegativeCacheTTL: time.Second, CacheSize: 100, RateLimits: DefaultRateLimits,
		Clock: f.clock, LookUpTimeout: healthyBound, FailClosedOnOutage: failClosed,
	})
	t.Cleanup(f.a.Close)
	for _, s := range []string{f.warm, f.gone} {
		if _, err := f.verify(s); err != nil {
			t.Fatalf("warm-up: %v", err)
		}
	}
	return f
}

func (f *outageFixture) verify(secret string) (*model.Actor, error) {
	return f.a.verify(context.Background(), "Bearer "+secret, false)
}

// The look-up bound is long while the database is healthy, since under the
// race detector on a busy machine a look-up may be slow, and short while it
// is stalled, where every look-up outlives any bound.
const healthyBound, stalledBound = 10 * time.Second, 50 * time.Millisecond

// stall holds the database's one connection until the returned func runs:
// every look-up meanwhile outlives its bound.
func (f *outageFixture) stall(t *testing.T) func() {
	t.Helper()
	tx := f.store.Gorm().Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	f.a.lookUpTimeout = stalledBound
	return func() {
		tx.Rollback()
		f.a.lookUpTimeout = healthyBound
	}
}

func isUnavailable(err error) bool { return errors.Is(err, model.ErrUnavailable) }

// The database cannot answer and the listener is down (an outage takes both):
// a key verified within its TTL answers on its last verdict until the TTL
// ends; a key never verified gets UNAVAILABLE; so does everything once the
// TTL has passed.
func TestOutageServesKeptVerdictsWithinTheirTTL(t *testing.T) {
	f := newOutageFixture(t, false)
	f.a.Cache.SetListening(false)
	resume := f.stall(t)
	defer resume()

	actor, err := f.verify(f.warm)
	if err != nil || actor.APIKey == nil || actor.APIKey.ID != f.warmID {
		t.Fatalf("a key verified before the outage: %v %v, want its last verdict", actor, err)
	}
	// Within a second of a failed look-up the kept verdict answers without
	// another wait: nothing asks the database, so no look-up slot is taken.
	if _, err := f.verify(f.warm); err != nil {
		t.Fatalf("a second request during the outage: %v", err)
	}
	if _, err = f.verify(f.cold); !isUnavailable(err) {
		t.Fatalf("a key never verified during the outage: %v, want UNAVAILABLE", err)
	}
	if code := model.ErrorCode(ClientError(err)); code != model.CodeUnavailable {
		t.Fatalf("the client sees %s, want UNAVAILABLE", code)
	}
	f.clock.Advance(time.Minute - time.Millisecond)
	if _, err := f.verify(f.warm); err != nil {
		t.Fatalf("a millisecond before its TTL ends: %v", err)
	}
	f.clock.Advance(time.Millisecond)
	if _, err := f.verify(f.warm); !isUnavailable(err) {
		t.Fatalf("after its TTL ended: %v, want UNAVAILABLE", err)
	}
}

// While the database answers, a lost listener means asking it, as before:
// a key deleted without an announcement is refused at once, and the
// verdict it had is not kept for a later outage.
func TestOutageListenerDownDatabaseUp(t *testing.T) {
	f := newOutageFixture(t, false)
	f.a.Cache.SetListening(false)
	if err := f.store.Gorm().Exec("DELETE FROM api_keys WHERE id = ?", f.goneID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := f.verify(f.gone); !errors.Is(err, refusedUnknown) {
		t.Fatalf("a key deleted unannounced, listener down, database up: %v, want refused", err)
	}
	resume := f.stall(t)
	defer resume()
	if _, err := f.verify(f.gone); !errors.Is(err, refusedUnknown) {
		t.Fatalf("the same key when the database then stalls: %v, want refused on its last verdict", err)
	}
	if _, err := f.verify(f.warm); err != nil {
		t.Fatalf("a key still live, database stalled: %v", err)
	}
}

// When the listener returns, nothing kept through the gap answers while the
// database does: a key deleted meanwhile without an announcement is
// refused, even though it was never asked for while the listener was down.
// A live key's verdict from before still stands in if the database then
// cannot answer.
func TestOutageListenerReturnReconfirmsTheCache(t *testing.T) {
	f := newOutageFixture(t, false)
	f.a.Cache.SetListening(false)
	if err := f.store.Gorm().Exec("DELETE FROM api_keys WHERE id = ?", f.goneID).Error; err != nil {
		t.Fatal(err)
	}
	f.a.Cache.SetListening(true)
	if _, err := f.verify(f.gone); !errors.Is(err, refusedUnknown) {
		t.Fatalf("a key deleted while the listener was down: %v, want refused", err)
	}
	resume := f.stall(t)
	defer resume()
	if actor, err := f.verify(f.warm); err != nil || actor.APIKey.ID != f.warmID {
		t.Fatalf("a live key from before the listener's return, the database stalled: %v %v, want its last verdict", actor, err)
	}
	if _, err := f.verify(f.gone); !errors.Is(err, refusedUnknown) {
		t.Fatalf("the deleted key, the database stalled: %v, want refused", err)
	}
}

// -fail-closed-on-outage: every credential gets UNAVAILABLE while the
// database cannot answer, cached or not, positive verdict or negative.
func TestOutageFailClosed(t *testing.T) {
	f := newOutageFixture(t, true)
	if err := f.store.Gorm().Exec("DELETE FROM api_keys WHERE id = ?", f.goneID).Error; err != nil {
		t.Fatal(err)
	}
	f.a.Cache.SetListening(false)
	if _, err := f.verify(f.gone); !errors.Is(err, refusedUnknown) {
		t.Fatalf("listener down, database up: %v, want the database's answer", err)
	}
	resume := f.stall(t)
	for _, s := range []string{f.warm, f.gone, f.cold} {
		for range 2 {
			if _, err := f.verify(s); !isUnavailable(err) {
				t.Fatalf("fail closed, database stalled: %v, want UNAVAILABLE", err)
			}
		}
	}
	resume()
	if _, err := f.verify(f.warm); err != nil {
		t.Fatalf("after the database answers again: %v", err)
	}
}
