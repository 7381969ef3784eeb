package graph_test

import (
	"strings"
	"testing"

	"github.com/keyfob/keyfob/graph"
	"github.com/keyfob/keyfob/internal/testkit"
)

// TestUserFieldsFastPathAnswersAsGenerated holds the hand-written
// marshaller of a user's plain fields, and the viewer resolved without
// gqlgen's field machinery, to the generated ones, byte for byte:
// a key's viewer and a session's, aliases, repeated fields, __typename,
// fragments, skipped fields, a name that needs escaping, a key's owner in
// a list, and selections the fast path leaves to the generated one.
func TestUserFieldsFastPathAnswersAsGenerated(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		// The owner's name needs escaping in JSON.
		data := e.MustDo(t, testkit.Request{
			Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
			Variables: map[string]any{"in": map[string]any{"accountName": "Fast Path", "name": `Owner of Fast "Path" \ ünï`,
				"email": testkit.UniqueEmail("fast-path"), "password": "correct horse battery"}},
		})
		owner := &testkit.User{Token: testkit.Dig(data, "signUp", "token").(string)}
		_, secret := e.CreateKey(t, owner, "fast")
		for _, query := range []string{
			`{ viewer { id } }`,
			`{ viewer { id a: id id __typename role name email } }`,
			`query($skip: Boolean!) { viewer { __typename n: name id email role id ...F
				hidden: email @skip(if: $skip) shown: id @include(if: true) } }
			fragment F on User { e: email name }`,
			`{ viewer { id apiAccess signedUpAt } }`,
			`{ apiKeys { nodes { name owner { id name role } } } }`,
		} {
			for _, auth := range []string{testkit.Bearer(secret), testkit.Bearer(owner.Token)} {
				if strings.Contains(query, "apiKeys") && auth == testkit.Bearer(secret) {
					continue // a key does not list keys
				}
				fast, generated := answersBothWays(t, e, graph.SetUserFieldsFastPath,
					testkit.Request{Auth: auth, Query: query, Variables: map[string]any{"skip": true}}, false)
				if fast != generated {
					t.Fatalf("%s: the fast path answers\n%s\nthe generated path\n%s", query, fast, generated)
				}
				if !strings.Contains(fast, `"id":"`) {
					t.Fatalf("%s: answer lacks the user: %s", query, fast)
				}
				if strings.Contains(query, "n: name") && !strings.Contains(fast, `Owner of Fast \"Path\" \\ ünï`) {
					t.Fatalf("answer lacks the escaped name: %s", fast)
				}
			}
		}
		// Without an actor the viewer's error names its path: the fast
		// path leaves it to the generated one.
		fast, generated := answersBothWays(t, e, graph.SetUserFieldsFastPath, testkit.Request{Query: `{ viewer { id } }`}, true)
		if fast != generated || !strings.Contains(fast, `"path":["viewer"]`) {
			t.Fatalf("anonymous viewer: the fast path answers\n%s\nthe generated path\n%s", fast, generated)
		}
	})
}
