package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/keyfob/keyfob/model"
)

// UsageIncrement is a count of requests one integration made with one key,
// all admitted on the UTC day of FirstUsedAt: that is the day they count on
// in daily_usages. (The recorder's increments never span midnight.)
type UsageIncrement struct {
	APIKeyID    string
	Integration string
	Requests    int
	FirstUsedAt time.Time
	LastUsedAt  time.Time
	// PreviousSecretHash is set when some of the requests presented the
	// key's previous secret, during the grace after a roll: its hash, and
	// PreviousSecretLastUsedAt the last of those requests.
	PreviousSecretHash       string
	PreviousSecretLastUsedAt time.Time
}

// flushIDRetention is how long applied flush ids are remembered; a retry
// comes within seconds, so a day is ample.
const flushIDRetention = 24 * time.Hour

// sqliteChunk keeps one SQLite statement's parameters (5 a row) under its
// limit; PostgreSQL takes any batch in one statement.
const sqliteChunk = 5000

type usagePair struct{ key, integration string }

// knownPairs remembers which (key, integration) rows this process has
// written, so that the integration cap needs the database only for pairs
// it has not seen: after warm-up a flush is two small writes and the upsert.
type knownPairs = lru.Cache[usagePair, struct{}]

func newKnownPairs() *knownPairs {
	c, _ := lru.New[usagePair, struct{}](200_000) // only fails for a non-positive size
	return c
}

// RecordUsage adds a batch of increments in one transaction: one multi-row
// upsert per key and integration, one per key and day. A batch whose
// flushID was already applied is skipped, for both, so retrying after an
// unknown commit outcome never counts twice and the daily counts add up to
// the integrations' counts. A key keeps at most MaxIntegrations named
// integrations; further ones count as "other". Increments for deleted keys
// are dropped by the upserts themselves.
func (db *DB) RecordUsage(ctx context.Context, flushID string, incs []UsageIncrement) (err error) {
	if len(incs) == 0 {
		return nil
	}
	// A key deleted after the upsert's join saw it, but before its rows
	// were checked against it, fails the statement on the foreign key. Run
	// again, the join no longer sees the key and drops its rows.
	for range 2 {
		if err = db.recordUsage(ctx, flushID, incs); !isForeignKeyViolation(err) {
			return err
		}
	}
	return err
}

func (db *DB) recordUsage(ctx context.Context, flushID string, incs []UsageIncrement) error {
	var written []usagePair // pairs new to db.known
	var pruned int64
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		pruned = 0
		mark := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&usageFlush{ID: flushID, AppliedAt: db.now()})
		if mark.Error != nil {
			return mark.Error
		}
		if mark.RowsAffected == 0 {
			return nil // applied by an earlier attempt whose answer was lost
		}
		if err := tx.Where("applied_at < ?", db.now().Add(-flushIDRetention)).Delete(&usageFlush{}).Error; err != nil {
			return err
		}
		// Before any upsert, so that two instances pruning at once wait on
		// the old rows alone and not on each other's new ones.
		if today := model.UsageDay(db.now()); db.dailyPrunedOn.Load() < today {
			if err := pruneDailyUsage(tx, today); err != nil {
				return err
			}
			pruned = today
		}
		rows, checked, err := db.usageRows(tx, incs)
		if err != nil {
			return err
		}
		chunk := max(len(rows), 1)
		if !db.postgres {
			chunk = sqliteChunk
		}
		for chunk := range slices.Chunk(rows, chunk) {
			if err := db.upsertUsage(tx, chunk); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(dailyRows(incs), chunk) {
			if err := db.upsertDailyUsage(tx, chunk); err != nil {
				return err
			}
		}
		if err := db.markPreviousSecretsUsed(tx, incs); err != nil {
			return err
		}
		// Pairs of keys that were not checked were all known already (and
		// their place in db.known was renewed as they were looked up).
		written = written[:0]
		for _, r := range rows {
			if checked[r.key] != nil {
				written = append(written, usagePair{r.key, r.integration})
			}
		}
		return nil
	})
	if err == nil {
		for _, p := range written {
			db.known.Add(p, struct{}{})
		}
		if pruned > 0 {
			db.dailyPrunedOn.Store(pruned)
		}
	}
	return err
}

// pruneDailyUsage deletes the days older than the MaxDailyUsageDays kept
// on today. The flush does it, once per UTC day on each instance, and not
// a task of its own: the flush is the table's one writer and runs wherever
// usage is counted, and the deletion then shares its transaction and its
// retries. Reads never ask for older days, so a day pruned late is never
// shown.
func pruneDailyUsage(tx *gorm.DB, today int64) error {
	return tx.Exec("DELETE FROM daily_usages WHERE day < ?", model.UsageDate(model.FirstKeptUsageDay(today))).Error
}

// dailyRow is one key's requests on one UTC day.
type dailyRow struct {
	keyID    string
	day      int64 // model.UsageDay
	requests int
}

// dailyRows sums increments by key and the day their requests were
// admitted, whatever their integrations (and the cap on them).
func dailyRows(incs []UsageIncrement) []dailyRow {
	type keyDay struct {
		keyID string
		day   int64
	}
	index := make(map[keyDay]int)
	var rows []dailyRow
	for _, inc := range incs {
		k := keyDay{inc.APIKeyID, model.UsageDay(inc.FirstUsedAt)}
		if i, ok := index[k]; ok {
			rows[i].requests += inc.Requests
			continue
		}
		index[k] = len(rows)
		rows = append(rows, dailyRow{k.keyID, k.day, inc.Requests})
	}
	return rows
}

// upsertDailyUsage adds rows to daily_usages in one statement, dropping
// those of deleted keys as upsertUsage does.
func (db *DB) upsertDailyUsage(tx *gorm.DB, rows []dailyRow) error {
	const conflict = `
ON CONFLICT (api_key_id, day) DO UPDATE SET
  request_count = daily_usages.request_count + excluded.request_count`
	if db.postgres {
		keyBytes := 0
		for _, r := range rows {
			keyBytes += len(r.keyID) + 3
		}
		keys, days, counts := newPGArray(keyBytes), newPGArray(6*len(rows)), newPGArray(5*len(rows))
		for _, r := range rows {
			keys.text(r.keyID)
			days.int(r.day)
			counts.int(int64(r.requests))
		}
		sql := `INSERT INTO daily_usages (api_key_id, day, request_count)
SELECT v.k, date '1970-01-01' + v.d, v.n
FROM unnest($1::text[], $2::int[], $3::bigint[]) AS v(k, d, n)
JOIN api_keys ON api_keys.id = v.k` + conflict
		_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, sql, keys.String(), days.String(), counts.String())
		return err
	}
	values := make([]string, len(rows))
	args := make([]any, 0, 3*len(rows))
	for i, r := range rows {
		values[i] = "(?, ?, ?)"
		args = append(args, r.keyID, model.UsageDate(r.day), r.requests)
	}
	sql := `INSERT INTO daily_usages (api_key_id, day, request_count)
SELECT v.column1, v.column2, v.column3
FROM (VALUES ` + strings.Join(values, ", ") + `) AS v
JOIN api_keys ON api_keys.id = v.column1
WHERE true` + conflict
	return tx.Exec(sql, args...).Error
}

// DailyUsageByKeys reads each key's requests per UTC day over the days
// kept, today last, with 0 for days without requests: dailyUsage's
// answer for the largest days, which smaller ones end.
func (db *DB) DailyUsageByKeys(ctx context.Context, keyIDs []string) (map[string][]*model.DailyUsage, error) {
	first := model.FirstKeptUsageDay(model.UsageDay(db.now()))
	var rows []struct {
		APIKeyID     string
		Day          time.Time
		RequestCount int
	}
	err := db.gorm.WithContext(ctx).Table("daily_usages").Select("api_key_id, day, request_count").
		Where("api_key_id IN ? AND day >= ?", keyIDs, model.UsageDate(first)).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	counts := make(map[string]map[int64]int, len(keyIDs))
	for _, r := range rows {
		if counts[r.APIKeyID] == nil {
			counts[r.APIKeyID] = map[int64]int{}
		}
		counts[r.APIKeyID][model.UsageDay(r.Day)] = r.RequestCount
	}
	dates := model.KeptUsageDates(first)
	out := make(map[string][]*model.DailyUsage, len(keyIDs))
	for _, id := range keyIDs {
		out[id] = model.KeptDailyUsage(dates, first, counts[id]) // never used is an answer, not a miss
	}
	return out, nil
}

type usageFlush struct {
	ID        string `gorm:"primaryKey"`
	AppliedAt time.Time
}

func (usageFlush) TableName() string { return "usage_flushes" }

// usageRow is one (key, integration) row of a flush.
type usageRow struct {
	key, integration string
	first, last      time.Time
	requests         int
}

// usageRows merges increments into one row per (key, integration) after
// applying the integration cap, first come first served. checked holds
// the names of the keys the cap was checked for (see integrationNames).
func (db *DB) usageRows(tx *gorm.DB, incs []UsageIncrement) (rows []usageRow, checked map[string]map[string]bool, err error) {
	names, err := db.integrationNames(tx, incs)
	if err != nil {
		return nil, nil, err
	}
	if len(names) > 0 {
		// Order matters only when the cap may apply; once every pair has
		// been written before (the steady state) it cannot.
		incs = slices.Clone(incs)
		slices.SortStableFunc(incs, func(a, b UsageIncrement) int { return a.FirstUsedAt.Compare(b.FirstUsedAt) })
	}
	merged := make(map[usagePair]int, len(incs)) // position in rows
	rows = make([]usageRow, 0, len(incs))
	for _, inc := range incs {
		integration := inc.Integration
		if known, checked := names[inc.APIKeyID]; checked && !known[integration] {
			if namedCount(known) >= model.MaxIntegrations {
				integration = model.OverflowIntegration
			}
			known[integration] = true
		}
		p := usagePair{inc.APIKeyID, integration}
		if i, ok := merged[p]; ok {
			row := &rows[i]
			row.requests += inc.Requests
			row.first = earlier(row.first, inc.FirstUsedAt)
			row.last = later(row.last, inc.LastUsedAt)
			continue
		}
		merged[p] = len(rows)
		rows = append(rows, usageRow{key: inc.APIKeyID, integration: integration,
			requests: inc.Requests, first: inc.FirstUsedAt, last: inc.LastUsedAt})
	}
	return rows, names, nil
}

// integrationNames loads the integrations already recorded for every key
// that has a pair this process has not written before. Keys missing from
// the result need no cap check.
func (db *DB) integrationNames(tx *gorm.DB, incs []UsageIncrement) (map[string]map[string]bool, error) {
	names := map[string]map[string]bool{}
	var keys []string
	for _, inc := range incs {
		if _, listed := names[inc.APIKeyID]; listed {
			continue
		}
		// Get, not Contains: it renews the pair's place in the cache, so
		// that a pair in steady use is not evicted for want of a write.
		if _, known := db.known.Get(usagePair{inc.APIKeyID, inc.Integration}); !known {
			names[inc.APIKeyID] = map[string]bool{}
			keys = append(keys, inc.APIKeyID)
		}
	}
	if len(keys) == 0 {
		return names, nil
	}
	if db.postgres {
		// Another instance may be adding a name to the same key right now;
		// reading its names unlocked would let both take the last place
		// under the cap. The key rows are locked in id order, so flushes
		// that share keys queue rather than deadlock. (SQLite has one
		// writer at a time, and one instance.)
		slices.Sort(keys)
		if err := tx.Exec("SELECT id FROM api_keys WHERE id IN ? ORDER BY id FOR UPDATE", keys).Error; err != nil {
			return nil, err
		}
	}
	var existing []model.IntegrationUsage
	if err := tx.Select("api_key_id, integration").Where("api_key_id IN ?", keys).Find(&existing).Error; err != nil {
		return nil, err
	}
	for _, e := range existing {
		names[e.APIKeyID][e.Integration] = true
	}
	return names, nil
}

// upsertUsage adds rows to integration_usages in one statement. Joining on
// api_keys drops rows of keys deleted since the requests were counted, so a
// deleted key does not fail the batch (but see RecordUsage for one that is
// deleted while the statement runs).
func (db *DB) upsertUsage(tx *gorm.DB, rows []usageRow) error {
	const conflict = `
ON CONFLICT (api_key_id, integration) DO UPDATE SET
  first_used_at = %[1]s(integration_usages.first_used_at, excluded.first_used_at),
  last_used_at = %[2]s(integration_usages.last_used_at, excluded.last_used_at),
  request_count = integration_usages.request_count + excluded.request_count`
	if db.postgres {
		// Five arrays rather than thousands of parameters: PostgreSQL plans
		// the statement in constant time whatever the batch size. The
		// times go as microseconds since the epoch, which PostgreSQL turns
		// back into the same instants exactly (it keeps microseconds).
		keyBytes, nameBytes := 0, 0
		for _, r := range rows {
			keyBytes, nameBytes = keyBytes+len(r.key)+3, nameBytes+len(r.integration)+3
		}
		keys, names := newPGArray(keyBytes), newPGArray(nameBytes)
		first, last, counts := newPGArray(18*len(rows)), newPGArray(18*len(rows)), newPGArray(5*len(rows))
		for _, r := range rows {
			keys.text(r.key)
			names.text(r.integration)
			first.int(r.first.UnixMicro())
			last.int(r.last.UnixMicro())
			counts.int(int64(r.requests))
		}
		sql := `INSERT INTO integration_usages (api_key_id, integration, first_used_at, last_used_at, request_count)
SELECT v.k, v.i, timestamptz 'epoch' + v.f * interval '1 microsecond', timestamptz 'epoch' + v.l * interval '1 microsecond', v.n
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS v(k, i, f, l, n)
JOIN api_keys ON api_keys.id = v.k` + fmt.Sprintf(conflict, "LEAST", "GREATEST")
		// Straight to the driver: GORM would spread each array into a list.
		_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, sql,
			keys.String(), names.String(), first.String(), last.String(), counts.String())
		return err
	}
	values := make([]string, len(rows))
	args := make([]any, 0, 5*len(rows))
	for i, r := range rows {
		values[i] = "(?, ?, ?, ?, ?)"
		args = append(args, r.key, r.integration, r.first, r.last, r.requests)
	}
	sql := `INSERT INTO integration_usages (api_key_id, integration, first_used_at, last_used_at, request_count)
SELECT v.column1, v.column2, v.column3, v.column4, v.column5
FROM (VALUES ` + strings.Join(values, ", ") + `) AS v
JOIN api_keys ON api_keys.id = v.column1
WHERE true` + fmt.Sprintf(conflict, "MIN", "MAX")
	return tx.Exec(sql, args...).Error
}

// pgArray writes a PostgreSQL array literal for a flush's column. pgx
// sends a Go string as it is, in text format, whatever the parameter's
// type, so a column goes over as one string. Passed as a Go slice, pgx
// boxed each element in an interface and encoded it through a plan of
// its own: most of a flush's allocations and of its Go-side CPU.
type pgArray struct{ b []byte }

// newPGArray starts an array of about size bytes, separators included.
func newPGArray(size int) pgArray {
	return pgArray{append(make([]byte, 0, size+2), '{')}
}

func (a *pgArray) next() {
	if len(a.b) > 1 {
		a.b = append(a.b, ',')
	}
}

// text adds s double-quoted, with a backslash before each quote and
// backslash: quoted, no value reads as NULL or splits at a comma or brace.
func (a *pgArray) text(s string) {
	a.next()
	a.b = append(a.b, '"')
	for {
		i := strings.IndexAny(s, `"\`)
		if i < 0 {
			break
		}
		a.b = append(append(a.b, s[:i]...), '\\', s[i])
		s = s[i+1:]
	}
	a.b = append(append(a.b, s...), '"')
}

func (a *pgArray) int(n int64) {
	a.next()
	a.b = strconv.AppendInt(a.b, n, 10)
}

// String ends the array. Its bytes are the string's, without a copy: the
// array is not written to after.
func (a *pgArray) String() string {
	a.b = append(a.b, '}')
	return unsafe.String(unsafe.SliceData(a.b), len(a.b))
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

// markPreviousSecretsUsed writes when each key's previous secret was last
// presented, in the flush's transaction so that it holds exactly what the
// flush counted. A row whose previous secret is no longer that hash (the
// key was rolled again meanwhile) is left alone: its previous secret is
// another one, not yet used.
func (db *DB) markPreviousSecretsUsed(tx *gorm.DB, incs []UsageIncrement) error {
	type use struct{ key, hash string }
	last := map[use]time.Time{}
	for _, inc := range incs {
		if inc.PreviousSecretHash != "" {
			u := use{inc.APIKeyID, inc.PreviousSecretHash}
			last[u] = later(last[u], inc.PreviousSecretLastUsedAt)
		}
	}
	uses := make([]use, 0, len(last))
	for u := range last {
		uses = append(uses, u)
	}
	// In id order, as the integration cap locks keys, so that flushes
	// sharing keys queue rather than deadlock.
	slices.SortFunc(uses, func(a, b use) int { return strings.Compare(a.key, b.key) })
	for _, u := range uses {
		err := tx.Exec(`UPDATE api_keys SET previous_secret_last_used_at = ?
WHERE id = ? AND previous_secret_hash = ? AND (previous_secret_last_used_at IS NULL OR previous_secret_last_used_at < ?)`,
			last[u], u.key, u.hash, last[u]).Error
		if err != nil {
			return err
		}
	}
	return nil
}
