package authn

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/keyfob/keyfob/model"
)

// A cache hit skips the check of a secret's shape, so what that check
// refused must still be refused around the cache: a session token at the
// gateway though its verdict is cached, and a key one character off a
// cached one, which finds nothing there and is refused as malformed,
// without a look-up. The cached key itself still answers, with no query.
func TestWarmHitsRefuseWhatTheirShapeRefuses(t *testing.T) {
	f := newRenewalFixture(t, filepath.Join(t.TempDir(), "verify.db"))
	ctx := context.Background()
	_, secret := f.newKey(t)
	token, _, err := f.store.LogIn(ctx, f.email, "password123", model.ClientWeb)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, token} { // cached by a first use
		if _, err := f.a.verify(ctx, "Bearer "+s, true); err != nil {
			t.Fatal(err)
		}
	}
	statements := f.store.CountStatements()
	if _, err := f.a.verify(ctx, "Bearer "+token, false); !errors.Is(err, refusedSession) {
		t.Fatalf("a cached session token at the gateway: %v, want %v", err, refusedSession)
	}
	flipped := []byte(secret)
	if flipped[10] == 'a' {
		flipped[10] = 'b'
	} else {
		flipped[10] = 'a'
	}
	if _, err := f.a.verify(ctx, "Bearer "+string(flipped), false); !errors.Is(err, refusedMalformed) {
		t.Fatalf("a key one character off a cached one: %v, want %v", err, refusedMalformed)
	}
	if actor, err := f.a.verify(ctx, "Bearer "+secret, false); err != nil || actor.APIKey == nil {
		t.Fatalf("the cached key at the gateway: %v %v", actor, err)
	}
	if n := statements.Load(); n != 0 {
		t.Fatalf("%d queries, want none: every answer comes from the cache or the secret's shape", n)
	}
}
