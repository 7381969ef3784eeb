package reliability

// Concurrent mutations that must serialise correctly, on both databases.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/testkit"
)

func relRounds(quick, thorough int) int {
	if testkit.FaultMode() {
		return thorough
	}
	return quick
}

// createApiKey racing setUserApiAccess(false): whichever wins, no key
// survives for a user whose access is off.
func TestRaceCreateKeyVersusAccessOff(t *testing.T) {
	testkit.ForEachDBGenerous(t, func(t *testing.T, e *testkit.Env) {
		c := testkit.HTTPClient(t)
		owner := e.SignUp(t, "Racing Access")
		e.PowerUp(t, owner.AccountID, true)
		agent := e.CreateUser(t, owner, "AGENT")
		const creators = 4
		var won, lost, deletedByAccess int
		for round := range relRounds(30, 100) {
			e.MustDo(t, testkit.SetAccessRequest(testkit.Bearer(owner.Token), agent.ID, true))
			reqs := []testkit.Request{testkit.SetAccessRequest(testkit.Bearer(owner.Token), agent.ID, false)}
			for i := range creators {
				reqs = append(reqs, testkit.Request{Auth: testkit.Bearer(agent.Token),
					Query:     `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`,
					Variables: map[string]any{"in": map[string]any{"name": fmt.Sprintf("racer %d/%d", round, i)}}})
			}
			got := testkit.Race(c, e.URL, reqs...)
			if got[0].Status != http.StatusOK || got[0].Code() != "" {
				t.Fatalf("round %d: setUserApiAccess(false): %d %s", round, got[0].Status, got[0].Body)
			}
			deletedByAccess += int(testkit.Dig(got[0].GQL.Data, "setUserApiAccess", "deletedApiKeys").(float64))
			var secrets []string
			for _, a := range got[1:] {
				switch {
				case a.Status == http.StatusOK && a.Code() == "":
					won++
					secrets = append(secrets, testkit.Dig(a.GQL.Data, "createApiKey", "secret").(string))
				case a.Code() == "API_ACCESS_DISABLED":
					lost++
				default:
					t.Errorf("round %d: createApiKey: %d %s", round, a.Status, a.Body)
				}
			}
			var n int64
			if err := e.Store.Gorm().Table("api_keys").Where("user_id = ?", agent.ID).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatalf("round %d: %d keys survive for a user whose access is off", round, n)
			}
			for _, s := range secrets {
				if got, err := testkit.VerifyKey(c, e.URL, testkit.Bearer(s), ""); err != nil || got.Status != http.StatusUnauthorized {
					t.Fatalf("round %d: a key created in the race still verifies: %v %d", round, err, got.Status)
				}
			}
		}
		t.Logf("createApiKey won the race %d times (keys then deleted by the access change: %d), lost %d times", won, deletedByAccess, lost)
		if won != deletedByAccess {
			t.Errorf("%d keys were created before access went off, but setUserApiAccess reported deleting %d", won, deletedByAccess)
		}
	})
}

// setUserApiAccess(false) racing the user's own deleteApiKey calls: access
// goes off every time, each key is deleted once (by one side or the other),
// and a delete that lost answers NOT_FOUND.
func TestRaceDeleteKeyVersusAccessOff(t *testing.T) {
	testkit.ForEachDBGenerous(t, func(t *testing.T, e *testkit.Env) {
		c := testkit.HTTPClient(t)
		owner := e.SignUp(t, "Racing Revocation")
		e.PowerUp(t, owner.AccountID, true)
		agent := e.CreateUser(t, owner, "AGENT")
		const keys = 4
		for round := range relRounds(30, 100) {
			e.MustDo(t, testkit.SetAccessRequest(testkit.Bearer(owner.Token), agent.ID, true))
			reqs := []testkit.Request{testkit.SetAccessRequest(testkit.Bearer(owner.Token), agent.ID, false)}
			for i := range keys {
				keyID, _ := e.CreateKey(t, agent, fmt.Sprintf("doomed %d/%d", round, i))
				reqs = append(reqs, testkit.Request{Auth: testkit.Bearer(agent.Token), Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": keyID}})
			}
			got := testkit.Race(c, e.URL, reqs...)
			if got[0].Status != http.StatusOK || got[0].Code() != "" {
				t.Fatalf("round %d: setUserApiAccess(false) failed while the user deleted keys: %d %s", round, got[0].Status, got[0].Body)
			}
			deleted := int(testkit.Dig(got[0].GQL.Data, "setUserApiAccess", "deletedApiKeys").(float64))
			for _, a := range got[1:] {
				switch {
				case a.Status == http.StatusOK && a.Code() == "":
					deleted++
				case a.Status == http.StatusOK && a.Code() == "NOT_FOUND":
				default:
					t.Errorf("round %d: deleteApiKey: %d %s", round, a.Status, a.Body)
				}
			}
			if deleted != keys {
				t.Fatalf("round %d: %d deletions reported for %d keys", round, deleted, keys)
			}
		}
	})
}

// Two deleteApiKey calls for one key at once: exactly one deletes it, the
// other answers NOT_FOUND exactly as for a key that never existed.
func TestRaceDoubleDelete(t *testing.T) {
	testkit.ForEachDBGenerous(t, func(t *testing.T, e *testkit.Env) {
		c := testkit.HTTPClient(t)
		owner := e.SignUp(t, "Racing Deletes")
		admin := e.CreateUser(t, owner, "ADMIN")
		for round := range relRounds(30, 100) {
			keyID, secret := e.CreateKey(t, owner, fmt.Sprintf("contested %d", round))
			deleter := []*testkit.User{owner, admin}[round%2]
			got := testkit.Race(c, e.URL,
				testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": keyID}},
				testkit.Request{Auth: testkit.Bearer(deleter.Token), Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": keyID}})
			var ok, notFound int
			for _, a := range got {
				switch {
				case a.Status == http.StatusOK && a.Code() == "" && testkit.Dig(a.GQL.Data, "deleteApiKey", "deletedApiKeyId") == keyID:
					ok++
				case a.Status == http.StatusOK && a.Code() == "NOT_FOUND":
					notFound++
					missing, _ := testkit.GraphQL(c, e.URL, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": keyID}})
					if missing.Body != a.Body {
						t.Errorf("round %d: the losing delete answers %s, a later one %s", round, a.Body, missing.Body)
					}
				default:
					t.Errorf("round %d: deleteApiKey: %d %s", round, a.Status, a.Body)
				}
			}
			if ok != 1 || notFound != 1 {
				t.Fatalf("round %d: %d successes and %d NOT_FOUND, want one of each: %s | %s", round, ok, notFound, got[0].Body, got[1].Body)
			}
			if got, err := testkit.VerifyKey(c, e.URL, testkit.Bearer(secret), ""); err != nil || got.Status != http.StatusUnauthorized {
				t.Fatalf("round %d: the deleted key still verifies: %v %d", round, err, got.Status)
			}
		}
	})
}

// Two createUser (and two signUp) calls with one email at once: one
// succeeds, the other is BAD_USER_INPUT on email, never INTERNAL, and no
// half-made account is left behind.
func TestRaceDuplicateEmail(t *testing.T) {
	testkit.ForEachDBGenerous(t, func(t *testing.T, e *testkit.Env) {
		c := testkit.HTTPClient(t)
		owner := e.SignUp(t, "Racing Hires")
		admin := e.CreateUser(t, owner, "ADMIN")
		check := func(t *testing.T, round int, got []testkit.Answer, field string) {
			t.Helper()
			var ok, dup int
			for _, a := range got {
				switch {
				case a.Status == http.StatusOK && a.Code() == "":
					ok++
				case a.Code() == "BAD_USER_INPUT" && a.GQL.Errors[0].Extensions["field"] == field:
					dup++
				default:
					t.Errorf("round %d: %d %s, want success or BAD_USER_INPUT on %s", round, a.Status, a.Body, field)
				}
			}
			if ok != 1 || dup != 1 {
				t.Fatalf("round %d: %d successes, %d BAD_USER_INPUT: %s | %s", round, ok, dup, got[0].Body, got[1].Body)
			}
		}
		t.Run("createUser", func(t *testing.T) {
			for round := range relRounds(15, 50) {
				email := testkit.UniqueEmail("race")
				in := func(email, role string) map[string]any {
					return map[string]any{"in": map[string]any{"name": "Racer", "email": email, "password": "race password 1", "role": role}}
				}
				got := testkit.Race(c, e.URL,
					testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.CreateUserMutation, Variables: in(email, "AGENT")},
					testkit.Request{Auth: testkit.Bearer(admin.Token), Query: testkit.CreateUserMutation, Variables: in(strings.ToUpper(email), "ADMIN")})
				check(t, round, got, "email")
				var n int64
				e.Store.Gorm().Table("users").Where("email_normalized = ?", email).Count(&n)
				if n != 1 {
					t.Fatalf("round %d: %d users with %s", round, n, email)
				}
			}
		})
		t.Run("signUp", func(t *testing.T) {
			for round := range relRounds(15, 50) {
				email := testkit.UniqueEmail("race-signup")
				accountsBefore := e.RowCounts(t)["accounts"]
				in := func(account string) map[string]any {
					return map[string]any{"in": map[string]any{"accountName": account, "name": "Racer", "email": email, "password": "race password 1"}}
				}
				const q = `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`
				got := testkit.Race(c, e.URL, testkit.Request{Query: q, Variables: in("Racer One")}, testkit.Request{Query: q, Variables: in("Racer Two")})
				check(t, round, got, "email")
				if n := e.RowCounts(t)["accounts"]; n != accountsBefore+1 {
					t.Fatalf("round %d: %d accounts made for one successful sign-up", round, n-accountsBefore)
				}
			}
		})
	})
}
