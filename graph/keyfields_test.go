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

// An ApiKey's owner, usage rows and last use, read with the key by the
// list's statement, are resolved in line; read on its own, a key's are
// resolved on goroutines as gqlgen does. Either way the answer is the one
// gqlgen's concurrent path gives, byte for byte: in a list by nodes and by
// edges, for a key without usage, and for one key asked for by id.
func TestKeyFieldsInLineAnswerAsConcurrent(t *testing.T) {
	testkit.ForEachDBConfigured(t, func(c *config.Config) { c.UsageFlush = time.Hour }, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "In Line")
		used, _ := e.CreateKey(t, owner, "used")
		e.CreateKey(t, owner, "never used")
		at := time.Date(2026, 12, 4, 10, 11, 12, 0, time.UTC)
		incs := []db.UsageIncrement{
			{APIKeyID: used, Integration: "Zapier", Requests: 7, FirstUsedAt: at, LastUsedAt: at.Add(time.Hour)},
			{APIKeyID: used, Integration: "Mailchimp", Requests: 3, FirstUsedAt: at, LastUsedAt: at.Add(2 * time.Hour)},
		}
		if err := e.Store.RecordUsage(t.Context(), credential.NewID("flush"), incs); err != nil {
			t.Fatal(err)
		}
		for _, query := range []string{
			`{ apiKeys { totalCount nodes { id name lastUsedAt owner { name role } usageByIntegration { integration requestCount lastUsedAt } } } }`,
			`{ apiKeys { edges { cursor node { lastUsedAt status u: usageByIntegration { integration } owner { id } o: owner { email } } } } }`,
			`{ apiKey(id: "` + used + `") { name lastUsedAt owner { name } usageByIntegration { integration requestCount } } }`,
		} {
			answer := func(inLine bool) string {
				graph.SetKeyFieldsInLine(inLine)
				defer graph.SetKeyFieldsInLine(true)
				resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: query})
				if resp.Status != 200 || len(resp.Errors) > 0 {
					t.Fatalf("%d %s", resp.Status, resp.Body)
				}
				return resp.Body
			}
			inLine, concurrent := answer(true), answer(false)
			if inLine != concurrent {
				t.Fatalf("%s: in line answers\n%s\nconcurrently\n%s", query, inLine, concurrent)
			}
			if !strings.Contains(inLine, `"Mailchimp"`) || !strings.Contains(inLine, `"lastUsedAt":"2026-12-04T12:11:12Z"`) {
				t.Fatalf("%s: answer lacks the usage: %s", query, inLine)
			}
		}
	})
}
