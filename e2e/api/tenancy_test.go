package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/testkit"
)

const (
	apiKeyQuery = `query($id: ID!) { apiKey(id: $id) { id name last4 isDefault activeMobileSessions owner { id email } usageByIntegration { integration } } }`
)

func apiKeyByID(t *testing.T, e *testkit.Env, auth, id string) *testkit.Response {
	t.Helper()
	return e.Do(t, testkit.Request{Auth: auth, Query: apiKeyQuery, Variables: map[string]any{"id": id}})
}

func tryDeleteKey(t *testing.T, e *testkit.Env, auth, id string) *testkit.Response {
	t.Helper()
	return e.Do(t, testkit.Request{Auth: auth, Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": id}})
}

func createUserAs(t *testing.T, e *testkit.Env, auth, name, email, password, role string) *testkit.Response {
	t.Helper()
	return e.Do(t, testkit.Request{Auth: auth, Query: testkit.CreateUserMutation, Variables: map[string]any{"in": map[string]any{
		"name": name, "email": email, "password": password, "role": role}}})
}

func TestHiddenKeysAnswerLikeMissingOnes(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		a := testkit.NewTenantA(t, e)
		missingKey := credential.NewID("key")
		agent := testkit.Bearer(a.Agent.Token)

		missing := apiKeyByID(t, e, agent, missingKey)
		rename := func(id string) map[string]any {
			return map[string]any{"id": id, "name": "Hijacked", "access": "READ_ONLY"}
		}
		for _, id := range []string{a.OwnerKeyID, a.DefaultKeyID} {
			testkit.SameAnswer(t, "agent's apiKey(owner's key)", apiKeyByID(t, e, agent, id), missing)
			testkit.SameAnswer(t, "agent's deleteApiKey(owner's key)", tryDeleteKey(t, e, agent, id), tryDeleteKey(t, e, agent, missingKey))
			testkit.SameAnswer(t, "agent's updateApiKey(owner's key)", updateKey(t, e, agent, rename(id)), updateKey(t, e, agent, rename(missingKey)))
		}
		data := e.MustDo(t, testkit.Request{Auth: agent, Query: `{ apiKeys { totalCount nodes { id } } }`})
		if testkit.Dig(data, "apiKeys", "totalCount") != 1.0 || testkit.Dig(data, "apiKeys", "nodes", 0, "id") != a.AgentKeyID {
			t.Errorf("an agent's apiKeys = %v, want only its own key", data)
		}
		testkit.AssertCredentialWorks(t, e, testkit.Bearer(a.OwnerSecret), a.Owner.ID)
		testkit.AssertCredentialWorks(t, e, testkit.Bearer(a.MobileToken), a.Owner.ID) // the default key survived

		// Managers see and may delete a colleague's key (the control for the above).
		for _, m := range []*testkit.User{a.Owner, a.Admin} {
			resp := apiKeyByID(t, e, testkit.Bearer(m.Token), a.AgentKeyID)
			if testkit.Dig(resp.Data, "apiKey", "id") != a.AgentKeyID {
				t.Errorf("%s cannot see the agent's key: %s", m.Email, resp.Body)
			}
		}
		resp := tryDeleteKey(t, e, testkit.Bearer(a.Admin.Token), a.AgentKeyID)
		if testkit.Dig(resp.Data, "deleteApiKey", "deletedApiKeyId") != a.AgentKeyID || testkit.Dig(resp.Data, "deleteApiKey", "loggedOutMobileSessions") != 0.0 {
			t.Fatalf("admin deleteApiKey(agent's key): %s", resp.Body)
		}
		assertCredentialRefused(t, e, testkit.Bearer(a.AgentSecret))

		// A deleted key is gone for everyone, its owner included.
		for _, u := range []*testkit.User{a.Owner, a.Admin, a.Agent} {
			auth := testkit.Bearer(u.Token)
			testkit.SameAnswer(t, "apiKey(deleted key)", apiKeyByID(t, e, auth, a.AgentKeyID), apiKeyByID(t, e, auth, missingKey))
			testkit.SameAnswer(t, "deleteApiKey(deleted key)", tryDeleteKey(t, e, auth, a.AgentKeyID), tryDeleteKey(t, e, auth, missingKey))
		}
	})
}

func TestAccountUsersForManagersOnly(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Roster")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		_, ownerKey := e.CreateKey(t, owner, "Owner integration")
		_, agentKey := e.CreateKey(t, agent, "Agent integration")
		const q = `{ account { name users { id role } } }`

		for _, c := range []struct{ name, auth string }{
			{"owner", testkit.Bearer(owner.Token)}, {"admin", testkit.Bearer(admin.Token)}, {"owner's key", testkit.Bearer(ownerKey)},
		} {
			data := e.MustDo(t, testkit.Request{Auth: c.auth, Query: q})
			users, _ := testkit.Dig(data, "account", "users").([]any)
			roles := map[string]string{}
			for _, u := range users {
				roles[testkit.Dig(u, "id").(string)] = testkit.Dig(u, "role").(string)
			}
			want := map[string]string{owner.ID: "OWNER", admin.ID: "ADMIN", agent.ID: "AGENT"}
			if len(roles) != len(want) {
				t.Errorf("%s: account.users = %v, want %v", c.name, roles, want)
			}
			for id, r := range want {
				if roles[id] != r {
					t.Errorf("%s: role of %s = %q, want %q", c.name, id, roles[id], r)
				}
			}
		}

		for _, c := range []struct{ name, auth string }{
			{"agent", testkit.Bearer(agent.Token)}, {"agent's key", testkit.Bearer(agentKey)},
		} {
			resp := e.Do(t, testkit.Request{Auth: c.auth, Query: q})
			if resp.Status != http.StatusOK {
				t.Errorf("%s: status %d", c.name, resp.Status)
			}
			if testkit.Dig(resp.Data, "account", "name") != "Roster" {
				t.Errorf("%s: account.name = %v, want the account kept with only users nulled: %s", c.name, testkit.Dig(resp.Data, "account", "name"), resp.Body)
			}
			if users, present := resp.Data["account"].(map[string]any)["users"]; !present || users != nil {
				t.Errorf("%s: account.users = %v (present %v), want null: %s", c.name, users, present, resp.Body)
			}
			if len(resp.Errors) != 1 || !testkit.WantError(t, resp, "FORBIDDEN", "") {
				t.Errorf("%s: want one FORBIDDEN error: %s", c.name, resp.Body)
				continue
			}
			if p := resp.Errors[0].Path; len(p) != 2 || p[0] != "account" || p[1] != "users" {
				t.Errorf("%s: error path = %v, want [account users]", c.name, p)
			}
			for _, s := range []string{owner.ID, admin.ID, owner.Email, admin.Email} {
				if strings.Contains(resp.Body, s) {
					t.Errorf("%s: response shows %q: %s", c.name, s, resp.Body)
				}
			}
		}
	})
}

func TestCreateUserRules(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Hiring")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		_, ownerKey := e.CreateKey(t, owner, "Owner integration")
		other := e.SignUp(t, "Elsewhere")
		const pw = "a perfectly fine password"

		t.Run("owner and admin may add admins and agents", func(t *testing.T) {
			for _, m := range []*testkit.User{owner, admin} {
				for _, role := range []string{"ADMIN", "AGENT"} {
					email := testkit.UniqueEmail("new-" + strings.ToLower(role))
					resp := createUserAs(t, e, testkit.Bearer(m.Token), "New "+role, email, pw, role)
					if len(resp.Errors) > 0 || testkit.Dig(resp.Data, "createUser", "user", "role") != role || testkit.Dig(resp.Data, "createUser", "user", "email") != email {
						t.Errorf("createUser(%s) by %s: %s", role, m.Email, resp.Body)
						continue
					}
					e.LogIn(t, email, pw, "WEB") // the new user can sign in
				}
			}
		})

		refused := []struct {
			name, auth, email, role, code, field string
		}{
			{"by an agent", testkit.Bearer(agent.Token), testkit.UniqueEmail("x"), "AGENT", "FORBIDDEN", ""},
			{"by an agent, as admin", testkit.Bearer(agent.Token), testkit.UniqueEmail("x"), "ADMIN", "FORBIDDEN", ""},
			{"by an API key", testkit.Bearer(ownerKey), testkit.UniqueEmail("x"), "AGENT", "FORBIDDEN", ""},
			{"a second owner, by the owner", testkit.Bearer(owner.Token), testkit.UniqueEmail("x"), "OWNER", "BAD_USER_INPUT", "role"},
			{"a second owner, by an admin", testkit.Bearer(admin.Token), testkit.UniqueEmail("x"), "OWNER", "BAD_USER_INPUT", "role"},
			{"an existing email upper-cased", testkit.Bearer(owner.Token), strings.ToUpper(agent.Email), "AGENT", "BAD_USER_INPUT", "email"},
			{"an existing email with spaces", testkit.Bearer(admin.Token), "  " + admin.Email + " ", "AGENT", "BAD_USER_INPUT", "email"},
			{"the owner's own email", testkit.Bearer(admin.Token), owner.Email, "ADMIN", "BAD_USER_INPUT", "email"},
			{"an email of another account", testkit.Bearer(owner.Token), strings.ToUpper(other.Email), "AGENT", "BAD_USER_INPUT", "email"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				before := e.RowCounts(t)
				resp := createUserAs(t, e, tc.auth, "Someone", tc.email, pw, tc.role)
				testkit.WantError(t, resp, tc.code, tc.field)
				if resp.Data["createUser"] != nil {
					t.Errorf("refused createUser returned a user: %s", resp.Body)
				}
				if after := e.RowCounts(t); after["users"] != before["users"] || after["accounts"] != before["accounts"] {
					t.Errorf("refused createUser wrote rows: %v -> %v", before, after)
				}
			})
		}

		t.Run("signUp with a registered email", func(t *testing.T) {
			for _, email := range []string{owner.Email, strings.ToUpper(agent.Email), " " + strings.ToUpper(other.Email)} {
				before := e.RowCounts(t)
				resp := e.Do(t, testkit.Request{Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
					Variables: map[string]any{"in": map[string]any{"accountName": "Copycat", "name": "Copy Cat", "email": email, "password": pw}}})
				testkit.WantError(t, resp, "BAD_USER_INPUT", "email")
				if strings.Contains(resp.Body, "kfs_") {
					t.Errorf("refused signUp returned a token: %s", resp.Body)
				}
				if after := e.RowCounts(t); after["users"] != before["users"] || after["accounts"] != before["accounts"] || after["sessions"] != before["sessions"] {
					t.Errorf("refused signUp(%q) wrote rows: %v -> %v", email, before, after)
				}
			}
		})

		t.Run("case folding beyond ASCII", func(t *testing.T) {
			email := "élodie-" + strings.TrimSuffix(testkit.UniqueEmail("x"), "@example.test")[2:] + "@example.test"
			resp := createUserAs(t, e, testkit.Bearer(owner.Token), "Élodie", email, pw, "AGENT")
			if len(resp.Errors) > 0 {
				t.Fatalf("createUser(%q): %s", email, resp.Body)
			}
			upper := strings.ToUpper(email)
			resp = createUserAs(t, e, testkit.Bearer(admin.Token), "Élodie again", upper, pw, "AGENT")
			testkit.WantError(t, resp, "BAD_USER_INPUT", "email")
			e.LogIn(t, upper, pw, "WEB") // log-in folds case the same way
		})
	})
}
