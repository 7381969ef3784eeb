package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/graph"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// TestUsageRowsFastPathAnswersAsGenerated holds the hand-written
// marshaller of usage rows to the generated one, byte for byte: aliases,
// repeated fields, __typename, fragments, skipped fields, names that need
// escaping, times with and without fractions, a key without usage.
func TestUsageRowsFastPathAnswersAsGenerated(t *testing.T) {
	testkit.ForEachDBConfigured(t, func(c *config.Config) { c.UsageFlush = time.Hour }, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Fast Path")
		used, _ := e.CreateKey(t, owner, "used")
		e.CreateKey(t, owner, "never used")
		at := time.Date(2026, 12, 4, 10, 11, 12, 0, time.UTC)
		var incs []db.UsageIncrement
		for i, name := range []string{"zapier", `quote " and \ backslash`, "tab\tnewline\n", "ünïcödé ✓", "<script>"} {
			incs = append(incs, db.UsageIncrement{APIKeyID: used, Integration: name, Requests: 1000*i + 7,
				FirstUsedAt: at.Add(time.Duration(i) * 123456 * time.Microsecond), LastUsedAt: at.Add(time.Duration(i) * time.Hour)})
		}
		if err := e.Store.RecordUsage(t.Context(), credential.NewID("flush"), incs); err != nil {
			t.Fatal(err)
		}
		for _, query := range []string{
			`{ apiKeys { nodes { name usageByIntegration { integration firstUsedAt lastUsedAt requestCount } } } }`,
			`query($skip: Boolean!) { apiKeys { edges { node { usageByIntegration {
				__typename n: requestCount integration n: requestCount ...F
				hidden: integration @skip(if: $skip) shown: integration @include(if: true) } } } } }
			fragment F on IntegrationUsage { last: lastUsedAt integration }`,
		} {
			answer := func(fast bool) string {
				graph.SetUsageRowsFastPath(fast)
				defer graph.SetUsageRowsFastPath(true)
				resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: query, Variables: map[string]any{"skip": true}})
				if resp.Status != 200 || len(resp.Errors) > 0 {
					t.Fatalf("%d %s", resp.Status, resp.Body)
				}
				return resp.Body
			}
			fast, generated := answer(true), answer(false)
			if fast != generated {
				t.Fatalf("the fast path answers\n%s\nthe generated path\n%s", fast, generated)
			}
			if !strings.Contains(fast, `quote \" and \\ backslash`) || strings.Count(fast, `"integration"`) < 5 {
				t.Fatalf("answer lacks the usage rows: %s", fast)
			}
		}
	})
}
