package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/model"
)

const auditQuery = `query($first: Int, $after: String) { auditEvents(first: $first, after: $after) {
	totalCount
	nodes { id action occurredAt actor { id email } actorEmail ip userAgent apiKeyId apiKeyName apiKeyLast4 targetUser { id } detail }
	edges { cursor node { id } }
	pageInfo { hasNextPage endCursor } } }`

// auditTestUA is the User-Agent the audit tests send; the log must keep it.
const auditTestUA = "KeyfobAuditTest/1.0 (audit log; +https://example.test)"

// auditEvent is an AuditEvent as a client reads it.
type auditEvent struct {
	ID, Action, OccurredAt                                       string
	Actor                                                        *struct{ ID, Email string }
	ActorEmail, IP, UserAgent, APIKeyID, APIKeyName, APIKeyLast4 *string
	TargetUser                                                   *struct{ ID string }
	Detail                                                       *string
}

type auditPage struct {
	TotalCount int
	Nodes      []auditEvent
	Edges      []struct {
		Cursor string
		Node   struct{ ID string }
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

// tryAuditEvents asks for one page of the audit log with auth.
func tryAuditEvents(t *testing.T, e *testkit.Env, auth string, vars map[string]any) (*testkit.Response, *auditPage) {
	t.Helper()
	resp := e.Do(t, testkit.Request{Auth: auth, Query: auditQuery, Variables: vars})
	var parsed struct {
		Data struct{ AuditEvents *auditPage }
	}
	if err := json.Unmarshal([]byte(resp.Body), &parsed); err != nil {
		t.Fatalf("auditEvents response: %v: %s", err, resp.Body)
	}
	return resp, parsed.Data.AuditEvents
}

// auditLog returns the whole audit log that auth may read, newest first.
func auditLog(t *testing.T, e *testkit.Env, auth string) []auditEvent {
	t.Helper()
	resp, page := tryAuditEvents(t, e, auth, map[string]any{"first": 100})
	if len(resp.Errors) > 0 || page == nil {
		t.Fatalf("auditEvents: status %d: %s", resp.Status, resp.Body)
	}
	if page.PageInfo.HasNextPage || page.TotalCount != len(page.Nodes) {
		t.Fatalf("audit log longer than one page of 100: totalCount %d", page.TotalCount)
	}
	return page.Nodes
}

// auditDo runs a GraphQL request as a browser would, with auditTestUA.
func auditDo(t *testing.T, e *testkit.Env, auth, query string, vars map[string]any) map[string]any {
	t.Helper()
	return e.MustDo(t, testkit.Request{Auth: auth, Query: query, Variables: vars, Headers: map[string]string{"User-Agent": auditTestUA}})
}

// auditTable renders every stored audit event, for checks on what is kept.
func auditTable(t *testing.T, e *testkit.Env) string {
	t.Helper()
	var rows []model.AuditEvent
	if err := e.Store.Gorm().Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(rows)
	return string(out)
}

func auditRowCount(t *testing.T, e *testkit.Env) int64 {
	t.Helper()
	var n int64
	if err := e.Store.Gorm().Table("audit_events").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// keyRef is how an event names a key.
type keyRef struct{ id, name, last4 string }

// wantEvent is an expected event; "" means null.
type wantEvent struct {
	action, actor, actorEmail, target, detail string
	key                                       *keyRef
	// overHTTP events carry the test client's address and user agent;
	// the others (operator commands, the domain path) carry neither.
	overHTTP bool
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// checkEvent compares got with w field by field.
func checkEvent(t *testing.T, got auditEvent, w wantEvent, ua string) {
	t.Helper()
	actor := ""
	if got.Actor != nil {
		actor = got.Actor.ID
	}
	target := ""
	if got.TargetUser != nil {
		target = got.TargetUser.ID
	}
	key := keyRef{}
	if w.key != nil {
		key = *w.key
	}
	wantIP, wantUA := "", ""
	if w.overHTTP {
		wantIP, wantUA = "127.0.0.1", ua
	}
	fields := []struct{ name, got, want string }{
		{"action", got.Action, w.action},
		{"actor", actor, w.actor},
		{"actorEmail", str(got.ActorEmail), w.actorEmail},
		{"ip", str(got.IP), wantIP},
		{"userAgent", str(got.UserAgent), wantUA},
		{"apiKeyId", str(got.APIKeyID), key.id},
		{"apiKeyName", str(got.APIKeyName), key.name},
		{"apiKeyLast4", str(got.APIKeyLast4), key.last4},
		{"targetUser", target, w.target},
		{"detail", str(got.Detail), w.detail},
	}
	for _, f := range fields {
		if f.got != f.want {
			t.Errorf("%s event: %s = %q, want %q", w.action, f.name, f.got, f.want)
		}
	}
	if got.Actor != nil && got.Actor.Email != w.actorEmail {
		t.Errorf("%s event: actor.email = %q, want %q", w.action, got.Actor.Email, w.actorEmail)
	}
	if !credential.ValidID("evt", got.ID) {
		t.Errorf("%s event: id %q is not an event id", w.action, got.ID)
	}
}

// checkLog compares a newest-first log with groups of expected events,
// oldest group first. Events of one group share a transaction, so their
// order among themselves is not fixed.
func checkLog(t *testing.T, log []auditEvent, groups [][]wantEvent, ua string) {
	t.Helper()
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	if len(log) != n {
		var actions []string
		for _, ev := range log {
			actions = append(actions, ev.Action)
		}
		t.Fatalf("audit log has %d events %v, want %d", len(log), actions, n)
	}
	var prev time.Time
	for i := range log {
		at := testkit.MustTime(t, log[i].OccurredAt)
		if i > 0 && at.After(prev) {
			t.Errorf("event %d (%s) at %s is newer than the one before it: not newest first", i, log[i].Action, at)
		}
		prev = at
	}
	pos := len(log) - 1 // oldest
	for _, g := range groups {
		batch := map[string]auditEvent{}
		for i := 0; i < len(g); i++ {
			ev := log[pos-i]
			batch[ev.Action+" "+str(ev.APIKeyID)] = ev
		}
		pos -= len(g)
		for _, w := range g {
			id := ""
			if w.key != nil {
				id = w.key.id
			}
			ev, ok := batch[w.action+" "+id]
			if !ok {
				t.Errorf("no %s event (key %q) where expected; got %v", w.action, id, batch)
				continue
			}
			checkEvent(t, ev, w, ua)
		}
	}
}

func TestAuditEventsForEachAction(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		var groups [][]wantEvent
		expect := func(ws ...wantEvent) { groups = append(groups, ws) }

		// Sign-up: the account, then the log-in the signUp mutation makes.
		email, password := testkit.UniqueEmail("audit-owner"), "correct horse battery"
		data := auditDo(t, e, "", `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id account { id } } } }`,
			map[string]any{"in": map[string]any{"accountName": "Audit Realty", "name": "Olive", "email": email, "password": password}})
		owner := &testkit.User{ID: testkit.Dig(data, "signUp", "user", "id").(string), AccountID: testkit.Dig(data, "signUp", "user", "account", "id").(string),
			Email: email, Password: password, Token: testkit.Dig(data, "signUp", "token").(string)}
		expect(wantEvent{action: "SIGNED_UP", actor: owner.ID, actorEmail: email, overHTTP: true})
		expect(wantEvent{action: "LOGGED_IN", actor: owner.ID, actorEmail: email, detail: "WEB", overHTTP: true})

		// A failed log-in for an existing email: nobody is signed in.
		resp := e.Do(t, testkit.Request{Query: `mutation($in: LogInInput!) { logIn(input: $in) { token } }`,
			Variables: map[string]any{"in": map[string]any{"email": email, "password": "not the password"}},
			Headers:   map[string]string{"User-Agent": auditTestUA}})
		testkit.WantError(t, resp, "UNAUTHENTICATED", "")
		expect(wantEvent{action: "LOGIN_FAILED", actorEmail: email, target: owner.ID, overHTTP: true})

		// A mobile log-in and its log-out.
		logIn := `mutation($in: LogInInput!) { logIn(input: $in) { token } }`
		data = auditDo(t, e, "", logIn, map[string]any{"in": map[string]any{"email": email, "password": password, "client": "MOBILE"}})
		mobile := testkit.Dig(data, "logIn", "token").(string)
		expect(wantEvent{action: "LOGGED_IN", actor: owner.ID, actorEmail: email, detail: "MOBILE", overHTTP: true})
		auditDo(t, e, testkit.Bearer(mobile), `mutation { logOut }`, nil)
		expect(wantEvent{action: "LOGGED_OUT", actor: owner.ID, actorEmail: email, detail: "MOBILE", overHTTP: true})

		// A new agent, who logs in.
		agentEmail := testkit.UniqueEmail("audit-agent")
		data = auditDo(t, e, testkit.Bearer(owner.Token), `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
			map[string]any{"in": map[string]any{"name": "Aaron", "email": agentEmail, "password": "another fine password", "role": "AGENT"}})
		agent := &testkit.User{ID: testkit.Dig(data, "createUser", "user", "id").(string), Email: agentEmail}
		expect(wantEvent{action: "USER_CREATED", actor: owner.ID, actorEmail: email, target: agent.ID, detail: "AGENT", overHTTP: true})
		data = auditDo(t, e, "", logIn, map[string]any{"in": map[string]any{"email": agentEmail, "password": "another fine password"}})
		agent.Token = testkit.Dig(data, "logIn", "token").(string)
		expect(wantEvent{action: "LOGGED_IN", actor: agent.ID, actorEmail: agentEmail, detail: "WEB", overHTTP: true})

		// The owner creates a key and deletes it.
		create := `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id name last4 } } }`
		data = auditDo(t, e, testkit.Bearer(owner.Token), create, map[string]any{"in": map[string]any{"name": "Zapier"}})
		ownerSecret := testkit.Dig(data, "createApiKey", "secret").(string)
		ownerKey := &keyRef{testkit.Dig(data, "createApiKey", "apiKey", "id").(string), "Zapier", testkit.Dig(data, "createApiKey", "apiKey", "last4").(string)}
		expect(wantEvent{action: "API_KEY_CREATED", actor: owner.ID, actorEmail: email, target: owner.ID, key: ownerKey, overHTTP: true})
		auditDo(t, e, testkit.Bearer(owner.Token), testkit.DeleteKeyMutation, map[string]any{"id": ownerKey.id})
		expect(wantEvent{action: "API_KEY_DELETED", actor: owner.ID, actorEmail: email, target: owner.ID, key: ownerKey, overHTTP: true})

		// The agent creates a key of their own.
		data = auditDo(t, e, testkit.Bearer(agent.Token), create, map[string]any{"in": map[string]any{"name": "Mailchimp sync"}})
		agentSecret := testkit.Dig(data, "createApiKey", "secret").(string)
		agentKey := &keyRef{testkit.Dig(data, "createApiKey", "apiKey", "id").(string), "Mailchimp sync", testkit.Dig(data, "createApiKey", "apiKey", "last4").(string)}
		expect(wantEvent{action: "API_KEY_CREATED", actor: agent.ID, actorEmail: agentEmail, target: agent.ID, key: agentKey, overHTTP: true})

		// The operator turns the Power-Up on: no actor, no HTTP request.
		e.PowerUp(t, owner.AccountID, true)
		expect(wantEvent{action: "POWER_UP_CHANGED", detail: "enabled by operator"})
		// Enabling it again changes nothing, so it records nothing.
		e.PowerUp(t, owner.AccountID, true)

		// The owner takes the agent's access away, which deletes their key.
		auditDo(t, e, testkit.Bearer(owner.Token), testkit.SetAccessMutation, map[string]any{"in": map[string]any{"userId": agent.ID, "enabled": false}})
		expect(
			wantEvent{action: "API_ACCESS_CHANGED", actor: owner.ID, actorEmail: email, target: agent.ID, detail: "disabled", overHTTP: true},
			wantEvent{action: "API_KEY_DELETED", actor: owner.ID, actorEmail: email, target: agent.ID, key: agentKey, overHTTP: true},
		)
		e.PowerUp(t, owner.AccountID, false)
		expect(wantEvent{action: "POWER_UP_CHANGED", detail: "disabled by operator"})

		resp = e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: auditQuery, Variables: map[string]any{"first": 100}})
		log := auditLog(t, e, testkit.Bearer(owner.Token))
		checkLog(t, log, groups, auditTestUA)

		// Events name keys by last4; no secret is ever shown or stored.
		stored := auditTable(t, e)
		for name, secret := range map[string]string{"owner's key": ownerSecret, "agent's key": agentSecret} {
			if strings.Contains(resp.Body, secret) {
				t.Errorf("auditEvents shows the %s secret", name)
			}
			if strings.Contains(stored, secret) || strings.Contains(stored, testkit.SHA256Hex(secret)) {
				t.Errorf("audit_events holds the %s secret or its hash", name)
			}
		}
		for _, p := range []string{password, "not the password", "another fine password"} {
			if strings.Contains(resp.Body, p) || strings.Contains(stored, p) {
				t.Errorf("the audit log holds the password %q", p)
			}
		}
	})
}

func TestAuditMobileSessionsLoggedOut(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		// The operator's path: sign-up in 2021 brings a Default API Key.
		res, u := signUpAt(t, e, time.Date(2021, 3, 15, 14, 0, 0, 0, time.UTC))
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(u.Token), Query: `{ apiKeys { nodes { id last4 } } }`})
		defaultKey := keyRef{testkit.Dig(data, "apiKeys", "nodes", 0, "id").(string), model.DefaultAPIKeyName, testkit.Dig(data, "apiKeys", "nodes", 0, "last4").(string)}
		e.LogIn(t, u.Email, u.Password, "MOBILE")
		e.LogIn(t, u.Email, u.Password, "MOBILE")

		data = auditDo(t, e, testkit.Bearer(u.Token), testkit.DeleteKeyMutation, map[string]any{"id": defaultKey.id})
		if testkit.Dig(data, "deleteApiKey", "loggedOutMobileSessions") != 2.0 {
			t.Fatalf("delete payload %v, want 2 sessions logged out", data)
		}
		owner := wantEvent{actor: u.ID, actorEmail: u.Email}
		at := func(w wantEvent, action, detail string, key *keyRef, target string, overHTTP bool) wantEvent {
			w.action, w.detail, w.key, w.target, w.overHTTP = action, detail, key, target, overHTTP
			return w
		}
		log := auditLog(t, e, testkit.Bearer(u.Token))
		// Events made over HTTP by the test helpers carry Go's user agent;
		// checkLog compares them with it.
		goUA := "Go-http-client/1.1"
		checkLog(t, log[:2], [][]wantEvent{{
			at(owner, "API_KEY_DELETED", "", &defaultKey, u.ID, true),
			at(owner, "MOBILE_SESSIONS_LOGGED_OUT", "2", &defaultKey, u.ID, true),
		}}, auditTestUA)
		checkLog(t, log[2:], [][]wantEvent{
			{at(owner, "SIGNED_UP", "", nil, "", false), at(owner, "API_KEY_CREATED", "", &defaultKey, u.ID, false)},
			{at(owner, "LOGGED_IN", "WEB", nil, "", true)},
			{at(owner, "LOGGED_IN", "MOBILE", nil, "", true)},
			{at(owner, "LOGGED_IN", "MOBILE", nil, "", true)},
		}, goUA)
		if strings.Contains(auditTable(t, e), res.DefaultKeySecret) {
			t.Error("audit_events holds the Default API Key's secret")
		}
	})
}

func TestAuditEventsPagination(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Paged Realty") // SIGNED_UP, LOGGED_IN
		for _, name := range []string{"one", "two", "three", "four", "five"} {
			e.CreateKey(t, owner, name)
		}
		all := auditLog(t, e, testkit.Bearer(owner.Token))
		if len(all) != 7 {
			t.Fatalf("%d events, want 7", len(all))
		}
		if all[0].Action != "API_KEY_CREATED" || str(all[0].APIKeyName) != "five" || all[6].Action != "SIGNED_UP" {
			t.Errorf("not newest first: first %s %s, last %s", all[0].Action, str(all[0].APIKeyName), all[6].Action)
		}
		var ids []string
		var after any
		for i, want := range []struct {
			n    int
			more bool
		}{{3, true}, {3, true}, {1, false}} {
			resp, page := tryAuditEvents(t, e, testkit.Bearer(owner.Token), map[string]any{"first": 3, "after": after})
			if len(resp.Errors) > 0 {
				t.Fatalf("page %d: %s", i, resp.Body)
			}
			if len(page.Nodes) != want.n || page.PageInfo.HasNextPage != want.more || page.TotalCount != 7 {
				t.Fatalf("page %d: %d nodes, hasNextPage %v, totalCount %d; want %d, %v, 7", i, len(page.Nodes), page.PageInfo.HasNextPage, page.TotalCount, want.n, want.more)
			}
			for j, n := range page.Nodes {
				if page.Edges[j].Node.ID != n.ID {
					t.Errorf("page %d: edge %d is %s, node is %s", i, j, page.Edges[j].Node.ID, n.ID)
				}
				ids = append(ids, n.ID)
			}
			last := page.Edges[len(page.Edges)-1].Cursor
			if page.PageInfo.EndCursor == nil || *page.PageInfo.EndCursor != last {
				t.Errorf("page %d: endCursor %v, want the last edge's cursor %s", i, page.PageInfo.EndCursor, last)
			}
			after = last
		}
		for i, ev := range all {
			if ids[i] != ev.ID {
				t.Fatalf("paging gives %v, one page gives a different order", ids)
			}
		}
		// Paging past the end gives an empty page.
		_, page := tryAuditEvents(t, e, testkit.Bearer(owner.Token), map[string]any{"first": 3, "after": after})
		if page == nil || len(page.Nodes) != 0 || page.PageInfo.HasNextPage || page.PageInfo.EndCursor != nil {
			t.Errorf("page past the end: %+v", page)
		}

		keyCursor := testkit.Dig(e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: keyPageQuery}), "apiKeys", "pageInfo", "endCursor")
		for name, c := range map[string]struct {
			vars  map[string]any
			field string
		}{
			"first 0":          {map[string]any{"first": 0}, "first"},
			"first 101":        {map[string]any{"first": 101}, "first"},
			"first -1":         {map[string]any{"first": -1}, "first"},
			"after garbage":    {map[string]any{"after": "not a cursor"}, "after"},
			"after empty":      {map[string]any{"after": ""}, "after"},
			"after a key's":    {map[string]any{"after": keyCursor}, "after"},
			"after with a NUL": {map[string]any{"after": "MTIz\x00OmV2dA"}, "after"},
		} {
			t.Run(name, func(t *testing.T) {
				resp, _ := tryAuditEvents(t, e, testkit.Bearer(owner.Token), c.vars)
				testkit.WantError(t, resp, "BAD_USER_INPUT", c.field)
				testkit.AssertNoLeak(t, resp)
			})
		}
	})
}

func TestAuditEventsAccess(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Guarded Realty")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		_, ownerKey := e.CreateKey(t, owner, "Owner's integration")
		_, adminKey := e.CreateKey(t, admin, "Admin's integration")
		_, agentKey := e.CreateKey(t, agent, "Agent's integration")

		ownerLog := auditLog(t, e, testkit.Bearer(owner.Token))
		if len(ownerLog) == 0 {
			t.Fatal("the owner sees an empty audit log")
		}
		for name, auth := range map[string]string{
			"admin": testkit.Bearer(admin.Token), "owner's API key": testkit.Bearer(ownerKey), "owner's API key as Basic": testkit.Basic(ownerKey, ""),
			"admin's API key": testkit.Bearer(adminKey),
		} {
			t.Run(name+" may read", func(t *testing.T) {
				if log := auditLog(t, e, auth); len(log) != len(ownerLog) || log[len(log)-1].ID != ownerLog[len(ownerLog)-1].ID {
					t.Errorf("%s sees %d events, the owner %d", name, len(log), len(ownerLog))
				}
			})
		}
		for name, auth := range map[string]string{"agent": testkit.Bearer(agent.Token), "agent's API key": testkit.Bearer(agentKey)} {
			t.Run(name+" may not", func(t *testing.T) {
				resp, page := tryAuditEvents(t, e, auth, nil)
				testkit.WantError(t, resp, "FORBIDDEN", "")
				if page != nil {
					t.Errorf("%s got a page: %s", name, resp.Body)
				}
				// Even a bad argument answers FORBIDDEN: an agent learns nothing.
				resp, _ = tryAuditEvents(t, e, auth, map[string]any{"first": 0})
				testkit.WantError(t, resp, "FORBIDDEN", "")
			})
		}
		t.Run("nobody signed in", func(t *testing.T) {
			resp, page := tryAuditEvents(t, e, "", nil)
			testkit.WantError(t, resp, "UNAUTHENTICATED", "")
			if page != nil {
				t.Errorf("anonymous request got a page: %s", resp.Body)
			}
		})
	})
}

func TestAuditEventsTenantIsolation(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		a := e.SignUp(t, "Realty A")
		aAgent := e.CreateUser(t, a, "AGENT")
		aKeyID, _ := e.CreateKey(t, a, "A's integration")
		e.MustDo(t, deleteKeyRequest(testkit.Bearer(a.Token), aKeyID))
		logIn := func(email string) {
			resp := e.Do(t, testkit.Request{Query: `mutation($in: LogInInput!) { logIn(input: $in) { token } }`,
				Variables: map[string]any{"in": map[string]any{"email": email, "password": "wrong password!"}}})
			testkit.WantError(t, resp, "UNAUTHENTICATED", "")
		}
		logIn(aAgent.Email)
		unknown := testkit.UniqueEmail("nobody")
		logIn(unknown)

		b := e.SignUp(t, "Realty B")
		bAdmin := e.CreateUser(t, b, "ADMIN")
		bKeyID, _ := e.CreateKey(t, bAdmin, "B's integration")

		aLog := auditLog(t, e, testkit.Bearer(a.Token))
		bLog := auditLog(t, e, testkit.Bearer(b.Token))
		aUsers := map[string]bool{a.ID: true, aAgent.ID: true}
		bUsers := map[string]bool{b.ID: true, bAdmin.ID: true}
		check := func(name string, log []auditEvent, own map[string]bool, ownKey, otherKey string, otherEmails ...string) {
			t.Helper()
			sawKey := false
			for _, ev := range log {
				if ev.Actor != nil && !own[ev.Actor.ID] {
					t.Errorf("%s sees %s by %s of another account", name, ev.Action, ev.Actor.ID)
				}
				if ev.TargetUser != nil && !own[ev.TargetUser.ID] {
					t.Errorf("%s sees %s about %s of another account", name, ev.Action, ev.TargetUser.ID)
				}
				if str(ev.APIKeyID) == otherKey {
					t.Errorf("%s sees another account's key %s", name, otherKey)
				}
				sawKey = sawKey || str(ev.APIKeyID) == ownKey
				for _, other := range otherEmails {
					if str(ev.ActorEmail) == other {
						t.Errorf("%s sees %s for %s", name, ev.Action, other)
					}
				}
			}
			if !sawKey {
				t.Errorf("%s does not see its own key %s", name, ownKey)
			}
		}
		check("account A", aLog, aUsers, aKeyID, bKeyID, b.Email, bAdmin.Email, unknown)
		check("account B", bLog, bUsers, bKeyID, aKeyID, a.Email, aAgent.Email, unknown)

		// B's log is exactly B's doings: the owner's sign-up and log-in,
		// the new admin, their log-in, their key.
		var bActions []string
		for _, ev := range bLog {
			bActions = append(bActions, ev.Action)
		}
		if got, want := strings.Join(bActions, " "), "API_KEY_CREATED LOGGED_IN USER_CREATED LOGGED_IN SIGNED_UP"; got != want {
			t.Errorf("account B's log: %s, want %s", got, want)
		}
		// B's admin sees the same, and nothing of A either.
		if log := auditLog(t, e, testkit.Bearer(bAdmin.Token)); len(log) != len(bLog) {
			t.Errorf("B's admin sees %d events, B's owner %d", len(log), len(bLog))
		}

		// A's failed log-in shows in A's log, with the email typed.
		if len(aLog) == 0 || aLog[0].Action != "LOGIN_FAILED" || str(aLog[0].ActorEmail) != aAgent.Email ||
			aLog[0].Actor != nil || aLog[0].TargetUser == nil || aLog[0].TargetUser.ID != aAgent.ID {
			t.Errorf("A's newest event is not the failed log-in for its agent: %+v", aLog[0])
		}
		// The unknown email's failed log-in is stored for no account, and
		// without what was typed: that may be a password in the wrong field.
		var orphans []model.AuditEvent
		if err := e.Store.Gorm().Where("account_id IS NULL").Find(&orphans).Error; err != nil {
			t.Fatal(err)
		}
		if len(orphans) != 1 || orphans[0].Action != model.AuditLoginFailed || orphans[0].ActorEmail != nil {
			t.Errorf("events without an account: %+v; want one LOGIN_FAILED without the typed text", orphans)
		}

		// A cursor from A's log, given to B, reveals nothing of A.
		_, page := tryAuditEvents(t, e, testkit.Bearer(b.Token), map[string]any{"after": testkit.Dig(e.MustDo(t, testkit.Request{Auth: testkit.Bearer(a.Token),
			Query: `{ auditEvents(first: 1) { pageInfo { endCursor } } }`}), "auditEvents", "pageInfo", "endCursor")})
		if page == nil {
			t.Fatal("B with A's cursor got no page")
		}
		for _, ev := range page.Nodes {
			if ev.Actor != nil && !bUsers[ev.Actor.ID] {
				t.Errorf("B with A's cursor sees %s by %s", ev.Action, ev.Actor.ID)
			}
		}
	})
}

// TestAuditEventWrittenWithItsChange: an event exists if and only if the
// change it records committed.
func TestAuditEventWrittenWithItsChange(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Atomic Realty")
		e.PowerUp(t, owner.AccountID, true)
		agent := e.CreateUser(t, owner, "AGENT") // added under the Power-Up: no access

		refusals := []struct {
			name string
			do   func() *testkit.Response
			code string
		}{
			{"createApiKey without access", func() *testkit.Response { return tryCreateKey(t, e, testkit.Bearer(agent.Token), "Sneaky") }, "API_ACCESS_DISABLED"},
			{"deleteApiKey of a missing key", func() *testkit.Response {
				return tryDeleteKey(t, e, testkit.Bearer(owner.Token), credential.NewID("key"))
			}, "NOT_FOUND"},
			{"createUser with a taken email", func() *testkit.Response {
				return createUserAs(t, e, testkit.Bearer(owner.Token), "Dup", agent.Email, "another fine password", "ADMIN")
			}, "BAD_USER_INPUT"},
			{"setUserApiAccess on the owner", func() *testkit.Response { return trySetAccess(t, e, testkit.Bearer(owner.Token), owner.ID, false) }, "FORBIDDEN"},
			{"setUserApiAccess by an agent", func() *testkit.Response { return trySetAccess(t, e, testkit.Bearer(agent.Token), agent.ID, true) }, "FORBIDDEN"},
		}
		for _, r := range refusals {
			t.Run(r.name, func(t *testing.T) {
				before := auditRowCount(t, e)
				testkit.WantError(t, r.do(), r.code, "")
				if after := auditRowCount(t, e); after != before {
					t.Errorf("a refused %s wrote %d audit events", r.name, after-before)
				}
			})
		}

		// Without its event, no change commits: with the audit table gone,
		// changes fail whole.
		keyID, secret := e.CreateKey(t, owner, "Survivor")
		g := e.Store.Gorm()
		if err := g.Exec("ALTER TABLE audit_events RENAME TO audit_events_away").Error; err != nil {
			t.Fatal(err)
		}
		restored := false
		restore := func() {
			if !restored {
				restored = true
				if err := g.Exec("ALTER TABLE audit_events_away RENAME TO audit_events").Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		t.Cleanup(restore)
		before := e.RowCounts(t)
		testkit.WantError(t, tryCreateKey(t, e, testkit.Bearer(owner.Token), "Unrecorded"), "INTERNAL", "")
		testkit.WantError(t, tryDeleteKey(t, e, testkit.Bearer(owner.Token), keyID), "INTERNAL", "")
		resp := e.Do(t, testkit.Request{Query: `mutation($in: LogInInput!) { logIn(input: $in) { token } }`,
			Variables: map[string]any{"in": map[string]any{"email": owner.Email, "password": owner.Password}}})
		testkit.WantError(t, resp, "INTERNAL", "")
		if after := e.RowCounts(t); after["api_keys"] != before["api_keys"] || after["sessions"] != before["sessions"] {
			t.Errorf("changes committed without their events: %v, then %v", before, after)
		}
		restore()
		if _, id := e.ViewerID(t, testkit.Bearer(secret)); id != owner.ID {
			t.Error("the key whose deletion failed no longer works")
		}
		for _, ev := range auditLog(t, e, testkit.Bearer(owner.Token)) {
			if ev.Action == "API_KEY_CREATED" && str(ev.APIKeyName) == "Unrecorded" {
				t.Error("an event for a key that was never created")
			}
		}
	})
}

// TestAuditUserAgentStored: whatever a client sends as its User-Agent is
// stored, cleaned and cut to 512 bytes, on both databases.
func TestAuditUserAgentStored(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Agent Realty")
		for name, c := range map[string]struct{ sent, want string }{
			"invalid UTF-8 and too long": {"\xffMozilla" + strings.Repeat("é", 300), "Mozilla" + strings.Repeat("é", 252)},
			"none":                       {"", ""},
		} {
			t.Run(name, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader(`{"query":"mutation { createApiKey(input: {name: \"UA\"}) { secret } }"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", testkit.Bearer(owner.Token))
				req.Header["User-Agent"] = []string{c.sent} // "" stops Go from sending its own
				if resp := e.Send(t, req); len(resp.Errors) > 0 {
					t.Fatalf("createApiKey: %s", resp.Body)
				}
				newest := auditLog(t, e, testkit.Bearer(owner.Token))[0]
				if newest.Action != "API_KEY_CREATED" || str(newest.UserAgent) != c.want {
					t.Errorf("%s event with userAgent %q (%d bytes), want %q", newest.Action, str(newest.UserAgent), len(str(newest.UserAgent)), c.want)
				}
				if newest.UserAgent != nil && c.want == "" {
					t.Errorf("userAgent is %q, want null", *newest.UserAgent)
				}
			})
		}
	})
}
