package testkit

import "testing"

// DailyUsage reads key id's last days days with auth: their dates and
// counts, oldest first, and the sum of the key's integrations'
// requestCount, which the days must add up to.
func (e *Env) DailyUsage(t testing.TB, auth, id string, days int) (dates []string, counts []int, requestCount int) {
	t.Helper()
	data := e.MustDo(t, Request{Auth: auth, Query: DailyUsageQuery, Variables: map[string]any{"id": id, "days": days}})
	if Dig(data, "apiKey") == nil {
		t.Fatalf("key %s not visible", id)
	}
	for _, d := range Dig(data, "apiKey", "dailyUsage").([]any) {
		dates = append(dates, Dig(d, "date").(string))
		counts = append(counts, int(Dig(d, "requestCount").(float64)))
	}
	for _, u := range Dig(data, "apiKey", "usageByIntegration").([]any) {
		requestCount += int(Dig(u, "requestCount").(float64))
	}
	return dates, counts, requestCount
}
