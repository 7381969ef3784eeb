package db

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/model"
)

// LeakedSecret is a report that the secret with Hash was found in public,
// by Source at URL ("" when unknown).
type LeakedSecret struct {
	Hash, Source, URL string
}

// leakBatch bounds the hashes one statement looks up (each twice), well
// under both databases' limits on bound parameters.
const leakBatch = 500

// ReportLeakedSecrets applies reports of leaked secrets, by model's rule
// (APIKey.ReportLeak): a key's current secret revokes the key, as a
// deletion would, on this instance at once and on the others within
// 100 ms, and leaves it listed as LEAKED; a previous secret in its grace
// only ends that grace. Each change is in the audit log as API_KEY_LEAKED,
// with no actor. A secret that belongs to no key, or no longer works,
// changes nothing. It says how many keys changed.
func (db *DB) ReportLeakedSecrets(ctx context.Context, reports []LeakedSecret) (changed int, err error) {
	byHash := make(map[string]LeakedSecret, len(reports))
	for _, r := range reports {
		if _, seen := byHash[r.Hash]; !seen {
			byHash[r.Hash] = r
		}
	}
	hashes := make([]string, 0, len(byHash))
	for h := range byHash {
		hashes = append(hashes, h)
	}
	slices.Sort(hashes)
	for start := 0; start < len(hashes); start += leakBatch {
		batch := hashes[start:min(start+leakBatch, len(hashes))]
		n, err := db.reportLeakedBatch(ctx, batch, byHash)
		if err != nil {
			return changed, err
		}
		changed += n
	}
	return changed, nil
}

func (db *DB) reportLeakedBatch(ctx context.Context, hashes []string, byHash map[string]LeakedSecret) (changed int, err error) {
	err = db.revokingTransaction(ctx, func(tx *gorm.DB, revoke func(...string)) error {
		changed = 0
		var keys []model.APIKey
		// Locked in id order, so that two reports naming the same keys
		// cannot deadlock.
		err := db.forUpdate(tx).Where("secret_hash IN ? OR previous_secret_hash IN ?", hashes, hashes).
			Order("id").Find(&keys).Error
		if err != nil {
			return err
		}
		now := db.now()
		for i := range keys {
			key := &keys[i]
			report, ok := byHash[key.SecretHash]
			if !ok && key.PreviousSecretHash != nil {
				report, ok = byHash[*key.PreviousSecretHash]
			}
			if !ok {
				continue
			}
			leak := model.NewLeakReport(report.Source, report.URL, now)
			outcome, revoked := key.ReportLeak(report.Hash, leak, now)
			if outcome == model.LeakIgnored {
				continue
			}
			err := tx.Model(&model.APIKey{}).Where("id = ?", key.ID).Updates(map[string]any{
				"previous_secret_hash": key.PreviousSecretHash, "previous_secret_expires_at": key.PreviousSecretExpiresAt,
				"previous_secret_last_used_at": key.PreviousSecretLastUsedAt,
				"leak_reported_at":             key.LeakReportedAt, "leak_source": key.LeakSource, "leak_url": key.LeakURL,
			}).Error
			if err != nil {
				return err
			}
			revoke(revoked...)
			if err := db.recordEvent(ctx, tx, leakEvent(key, outcome, leak)); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	return changed, err
}

// leakEvent records a leak report's effect on key. Nobody signed in made
// it, so it has no actor; the key's owner is its target.
func leakEvent(key *model.APIKey, outcome model.LeakOutcome, r model.LeakReport) model.AuditEvent {
	detail := "current secret revoked"
	if outcome == model.LeakEndedGrace {
		detail = "previous secret's grace ended"
	}
	detail += "; source " + r.Source
	if r.URL != nil {
		detail += "; url " + *r.URL
	}
	return model.AuditEvent{
		Action: model.AuditAPIKeyLeaked, AccountID: optional(key.AccountID),
		APIKeyID: optional(key.ID), APIKeyName: optional(key.Name), APIKeyLast4: optional(key.Last4),
		TargetUserID: optional(key.UserID), Detail: optional(detail),
	}
}
