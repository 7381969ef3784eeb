package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/testkit"
)

// rollKey runs rollApiKey as the holder of auth with in as its input.
func rollKey(t *testing.T, e *testkit.Env, auth string, in map[string]any) *testkit.Response {
	t.Helper()
	return e.Do(t, testkit.Request{Auth: auth, Query: testkit.RollKeyMutation, Variables: map[string]any{"in": in}})
}

// mustRoll rolls key id with grace seconds and returns the new secret and
// the key as the payload shows it.
func mustRoll(t *testing.T, e *testkit.Env, auth, id string, grace int) (string, map[string]any) {
	t.Helper()
	resp := rollKey(t, e, auth, map[string]any{"id": id, "gracePeriodSeconds": grace})
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("rollApiKey: %d %s", resp.Status, resp.Body)
	}
	secret, _ := testkit.Dig(resp.Data, "rollApiKey", "secret").(string)
	key, _ := testkit.Dig(resp.Data, "rollApiKey", "apiKey").(map[string]any)
	return secret, key
}

// rolledKeyRequests is the sum of key id's integrations' requestCount, after a
// flush.
func rolledKeyRequests(t *testing.T, e *testkit.Env, auth, id string) int {
	t.Helper()
	e.FlushUsage(t)
	data := e.MustDo(t, testkit.Request{Auth: auth, Query: `query($id: ID!) { apiKey(id: $id) { usageByIntegration { requestCount } } }`, Variables: map[string]any{"id": id}})
	n := 0
	for _, u := range testkit.Dig(data, "apiKey", "usageByIntegration").([]any) {
		n += int(testkit.Dig(u, "requestCount").(float64))
	}
	return n
}

// previousLastUsed reads key id's previousSecretLastUsedAt, after a flush.
func previousLastUsed(t *testing.T, e *testkit.Env, auth, id string) any {
	t.Helper()
	e.FlushUsage(t)
	data := e.MustDo(t, testkit.Request{Auth: auth, Query: `query($id: ID!) { apiKey(id: $id) { previousSecretLastUsedAt } }`, Variables: map[string]any{"id": id}})
	return testkit.Dig(data, "apiKey", "previousSecretLastUsedAt")
}

// previousExpiry reads key id's previousSecretExpiresAt.
func previousExpiry(t *testing.T, e *testkit.Env, auth, id string) any {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: auth, Query: `query($id: ID!) { apiKey(id: $id) { previousSecretExpiresAt } }`, Variables: map[string]any{"id": id}})
	return testkit.Dig(data, "apiKey", "previousSecretExpiresAt")
}

// secretAdmitted and secretRefused try a secret on /graphql and on
// /auth/verify.
func secretAdmitted(t *testing.T, e *testkit.Env, when, secret, userID string) {
	t.Helper()
	resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(secret), Query: `{ viewer { id } }`})
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 || testkit.Dig(resp.Data, "viewer", "id") != userID {
		t.Errorf("%s: /graphql refused the secret: %d %s", when, resp.Status, resp.Body)
	}
	if v := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); v.Status != http.StatusOK {
		t.Errorf("%s: /auth/verify refused the secret: %d %s", when, v.Status, v.Body)
	}
}

func secretRefused(t *testing.T, e *testkit.Env, when, secret string) {
	t.Helper()
	resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(secret), Query: `{ viewer { id } }`})
	if resp.Status != http.StatusUnauthorized {
		t.Errorf("%s: /graphql answered %d: %s", when, resp.Status, resp.Body)
	}
	testkit.WantError(t, resp, "UNAUTHENTICATED", "")
	if v := e.Verify(t, "GET", "", testkit.Bearer(secret), nil); v.Status != http.StatusUnauthorized {
		t.Errorf("%s: /auth/verify answered %d: %s", when, v.Status, v.Body)
	}
}

// A roll with no grace: the key keeps all it had but its secret; the old
// secret is refused on the very next request, though it was cached; the
// new one is admitted and its requests add to the same usage.
func TestRollAPIKeyWithoutGrace(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Rolling")
		auth := testkit.Bearer(owner.Token)
		id, old := e.CreateKey(t, owner, "Zapier")
		updateKey(t, e, auth, map[string]any{"id": id, "note": "Weekly sync"})
		secretAdmitted(t, e, "before the roll", old, owner.ID) // cached now
		before := rolledKeyRequests(t, e, auth, id)
		if before != 2 {
			t.Errorf("requestCount before the roll = %d, want 2", before)
		}

		secret, key := mustRoll(t, e, auth, id, 0)
		if !strings.HasPrefix(secret, "kf_") || secret == old {
			t.Errorf("new secret %q: want a fresh kf_ secret", secret)
		}
		if key["id"] != id || key["name"] != "Zapier" || key["note"] != "Weekly sync" || key["access"] != "FULL" ||
			key["expiresAt"] != nil || key["previousSecretExpiresAt"] != nil {
			t.Errorf("rolled key: %v", key)
		}
		if key["last4"] != secret[len(secret)-4:] || key["last4"] == old[len(old)-4:] {
			t.Errorf("last4 %v: want the new secret's %q", key["last4"], secret[len(secret)-4:])
		}

		secretRefused(t, e, "the old secret right after the roll", old)
		secretAdmitted(t, e, "the new secret", secret, owner.ID)
		if got := rolledKeyRequests(t, e, auth, id); got != before+2 {
			t.Errorf("requestCount after the roll = %d, want %d", got, before+2)
		}
		if got := previousExpiry(t, e, auth, id); got != nil {
			t.Errorf("previousSecretExpiresAt = %v, want null", got)
		}
		// The hashes only: neither secret is stored.
		table := auditTable(t, e)
		for _, s := range []string{old, secret} {
			if strings.Contains(table, s) {
				t.Errorf("a secret is in the audit log")
			}
		}
	})
}

// A roll with a grace: the old secret, cached before the roll, is admitted
// until the grace's end and refused at that very instant, on /graphql and
// /auth/verify. Its requests count as the key's usage. The clock is moved,
// not waited for.
func TestRollAPIKeyWithGrace(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			clock := clockwork.NewFakeClockAt(time.Now())
			e := testkit.NewEnvAt(t, kind, clock, nil)
			owner := e.SignUp(t, "Graceful")
			auth := testkit.Bearer(owner.Token)
			id, old := e.CreateKey(t, owner, "Mailchimp")
			secretAdmitted(t, e, "before the roll", old, owner.ID)

			rolledAt := clock.Now().UTC().Truncate(time.Microsecond)
			secret, key := mustRoll(t, e, auth, id, 10)
			end := rolledAt.Add(10 * time.Second)
			want := end.Format(time.RFC3339Nano)
			if key["previousSecretExpiresAt"] != want {
				t.Errorf("previousSecretExpiresAt = %v, want %s", key["previousSecretExpiresAt"], want)
			}
			if key["id"] != id || key["last4"] != secret[len(secret)-4:] {
				t.Errorf("rolled key: %v", key)
			}

			// previousSecretLastUsedAt follows the previous secret's uses
			// since the roll, and only those.
			if got := previousLastUsed(t, e, auth, id); got != nil {
				t.Errorf("previousSecretLastUsedAt right after the roll = %v, want null", got)
			}
			secretAdmitted(t, e, "the old secret in the grace", old, owner.ID)
			if got := previousLastUsed(t, e, auth, id); got != rolledAt.Format(time.RFC3339Nano) {
				t.Errorf("previousSecretLastUsedAt = %v, want %s", got, rolledAt.Format(time.RFC3339Nano))
			}
			clock.Advance(time.Second)
			secretAdmitted(t, e, "the new secret", secret, owner.ID)
			if got := previousLastUsed(t, e, auth, id); got != rolledAt.Format(time.RFC3339Nano) {
				t.Errorf("previousSecretLastUsedAt after the new secret's use = %v, want %s", got, rolledAt.Format(time.RFC3339Nano))
			}
			clock.Advance(end.Sub(clock.Now()) - time.Nanosecond)
			secretAdmitted(t, e, "the old secret a nanosecond before the end", old, owner.ID)
			lastUse := clock.Now().UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
			if got := previousLastUsed(t, e, auth, id); got != lastUse {
				t.Errorf("previousSecretLastUsedAt = %v, want %s", got, lastUse)
			}
			if got := previousExpiry(t, e, auth, id); got != want {
				t.Errorf("previousSecretExpiresAt in the grace = %v, want %s", got, want)
			}
			clock.Advance(time.Nanosecond)
			secretRefused(t, e, "the old secret at the grace's end", old)
			secretAdmitted(t, e, "the new secret at the grace's end", secret, owner.ID)
			clock.Advance(time.Hour)
			secretRefused(t, e, "the old secret an hour later", old)
			if got := previousExpiry(t, e, auth, id); got != nil {
				t.Errorf("previousSecretExpiresAt after the grace = %v, want null", got)
			}
			if got := previousLastUsed(t, e, auth, id); got != nil {
				t.Errorf("previousSecretLastUsedAt after the grace = %v, want null", got)
			}
			// Every admitted request counted on the one key: 2 before the
			// roll, 4 with the old secret in the grace, 4 with the new one.
			if got := rolledKeyRequests(t, e, auth, id); got != 10 {
				t.Errorf("requestCount = %d, want 10", got)
			}
		})
	}
}

// Rolling again while the previous secret is live revokes that older one
// at once: no more than two secrets ever work.
func TestRollAPIKeyTwiceRevokesTheOlderSecret(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Twice")
		auth := testkit.Bearer(owner.Token)
		id, first := e.CreateKey(t, owner, "Segment")
		second, _ := mustRoll(t, e, auth, id, 3600)
		secretAdmitted(t, e, "the first secret after one roll", first, owner.ID)
		if previousLastUsed(t, e, auth, id) == nil {
			t.Errorf("previousSecretLastUsedAt is null after the first secret's use")
		}
		third, key := mustRoll(t, e, auth, id, 3600)
		if got := previousLastUsed(t, e, auth, id); got != nil {
			t.Errorf("previousSecretLastUsedAt after a second roll = %v, want null: the second secret is unused since", got)
		}
		secretRefused(t, e, "the first secret after two rolls", first)
		secretAdmitted(t, e, "the second secret after two rolls", second, owner.ID)
		secretAdmitted(t, e, "the third secret", third, owner.ID)
		if key["previousSecretExpiresAt"] == nil {
			t.Errorf("previousSecretExpiresAt is null after a roll with a grace")
		}
		// A roll with no grace ends the live previous secret too.
		fourth, _ := mustRoll(t, e, auth, id, 0)
		secretRefused(t, e, "the second secret after a roll without grace", second)
		secretRefused(t, e, "the third secret after a roll without grace", third)
		secretAdmitted(t, e, "the fourth secret", fourth, owner.ID)
		// Deleting the key ends every secret it has.
		fifth, _ := mustRoll(t, e, auth, id, 3600)
		secretAdmitted(t, e, "the fourth secret in its grace", fourth, owner.ID)
		if resp := tryDeleteKey(t, e, auth, id); len(resp.Errors) > 0 {
			t.Fatalf("deleteApiKey: %s", resp.Body)
		}
		secretRefused(t, e, "the previous secret of a deleted key", fourth)
		secretRefused(t, e, "the secret of a deleted key", fifth)
	})
}

// The grace is 0 to 7 days; an expired key cannot be rolled; whoever may
// delete a key may roll it, and nobody else learns it exists. A refused
// roll changes nothing.
func TestRollAPIKeyRefusals(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			clock := clockwork.NewFakeClockAt(time.Now())
			e := testkit.NewEnvAt(t, kind, clock, nil)
			owner := e.SignUp(t, "Refusals")
			auth := testkit.Bearer(owner.Token)
			id, secret := e.CreateKey(t, owner, "Kept")
			unchanged := func(when string) {
				t.Helper()
				data := e.MustDo(t, testkit.Request{Auth: auth, Query: `query($id: ID!) { apiKey(id: $id) { last4 previousSecretExpiresAt } }`, Variables: map[string]any{"id": id}})
				if testkit.Dig(data, "apiKey", "last4") != secret[len(secret)-4:] || testkit.Dig(data, "apiKey", "previousSecretExpiresAt") != nil {
					t.Errorf("%s: the key changed: %v", when, data)
				}
				testkit.AssertCredentialWorks(t, e, testkit.Bearer(secret), owner.ID)
			}

			for _, grace := range []any{-1, 604801, 1 << 40, nil} {
				before := e.RowCounts(t)
				resp := rollKey(t, e, auth, map[string]any{"id": id, "gracePeriodSeconds": grace})
				if !testkit.WantError(t, resp, "BAD_USER_INPUT", "gracePeriodSeconds") {
					t.Errorf("grace %v: %s", grace, resp.Body)
				}
				if after := e.RowCounts(t); after["audit_events"] != before["audit_events"] {
					t.Errorf("grace %v: a refused roll was audited", grace)
				}
				unchanged("a refused grace")
			}

			t.Run("the secret guard", func(t *testing.T) {
				for name, q := range map[string]string{
					"no secret":      `mutation($id: ID!) { rollApiKey(input: {id: $id}) { apiKey { id } } }`,
					"secret skipped": `mutation($id: ID!) { rollApiKey(input: {id: $id}) { secret @skip(if: true) apiKey { id } } }`,
				} {
					before := e.RowCounts(t)
					resp := e.Do(t, testkit.Request{Auth: auth, Query: q, Variables: map[string]any{"id": id}})
					if !testkit.WantError(t, resp, "BAD_USER_INPUT", "secret") || !strings.Contains(resp.Errors[0].Message, "select secret") {
						t.Errorf("%s: %s", name, resp.Body)
					}
					if after := e.RowCounts(t); after["audit_events"] != before["audit_events"] {
						t.Errorf("%s: a refused roll was audited", name)
					}
					unchanged(name)
				}
			})

			t.Run("who may roll", func(t *testing.T) {
				admin := e.CreateUser(t, owner, "ADMIN")
				agent := e.CreateUser(t, owner, "AGENT")
				colleague := e.CreateUser(t, owner, "AGENT")
				stranger := e.SignUp(t, "Strangers")
				colleagueKey, _ := e.CreateKey(t, colleague, "Colleague's")
				agentKey, _ := e.CreateKey(t, agent, "Agent's")
				missing := credential.NewID("key")
				for _, r := range []struct {
					who    *testkit.User
					target string
				}{{agent, colleagueKey}, {agent, id}, {stranger, id}, {stranger, agentKey}} {
					a := testkit.Bearer(r.who.Token)
					want := rollKey(t, e, a, map[string]any{"id": missing})
					testkit.WantError(t, want, "NOT_FOUND", "")
					testkit.SameAnswer(t, "rollApiKey(a foreign key)", rollKey(t, e, a, map[string]any{"id": r.target}), want)
				}
				unchanged("after foreign rolls")
				testkit.WantError(t, rollKey(t, e, testkit.Bearer(secret), map[string]any{"id": id}), "FORBIDDEN", "")
				unchanged("after a roll with an API key")
				mustRoll(t, e, testkit.Bearer(admin.Token), agentKey, 0)
				mustRoll(t, e, testkit.Bearer(agent.Token), agentKey, 60)
			})

			t.Run("an expired key", func(t *testing.T) {
				expires := clock.Now().Add(10 * time.Second).UTC().Format(time.RFC3339Nano)
				data := e.MustDo(t, testkit.Request{Auth: auth, Query: `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`,
					Variables: map[string]any{"in": map[string]any{"name": "Short-lived", "expiresAt": expires}}})
				shortID := testkit.Dig(data, "createApiKey", "apiKey", "id").(string)
				_, key := mustRoll(t, e, auth, shortID, 3600)
				if key["expiresAt"] != testkit.MustTime(t, expires).Truncate(time.Microsecond).Format(time.RFC3339Nano) {
					t.Errorf("the roll changed the expiry: %v, want %s", key["expiresAt"], expires)
				}
				clock.Advance(10 * time.Second)
				resp := rollKey(t, e, auth, map[string]any{"id": shortID})
				if !testkit.WantError(t, resp, "BAD_USER_INPUT", "id") {
					t.Errorf("rolling an expired key: %s", resp.Body)
				}
			})
		})
	}
}

// A roll is audited with its grace period, naming the key by its new last4.
func TestAuditKeyRolled(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Audited Rolls")
		agent := e.CreateUser(t, owner, "AGENT")
		id, _ := e.CreateKey(t, agent, "HubSpot")
		var last4s []string
		for _, grace := range []int{0, 3600} {
			data := auditDo(t, e, testkit.Bearer(owner.Token), testkit.RollKeyMutation, map[string]any{"in": map[string]any{"id": id, "gracePeriodSeconds": grace}})
			last4s = append(last4s, testkit.Dig(data, "rollApiKey", "apiKey", "last4").(string))
		}
		event := func(detail, last4 string) wantEvent {
			return wantEvent{action: "API_KEY_ROLLED", actor: owner.ID, actorEmail: owner.Email, target: agent.ID, detail: detail,
				key: &keyRef{id, "HubSpot", last4}, overHTTP: true}
		}
		groups := [][]wantEvent{{event("grace 0s", last4s[0])}, {event("grace 3600s", last4s[1])}}
		log := auditLog(t, e, testkit.Bearer(owner.Token))
		if len(log) < len(groups) {
			t.Fatalf("%d events, want at least %d", len(log), len(groups))
		}
		checkLog(t, log[:len(groups)], groups, auditTestUA)
	})
}

// A legacy Default API Key (hex, from a sign-up on or before 2021-07-30)
// rolls to a kf_ secret, and keeps what it had: its id, its being the
// default, and the mobile sessions bound to it, which still work.
func TestRollTheLegacyDefaultKey(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		a := testkit.NewTenantA(t, e)
		if strings.HasPrefix(a.DefaultKey, "kf_") {
			t.Fatalf("the Default API Key of a 2021 sign-up is %q, want the legacy hex format", a.DefaultKey)
		}
		owner := testkit.Bearer(a.Owner.Token)
		secret, key := mustRoll(t, e, owner, a.DefaultKeyID, 0)
		if !strings.HasPrefix(secret, "kf_") || key["id"] != a.DefaultKeyID || key["last4"] != secret[len(secret)-4:] {
			t.Fatalf("rolled Default API Key: secret %q, key %v", secret, key)
		}
		data := e.MustDo(t, testkit.Request{Auth: owner, Query: `query($id: ID!) { apiKey(id: $id) { isDefault activeMobileSessions } }`, Variables: map[string]any{"id": a.DefaultKeyID}})
		if testkit.Dig(data, "apiKey", "isDefault") != true || testkit.Dig(data, "apiKey", "activeMobileSessions") != 1.0 {
			t.Fatalf("after the roll the key is %v, want still the default with its 1 mobile session", data)
		}
		if _, id := e.ViewerID(t, testkit.Bearer(a.MobileToken)); id != a.Owner.ID {
			t.Fatal("the mobile session bound to the Default API Key stopped working when the key was rolled")
		}
		if _, id := e.ViewerID(t, testkit.Bearer(secret)); id != a.Owner.ID {
			t.Fatal("the rolled Default API Key's new secret does not work")
		}
		if resp, _ := e.ViewerID(t, testkit.Bearer(a.DefaultKey)); resp.Status != http.StatusUnauthorized {
			t.Fatalf("the legacy secret still works after a roll without grace: %d", resp.Status)
		}
	})
}
