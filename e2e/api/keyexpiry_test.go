package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/internal/testkit"
)

const createExpiringKey = `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id expiresAt status } } }`

// TestKeyExpiry: a key made with an expiry shows it, names it in a header
// on every answer it gets, and is refused at that very instant, cached or
// not, on /graphql and on /auth/verify, while it stays listed as EXPIRED.
// The server's clock is moved, not waited for.
func TestKeyExpiry(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			clock := clockwork.NewFakeClockAt(time.Now())
			e := testkit.NewEnvAt(t, kind, clock, nil)
			owner := e.SignUp(t, "Expiring")
			auth := testkit.Bearer(owner.Token)
			create := func(in map[string]any) *testkit.Response {
				return e.Do(t, testkit.Request{Auth: auth, Query: createExpiringKey, Variables: map[string]any{"in": in}})
			}

			// Refused: now and the past. Nothing is made.
			before := e.RowCounts(t)
			for name, at := range map[string]time.Time{"now": clock.Now(), "past": clock.Now().Add(-time.Hour)} {
				resp := create(map[string]any{"name": "Late " + name, "expiresAt": at.UTC().Format(time.RFC3339Nano)})
				if !testkit.WantError(t, resp, "BAD_USER_INPUT", "expiresAt") {
					t.Errorf("expiresAt %s: %s", name, resp.Body)
				}
			}
			for _, garbled := range []any{"tomorrow", "2100-01-01T00:00:00", 4102444800} {
				resp := create(map[string]any{"name": "Garbled", "expiresAt": garbled})
				if !testkit.WantError(t, resp, "BAD_USER_INPUT", "expiresAt") {
					t.Errorf("expiresAt %v: %s", garbled, resp.Body)
				}
			}
			if after := e.RowCounts(t); after["api_keys"] != before["api_keys"] {
				t.Errorf("a refused create made a key: %d -> %d", before["api_keys"], after["api_keys"])
			}

			// A key without an expiry never expires and names none.
			plain := e.MustDo(t, testkit.Request{Auth: auth, Query: createExpiringKey, Variables: map[string]any{"in": map[string]any{"name": "Forever", "expiresAt": nil}}})
			if k := testkit.Dig(plain, "createApiKey", "apiKey"); testkit.Dig(k, "expiresAt") != nil || testkit.Dig(k, "status") != "ACTIVE" {
				t.Errorf("key without expiry: %v", k)
			}
			plainSecret := testkit.Dig(plain, "createApiKey", "secret").(string)
			if v := e.Verify(t, "GET", "", testkit.Bearer(plainSecret), nil); v.Status != http.StatusOK || v.Header.Get("X-Keyfob-Key-Expires-At") != "" {
				t.Errorf("key without expiry on /auth/verify: %d, header %q", v.Status, v.Header.Get("X-Keyfob-Key-Expires-At"))
			}

			// Kept to the microsecond, as stored.
			expires := clock.Now().Add(10 * time.Second).UTC().Truncate(time.Second).Add(123456789)
			want := expires.Truncate(time.Microsecond).Format(time.RFC3339Nano)
			var ids, secrets []string
			for _, name := range []string{"Cached", "Uncached"} {
				resp := create(map[string]any{"name": name, "expiresAt": expires.Format(time.RFC3339Nano)})
				if len(resp.Errors) > 0 {
					t.Fatalf("create %s: %s", name, resp.Body)
				}
				k := testkit.Dig(resp.Data, "createApiKey", "apiKey")
				if testkit.Dig(k, "expiresAt") != want || testkit.Dig(k, "status") != "ACTIVE" {
					t.Errorf("created %s: %v, want expiresAt %s and ACTIVE", name, k, want)
				}
				ids = append(ids, testkit.Dig(k, "id").(string))
				secrets = append(secrets, testkit.Dig(resp.Data, "createApiKey", "secret").(string))
			}
			expiresAt := testkit.MustTime(t, want)
			cached := testkit.Bearer(secrets[0])

			admitted := func(when string) {
				t.Helper()
				resp := e.Do(t, testkit.Request{Auth: cached, Query: `{ viewer { id } }`})
				if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
					t.Fatalf("%s: /graphql refused the key: %d %s", when, resp.Status, resp.Body)
				}
				if got := resp.Header.Get("X-Keyfob-Key-Expires-At"); got != want {
					t.Errorf("%s: /graphql X-Keyfob-Key-Expires-At = %q, want %q", when, got, want)
				}
				v := e.Verify(t, "GET", "", cached, nil)
				if v.Status != http.StatusOK {
					t.Fatalf("%s: /auth/verify refused the key: %d %s", when, v.Status, v.Body)
				}
				if got := v.Header.Get("X-Keyfob-Key-Expires-At"); got != want {
					t.Errorf("%s: /auth/verify X-Keyfob-Key-Expires-At = %q, want %q", when, got, want)
				}
			}
			refused := func(when, auth string) {
				t.Helper()
				resp := e.Do(t, testkit.Request{Auth: auth, Query: `{ viewer { id } }`})
				if resp.Status != http.StatusUnauthorized || resp.Header.Get("X-Keyfob-Key-Expires-At") != "" {
					t.Errorf("%s: /graphql answered %d, header %q: %s", when, resp.Status, resp.Header.Get("X-Keyfob-Key-Expires-At"), resp.Body)
				}
				testkit.WantError(t, resp, "UNAUTHENTICATED", "")
				if v := e.Verify(t, "GET", "", auth, nil); v.Status != http.StatusUnauthorized || v.Header.Get("X-Keyfob-Key-Expires-At") != "" {
					t.Errorf("%s: /auth/verify answered %d, header %q: %s", when, v.Status, v.Header.Get("X-Keyfob-Key-Expires-At"), v.Body)
				}
			}

			admitted("fresh")
			// A refusal after authentication names the expiry too.
			if v := e.Verify(t, "GET", "", cached, map[string]string{"X-System": "\u202eevil"}); v.Status != http.StatusBadRequest || v.Header.Get("X-Keyfob-Key-Expires-At") != want {
				t.Errorf("bad X-System: %d, X-Keyfob-Key-Expires-At %q, want 400 and %q", v.Status, v.Header.Get("X-Keyfob-Key-Expires-At"), want)
			}
			clock.Advance(expiresAt.Sub(clock.Now()) - time.Nanosecond)
			admitted("a nanosecond before expiresAt")
			clock.Advance(time.Nanosecond)
			refused("at expiresAt, cached", cached)
			refused("at expiresAt, never used", testkit.Bearer(secrets[1]))
			clock.Advance(time.Hour)
			refused("an hour later", cached)

			// Both stay listed, as EXPIRED, for the admin to see; the key
			// without an expiry still works.
			data := e.MustDo(t, testkit.Request{Auth: auth, Query: `{ apiKeys { nodes { id name expiresAt status } } }`})
			statuses := map[any]any{}
			for _, n := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
				statuses[testkit.Dig(n, "id")] = testkit.Dig(n, "status")
			}
			for _, id := range ids {
				if statuses[id] != "EXPIRED" {
					t.Errorf("key %s: status %v, want EXPIRED: %v", id, statuses[id], data)
				}
			}
			if len(statuses) != 3 {
				t.Errorf("apiKeys lists %d keys, want 3: %v", len(statuses), data)
			}
			if v := e.Verify(t, "GET", "", testkit.Bearer(plainSecret), nil); v.Status != http.StatusOK {
				t.Errorf("the key without expiry stopped working: %d", v.Status)
			}
		})
	}
}
