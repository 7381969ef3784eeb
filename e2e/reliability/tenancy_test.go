package reliability

// The tenancy matrix: every root field of the schema (read from
// graph/*.graphqls, so a new field cannot be forgotten), called by every
// kind of caller from account B with account A's ids, answers exactly as it
// does for ids that do not exist, and nothing of A changes.

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/testkit"
)

// schemaRootFields lists "Query.viewer", "Mutation.signUp", … from the SDL.
func schemaRootFields(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(testkit.RepoPath("graph/*.graphqls"))
	if len(files) == 0 {
		t.Fatal("no graph/*.graphqls")
	}
	var out []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parser.ParseSchema(&ast.Source{Name: f, Input: string(raw)})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, def := range append(doc.Definitions, doc.Extensions...) {
			if def.Name != "Query" && def.Name != "Mutation" && def.Name != "Subscription" {
				continue
			}
			for _, field := range def.Fields {
				out = append(out, def.Name+"."+field.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// forgeCursor keeps a cursor's time and swaps its id for a fresh one of the
// same kind: a cursor of the right shape that names nothing.
func forgeCursor(t *testing.T, cursor string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		t.Fatalf("cursor %q: %v", cursor, err)
	}
	at, id, ok := strings.Cut(string(raw), ":")
	prefix, _, ok2 := strings.Cut(id, "_")
	if !ok || !ok2 {
		t.Fatalf("cursor %q is not time:id", raw)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(at + ":" + credential.NewID(prefix)))
}

// dumpAccount renders every row that belongs to account, ordered. Failed
// log-ins that typed one of its emails are audited to it by design, so
// LOGIN_FAILED events are left out.
func dumpAccount(t *testing.T, e *testkit.Env, account string) string {
	t.Helper()
	g := e.Store.Gorm()
	queries := map[string]string{
		"accounts":           "SELECT * FROM accounts WHERE id = ?",
		"users":              "SELECT * FROM users WHERE account_id = ?",
		"api_keys":           "SELECT * FROM api_keys WHERE account_id = ?",
		"sessions":           "SELECT * FROM sessions WHERE account_id = ?",
		"integration_usages": "SELECT u.* FROM integration_usages u JOIN api_keys k ON k.id = u.api_key_id WHERE k.account_id = ?",
		"daily_usages":       "SELECT u.* FROM daily_usages u JOIN api_keys k ON k.id = u.api_key_id WHERE k.account_id = ?",
	}
	if slices.Contains(testkit.Tables(t, g), "audit_events") {
		queries["audit_events"] = "SELECT * FROM audit_events WHERE account_id = ? AND action <> 'LOGIN_FAILED'"
	}
	var b strings.Builder
	for _, table := range slices.Sorted(func(yield func(string) bool) {
		for k := range queries {
			if !yield(k) {
				return
			}
		}
	}) {
		var rows []map[string]any
		if err := g.Raw(queries[table], account).Scan(&rows).Error; err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		var lines []string
		for _, r := range rows {
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range r {
					if !yield(k) {
						return
					}
				}
			})
			var l strings.Builder
			for _, k := range keys {
				fmt.Fprintf(&l, "%s=%v ", k, r[k])
			}
			lines = append(lines, l.String())
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "%s (%d)\n  %s\n", table, len(rows), strings.Join(lines, "\n  "))
	}
	return b.String()
}

// tenancyCaller is someone in account B.
type tenancyCaller struct {
	name    string
	auth    string
	user    *testkit.User // whose credential it is
	session bool
}

// tenancyWorld is account A (the target) and account B (the callers).
type tenancyWorld struct {
	e                        *testkit.Env
	a                        *testkit.TenantA
	aIDs                     []string // every id of A: account, users, keys
	aKeyCursor, aEventCursor string
	ownerB, adminB, agentB   *testkit.User
	callers                  []tenancyCaller
}

func (w *tenancyWorld) do(t *testing.T, auth, query string, vars map[string]any) *testkit.Response {
	t.Helper()
	return w.e.Do(t, testkit.Request{Auth: auth, Query: query, Variables: vars})
}

// noneOfA fails if a response shows anything of A.
func (w *tenancyWorld) noneOfA(t *testing.T, what string, resp *testkit.Response) {
	t.Helper()
	if resp.Status >= 500 || resp.Code() == "INTERNAL" {
		t.Errorf("%s: %d %s", what, resp.Status, resp.Body)
	}
	for _, s := range w.a.Forbidden {
		if strings.Contains(resp.Body, s) {
			t.Errorf("%s shows A's %q: %.400s", what, s, resp.Body)
		}
	}
}

// likeMissing calls query once per A id and once with a missing id, and
// fails unless every answer is byte for byte the missing id's.
func (w *tenancyWorld) likeMissing(t *testing.T, c tenancyCaller, what, query string, vars func(id string) map[string]any, missing string) {
	t.Helper()
	want := w.do(t, c.auth, query, vars(missing))
	w.noneOfA(t, what+"(missing)", want)
	for _, id := range w.aIDs {
		got := w.do(t, c.auth, query, vars(id))
		testkit.SameAnswer(t, fmt.Sprintf("%s(A's %s)", what, id), got, want)
	}
}

// tenancyCases has a case for every root field. A case calls the field as
// caller c with A's ids and compares with missing ids.
var tenancyCases = map[string]func(t *testing.T, w *tenancyWorld, c tenancyCaller){
	"Query.viewer": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		resp := w.do(t, c.auth, `{ viewer { id name email role apiAccess account { id name users { id email } } } }`, nil)
		w.noneOfA(t, "viewer", resp)
		if testkit.Dig(resp.Data, "viewer", "id") != c.user.ID {
			t.Errorf("viewer is not the caller: %s", resp.Body)
		}
	},
	"Query.account": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		resp := w.do(t, c.auth, `{ account { id name apiKeyRestriction users { id name email } } }`, nil)
		w.noneOfA(t, "account", resp)
		if testkit.Dig(resp.Data, "account", "id") != c.user.AccountID {
			t.Errorf("account is not the caller's: %s", resp.Body)
		}
	},
	"Query.apiKeys": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		const q = `query($after: String) { apiKeys(first: 100, after: $after) { totalCount nodes { id name expiresAt status previousSecretExpiresAt previousSecretLastUsedAt owner { id } dailyUsage(days: 2) { requestCount } } edges { cursor } pageInfo { endCursor } } }`
		w.noneOfA(t, "apiKeys", w.do(t, c.auth, q, nil))
		got := w.do(t, c.auth, q, map[string]any{"after": w.aKeyCursor})
		want := w.do(t, c.auth, q, map[string]any{"after": forgeCursor(t, w.aKeyCursor)})
		w.noneOfA(t, "apiKeys(after: A's cursor)", got)
		testkit.SameAnswer(t, "apiKeys(after: A's cursor)", got, want)
	},
	"Query.apiKey": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		w.likeMissing(t, c, "apiKey", `query($id: ID!) { apiKey(id: $id) { id name last4 expiresAt status owner { id } dailyUsage(days: 2) { date requestCount } } }`,
			func(id string) map[string]any { return map[string]any{"id": id} }, credential.NewID("key"))
	},
	"Query.auditEvents": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		const q = `query($after: String) { auditEvents(first: 100, after: $after) { totalCount nodes { id action apiKeyId actorEmail targetUser { id } } edges { cursor } } }`
		w.noneOfA(t, "auditEvents", w.do(t, c.auth, q, nil))
		got := w.do(t, c.auth, q, map[string]any{"after": w.aEventCursor})
		want := w.do(t, c.auth, q, map[string]any{"after": forgeCursor(t, w.aEventCursor)})
		w.noneOfA(t, "auditEvents(after: A's cursor)", got)
		testkit.SameAnswer(t, "auditEvents(after: A's cursor)", got, want)
	},
	"Mutation.signUp": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		// A's email is taken, as B's own is: the answer must not say whose.
		const q = `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id } } }`
		in := func(email string) map[string]any {
			return map[string]any{"in": map[string]any{"accountName": "Squatter", "name": "Squatter", "email": email, "password": "squatter password"}}
		}
		want := w.do(t, c.auth, q, in(w.ownerB.Email))
		testkit.WantError(t, want, "BAD_USER_INPUT", "email")
		for _, u := range []*testkit.User{w.a.Owner, w.a.Admin, w.a.Agent} {
			testkit.SameAnswer(t, "signUp(A's email)", w.do(t, c.auth, q, in(u.Email)), want)
			testkit.SameAnswer(t, "signUp(A's email, upper case)", w.do(t, c.auth, q, in(strings.ToUpper(u.Email))), want)
		}
	},
	"Mutation.logIn": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		const q = `mutation($in: LogInInput!) { logIn(input: $in) { token user { id } } }`
		in := func(email string) map[string]any {
			return map[string]any{"in": map[string]any{"email": email, "password": "not the password"}}
		}
		want := w.do(t, c.auth, q, in(testkit.UniqueEmail("missing")))
		testkit.WantError(t, want, "UNAUTHENTICATED", "")
		for _, u := range []*testkit.User{w.a.Owner, w.a.Admin, w.a.Agent} {
			testkit.SameAnswer(t, "logIn(A's email, wrong password)", w.do(t, c.auth, q, in(u.Email)), want)
		}
	},
	"Mutation.logOut": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		// logOut takes no id: it may only end the caller's own session.
		auth := c.auth
		if c.session { // a fresh session of the same user, so the caller's own lives on
			auth = testkit.Bearer(w.e.LogIn(t, c.user.Email, c.user.Password, "WEB"))
		}
		resp := w.do(t, auth, `mutation { logOut }`, nil)
		w.noneOfA(t, "logOut", resp)
		for _, cred := range []struct{ auth, id string }{
			{testkit.Bearer(w.a.Owner.Token), w.a.Owner.ID}, {testkit.Bearer(w.a.MobileToken), w.a.Owner.ID},
			{testkit.Bearer(w.a.Admin.Token), w.a.Admin.ID}, {testkit.Bearer(w.a.Agent.Token), w.a.Agent.ID},
		} {
			testkit.AssertCredentialWorks(t, w.e, cred.auth, cred.id)
		}
	},
	"Mutation.createUser": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		in := func(email string) map[string]any {
			return map[string]any{"in": map[string]any{"name": "Poacher", "email": email, "password": "poacher password", "role": "ADMIN"}}
		}
		want := w.do(t, c.auth, testkit.CreateUserMutation, in(w.agentB.Email))
		w.noneOfA(t, "createUser(B's email)", want)
		for _, u := range []*testkit.User{w.a.Owner, w.a.Admin, w.a.Agent} {
			testkit.SameAnswer(t, "createUser(A's email)", w.do(t, c.auth, testkit.CreateUserMutation, in(u.Email)), want)
		}
	},
	"Mutation.createApiKey": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		// No id to aim with: a key made by B's caller is B's caller's.
		resp := w.do(t, c.auth, `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id owner { id account { id } } } } }`,
			map[string]any{"in": map[string]any{"name": "B's own key"}})
		w.noneOfA(t, "createApiKey", resp)
		if owner := testkit.Dig(resp.Data, "createApiKey", "apiKey", "owner", "id"); owner != nil && owner != c.user.ID {
			t.Errorf("createApiKey made a key for %v, not the caller: %s", owner, resp.Body)
		}
	},
	"Mutation.deleteApiKey": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		w.likeMissing(t, c, "deleteApiKey", testkit.DeleteKeyMutation,
			func(id string) map[string]any { return map[string]any{"id": id} }, credential.NewID("key"))
	},
	"Mutation.updateApiKey": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		for _, in := range []map[string]any{
			{"name": "Renamed by B", "note": "B was here", "access": "READ_ONLY"},
			{"note": nil},
			{},
		} {
			w.likeMissing(t, c, fmt.Sprintf("updateApiKey(%v)", in), testkit.UpdateKeyMutation,
				func(id string) map[string]any {
					change := map[string]any{"id": id}
					for k, v := range in {
						change[k] = v
					}
					return map[string]any{"in": change}
				},
				credential.NewID("key"))
		}
	},
	"Mutation.rollApiKey": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		for _, grace := range []int{0, 3600} {
			w.likeMissing(t, c, fmt.Sprintf("rollApiKey(gracePeriodSeconds: %d)", grace), testkit.RollKeyMutation,
				func(id string) map[string]any {
					return map[string]any{"in": map[string]any{"id": id, "gracePeriodSeconds": grace}}
				},
				credential.NewID("key"))
		}
	},
	"Mutation.setUserApiAccess": func(t *testing.T, w *tenancyWorld, c tenancyCaller) {
		for _, enabled := range []bool{false, true} {
			w.likeMissing(t, c, fmt.Sprintf("setUserApiAccess(enabled: %v)", enabled), testkit.SetAccessMutation,
				func(id string) map[string]any {
					return map[string]any{"in": map[string]any{"userId": id, "enabled": enabled}}
				},
				credential.NewID("user"))
		}
	},
}

func TestTenancyMatrix(t *testing.T) {
	fields := schemaRootFields(t)
	for _, f := range fields {
		if tenancyCases[f] == nil {
			t.Errorf("root field %s has no case in the tenancy matrix: add one to tenancyCases", f)
		}
	}
	for f := range tenancyCases {
		if !slices.Contains(fields, f) {
			t.Errorf("the tenancy matrix has a case for %s, which the schema no longer has", f)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	testkit.ForEachDBGenerous(t, func(t *testing.T, e *testkit.Env) {
		w := &tenancyWorld{e: e, a: testkit.NewTenantA(t, e)}
		a := w.a
		w.aIDs = append(append([]string{a.Owner.AccountID}, a.UserIDs...), a.KeyIDs...)
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(a.Owner.Token), Query: `{ apiKeys(first: 1) { pageInfo { endCursor } } }`})
		w.aKeyCursor = testkit.Dig(data, "apiKeys", "pageInfo", "endCursor").(string)
		if slices.Contains(fields, "Query.auditEvents") {
			data = e.MustDo(t, testkit.Request{Auth: testkit.Bearer(a.Owner.Token), Query: `{ auditEvents(first: 1) { pageInfo { endCursor } } }`})
			w.aEventCursor, _ = testkit.Dig(data, "auditEvents", "pageInfo", "endCursor").(string)
			if w.aEventCursor == "" {
				t.Fatalf("A has no audit events: %v", data)
			}
		}
		// A's keys have been used, so usage rows exist to protect.
		for _, s := range []string{a.OwnerSecret, a.AgentSecret, a.DefaultKey} {
			e.Verify(t, "GET", "", testkit.Bearer(s), map[string]string{"X-System": "Alpha CRM sync"})
		}
		e.FlushUsage(t)

		w.ownerB = e.SignUp(t, "Bravo Tenant")
		w.adminB = e.CreateUser(t, w.ownerB, "ADMIN")
		w.agentB = e.CreateUser(t, w.ownerB, "AGENT")
		_, ownerKeyB := e.CreateKey(t, w.ownerB, "Bravo owner key")
		_, agentKeyB := e.CreateKey(t, w.agentB, "Bravo agent key")
		e.PowerUp(t, w.ownerB.AccountID, true) // so that setUserApiAccess gets as far as looking the user up
		w.callers = []tenancyCaller{
			{"B owner session", testkit.Bearer(w.ownerB.Token), w.ownerB, true},
			{"B admin session", testkit.Bearer(w.adminB.Token), w.adminB, true},
			{"B agent session", testkit.Bearer(w.agentB.Token), w.agentB, true},
			{"B owner's API key", testkit.Bearer(ownerKeyB), w.ownerB, false},
			{"B agent's API key (Basic)", testkit.Basic(agentKeyB, ""), w.agentB, false},
		}

		before := dumpAccount(t, e, a.Owner.AccountID)
		for _, f := range fields {
			for _, c := range w.callers {
				t.Run(f+"/"+c.name, func(t *testing.T) {
					tenancyCases[f](t, w, c)
					e.FlushUsage(t)
					if after := dumpAccount(t, e, a.Owner.AccountID); after != before {
						t.Errorf("A changed:\nbefore %s\nafter  %s", before, after)
						before = after
					}
				})
			}
		}
		testkit.AssertCredentialWorks(t, e, testkit.Bearer(a.OwnerSecret), a.Owner.ID)
		testkit.AssertCredentialWorks(t, e, testkit.Bearer(a.AgentSecret), a.Agent.ID)
		testkit.AssertCredentialWorks(t, e, testkit.Basic(a.DefaultKey, ""), a.Owner.ID)
		testkit.AssertCredentialWorks(t, e, testkit.Bearer(a.MobileToken), a.Owner.ID)
		if resp := e.Verify(t, "GET", "", testkit.Bearer(a.OwnerSecret), nil); resp.Status != http.StatusOK {
			t.Errorf("A's key at the gateway: %d", resp.Status)
		}
	})
}
