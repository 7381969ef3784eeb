package authn

import (
	"testing"
	"time"

	"github.com/keyfob/keyfob/model"
)

// A look-up that was in flight while its key was revoked must not put the
// stale "valid" back into the cache.
func TestCacheRefusesStaleFill(t *testing.T) {
	c := NewCache(time.Minute, time.Second, 100)
	actor := &model.Actor{User: &model.User{ID: "user_1"}}

	generation := c.currentGeneration() // look-up starts
	c.Revoke([]string{"hash"})          // the key is deleted meanwhile
	c.fill("hash", verdict{actor: actor, ttl: time.Minute}, generation)
	if _, ok := c.get("hash"); ok {
		t.Fatal("a look-up that began before the revocation refilled the cache")
	}

	generation = c.currentGeneration()
	c.fill("hash", verdict{actor: actor, ttl: time.Minute}, generation)
	if v, ok := c.get("hash"); !ok || v.actor != actor {
		t.Fatal("a look-up that began after the revocation should fill the cache")
	}
	c.Revoke([]string{"hash"})
	if _, ok := c.get("hash"); ok {
		t.Fatal("Revoke left the entry in place")
	}
}

func TestCacheBypassedWhileNotListening(t *testing.T) {
	c := NewCache(time.Minute, time.Second, 100)
	actor := &model.Actor{User: &model.User{ID: "user_1"}}
	c.fill("hash", verdict{actor: actor, ttl: time.Minute}, c.currentGeneration())

	c.SetListening(false)
	if _, ok := c.get("hash"); ok {
		t.Fatal("the cache answered while revocations could go unheard")
	}
	if got, ok := c.lastKnown("hash"); !ok || got != actor {
		t.Fatal("a verified entry should remain as the fallback for a database outage")
	}
	c.fill("other", verdict{actor: actor, ttl: time.Minute}, c.currentGeneration())
	c.SetListening(true)
	if _, ok := c.get("other"); ok {
		t.Fatal("an entry filled while bypassed survived")
	}
	c.fill("hash", verdict{actor: actor, ttl: time.Minute}, c.currentGeneration())
	if _, ok := c.get("hash"); !ok {
		t.Fatal("the cache stayed bypassed after listening resumed")
	}
}

func TestLastKnownRespectsRevocationAndTTL(t *testing.T) {
	c := NewCache(50*time.Millisecond, time.Second, 100)
	actor := &model.Actor{User: &model.User{ID: "user_1"}}
	c.fill("hash", verdict{actor: actor, ttl: 50 * time.Millisecond}, c.currentGeneration())
	c.fill("gone", verdict{actor: actor, ttl: time.Minute}, c.currentGeneration())
	c.fill("unknown", verdict{ttl: time.Minute}, c.currentGeneration())
	c.Revoke([]string{"gone"})
	if _, ok := c.lastKnown("gone"); ok {
		t.Fatal("a revoked credential survived as a fallback")
	}
	if _, ok := c.lastKnown("unknown"); ok {
		t.Fatal("an unknown credential became a fallback")
	}
	time.Sleep(100 * time.Millisecond)
	if _, ok := c.lastKnown("hash"); ok {
		t.Fatal("the fallback outlived the TTL backstop")
	}
}
