package authn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
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

// An admitted key's header values are its own, read from its cached
// verdict, and every answer shares them: an answer that appends to one
// (Header.Add does) must copy it, not write into the next value, which
// would name the wrong user in every later answer for the key.
func TestKeyValuesNameTheKeyAndSurviveAnAppend(t *testing.T) {
	f := newRenewalFixture(t, filepath.Join(t.TempDir(), "values.db"))
	key, secret := f.newKey(t)
	admit := func() KeyValues {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "/auth/verify", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		admitted, err := f.a.Admit(httptest.NewRecorder(), r, false, http.MethodGet)
		if err != nil || admitted.Actor == nil || admitted.Actor.APIKey.ID != key.ID {
			t.Fatalf("admitting the key: %+v, %v", admitted.Actor, err)
		}
		return admitted.KeyValues()
	}
	want := KeyValues{AccountID: []string{key.AccountID}, UserID: []string{key.UserID}, KeyID: []string{key.ID}, Access: []string{string(key.Access)}}
	first := admit()
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("key values %+v, want %+v", first, want)
	}
	answer := http.Header{"X-Keyfob-Account-Id": first.AccountID, "X-Keyfob-User-Id": first.UserID}
	answer.Add("X-Keyfob-Account-Id", "acct_appended")
	_ = append(first.KeyID, "key_appended")
	if again := admit(); !reflect.DeepEqual(again, want) {
		t.Fatalf("after an answer appended to its values, the next answer's are %+v, want %+v", again, want)
	}
	if got := answer["X-Keyfob-Account-Id"]; !reflect.DeepEqual(got, []string{key.AccountID, "acct_appended"}) {
		t.Fatalf("the appending answer holds %q", got)
	}
}

// A session's admission names no key.
func TestSessionAdmissionHasNoKeyValues(t *testing.T) {
	f := newRenewalFixture(t, filepath.Join(t.TempDir(), "session.db"))
	token, _, err := f.store.LogIn(context.Background(), f.email, "password123", model.ClientWeb)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	admitted, err := f.a.Admit(httptest.NewRecorder(), r, true, "")
	if err != nil || admitted.Actor == nil || admitted.Actor.Session == nil {
		t.Fatalf("admitting a session: %+v, %v", admitted.Actor, err)
	}
	if kv := admitted.KeyValues(); !reflect.DeepEqual(kv, KeyValues{}) {
		t.Fatalf("a session's key values: %+v", kv)
	}
}
