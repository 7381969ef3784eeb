package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// updateKey runs updateApiKey as the holder of auth with in as its input.
func updateKey(t *testing.T, e *testkit.Env, auth string, in map[string]any) *testkit.Response {
	t.Helper()
	return e.Do(t, testkit.Request{Auth: auth, Query: testkit.UpdateKeyMutation, Variables: map[string]any{"in": in}})
}

// keyFields reads a key's name, note and access as the holder of auth.
func keyFields(t *testing.T, e *testkit.Env, auth, id string) (name, note, access any) {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: auth, Query: `query($id: ID!) { apiKey(id: $id) { name note access } }`, Variables: map[string]any{"id": id}})
	return testkit.Dig(data, "apiKey", "name"), testkit.Dig(data, "apiKey", "note"), testkit.Dig(data, "apiKey", "access")
}

func TestCreateAPIKeyWithNoteAndAccess(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Noted")
		auth := testkit.Bearer(owner.Token)
		const create = `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id name note access } } }`
		cases := []struct {
			name        string
			in          map[string]any
			note, acc   any
			code, field string
		}{
			{"defaults", map[string]any{"name": "Plain"}, nil, "FULL", "", ""},
			{"note and read-only", map[string]any{"name": "Reader", "note": " Nightly export\nto the warehouse ", "access": "READ_ONLY"},
				"Nightly export\nto the warehouse", "READ_ONLY", "", ""},
			{"empty note is none", map[string]any{"name": "Empty note", "note": ""}, nil, "FULL", "", ""},
			{"null note is none", map[string]any{"name": "Null note", "note": nil}, nil, "FULL", "", ""},
			{"500-character note", map[string]any{"name": "Long note", "note": strings.Repeat("n", 500)}, strings.Repeat("n", 500), "FULL", "", ""},
			{"501-character note", map[string]any{"name": "Too long", "note": strings.Repeat("n", 501)}, nil, nil, "BAD_USER_INPUT", "note"},
			{"tab in the note", map[string]any{"name": "Tabbed", "note": "a\tb"}, nil, nil, "BAD_USER_INPUT", "note"},
			{"null access", map[string]any{"name": "Null access", "access": nil}, nil, nil, "BAD_USER_INPUT", "access"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.RowCounts(t)
				resp := e.Do(t, testkit.Request{Auth: auth, Query: create, Variables: map[string]any{"in": c.in}})
				if c.code != "" {
					testkit.WantError(t, resp, c.code, c.field)
					if after := e.RowCounts(t); after["api_keys"] != before["api_keys"] {
						t.Errorf("a refused create made a key: %d -> %d", before["api_keys"], after["api_keys"])
					}
					return
				}
				if len(resp.Errors) > 0 {
					t.Fatalf("createApiKey: %s", resp.Body)
				}
				key := testkit.Dig(resp.Data, "createApiKey", "apiKey")
				if testkit.Dig(key, "note") != c.note || testkit.Dig(key, "access") != c.acc {
					t.Errorf("created note %q, access %v; want %q, %v", testkit.Dig(key, "note"), testkit.Dig(key, "access"), c.note, c.acc)
				}
				if _, note, access := keyFields(t, e, auth, testkit.Dig(key, "id").(string)); note != c.note || access != c.acc {
					t.Errorf("read back note %q, access %v; want %q, %v", note, access, c.note, c.acc)
				}
			})
		}
	})
}

// updateApiKey changes what it is given and nothing else; the key keeps
// working throughout.
func TestUpdateAPIKey(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Renamer")
		auth := testkit.Bearer(owner.Token)
		id, secret := e.CreateKey(t, owner, "Zapier")
		longNote := strings.Repeat("é", 500)

		// Each step's input, then the key as it must read afterwards (or
		// the refusal, after which it must read as before).
		steps := []struct {
			name              string
			in                map[string]any
			wantName, wantAcc string
			wantNote          any
			code, field       string
		}{
			{"rename, trimmed", map[string]any{"name": "  Zapier (prod)  "}, "Zapier (prod)", "FULL", nil, "", ""},
			{"set a note", map[string]any{"note": "Posts leads\r\nfrom the web form"}, "Zapier (prod)", "FULL", "Posts leads\r\nfrom the web form", "", ""},
			{"change access only", map[string]any{"access": "READ_ONLY"}, "Zapier (prod)", "READ_ONLY", "Posts leads\r\nfrom the web form", "", ""},
			{"clear the note with an empty string", map[string]any{"note": ""}, "Zapier (prod)", "READ_ONLY", nil, "", ""},
			{"a 500-character note", map[string]any{"note": longNote}, "Zapier (prod)", "READ_ONLY", longNote, "", ""},
			{"clear the note with null", map[string]any{"note": nil}, "Zapier (prod)", "READ_ONLY", nil, "", ""},
			{"everything at once", map[string]any{"name": "Make", "note": "Line\u2028separated", "access": "FULL"}, "Make", "FULL", "Line\u2028separated", "", ""},
			{"nothing at all", map[string]any{}, "Make", "FULL", "Line\u2028separated", "", ""},
			{"a 501-character note", map[string]any{"note": strings.Repeat("é", 501)}, "", "", nil, "BAD_USER_INPUT", "note"},
			{"a control character in the note", map[string]any{"note": "bell\x07"}, "", "", nil, "BAD_USER_INPUT", "note"},
			{"a line break in the name", map[string]any{"name": "two\nlines"}, "", "", nil, "BAD_USER_INPUT", "name"},
			{"a blank name", map[string]any{"name": "   "}, "", "", nil, "BAD_USER_INPUT", "name"},
			{"null name", map[string]any{"name": nil}, "", "", nil, "BAD_USER_INPUT", "name"},
			{"null access", map[string]any{"access": nil}, "", "", nil, "BAD_USER_INPUT", "access"},
			{"null name beside a good note", map[string]any{"name": nil, "note": "never stored"}, "", "", nil, "BAD_USER_INPUT", "name"},
		}
		wantName, wantNote, wantAcc := "Zapier", any(nil), "FULL"
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				in := map[string]any{"id": id}
				for k, v := range s.in {
					in[k] = v
				}
				resp := updateKey(t, e, auth, in)
				if s.code == "" {
					if len(resp.Errors) > 0 {
						t.Fatalf("updateApiKey: %s", resp.Body)
					}
					wantName, wantNote, wantAcc = s.wantName, s.wantNote, s.wantAcc
					key := testkit.Dig(resp.Data, "updateApiKey", "apiKey")
					if testkit.Dig(key, "id") != id || testkit.Dig(key, "name") != wantName || testkit.Dig(key, "note") != wantNote || testkit.Dig(key, "access") != wantAcc {
						t.Errorf("payload %s, want %q / %q / %s", resp.Body, wantName, wantNote, wantAcc)
					}
					if testkit.Dig(key, "last4") != secret[len(secret)-4:] {
						t.Errorf("last4 changed: %v", testkit.Dig(key, "last4"))
					}
				} else {
					testkit.WantError(t, resp, s.code, s.field)
					if resp.Data["updateApiKey"] != nil {
						t.Errorf("a refused update answered a key: %s", resp.Body)
					}
				}
				if name, note, access := keyFields(t, e, auth, id); name != wantName || note != wantNote || access != wantAcc {
					t.Errorf("key reads %q / %q / %v, want %q / %q / %s", name, note, access, wantName, wantNote, wantAcc)
				}
				testkit.AssertCredentialWorks(t, e, testkit.Bearer(secret), owner.ID)
			})
		}

		t.Run("the list shows the change", func(t *testing.T) {
			data := e.MustDo(t, testkit.Request{Auth: auth, Query: `{ apiKeys { nodes { id name note access } } }`})
			node := testkit.Dig(data, "apiKeys", "nodes", 0)
			if testkit.Dig(node, "id") != id || testkit.Dig(node, "name") != wantName || testkit.Dig(node, "note") != wantNote || testkit.Dig(node, "access") != wantAcc {
				t.Errorf("apiKeys shows %v", node)
			}
		})
	})
}

// Who may update a key is who may delete it: its owner, or the account's
// OWNER or ADMINs. Anyone else gets exactly the answer for a key that does
// not exist, and the key stays as it was.
func TestUpdateAPIKeyPermissions(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Permits")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		colleague := e.CreateUser(t, owner, "AGENT")
		stranger := e.SignUp(t, "Outsiders")
		users := map[string]*testkit.User{"owner": owner, "admin": admin, "agent": agent, "colleague": colleague, "stranger": stranger}
		keys, secrets := map[string]string{}, map[string]string{}
		for who, u := range users {
			keys[who], secrets[who] = e.CreateKey(t, u, who+"'s key")
		}
		missing := credential.NewID("key")
		change := func(id string) map[string]any {
			return map[string]any{"id": id, "name": "Taken over", "note": "by someone", "access": "READ_ONLY"}
		}

		refused := []struct{ who, target string }{
			{"agent", "colleague"}, {"agent", "owner"}, {"agent", "admin"},
			{"stranger", "agent"}, {"stranger", "owner"}, {"owner", "stranger"}, {"admin", "stranger"},
		}
		for _, r := range refused {
			t.Run(r.who+" may not update "+r.target+"'s key", func(t *testing.T) {
				auth := testkit.Bearer(users[r.who].Token)
				want := updateKey(t, e, auth, change(missing))
				testkit.WantError(t, want, "NOT_FOUND", "")
				testkit.SameAnswer(t, "updateApiKey("+r.target+"'s key)", updateKey(t, e, auth, change(keys[r.target])), want)
				// The same answer as deleteApiKey gives.
				testkit.WantError(t, tryDeleteKey(t, e, auth, keys[r.target]), "NOT_FOUND", "")
				if name, note, access := keyFields(t, e, testkit.Bearer(users[r.target].Token), keys[r.target]); name != r.target+"'s key" || note != nil || access != "FULL" {
					t.Errorf("%s's key changed to %v / %v / %v", r.target, name, note, access)
				}
				testkit.AssertCredentialWorks(t, e, testkit.Bearer(secrets[r.target]), users[r.target].ID)
			})
		}

		t.Run("an API key may not update keys, not even its own", func(t *testing.T) {
			for _, target := range []string{"owner", "agent"} {
				testkit.WantError(t, updateKey(t, e, testkit.Bearer(secrets["owner"]), change(keys[target])), "FORBIDDEN", "")
			}
		})

		allowed := []struct{ who, target string }{
			{"agent", "agent"}, {"owner", "owner"}, {"admin", "agent"}, {"owner", "colleague"}, {"admin", "owner"}, {"admin", "admin"},
		}
		for _, a := range allowed {
			t.Run(a.who+" updates "+a.target+"'s key", func(t *testing.T) {
				name := a.who + " renamed " + a.target + "'s key"
				resp := updateKey(t, e, testkit.Bearer(users[a.who].Token), map[string]any{"id": keys[a.target], "name": name, "access": "READ_ONLY"})
				if len(resp.Errors) > 0 || testkit.Dig(resp.Data, "updateApiKey", "apiKey", "name") != name {
					t.Fatalf("updateApiKey: %s", resp.Body)
				}
				if got, _, access := keyFields(t, e, testkit.Bearer(users[a.target].Token), keys[a.target]); got != name || access != "READ_ONLY" {
					t.Errorf("the owner reads %v / %v", got, access)
				}
			})
		}
	})
}

// A createApiKey that does not select the secret is refused before
// anything is made: the secret would be lost for good.
func TestCreateAPIKeyRefusesASelectionWithoutTheSecret(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Guarded")
		auth := testkit.Bearer(owner.Token)
		auditEvents := func() float64 {
			data := e.MustDo(t, testkit.Request{Auth: auth, Query: `{ auditEvents { totalCount } }`})
			return testkit.Dig(data, "auditEvents", "totalCount").(float64)
		}
		// yes sets $yes for the documents that declare it.
		yes := func(query string, value bool) map[string]any {
			if !strings.Contains(query, "$yes") {
				return nil
			}
			return map[string]any{"yes": value}
		}
		refused := []struct{ name, query string }{
			{"only the key", `mutation { createApiKey(input: {name: "Lost"}) { apiKey { id last4 } } }`},
			{"only __typename", `mutation { createApiKey(input: {name: "Lost"}) { __typename } }`},
			{"secret skipped", `mutation { createApiKey(input: {name: "Lost"}) { secret @skip(if: true) apiKey { id } } }`},
			{"secret not included", `mutation($yes: Boolean!) { createApiKey(input: {name: "Lost"}) { secret @include(if: $yes) apiKey { id } } }`},
			{"secret in a skipped fragment", `mutation { createApiKey(input: {name: "Lost"}) { ...S @skip(if: true) apiKey { id } } } fragment S on CreateApiKeyPayload { secret }`},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				before, events := e.RowCounts(t), auditEvents()
				resp := e.Do(t, testkit.Request{Auth: auth, Query: c.query, Variables: yes(c.query, false)})
				if !testkit.WantError(t, resp, "BAD_USER_INPUT", "secret") {
					return
				}
				if msg := resp.Errors[0].Message; !strings.Contains(msg, "select secret") {
					t.Errorf("message %q does not tell the caller to select secret", msg)
				}
				if resp.Data["createApiKey"] != nil {
					t.Errorf("answered a key: %s", resp.Body)
				}
				if after := e.RowCounts(t); after["api_keys"] != before["api_keys"] {
					t.Errorf("keys %d -> %d: a key was made", before["api_keys"], after["api_keys"])
				}
				if n := auditEvents(); n != events {
					t.Errorf("audit events %v -> %v: something was recorded", events, n)
				}
			})
		}

		accepted := []struct{ name, query string }{
			{"secret", `mutation { createApiKey(input: {name: "Kept"}) { secret } }`},
			{"secret under an alias", `mutation { createApiKey(input: {name: "Kept"}) { copyMe: secret } }`},
			{"secret in a fragment", `mutation { createApiKey(input: {name: "Kept"}) { ...S } } fragment S on CreateApiKeyPayload { secret }`},
			{"secret in an inline fragment", `mutation { createApiKey(input: {name: "Kept"}) { ... on CreateApiKeyPayload { secret } } }`},
			{"secret included", `mutation($yes: Boolean!) { createApiKey(input: {name: "Kept"}) { secret @include(if: $yes) } }`},
		}
		for _, c := range accepted {
			t.Run(c.name, func(t *testing.T) {
				before := e.RowCounts(t)
				resp := e.Do(t, testkit.Request{Auth: auth, Query: c.query, Variables: yes(c.query, true)})
				if len(resp.Errors) > 0 || !strings.Contains(resp.Body, `"kf_`) {
					t.Fatalf("refused: %s", resp.Body)
				}
				if after := e.RowCounts(t); after["api_keys"] != before["api_keys"]+1 {
					t.Errorf("keys %d -> %d, want one more", before["api_keys"], after["api_keys"])
				}
			})
		}
	})
}

// API_KEY_UPDATED says what changed; an update that changes nothing
// records nothing.
func TestAuditKeyUpdated(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Audited Updates")
		agent := e.CreateUser(t, owner, "AGENT")
		id, secret := e.CreateKey(t, agent, "Mailchimp sync")
		key := func(name string) *keyRef { return &keyRef{id, name, secret[len(secret)-4:]} }
		event := func(detail, name string) wantEvent {
			return wantEvent{action: "API_KEY_UPDATED", actor: owner.ID, actorEmail: owner.Email, target: agent.ID, detail: detail, key: key(name), overHTTP: true}
		}
		updates := []map[string]any{
			{"name": "Mailchimp"},
			{"note": "Weekly newsletter"},
			{"access": "READ_ONLY"},
			{"name": " Mailchimp ", "note": "Weekly newsletter", "access": "READ_ONLY"}, // the values it has: no event
			{"name": "Mailchimp v2", "note": nil, "access": "FULL"},
		}
		for _, in := range updates {
			in["id"] = id
			auditDo(t, e, testkit.Bearer(owner.Token), testkit.UpdateKeyMutation, map[string]any{"in": in})
		}
		// Oldest first; each update is a transaction of its own.
		groups := [][]wantEvent{
			{event("name", "Mailchimp")},
			{event("note", "Mailchimp")},
			{event("access READ_ONLY", "Mailchimp")},
			{event("name, note, access FULL", "Mailchimp v2")},
		}
		log := auditLog(t, e, testkit.Bearer(owner.Token))
		// Before them: the sign-up, log-ins, the new user and the key.
		if len(log) < len(groups) {
			t.Fatalf("%d events, want at least %d", len(log), len(groups))
		}
		checkLog(t, log[:len(groups)], groups, auditTestUA)
	})
}

// An access change drops the key's cached verdict at once, as a deletion
// does, so that the very next request reads the key again: the cached
// actor carries the key, access included.
func TestAccessChangeDropsTheCachedKey(t *testing.T) {
	testkit.ForEachDBConfigured(t, func(c *config.Config) { c.UsageFlush = time.Hour }, func(t *testing.T, e *testkit.Env) {
		<-e.Server.Listening()
		owner := e.SignUp(t, "Recached")
		id, secret := e.CreateKey(t, owner, "Cached")
		statements := e.Store.CountStatements()
		verify := func() {
			t.Helper()
			if got := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
				t.Fatalf("verify: %d %s", got.Status, got.Body)
			}
		}
		verify()
		verify()
		statements.Store(0)
		verify()
		if n := statements.Load(); n != 0 {
			t.Fatalf("a warm verification ran %d statements: the cache is not in use", n)
		}
		if resp := updateKey(t, e, testkit.Bearer(owner.Token), map[string]any{"id": id, "access": "READ_ONLY"}); len(resp.Errors) > 0 {
			t.Fatalf("updateApiKey: %s", resp.Body)
		}
		statements.Store(0)
		verify()
		if n := statements.Load(); n != 1 {
			t.Errorf("the first verification after the access change ran %d statements, want 1: the key read again", n)
		}
	})
}
