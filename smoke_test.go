package main

import "testing"

func TestSmoke(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testEnv) {
		owner := e.SignUp(t, "Acme")
		_, secret := e.CreateKey(t, owner, "Zapier")
		data := e.MustDo(t, request{Auth: Bearer(secret), Headers: map[string]string{"X-System": "Zapier"}, Query: `{ viewer { id } apiKeys { totalCount } }`})
		if dig(data, "viewer", "id") != owner.ID {
			t.Fatalf("viewer = %v", data)
		}
	})
}
