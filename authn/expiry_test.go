package authn

import (
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/model"
)

// A key's entry lives no longer than the key, and answers nothing from its
// expiry on, even while otter still holds it.
func TestCacheEntryEndsAtKeyExpiry(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Now())
	c := NewCache(time.Minute, time.Second, 100, clock)
	expires := clock.Now().Add(10 * time.Second)
	actor := &model.Actor{User: &model.User{ID: "user_1"}, APIKey: &model.APIKey{ID: "key_1", ExpiresAt: &expires}}

	v := c.found(actor)
	if v.ttl != 10*time.Second || v.expiresAt != expires.UnixNano() {
		t.Fatalf("verdict ttl %v, expiresAt %d; want 10s, %d", v.ttl, v.expiresAt, expires.UnixNano())
	}
	if never := c.found(&model.Actor{APIKey: &model.APIKey{ID: "key_2"}}); never.ttl != time.Minute || never.expiresAt != 0 {
		t.Fatalf("a key without expiry: ttl %v, expiresAt %d", never.ttl, never.expiresAt)
	}

	// An entry trusted for longer than the key lives, as otter might still
	// hold it: get refuses it all the same.
	v.ttl = time.Minute
	c.fill(hash, v, c.currentGeneration())
	clock.Advance(10*time.Second - time.Nanosecond)
	if _, ok := c.get(hash); !ok {
		t.Fatal("the entry was refused a nanosecond before the key expires")
	}
	clock.Advance(time.Nanosecond)
	if _, ok := c.get(hash); ok {
		t.Fatal("the entry answered at the key's expiry")
	}
}
