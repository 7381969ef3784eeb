package graph_test

import (
	"strings"
	"testing"
	"time"

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
		owner, _ := keysWithUsage(t, e, "Fast Path", "zapier", `quote " and \ backslash`, "tab\tnewline\n", "ünïcödé ✓", "<script>")
		for _, query := range []string{
			`{ apiKeys { nodes { name usageByIntegration { integration firstUsedAt lastUsedAt requestCount } } } }`,
			`query($skip: Boolean!) { apiKeys { edges { node { usageByIntegration {
				__typename n: requestCount integration n: requestCount ...F
				hidden: integration @skip(if: $skip) shown: integration @include(if: true) } } } } }
			fragment F on IntegrationUsage { last: lastUsedAt integration }`,
		} {
			fast, generated := answersBothWays(t, e, graph.SetUsageRowsFastPath,
				testkit.Request{Auth: testkit.Bearer(owner.Token), Query: query, Variables: map[string]any{"skip": true}}, false)
			if fast != generated {
				t.Fatalf("the fast path answers\n%s\nthe generated path\n%s", fast, generated)
			}
			if !strings.Contains(fast, `quote \" and \\ backslash`) || strings.Count(fast, `"integration"`) < 5 {
				t.Fatalf("answer lacks the usage rows: %s", fast)
			}
		}
	})
}
