package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/model"
)

// smallKeyCaps make the caps reachable in a test; the rate limits are
// lifted so that only the caps refuse.
func smallKeyCaps(perUser, perAccount int) func(*config.Config) {
	return func(c *config.Config) {
		testkit.Generous(c)
		c.KeyCaps = model.KeyCaps{PerUser: perUser, PerAccount: perAccount}
	}
}

// wantKeyCap checks that resp is the refusal of a key past a cap, naming
// the cap, with no field: the input itself was fine.
func wantKeyCap(t *testing.T, resp *testkit.Response, message string) {
	t.Helper()
	if !testkit.WantError(t, resp, "BAD_USER_INPUT", "") {
		return
	}
	if got := resp.Errors[0].Message; got != message {
		t.Errorf("message %q, want %q", got, message)
	}
	if field, ok := resp.Errors[0].Extensions["field"]; ok {
		t.Errorf("extensions.field = %v, want none", field)
	}
	if resp.Data["createApiKey"] != nil {
		t.Errorf("a refused create returned a key: %s", resp.Body)
	}
}

// keyRows counts the api_keys rows where column = value, straight from the
// database.
func keyRows(t *testing.T, e *testkit.Env, column, value string) int64 {
	t.Helper()
	var n int64
	if err := e.Store.Gorm().Table("api_keys").Where(column+" = ?", value).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestKeyCaps(t *testing.T) {
	const userFull = "this user already has 3 API keys, the most allowed: delete one first"
	const accountFull = "this account already has 5 API keys, the most allowed: delete one first"
	testkit.ForEachDBConfigured(t, smallKeyCaps(3, 5), func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Capped")
		agent := e.CreateUser(t, owner, "AGENT")
		var ownerKeys []string
		for i := range 3 {
			id, _ := e.CreateKey(t, owner, fmt.Sprintf("Owner %d", i))
			ownerKeys = append(ownerKeys, id)
		}
		wantKeyCap(t, e.Do(t, createKeyRequest(owner.Token, "One too many")), userFull)

		// The owner's cap is theirs alone: a colleague fills the account.
		agentKey, _ := e.CreateKey(t, agent, "Agent 0")
		e.CreateKey(t, agent, "Agent 1")
		wantKeyCap(t, e.Do(t, createKeyRequest(agent.Token, "Agent 2")), accountFull)
		wantKeyCap(t, e.Do(t, createKeyRequest(owner.Token, "Still too many")), userFull)

		// Deleted keys do not count, against either cap.
		e.MustDo(t, deleteKeyRequest(testkit.Bearer(owner.Token), ownerKeys[0]))
		e.CreateKey(t, owner, "Owner again")
		wantKeyCap(t, e.Do(t, createKeyRequest(agent.Token, "Agent 2")), accountFull)
		e.MustDo(t, deleteKeyRequest(testkit.Bearer(agent.Token), agentKey))
		e.CreateKey(t, agent, "Agent again")

		// Another account starts from nothing.
		other := e.SignUp(t, "Elsewhere")
		for i := range 3 {
			e.CreateKey(t, other, fmt.Sprintf("Other %d", i))
		}
		wantKeyCap(t, e.Do(t, createKeyRequest(other.Token, "One too many")), userFull)

		if n := keyRows(t, e, "account_id", owner.AccountID); n != 5 {
			t.Errorf("the capped account holds %d keys, want 5", n)
		}
	})
}

// Every key counts, whatever it is: the demo owner's Default API Key, keys
// in use and the agent's unused spare. An operator who lowers a cap below
// what an account holds gets refusals that say how many to delete.
func TestKeyCapsCountEveryKey(t *testing.T) {
	testkit.ForEachDBConfigured(t, smallKeyCaps(3, 4), func(t *testing.T, e *testkit.Env) {
		// The demo's owner holds 3 keys and its agent 2, made under the
		// default caps.
		seeder := *e.Config
		seeder.KeyCaps = model.DefaultKeyCaps
		store, _, err := seeder.OpenStore(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		if _, err := store.SeedDemo(context.Background()); err != nil {
			t.Fatalf("seed-demo: %v", err)
		}
		owner := e.LogIn(t, testkit.SeedOwnerEmail, testkit.SeedOwnerPassword, "WEB")
		agent := e.LogIn(t, testkit.SeedAgentEmail, testkit.SeedAgentPassword, "WEB")
		wantKeyCap(t, e.Do(t, createKeyRequest(owner, "Fourth")),
			"this user already has 3 API keys, the most allowed: delete one first")
		wantKeyCap(t, e.Do(t, createKeyRequest(agent, "Third")),
			"this account already has 5 API keys, more than the 4 allowed: delete 2 first")
	})
}

// However many creates race, the caps hold exactly: the keys that exist
// are the caps' worth, and every other create is refused.
func TestKeyCapsHoldUnderConcurrentCreates(t *testing.T) {
	const creates = 40
	race := func(t *testing.T, e *testkit.Env, tokens []string) (created, refused int) {
		t.Helper()
		reqs := make([]testkit.Request, creates)
		for i := range reqs {
			reqs[i] = createKeyRequest(tokens[i%len(tokens)], fmt.Sprintf("Racer %d", i))
		}
		for _, a := range testkit.Race(testkit.HTTPClient(t), e.URL, reqs...) {
			switch {
			case a.Status == http.StatusOK && a.Code() == "":
				created++
			case a.Code() == "BAD_USER_INPUT" && strings.Contains(a.GQL.Errors[0].Message, "API keys"):
				refused++
			default:
				t.Errorf("createApiKey: %d %s", a.Status, a.Body)
			}
		}
		return created, refused
	}
	t.Run("per user", func(t *testing.T) {
		testkit.ForEachDBConfigured(t, smallKeyCaps(10, 1000), func(t *testing.T, e *testkit.Env) {
			owner := e.SignUp(t, "Racing User")
			created, refused := race(t, e, []string{owner.Token})
			if created != 10 || refused != creates-10 {
				t.Errorf("%d created and %d refused, want 10 and %d", created, refused, creates-10)
			}
			if n := keyRows(t, e, "user_id", owner.ID); n != 10 {
				t.Errorf("the user holds %d keys, want 10", n)
			}
		})
	})
	t.Run("per account", func(t *testing.T) {
		testkit.ForEachDBConfigured(t, smallKeyCaps(1000, 10), func(t *testing.T, e *testkit.Env) {
			owner := e.SignUp(t, "Racing Account")
			tokens := []string{owner.Token}
			for range 3 {
				tokens = append(tokens, e.CreateUser(t, owner, "ADMIN").Token)
			}
			created, refused := race(t, e, tokens)
			if created != 10 || refused != creates-10 {
				t.Errorf("%d created and %d refused, want 10 and %d", created, refused, creates-10)
			}
			if n := keyRows(t, e, "account_id", owner.AccountID); n != 10 {
				t.Errorf("the account holds %d keys, want 10", n)
			}
		})
	})
}
