package api

import (
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/internal/testkit"
)

// Requests ten seconds before midnight UTC and ten seconds after, flushed
// together after both: each counts on the day it was admitted, not on the
// flush's, and the days add up to the integrations' requestCount.
func TestDailyUsageCountsTheDayOfAdmission(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			midnight := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
			clock := clockwork.NewFakeClockAt(midnight.Add(-10 * time.Second))
			e := testkit.NewEnvAt(t, kind, clock, nil)
			owner := e.SignUp(t, "Night Shift")
			keyID, secret := e.CreateKey(t, owner, "Nightly")
			use := func(n int, system string) {
				for range n {
					e.MustDo(t, testkit.Request{Auth: testkit.Bearer(secret), Headers: map[string]string{"X-System": system}, Query: `{ viewer { id } }`})
				}
			}
			use(3, "Zapier")
			use(1, "Make")
			clock.Advance(20 * time.Second)
			use(2, "Zapier")
			e.FlushUsage(t)

			day := func(n int) string { return midnight.AddDate(0, 0, n).Format(time.DateOnly) }
			dates, counts, requestCount := e.DailyUsage(t, testkit.Bearer(owner.Token), keyID, 3)
			if want := []string{day(-2), day(-1), day(0)}; !slices.Equal(dates, want) {
				t.Errorf("dates %v, want %v: oldest first, today (UTC) last", dates, want)
			}
			if want := []int{0, 4, 2}; !slices.Equal(counts, want) {
				t.Errorf("counts %v, want %v: 4 before midnight, 2 after", counts, want)
			}
			if requestCount != 6 {
				t.Errorf("the integrations counted %d requests, want 6 as the days do", requestCount)
			}
		})
	}
}

// dailyUsage answers one entry per day, today last and zero where nothing
// was used; days defaults to 30.
func TestDailyUsageShape(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			e := testkit.NewEnvAt(t, kind, clockwork.NewFakeClockAt(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)), nil)
			owner := e.SignUp(t, "Daily")
			keyID, secret := e.CreateKey(t, owner, "Used today")
			idleID, _ := e.CreateKey(t, owner, "Idle")
			for range 5 {
				e.MustDo(t, testkit.Request{Auth: testkit.Bearer(secret), Query: `{ viewer { id } }`})
			}
			e.FlushUsage(t)
			auth := testkit.Bearer(owner.Token)

			data := e.MustDo(t, testkit.Request{Auth: auth, Query: `query($id: ID!) { apiKey(id: $id) { dailyUsage { date requestCount } } }`,
				Variables: map[string]any{"id": keyID}})
			var dates []string
			var counts []float64
			for _, d := range testkit.Dig(data, "apiKey", "dailyUsage").([]any) {
				dates = append(dates, testkit.Dig(d, "date").(string))
				counts = append(counts, testkit.Dig(d, "requestCount").(float64))
			}
			var want []string
			for day := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC); len(want) < 30; day = day.AddDate(0, 0, 1) {
				want = append(want, day.Format(time.DateOnly))
			}
			if !slices.Equal(dates, want) {
				t.Errorf("dates %v, want the 30 days to 2026-12-04, oldest first", dates)
			}
			if want := append(make([]float64, 29), 5); !slices.Equal(counts, want) {
				t.Errorf("counts %v, want 5 today and 0 on the days before", counts)
			}

			_, idle, requestCount := e.DailyUsage(t, auth, idleID, 90)
			if len(idle) != 90 || slices.ContainsFunc(idle, func(n int) bool { return n != 0 }) || requestCount != 0 {
				t.Errorf("an unused key's 90 days: %v (integrations %d), want 90 zeros", idle, requestCount)
			}
		})
	}
}

func TestDailyUsageDays(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Bounds")
		keyID, _ := e.CreateKey(t, owner, "Bounded")
		cases := []struct {
			days any
			want int // entries; 0 for BAD_USER_INPUT on days
		}{
			{1, 1}, {90, 90}, {0, 0}, {-1, 0}, {91, 0}, {1 << 30, 0}, {nil, 0},
		}
		for _, c := range cases {
			resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.DailyUsageQuery,
				Variables: map[string]any{"id": keyID, "days": c.days}})
			if c.want == 0 {
				if testkit.WantError(t, resp, "BAD_USER_INPUT", "days") && testkit.Dig(resp.Data, "apiKey") != nil {
					t.Errorf("days %v: the key is answered beside the error: %s", c.days, resp.Body)
				}
				continue
			}
			days, _ := testkit.Dig(resp.Data, "apiKey", "dailyUsage").([]any)
			if len(resp.Errors) > 0 || len(days) != c.want {
				t.Errorf("days %v: %d entries, want %d: %s", c.days, len(days), c.want, resp.Body)
			}
		}
	})
}

// A page of 100 keys with 90 days each is 9,000 entries: the query cost
// refuses it before it runs, while a week of each runs.
func TestDailyUsageCostRefusesNinetyDaysOfAFullPage(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Costly")
		e.CreateKey(t, owner, "Any")
		const page = `query($days: Int) { apiKeys(first: 100) { nodes { id dailyUsage(days: $days) { date requestCount } } } }`
		resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: page, Variables: map[string]any{"days": 90}})
		if testkit.WantError(t, resp, "COMPLEXITY_LIMIT_EXCEEDED", "") && resp.Data != nil {
			t.Errorf("a refused operation answered data: %s", resp.Body)
		}
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: page, Variables: map[string]any{"days": 7}})
		if n := len(testkit.Dig(data, "apiKeys", "nodes", 0, "dailyUsage").([]any)); n != 7 {
			t.Errorf("a week of each key: %d days, want 7", n)
		}
	})
}
