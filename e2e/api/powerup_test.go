package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/testkit"
)

// trySetAccess calls setUserApiAccess with the given Authorization header.
func trySetAccess(t *testing.T, e *testkit.Env, auth, userID string, enabled bool) *testkit.Response {
	t.Helper()
	return e.Do(t, testkit.SetAccessRequest(auth, userID, enabled))
}

// tryCreateKey calls createApiKey and returns the raw response.
func tryCreateKey(t *testing.T, e *testkit.Env, auth, name string) *testkit.Response {
	t.Helper()
	return e.Do(t, testkit.Request{Auth: auth,
		Query:     `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`,
		Variables: map[string]any{"in": map[string]any{"name": name}}})
}

// viewerAccess is User.apiAccess as the user sees it for themselves.
func viewerAccess(t *testing.T, e *testkit.Env, u *testkit.User) bool {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(u.Token), Query: `{ viewer { apiAccess } }`})
	v, ok := testkit.Dig(data, "viewer", "apiAccess").(bool)
	if !ok {
		t.Fatalf("viewer.apiAccess missing: %v", data)
	}
	return v
}

// usersAccess is User.apiAccess of everyone in the account, as its owner sees it.
func usersAccess(t *testing.T, e *testkit.Env, owner *testkit.User) map[string]bool {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ account { users { id apiAccess } } }`})
	out := map[string]bool{}
	users, _ := testkit.Dig(data, "account", "users").([]any)
	for _, u := range users {
		out[testkit.Dig(u, "id").(string)] = testkit.Dig(u, "apiAccess").(bool)
	}
	return out
}

func accountRestriction(t *testing.T, e *testkit.Env, u *testkit.User) bool {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(u.Token), Query: `{ account { apiKeyRestriction } }`})
	return testkit.Dig(data, "account", "apiKeyRestriction").(bool)
}

// assertCredentialRefused checks that a credential now gets the uniform 401.
func assertCredentialRefused(t *testing.T, e *testkit.Env, auth string) {
	t.Helper()
	resp := e.Do(t, testkit.Request{Auth: auth, Query: `{ viewer { id } }`})
	if resp.Status != http.StatusUnauthorized || resp.Code() != "UNAUTHENTICATED" {
		t.Errorf("want 401 UNAUTHENTICATED, got %d: %s", resp.Status, resp.Body)
	}
	if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer realm="keyfob"` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
}

func visibleKeyCount(t *testing.T, e *testkit.Env, u *testkit.User) int {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(u.Token), Query: `{ apiKeys { totalCount } }`})
	return int(testkit.Dig(data, "apiKeys", "totalCount").(float64))
}

func TestPowerUpOffEveryoneMayCreateKeys(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Open Door")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")

		for _, u := range []*testkit.User{owner, admin, agent} {
			if resp := tryCreateKey(t, e, testkit.Bearer(u.Token), "Zapier"); len(resp.Errors) > 0 {
				t.Errorf("createApiKey as %s without the Power-Up: %s", u.Email, resp.Body)
			}
			if !viewerAccess(t, e, u) {
				t.Errorf("viewer.apiAccess of %s is false without the Power-Up", u.Email)
			}
		}
		access := usersAccess(t, e, owner)
		if len(access) != 3 {
			t.Fatalf("account.users = %v, want 3 users", access)
		}
		for id, ok := range access {
			if !ok {
				t.Errorf("account.users: apiAccess of %s is false without the Power-Up", id)
			}
		}

		before := e.RowCounts(t)
		for _, target := range []*testkit.User{agent, admin} {
			for _, enabled := range []bool{false, true} {
				resp := trySetAccess(t, e, testkit.Bearer(owner.Token), target.ID, enabled)
				if resp.Code() != "POWER_UP_REQUIRED" {
					t.Errorf("setUserApiAccess(%s, %v) without the Power-Up: want POWER_UP_REQUIRED, got %s", target.Email, enabled, resp.Body)
				}
				if resp.Data["setUserApiAccess"] != nil {
					t.Errorf("setUserApiAccess returned data with its error: %s", resp.Body)
				}
			}
		}
		if after := e.RowCounts(t); after["api_keys"] != before["api_keys"] {
			t.Errorf("api_keys %d -> %d after refused setUserApiAccess", before["api_keys"], after["api_keys"])
		}
		if visibleKeyCount(t, e, agent) != 1 {
			t.Error("the agent lost its key to a refused setUserApiAccess")
		}
	})
}

func TestPowerUpOn(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Tight Ship")
		agentBefore := e.CreateUser(t, owner, "AGENT")
		adminBefore := e.CreateUser(t, owner, "ADMIN")
		ownerKeyID, ownerSecret := e.CreateKey(t, owner, "Owner's Zapier")
		_, agentSecret1 := e.CreateKey(t, agentBefore, "Agent's Mailchimp")
		_, agentSecret2 := e.CreateKey(t, agentBefore, "Agent's website")
		agentMobile := e.LogIn(t, agentBefore.Email, agentBefore.Password, "MOBILE")

		e.PowerUp(t, owner.AccountID, true)
		agentAfter := e.CreateUser(t, owner, "AGENT")
		adminAfter := e.CreateUser(t, adminBefore, "ADMIN") // an admin may add users too

		t.Run("initial access", func(t *testing.T) {
			want := map[string]bool{owner.ID: true, agentBefore.ID: true, adminBefore.ID: true, agentAfter.ID: false, adminAfter.ID: false}
			got := usersAccess(t, e, owner)
			for id, w := range want {
				if got[id] != w {
					t.Errorf("account.users apiAccess of %s = %v, want %v", id, got[id], w)
				}
			}
			for _, u := range []*testkit.User{owner, agentBefore, adminBefore, agentAfter, adminAfter} {
				if viewerAccess(t, e, u) != want[u.ID] {
					t.Errorf("viewer.apiAccess of %s = %v, want %v", u.Email, !want[u.ID], want[u.ID])
				}
			}
		})

		t.Run("users added under the Power-Up cannot create keys", func(t *testing.T) {
			for _, u := range []*testkit.User{agentAfter, adminAfter} {
				before := e.RowCounts(t)
				resp := tryCreateKey(t, e, testkit.Bearer(u.Token), "Sneaky")
				if resp.Code() != "API_ACCESS_DISABLED" {
					t.Errorf("createApiKey by %s without access: want API_ACCESS_DISABLED, got %s", u.Email, resp.Body)
				}
				if strings.Contains(resp.Body, "kf_") {
					t.Errorf("refused createApiKey returned a secret: %s", resp.Body)
				}
				if after := e.RowCounts(t); after["api_keys"] != before["api_keys"] {
					t.Errorf("refused createApiKey wrote a key: %d -> %d", before["api_keys"], after["api_keys"])
				}
			}
			// Users added before the Power-Up keep their access, and the owner always has it.
			for _, u := range []*testkit.User{owner, agentBefore, adminBefore} {
				if resp := tryCreateKey(t, e, testkit.Bearer(u.Token), "Allowed"); len(resp.Errors) > 0 {
					t.Errorf("createApiKey by %s: %s", u.Email, resp.Body)
				}
			}
		})

		t.Run("owner enables an agent", func(t *testing.T) {
			resp := trySetAccess(t, e, testkit.Bearer(owner.Token), agentAfter.ID, true)
			if len(resp.Errors) > 0 {
				t.Fatalf("setUserApiAccess(true): %s", resp.Body)
			}
			if testkit.Dig(resp.Data, "setUserApiAccess", "user", "id") != agentAfter.ID ||
				testkit.Dig(resp.Data, "setUserApiAccess", "user", "apiAccess") != true ||
				testkit.Dig(resp.Data, "setUserApiAccess", "deletedApiKeys") != 0.0 ||
				testkit.Dig(resp.Data, "setUserApiAccess", "loggedOutMobileSessions") != 0.0 {
				t.Errorf("setUserApiAccess(true) payload: %s", resp.Body)
			}
			if !viewerAccess(t, e, agentAfter) {
				t.Error("viewer.apiAccess is false after the owner enabled it")
			}
			if resp := tryCreateKey(t, e, testkit.Bearer(agentAfter.Token), "Now allowed"); len(resp.Errors) > 0 {
				t.Errorf("createApiKey after access was given: %s", resp.Body)
			}
		})

		t.Run("owner disables an agent", func(t *testing.T) {
			// agentBefore has three keys: two from before the Power-Up, one from "initial access".
			n := visibleKeyCount(t, e, agentBefore)
			if n != 3 {
				t.Fatalf("agent has %d keys, want 3", n)
			}
			ownerKeysBefore := visibleKeyCount(t, e, owner)
			resp := trySetAccess(t, e, testkit.Bearer(owner.Token), agentBefore.ID, false)
			if len(resp.Errors) > 0 {
				t.Fatalf("setUserApiAccess(false): %s", resp.Body)
			}
			if got := testkit.Dig(resp.Data, "setUserApiAccess", "deletedApiKeys"); got != float64(n) {
				t.Errorf("deletedApiKeys = %v, want %d", got, n)
			}
			if got := testkit.Dig(resp.Data, "setUserApiAccess", "loggedOutMobileSessions"); got != 0.0 {
				t.Errorf("loggedOutMobileSessions = %v, want 0 (an agent has no Default API Key)", got)
			}
			if testkit.Dig(resp.Data, "setUserApiAccess", "user", "apiAccess") != false {
				t.Errorf("payload user.apiAccess: %s", resp.Body)
			}
			// The very next request with any of the deleted keys is refused.
			assertCredentialRefused(t, e, testkit.Bearer(agentSecret1))
			assertCredentialRefused(t, e, testkit.Bearer(agentSecret2))
			if got := visibleKeyCount(t, e, agentBefore); got != 0 {
				t.Errorf("agent still sees %d keys", got)
			}
			if got := visibleKeyCount(t, e, owner); got != ownerKeysBefore-n {
				t.Errorf("owner sees %d keys, want %d", got, ownerKeysBefore-n)
			}
			// Only keys go: the agent's mobile session was bound to no default key.
			testkit.AssertCredentialWorks(t, e, testkit.Bearer(agentMobile), agentBefore.ID)
			testkit.AssertCredentialWorks(t, e, testkit.Bearer(agentBefore.Token), agentBefore.ID)
			// Nobody else's key is touched.
			testkit.AssertCredentialWorks(t, e, testkit.Bearer(ownerSecret), owner.ID)
			if viewerAccess(t, e, agentBefore) {
				t.Error("viewer.apiAccess is true after the owner disabled it")
			}
			if resp := tryCreateKey(t, e, testkit.Bearer(agentBefore.Token), "Again"); resp.Code() != "API_ACCESS_DISABLED" {
				t.Errorf("createApiKey after access was taken: want API_ACCESS_DISABLED, got %s", resp.Body)
			}
		})

		// The Power-Up governs new keys: one made while it was off survives
		// its return, and the owner cuts it off by turning access off again.
		t.Run("a key made while the Power-Up was off", func(t *testing.T) {
			e.PowerUp(t, owner.AccountID, false)
			_, secret := e.CreateKey(t, agentBefore, "Made in the gap")
			e.PowerUp(t, owner.AccountID, true)
			if viewerAccess(t, e, agentBefore) {
				t.Fatal("the agent's stored choice (no access) was not restored")
			}
			testkit.AssertCredentialWorks(t, e, testkit.Bearer(secret), agentBefore.ID)
			resp := trySetAccess(t, e, testkit.Bearer(owner.Token), agentBefore.ID, false)
			if got := testkit.Dig(resp.Data, "setUserApiAccess", "deletedApiKeys"); got != 1.0 {
				t.Fatalf("turning access off again: deletedApiKeys = %v: %s", got, resp.Body)
			}
			assertCredentialRefused(t, e, testkit.Bearer(secret))
		})

		t.Run("owner cannot lose access", func(t *testing.T) {
			resp := trySetAccess(t, e, testkit.Bearer(owner.Token), owner.ID, false)
			if resp.Code() != "FORBIDDEN" {
				t.Errorf("setUserApiAccess(owner, false): want FORBIDDEN, got %s", resp.Body)
			}
			if !viewerAccess(t, e, owner) {
				t.Error("the owner lost API access")
			}
			testkit.AssertCredentialWorks(t, e, testkit.Bearer(ownerSecret), owner.ID)
			data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `query($id: ID!) { apiKey(id: $id) { id } }`, Variables: map[string]any{"id": ownerKeyID}})
			if testkit.Dig(data, "apiKey", "id") != ownerKeyID {
				t.Errorf("the owner's key is gone after a refused setUserApiAccess: %v", data)
			}
			if resp := tryCreateKey(t, e, testkit.Bearer(owner.Token), "Still mine"); len(resp.Errors) > 0 {
				t.Errorf("owner createApiKey: %s", resp.Body)
			}
		})

		t.Run("only the owner decides", func(t *testing.T) {
			for _, caller := range []struct {
				name string
				auth string
			}{
				{"ADMIN", testkit.Bearer(adminBefore.Token)},
				{"AGENT", testkit.Bearer(agentAfter.Token)},
				{"owner's API key", testkit.Bearer(ownerSecret)},
			} {
				for _, target := range []*testkit.User{agentAfter, adminAfter, owner} {
					for _, enabled := range []bool{false, true} {
						before := e.RowCounts(t)
						resp := trySetAccess(t, e, caller.auth, target.ID, enabled)
						if resp.Code() != "FORBIDDEN" {
							t.Errorf("setUserApiAccess(%s, %v) by %s: want FORBIDDEN, got %s", target.Email, enabled, caller.name, resp.Body)
						}
						if after := e.RowCounts(t); after["api_keys"] != before["api_keys"] {
							t.Errorf("refused setUserApiAccess by %s deleted keys", caller.name)
						}
					}
				}
			}
			want := map[string]bool{owner.ID: true, agentBefore.ID: false, adminBefore.ID: true, agentAfter.ID: true, adminAfter.ID: false}
			got := usersAccess(t, e, owner)
			for id, w := range want {
				if got[id] != w {
					t.Errorf("after refused calls, apiAccess of %s = %v, want %v", id, got[id], w)
				}
			}
			if visibleKeyCount(t, e, agentAfter) != 1 {
				t.Error("agentAfter's key is gone after refused calls")
			}
		})

		t.Run("turning the Power-Up off and on keeps each choice", func(t *testing.T) {
			stored := map[string]bool{owner.ID: true, agentBefore.ID: false, adminBefore.ID: true, agentAfter.ID: true, adminAfter.ID: false}

			e.PowerUp(t, owner.AccountID, false)
			for id, ok := range usersAccess(t, e, owner) {
				if !ok {
					t.Errorf("Power-Up off: apiAccess of %s is false", id)
				}
			}
			for _, u := range []*testkit.User{agentBefore, adminAfter} {
				if !viewerAccess(t, e, u) {
					t.Errorf("Power-Up off: viewer.apiAccess of %s is false", u.Email)
				}
				if resp := tryCreateKey(t, e, testkit.Bearer(u.Token), "While off"); len(resp.Errors) > 0 {
					t.Errorf("Power-Up off: createApiKey by %s: %s", u.Email, resp.Body)
				}
			}
			if resp := trySetAccess(t, e, testkit.Bearer(owner.Token), agentAfter.ID, false); resp.Code() != "POWER_UP_REQUIRED" {
				t.Errorf("Power-Up off: setUserApiAccess want POWER_UP_REQUIRED, got %s", resp.Body)
			}

			e.PowerUp(t, owner.AccountID, true)
			got := usersAccess(t, e, owner)
			for id, w := range stored {
				if got[id] != w {
					t.Errorf("Power-Up back on: apiAccess of %s = %v, want the stored %v", id, got[id], w)
				}
			}
			for _, u := range []*testkit.User{owner, agentBefore, adminBefore, agentAfter, adminAfter} {
				if got := viewerAccess(t, e, u); got != stored[u.ID] {
					t.Errorf("Power-Up back on: viewer.apiAccess of %s = %v, want the stored %v", u.Email, got, stored[u.ID])
				}
			}
			for _, u := range []*testkit.User{agentBefore, adminAfter} {
				if resp := tryCreateKey(t, e, testkit.Bearer(u.Token), "Back on"); resp.Code() != "API_ACCESS_DISABLED" {
					t.Errorf("Power-Up back on: createApiKey by %s want API_ACCESS_DISABLED, got %s", u.Email, resp.Body)
				}
			}
			for _, u := range []*testkit.User{agentAfter, adminBefore, owner} {
				if resp := tryCreateKey(t, e, testkit.Bearer(u.Token), "Back on"); len(resp.Errors) > 0 {
					t.Errorf("Power-Up back on: createApiKey by %s: %s", u.Email, resp.Body)
				}
			}
		})

		t.Run("disabling an admin deletes the admin's keys", func(t *testing.T) {
			_, adminSecret := e.CreateKey(t, adminBefore, "Admin's own")
			n := visibleKeyCount(t, e, owner)
			mine := 0
			data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ apiKeys(first: 100) { nodes { owner { id } } } }`})
			for _, k := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
				if testkit.Dig(k, "owner", "id") == adminBefore.ID {
					mine++
				}
			}
			resp := trySetAccess(t, e, testkit.Bearer(owner.Token), adminBefore.ID, false)
			if len(resp.Errors) > 0 {
				t.Fatalf("setUserApiAccess(admin, false): %s", resp.Body)
			}
			if got := testkit.Dig(resp.Data, "setUserApiAccess", "deletedApiKeys"); got != float64(mine) {
				t.Errorf("deletedApiKeys = %v, want %d", got, mine)
			}
			assertCredentialRefused(t, e, testkit.Bearer(adminSecret))
			if got := visibleKeyCount(t, e, owner); got != n-mine {
				t.Errorf("owner sees %d keys, want %d", got, n-mine)
			}
			// The admin still manages everyone else's keys, just cannot create.
			if resp := tryCreateKey(t, e, testkit.Bearer(adminBefore.Token), "No"); resp.Code() != "API_ACCESS_DISABLED" {
				t.Errorf("want API_ACCESS_DISABLED, got %s", resp.Body)
			}
		})
	})
}
