package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/hashicorp/golang-lru/v2/simplelru"
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
// A flush looks up all its pairs under one lock, not one lock per pair.
type knownPairs struct {
	mu    sync.Mutex
	pairs *simplelru.LRU[usagePair, struct{}]
}

func newKnownPairs() *knownPairs {
	pairs, _ := simplelru.NewLRU[usagePair, struct{}](200_000, nil) // only fails for a non-positive size
	return &knownPairs{pairs: pairs}
}

// unknownKeys lists, once each, the keys of incs with a pair not written
// before, as the names map's keys with empty sets.
func (k *knownPairs) unknownKeys(incs []UsageIncrement, names map[string]map[string]bool, keys []string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, inc := range incs {
		if _, listed := names[inc.APIKeyID]; listed {
			continue
		}
		// Get, not Contains: it renews the pair's place in the cache, so
		// that a pair in steady use is not evicted for want of a write.
		if _, known := k.pairs.Get(usagePair{inc.APIKeyID, inc.Integration}); !known {
			names[inc.APIKeyID] = map[string]bool{}
			keys = append(keys, inc.APIKeyID)
		}
	}
	return keys
}

func (k *knownPairs) add(pairs []usagePair) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range pairs {
		k.pairs.Add(p, struct{}{})
	}
}

// flushScratch is one flush's working memory, kept for the next: built
// afresh, a flush of 10,000 pairs every second allocated about 2.5 MB of
// rows, maps and array literals each time, most of the flush's garbage.
// It keeps the capacity of the largest batch, which the recorder bounds.
type flushScratch struct {
	// keyAt and nameAt give the 1-based positions of key ids and
	// integration names in keys and names; rows refer to them by these,
	// and PostgreSQL receives each id and name once.
	keyAt, nameAt map[string]int32
	keys, names   []string
	rowAt         map[uint64]int32 // position in rows by rowID
	rows          []usageRow
	dayAt         map[uint64]int32 // position in daily by dayID
	daily         []dailyRow
	sorted        []UsageIncrement // a batch in admission order, for the cap
	arrays        [3]pgArray       // PostgreSQL's array literals
	keyArray      string           // arrays[0] once written, for both statements
}

func newFlushScratch() *flushScratch {
	return &flushScratch{keyAt: map[string]int32{}, nameAt: map[string]int32{},
		rowAt: map[uint64]int32{}, dayAt: map[uint64]int32{}}
}

// reset empties s, and drops its references to ids and names for the
// collector.
func (s *flushScratch) reset() {
	clear(s.keyAt)
	clear(s.nameAt)
	clear(s.rowAt)
	clear(s.dayAt)
	clear(s.keys)
	clear(s.names)
	clear(s.sorted)
	s.keys, s.names, s.sorted = s.keys[:0], s.names[:0], s.sorted[:0]
	s.rows, s.daily = s.rows[:0], s.daily[:0]
	s.keyArray = ""
}

func (s *flushScratch) keyPosition(id string) int32 {
	if at, ok := s.keyAt[id]; ok {
		return at
	}
	s.keys = append(s.keys, id)
	s.keyAt[id] = int32(len(s.keys))
	return int32(len(s.keys))
}

func (s *flushScratch) namePosition(name string) int32 {
	if at, ok := s.nameAt[name]; ok {
		return at
	}
	s.names = append(s.names, name)
	s.nameAt[name] = int32(len(s.names))
	return int32(len(s.names))
}

// array starts the i-th array literal over, in the bytes of its last use.
func (s *flushScratch) array(i int) *pgArray {
	a := &s.arrays[i]
	a.b = append(a.b[:0], '{')
	return a
}

// pgKeys is the literal of keys, written once for both statements.
func (s *flushScratch) pgKeys() string {
	if s.keyArray == "" {
		a := s.array(0)
		for _, k := range s.keys {
			a.text(k)
		}
		s.keyArray = a.String()
	}
	return s.keyArray
}

// takeScratch lends the kept scratch, or a new one if another flush of
// this process has it (only tests flush concurrently).
func (db *DB) takeScratch() *flushScratch {
	select {
	case s := <-db.scratch:
		return s
	default:
		return newFlushScratch()
	}
}

func (db *DB) keepScratch(s *flushScratch) {
	s.reset()
	select {
	case db.scratch <- s:
	default:
	}
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
	s := db.takeScratch()
	defer db.keepScratch(s)
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		pruned = 0
		s.reset()
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
		checked, err := db.usageRows(tx, s, incs)
		if err != nil {
			return err
		}
		chunk := max(len(s.rows), 1)
		if !db.postgres {
			chunk = sqliteChunk
		}
		for chunk := range slices.Chunk(s.rows, chunk) {
			if err := db.upsertUsage(tx, s, chunk); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(s.daily, chunk) {
			if err := db.upsertDailyUsage(tx, s, chunk); err != nil {
				return err
			}
		}
		if err := db.markPreviousSecretsUsed(tx, incs); err != nil {
			return err
		}
		// Pairs of keys that were not checked were all known already (and
		// their place in db.known was renewed as they were looked up).
		written = written[:0]
		for _, r := range s.rows {
			if key := s.keys[r.key-1]; checked[key] != nil {
				written = append(written, usagePair{key, s.names[r.name-1]})
			}
		}
		return nil
	})
	if err == nil {
		db.known.add(written)
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
	key      int32 // position in flushScratch.keys
	day      int64 // model.UsageDay
	requests int
}

// dayID identifies a key's day in flushScratch.dayAt.
func dayID(key int32, day int64) uint64 { return uint64(key)<<32 | uint64(uint32(day)) }

// keptKeys is the flush's keys ($1) that still exist, by their 1-based
// positions, for the PostgreSQL upserts to join their rows to. It is
// materialized so that api_keys is looked up once a key, not once a row,
// as PostgreSQL otherwise plans it.
const keptKeys = `WITH k AS MATERIALIZED (
  SELECT k.id, k.at FROM unnest($1::text[]) WITH ORDINALITY AS k(id, at) JOIN api_keys ON api_keys.id = k.id)`

// upsertDailyUsage adds rows to daily_usages in one statement, dropping
// those of deleted keys as upsertUsage does.
func (db *DB) upsertDailyUsage(tx *gorm.DB, s *flushScratch, rows []dailyRow) error {
	const conflict = `
ON CONFLICT (api_key_id, day) DO UPDATE SET
  request_count = daily_usages.request_count + excluded.request_count`
	if db.postgres {
		// As upsertUsage sends its rows: three numbers a row.
		numbers := s.array(1)
		for _, r := range rows {
			numbers.int(int64(r.key))
			numbers.int(r.day)
			numbers.int(int64(r.requests))
		}
		sql := keptKeys + `
INSERT INTO daily_usages (api_key_id, day, request_count)
SELECT k.id, date '1970-01-01' + v.d, v.n
FROM (SELECT r[g] AS k, r[g + 1]::int AS d, r[g + 2] AS n
  FROM (SELECT $2::bigint[] AS r) AS a CROSS JOIN generate_series(1, cardinality(a.r), 3) AS g) AS v
JOIN k ON k.at = v.k` + conflict
		_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, sql, s.pgKeys(), numbers.String())
		return err
	}
	values := make([]string, len(rows))
	args := make([]any, 0, 3*len(rows))
	for i, r := range rows {
		values[i] = "(?, ?, ?)"
		args = append(args, s.keys[r.key-1], model.UsageDate(r.day), r.requests)
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
	key, name   int32 // positions in flushScratch.keys and names
	first, last time.Time
	requests    int
}

// rowID identifies a (key, integration) pair in flushScratch.rowAt.
func rowID(key, name int32) uint64 { return uint64(key)<<32 | uint64(name) }

// usageRows merges increments into s.rows, one row per (key,
// integration) after applying the integration cap, first come first
// served, and sums them into s.daily by key and the day their requests
// were admitted, whatever their integrations. checked holds the names of
// the keys the cap was checked for (see integrationNames).
func (db *DB) usageRows(tx *gorm.DB, s *flushScratch, incs []UsageIncrement) (checked map[string]map[string]bool, err error) {
	names, err := db.integrationNames(tx, incs)
	if err != nil {
		return nil, err
	}
	if len(names) > 0 {
		// Order matters only when the cap may apply; once every pair has
		// been written before (the steady state) it cannot.
		s.sorted = append(s.sorted[:0], incs...)
		slices.SortStableFunc(s.sorted, func(a, b UsageIncrement) int { return a.FirstUsedAt.Compare(b.FirstUsedAt) })
		incs = s.sorted
	}
	for _, inc := range incs {
		integration := inc.Integration
		if known, checked := names[inc.APIKeyID]; checked && !known[integration] {
			if namedCount(known) >= model.MaxIntegrations {
				integration = model.OverflowIntegration
			}
			known[integration] = true
		}
		key := s.keyPosition(inc.APIKeyID)
		name := s.namePosition(integration)
		if i, ok := s.rowAt[rowID(key, name)]; ok {
			row := &s.rows[i]
			row.requests += inc.Requests
			row.first = earlier(row.first, inc.FirstUsedAt)
			row.last = later(row.last, inc.LastUsedAt)
		} else {
			s.rowAt[rowID(key, name)] = int32(len(s.rows))
			s.rows = append(s.rows, usageRow{key: key, name: name,
				requests: inc.Requests, first: inc.FirstUsedAt, last: inc.LastUsedAt})
		}
		day := model.UsageDay(inc.FirstUsedAt)
		if i, ok := s.dayAt[dayID(key, day)]; ok {
			s.daily[i].requests += inc.Requests
		} else {
			s.dayAt[dayID(key, day)] = int32(len(s.daily))
			s.daily = append(s.daily, dailyRow{key: key, day: day, requests: inc.Requests})
		}
	}
	return names, nil
}

// integrationNames loads the integrations already recorded for every key
// that has a pair this process has not written before. Keys missing from
// the result need no cap check.
func (db *DB) integrationNames(tx *gorm.DB, incs []UsageIncrement) (map[string]map[string]bool, error) {
	names := map[string]map[string]bool{}
	keys := db.known.unknownKeys(incs, names, nil)
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
func (db *DB) upsertUsage(tx *gorm.DB, s *flushScratch, rows []usageRow) error {
	const conflict = `
ON CONFLICT (api_key_id, integration) DO UPDATE SET
  first_used_at = %[1]s(integration_usages.first_used_at, excluded.first_used_at),
  last_used_at = %[2]s(integration_usages.last_used_at, excluded.last_used_at),
  request_count = integration_usages.request_count + excluded.request_count`
	if db.postgres {
		// Arrays rather than thousands of parameters: PostgreSQL plans the
		// statement in constant time whatever the batch size. pgx copies
		// each parameter twice on its way out, appending it to buffers it
		// drops past a kilobyte, and so grows them anew at every flush and
		// at every parameter: fewer bytes, in fewer parameters, spare most
		// of a flush's allocations. A row names its key and integration by
		// their positions in arrays that hold each once, and its instants
		// as microseconds after the batch's first (the last after the
		// row's first), which PostgreSQL adds back to the same instants
		// exactly (it keeps microseconds); all its numbers go in one flat
		// array, five a row.
		base := rows[0].first.UnixMicro()
		for _, r := range rows {
			base = min(base, r.first.UnixMicro())
		}
		names := s.array(1)
		for _, n := range s.names {
			names.text(n)
		}
		numbers := s.array(2)
		for _, r := range rows {
			first := r.first.UnixMicro()
			numbers.int(int64(r.key))
			numbers.int(int64(r.name))
			numbers.int(first - base)
			numbers.int(r.last.UnixMicro() - first)
			numbers.int(int64(r.requests))
		}
		sql := keptKeys + `
INSERT INTO integration_usages (api_key_id, integration, first_used_at, last_used_at, request_count)
SELECT k.id, i.name, timestamptz 'epoch' + ($4::bigint + v.f) * interval '1 microsecond',
  timestamptz 'epoch' + ($4::bigint + v.f + v.l) * interval '1 microsecond', v.n
FROM (SELECT r[g] AS k, r[g + 1] AS i, r[g + 2] AS f, r[g + 3] AS l, r[g + 4] AS n
  FROM (SELECT $2::bigint[] AS r) AS a CROSS JOIN generate_series(1, cardinality(a.r), 5) AS g) AS v
JOIN k ON k.at = v.k
JOIN unnest($3::text[]) WITH ORDINALITY AS i(name, at) ON i.at = v.i` + fmt.Sprintf(conflict, "LEAST", "GREATEST")
		// Straight to the driver: GORM would spread each array into a list.
		// The numbers, by far the largest, right after the keys: pgx's
		// buffers then grow about once for each.
		_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, sql, s.pgKeys(), numbers.String(),
			names.String(), strconv.FormatInt(base, 10))
		return err
	}
	values := make([]string, len(rows))
	args := make([]any, 0, 5*len(rows))
	for i, r := range rows {
		values[i] = "(?, ?, ?, ?, ?)"
		args = append(args, s.keys[r.key-1], s.names[r.name-1], r.first, r.last, r.requests)
	}
	sql := `INSERT INTO integration_usages (api_key_id, integration, first_used_at, last_used_at, request_count)
SELECT v.column1, v.column2, v.column3, v.column4, v.column5
FROM (VALUES ` + strings.Join(values, ", ") + `) AS v
JOIN api_keys ON api_keys.id = v.column1
WHERE true` + fmt.Sprintf(conflict, "MIN", "MAX")
	return tx.Exec(sql, args...).Error
}

// pgArray writes a PostgreSQL array literal for a flush's statement. pgx
// sends a Go string as it is, in text format, whatever the parameter's
// type, so an array goes over as one string. Passed as a Go slice, pgx
// boxed each element in an interface and encoded it through a plan of
// its own: most of a flush's allocations and of its Go-side CPU.
type pgArray struct{ b []byte }

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

// String ends the array. Its bytes are the string's, without a copy: they
// are written over only once the driver has sent them.
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
