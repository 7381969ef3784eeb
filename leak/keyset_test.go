package leak_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/leak"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// keyServer serves a key set over HTTP as GitHub does, counting fetches
// and the Authorization header of the last.
type keyServer struct {
	*httptest.Server
	fetches atomic.Int32
	auth    atomic.Value
	set     atomic.Value // []byte; nil answers 500
}

func newKeyServer(t *testing.T) *keyServer {
	ks := &keyServer{}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		ks.auth.Store(r.Header.Get("Authorization"))
		set, _ := ks.set.Load().([]byte)
		if set == nil {
			http.Error(w, "rate limited", http.StatusForbidden)
			return
		}
		_, _ = w.Write(set)
	}))
	t.Cleanup(ks.Close)
	return ks
}

// A report naming an identifier the set does not hold refetches the set
// at most once every 10 minutes, however many such reports come; a
// failed fetch keeps the last good set; a key that appears in a later set
// verifies once a refetch is allowed.
func TestKeySetRefetchesAtMostEveryTenMinutes(t *testing.T) {
	ks := newKeyServer(t)
	first, second := testkit.NewP256Key(t), testkit.NewP256Key(t)
	ks.set.Store(testkit.KeySetJSON(t, map[string]*ecdsa.PublicKey{"first": &first.PublicKey}))
	clock := clockwork.NewFakeClock()
	set := leak.NewKeySet(ks.URL, "gh-token", clock, quiet)
	ctx := context.Background()
	body := []byte(`[]`)

	if ks.fetches.Load() != 0 {
		t.Fatal("the key set was fetched before any report")
	}
	if err := set.Verify(ctx, "first", testkit.SignWith(t, first, body), body); err != nil {
		t.Fatalf("first report: %v", err)
	}
	if ks.fetches.Load() != 1 || ks.auth.Load() != "Bearer gh-token" {
		t.Fatalf("fetches %d, Authorization %q: want 1 with the token", ks.fetches.Load(), ks.auth.Load())
	}
	// The first made-up identifier is fetched for and still not found: 401.
	// Those after it cannot be checked until a refetch is allowed: 503, so
	// that a genuine report among them is retried, not refused.
	for i := range 50 {
		want := leak.ErrKeySetStale
		if i == 0 {
			clock.Advance(leak.RefetchInterval)
			want = leak.ErrBadSignature
		}
		if err := set.Verify(ctx, "made-up", testkit.SignWith(t, first, body), body); !errors.Is(err, want) {
			t.Fatalf("made-up identifier %d: %v, want %v", i, err, want)
		}
	}
	if n := ks.fetches.Load(); n != 2 {
		t.Fatalf("made-up identifiers within 10 minutes fetched %d times, want once in all", n-1)
	}

	// GitHub rotates in a second key; until 10 minutes have passed, a
	// report signed with it is answered retry-later without a fetch.
	ks.set.Store(testkit.KeySetJSON(t, map[string]*ecdsa.PublicKey{"first": &first.PublicKey, "second": &second.PublicKey}))
	clock.Advance(leak.RefetchInterval - time.Second)
	if err := set.Verify(ctx, "second", testkit.SignWith(t, second, body), body); !errors.Is(err, leak.ErrKeySetStale) || ks.fetches.Load() != 2 {
		t.Fatalf("before 10 minutes: %v after %d fetches", err, ks.fetches.Load())
	}
	clock.Advance(time.Second)
	if err := set.Verify(ctx, "second", testkit.SignWith(t, second, body), body); err != nil || ks.fetches.Load() != 3 {
		t.Fatalf("after 10 minutes: %v after %d fetches, want verified after 3", err, ks.fetches.Load())
	}

	// GitHub fails: the last good set goes on verifying.
	ks.set.Store([]byte(nil))
	clock.Advance(leak.RefetchInterval)
	if err := set.Verify(ctx, "third", testkit.SignWith(t, second, body), body); !errors.Is(err, leak.ErrKeySetStale) || ks.fetches.Load() != 4 {
		t.Fatalf("failed refetch: %v after %d fetches, want ErrKeySetStale (retry later)", err, ks.fetches.Load())
	}
	for _, k := range []struct {
		id  string
		key *ecdsa.PrivateKey
	}{{"first", first}, {"second", second}} {
		if err := set.Verify(ctx, k.id, testkit.SignWith(t, k.key, body), body); err != nil {
			t.Errorf("%s after a failed refetch: %v", k.id, err)
		}
	}
}

// While no key set could ever be had, verification is unavailable, and
// the fetch is not retried within 10 minutes; once one is had, it verifies.
func TestKeySetUnavailableUntilFirstGoodSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	key := testkit.NewP256Key(t)
	clock := clockwork.NewFakeClock()
	set := leak.NewKeySet(path, "", clock, quiet)
	body := []byte(`[{"token":"kf_x"}]`)
	sig := testkit.SignWith(t, key, body)
	if err := set.Verify(context.Background(), "k", sig, body); !errors.Is(err, leak.ErrNoKeySet) {
		t.Fatalf("no file: %v, want ErrNoKeySet", err)
	}
	if err := os.WriteFile(path, []byte(`{"public_keys": [{"key_identifier": "k", "key": "not PEM"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	clock.Advance(leak.RefetchInterval)
	if err := set.Verify(context.Background(), "k", sig, body); !errors.Is(err, leak.ErrNoKeySet) {
		t.Fatalf("a set without a usable key: %v, want ErrNoKeySet", err)
	}
	testkit.WriteKeySet(t, path, map[string]*ecdsa.PublicKey{"k": &key.PublicKey})
	if err := set.Verify(context.Background(), "k", sig, body); !errors.Is(err, leak.ErrNoKeySet) {
		t.Fatalf("within 10 minutes of the last attempt: %v, want ErrNoKeySet still", err)
	}
	clock.Advance(leak.RefetchInterval)
	if err := set.Verify(context.Background(), "k", sig, body); err != nil {
		t.Fatalf("good set: %v", err)
	}
	if err := set.Verify(context.Background(), "k", sig, append(body, ' ')); !errors.Is(err, leak.ErrBadSignature) {
		t.Fatalf("changed body: %v, want ErrBadSignature", err)
	}
}

// Keys other than ECDSA P-256 are skipped; the rest of the set is kept.
func TestParseKeySetSkipsOtherCurves(t *testing.T) {
	good := testkit.NewP256Key(t)
	raw := testkit.KeySetJSON(t, map[string]*ecdsa.PublicKey{"good": &good.PublicKey})
	keys, err := leak.ParseKeySet(raw)
	if err != nil || len(keys) != 1 || keys["good"] == nil {
		t.Fatalf("ParseKeySet = %v, %v", keys, err)
	}
	for name, bad := range map[string]string{
		"not JSON": "nope", "no keys": `{"public_keys": []}`, "no identifier": `{"public_keys": [{"key": "x"}]}`,
	} {
		if _, err := leak.ParseKeySet([]byte(bad)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestLabel(t *testing.T) {
	for token, want := range map[string]string{
		"kf_0123456789abcdefghijABCDEFGHIJ01": leak.LabelFalsePositive,
		"":                                    leak.LabelFalsePositive,
		"0123456789abcdef0123456789abcdef":    leak.LabelFalsePositive, // legacy hex: not scannable
		credential.NewAPIKey():                leak.LabelTruePositive,
	} {
		if got := leak.Label(token); got != want {
			t.Errorf("Label(%q) = %s, want %s", token, got, want)
		}
	}
}
