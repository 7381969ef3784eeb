package authn

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/httprate"
)

// httprate's limiter reads the clock before it takes its lock, so near a
// window's end a count can arrive for the window another request has just
// closed. The counter keeps every count through that, and drops a late
// give-back, whose slot fades with its window.
func TestFailureCounterKeepsCountsArrivingLate(t *testing.T) {
	c := &orderedCounter{LimitCounter: httprate.NewLocalLimitCounter(time.Minute)}
	closed := time.Now().UTC().Truncate(time.Minute)
	open := closed.Add(time.Minute)
	for _, step := range []struct {
		window time.Time
		amount int
	}{{closed, 3}, {open, 2}, {closed, 1}, {closed, -1}} {
		if err := c.IncrementBy("192.0.2.1", step.window, step.amount); err != nil {
			t.Fatal(err)
		}
	}
	current, previous, err := c.Get("192.0.2.1", open, closed)
	if err != nil || current != 3 || previous != 3 {
		t.Fatalf("counts %d in the open window and %d in the closed one (%v); want 3 and 3", current, previous, err)
	}
}

// A key's limit slides: the previous window's requests count for the part
// of it that the sliding window still covers, and a key idle for two
// windows starts afresh and is no longer held in memory.
func TestKeyWindowsSlide(t *testing.T) {
	const limit, length = 10, 10 * time.Second
	k := keyWindows{counts: map[string]*keyCount{}}
	start := time.Now().Truncate(length).Add(length)
	admitted := func(at time.Time, n int) (int, int) {
		t.Helper()
		ok, last := 0, 0
		for range n {
			remaining, admitted := k.admit("key_a", at, limit, length)
			if admitted {
				ok++
			}
			last = remaining
		}
		return ok, last
	}
	if ok, remaining := admitted(start.Add(time.Second), 12); ok != limit || remaining != 0 {
		t.Fatalf("first window: %d admitted, %d remaining; want %d, 0", ok, remaining, limit)
	}
	// Halfway through the next window, half of the previous one's 10 still count.
	if ok, _ := admitted(start.Add(length+length/2), 12); ok != 5 {
		t.Fatalf("halfway through the next window: %d admitted, want 5", ok)
	}
	// Another key in the same shard keeps its own count.
	if remaining, ok := k.admit("key_b", start.Add(length+length/2), limit, length); !ok || remaining != limit-1 {
		t.Fatalf("another key: admitted %v, remaining %d; want true, %d", ok, remaining, limit-1)
	}
	// A request that read the clock before the window ended counts into
	// the newest one, with no allowance of its own.
	if _, ok := k.admit("key_a", start.Add(length-time.Millisecond), limit, length); ok {
		t.Fatal("a late request was admitted past the limit of the newest window")
	}
	if ok, _ := admitted(start.Add(3*length+time.Second), 12); ok != limit {
		t.Fatalf("two windows later: %d admitted, want a fresh %d", ok, limit)
	}
	if _, held := k.counts["key_b"]; held {
		t.Fatal("a key idle for two windows is still held")
	}
}

// A cached verdict carries its key's count. Once the shard lets go of an
// idle count, a request that still holds it counts into the key's live
// one: one key never has two allowances.
func TestRetiredKeyCountCountsIntoTheLiveOne(t *testing.T) {
	const limit, length = 3, 10 * time.Second
	l := newLimiters(RateLimits{PerKey: limit, KeyWindow: length, FailedPerIP: 20, FailedWindow: time.Minute}, nil)
	start := time.Now().Truncate(length).Add(length)
	held := l.keyCount("key_a", start)
	later := start.Add(3 * length)
	live := l.keyCount("key_a", later) // the window moved on: held is let go of
	if live == held {
		t.Fatal("a count idle for two windows is still held")
	}
	r := httptest.NewRequest(http.MethodGet, "/auth/verify", nil)
	for i, count := range []*keyCount{held, live, held, live} {
		w := httptest.NewRecorder()
		err := l.admitKeyAt(w, r, "key_a", count, later)
		if admitted := err == nil; admitted != (i < limit) {
			t.Fatalf("request %d: admitted %v, want %v (the limit is %d, whichever count a request holds)", i+1, admitted, i < limit, limit)
		}
	}
}
