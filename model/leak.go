package model

import (
	"time"
)

// Limits on what a leak report stores: it comes from outside (a secret
// scanner, or anyone at all), so it is cut to a size a key's row and the
// audit log can hold.
const (
	MaxLeakSourceLength = 100
	MaxLeakURLLength    = 2048
)

// LeakSourcePublicReport is the source of a leak reported through the
// public revocation endpoint, whose reporter is anonymous.
const LeakSourcePublicReport = "public report"

// LeakReport says where a key's secret was found in public.
type LeakReport struct {
	ReportedAt time.Time
	Source     string
	URL        *string
}

// NewLeakReport is a report made at now, its source and url cut to what is
// stored; an empty url is none.
func NewLeakReport(source, url string, now time.Time) LeakReport {
	r := LeakReport{ReportedAt: now, Source: StorableText(source, MaxLeakSourceLength)}
	if url = StorableText(url, MaxLeakURLLength); url != "" {
		r.URL = &url
	}
	return r
}

// Leaked reports whether the key's current secret was reported leaked
// since it was made or last rolled.
func (k *APIKey) Leaked() bool { return k.LeakReportedAt != nil }

// Leak is where the key's current secret was found, or nil while it has
// not leaked.
func (k *APIKey) Leak() *LeakReport {
	if !k.Leaked() {
		return nil
	}
	r := &LeakReport{ReportedAt: *k.LeakReportedAt, URL: k.LeakURL}
	if k.LeakSource != nil {
		r.Source = *k.LeakSource
	}
	return r
}

// LeakOutcome is what reporting a secret leaked did to the key it
// belongs to.
type LeakOutcome int

const (
	// LeakIgnored: the secret no longer works (it was rolled away, its
	// grace ended, or the key already stands revoked as leaked): nothing
	// changes.
	LeakIgnored LeakOutcome = iota
	// LeakRevokedKey: it was the key's current secret, so the key stops
	// working, as a deletion would stop it, and stays listed as LEAKED.
	LeakRevokedKey
	// LeakEndedGrace: it was the previous secret, still in its grace,
	// which ends now; the current secret keeps working, since whoever
	// holds the old secret (often the reason for the roll) must not be
	// able to stop the new one.
	LeakEndedGrace
)

// ReportLeak applies a report that the secret with hash leaked to k at
// now, and returns what it did and the hashes of the secrets it stopped,
// which must be revoked wherever they are cached.
func (k *APIKey) ReportLeak(hash string, r LeakReport, now time.Time) (LeakOutcome, []string) {
	switch {
	case hash == k.SecretHash && !k.Leaked():
		// Every secret of the key stops, the previous one in its grace
		// too, as a deletion stops them.
		revoked := k.LiveHashes(now)
		k.PreviousSecretHash, k.PreviousSecretExpiresAt, k.PreviousSecretLastUsedAt = nil, nil, nil
		k.LeakReportedAt, k.LeakSource, k.LeakURL = &r.ReportedAt, &r.Source, r.URL
		return LeakRevokedKey, revoked
	case k.PreviousSecretHash != nil && hash == *k.PreviousSecretHash && k.PreviousSecretLive(now):
		k.PreviousSecretHash, k.PreviousSecretExpiresAt, k.PreviousSecretLastUsedAt = nil, nil, nil
		return LeakEndedGrace, []string{hash}
	}
	return LeakIgnored, nil
}

// RollGrace is the grace the secret being rolled away keeps, given the
// grace asked for: none when it leaked, since it is in strangers' hands.
func (k *APIKey) RollGrace(requested time.Duration) time.Duration {
	if k.Leaked() {
		return 0
	}
	return requested
}

// ClearLeak forgets the key's leak, as a roll does: the leaked secret is
// gone, so the key is ACTIVE again. The audit log keeps the report.
func (k *APIKey) ClearLeak() {
	k.LeakReportedAt, k.LeakSource, k.LeakURL = nil, nil, nil
}
