package authn

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyfob/keyfob/internal/redistest"
	"github.com/keyfob/keyfob/model"
)

// The scripts on a live Redis: two sets of limiters on one Redis stand
// for two instances, and together admit what one admits alone.

func newShared(t *testing.T, url, prefix string, opts ...func(*SharedOptions)) *SharedLimits {
	t.Helper()
	o := SharedOptions{URL: url, Prefix: prefix, Timeout: time.Second}
	for _, f := range opts {
		f(&o)
	}
	s, err := NewSharedLimits(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// keyed asks l to admit a request for key from ip, as Admit does.
func keyed(l *limiters, key, ip string) (error, http.Header) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/auth/verify", nil)
	r = r.WithContext(NewContextWithClientIP(r.Context(), ip))
	err := l.admitKey(w, r, key)
	return err, w.Header()
}

func TestSharedKeyWindowAcrossInstances(t *testing.T) {
	url, prefix := redistest.Shared(t)
	// An hour's window: a test that straddles its end still sees the
	// previous window's count, weighted near one.
	limits := RateLimits{PerKey: 5, KeyWindow: time.Hour, FailedPerIP: 20, FailedWindow: time.Minute}
	a := newLimiters(limits, newShared(t, url, prefix))
	b := newLimiters(limits, newShared(t, url, prefix))
	var remaining []string
	admitted := 0
	for i := range 12 {
		l := a
		if i%2 == 1 {
			l = b
		}
		err, h := keyed(l, "key_1", "192.0.2.1")
		if h.Get("X-RateLimit-Limit") != "5" || h.Get("X-RateLimit-Window") != "3600" {
			t.Fatalf("request %d: headers %v", i, h)
		}
		remaining = append(remaining, h.Get("X-RateLimit-Remaining"))
		switch {
		case err == nil:
			admitted++
		case errors.Is(err, errKeyRateLimited):
			if h.Get("Retry-After") != "3600" {
				t.Fatalf("request %d refused with Retry-After %q, want the window", i, h.Get("Retry-After"))
			}
		default:
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if admitted != 5 {
		t.Fatalf("two instances admitted %d requests for one key, want the limit, 5", admitted)
	}
	if got := strings.Join(remaining, ","); got != "4,3,2,1,0,0,0,0,0,0,0,0" {
		t.Fatalf("X-RateLimit-Remaining went %s", got)
	}
	// Another key has a window of its own.
	if err, _ := keyed(b, "key_2", "192.0.2.1"); err != nil {
		t.Fatalf("another key: %v", err)
	}
}

func TestSharedFailureLimitsAcrossInstances(t *testing.T) {
	url, prefix := redistest.Shared(t)
	limits := RateLimits{PerKey: 100, KeyWindow: time.Hour, FailedPerIP: 3, FailedWindow: time.Hour}
	a := newLimiters(limits, newShared(t, url, prefix))
	b := newLimiters(limits, newShared(t, url, prefix))
	ctx := context.Background()
	for i := range 3 {
		l := []*limiters{a, b}[i%2]
		if err := l.failedFrom(ctx, "192.0.2.7", refusedMalformed); err != refusedMalformed {
			t.Fatalf("failure %d: %v, want it counted and reported as itself", i, err)
		}
	}
	if err := b.failedFrom(ctx, "192.0.2.7", refusedMalformed); err != b.fromAddress {
		t.Fatalf("fourth failure across instances: %v, want the address's refusal", err)
	}
	// A valid key from that address is refused too, before its key is
	// counted: no rate-limit headers, and the key's window untouched.
	err, h := keyed(a, "key_1", "192.0.2.7")
	if err == nil || err.Error() != a.fromAddress.Error() || h.Get("X-RateLimit-Limit") != "" {
		t.Fatalf("a valid key from the blocked address: %v %v", err, h)
	}
	if err := b.sessionBlocked(ctx, "192.0.2.7"); err != b.fromAddress {
		t.Fatalf("a session from the blocked address: %v", err)
	}
	if err := b.sessionBlocked(ctx, "192.0.2.8"); err != nil {
		t.Fatalf("a session from another address: %v", err)
	}
	if _, err := a.takeLookUpSlot(ctx, "192.0.2.7"); err == nil || err.Error() != a.fromAddress.Error() {
		t.Fatalf("a look-up from the blocked address: %v", err)
	}
	if err, h := keyed(b, "key_1", "192.0.2.8"); err != nil || h.Get("X-RateLimit-Remaining") != "99" {
		t.Fatalf("the key from another address: %v, remaining %q", err, h.Get("X-RateLimit-Remaining"))
	}

	// An IPv6 /64 holds ten times an address's allowance, whichever
	// instance counts it.
	one := newLimiters(RateLimits{PerKey: 100, KeyWindow: time.Hour, FailedPerIP: 1, FailedWindow: time.Hour}, newShared(t, url, prefix+"v6:"))
	other := newLimiters(one.limits, newShared(t, url, prefix+"v6:"))
	for i := range 10 {
		ip := "2001:db8:1:1::" + strconv.Itoa(i+1)
		if err := []*limiters{one, other}[i%2].failedFrom(ctx, ip, refusedUnknown); err != refusedUnknown {
			t.Fatalf("address %d of the /64: %v", i, err)
		}
	}
	if err := one.failedFrom(ctx, "2001:db8:1:1::99", refusedUnknown); err == nil || err.Error() != one.fromNetwork.Error() {
		t.Fatalf("an 11th address of the /64: %v, want the network's refusal", err)
	}
}

// Look-up slots are each instance's own; Redis counts a look-up once it
// has failed, in the request's one round trip, and an instance that hears
// from Redis that a client is spent refuses that client's next look-up
// before the database is asked.
func TestSharedLookUpsCountOnceTheyFail(t *testing.T) {
	url, prefix := redistest.Shared(t)
	limits := RateLimits{PerKey: 100, KeyWindow: time.Hour, FailedPerIP: 2, FailedWindow: time.Hour}
	a := newLimiters(limits, newShared(t, url, prefix))
	b := newLimiters(limits, newShared(t, url, prefix))
	ctx := context.Background()
	const ip = "198.51.100.4"
	lookUp := func(l *limiters, failed bool) error {
		t.Helper()
		slot, err := l.takeLookUpSlot(ctx, ip)
		if err != nil {
			return err
		}
		slot.end(failed)
		if failed {
			return l.failedLookUp(ctx, ip)
		}
		return nil
	}
	// Known credentials give their slots back: they never count.
	for i := range 5 {
		if err := lookUp(a, false); err != nil {
			t.Fatalf("known credential %d: %v", i, err)
		}
	}
	if err := lookUp(a, true); err != refusedUnknown {
		t.Fatalf("first unknown credential: %v, want it reported as unknown", err)
	}
	if err := lookUp(b, true); err != refusedUnknown {
		t.Fatalf("second unknown credential, on another instance: %v", err)
	}
	// a has counted one failure of its own; Redis has both. a's next
	// look-up goes ahead, and its failure is answered with the refusal.
	if err := lookUp(a, true); err == nil || err.Error() != a.fromAddress.Error() {
		t.Fatalf("a third unknown credential: %v, want the address's refusal", err)
	}
	// a now knows: the next look-up is refused before it starts, even for
	// a credential that would have been known.
	if _, err := a.takeLookUpSlot(ctx, ip); err == nil || err.Error() != a.fromAddress.Error() {
		t.Fatalf("a look-up after Redis said the address is spent: %v", err)
	}
	// A failure that needed no look-up tells b the same.
	if err := b.failedFrom(ctx, ip, refusedMalformed); err == nil || err.Error() != b.fromAddress.Error() {
		t.Fatalf("a malformed credential from the spent address: %v", err)
	}
	if _, err := b.takeLookUpSlot(ctx, ip); err == nil || err.Error() != b.fromAddress.Error() {
		t.Fatalf("b's look-up after Redis said the address is spent: %v", err)
	}
}

func TestSharedLoginLimitsAcrossInstances(t *testing.T) {
	url, prefix := redistest.Shared(t)
	limits := LoginLimits{PerEmail: 2, PerIP: 20, Window: time.Hour}
	a := NewLoginGuard(limits, newShared(t, url, prefix))
	b := NewLoginGuard(limits, newShared(t, url, prefix))
	wrong := func() error { return model.ErrBadCredentials }
	for i, g := range []*LoginGuard{a, b} {
		ctx := NewContextWithClientIP(context.Background(), "192.0.2."+strconv.Itoa(10+i))
		if err := g.LimitLogIn(ctx, "Ann@Example.com", nil, wrong); !errors.Is(err, model.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	ctx := NewContextWithClientIP(context.Background(), "192.0.2.12")
	err := a.LimitLogIn(ctx, "ann@example.com", nil, func() error { t.Fatal("a third attempt ran"); return nil })
	var refusal *model.Error
	if !errors.As(err, &refusal) || refusal.Message != tooManyLogins || refusal.RetryAfter <= 0 || refusal.RetryAfter > 30*time.Minute {
		t.Fatalf("a third failure across instances: %v, want %q with a Retry-After of at most half the window", err, tooManyLogins)
	}
	// Another email from the same addresses is still let in.
	if err := b.LimitLogIn(ctx, "bob@example.com", nil, func() error { return nil }); err != nil {
		t.Fatalf("another email: %v", err)
	}
}

// backends records what SharedLimits reports, and the log lines it writes.
type backends struct {
	mu   sync.Mutex
	seen []string
	logs bytes.Buffer
}

func (b *backends) report(backend string) {
	b.mu.Lock()
	b.seen = append(b.seen, backend)
	b.mu.Unlock()
}

func (b *backends) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.seen, ",")
}

func (b *backends) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.logs.Write(p)
}

func (b *backends) lines(substr string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.logs.String(), substr)
}

// waitShared waits for s to use Redis again; the probe backs off to a
// second.
func waitShared(t *testing.T, s *SharedLimits) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !s.Shared(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the limits did not return to Redis once it answered")
		}
	}
}

// A Redis that stops, or freezes, leaves each request limited by its own
// instance, never unlimited; one line is logged per change and the
// backend reported; once Redis answers again the limits are shared again.
func TestSharedLimitsFallBackAndReturn(t *testing.T) {
	server := redistest.Start(t)
	seen := &backends{}
	limits := RateLimits{PerKey: 3, KeyWindow: time.Hour, FailedPerIP: 20, FailedWindow: time.Hour}
	// A bound generous enough for a healthy Redis under -race on a shared
	// machine: one slow call in a healthy phase would fall back and break
	// the exact sequence below. The stopped and frozen phases fall back
	// whatever the bound.
	shared := newShared(t, server.URL, "", func(o *SharedOptions) {
		o.Timeout = time.Second
		o.OnBackend = seen.report
		o.Logger = slog.New(slog.NewTextHandler(seen, nil))
	})
	other := newShared(t, server.URL, "")
	a, b := newLimiters(limits, shared), newLimiters(limits, other)
	count := func(l *limiters, key string, n int) (admitted int) {
		for range n {
			if err, _ := keyed(l, key, "192.0.2.1"); err == nil {
				admitted++
			} else if !errors.Is(err, errKeyRateLimited) {
				t.Fatalf("%s: %v", key, err)
			}
		}
		return admitted
	}
	if got := count(a, "before", 2) + count(b, "before", 4); got != 3 {
		t.Fatalf("shared: %d admitted, want 3", got)
	}

	for _, fault := range []struct {
		name        string
		break_, fix func(*testing.T)
	}{
		{"stopped", server.Stop, server.Start},
		{"frozen", server.Freeze, server.Thaw},
	} {
		fault.break_(t)
		key := "while " + fault.name
		// Each instance limits the key by itself: 3 each, never more.
		if got := count(a, key, 10); got != 3 {
			t.Fatalf("Redis %s: instance a admitted %d, want its own limit, 3", fault.name, got)
		}
		if shared.Shared() {
			t.Fatalf("Redis %s, yet the limits still ask it", fault.name)
		}
		fault.fix(t)
		waitShared(t, shared)
		waitShared(t, other)
		key = "after " + fault.name
		if got := count(a, key, 2) + count(b, key, 4); got != 3 {
			t.Fatalf("Redis back after being %s: %d admitted across instances, want 3", fault.name, got)
		}
	}
	if got := seen.String(); got != "redis,local,redis,local,redis" {
		t.Fatalf("backends reported: %s", got)
	}
	if n := seen.lines("rate limits are per instance"); n != 2 {
		t.Fatalf("%d log lines for 2 losses of Redis, want one each:\n%s", n, seen.logs.String())
	}
}

// A Redis that never answered leaves the limits per instance from the
// start, and the service up.
func TestSharedLimitsStartWithoutRedis(t *testing.T) {
	seen := &backends{}
	s := newShared(t, "redis://127.0.0.1:1/0", "", func(o *SharedOptions) { o.OnBackend = seen.report; o.Timeout = 50 * time.Millisecond })
	l := newLimiters(RateLimits{PerKey: 2, KeyWindow: time.Hour, FailedPerIP: 1, FailedWindow: time.Hour}, s)
	admitted := 0
	for range 5 {
		if err, _ := keyed(l, "k", "192.0.2.1"); err == nil {
			admitted++
		}
	}
	if admitted != 2 || seen.String() != "local" {
		t.Fatalf("without Redis: %d admitted (want 2), backends %q (want local)", admitted, seen.String())
	}
	ctx := context.Background()
	if err := l.failedFrom(ctx, "192.0.2.9", refusedMalformed); err != refusedMalformed {
		t.Fatal(err)
	}
	if err := l.ipBlocked("192.0.2.9"); err == nil {
		t.Fatal("the local failure limit did not hold without Redis")
	}
}

func TestRedisURLValidation(t *testing.T) {
	for _, u := range []string{"redis://localhost:6379/0", "rediss://:secret@redis.internal:6380/2", "redis://h"} {
		if err := ValidateRedisURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://localhost:6379", "localhost:6379", "redis://:hunter2@h/notanumber", "unix:///tmp/redis.sock"} {
		err := ValidateRedisURL(u)
		if err == nil {
			t.Errorf("%s accepted", u)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error echoes the password: %v", err)
		}
	}
}

// The per-key limit's step alone, in memory and in Redis (one EVALSHA on
// the machine's Redis): `go test -run '^$' -bench AdmitKey ./authn`.
func BenchmarkAdmitKey(b *testing.B) {
	url, prefix := redistest.Shared(b)
	limits := RateLimits{PerKey: 1 << 30, KeyWindow: 10 * time.Second, FailedPerIP: 20, FailedWindow: time.Minute}
	for _, bc := range []struct {
		name   string
		shared func() *SharedLimits
	}{
		{"memory", func() *SharedLimits { return nil }},
		{"redis", func() *SharedLimits {
			s, err := NewSharedLimits(SharedOptions{URL: url, Prefix: prefix, Timeout: time.Second})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			l := newLimiters(limits, bc.shared())
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/auth/verify", nil)
			r = r.WithContext(NewContextWithClientIP(r.Context(), "192.0.2.1"))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := l.admitKey(w, r, "key_"+strconv.Itoa(i%1000)); err != nil {
					b.Fatal(err)
				}
			}
			if bc.name == "redis" && !l.shared.Shared() {
				b.Fatal("fell back to memory: the figure is not Redis's")
			}
		})
	}
}

// A RequestLimit on Redis holds one count for every instance; without
// Redis each instance counts its own.
func TestRequestLimitAcrossInstances(t *testing.T) {
	url, prefix := redistest.Shared(t)
	a := NewRequestLimit("revocations", 3, time.Hour, newShared(t, url, prefix))
	b := NewRequestLimit("revocations", 3, time.Hour, newShared(t, url, prefix))
	allow := func(l *RequestLimit, ip string) bool {
		r := httptest.NewRequest(http.MethodPost, "/credentials/revoke", nil)
		return l.Allow(httptest.NewRecorder(), r, ip)
	}
	for i, l := range []*RequestLimit{a, b, a} {
		if !allow(l, "192.0.2.1") {
			t.Fatalf("request %d refused within the limit", i+1)
		}
	}
	if allow(b, "192.0.2.1") || allow(a, "192.0.2.1") {
		t.Fatal("a fourth request across instances was allowed: the count is not shared")
	}
	if !allow(b, "192.0.2.2") {
		t.Fatal("another address was refused")
	}
	// Another limit's counts are its own.
	other := NewRequestLimit("other", 3, time.Hour, newShared(t, url, prefix))
	if !allow(other, "192.0.2.1") {
		t.Fatal("another limit shares this one's count")
	}

	alone := NewRequestLimit("revocations", 2, time.Hour,
		newShared(t, "redis://127.0.0.1:1/0", "", func(o *SharedOptions) { o.Timeout = 50 * time.Millisecond }))
	got := []bool{allow(alone, "192.0.2.1"), allow(alone, "192.0.2.1"), allow(alone, "192.0.2.1")}
	if !slices.Equal(got, []bool{true, true, false}) {
		t.Fatalf("without Redis: %v, want the local limit of 2", got)
	}
}
