package reliability

// A table of hostile requests against the real binary (its real HTTP server
// limits included): each gets a clear 4xx or a GraphQL error with a code,
// never a 5xx, and nothing is written.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/internal/hostile"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/internal/testkit"
)

// hostileCase is one request. Headers are sent in order, so a name may
// repeat. Everything goes over a bare TCP connection, so bytes that Go's
// client refuses to send (NUL, control characters) go out as written.
type hostileCase struct {
	name    string
	method  string // default POST
	path    string // default /graphql
	body    string
	headers [][2]string
}

// jsonStr quotes s for JSON without repairing invalid UTF-8.
func jsonStr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// checkRefused fails unless an answer is a clear refusal: a 4xx, or a 200
// whose GraphQL errors all carry a code (never INTERNAL). It returns the
// codes seen.
func checkRefused(t *testing.T, status int, body string) []string {
	t.Helper()
	if status >= 500 {
		t.Errorf("HTTP %d: %.400s", status, body)
	}
	testkit.NoLeak(t, body)
	var parsed struct {
		Data   map[string]any     `json:"data"`
		Errors []testkit.GQLError `json:"errors"`
		Error  *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &parsed); err != nil {
		if status < 400 || status >= 500 {
			t.Errorf("status %d with a body that is not JSON: %.300q", status, body)
		}
		return []string{"HTTP " + strconv.Itoa(status)} // e.g. net/http's own 431 or 400
	}
	var codes []string
	if parsed.Error != nil {
		codes = append(codes, parsed.Error.Code)
	}
	for _, e := range parsed.Errors {
		code, _ := e.Extensions["code"].(string)
		codes = append(codes, code)
	}
	if len(codes) == 0 {
		t.Errorf("accepted (status %d, no error): %.400s", status, body)
	}
	for _, c := range codes {
		if c == "" || c == "INTERNAL" {
			t.Errorf("error code %q (status %d): %.400s", c, status, body)
		}
	}
	if status != http.StatusOK && (status < 400 || status >= 500) {
		t.Errorf("status %d, want 200 with errors or a 4xx", status)
	}
	return codes
}

// hostileCounts counts every table's rows. Failed log-ins are audited by
// design (LOGIN_FAILED, with the typed email cut to a storable size), so
// those audit rows are counted apart and allowed to grow.
func hostileCounts(t *testing.T, g *gorm.DB) map[string]int64 {
	t.Helper()
	counts := testkit.TableRowCounts(t, g)
	if _, ok := counts["audit_events"]; ok {
		var failed int64
		g.Raw("SELECT COUNT(*) FROM audit_events WHERE action = 'LOGIN_FAILED'").Scan(&failed)
		counts["audit_events"] -= failed
	}
	return counts
}

func TestHostileInputs(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) { testHostileInputs(t, kind) })
	}
}

func testHostileInputs(t *testing.T, kind string) {
	dsn := filepath.Join(t.TempDir(), "keyfob.db")
	if kind == "postgres" {
		dsn = pgtest.FreshSchema(t)
	}
	srv := testkit.StartServer(t, dsn, "-rate-limit", "1000000", "-failed-auth-per-ip", "1000000",
		"-login-failures-per-email", "1000000", "-login-failures-per-ip", "1000000")
	sc := srv.Client()
	owner := sc.SignUp(t, "Hostile Target")
	(&testkit.Env{Kind: kind, DSN: dsn}).PowerUp(t, owner.AccountID, true)
	agent := sc.CreateUser(t, owner, "AGENT")
	keyID, key := sc.CreateKey(t, owner, "Legit integration")
	g := testkit.Inspect(t, dsn)
	tablesBefore := testkit.Tables(t, g)

	sess := [2]string{"Authorization", testkit.Bearer(owner.Token)}
	withKey := [2]string{"Authorization", testkit.Bearer(key)}
	jsonCT := [2]string{"Content-Type", "application/json"}
	mib := strings.Repeat("A", 1<<20)
	const (
		createKey = `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`
		signUp    = `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`
		logIn     = `mutation($in: LogInInput!) { logIn(input: $in) { token } }`
		createUsr = `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`
		delKey    = `mutation($in: DeleteApiKeyInput!) { deleteApiKey(input: $in) { deletedApiKeyId } }`
		updKey    = `mutation($in: UpdateApiKeyInput!) { updateApiKey(input: $in) { apiKey { id name note access } } }`
		rollKey   = `mutation($in: RollApiKeyInput!) { rollApiKey(input: $in) { secret apiKey { id last4 } } }`
		setAccess = `mutation($in: SetUserApiAccessInput!) { setUserApiAccess(input: $in) { deletedApiKeys } }`
	)
	keyName := func(name string) string { return testkit.GQLJSON(createKey, `{"in":{"name":`+jsonStr(name)+`}}`) }
	keyNote := func(note string) string {
		return testkit.GQLJSON(createKey, `{"in":{"name":"Noted","note":`+jsonStr(note)+`}}`)
	}
	// update changes the legitimate key; fields is raw JSON members.
	update := func(fields string) string {
		return testkit.GQLJSON(updKey, `{"in":{"id":`+jsonStr(keyID)+`,`+fields+`}}`)
	}
	newNote := func(note string) string { return update(`"note":` + jsonStr(note)) }
	newName := func(name string) string { return update(`"name":` + jsonStr(name)) }
	signUpWith := func(account, name, email, password string) string {
		return testkit.GQLJSON(signUp, fmt.Sprintf(`{"in":{"accountName":%s,"name":%s,"email":%s,"password":%s}}`,
			jsonStr(account), jsonStr(name), jsonStr(email), jsonStr(password)))
	}
	newUser := func(name, email, role string) string {
		return testkit.GQLJSON(createUsr, fmt.Sprintf(`{"in":{"name":%s,"email":%s,"password":"a fine password","role":%s}}`, jsonStr(name), jsonStr(email), jsonStr(role)))
	}
	logInWith := func(email, password string) string {
		return testkit.GQLJSON(logIn, fmt.Sprintf(`{"in":{"email":%s,"password":%s}}`, jsonStr(email), jsonStr(password)))
	}
	deleteID := func(id string) string { return testkit.GQLJSON(delKey, `{"in":{"id":`+jsonStr(id)+`}}`) }
	viewer := testkit.GQLJSON(`{ viewer { id } }`, "")
	nested := func(depth int) string {
		return strings.Repeat("account { users { ", depth) + "id" + strings.Repeat(" } }", depth)
	}
	gql := func(name, body string, headers ...[2]string) hostileCase {
		return hostileCase{name: name, body: body, headers: append([][2]string{jsonCT, sess}, headers...)}
	}
	anon := func(name, body string) hostileCase {
		return hostileCase{name: name, body: body, headers: [][2]string{jsonCT}}
	}
	verify := func(name string, headers ...[2]string) hostileCase {
		return hostileCase{name: name, method: http.MethodGet, path: "/auth/verify", headers: headers}
	}
	keyed := func(name string, headers ...[2]string) hostileCase {
		return hostileCase{name: name, body: viewer, headers: append([][2]string{jsonCT}, headers...)}
	}

	report := func(name, body string) hostileCase {
		return hostileCase{name: name, path: "/secret-scanning/github", body: body, headers: [][2]string{jsonCT}}
	}
	revoke := func(name, body string) hostileCase {
		return hostileCase{name: name, path: "/credentials/revoke", body: body, headers: [][2]string{jsonCT}}
	}

	cases := []hostileCase{
		// Invalid UTF-8: the JSON decoder would quietly turn it into U+FFFD.
		gql("invalid UTF-8 in a key name", keyName("Zap\xff\xfeier")),
		gql("lone surrogate in a key name", testkit.GQLJSON(createKey, `{"in":{"name":"Zap\ud800ier"}}`)),
		gql("invalid UTF-8 in a query literal", testkit.GQLJSON("mutation { createApiKey(input: {name: \"Zap\xffier\"}) { secret } }", "")),
		anon("invalid UTF-8 in an account name", signUpWith("Acme\xc3(", "Ann", testkit.UniqueEmail("utf8"), "a fine password")),
		anon("invalid UTF-8 in a user name", signUpWith("Acme", "Ann\xe2\x82", testkit.UniqueEmail("utf8"), "a fine password")),
		gql("invalid UTF-8 in a new user's email", newUser("Bob", "b\xffb@example.test", "AGENT")),
		keyed("invalid UTF-8 in X-System (GraphQL)", withKey, [2]string{"X-System", "Zap\xffier"}),
		verify("invalid UTF-8 in X-System (verify)", withKey, [2]string{"X-System", "Zap\xffier"}),
		verify("invalid UTF-8 in Authorization", [2]string{"Authorization", "Bearer kf_\xff\xfe"}),
		// NUL bytes.
		gql("NUL in a key name", keyName("Zap\x00ier")),
		anon("NUL in an email", signUpWith("Acme", "Ann", "ann\x00@example.test", "a fine password")),
		anon("NUL in an account name", signUpWith("Acme\x00", "Ann", testkit.UniqueEmail("nul"), "a fine password")),
		gql("NUL in a user name", newUser("B\x00b", testkit.UniqueEmail("nul"), "AGENT")),
		gql("NUL in a key id", deleteID("key_\x00"+strings.Repeat("A", 19))),
		gql("NUL in a user id", testkit.GQLJSON(setAccess, `{"in":{"userId":"user_\u0000AAAAAAAAAAAAAAAAAAA","enabled":false}}`)),
		anon("NUL in a log-in email", logInWith("\x00"+owner.Email, owner.Password)),
		gql("raw NUL byte in the JSON body", "{\"query\": \"mutation { createApiKey(input: {name: \\\"a\x00b\\\"}) { secret } }\"}"),
		keyed("NUL in X-System (GraphQL)", withKey, [2]string{"X-System", "Zap\x00ier"}),
		verify("NUL in X-System (verify)", withKey, [2]string{"X-System", "Zap\x00ier"}),
		verify("NUL in Authorization", [2]string{"Authorization", "Bearer " + key[:10] + "\x00" + key[10:]}),
		// Control characters.
		gql("escape sequence in a key name", keyName("\x1b[31mred")),
		gql("newline in a key name", keyName("two\nlines")),
		gql("C1 control in a key name", keyName("a\u0085b\u009bc")),
		anon("carriage return in an account name", signUpWith("Acme\rEvil", "Ann", testkit.UniqueEmail("ctl"), "a fine password")),
		gql("tab in a user name", newUser("B\tob", testkit.UniqueEmail("ctl"), "AGENT")),
		anon("CRLF in a log-in email", logInWith(owner.Email+"\r\nX-Injected: 1", owner.Password)),
		keyed("bell in X-System", withKey, [2]string{"X-System", "\x07ding"}),
		verify("escape in X-System", withKey, [2]string{"X-System", "Zap\x1b[2Jier"}),
		verify("DEL in Authorization", [2]string{"Authorization", "Bearer \x7f" + key}),
		// 1 MiB strings.
		gql("1 MiB key name", keyName(mib)),
		anon("1 MiB account name", signUpWith(mib, "Ann", testkit.UniqueEmail("big"), "a fine password")),
		anon("1 MiB password at sign-up", signUpWith("Acme", "Ann", testkit.UniqueEmail("big"), mib)),
		anon("1 MiB email at log-in", logInWith(mib+"@example.test", "a fine password")),
		anon("1 MiB password at log-in", logInWith(owner.Email, mib)),
		gql("1 MiB email for a new user", newUser("Bob", mib+"@example.test", "AGENT")),
		gql("1 MiB key id", deleteID("key_"+mib)),
		// Just under the 64 KiB variables limit, so that the fields' own
		// checks answer.
		gql("60 KiB key name", keyName(mib[:60<<10])),
		anon("60 KiB password at log-in", logInWith(owner.Email, mib[:60<<10])),
		anon("60 KiB email at sign-up", signUpWith("Acme", "Ann", mib[:60<<10]+"@example.test", "a fine password")),
		gql("60 KiB key id", deleteID("key_"+mib[:60<<10])),
		gql("1 MiB query document", testkit.GQLJSON("#"+mib+"\nmutation { createApiKey(input: {name: \"padded\"}) { secret } }", "")),
		gql("2 MiB request body", testkit.GQLJSON(createKey, `{"in":{"name":"x"},"pad":"`+mib+mib+`"}`)),
		// A key's note and a new name: the name's rules, but a note may
		// break lines and run to 500 characters.
		gql("invalid UTF-8 in a note", newNote("Zap\xff\xfeier")),
		gql("lone surrogate in a note", update(`"note":"Zap\ud800ier"`)),
		gql("NUL in a note", newNote("line\x00break")),
		gql("NUL in a new note at creation", keyNote("a\x00b")),
		gql("escape sequence in a note", newNote("\x1b[2J\x1b[31mred")),
		gql("tab in a note", newNote("a\tb")),
		gql("C1 control in a note", newNote("a\u0085b")),
		gql("right-to-left override in a note", newNote("\u202egpj.exe")),
		gql("only zero-width spaces and line breaks as a note", newNote("\u200b\n\u200b")),
		gql("501-character note", newNote(strings.Repeat("n", 501))),
		gql("60 KiB note", newNote(mib[:60<<10])),
		gql("60 KiB note at creation", keyNote(mib[:60<<10])),
		gql("1 MiB note", newNote(mib)),
		gql("invalid UTF-8 in a new name", newName("Zap\xffier")),
		gql("NUL in a new name", newName("Zap\x00ier")),
		gql("newline in a new name", newName("two\nlines")),
		gql("blank new name", newName(" \u3164 ")),
		gql("60 KiB new name", newName(mib[:60<<10])),
		gql("null name", update(`"name":null`)),
		gql("null access", update(`"access":null`)),
		gql("unknown access", update(`"access":"ADMIN"`)),
		gql("access as an object", update(`"access":{"$ne":"FULL"}`)),
		gql("note as an array", update(`"note":["a","b"]`)),
		// A new key's expiry: an RFC 3339 time in the future, or null.
		gql("expiresAt in the past", testkit.GQLJSON(createKey, `{"in":{"name":"Late","expiresAt":"2001-01-01T00:00:00Z"}}`)),
		gql("expiresAt at the zero time", testkit.GQLJSON(createKey, `{"in":{"name":"Late","expiresAt":"0001-01-01T00:00:00Z"}}`)),
		gql("expiresAt in the year 10000", testkit.GQLJSON(createKey, `{"in":{"name":"Far","expiresAt":"10000-01-01T00:00:00Z"}}`)),
		gql("expiresAt as a number", testkit.GQLJSON(createKey, `{"in":{"name":"Epoch","expiresAt":4102444800}}`)),
		gql("expiresAt without a zone", testkit.GQLJSON(createKey, `{"in":{"name":"Local","expiresAt":"2100-01-01T00:00:00"}}`)),
		gql("SQL as expiresAt", testkit.GQLJSON(createKey, `{"in":{"name":"Late","expiresAt":"' OR 1=1 --"}}`)),
		gql("expiresAt on updateApiKey", update(`"expiresAt":"2100-01-01T00:00:00Z"`)),
		gql("SQL in an updated key id", testkit.GQLJSON(updKey, `{"in":{"id":"key_' OR '1'='1","name":"x"}}`)),
		gql("a grace of 2^63 seconds", testkit.GQLJSON(rollKey, `{"in":{"id":`+jsonStr(keyID)+`,"gracePeriodSeconds":9223372036854775807}}`)),
		gql("a negative grace", testkit.GQLJSON(rollKey, `{"in":{"id":`+jsonStr(keyID)+`,"gracePeriodSeconds":-1}}`)),
		gql("a fractional grace", testkit.GQLJSON(rollKey, `{"in":{"id":`+jsonStr(keyID)+`,"gracePeriodSeconds":1.5}}`)),
		gql("SQL in a rolled key id", testkit.GQLJSON(rollKey, `{"in":{"id":"key_' OR '1'='1"}}`)),
		gql("rollApiKey without selecting the secret", testkit.GQLJSON(`mutation($in: RollApiKeyInput!) { rollApiKey(input: $in) { apiKey { id } } }`, `{"in":{"id":`+jsonStr(keyID)+`}}`)),
		gql("createApiKey without selecting the secret", testkit.GQLJSON(`mutation { createApiKey(input: {name: "Lost secret"}) { apiKey { id } } }`, "")),
		// SQL- and script-looking values where they are not valid.
		gql("SQL in a key id", deleteID("key_' OR '1'='1")),
		gql("SQL in a user id", testkit.GQLJSON(setAccess, `{"in":{"userId":"user_'; DROP TABLE users; --","enabled":false}}`)),
		anon("SQL as a log-in email", logInWith("' OR 1=1 --", "' OR 1=1 --")),
		gql("SQL in a new user's email", newUser("Bobby", "x');DROP/**/TABLE/**/users;--@example.test", "AGENT")),
		gql("SQL in a role", newUser("Bobby", testkit.UniqueEmail("sql"), "ADMIN' OR '1'='1")),
		gql("SQL in a cursor", testkit.GQLJSON(`query($after: String) { apiKeys(after: $after) { totalCount } }`, `{"after":"' OR 1=1 --"}`)),
		anon("script as an email", signUpWith("Acme", "Ann", "<script>alert(1)</script>@example.test", "a fine password")),
		gql("script in an over-long key name", keyName("<script>alert(1)</script>"+strings.Repeat("x", 100))),
		gql("script as a key id", deleteID("<img src=x onerror=alert(1)>")),
		// Huge and repeated headers.
		hostileCase{name: "100 KB Authorization (GraphQL)", body: viewer, headers: [][2]string{jsonCT, {"Authorization", "Bearer " + strings.Repeat("A", 100<<10)}}},
		verify("100 KB Authorization (verify)", [2]string{"Authorization", "Basic " + strings.Repeat("QUFB", 25<<10)}),
		keyed("100 KB X-System", withKey, [2]string{"X-System", strings.Repeat("S", 100<<10)}),
		verify("60 KB X-System (under the header limit)", withKey, [2]string{"X-System", strings.Repeat("S", 60<<10)}),
		gql("100 KB cookie", keyName("cookie monster"), [2]string{"Cookie", "c=" + strings.Repeat("C", 100<<10)}),
		gql("10,000 repeated headers", keyName("repeated"), repeatHeader("X-Junk", "0123456789", 10000)...),
		hostileCase{name: "two Authorization headers, garbage first", body: keyName("ambiguous"), headers: [][2]string{jsonCT, {"Authorization", "Bearer nonsense"}, sess}},
		hostileCase{name: "two Authorization headers, garbage second", body: keyName("ambiguous"), headers: [][2]string{jsonCT, sess, {"Authorization", "Bearer nonsense"}}},
		hostileCase{name: "two Authorization headers, two accounts", body: keyName("ambiguous"), headers: [][2]string{jsonCT, sess, {"Authorization", testkit.Bearer(agent.Token)}}},
		// Deep and wide queries.
		gql("deep query", testkit.GQLJSON("{ viewer { "+nested(30)+" } }", "")),
		gql("5,000 nested selections", testkit.GQLJSON(strings.Repeat("{ viewer ", 5000)+strings.Repeat("}", 5000), "")),
		gql("2,000 aliases", testkit.GQLJSON("{ "+testkit.Aliases(2000)+" }", "")),
		gql("150 aliases (a short query)", testkit.GQLJSON("{ "+testkit.Aliases(150)+" }", "")),
		gql("500 repeated fields (a short query)", testkit.GQLJSON("{ viewer { "+strings.Repeat("id ", 500)+"} }", "")),
		gql("20,000 repeated fields", testkit.GQLJSON("{ viewer { "+strings.Repeat("id ", 20000)+"} }", "")),
		gql("40 aliased lists of 100 with nested lists", testkit.GQLJSON("{ "+wideLists(40)+" }", "")),
		gql("variables nested 20,000 deep", testkit.GQLJSON(createKey, `{"in":{"name":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}}`)),
		gql("fragment cycle", testkit.GQLJSON("query { viewer { ...A } } fragment A on User { account { users { ...B } } } fragment B on User { ...A }", "")),
		gql("1,000 operations, none named", testkit.GQLJSON(strings.Repeat("mutation { logOut } ", 1000), "")),
		gql("batch of 100 operations", "["+strings.TrimSuffix(strings.Repeat(keyName("batched")+",", 100), ",")+"]"),
		// The security review's unbounded documents and variables
		// (reliability_cost_test.go asserts each one's code and bound).
		anon("fragment explosion, 40 levels", testkit.GQLJSON(hostile.Doubling(40), "")),
		anon("aliased introspection, 25 a level", testkit.GQLJSON(hostile.AliasedIntrospection(25), "")),
		anon("1 MiB of unused variables", testkit.GQLJSON("{ __typename }", hostile.Variables(1<<20))),
		anon("100 KiB of unused variables", testkit.GQLJSON("{ __typename }", hostile.Variables(100<<10))),
		gql("100 aliased totalCounts", testkit.GQLJSON(hostile.AliasedCounts(100), "")),
		// Leak reports: unsigned, oversized or malformed, they change
		// nothing. (A signed but unverifiable one would make the server
		// fetch GitHub's keys, which these machines cannot reach.)
		report("unsigned secret scanning report naming a live key", `[{"token":"`+key+`","type":"keyfob_api_key","url":"https://x","source":"content"}]`),
		report("unsigned secret scanning report with invalid UTF-8", "[{\"token\":\"kf_\xff\xfe\"}]"),
		report("secret scanning report over 1 MiB", `[{"token":"`+mib+`"}]`),
		revoke("public report that is not JSON", "credentials="+key),
		revoke("public report listing 101 credentials", `{"credentials":[`+strings.TrimSuffix(strings.Repeat(jsonStr(key)+",", 101), ",")+`]}`),
		revoke("public report over 64 KiB", `{"credentials":["`+mib+`"]}`),
		revoke("public report listing a number", `{"credentials":[1]}`),
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method, path := c.method, c.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = "/graphql"
			}
			before := hostileCounts(t, g)
			status, _, body, err := testkit.RawHTTP(srv.URL, method, path, c.headers, c.body)
			if err != nil {
				t.Fatalf("no HTTP answer: %v", err)
			}
			codes := checkRefused(t, status, body)
			if diff := testkit.DiffCounts(before, hostileCounts(t, g)); diff != "" {
				t.Errorf("written: %s (status %d: %.300s)", diff, status, body)
			}
			slices.Sort(codes)
			t.Logf("%d %v", status, slices.Compact(codes))
		})
	}

	// Values that merely look like SQL or script are data: stored and
	// returned verbatim, and the schema is untouched.
	t.Run("SQL- and script-looking names and notes are data", func(t *testing.T) {
		for _, name := range []string{`Robert'); DROP TABLE api_keys;--`, `' OR '1'='1`, `<script>alert(1)</script>`, `"; DELETE FROM users; --`, `%s%n%x{{.}}${jndi:ldap://x}`} {
			data := sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id name } } }`,
				Variables: map[string]any{"in": map[string]any{"name": name}}})
			id := testkit.Dig(data, "createApiKey", "apiKey", "id").(string)
			if got := testkit.Dig(data, "createApiKey", "apiKey", "name"); got != name {
				t.Errorf("name %q came back as %q", name, got)
			}
			var stored string
			g.Raw("SELECT name FROM api_keys WHERE id = ?", id).Scan(&stored)
			if stored != name {
				t.Errorf("name %q stored as %q", name, stored)
			}
			// The same, as a note.
			data = sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: updKey,
				Variables: map[string]any{"in": map[string]any{"id": id, "note": name}}})
			if got := testkit.Dig(data, "updateApiKey", "apiKey", "note"); got != name {
				t.Errorf("note %q came back as %q", name, got)
			}
			g.Raw("SELECT note FROM api_keys WHERE id = ?", id).Scan(&stored)
			if stored != name {
				t.Errorf("note %q stored as %q", name, stored)
			}
		}
		if after := testkit.Tables(t, g); !slices.Equal(after, tablesBefore) {
			t.Errorf("tables changed: %v → %v", tablesBefore, after)
		}
	})

	// No hostile request was admitted as the key's usage.
	if err := srv.Stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if usage := testkit.Usage(t, g); len(usage) != 0 {
		t.Errorf("hostile requests were counted as usage of %s: %v", keyID, usage)
	}
	for _, line := range strings.Split(srv.Logs.String(), "\n") {
		if strings.Contains(line, `"msg":"panic"`) || strings.Contains(line, `"msg":"internal error"`) {
			t.Errorf("the server logged: %.500s", line)
		}
	}
}

func repeatHeader(name, value string, n int) [][2]string {
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{name, value}
	}
	return out
}

func wideLists(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "l%d: apiKeys(first: 100) { nodes { owner { account { users { account { users { id } } } } } usageByIntegration { integration } } } ", i)
	}
	return b.String()
}
