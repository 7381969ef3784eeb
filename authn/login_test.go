package authn

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/model"
)

// An attempt that must wait for others' outcomes gives up with its request,
// instead of holding a goroutine for as long as they take.
func TestLoginAttemptWaitsOnlyAsLongAsItsRequest(t *testing.T) {
	g := NewLoginGuard(LoginLimits{PerEmail: 1, PerIP: 10, Window: time.Minute}, nil)
	done, err := g.attempt(context.Background(), "a@example.com", "192.0.2.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	// One failure allowed for the email, and one attempt already in flight:
	// the next must wait for its outcome.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := g.attempt(ctx, "a@example.com", "192.0.2.2", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting attempt: err = %v, want the context's deadline", err)
	}
	// Once the first fails, the email's one failure is used up.
	done(true)
	if _, err := g.attempt(context.Background(), "a@example.com", "192.0.2.2", nil); err == nil || err.Error() != "RATE_LIMITED: "+tooManyLogins {
		t.Fatalf("after the failure: err = %v, want %q", err, tooManyLogins)
	}
	// A waiting attempt is woken when the one in flight succeeds.
	done, err = g.attempt(context.Background(), "b@example.com", "192.0.2.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	woken := make(chan error, 1)
	go func() {
		d, err := g.attempt(context.Background(), "b@example.com", "192.0.2.3", nil)
		if d != nil {
			d(false)
		}
		woken <- err
	}()
	time.Sleep(20 * time.Millisecond) // let it start waiting; the outcome is the same if it has not
	done(false)
	if err := <-woken; err != nil {
		t.Fatalf("the waiting attempt after a success: %v", err)
	}
}

// What is not an email address matches no user and is limited by client
// address only: its text never becomes a limiter's key, however long.
func TestLogInKeysOnlyEmailAddresses(t *testing.T) {
	a, _ := newBenchAuthenticator(t)
	// An hour's window: at a minute's, the per-IP bucket regains a failure
	// every 3 s, which four hashed log-ins under -race can outlast.
	limits := DefaultLoginLimits
	limits.Window = time.Hour
	g := NewLoginGuard(limits, nil)
	logIn := func(email string) error {
		return g.LimitLogIn(context.Background(), email, nil, func() error {
			_, _, err := a.DB.LogIn(context.Background(), strings.TrimSpace(email), "wrong password", model.ClientWeb)
			return err
		})
	}
	for _, email := range []string{strings.Repeat("x", 1<<20), "not an address", strings.Repeat("a", 300) + "@example.com"} {
		if err := logIn(email); !errors.Is(err, model.ErrBadCredentials) {
			t.Fatalf("log-in as %.20q…: %v", email, err)
		}
	}
	if n := g.byEmail.Len(); n != 0 {
		t.Fatalf("%d per-email limiters for text that is no address", n)
	}
	if err := logIn("  Someone@Example.COM "); !errors.Is(err, model.ErrBadCredentials) {
		t.Fatal(err)
	}
	if keys := g.byEmail.Keys(); len(keys) != 1 || keys[0] != "email:someone@example.com" {
		t.Fatalf("per-email limiter keys %q, want the lower-cased address", keys)
	}
	if l, ok := g.byIP.Get("ip:"); !ok || l.Tokens() > float64(limits.PerIP-4)+0.5 {
		t.Fatalf("the client address was not charged for the 4 failures")
	}
}
