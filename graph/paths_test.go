package graph_test

import (
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/testkit"
)

// usageStart is when keysWithUsage's key was first used.
var usageStart = time.Date(2026, 12, 4, 10, 11, 12, 0, time.UTC)

// keysWithUsage signs an owner up with two keys, one never used and one
// used by each of integrations: the i-th 1000*i+7 times, first at
// usageStart plus i times 0.123456 s, last i hours after usageStart. It
// returns the owner and the used key's id.
func keysWithUsage(t *testing.T, e *testkit.Env, account string, integrations ...string) (*testkit.User, string) {
	t.Helper()
	owner := e.SignUp(t, account)
	used, _ := e.CreateKey(t, owner, "used")
	e.CreateKey(t, owner, "never used")
	var incs []db.UsageIncrement
	for i, name := range integrations {
		incs = append(incs, db.UsageIncrement{APIKeyID: used, Integration: name, Requests: 1000*i + 7,
			FirstUsedAt: usageStart.Add(time.Duration(i) * 123456 * time.Microsecond), LastUsedAt: usageStart.Add(time.Duration(i) * time.Hour)})
	}
	if err := e.Store.RecordUsage(t.Context(), credential.NewID("flush"), incs); err != nil {
		t.Fatal(err)
	}
	return owner, used
}

// answersBothWays sends req with a fast path on, then off (set turns it
// on or off; it is left on), and returns both answers' bodies. Each must
// be a 200 without errors unless erring says the request is meant to err.
func answersBothWays(t *testing.T, e *testkit.Env, set func(bool), req testkit.Request, erring bool) (on, off string) {
	t.Helper()
	answer := func(fast bool) string {
		set(fast)
		defer set(true)
		resp := e.Do(t, req)
		if failed := resp.Status != 200 || len(resp.Errors) > 0; failed != erring {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
		return resp.Body
	}
	return answer(true), answer(false)
}
