package db

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/model"
)

// A roll keeps the key, revokes every hash it had live, and leaves the
// replaced secret findable until the grace ends, by the store's clock,
// with that end on the actor for the cache. A second roll ends the older
// secret at once. The flush writes the previous secret's last use only
// while it is still the key's previous secret.
func TestRollAPIKeyFindsThePreviousSecretDuringTheGrace(t *testing.T) {
	eachDatabaseAt(t, time.Now(), func(t *testing.T, store *DB, clock *clockwork.FakeClock) {
		ctx := context.Background()
		owner := newTeam(t, store, "r")[0]
		var revoked [][]string
		store.OnRevoke = func(hashes []string) { revoked = append(revoked, hashes) }
		first := owner.key.SecretHash

		key, secret, err := store.RollAPIKey(ctx, owner.session, owner.key.ID, 60)
		if err != nil {
			t.Fatal(err)
		}
		second := credential.Hash(secret)
		if key.ID != owner.key.ID || key.SecretHash != second || key.PreviousSecretHash == nil || *key.PreviousSecretHash != first {
			t.Fatalf("rolled key %+v", key)
		}
		end := clock.Now().UTC().Truncate(time.Microsecond).Add(time.Minute)
		if key.PreviousSecretExpiresAt == nil || !key.PreviousSecretExpiresAt.Equal(end) {
			t.Errorf("previous secret expires at %v, want %v", key.PreviousSecretExpiresAt, end)
		}
		if want := [][]string{{first}}; !slices.EqualFunc(revoked, want, slices.Equal[[]string]) {
			t.Errorf("revoked %v, want %v", revoked, want)
		}
		actor, err := store.ActorByAPIKey(ctx, first)
		if err != nil || actor.APIKey.ID != key.ID || actor.PreviousSecretExpiresAt == nil || !actor.PreviousSecretExpiresAt.Equal(end) {
			t.Fatalf("the previous secret in its grace: %+v, %v", actor, err)
		}
		if actor, err := store.ActorByAPIKey(ctx, second); err != nil || actor.PreviousSecretExpiresAt != nil {
			t.Fatalf("the new secret: %+v, %v", actor, err)
		}

		// Its use is written by the flush, for this previous secret only.
		used := clock.Now().UTC().Truncate(time.Microsecond)
		incs := []UsageIncrement{{APIKeyID: key.ID, Integration: "A", Requests: 1, FirstUsedAt: used, LastUsedAt: used,
			PreviousSecretHash: first, PreviousSecretLastUsedAt: used}}
		if err := store.RecordUsage(ctx, credential.NewID("flush"), incs); err != nil {
			t.Fatal(err)
		}
		read, err := store.APIKey(ctx, owner.session, key.ID)
		if err != nil || read.PreviousSecretLastUsedAt == nil || !read.PreviousSecretLastUsedAt.Equal(used) {
			t.Fatalf("previousSecretLastUsedAt: %+v, %v, want %v", read, err, used)
		}

		// The store keeps time to the microsecond.
		clock.Advance(end.Sub(clock.Now()) - time.Microsecond)
		if _, err := store.ActorByAPIKey(ctx, first); err != nil {
			t.Errorf("a microsecond before the grace ends: %v", err)
		}
		clock.Advance(time.Microsecond)
		if _, err := store.ActorByAPIKey(ctx, first); err != model.ErrNotFound {
			t.Errorf("at the grace's end: %v, want NOT_FOUND", err)
		}

		revoked = nil
		if _, _, err := store.RollAPIKey(ctx, owner.session, owner.key.ID, 60); err != nil {
			t.Fatal(err)
		}
		if want := [][]string{{second}}; !slices.EqualFunc(revoked, want, slices.Equal[[]string]) {
			t.Errorf("second roll revoked %v, want %v (the first secret's grace is over)", revoked, want)
		}
		revoked = nil
		if _, _, err := store.RollAPIKey(ctx, owner.session, owner.key.ID, 0); err != nil {
			t.Fatal(err)
		}
		if len(revoked) != 1 || len(revoked[0]) != 2 {
			t.Errorf("a roll over a live previous secret revoked %v, want both hashes", revoked)
		}
		if _, err := store.ActorByAPIKey(ctx, second); err != model.ErrNotFound {
			t.Errorf("the older secret after two more rolls: %v, want NOT_FOUND", err)
		}
		// A late flush for a secret that is no longer the previous one
		// writes nothing.
		if err := store.RecordUsage(ctx, credential.NewID("flush"), []UsageIncrement{{APIKeyID: key.ID, Integration: "A", Requests: 1,
			FirstUsedAt: used, LastUsedAt: used, PreviousSecretHash: second, PreviousSecretLastUsedAt: used}}); err != nil {
			t.Fatal(err)
		}
		if read, err := store.APIKey(ctx, owner.session, key.ID); err != nil || read.PreviousSecretLastUsedAt != nil || read.PreviousSecretHash != nil {
			t.Errorf("after a grace-0 roll and a late flush: %+v, %v", read, err)
		}
	})
}
