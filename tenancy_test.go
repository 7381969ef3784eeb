package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
)

const (
	apiKeyQuery    = `query($id: ID!) { apiKey(id: $id) { id name last4 isDefault activeMobileSessions owner { id email } usageByIntegration { integration } } }`
	deleteKeyQuery = `mutation($in: DeleteApiKeyInput!) { deleteApiKey(input: $in) { deletedApiKeyId loggedOutMobileSessions } }`
	createUserMut  = `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id email role apiAccess } } }`
)

func apiKeyByID(t *testing.T, e *testEnv, auth, id string) *gqlResponse {
	t.Helper()
	return e.Do(t, request{Auth: auth, Query: apiKeyQuery, Variables: map[string]any{"id": id}})
}

func tryDeleteKey(t *testing.T, e *testEnv, auth, id string) *gqlResponse {
	t.Helper()
	return e.Do(t, request{Auth: auth, Query: deleteKeyQuery, Variables: map[string]any{"in": map[string]any{"id": id}}})
}

func createUserAs(t *testing.T, e *testEnv, auth, name, email, password, role string) *gqlResponse {
	t.Helper()
	return e.Do(t, request{Auth: auth, Query: createUserMut, Variables: map[string]any{"in": map[string]any{
		"name": name, "email": email, "password": password, "role": role}}})
}

// sameAnswer fails unless two responses are byte-for-byte the same answer.
func sameAnswer(t *testing.T, what string, got, missing *gqlResponse) {
	t.Helper()
	if got.Status != missing.Status || got.Body != missing.Body {
		t.Errorf("%s answers differently from a non-existent id:\n  got     %d %s\n  missing %d %s", what, got.Status, got.Body, missing.Status, missing.Body)
	}
}

// tenantA is an account whose ids another account aims at.
type tenantA struct {
	owner, admin, agent        *user
	ownerKeyID, ownerSecret    string
	agentKeyID, agentSecret    string
	defaultKeyID, defaultKey   string
	mobileToken                string
	keyIDs, userIDs, forbidden []string
}

// newTenantA signs up an account in 2021 (so its owner has a Default API Key
// bound to a mobile session) with an admin, an agent and a key each.
func newTenantA(t *testing.T, e *testEnv) *tenantA {
	t.Helper()
	a := &tenantA{}
	ownerEmail := uniqueEmail("alpha-owner")
	res, err := e.Store.SignUp(context.Background(), db.SignUp{
		AccountName: "Alpha Tenant Realty", Name: "Alpha Owner", Email: ownerEmail, Password: "alpha owner password",
		SignedUpAt: time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.DefaultKeySecret == "" {
		t.Fatal("an owner who signed up in June 2021 got no Default API Key")
	}
	a.defaultKey = res.DefaultKeySecret
	a.owner = &user{ID: res.User.ID, AccountID: res.Account.ID, Email: ownerEmail, Password: "alpha owner password"}
	a.owner.Token = e.LogIn(t, ownerEmail, a.owner.Password, "WEB")
	a.mobileToken = e.LogIn(t, ownerEmail, a.owner.Password, "MOBILE")
	a.admin = e.CreateUser(t, a.owner, "ADMIN")
	a.agent = e.CreateUser(t, a.owner, "AGENT")
	a.ownerKeyID, a.ownerSecret = e.CreateKey(t, a.owner, "alpha-owner-integration")
	a.agentKeyID, a.agentSecret = e.CreateKey(t, a.agent, "alpha-agent-integration")
	data := e.MustDo(t, request{Auth: Bearer(a.owner.Token), Query: `{ apiKeys { nodes { id isDefault activeMobileSessions } } }`})
	for _, k := range dig(data, "apiKeys", "nodes").([]any) {
		if dig(k, "isDefault") == true {
			a.defaultKeyID = dig(k, "id").(string)
			if dig(k, "activeMobileSessions") != 1.0 {
				t.Fatalf("A's default key has %v active mobile sessions, want 1", dig(k, "activeMobileSessions"))
			}
		}
	}
	if a.defaultKeyID == "" {
		t.Fatal("A's owner has no Default API Key in apiKeys")
	}
	a.keyIDs = []string{a.ownerKeyID, a.agentKeyID, a.defaultKeyID}
	a.userIDs = []string{a.owner.ID, a.admin.ID, a.agent.ID}
	a.forbidden = append(append([]string{a.owner.AccountID, "Alpha Tenant", "alpha-owner-integration", "alpha-agent-integration",
		a.owner.Email, a.admin.Email, a.agent.Email, a.defaultKey, a.ownerSecret, a.agentSecret}, a.keyIDs...), a.userIDs...)
	return a
}

// snapshot is everything A's owner sees of A, minus usage (which moves
// whenever A's keys authenticate).
func (a *tenantA) snapshot(t *testing.T, e *testEnv) string {
	t.Helper()
	return e.Do(t, request{Auth: Bearer(a.owner.Token), Query: `{
	  account { id name apiKeyRestriction users { id name email role apiAccess signedUpAt } }
	  apiKeys(first: 100) { totalCount nodes { id name last4 isDefault createdAt activeMobileSessions owner { id } } }
	}`}).Body
}

func TestTenantIsolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testEnv) {
		a := newTenantA(t, e)
		before := a.snapshot(t, e)
		data := e.MustDo(t, request{Auth: Bearer(a.owner.Token), Query: `{ apiKeys(first: 1) { pageInfo { endCursor } } }`})
		aCursor, _ := dig(data, "apiKeys", "pageInfo", "endCursor").(string)
		if aCursor == "" {
			t.Fatalf("no endCursor for A: %v", data)
		}

		ownerB := e.SignUp(t, "Bravo Tenant")
		adminB := e.CreateUser(t, ownerB, "ADMIN")
		agentB := e.CreateUser(t, ownerB, "AGENT")
		_, ownerKeyB := e.CreateKey(t, ownerB, "Bravo owner key")
		_, agentKeyB := e.CreateKey(t, agentB, "Bravo agent key")
		e.PowerUp(t, ownerB.AccountID, true) // so that setUserApiAccess gets as far as looking the user up

		missingKey := credential.NewID("key")
		missingUser := credential.NewID("user")

		callers := []struct {
			name    string
			auth    string
			session bool
			owner   bool
		}{
			{"B owner session", Bearer(ownerB.Token), true, true},
			{"B admin session", Bearer(adminB.Token), true, false},
			{"B agent session", Bearer(agentB.Token), true, false},
			{"B owner's API key (Bearer)", Bearer(ownerKeyB), false, true},
			{"B agent's API key (Basic)", Basic(agentKeyB, ""), false, false},
		}
		for _, c := range callers {
			t.Run(c.name, func(t *testing.T) {
				// apiKey: null without error, exactly like an id that does not exist.
				missing := apiKeyByID(t, e, c.auth, missingKey)
				if missing.Status != http.StatusOK || len(missing.Errors) > 0 || missing.Data["apiKey"] != nil {
					t.Fatalf("apiKey(non-existent) = %d %s, want null without error", missing.Status, missing.Body)
				}
				for _, id := range a.keyIDs {
					sameAnswer(t, "apiKey(A's key "+id+")", apiKeyByID(t, e, c.auth, id), missing)
				}

				// deleteApiKey: the same error as an id that does not exist.
				wantDelete := "NOT_FOUND"
				if !c.session {
					wantDelete = "FORBIDDEN" // keys may not manage keys at all
				}
				missingDel := tryDeleteKey(t, e, c.auth, missingKey)
				wantError(t, missingDel, wantDelete, "")
				for _, id := range a.keyIDs {
					sameAnswer(t, "deleteApiKey(A's key "+id+")", tryDeleteKey(t, e, c.auth, id), missingDel)
				}

				// setUserApiAccess: B's owner gets NOT_FOUND, everyone else FORBIDDEN,
				// whichever account the user is in.
				wantAccess := "FORBIDDEN"
				if c.session && c.owner {
					wantAccess = "NOT_FOUND"
				}
				for _, enabled := range []bool{false, true} {
					missingAcc := trySetAccess(t, e, c.auth, missingUser, enabled)
					wantError(t, missingAcc, wantAccess, "")
					for _, id := range a.userIDs {
						sameAnswer(t, "setUserApiAccess(A's user "+id+")", trySetAccess(t, e, c.auth, id, enabled), missingAcc)
					}
				}

				// Lists and the viewer never show anything of A, even after A's cursor.
				for _, q := range []request{
					{Query: `{ apiKeys(first: 100) { totalCount nodes { id name last4 owner { id email name account { id name } } } edges { cursor } } }`},
					{Query: `query($after: String) { apiKeys(first: 100, after: $after) { totalCount nodes { id name owner { id email } } } }`, Variables: map[string]any{"after": aCursor}},
					{Query: `{ account { id name users { id email name } } }`},
					{Query: `{ viewer { id email name account { id name users { id email } } } }`},
				} {
					q.Auth = c.auth
					resp := e.Do(t, q)
					assertNoLeak(t, resp)
					for _, s := range a.forbidden {
						if strings.Contains(resp.Body, s) {
							t.Errorf("%s shows A's %q: %s", q.Query, s, resp.Body)
						}
					}
					if resp.Status != http.StatusOK || resp.Data == nil {
						t.Errorf("%s: status %d: %s", q.Query, resp.Status, resp.Body)
					}
				}
			})
		}

		// A is untouched, and every credential of A still works.
		if after := a.snapshot(t, e); after != before {
			t.Errorf("A changed after B's attempts:\nbefore %s\nafter  %s", before, after)
		}
		assertCredentialWorks(t, e, Bearer(a.ownerSecret), a.owner.ID)
		assertCredentialWorks(t, e, Bearer(a.agentSecret), a.agent.ID)
		assertCredentialWorks(t, e, Basic(a.defaultKey, ""), a.owner.ID)
		assertCredentialWorks(t, e, Bearer(a.mobileToken), a.owner.ID)
		assertCredentialWorks(t, e, Bearer(a.admin.Token), a.admin.ID)
	})
}

// Within one account, a colleague's key is invisible to an AGENT, and a
// deleted key is invisible to everyone: both answer like a missing id.
func TestHiddenKeysAnswerLikeMissingOnes(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testEnv) {
		a := newTenantA(t, e)
		missingKey := credential.NewID("key")
		agent := Bearer(a.agent.Token)

		missing := apiKeyByID(t, e, agent, missingKey)
		for _, id := range []string{a.ownerKeyID, a.defaultKeyID} {
			sameAnswer(t, "agent's apiKey(owner's key)", apiKeyByID(t, e, agent, id), missing)
			sameAnswer(t, "agent's deleteApiKey(owner's key)", tryDeleteKey(t, e, agent, id), tryDeleteKey(t, e, agent, missingKey))
		}
		data := e.MustDo(t, request{Auth: agent, Query: `{ apiKeys { totalCount nodes { id } } }`})
		if dig(data, "apiKeys", "totalCount") != 1.0 || dig(data, "apiKeys", "nodes", 0, "id") != a.agentKeyID {
			t.Errorf("an agent's apiKeys = %v, want only its own key", data)
		}
		assertCredentialWorks(t, e, Bearer(a.ownerSecret), a.owner.ID)
		assertCredentialWorks(t, e, Bearer(a.mobileToken), a.owner.ID) // the default key survived

		// Managers see and may delete a colleague's key (the control for the above).
		for _, m := range []*user{a.owner, a.admin} {
			resp := apiKeyByID(t, e, Bearer(m.Token), a.agentKeyID)
			if dig(resp.Data, "apiKey", "id") != a.agentKeyID {
				t.Errorf("%s cannot see the agent's key: %s", m.Email, resp.Body)
			}
		}
		resp := tryDeleteKey(t, e, Bearer(a.admin.Token), a.agentKeyID)
		if dig(resp.Data, "deleteApiKey", "deletedApiKeyId") != a.agentKeyID || dig(resp.Data, "deleteApiKey", "loggedOutMobileSessions") != 0.0 {
			t.Fatalf("admin deleteApiKey(agent's key): %s", resp.Body)
		}
		assertCredentialRefused(t, e, Bearer(a.agentSecret))

		// A deleted key is gone for everyone, its owner included.
		for _, u := range []*user{a.owner, a.admin, a.agent} {
			auth := Bearer(u.Token)
			sameAnswer(t, "apiKey(deleted key)", apiKeyByID(t, e, auth, a.agentKeyID), apiKeyByID(t, e, auth, missingKey))
			sameAnswer(t, "deleteApiKey(deleted key)", tryDeleteKey(t, e, auth, a.agentKeyID), tryDeleteKey(t, e, auth, missingKey))
		}
	})
}

func TestAccountUsersForManagersOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testEnv) {
		owner := e.SignUp(t, "Roster")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		_, ownerKey := e.CreateKey(t, owner, "Owner integration")
		_, agentKey := e.CreateKey(t, agent, "Agent integration")
		const q = `{ account { name users { id role } } }`

		for _, c := range []struct{ name, auth string }{
			{"owner", Bearer(owner.Token)}, {"admin", Bearer(admin.Token)}, {"owner's key", Bearer(ownerKey)},
		} {
			data := e.MustDo(t, request{Auth: c.auth, Query: q})
			users, _ := dig(data, "account", "users").([]any)
			roles := map[string]string{}
			for _, u := range users {
				roles[dig(u, "id").(string)] = dig(u, "role").(string)
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
			{"agent", Bearer(agent.Token)}, {"agent's key", Bearer(agentKey)},
		} {
			resp := e.Do(t, request{Auth: c.auth, Query: q})
			if resp.Status != http.StatusOK {
				t.Errorf("%s: status %d", c.name, resp.Status)
			}
			if dig(resp.Data, "account", "name") != "Roster" {
				t.Errorf("%s: account.name = %v, want the account kept with only users nulled: %s", c.name, dig(resp.Data, "account", "name"), resp.Body)
			}
			if users, present := resp.Data["account"].(map[string]any)["users"]; !present || users != nil {
				t.Errorf("%s: account.users = %v (present %v), want null: %s", c.name, users, present, resp.Body)
			}
			if len(resp.Errors) != 1 || !wantError(t, resp, "FORBIDDEN", "") {
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
	forEachDB(t, func(t *testing.T, e *testEnv) {
		owner := e.SignUp(t, "Hiring")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		_, ownerKey := e.CreateKey(t, owner, "Owner integration")
		other := e.SignUp(t, "Elsewhere")
		const pw = "a perfectly fine password"

		t.Run("owner and admin may add admins and agents", func(t *testing.T) {
			for _, m := range []*user{owner, admin} {
				for _, role := range []string{"ADMIN", "AGENT"} {
					email := uniqueEmail("new-" + strings.ToLower(role))
					resp := createUserAs(t, e, Bearer(m.Token), "New "+role, email, pw, role)
					if len(resp.Errors) > 0 || dig(resp.Data, "createUser", "user", "role") != role || dig(resp.Data, "createUser", "user", "email") != email {
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
			{"by an agent", Bearer(agent.Token), uniqueEmail("x"), "AGENT", "FORBIDDEN", ""},
			{"by an agent, as admin", Bearer(agent.Token), uniqueEmail("x"), "ADMIN", "FORBIDDEN", ""},
			{"by an API key", Bearer(ownerKey), uniqueEmail("x"), "AGENT", "FORBIDDEN", ""},
			{"a second owner, by the owner", Bearer(owner.Token), uniqueEmail("x"), "OWNER", "BAD_USER_INPUT", "role"},
			{"a second owner, by an admin", Bearer(admin.Token), uniqueEmail("x"), "OWNER", "BAD_USER_INPUT", "role"},
			{"an existing email upper-cased", Bearer(owner.Token), strings.ToUpper(agent.Email), "AGENT", "BAD_USER_INPUT", "email"},
			{"an existing email with spaces", Bearer(admin.Token), "  " + admin.Email + " ", "AGENT", "BAD_USER_INPUT", "email"},
			{"the owner's own email", Bearer(admin.Token), owner.Email, "ADMIN", "BAD_USER_INPUT", "email"},
			{"an email of another account", Bearer(owner.Token), strings.ToUpper(other.Email), "AGENT", "BAD_USER_INPUT", "email"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				before := e.RowCounts(t)
				resp := createUserAs(t, e, tc.auth, "Someone", tc.email, pw, tc.role)
				wantError(t, resp, tc.code, tc.field)
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
				resp := e.Do(t, request{Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
					Variables: map[string]any{"in": map[string]any{"accountName": "Copycat", "name": "Copy Cat", "email": email, "password": pw}}})
				wantError(t, resp, "BAD_USER_INPUT", "email")
				if strings.Contains(resp.Body, "kfs_") {
					t.Errorf("refused signUp returned a token: %s", resp.Body)
				}
				if after := e.RowCounts(t); after["users"] != before["users"] || after["accounts"] != before["accounts"] || after["sessions"] != before["sessions"] {
					t.Errorf("refused signUp(%q) wrote rows: %v -> %v", email, before, after)
				}
			}
		})

		t.Run("case folding beyond ASCII", func(t *testing.T) {
			email := "élodie-" + strings.TrimSuffix(uniqueEmail("x"), "@example.test")[2:] + "@example.test"
			resp := createUserAs(t, e, Bearer(owner.Token), "Élodie", email, pw, "AGENT")
			if len(resp.Errors) > 0 {
				t.Fatalf("createUser(%q): %s", email, resp.Body)
			}
			upper := strings.ToUpper(email)
			resp = createUserAs(t, e, Bearer(admin.Token), "Élodie again", upper, pw, "AGENT")
			wantError(t, resp, "BAD_USER_INPUT", "email")
			e.LogIn(t, upper, pw, "WEB") // log-in folds case the same way
		})
	})
}
