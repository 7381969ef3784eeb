package model

import (
	"slices"
	"testing"
	"time"
)

// A leak outranks an expiry in a key's status.
func TestLeakedOutranksExpired(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	for _, tc := range []struct {
		name    string
		expires *time.Time
		leaked  bool
		want    APIKeyStatus
	}{
		{"live", nil, false, APIKeyStatusActive},
		{"expired", &past, false, APIKeyStatusExpired},
		{"leaked", nil, true, APIKeyStatusLeaked},
		{"leaked and expired", &past, true, APIKeyStatusLeaked},
	} {
		k := &APIKey{ExpiresAt: tc.expires}
		if tc.leaked {
			r := NewLeakReport("github:commit", "", now)
			k.SecretHash = "current"
			k.ReportLeak("current", r, now)
		}
		if got := k.Status(now); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// A reported current secret stops every secret of the key and records
// the report once; a reported previous secret in its grace ends only the
// grace; anything else changes nothing.
func TestReportLeak(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	withGrace := func() *APIKey {
		prev, until := "previous", now.Add(time.Hour)
		return &APIKey{SecretHash: "current", PreviousSecretHash: &prev, PreviousSecretExpiresAt: &until}
	}
	r := NewLeakReport("public report", "", now)

	k := withGrace()
	outcome, revoked := k.ReportLeak("current", r, now)
	if outcome != LeakRevokedKey || !slices.Equal(revoked, []string{"current", "previous"}) || !k.Leaked() ||
		k.PreviousSecretHash != nil || k.Leak().Source != "public report" || k.Leak().URL != nil {
		t.Errorf("current secret: %v %v %+v", outcome, revoked, k)
	}
	if outcome, revoked := k.ReportLeak("current", r, now); outcome != LeakIgnored || revoked != nil {
		t.Errorf("a leaked key reported again: %v %v", outcome, revoked)
	}
	if k.RollGrace(time.Hour) != 0 {
		t.Error("a leaked key's roll keeps a grace")
	}
	k.ClearLeak()
	if k.Leaked() || k.RollGrace(time.Hour) != time.Hour {
		t.Error("ClearLeak left the key leaked")
	}

	k = withGrace()
	outcome, revoked = k.ReportLeak("previous", r, now)
	if outcome != LeakEndedGrace || !slices.Equal(revoked, []string{"previous"}) || k.Leaked() || k.PreviousSecretHash != nil || k.SecretHash != "current" {
		t.Errorf("previous secret: %v %v %+v", outcome, revoked, k)
	}

	k = withGrace()
	if outcome, _ := k.ReportLeak("previous", r, now.Add(2*time.Hour)); outcome != LeakIgnored || k.PreviousSecretHash == nil {
		t.Errorf("previous secret past its grace: %v", outcome)
	}
	if outcome, _ := k.ReportLeak("someone else's", r, now); outcome != LeakIgnored || k.Leaked() {
		t.Errorf("unrelated hash: %v", outcome)
	}
}

// A report's source and url are cut to what is stored; an empty url is none.
func TestNewLeakReportBounds(t *testing.T) {
	long := make([]byte, MaxLeakURLLength+10)
	for i := range long {
		long[i] = 'a'
	}
	r := NewLeakReport(string(long), string(long)+"\x00", time.Now())
	if len(r.Source) != MaxLeakSourceLength || r.URL == nil || len(*r.URL) != MaxLeakURLLength {
		t.Errorf("source %d, url %v bytes", len(r.Source), r.URL)
	}
	if NewLeakReport("x", "", time.Now()).URL != nil {
		t.Error("an empty url is stored")
	}
}
