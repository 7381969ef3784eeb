package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/graph"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// An ApiKey's owner, usage rows and last use, read with the key by the
// list's statement, are resolved in line; read on its own, a key's are
// resolved on goroutines as gqlgen does. Either way the answer is the one
// gqlgen's concurrent path gives, byte for byte: in a list by nodes and by
// edges, for a key without usage, and for one key asked for by id.
func TestKeyFieldsInLineAnswerAsConcurrent(t *testing.T) {
	testkit.ForEachDBConfigured(t, func(c *config.Config) { c.UsageFlush = time.Hour }, func(t *testing.T, e *testkit.Env) {
		owner, used := keysWithUsage(t, e, "In Line", "Zapier", "Mailchimp")
		for _, query := range []string{
			`{ apiKeys { totalCount nodes { id name lastUsedAt owner { name role } usageByIntegration { integration requestCount lastUsedAt } } } }`,
			`{ apiKeys { edges { cursor node { lastUsedAt status u: usageByIntegration { integration } owner { id } o: owner { email } } } } }`,
			`{ apiKey(id: "` + used + `") { name lastUsedAt owner { name } usageByIntegration { integration requestCount } } }`,
		} {
			inLine, concurrent := answersBothWays(t, e, graph.SetKeyFieldsInLine, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: query}, false)
			if inLine != concurrent {
				t.Fatalf("%s: in line answers\n%s\nconcurrently\n%s", query, inLine, concurrent)
			}
			if !strings.Contains(inLine, `"Mailchimp"`) || !strings.Contains(inLine, `"lastUsedAt":"2026-12-04T11:11:12Z"`) {
				t.Fatalf("%s: answer lacks the usage: %s", query, inLine)
			}
		}
	})
}
