package api

import (
	"testing"

	"github.com/keyfob/keyfob/internal/testkit"
)

// userKeyCounts is User.apiKeyCount of everyone in the account, as a
// manager sees it.
func userKeyCounts(t *testing.T, e *testkit.Env, manager *testkit.User) map[string]int {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(manager.Token), Query: `{ account { users { id apiKeyCount } } }`})
	out := map[string]int{}
	users, _ := testkit.Dig(data, "account", "users").([]any)
	for _, u := range users {
		out[testkit.Dig(u, "id").(string)] = int(testkit.Dig(u, "apiKeyCount").(float64))
	}
	return out
}

// User.apiKeyCount counts the keys each user holds, within the account
// only, in one statement however many users are listed; and it is the
// number of keys turning the user's access off deletes.
func TestUserAPIKeyCount(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Counted")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		e.CreateKey(t, owner, "Owner's")
		doomed, _ := e.CreateKey(t, agent, "Agent's first")
		e.CreateKey(t, agent, "Agent's second")
		e.CreateKey(t, agent, "Agent's third")

		// Another account's keys are never counted here, nor ours there.
		other := e.SignUp(t, "Elsewhere")
		e.CreateKey(t, other, "Theirs")
		e.CreateKey(t, other, "Theirs too")

		want := map[string]int{owner.ID: 1, admin.ID: 0, agent.ID: 3}
		for _, viewer := range []*testkit.User{owner, admin} {
			got := userKeyCounts(t, e, viewer)
			if len(got) != len(want) {
				t.Errorf("%s sees %d users, want %d: %v", viewer.Email, len(got), len(want), got)
			}
			for id, n := range want {
				if got[id] != n {
					t.Errorf("%s sees apiKeyCount %d for %s, want %d", viewer.Email, got[id], id, n)
				}
			}
		}
		if got := userKeyCounts(t, e, other); got[other.ID] != 2 || len(got) != 1 {
			t.Errorf("the other account sees %v, want only its owner with 2", got)
		}
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(agent.Token), Query: `{ viewer { apiKeyCount } }`})
		if n := testkit.Dig(data, "viewer", "apiKeyCount"); n != float64(3) {
			t.Errorf("the agent's own apiKeyCount is %v, want 3", n)
		}

		// Deleting a key counts down.
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(agent.Token), Query: `mutation($id: ID!) { deleteApiKey(input: {id: $id}) { deletedApiKeyId } }`, Variables: map[string]any{"id": doomed}})
		if got := userKeyCounts(t, e, owner)[agent.ID]; got != 2 {
			t.Errorf("after a delete the agent's apiKeyCount is %d, want 2", got)
		}

		// No N+1: listing twice as many users runs as many statements. Each
		// count is the fewest of three listings: the loader gathers the
		// list's counts for a millisecond, and on a machine loaded enough
		// (the whole suite under -race) a resolver can miss that and make
		// a second batch. N+1 would add a statement per user every time.
		statements := e.Store.CountStatements()
		fewest := func() (n int64, users int) {
			for i := range 3 {
				statements.Store(0)
				users = len(userKeyCounts(t, e, owner))
				if c := statements.Load(); i == 0 || c < n {
					n = c
				}
			}
			return n, users
		}
		few, _ := fewest()
		for range 3 {
			u := e.CreateUser(t, owner, "AGENT")
			e.CreateKey(t, u, "More")
		}
		many, listed := fewest()
		if many != few {
			t.Errorf("listing %d users ran %d statements, listing 3 ran %d: apiKeyCount is not batched", listed, many, few)
		}

		// What the confirmation promises is what the switch deletes.
		e.PowerUp(t, owner.AccountID, true)
		resp := trySetAccess(t, e, testkit.Bearer(owner.Token), agent.ID, false)
		if n := testkit.Dig(resp.Data, "setUserApiAccess", "deletedApiKeys"); n != float64(2) {
			t.Errorf("turning the agent's access off deleted %v keys, apiKeyCount said 2: %s", n, resp.Body)
		}
		if got := userKeyCounts(t, e, owner)[agent.ID]; got != 0 {
			t.Errorf("after access off the agent's apiKeyCount is %d, want 0", got)
		}
	})
}
