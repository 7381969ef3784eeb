package playground

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/playground"
)

// The examples do what their comments say against a real server, run in
// the order of their tabs as an admin would: each placeholder id is
// replaced by the real one, and every example must answer without an
// error. Validation against the schema (playground/examples_test.go)
// cannot tell that, say, DeleteKey's variables point at the key.
func TestExamplesRunAgainstTheServer(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Examples")
		e.PowerUp(t, owner.AccountID, true) // setUserApiAccess needs it
		agent := e.CreateUser(t, owner, "AGENT")
		var keyID string
		ran := map[string]bool{}
		for _, ex := range playground.Examples() {
			vars := map[string]any{}
			if ex.Variables != "" {
				text := strings.ReplaceAll(ex.Variables, `"<id from ListKeys>"`, mustJSON(t, keyID))
				text = strings.ReplaceAll(text, `"<id of the user>"`, mustJSON(t, agent.ID))
				if strings.Contains(text, `"<`) {
					t.Fatalf("%s: a placeholder this test does not know: %s", ex.File, text)
				}
				if err := json.Unmarshal([]byte(text), &vars); err != nil {
					t.Fatal(err)
				}
			}
			data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: ex.Query, Variables: vars})
			for field := range data {
				ran[field] = true
			}
			if id, ok := testkit.Dig(data, "createApiKey", "apiKey", "id").(string); ok {
				keyID = id
			}
		}
		if keyID == "" {
			t.Fatal("no example created a key")
		}
		for _, field := range []string{"viewer", "apiKeys", "createApiKey", "updateApiKey", "rollApiKey", "apiKey", "deleteApiKey", "setUserApiAccess", "auditEvents"} {
			if !ran[field] {
				t.Errorf("no example ran %s", field)
			}
		}
		events := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ auditEvents(first: 100) { nodes { action apiKeyId } } }`})
		seen := map[string]bool{}
		for _, n := range testkit.Dig(events, "auditEvents", "nodes").([]any) {
			if id, _ := testkit.Dig(n, "apiKeyId").(string); id == keyID {
				seen[testkit.Dig(n, "action").(string)] = true
			}
		}
		for _, action := range []string{"API_KEY_CREATED", "API_KEY_UPDATED", "API_KEY_ROLLED", "API_KEY_DELETED"} {
			if !seen[action] {
				t.Errorf("the examples' key has no %s event: %v", action, seen)
			}
		}
		if resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `query($id: ID!) { apiKey(id: $id) { id } }`, Variables: map[string]any{"id": keyID}}); testkit.Dig(resp.Data, "apiKey") != nil {
			t.Errorf("DeleteKey left the key: %s", resp.Body)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
