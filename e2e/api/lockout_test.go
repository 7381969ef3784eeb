package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/authn"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// behindProxy makes the test client a trusted proxy, so that each request
// comes from the address its X-Forwarded-For names.
func behindProxy(c *config.Config) { c.TrustedProxies = "127.0.0.0/8, ::1" }

// from is the headers of a request from ip.
func from(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }

// retryAfterSeconds is a refusal's extensions.retryAfterSeconds, or 0
// when it has none or it is not a positive whole number.
func retryAfterSeconds(resp *testkit.Response) int {
	if len(resp.Errors) == 0 {
		return 0
	}
	n, _ := resp.Errors[0].Extensions["retryAfterSeconds"].(float64)
	if n != float64(int(n)) {
		return 0
	}
	return int(n)
}

// A stranger who spends a user's per-email limit cannot keep her out of
// the network she logged in from, which keeps an allowance of its own;
// every other address is still refused. IPv4 addresses are trusted one by
// one, IPv6 ones by /64.
func TestNoLockoutByStrangers(t *testing.T) {
	testkit.ForEachDBConfigured(t, func(c *config.Config) {
		behindProxy(c)
		// An hour keeps the per-email limit spent however slowly the test
		// runs: at a minute, one failure refills every 12 s.
		c.LoginLimits.Window = time.Hour
	}, func(t *testing.T, e *testkit.Env) {
		for _, tc := range []struct{ name, usual, usualNetwork, elsewhere, stranger string }{
			{"IPv4", "198.51.100.7", "198.51.100.7", "198.51.100.8", "203.0.113.66"},
			{"IPv6", "2001:db8:1:2::1", "2001:db8:1:2::99", "2001:db8:1:3::1", "2001:db8:66::1"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				victim := e.SignUp(t, "Locked "+tc.name)
				logIn := func(ip, password string) *testkit.Response {
					req := logInRequest(victim.Email, password, "")
					req.Headers = from(ip)
					return e.Do(t, req)
				}
				if resp := logIn(tc.usual, victim.Password); len(resp.Errors) > 0 {
					t.Fatalf("log-in from her usual address: %s", resp.Body)
				}

				for i := range e.Config.LoginLimits.PerEmail {
					if resp := logIn(tc.stranger, "a stranger's guess"); !testkit.WantError(t, resp, "UNAUTHENTICATED", "") {
						t.Fatalf("stranger's guess %d: %s", i+1, resp.Body)
					}
				}
				for _, ip := range []string{tc.stranger, tc.elsewhere} {
					resp := logIn(ip, victim.Password)
					if resp.Code() != "RATE_LIMITED" || retryAfterSeconds(resp) < 1 {
						t.Fatalf("her password from %s, untrusted, once the email's limit is spent: %s; want RATE_LIMITED with retryAfterSeconds", ip, resp.Body)
					}
				}

				if resp := logIn(tc.usualNetwork, victim.Password); len(resp.Errors) > 0 || testkit.Dig(resp.Data, "logIn", "token") == nil {
					t.Fatalf("her password from %s, where she logged in before: %s", tc.usualNetwork, resp.Body)
				}
				for i := range authn.TrustedAllowance {
					if resp := logIn(tc.usualNetwork, "her own typo"); !testkit.WantError(t, resp, "UNAUTHENTICATED", "") {
						t.Fatalf("failure %d from her trusted network: %s", i+1, resp.Body)
					}
				}
				for _, password := range []string{"her own typo", victim.Password} {
					resp := logIn(tc.usualNetwork, password)
					if resp.Code() != "RATE_LIMITED" || retryAfterSeconds(resp) < 1 {
						t.Fatalf("from her trusted network past its allowance: %s; want RATE_LIMITED with retryAfterSeconds", resp.Body)
					}
				}
			})
		}
	})
}

// What an unauthenticated request sends (the email it typed, its
// User-Agent) reaches the audit log as the text it was, markup included:
// nothing is escaped or interpreted on the way in, so a frontend that
// renders it as text shows exactly what was sent.
func TestAuditKeepsClientTextVerbatim(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Verbatim")
		typed := strings.ToUpper(owner.Email)
		ua := `<script>alert("ua")</script><img src=x onerror=alert(1)> & "quotes" 'too'`
		req := logInRequest(typed, "wrong password", "")
		req.Headers = map[string]string{"User-Agent": ua}
		if resp := e.Do(t, req); !testkit.WantError(t, resp, "UNAUTHENTICATED", "") {
			t.Fatalf("failed log-in: %s", resp.Body)
		}
		newest := auditLog(t, e, testkit.Bearer(owner.Token))[0]
		if newest.Action != "LOGIN_FAILED" || str(newest.ActorEmail) != typed || str(newest.UserAgent) != ua {
			t.Fatalf("%s event with actorEmail %q and userAgent %q; want %q and %q", newest.Action, str(newest.ActorEmail), str(newest.UserAgent), typed, ua)
		}
	})
}

// A refusal before GraphQL runs carries its wait both ways: in Retry-After
// and in extensions.retryAfterSeconds.
func TestFailedAuthRefusalSaysWhenToRetry(t *testing.T) {
	e := testkit.NewEnv(t, "sqlite", func(c *config.Config) { c.RateLimits.FailedPerIP = 1 })
	e.Do(t, testkit.Request{Auth: testkit.Bearer("kf_not-a-key"), Query: `{ viewer { id } }`})
	resp := e.Do(t, testkit.Request{Auth: testkit.Bearer("kf_not-a-key"), Query: `{ viewer { id } }`})
	if resp.Status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" || retryAfterSeconds(resp) != 60 {
		t.Fatalf("past the failed-authentication limit: %d, Retry-After %q: %s", resp.Status, resp.Header.Get("Retry-After"), resp.Body)
	}
}
