package authn

import (
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
