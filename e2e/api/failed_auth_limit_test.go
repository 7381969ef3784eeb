package api

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// countKeyLookUps counts the API-key look-ups e's database runs from now
// on. It hooks the store itself, so it counts queries that reach the
// database; register it before the test sends anything.
func countKeyLookUps(t *testing.T, e *testkit.Env) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	err := e.Store.Gorm().Callback().Row().After("gorm:row").Register("test:count_key_look_ups", func(tx *gorm.DB) {
		if strings.Contains(tx.Statement.SQL.String(), "k.secret_hash = ") {
			n.Add(1)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return &n
}

// verifyAll sends each key to /auth/verify at once from ip and counts the
// answers by status.
func verifyAll(t *testing.T, e *testkit.Env, ip string, keys []string) map[int]int {
	statuses := make(chan int, len(keys))
	var wg sync.WaitGroup
	for _, key := range keys {
		wg.Go(func() { statuses <- e.Verify(t, "GET", "", testkit.Bearer(key), from(ip)).Status })
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	return count
}

// A failed authentication's slot is taken before the look-up: 300
// concurrent unknown keys from one address reach the database at most as
// often as the limit allows. A known key gives its slot back, so a
// gateway's integrations starting together are never refused.
func TestFailedAuthLimitHoldsUnderConcurrency(t *testing.T) {
	testkit.ForEachDBConfigured(t, behindProxy, func(t *testing.T, e *testkit.Env) {
		lookUps := countKeyLookUps(t, e)
		limit := e.Config.RateLimits.FailedPerIP

		unknown := make([]string, 300)
		for i := range unknown {
			unknown[i] = credential.NewAPIKey()
		}
		count := verifyAll(t, e, "203.0.113.30", unknown)
		if n := lookUps.Load(); n > int64(limit) || count[http.StatusUnauthorized] != int(n) || count[http.StatusTooManyRequests] != 300-int(n) {
			t.Fatalf("300 concurrent unknown keys: %d look-ups, answers %v; want at most %d look-ups, one 401 each, 429 for the rest", n, count, limit)
		}

		owner := e.SignUp(t, "Gateway")
		known := make([]string, limit+5)
		for i := range known {
			_, known[i] = e.CreateKey(t, owner, fmt.Sprintf("Integration %d", i))
		}
		if count := verifyAll(t, e, "203.0.113.31", known); count[http.StatusOK] != len(known) {
			t.Fatalf("%d concurrent known keys from one address, none cached: %v; want all 200", len(known), count)
		}
		// Their slots came back: the address still has its whole limit.
		for i := range limit {
			if got := e.Verify(t, "GET", "", testkit.Bearer(credential.NewAPIKey()), from("203.0.113.31")); got.Status != http.StatusUnauthorized {
				t.Fatalf("unknown key %d after the known ones: %d, want 401", i+1, got.Status)
			}
		}
		if got := e.Verify(t, "GET", "", testkit.Bearer(credential.NewAPIKey()), from("203.0.113.31")); got.Status != http.StatusTooManyRequests {
			t.Fatalf("unknown key %d after the known ones: %d, want 429", limit+1, got.Status)
		}
	})
}

// Every per-address limit (failed authentications, log-ins, sign-up email
// probes) also holds an IPv6 /64 to ten times its limit, and still holds
// each address to its own. IPv4 addresses stay limited one by one.
func TestPerIPLimitsHoldAnIPv6NetworkToTenTimes(t *testing.T) {
	const perIP = 2
	testkit.ForEachDBConfigured(t, func(c *config.Config) {
		behindProxy(c)
		c.RateLimits.FailedPerIP = perIP
		c.LoginLimits.PerIP = perIP
		// The log-in limits refill continuously: at 20 per minute a /64
		// regains one failure every 3 s, which thirty hashed log-ins
		// under -race on a busy machine can outlast. An hour keeps the
		// count exact without changing what is counted.
		c.LoginLimits.Window = time.Hour
	}, func(t *testing.T, e *testkit.Env) {
		registered := e.SignUp(t, "Registered").Email
		// Each makes one failed attempt from ip and reports whether it was
		// refused as RATE_LIMITED instead.
		failures := map[string]func(t *testing.T, ip string) (refused bool){
			"failed authentication": func(t *testing.T, ip string) bool {
				got := e.Verify(t, "GET", "", testkit.Bearer(credential.NewAPIKey()), from(ip))
				if got.Status != http.StatusUnauthorized && got.Status != http.StatusTooManyRequests {
					t.Fatalf("unknown key from %s: %d", ip, got.Status)
				}
				return got.Status == http.StatusTooManyRequests
			},
			"log-in": func(t *testing.T, ip string) bool {
				req := logInRequest(testkit.UniqueEmail("nobody"), "a guess", "")
				req.Headers = from(ip)
				resp := e.Do(t, req)
				if resp.Code() != "UNAUTHENTICATED" && resp.Code() != "RATE_LIMITED" {
					t.Fatalf("log-in from %s: %s", ip, resp.Body)
				}
				return resp.Code() == "RATE_LIMITED"
			},
			"sign-up email probe": func(t *testing.T, ip string) bool {
				resp := e.Do(t, testkit.Request{
					Query:     `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
					Variables: map[string]any{"in": map[string]any{"accountName": "Probe", "name": "P", "email": registered, "password": "correct horse battery"}},
					Headers:   from(ip),
				})
				if resp.Code() != "BAD_USER_INPUT" && resp.Code() != "RATE_LIMITED" {
					t.Fatalf("sign-up probe from %s: %s", ip, resp.Body)
				}
				return resp.Code() == "RATE_LIMITED"
			},
		}
		for i, name := range []string{"failed authentication", "log-in", "sign-up email probe"} {
			fail := failures[name]
			t.Run(name, func(t *testing.T) {
				network := fmt.Sprintf("2001:db8:%x:1::", 0x100+i)
				for n := range 10 {
					ip := fmt.Sprintf("%s%x", network, n+1)
					for attempt := range perIP {
						if fail(t, ip) {
							t.Fatalf("failure %d of %s (address %d of the /64) was refused", attempt+1, ip, n+1)
						}
					}
					if !fail(t, ip) {
						t.Fatalf("%s was not refused past its own limit of %d", ip, perIP)
					}
				}
				if !fail(t, network+"ffff") {
					t.Fatalf("a fresh address of a /64 that failed %d times was not refused", 10*perIP)
				}
				if fail(t, fmt.Sprintf("2001:db8:%x:2::1", 0x100+i)) {
					t.Fatal("the next /64 was refused too")
				}
				if fail(t, fmt.Sprintf("192.0.2.%d", i+1)) {
					t.Fatal("an IPv4 address was refused")
				}
			})
		}
	})
}
