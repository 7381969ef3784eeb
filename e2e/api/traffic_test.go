package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

func TestVerifyEndpointAdmitsKeysOnly(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Gateway Co")
		keyID, secret := e.CreateKey(t, owner, "Gateway")
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(secret+":"))
		for _, tc := range []struct{ method, suffix, auth string }{
			{"GET", "", testkit.Bearer(secret)},
			{"POST", "/api/v1/people?x=1", basic},
			{"DELETE", "/anything/below", testkit.Bearer(secret)},
			{"GET", "//double//slashes/../and/dots", testkit.Bearer(secret)},
		} {
			got := e.Verify(t, tc.method, tc.suffix, tc.auth, map[string]string{"X-System": "Gateway"})
			if got.Status != http.StatusOK {
				t.Fatalf("%s %s: status %d: %s", tc.method, tc.suffix, got.Status, got.Body)
			}
			if got.Header.Get("X-Keyfob-Key-Id") != keyID || got.Header.Get("X-Keyfob-User-Id") != owner.ID ||
				got.Header.Get("X-Keyfob-Account-Id") != owner.AccountID {
				t.Fatalf("identity headers = %v", got.Header)
			}
			if got.Header.Get("X-RateLimit-Limit") != "250" || got.Header.Get("X-RateLimit-Window") != "10" || got.Header.Get("X-RateLimit-Remaining") == "" {
				t.Fatalf("rate-limit headers = %v", got.Header)
			}
		}
		// A bad X-System is the client's mistake, named as /graphql names it.
		bad := e.Verify(t, "GET", "", testkit.Bearer(secret), map[string]string{"X-System": strings.Repeat("Z", 101)})
		var refusal struct{ Error struct{ Code, Field string } }
		if err := json.Unmarshal([]byte(bad.Body), &refusal); err != nil || bad.Status != http.StatusBadRequest ||
			refusal.Error.Code != "BAD_USER_INPUT" || refusal.Error.Field != "X-System" {
			t.Fatalf("bad X-System: %d %s", bad.Status, bad.Body)
		}
		if bad.Header.Get("X-RateLimit-Limit") == "" || bad.Header.Get("X-RateLimit-Remaining") == "" {
			t.Fatalf("a refused request with a valid key lacks the rate-limit headers: %v", bad.Header)
		}
		e.FlushUsage(t)
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `query($id: ID!) { apiKey(id: $id) { usageByIntegration { integration requestCount } } }`, Variables: map[string]any{"id": keyID}})
		if testkit.Dig(data, "apiKey", "usageByIntegration", 0, "integration") != "Gateway" || testkit.Dig(data, "apiKey", "usageByIntegration", 0, "requestCount") != 4.0 {
			t.Fatalf("usage after four verifications = %v", data)
		}
	})
}

// A warm verification is answered from memory: no SQL at all.
func TestWarmVerificationMakesNoQuery(t *testing.T) {
	// No usage flush during the test: the statements counted are look-ups.
	testkit.ForEachDBConfigured(t, func(c *config.Config) { c.UsageFlush = time.Hour }, func(t *testing.T, e *testkit.Env) {
		<-e.Server.Listening()
		owner := e.SignUp(t, "Warm")
		_, secret := e.CreateKey(t, owner, "Hot path")
		statements := e.Store.CountStatements()
		if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
			t.Fatalf("cold verification: %d %s", got.Status, got.Body)
		}
		// The key, its owner and their account come in one statement.
		if n := statements.Swap(0); n != 1 {
			t.Fatalf("a cold verification ran %d SQL statements, want 1", n)
		}
		for i := range 20 {
			if got := e.Verify(t, "GET", "", testkit.Bearer(secret), map[string]string{"X-System": "S" + strconv.Itoa(i%3)}); got.Status != http.StatusOK {
				t.Fatalf("warm verification: %d %s", got.Status, got.Body)
			}
		}
		if n := statements.Load(); n != 0 {
			t.Fatalf("20 warm verifications ran %d SQL statements, want 0", n)
		}
		// Unknown keys are remembered too: a flood of one bad key costs one look-up.
		bogus := testkit.Bearer(credential.NewAPIKey())
		statements.Store(0)
		for range 5 {
			e.Verify(t, "GET", "", bogus, nil)
		}
		if n := statements.Load(); n != 1 {
			t.Fatalf("5 verifications of one unknown key ran %d statements, want 1", n)
		}
		// A checksum failure is refused before any look-up.
		statements.Store(0)
		e.Verify(t, "GET", "", testkit.Bearer("kf_"+"A0000000000000000000000000000000"+"000000"), nil)
		if n := statements.Load(); n != 0 {
			t.Fatalf("a bad-checksum key ran %d statements, want 0", n)
		}
	})
}

// Deleting a key or logging out refuses the very next request on this
// instance even though the credential was cached.
func TestRevocationIsImmediateOnOneInstance(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		<-e.Server.Listening()
		owner := e.SignUp(t, "Revoker")
		keyID, secret := e.CreateKey(t, owner, "Doomed")
		for range 3 { // warm the cache
			if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
				t.Fatalf("before delete: %d", got.Status)
			}
		}
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `mutation($id: ID!) { deleteApiKey(input: {id: $id}) { deletedApiKeyId } }`, Variables: map[string]any{"id": keyID}})
		if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusUnauthorized {
			t.Fatalf("first request after delete: %d, want 401", got.Status)
		}
		if got := e.Do(t, testkit.Request{Auth: testkit.Bearer(secret), Query: `{ viewer { id } }`}); got.Status != http.StatusUnauthorized {
			t.Fatalf("first GraphQL request after delete: %d, want 401", got.Status)
		}

		token := e.LogIn(t, owner.Email, owner.Password, "WEB")
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: `{ viewer { id } }`})
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: `mutation { logOut }`})
		if got := e.Do(t, testkit.Request{Auth: testkit.Bearer(token), Query: `{ viewer { id } }`}); got.Status != http.StatusUnauthorized {
			t.Fatalf("first request after logOut: %d, want 401", got.Status)
		}
	})
}

// The time-to-live is the backstop for a revocation nobody announced (here:
// a row deleted behind the service's back).
func TestCacheTTLBackstop(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			const ttl = 30 * time.Second
			clock := clockwork.NewFakeClockAt(time.Now())
			e := testkit.NewEnvAt(t, kind, clock, func(c *config.Config) { c.CacheTTL = ttl })
			<-e.Server.Listening()
			owner := e.SignUp(t, "Backstop")
			keyID, secret := e.CreateKey(t, owner, "Unannounced")
			if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
				t.Fatalf("warm-up: %d", got.Status)
			}
			if err := e.Store.Gorm().Exec("DELETE FROM api_keys WHERE id = ?", keyID).Error; err != nil {
				t.Fatal(err)
			}
			if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
				t.Fatalf("within the TTL the cached key should still pass (proving the cache is in use), got %d", got.Status)
			}
			// No request meanwhile, so no background refresh: only expiry can
			// drop the entry.
			clock.Advance(ttl + time.Second)
			if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusUnauthorized {
				t.Fatalf("the first request after the TTL got %d, want 401", got.Status)
			}
		})
	}
}

// A key in steady use is renewed in the background before its TTL ends, so
// no request waits for the database when the entry would have expired, and
// keys filled together are not all looked up again at the same moment. The
// server's clock moves in steps; each refresh a request starts is waited
// for before the clock moves on.
func TestCacheRefreshesKeysInUse(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			const ttl = 30 * time.Second
			clock := clockwork.NewFakeClockAt(time.Now())
			e := testkit.NewEnvAt(t, kind, clock, func(c *config.Config) {
				c.CacheTTL = ttl
				c.UsageFlush = time.Hour // so the statements counted are look-ups
			})
			<-e.Server.Listening()
			owner := e.SignUp(t, "Steady")
			_, secret := e.CreateKey(t, owner, "Always on")
			statements := e.Store.CountStatements()
			if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
				t.Fatalf("warm-up: %d", got.Status)
			}
			perLookUp := statements.Swap(0)
			if perLookUp == 0 {
				t.Fatal("the cold verification ran no statement")
			}
			cache := e.Server.Authenticator().Cache
			_, missesBefore := cache.Stats()
			// Two and a half TTLs of steady traffic on one key: without
			// refreshes it would expire twice.
			const step, steps = ttl / 50, 125
			for range steps {
				if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
					t.Fatalf("steady traffic refused: %d", got.Status)
				}
				for deadline := time.Now().Add(10 * time.Second); cache.RefreshesInFlight() > 0; time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("a background refresh did not finish in 10 s")
					}
				}
				clock.Advance(step)
			}
			if _, misses := cache.Stats(); misses != missesBefore {
				t.Fatalf("%d requests missed the cache over 2.5 TTLs of steady use, want 0", misses-missesBefore)
			}
			if n := statements.Load() / perLookUp; n < 2 || n > 4 {
				t.Fatalf("2.5 TTLs of one key in use made %d look-ups, want about one refresh per TTL", n)
			}
		})
	}
}

func TestKeyRateLimit(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			e := testkit.NewEnv(t, kind, func(c *config.Config) { c.RateLimits.PerKey = 5 })
			owner := e.SignUp(t, "Chatty")
			_, secret := e.CreateKey(t, owner, "Busy")
			_, other := e.CreateKey(t, owner, "Quiet")
			for i := range 3 {
				got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil)
				if got.Status != http.StatusOK || got.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(4-i) || got.Header.Get("X-RateLimit-Limit") != "5" {
					t.Fatalf("request %d: %d remaining %q", i, got.Status, got.Header.Get("X-RateLimit-Remaining"))
				}
			}
			for i := range 2 {
				resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(secret), Query: `{ viewer { id } }`})
				if resp.Status != http.StatusOK || resp.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(1-i) || resp.Header.Get("X-RateLimit-Window") != "10" {
					t.Fatalf("GraphQL request %d: %d remaining %q", i, resp.Status, resp.Header.Get("X-RateLimit-Remaining"))
				}
			}
			over := e.Verify(t, "GET", "", testkit.Bearer(secret), nil)
			if over.Status != http.StatusTooManyRequests || over.Header.Get("Retry-After") == "" || over.Header.Get("X-Keyfob-Status") != "429" {
				t.Fatalf("past the limit /auth/verify: %d %v", over.Status, over.Header)
			}
			gql := e.Do(t, testkit.Request{Auth: testkit.Bearer(secret), Query: `{ viewer { id } }`})
			if gql.Status != http.StatusTooManyRequests || gql.Code() != "RATE_LIMITED" || gql.Header.Get("Retry-After") == "" {
				t.Fatalf("past the limit GraphQL: %d %s", gql.Status, gql.Body)
			}
			if got := e.Verify(t, "GET", "", testkit.Bearer(other), nil); got.Status != http.StatusOK {
				t.Fatalf("another key of the same user is limited separately, got %d", got.Status)
			}
			// Refused requests are not counted as usage.
			e.FlushUsage(t)
			var total int64
			e.Store.Gorm().Raw("SELECT COALESCE(SUM(request_count), 0) FROM integration_usages u JOIN api_keys k ON k.id = u.api_key_id WHERE k.name = 'Busy'").Scan(&total)
			if total != 5 {
				t.Fatalf("recorded %d requests for the limited key, want the 5 admitted", total)
			}
		})
	}
}

func TestFailedAuthLimitPerIP(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		name := map[bool]string{false: "direct", true: "behind trusted proxy"}[trusted]
		t.Run(name, func(t *testing.T) {
			e := testkit.NewEnv(t, "sqlite", func(c *config.Config) {
				c.RateLimits.FailedPerIP = 3
				if trusted {
					c.TrustedProxies = "127.0.0.0/8, ::1"
				}
			})
			owner := e.SignUp(t, "Probed")
			_, secret := e.CreateKey(t, owner, "Legit")
			prober := map[string]string{"X-Forwarded-For": "203.0.113.7"}
			for i := range 3 {
				if got := e.Verify(t, "GET", "", testkit.Bearer(credential.NewAPIKey()), prober); got.Status != http.StatusUnauthorized {
					t.Fatalf("probe %d: %d", i, got.Status)
				}
			}
			blocked := e.Verify(t, "GET", "", testkit.Bearer(credential.NewAPIKey()), prober)
			if blocked.Status != http.StatusTooManyRequests || blocked.Header.Get("Retry-After") == "" {
				t.Fatalf("fourth probe: %d, want 429 with Retry-After", blocked.Status)
			}
			if got := e.Do(t, testkit.Request{Auth: testkit.Bearer(credential.NewAPIKey()), Headers: prober, Query: `{ viewer { id } }`}); got.Code() != "RATE_LIMITED" || got.Status != http.StatusTooManyRequests {
				t.Fatalf("GraphQL from the blocked address: %d %s", got.Status, got.Body)
			}
			// A legitimate integration elsewhere is unaffected only when the
			// proxy is trusted; directly, every client here shares 127.0.0.1.
			legit := e.Verify(t, "GET", "", testkit.Bearer(secret), map[string]string{"X-Forwarded-For": "198.51.100.20"})
			if trusted && legit.Status != http.StatusOK {
				t.Fatalf("legitimate key from another client IP behind the trusted proxy: %d", legit.Status)
			}
			if !trusted && legit.Status != http.StatusTooManyRequests {
				t.Fatalf("without a trusted proxy X-Forwarded-For must be ignored: got %d, want 429 (same peer address)", legit.Status)
			}
		})
	}
}
