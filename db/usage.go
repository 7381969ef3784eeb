package db

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/keyfob/keyfob/model"
)

// UsageIncrement is a count of requests one integration made with one key.
type UsageIncrement struct {
	APIKeyID    string
	Integration string
	Requests    int
	FirstUsedAt time.Time
	LastUsedAt  time.Time
}

// flushIDRetention is how long applied flush ids are remembered; a retry
// comes within seconds, so a day is ample.
const flushIDRetention = 24 * time.Hour

// RecordUsage adds a batch of increments in one transaction: one multi-row
// upsert, whatever the batch size. A batch whose flushID was already
// applied is skipped, so retrying after an unknown commit outcome never
// counts twice. A key keeps at most MaxIntegrations named integrations;
// further ones count as "other". Increments for deleted keys are dropped.
func (db *DB) RecordUsage(ctx context.Context, flushID string, incs []UsageIncrement) error {
	if len(incs) == 0 {
		return nil
	}
	return db.transaction(ctx, func(tx *gorm.DB) error {
		mark := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&usageFlush{ID: flushID, AppliedAt: now()})
		if mark.Error != nil {
			return mark.Error
		}
		if mark.RowsAffected == 0 {
			return nil // applied by an earlier attempt whose answer was lost
		}
		if err := tx.Where("applied_at < ?", now().Add(-flushIDRetention)).Delete(&usageFlush{}).Error; err != nil {
			return err
		}
		rows, err := usageRows(tx, incs)
		if err != nil || len(rows) == 0 {
			return err
		}
		return tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "api_key_id"}, {Name: "integration"}},
			DoUpdates: clause.Assignments(map[string]any{
				"last_used_at":  gorm.Expr("CASE WHEN excluded.last_used_at > integration_usages.last_used_at THEN excluded.last_used_at ELSE integration_usages.last_used_at END"),
				"request_count": gorm.Expr("integration_usages.request_count + excluded.request_count"),
			}),
		}).Create(&rows).Error
	})
}

type usageFlush struct {
	ID        string `gorm:"primaryKey"`
	AppliedAt time.Time
}

func (usageFlush) TableName() string { return "usage_flushes" }

// usageRows turns increments into one row per (live key, integration),
// applying the integration cap.
func usageRows(tx *gorm.DB, incs []UsageIncrement) ([]*model.IntegrationUsage, error) {
	keyIDs := make([]string, 0, len(incs))
	seen := map[string]bool{}
	for _, inc := range incs {
		if !seen[inc.APIKeyID] {
			seen[inc.APIKeyID] = true
			keyIDs = append(keyIDs, inc.APIKeyID)
		}
	}
	var live []string
	if err := tx.Model(&model.APIKey{}).Where("id IN ?", keyIDs).Pluck("id", &live).Error; err != nil {
		return nil, err
	}
	var existing []model.IntegrationUsage
	if err := tx.Select("api_key_id, integration").Where("api_key_id IN ?", live).Find(&existing).Error; err != nil {
		return nil, err
	}
	known := map[string]map[string]bool{}
	for _, id := range live {
		known[id] = map[string]bool{}
	}
	for _, e := range existing {
		known[e.APIKeyID][e.Integration] = true
	}
	// Integrations earn their names first come, first served.
	incs = slices.Clone(incs)
	slices.SortStableFunc(incs, func(a, b UsageIncrement) int { return a.FirstUsedAt.Compare(b.FirstUsedAt) })
	type pair struct{ key, integration string }
	merged := map[pair]*model.IntegrationUsage{}
	var rows []*model.IntegrationUsage
	for _, inc := range incs {
		names, ok := known[inc.APIKeyID]
		if !ok {
			continue // the key was deleted before this flush
		}
		integration := inc.Integration
		if !names[integration] {
			if namedCount(names) >= model.MaxIntegrations {
				integration = model.OverflowIntegration
			}
			names[integration] = true
		}
		p := pair{inc.APIKeyID, integration}
		if row, ok := merged[p]; ok {
			row.RequestCount += inc.Requests
			row.FirstUsedAt = earlier(row.FirstUsedAt, inc.FirstUsedAt)
			row.LastUsedAt = later(row.LastUsedAt, inc.LastUsedAt)
			continue
		}
		row := &model.IntegrationUsage{APIKeyID: inc.APIKeyID, Integration: integration,
			RequestCount: inc.Requests, FirstUsedAt: inc.FirstUsedAt, LastUsedAt: inc.LastUsedAt}
		merged[p] = row
		rows = append(rows, row)
	}
	return rows, nil
}

func namedCount(names map[string]bool) int {
	n := len(names)
	if names[model.OverflowIntegration] {
		n--
	}
	return n
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
