package api

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/testkit"
)

const ()

// badEmails are addresses every email field refuses.
var badEmails = []struct{ name, email string }{
	{"empty", ""},
	{"blank", "   "},
	{"no at", "no-at"},
	{"no dot in domain", "a@b"},
	{"space inside", "a b@c.d"},
	{"NUL", "x@y.z\u0000"},
	{"newline inside", "x@y.zz\nbcc-z@evil.test"},
	{"CR inside", "x\r@y.zz"},
	{"300 characters", strings.Repeat("a", 287) + "@example.test"},
	{"display-name form", "Ann <ann@example.test>"},
	{"no local part", "@example.test"},
	{"no domain", "ann@"},
	{"two ats", "ann@@example.test"},
}

// badNames are names every name field refuses.
var badNames = []struct{ name, value string }{
	{"empty", ""},
	{"blank", " \t "},
	{"101 characters", strings.Repeat("n", 101)},
	{"101 two-byte characters", strings.Repeat("é", 101)},
	{"BEL", "Bell\x07"},
	{"newline", "New\nline"},
	{"NUL", "Nul\x00"},
	{"DEL", "Del\x7f"},
	{"C1 control", "Next\u0085line"},
}

// badPasswords are passwords every password field refuses.
var badPasswords = []struct{ name, value string }{
	{"empty", ""},
	{"7 characters", "1234567"},
	{"7 two-byte characters", strings.Repeat("é", 7)},
	{"257 characters", strings.Repeat("p", 257)},
}

// assertNothingWritten fails if any domain table changed size.
func assertNothingWritten(t *testing.T, e *testkit.Env, before map[string]int64) {
	t.Helper()
	after := e.RowCounts(t)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows -> %d after refused input", table, n, after[table])
		}
	}
}

// assertCodedError fails unless resp is an ordinary error answer: a code
// that is not INTERNAL, no crash, no leak.
func assertCodedError(t *testing.T, resp *testkit.Response) {
	t.Helper()
	testkit.AssertNoLeak(t, resp)
	if len(resp.Errors) == 0 {
		t.Errorf("no error (status %d): %s", resp.Status, resp.Body)
		return
	}
	if code := resp.Code(); code == "" || code == "INTERNAL" {
		t.Errorf("error code %q (status %d): %s", code, resp.Status, resp.Body)
	}
}

func TestSignUpBadInput(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		type tc struct{ name, accountName, ownerName, email, password, field string }
		var cases []tc
		for _, b := range badEmails {
			cases = append(cases, tc{"email " + b.name, "Acme", "Ann", b.email, "long enough", "email"})
		}
		for _, b := range badPasswords {
			cases = append(cases, tc{"password " + b.name, "Acme", "Ann", testkit.UniqueEmail("pw"), b.value, "password"})
		}
		for _, b := range badNames {
			cases = append(cases, tc{"accountName " + b.name, b.value, "Ann", testkit.UniqueEmail("an"), "long enough", "accountName"})
			cases = append(cases, tc{"name " + b.name, "Acme", b.value, testkit.UniqueEmail("n"), "long enough", "name"})
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.RowCounts(t)
				resp := e.Do(t, testkit.Request{Query: testkit.SignUpMutation, Variables: testkit.SignUpVars(c.accountName, c.ownerName, c.email, c.password)})
				assertCodedError(t, resp)
				testkit.WantError(t, resp, "BAD_USER_INPUT", c.field)
				if resp.Data["signUp"] != nil || strings.Contains(resp.Body, credential.SessionPrefix) {
					t.Errorf("refused signUp returned data: %s", resp.Body)
				}
				if c.password != "" && len(c.password) >= 4 && strings.Contains(resp.Body, c.password) {
					t.Errorf("the response echoes the password: %s", resp.Body)
				}
				assertNothingWritten(t, e, before)
			})
		}

		accepted := []struct{ name, accountName, ownerName, password string }{
			{"8-character password", "Acme", "Ann", "12345678"},
			{"256-character password", "Acme", "Ann", strings.Repeat("p", 256)},
			{"256 two-byte characters", "Acme", "Ann", strings.Repeat("é", 256)},
			{"8 two-byte characters", "Acme", "Ann", strings.Repeat("ü", 8)},
			{"100-character names", strings.Repeat("a", 100), strings.Repeat("é", 100), "long enough"},
			{"names trimmed", "  Acme  ", "\tAnn ", "long enough"},
		}
		for _, c := range accepted {
			t.Run("accepts "+c.name, func(t *testing.T) {
				email := testkit.UniqueEmail("ok")
				before := e.RowCounts(t)
				resp := e.Do(t, testkit.Request{Query: testkit.SignUpMutation, Variables: testkit.SignUpVars(c.accountName, c.ownerName, email, c.password)})
				if len(resp.Errors) > 0 {
					t.Fatalf("signUp refused: %s", resp.Body)
				}
				after := e.RowCounts(t)
				if after["accounts"] != before["accounts"]+1 || after["users"] != before["users"]+1 {
					t.Errorf("signUp wrote %v -> %v", before, after)
				}
				token := e.LogIn(t, email, c.password, "WEB")
				data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: `{ viewer { name account { name } } }`})
				if testkit.Dig(data, "viewer", "name") != strings.TrimSpace(c.ownerName) || testkit.Dig(data, "viewer", "account", "name") != strings.TrimSpace(c.accountName) {
					t.Errorf("stored names: %v", data)
				}
			})
		}
	})
}

func TestCreateUserBadInput(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Staffing")
		auth := testkit.Bearer(owner.Token)
		type tc struct{ name, userName, email, password, field string }
		var cases []tc
		for _, b := range badEmails {
			cases = append(cases, tc{"email " + b.name, "Ann", b.email, "long enough", "email"})
		}
		for _, b := range badPasswords {
			cases = append(cases, tc{"password " + b.name, "Ann", testkit.UniqueEmail("pw"), b.value, "password"})
		}
		for _, b := range badNames {
			cases = append(cases, tc{"name " + b.name, b.value, testkit.UniqueEmail("n"), "long enough", "name"})
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.RowCounts(t)
				resp := createUserAs(t, e, auth, c.userName, c.email, c.password, "AGENT")
				assertCodedError(t, resp)
				testkit.WantError(t, resp, "BAD_USER_INPUT", c.field)
				if resp.Data["createUser"] != nil {
					t.Errorf("refused createUser returned data: %s", resp.Body)
				}
				assertNothingWritten(t, e, before)
			})
		}
		for _, pw := range []string{"12345678", strings.Repeat("p", 256)} {
			email := testkit.UniqueEmail("ok")
			if resp := createUserAs(t, e, auth, "Fine", email, pw, "AGENT"); len(resp.Errors) > 0 {
				t.Errorf("createUser with a %d-character password: %s", len(pw), resp.Body)
				continue
			}
			e.LogIn(t, email, pw, "WEB")
		}
	})
}

func TestMalformedIDs(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Id Parade")
		agent := e.CreateUser(t, owner, "AGENT")
		keyID, secret := e.CreateKey(t, owner, "Real key")
		e.PowerUp(t, owner.AccountID, true)
		auth := testkit.Bearer(owner.Token)
		missingKey, missingUser := credential.NewID("key"), credential.NewID("user")

		ids := []struct{ name, id string }{
			{"empty", ""},
			{"blank", "   "},
			{"word", "nope"},
			{"bare prefix", "key_"},
			{"number", "0"},
			{"negative number", "-1"},
			{"SQL injection", "' OR '1'='1"},
			{"SQL injection 2", "x'); DELETE FROM api_keys; --"},
			{"LIKE wildcard", "key_%"},
			{"glob", "*"},
			{"path", "../../etc/passwd"},
			{"5000 characters", "key_" + strings.Repeat("k", 5000)},
			{"NUL only", "\u0000"},
			{"NUL inside", keyID + "\u0000"},
			{"real id with a suffix", keyID + "x"},
			{"real id upper-cased", strings.ToUpper(keyID)},
			{"real id with spaces", " " + keyID + " "},
			{"Cyrillic", "ключ_1"},
			{"emoji", "🔑"},
			{"replacement character", "\ufffd"},
			{"the secret instead of the id", secret},
		}

		before := e.RowCounts(t)
		missingGet := apiKeyByID(t, e, auth, missingKey)
		missingDel := tryDeleteKey(t, e, auth, missingKey)
		missingAcc := trySetAccess(t, e, auth, missingUser, false)
		if missingGet.Data["apiKey"] != nil || len(missingGet.Errors) > 0 {
			t.Fatalf("apiKey(missing): %s", missingGet.Body)
		}
		testkit.WantError(t, missingDel, "NOT_FOUND", "")
		testkit.WantError(t, missingAcc, "NOT_FOUND", "")

		for _, c := range ids {
			t.Run(c.name, func(t *testing.T) {
				get := apiKeyByID(t, e, auth, c.id)
				testkit.AssertNoLeak(t, get)
				testkit.SameAnswer(t, "apiKey", get, missingGet)
				del := tryDeleteKey(t, e, auth, c.id)
				testkit.AssertNoLeak(t, del)
				testkit.SameAnswer(t, "deleteApiKey", del, missingDel)
				acc := trySetAccess(t, e, auth, c.id, false)
				testkit.AssertNoLeak(t, acc)
				testkit.SameAnswer(t, "setUserApiAccess", acc, missingAcc)
			})
		}
		t.Run("a user id as a key id and a key id as a user id", func(t *testing.T) {
			testkit.SameAnswer(t, "apiKey(user id)", apiKeyByID(t, e, auth, agent.ID), missingGet)
			testkit.SameAnswer(t, "deleteApiKey(user id)", tryDeleteKey(t, e, auth, agent.ID), missingDel)
			testkit.SameAnswer(t, "setUserApiAccess(key id)", trySetAccess(t, e, auth, keyID, false), missingAcc)
			testkit.SameAnswer(t, "apiKey(account id)", apiKeyByID(t, e, auth, owner.AccountID), missingGet)
		})
		t.Run("an integer literal id", func(t *testing.T) {
			resp := e.Do(t, testkit.Request{Auth: auth, Query: `{ apiKey(id: 12345) { id } }`})
			if resp.Status != http.StatusOK || len(resp.Errors) > 0 || resp.Data["apiKey"] != nil {
				t.Errorf("apiKey(id: 12345) = %d %s, want null", resp.Status, resp.Body)
			}
		})
		assertNothingWritten(t, e, before)
		testkit.AssertCredentialWorks(t, e, testkit.Bearer(secret), owner.ID)
		if n := visibleKeyCount(t, e, owner); n != 1 {
			t.Errorf("owner sees %d keys, want 1", n)
		}
		if !usersAccess(t, e, owner)[agent.ID] {
			t.Error("the agent lost API access to a malformed setUserApiAccess")
		}
	})
}

func TestPageArguments(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Pages")
		for i := 0; i < 3; i++ {
			e.CreateKey(t, owner, "Key")
		}
		auth := testkit.Bearer(owner.Token)
		const q = `query($first: Int, $after: String) { apiKeys(first: $first, after: $after) { totalCount nodes { id } } }`
		page := func(vars map[string]any) *testkit.Response {
			return e.Do(t, testkit.Request{Auth: auth, Query: q, Variables: vars})
		}

		t.Run("first out of range", func(t *testing.T) {
			for _, first := range []int{0, -1, 101, 1000, -2147483648, 2147483647} {
				resp := page(map[string]any{"first": first})
				testkit.AssertNoLeak(t, resp)
				if !testkit.WantError(t, resp, "BAD_USER_INPUT", "first") {
					t.Errorf("  ... for first=%d", first)
				}
				if testkit.Dig(resp.Data, "apiKeys") != nil {
					t.Errorf("first=%d returned a page with its error: %s", first, resp.Body)
				}
			}
		})
		t.Run("first in range", func(t *testing.T) {
			for _, first := range []int{1, 100} {
				resp := page(map[string]any{"first": first})
				if len(resp.Errors) > 0 {
					t.Errorf("first=%d: %s", first, resp.Body)
				}
			}
		})
		t.Run("first not an Int", func(t *testing.T) {
			for _, raw := range []string{`{ apiKeys(first: 2147483648) { totalCount } }`, `{ apiKeys(first: 1.5) { totalCount } }`, `{ apiKeys(first: "10") { totalCount } }`, `{ apiKeys(first: 1e12) { totalCount } }`} {
				resp := e.Do(t, testkit.Request{Auth: auth, Query: raw})
				if len(resp.Errors) == 0 {
					t.Errorf("%s answered without error", raw)
				}
				assertCodedError(t, resp)
			}
			for _, v := range []any{1.5, 1e12, true, []any{1}, map[string]any{"n": 1}} {
				resp := page(map[string]any{"first": v})
				if len(resp.Errors) == 0 {
					t.Errorf("first=%v answered without error", v)
				}
				assertCodedError(t, resp)
			}
		})

		// An explicit null is not a page size: a page of the default size or
		// BAD_USER_INPUT on first, never a crash.
		t.Run("first null", func(t *testing.T) {
			for _, resp := range []*testkit.Response{
				e.Do(t, testkit.Request{Auth: auth, Query: `{ apiKeys(first: null) { totalCount nodes { id } } }`}),
				page(map[string]any{"first": nil}),
			} {
				testkit.AssertNoLeak(t, resp)
				if len(resp.Errors) > 0 {
					testkit.WantError(t, resp, "BAD_USER_INPUT", "first")
				} else if testkit.Dig(resp.Data, "apiKeys", "totalCount") != 3.0 {
					t.Errorf("apiKeys(first: null) = %s", resp.Body)
				}
			}
		})

		// Forged cursors: a page or BAD_USER_INPUT on after, never INTERNAL.
		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		for _, c := range []struct{ name, after string }{
			{"garbage", "garbage"}, {"empty", ""}, {"not base64", "!!!"}, {"no number", b64("x:y")},
			{"no id", b64("123")}, {"empty id", b64("1:")}, {"NUL id", b64("1:\x00")},
			{"number too big", b64("99999999999999999999:key_x")},
			{"minimum int64", b64("-9223372036854775808:key_x")}, {"maximum int64", b64("9223372036854775807:key_x")},
			{"SQL in the id", b64("1700000000000000:' OR '1'='1")}, {"10000 characters", strings.Repeat("A", 10000)},
		} {
			t.Run("after "+c.name, func(t *testing.T) {
				resp := page(map[string]any{"first": 10, "after": c.after})
				testkit.AssertNoLeak(t, resp)
				if len(resp.Errors) > 0 {
					testkit.WantError(t, resp, "BAD_USER_INPUT", "after")
				}
			})
		}
		// A well-formed id with a time no row can have: PostgreSQL answered
		// INTERNAL (timestamp out of range) and SQLite compared it as text.
		const id = "key_AAAAAAAAAAAAAAAAAAAA"
		for _, micros := range []string{"-210866803200000001", "253402300800000000", "9223372036854775807", "-1"} {
			t.Run("after a time out of range "+micros, func(t *testing.T) {
				resp := page(map[string]any{"first": 10, "after": b64(micros + ":" + id)})
				testkit.AssertNoLeak(t, resp)
				testkit.WantError(t, resp, "BAD_USER_INPUT", "after")
			})
		}
	})
}

func TestInvalidEnums(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Enums")
		auth := testkit.Bearer(owner.Token)
		const secretPW = "SECRETPW123-enum"
		newUser := func(role any) testkit.Request {
			in := map[string]any{"name": "X", "email": testkit.UniqueEmail("x"), "password": secretPW}
			if role != nil {
				in["role"] = role
			}
			return testkit.Request{Auth: auth, Query: testkit.CreateUserMutation, Variables: map[string]any{"in": in}}
		}
		logIn := func(client any) testkit.Request {
			return testkit.Request{Query: testkit.LogInMutation, Variables: map[string]any{"in": map[string]any{"email": owner.Email, "password": owner.Password, "client": client}}}
		}
		cases := []struct {
			name string
			req  testkit.Request
		}{
			{"role SUPERUSER", newUser("SUPERUSER")},
			{"role admin (lower case)", newUser("admin")},
			{"role Agent (mixed case)", newUser("Agent")},
			{"role empty", newUser("")},
			{"role number", newUser(1)},
			{"role missing", newUser(nil)},
			{"role literal SUPERUSER", testkit.Request{Auth: auth, Query: `mutation { createUser(input: {name: "X", email: "` + testkit.UniqueEmail("x") + `", password: "` + secretPW + `", role: SUPERUSER}) { user { id } } }`}},
			{"role literal string", testkit.Request{Auth: auth, Query: `mutation { createUser(input: {name: "X", email: "` + testkit.UniqueEmail("x") + `", password: "` + secretPW + `", role: "ADMIN"}) { user { id } } }`}},
			{"client TABLET", logIn("TABLET")},
			{"client mobile (lower case)", logIn("mobile")},
			{"client Web (mixed case)", logIn("Web")},
			{"client list", logIn([]any{"WEB"})},
			{"client literal TABLET", testkit.Request{Query: `mutation { logIn(input: {email: "` + owner.Email + `", password: "` + owner.Password + `", client: TABLET}) { token } }`}},
			{"client literal string", testkit.Request{Query: `mutation { logIn(input: {email: "` + owner.Email + `", password: "` + owner.Password + `", client: "WEB"}) { token } }`}},
			{"input a string", testkit.Request{Query: testkit.LogInMutation, Variables: map[string]any{"in": "email=" + owner.Email + "&password=" + secretPW}}},
			{"password a list", testkit.Request{Query: testkit.LogInMutation, Variables: map[string]any{"in": map[string]any{"email": owner.Email, "password": []any{secretPW}}}}},
			{"unknown input field", testkit.Request{Query: testkit.LogInMutation, Variables: map[string]any{"in": map[string]any{"email": owner.Email, "password": secretPW, "extra": secretPW}}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.RowCounts(t)
				resp := e.Do(t, c.req)
				assertCodedError(t, resp)
				if strings.Contains(resp.Body, secretPW) || strings.Contains(resp.Body, owner.Password) {
					t.Errorf("the response echoes a password: %s", resp.Body)
				}
				if strings.Contains(resp.Body, credential.SessionPrefix) {
					t.Errorf("a session token came back: %s", resp.Body)
				}
				assertNothingWritten(t, e, before)
			})
		}
		if strings.Contains(e.Logs.String(), secretPW) {
			t.Error("the logs hold a password")
		}
	})
}

// rawResponse is an HTTP answer that may not even be JSON.
type rawResponse struct {
	Status int
	Body   string
}

func rawDo(t *testing.T, req *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return rawResponse{resp.StatusCode, string(body)}
}

func TestMalformedRequestsDoNotEchoPasswords(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Bodies")
		const pw = "SECRETPW123"
		logIn := `mutation($in: LogInInput!) { logIn(input: $in) { token } }`
		posts := []struct{ name, contentType, body string }{
			{"truncated JSON", "application/json", `{"query": "mutation{logIn(input:{email:\"a@b.c\",password:\"SECRETPW123\"})`},
			{"truncated variables", "application/json", `{"query": "` + logIn + `", "variables": {"in": {"email": "a@b.c", "password": "SECRETPW123"`},
			{"GraphQL syntax error", "application/json", `{"query": "mutation{logIn(input:{email:\"a@b.c\",password:\"SECRETPW123\"})"}`},
			{"query of the wrong type", "application/json", `{"query": 5, "variables": {"password": "SECRETPW123"}}`},
			{"variables of the wrong type", "application/json", `{"query": "` + logIn + `", "variables": "SECRETPW123"}`},
			{"trailing garbage", "application/json", `{"query": "` + logIn + `", "variables": {"in": {"email": "a@b.c", "password": "SECRETPW123"}}} SECRETPW123`},
			{"form body sent as JSON", "application/json", "email=a@b.c&password=SECRETPW123"},
			{"invalid UTF-8", "application/json", "{\"query\": \"\xff\xfe SECRETPW123\"}"},
			{"empty body", "application/json", ""},
		}
		check := func(t *testing.T, r rawResponse, wantCode bool) {
			t.Helper()
			if r.Status >= 500 {
				t.Errorf("HTTP %d: %s", r.Status, r.Body)
			}
			if strings.Contains(r.Body, pw) {
				t.Errorf("the response echoes the password: %s", r.Body)
			}
			var parsed struct {
				Errors []testkit.GQLError `json:"errors"`
			}
			if err := json.Unmarshal([]byte(r.Body), &parsed); err != nil {
				t.Errorf("the response is not JSON (status %d): %q", r.Status, r.Body)
				return
			}
			if len(parsed.Errors) == 0 {
				t.Errorf("no error (status %d): %s", r.Status, r.Body)
				return
			}
			if r.Status != http.StatusOK && (r.Status < 400 || r.Status >= 500) {
				t.Errorf("status %d, want 200 or 4xx", r.Status)
			}
			if code, _ := parsed.Errors[0].Extensions["code"].(string); wantCode && (code == "" || code == "INTERNAL") {
				t.Errorf("error code %q: %s", code, r.Body)
			}
		}
		before := e.RowCounts(t)
		for _, p := range posts {
			for _, auth := range []string{"", testkit.Bearer(owner.Token)} {
				t.Run(p.name+map[bool]string{true: " signed in", false: ""}[auth != ""], func(t *testing.T) {
					req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", strings.NewReader(p.body))
					req.Header.Set("Content-Type", p.contentType)
					if auth != "" {
						req.Header.Set("Authorization", auth)
					}
					check(t, rawDo(t, req), true)
				})
			}
		}
		t.Run("GET with undecodable variables", func(t *testing.T) {
			u := e.URL + "/graphql?query=" + url.QueryEscape(`query($in: LogInInput!) { viewer { id } }`) + "&variables=" + url.QueryEscape(`{"in": {"password": "SECRETPW123"`)
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", testkit.Bearer(owner.Token))
			check(t, rawDo(t, req), true)
		})
		t.Run("GET with a mutation", func(t *testing.T) {
			u := e.URL + "/graphql?query=" + url.QueryEscape(`mutation { logIn(input: {email: "a@b.c", password: "SECRETPW123"}) { token } }`)
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			check(t, rawDo(t, req), true)
		})
		assertNothingWritten(t, e, before)
		if strings.Contains(e.Logs.String(), pw) {
			t.Errorf("the logs hold the password")
		}
	})
}
