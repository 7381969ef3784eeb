package model

import (
	"testing"
	"time"
)

func TestCleanRollGrace(t *testing.T) {
	for seconds, want := range map[int]time.Duration{0: 0, 1: time.Second, 604800: 7 * 24 * time.Hour} {
		if got, err := CleanRollGrace(seconds); err != nil || got != want {
			t.Errorf("CleanRollGrace(%d) = %v, %v; want %v", seconds, got, err, want)
		}
	}
	for _, seconds := range []int{-1, 604801, 1 << 40} {
		if _, err := CleanRollGrace(seconds); ErrorCode(err) != CodeBadUserInput {
			t.Errorf("CleanRollGrace(%d): %v, want BAD_USER_INPUT", seconds, err)
		}
	}
}

func TestPreviousSecretLive(t *testing.T) {
	now := time.Now()
	hash, end, keyEnd := "h", now.Add(time.Minute), now.Add(30*time.Second)
	k := APIKey{SecretHash: "c", PreviousSecretHash: &hash, PreviousSecretExpiresAt: &end}
	if !k.PreviousSecretLive(now) || k.PreviousSecretLive(end) || len(k.LiveHashes(now)) != 2 || len(k.LiveHashes(end)) != 1 {
		t.Errorf("previous secret around its end: %v %v %v %v", k.PreviousSecretLive(now), k.PreviousSecretLive(end), k.LiveHashes(now), k.LiveHashes(end))
	}
	k.ExpiresAt = &keyEnd
	if k.PreviousSecretLive(keyEnd) {
		t.Errorf("a previous secret outlives its key")
	}
}
