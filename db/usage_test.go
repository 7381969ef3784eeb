package db

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/model"
)

// eachDatabaseAt is eachDatabase with each store reading a fake clock
// that starts at start.
func eachDatabaseAt(t *testing.T, start time.Time, test func(t *testing.T, store *DB, clock *clockwork.FakeClock)) {
	t.Run("sqlite", func(t *testing.T) {
		clock := clockwork.NewFakeClockAt(start)
		test(t, openMigratedAt(t, filepath.Join(t.TempDir(), "keyfob.db"), clock), clock)
	})
	t.Run("postgres", func(t *testing.T) {
		clock := clockwork.NewFakeClockAt(start)
		test(t, openMigratedAt(t, pgtest.FreshSchema(t), clock), clock)
	})
}

// newUsageKey signs an owner up and creates a key for usage to count on.
func newUsageKey(t *testing.T, store *DB) string {
	t.Helper()
	ctx := context.Background()
	signUp, err := store.SignUp(ctx, SignUp{AccountName: "Usage", Name: "U", Email: "u@example.test", Password: "password123", WebSession: true})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := store.CreateAPIKey(ctx, sessionActor(t, store, signUp.SessionToken), "Counted")
	if err != nil {
		t.Fatal(err)
	}
	return key.ID
}

// lastDays is a key's last n kept days as "date=count", oldest first.
func lastDays(t *testing.T, store *DB, keyID string, n int) []string {
	t.Helper()
	kept, err := store.DailyUsageByKeys(context.Background(), []string{keyID})
	if err != nil {
		t.Fatal(err)
	}
	days := kept[keyID]
	if len(days) != model.MaxDailyUsageDays {
		t.Fatalf("%d days kept, want %d", len(days), model.MaxDailyUsageDays)
	}
	var out []string
	for _, d := range days[len(days)-n:] {
		out = append(out, fmt.Sprintf("%s=%d", d.Date, d.RequestCount))
	}
	return out
}

// integrationTotal is the sum of a key's integrations' requestCounts.
func integrationTotal(t *testing.T, store *DB, keyID string) int {
	t.Helper()
	usage, err := store.UsageByKeys(context.Background(), []string{keyID})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, u := range usage[keyID] {
		total += u.RequestCount
	}
	return total
}

// A batch retried with its flush id (its first commit's answer was lost)
// adds nothing to the daily rows either, and a batch that spans midnight
// counts each increment on the day its requests were admitted.
func TestDailyUsageIsWrittenOnceWithItsFlush(t *testing.T) {
	noon := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	eachDatabaseAt(t, noon, func(t *testing.T, store *DB, _ *clockwork.FakeClock) {
		ctx := context.Background()
		keyID := newUsageKey(t, store)
		midnight := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
		before, after := midnight.Add(-time.Microsecond), midnight
		batch := []UsageIncrement{
			{APIKeyID: keyID, Integration: "Zapier", Requests: 3, FirstUsedAt: before.Add(-time.Minute), LastUsedAt: before},
			// The same pair after midnight: the recorder keeps it apart.
			{APIKeyID: keyID, Integration: "Zapier", Requests: 2, FirstUsedAt: after, LastUsedAt: after.Add(time.Minute)},
			{APIKeyID: keyID, Integration: "Make", Requests: 4, FirstUsedAt: after, LastUsedAt: after},
		}
		for range 2 {
			if err := store.RecordUsage(ctx, "flush_1", batch); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"2026-12-02=0", "2026-12-03=3", "2026-12-04=6"}
		if got := lastDays(t, store, keyID, 3); !slices.Equal(got, want) {
			t.Fatalf("after a batch and its retry: %v, want %v", got, want)
		}
		if total := integrationTotal(t, store, keyID); total != 9 {
			t.Fatalf("integrations counted %d, want 9 as the days do", total)
		}
		if err := store.RecordUsage(ctx, "flush_2", batch); err != nil {
			t.Fatal(err)
		}
		want = []string{"2026-12-02=0", "2026-12-03=6", "2026-12-04=12"}
		if got := lastDays(t, store, keyID, 3); !slices.Equal(got, want) {
			t.Fatalf("after a second batch: %v, want %v", got, want)
		}
		if total := integrationTotal(t, store, keyID); total != 18 {
			t.Fatalf("integrations counted %d, want 18 as the days do", total)
		}
	})
}

// The first flush of each UTC day deletes the days that are no longer
// kept, and only those.
func TestDailyUsagePrunesDaysNoLongerKept(t *testing.T) {
	noon := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	eachDatabaseAt(t, noon, func(t *testing.T, store *DB, clock *clockwork.FakeClock) {
		ctx := context.Background()
		keyID := newUsageKey(t, store)
		daysAgo := func(n, requests int) UsageIncrement {
			at := clock.Now().AddDate(0, 0, -n)
			return UsageIncrement{APIKeyID: keyID, Integration: "A", Requests: requests, FirstUsedAt: at, LastUsedAt: at}
		}
		oldest, next := model.MaxDailyUsageDays-1, model.MaxDailyUsageDays-2
		if err := store.RecordUsage(ctx, "flush_1", []UsageIncrement{daysAgo(oldest, 1), daysAgo(next, 2), daysAgo(0, 3)}); err != nil {
			t.Fatal(err)
		}
		kept := lastDays(t, store, keyID, model.MaxDailyUsageDays)
		if kept[0] != "2026-09-06=1" || kept[1] != "2026-09-07=2" || kept[89] != "2026-12-04=3" {
			t.Fatalf("kept days start %v and end %v", kept[:2], kept[89])
		}

		clock.Advance(24 * time.Hour)
		if err := store.RecordUsage(ctx, "flush_2", []UsageIncrement{daysAgo(0, 4)}); err != nil {
			t.Fatal(err)
		}
		var stored []int
		if err := store.gorm.Raw("SELECT request_count FROM daily_usages WHERE api_key_id = ? ORDER BY day", keyID).Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if want := []int{2, 3, 4}; !slices.Equal(stored, want) {
			t.Fatalf("stored counts %v, want %v: the day 90 days back pruned, the others kept", stored, want)
		}
		kept = lastDays(t, store, keyID, model.MaxDailyUsageDays)
		if kept[0] != "2026-09-07=2" || kept[88] != "2026-12-04=3" || kept[89] != "2026-12-05=4" {
			t.Fatalf("kept days start %v and end %v", kept[0], kept[88:])
		}
	})
}

// A flush's names and times reach the database as they were counted:
// integration names with the characters an array literal quotes or
// escapes, and instants to the microsecond, on both sides of the epoch's
// microsecond arithmetic (PostgreSQL's flush sends them as text).
func TestRecordUsageKeepsNamesAndInstants(t *testing.T) {
	eachDatabase(t, func(t *testing.T, store *DB) {
		keyID := newUsageKey(t, store)
		names := []string{`quote"d`, `back\slash`, `a,b`, `{braces}`, `NULL`, ` spaced `, `""`, `\"`, `plain`}
		// Today (days before those kept are not shown), and a whole number
		// of microseconds, as the recorder counts them.
		first := time.Now().UTC().Truncate(time.Second).Add(123456 * time.Microsecond)
		var incs []UsageIncrement
		for i, name := range names {
			at := first.Add(time.Duration(i) * 1001 * time.Microsecond)
			incs = append(incs, UsageIncrement{APIKeyID: keyID, Integration: name, Requests: i + 1, FirstUsedAt: at, LastUsedAt: at.Add(time.Second + time.Microsecond)})
		}
		for round := range 2 { // an insert, then an update of every row
			if err := store.RecordUsage(context.Background(), fmt.Sprintf("flush-%d", round), incs); err != nil {
				t.Fatal(err)
			}
		}
		usage, err := store.UsageByKeys(context.Background(), []string{keyID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*model.IntegrationUsage{}
		for _, u := range usage[keyID] {
			got[u.Integration] = u
		}
		if len(got) != len(names) {
			t.Fatalf("%d rows, want %d: %v", len(got), len(names), got)
		}
		for i, inc := range incs {
			u := got[inc.Integration]
			if u == nil {
				t.Fatalf("no row for %q; rows: %v", inc.Integration, got)
			}
			if u.RequestCount != 2*inc.Requests || !u.FirstUsedAt.Equal(inc.FirstUsedAt) || !u.LastUsedAt.Equal(inc.LastUsedAt) {
				t.Errorf("%d %q: %d requests, %v to %v; want %d, %v to %v", i, inc.Integration,
					u.RequestCount, u.FirstUsedAt, u.LastUsedAt, 2*inc.Requests, inc.FirstUsedAt, inc.LastUsedAt)
			}
		}
		want := 0
		for _, inc := range incs {
			want += 2 * inc.Requests
		}
		kept, err := store.DailyUsageByKeys(context.Background(), []string{keyID})
		if err != nil {
			t.Fatal(err)
		}
		var days []string
		for _, d := range kept[keyID] {
			if d.RequestCount != 0 {
				days = append(days, fmt.Sprintf("%s=%d", d.Date, d.RequestCount))
			}
		}
		if wantDays := []string{fmt.Sprintf("%s=%d", first.Format(time.DateOnly), want)}; !slices.Equal(days, wantDays) {
			t.Errorf("daily rows %v, want %v", days, wantDays)
		}
	})
}

// Each flush reuses the last one's working memory: keys, integrations and
// rows by position. A flush whose keys and names come in another order,
// fewer, and with a pair split across two days, still counts each pair on
// its own key and integration and each day on its own.
func TestConsecutiveFlushesCountEachPairOnItsOwn(t *testing.T) {
	eachDatabase(t, func(t *testing.T, store *DB) {
		ctx := context.Background()
		signUp, err := store.SignUp(ctx, SignUp{AccountName: "Usage", Name: "U", Email: "u@example.test", Password: "password123", WebSession: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, name := range []string{"A", "B"} {
			key, _, err := store.CreateAPIKey(ctx, sessionActor(t, store, signUp.SessionToken), name)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, key.ID)
		}
		a, b := ids[0], ids[1]
		now := time.Now().UTC().Truncate(time.Microsecond)
		yesterday := now.Add(-24 * time.Hour)
		inc := func(key, name string, n int, at time.Time) UsageIncrement {
			return UsageIncrement{APIKeyID: key, Integration: name, Requests: n, FirstUsedAt: at, LastUsedAt: at.Add(time.Millisecond)}
		}
		flushes := [][]UsageIncrement{
			{inc(a, "alpha", 1, now), inc(a, "beta", 2, now), inc(b, "beta", 3, now)},
			{inc(b, "gamma", 4, now), inc(b, "beta", 5, yesterday), inc(a, "gamma", 6, now), inc(b, "beta", 7, now)},
			{inc(a, "alpha", 8, now)},
		}
		for i, incs := range flushes {
			if err := store.RecordUsage(ctx, fmt.Sprintf("flush-%d", i), incs); err != nil {
				t.Fatal(err)
			}
		}
		usage, err := store.UsageByKeys(ctx, []string{a, b})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, key := range []string{a, b} {
			for _, u := range usage[key] {
				got = append(got, fmt.Sprintf("%s/%s=%d %s..%s", map[string]string{a: "a", b: "b"}[key], u.Integration, u.RequestCount,
					u.FirstUsedAt.UTC().Format(time.RFC3339Nano), u.LastUsedAt.UTC().Format(time.RFC3339Nano)))
			}
		}
		slices.Sort(got)
		span := func(from, to time.Time) string {
			return from.Format(time.RFC3339Nano) + ".." + to.Add(time.Millisecond).Format(time.RFC3339Nano)
		}
		want := []string{
			"a/alpha=9 " + span(now, now), "a/beta=2 " + span(now, now), "a/gamma=6 " + span(now, now),
			"b/beta=15 " + span(yesterday, now), "b/gamma=4 " + span(now, now),
		}
		if !slices.Equal(got, want) {
			t.Errorf("integration rows\n%v\nwant\n%v", got, want)
		}
		day := func(at time.Time, n int) string { return fmt.Sprintf("%s=%d", at.Format(time.DateOnly), n) }
		if got, want := lastDays(t, store, a, 2), []string{day(yesterday, 0), day(now, 17)}; !slices.Equal(got, want) {
			t.Errorf("key a's days %v, want %v", got, want)
		}
		if got, want := lastDays(t, store, b, 2), []string{day(yesterday, 5), day(now, 14)}; !slices.Equal(got, want) {
			t.Errorf("key b's days %v, want %v", got, want)
		}
	})
}
