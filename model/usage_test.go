package model

import (
	"testing"
	"time"
)

func TestDailyUsageDays(t *testing.T) {
	for _, days := range []int{1, 30, MaxDailyUsageDays} {
		if n, err := DailyUsageDays(&days); err != nil || n != days {
			t.Errorf("days %d: %d %v", days, n, err)
		}
	}
	for _, days := range []int{0, -1, MaxDailyUsageDays + 1} {
		if _, err := DailyUsageDays(&days); ErrorCode(err) != CodeBadUserInput {
			t.Errorf("days %d: %v, want BAD_USER_INPUT", days, err)
		}
	}
	if _, err := DailyUsageDays(nil); ErrorCode(err) != CodeBadUserInput {
		t.Errorf("days null: %v, want BAD_USER_INPUT", err)
	}
}

// A request counts on the UTC day it was admitted, whatever the zone the
// time is written in.
func TestUsageDay(t *testing.T) {
	midnight := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*60*60)
	cases := []struct {
		at   time.Time
		date string
	}{
		{midnight.Add(-time.Nanosecond), "2026-12-04"},
		{midnight, "2026-12-05"},
		{midnight.Add(24*time.Hour - time.Nanosecond), "2026-12-05"},
		{midnight.In(tokyo), "2026-12-05"},
		{midnight.Add(-time.Hour).In(tokyo), "2026-12-04"},
	}
	for _, c := range cases {
		if got := UsageDate(UsageDay(c.at)); got != c.date {
			t.Errorf("%v counts on %s, want %s", c.at, got, c.date)
		}
	}
}

func TestKeptDailyUsage(t *testing.T) {
	today := UsageDay(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	first := FirstKeptUsageDay(today)
	days := KeptDailyUsage(KeptUsageDates(first), first, map[int64]int{first: 1, today - 1: 2, today: 3})
	if len(days) != MaxDailyUsageDays {
		t.Fatalf("%d days, want %d", len(days), MaxDailyUsageDays)
	}
	for i, want := range map[int]DailyUsage{
		0:                     {"2026-09-06", 1},
		1:                     {"2026-09-07", 0},
		MaxDailyUsageDays - 2: {"2026-12-03", 2},
		MaxDailyUsageDays - 1: {"2026-12-04", 3},
	} {
		if *days[i] != want {
			t.Errorf("day %d is %+v, want %+v", i, *days[i], want)
		}
	}
}
