package model

import "time"

// A key's daily usage is kept for MaxDailyUsageDays UTC days, today
// included: dailyUsage asks for 1 to that many, and older days are pruned.
// The schema states both numbers as literals, which graph's tests hold to
// these; the query cost is priced with MaxDailyUsageDays.
const (
	MaxDailyUsageDays     = 90
	DefaultDailyUsageDays = 30
)

// DailyUsage is how many requests a key's integrations made on one UTC day.
type DailyUsage struct {
	Date         string // YYYY-MM-DD
	RequestCount int
}

// DailyUsageDays checks dailyUsage's `days` argument: 1 to
// MaxDailyUsageDays. An explicit null is as wrong as 0.
func DailyUsageDays(days *int) (int, error) {
	if days == nil || *days < 1 || *days > MaxDailyUsageDays {
		return 0, InvalidInput("days", "days must be between 1 and %d", MaxDailyUsageDays)
	}
	return *days, nil
}

const secondsPerDay = 24 * 60 * 60

// UsageDay numbers the UTC day a request admitted at counts on, from
// 1970-01-01. It is a division, cheap enough for every request.
func UsageDay(at time.Time) int64 { return at.Unix() / secondsPerDay }

// UsageDate is day as YYYY-MM-DD.
func UsageDate(day int64) string { return time.Unix(day*secondsPerDay, 0).UTC().Format(time.DateOnly) }

// FirstKeptUsageDay is the oldest day whose usage is kept on today.
func FirstKeptUsageDay(today int64) int64 { return today - (MaxDailyUsageDays - 1) }

// KeptDailyUsage lays counts (by UsageDay) out as every kept day from
// first, oldest first, with 0 for days without requests. dates names those
// days (KeptUsageDates), so that the keys of one list share its strings.
func KeptDailyUsage(dates []string, first int64, counts map[int64]int) []*DailyUsage {
	days := make([]DailyUsage, len(dates))
	out := make([]*DailyUsage, len(dates))
	for i, date := range dates {
		days[i] = DailyUsage{Date: date, RequestCount: counts[first+int64(i)]}
		out[i] = &days[i]
	}
	return out
}

// KeptUsageDates names the kept days from first, oldest first.
func KeptUsageDates(first int64) []string {
	dates := make([]string, MaxDailyUsageDays)
	for i := range dates {
		dates[i] = UsageDate(first + int64(i))
	}
	return dates
}
