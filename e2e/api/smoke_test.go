package api

import (
	"testing"

	"github.com/keyfob/keyfob/internal/testkit"
)

func TestSmoke(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Acme")
		_, secret := e.CreateKey(t, owner, "Zapier")
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(secret), Headers: map[string]string{"X-System": "Zapier"}, Query: `{ viewer { id } apiKeys { totalCount } }`})
		if testkit.Dig(data, "viewer", "id") != owner.ID {
			t.Fatalf("viewer = %v", data)
		}
	})
}
