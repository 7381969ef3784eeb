package api

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// wellFormedKey builds a kf_ key with a correct CRC-32 checksum around a
// 32-character base62 body, independently of the product's code: it is what
// a real but unknown key looks like.
func wellFormedKey(random string) string {
	body := "kf_" + random
	v := crc32.ChecksumIEEE([]byte(body))
	var sum [6]byte
	for i := len(sum) - 1; i >= 0; i-- {
		sum[i] = base62Alphabet[v%62]
		v /= 62
	}
	return body + string(sum[:])
}

// expireSessions moves every session of userID into the past.
func expireSessions(t *testing.T, e *testkit.Env, userID string) {
	t.Helper()
	res := e.Store.Gorm().Table("sessions").Where("user_id = ?", userID).
		Update("expires_at", time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond))
	if res.Error != nil || res.RowsAffected == 0 {
		t.Fatalf("expire sessions of %s: %v (%d rows)", userID, res.Error, res.RowsAffected)
	}
}

// rawGraphQL posts `{ viewer { id } }` over a bare TCP connection with the
// extra header lines given verbatim, for bytes Go's client refuses to send.
func rawGraphQL(t *testing.T, e *testkit.Env, headerLines string) (status int, body string) {
	t.Helper()
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	payload := `{"query":"{ viewer { id } }"}`
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n%s\r\n%s",
		u.Host, len(payload), headerLines, payload)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// TestUnauthenticatedIsUniform: every bad Authorization header, whatever the
// reason, gets HTTP 401, the Bearer challenge, the same headers and one
// identical body, on /graphql and on /auth/verify, so that a prober learns
// nothing of why.
func TestUnauthenticatedIsUniform(t *testing.T) {
	// More refusals than the per-IP limit on failed authentications
	// allows by default come from one address here; that limit has tests
	// of its own.
	testkit.ForEachDBConfigured(t, func(c *config.Config) { c.RateLimits.FailedPerIP = 1000 }, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Uniform")
		_, secret := e.CreateKey(t, owner, "Zapier")

		// What does work, so that the refusals below are about the header.
		for name, auth := range map[string]string{
			"session bearer":        testkit.Bearer(owner.Token),
			"key bearer":            testkit.Bearer(secret),
			"key basic":             testkit.Basic(secret, ""),
			"lower-case scheme key": "bearer " + secret,
		} {
			if resp, id := e.ViewerID(t, auth); resp.Status != http.StatusOK || id != owner.ID {
				t.Fatalf("%s: want viewer %s, got status %d: %s", name, owner.ID, resp.Status, resp.Body)
			}
		}

		// A session revoked by logOut.
		revoked := e.LogIn(t, owner.Email, owner.Password, "WEB")
		if data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(revoked), Query: `mutation { logOut }`}); testkit.Dig(data, "logOut") != true {
			t.Fatalf("logOut = %v", data)
		}
		// An expired session: the agent's only session, moved into the past
		// before its first use (TestSessionExpiry lets a used one expire).
		agent := e.CreateUser(t, owner, "AGENT")
		expireSessions(t, e, agent.ID)
		// A deleted key.
		deletedID, deletedSecret := e.CreateKey(t, owner, "Deleted")
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `mutation($id: ID!) { deleteApiKey(input: {id: $id}) { deletedApiKeyId } }`,
			Variables: map[string]any{"id": deletedID}})

		last := secret[len(secret)-1]
		other := byte('A')
		if last == 'A' {
			other = 'B'
		}
		wrongChecksum := secret[:len(secret)-1] + string(other)
		unknownKey := wellFormedKey(testkit.RandomHex(32))
		unknownSession := "kfs_" + strings.Repeat("x", 43)

		cases := []struct{ name, auth string }{
			{"no scheme, key", secret},
			{"no scheme, session token", owner.Token},
			{"scheme only", "Bearer"},
			{"unknown scheme", "Token " + secret},
			{"digest scheme", "Digest " + secret},
			{"basic bad base64", "Basic !!!not*base64!!!"},
			{"basic without colon", "Basic " + base64.StdEncoding.EncodeToString([]byte(secret))},
			{"basic with password", testkit.Basic(secret, "x")},
			{"basic with key as password", testkit.Basic(secret, secret)},
			{"basic with key as password only", testkit.Basic("", secret)},
			{"basic empty", testkit.Basic("", "")},
			{"bearer garbage", "Bearer garbage"},
			{"bearer base64 of basic credentials", "Bearer " + base64.StdEncoding.EncodeToString([]byte(secret+":"))},
			{"bearer kf key wrong checksum", testkit.Bearer(wrongChecksum)},
			{"bearer kf key truncated", testkit.Bearer(secret[:len(secret)-1])},
			{"bearer kf key with extra char", testkit.Bearer(secret + "A")},
			{"basic kf key wrong checksum", testkit.Basic(wrongChecksum, "")},
			{"huge bearer header", "Bearer " + strings.Repeat("a", 4096)},
			{"huge key-prefixed header", testkit.Bearer(secret + strings.Repeat("A", 4000))},
			{"huge basic header", testkit.Basic(strings.Repeat("k", 3000), "")},
			{"unknown well-formed kf key bearer", testkit.Bearer(unknownKey)},
			{"unknown well-formed kf key basic", testkit.Basic(unknownKey, "")},
			{"unknown legacy hex key", testkit.Bearer(testkit.RandomHex(32))},
			{"unknown session token", testkit.Bearer(unknownSession)},
			{"revoked session", testkit.Bearer(revoked)},
			{"expired session", testkit.Bearer(agent.Token)},
			{"deleted key bearer", testkit.Bearer(deletedSecret)},
			{"deleted key basic", testkit.Basic(deletedSecret, "")},
		}
		// fingerprint is a response's headers but for those that differ
		// between any two responses.
		fingerprint := func(h http.Header) string {
			var lines []string
			for name, values := range h {
				if name != "Date" && name != "X-Request-Id" {
					lines = append(lines, name+": "+strings.Join(values, ","))
				}
			}
			slices.Sort(lines)
			return strings.Join(lines, "\n")
		}
		var reference, referenceHeaders, verifyReference, verifyHeaders string
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				v := e.Verify(t, "GET", "", tc.auth, nil)
				if v.Status != http.StatusUnauthorized {
					t.Errorf("/auth/verify: status = %d, want 401: %s", v.Status, v.Body)
				}
				if verifyReference == "" {
					verifyReference, verifyHeaders = v.Body, fingerprint(v.Header)
				} else if v.Body != verifyReference || fingerprint(v.Header) != verifyHeaders {
					t.Errorf("/auth/verify: answer differs from the other refusals:\n got %q %s\nwant %q %s", v.Body, fingerprint(v.Header), verifyReference, verifyHeaders)
				}
				resp := e.Do(t, testkit.Request{Auth: tc.auth, Query: `{ viewer { id } }`})
				if resp.Status != http.StatusUnauthorized {
					t.Errorf("status = %d, want 401: %s", resp.Status, resp.Body)
				}
				if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer realm="keyfob"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q", ct)
				}
				testkit.WantError(t, resp, "UNAUTHENTICATED", "")
				if resp.Data != nil {
					t.Errorf("data = %v, want none", resp.Data)
				}
				if reference == "" {
					reference, referenceHeaders = resp.Body, fingerprint(resp.Header)
				} else if resp.Body != reference || fingerprint(resp.Header) != referenceHeaders {
					t.Errorf("answer differs from the other refusals:\n got %q %s\nwant %q %s", resp.Body, fingerprint(resp.Header), reference, referenceHeaders)
				}
			})
		}

		// Refusals must not have disturbed the working credentials.
		if _, id := e.ViewerID(t, testkit.Bearer(secret)); id != owner.ID {
			t.Errorf("the key stopped working after refused look-alikes")
		}
	})
}

// TestSessionExpiry: a session that has been in use stops working when its
// lifetime ends, cached or not. The server's clock is moved, not waited for.
func TestSessionExpiry(t *testing.T) {
	const ttl = time.Hour
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			clock := clockwork.NewFakeClockAt(time.Now())
			e := testkit.NewEnvAt(t, kind, clock, func(c *config.Config) { c.SessionTTL = ttl })
			owner := e.SignUp(t, "Expiring")
			token := e.LogIn(t, owner.Email, owner.Password, "WEB")
			if resp, id := e.ViewerID(t, testkit.Bearer(token)); id != owner.ID {
				t.Fatalf("fresh session refused: %s", resp.Body)
			}
			clock.Advance(ttl - time.Second)
			if resp, id := e.ViewerID(t, testkit.Bearer(token)); id != owner.ID {
				t.Fatalf("a second before it expires, the session was refused: %s", resp.Body)
			}
			clock.Advance(2 * time.Second)
			resp, _ := e.ViewerID(t, testkit.Bearer(token))
			if resp.Status != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="keyfob"` {
				t.Errorf("expired session: status %d, WWW-Authenticate %q: %s", resp.Status, resp.Header.Get("WWW-Authenticate"), resp.Body)
			}
			testkit.WantError(t, resp, "UNAUTHENTICATED", "")
		})
	}
}

// TestAnonymousRequests: without credentials only signUp, logIn, __typename and
// introspection run; anything else is an UNAUTHENTICATED error in HTTP 200.
func TestAnonymousRequests(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Anon")
		keyID, _ := e.CreateKey(t, owner, "Zapier")

		allowed := []struct {
			name, query string
			vars        map[string]any
			check       func(t *testing.T, data map[string]any)
		}{
			{"typename", `{ __typename }`, nil, func(t *testing.T, data map[string]any) {
				if testkit.Dig(data, "__typename") != "Query" {
					t.Errorf("__typename = %v", data)
				}
			}},
			{"introspection", `{ __schema { queryType { name } } }`, nil, func(t *testing.T, data map[string]any) {
				if testkit.Dig(data, "__schema", "queryType", "name") != "Query" {
					t.Errorf("introspection = %v", data)
				}
			}},
			{"introspection type", `{ __type(name: "ApiKey") { name } }`, nil, func(t *testing.T, data map[string]any) {
				if testkit.Dig(data, "__type", "name") != "ApiKey" {
					t.Errorf("__type = %v", data)
				}
			}},
			{"signUp", `mutation($in: SignUpInput!) { signUp(input: $in) { token user { email role } } }`,
				map[string]any{"in": map[string]any{"accountName": "Anon Two", "name": "Two", "email": testkit.UniqueEmail("anon-two"), "password": "long enough password"}},
				func(t *testing.T, data map[string]any) {
					if tok, _ := testkit.Dig(data, "signUp", "token").(string); tok == "" || testkit.Dig(data, "signUp", "user", "role") != "OWNER" {
						t.Errorf("signUp = %v", data)
					}
				}},
			{"logIn", `mutation($in: LogInInput!) { logIn(input: $in) { token user { id } } }`,
				map[string]any{"in": map[string]any{"email": owner.Email, "password": owner.Password}},
				func(t *testing.T, data map[string]any) {
					if testkit.Dig(data, "logIn", "user", "id") != owner.ID {
						t.Errorf("logIn = %v", data)
					}
				}},
		}
		for _, tc := range allowed {
			t.Run("allowed "+tc.name, func(t *testing.T) {
				resp := e.Do(t, testkit.Request{Query: tc.query, Variables: tc.vars})
				if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
					t.Fatalf("status %d: %s", resp.Status, resp.Body)
				}
				tc.check(t, resp.Data)
			})
		}

		refused := []struct{ name, query string }{
			{"viewer", `{ viewer { id } }`},
			{"account", `{ account { id } }`},
			{"apiKeys", `{ apiKeys { totalCount } }`},
			{"apiKey", `{ apiKey(id: "` + keyID + `") { id } }`},
			{"logOut", `mutation { logOut }`},
			{"createApiKey", `mutation { createApiKey(input: {name: "x"}) { secret } }`},
			{"deleteApiKey", `mutation { deleteApiKey(input: {id: "` + keyID + `"}) { deletedApiKeyId } }`},
			{"updateApiKey", `mutation { updateApiKey(input: {id: "` + keyID + `", name: "x"}) { apiKey { id } } }`},
			{"createUser", `mutation { createUser(input: {name: "x", email: "x@example.test", password: "long enough password", role: AGENT}) { user { id } } }`},
			{"setUserApiAccess", `mutation { setUserApiAccess(input: {userId: "` + owner.ID + `", enabled: true}) { user { id } } }`},
		}
		for _, tc := range refused {
			t.Run("refused "+tc.name, func(t *testing.T) {
				resp := e.Do(t, testkit.Request{Query: tc.query})
				if resp.Status != http.StatusOK {
					t.Errorf("status = %d, want 200: %s", resp.Status, resp.Body)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q", ct)
				}
				testkit.WantError(t, resp, "UNAUTHENTICATED", "")
			})
		}

		// Nothing the refused mutations tried happened.
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ apiKeys { totalCount } account { users { id } } }`})
		if testkit.Dig(data, "apiKeys", "totalCount") != 1.0 || len(testkit.Dig(data, "account", "users").([]any)) != 1 {
			t.Errorf("anonymous mutations changed something: %v", data)
		}
	})
}

func logInRequest(email, password, client string) testkit.Request {
	in := map[string]any{"email": email, "password": password}
	if client != "" {
		in["client"] = client
	}
	return testkit.Request{Query: testkit.LogInMutation, Variables: map[string]any{"in": in}}
}

func TestLogIn(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Login")

		t.Run("wrong email and wrong password answer the same", func(t *testing.T) {
			cases := []struct{ name, email, password string }{
				{"unknown email", testkit.UniqueEmail("nobody"), owner.Password},
				{"wrong password", owner.Email, owner.Password + "!"},
			}
			var bodies []string
			for _, tc := range cases {
				resp := e.Do(t, logInRequest(tc.email, tc.password, ""))
				if resp.Status != http.StatusOK {
					t.Errorf("%s: status %d", tc.name, resp.Status)
				}
				testkit.WantError(t, resp, "UNAUTHENTICATED", "")
				if testkit.Dig(resp.Data, "logIn") != nil {
					t.Errorf("%s: logIn = %v", tc.name, resp.Data)
				}
				bodies = append(bodies, resp.Body)
			}
			if bodies[0] != bodies[1] {
				t.Errorf("unknown email and wrong password answer differently:\n%s\n%s", bodies[0], bodies[1])
			}
		})

		t.Run("email is case-insensitive", func(t *testing.T) {
			for _, email := range []string{strings.ToUpper(owner.Email), strings.ToUpper(owner.Email[:1]) + owner.Email[1:]} {
				resp := e.Do(t, logInRequest(email, owner.Password, "WEB"))
				if len(resp.Errors) > 0 {
					t.Fatalf("log in as %q: %s", email, resp.Body)
				}
				if testkit.Dig(resp.Data, "logIn", "user", "id") != owner.ID {
					t.Errorf("log in as %q: user = %v", email, resp.Data)
				}
				token, _ := testkit.Dig(resp.Data, "logIn", "token").(string)
				if _, id := e.ViewerID(t, testkit.Bearer(token)); id != owner.ID {
					t.Errorf("token from %q does not authenticate", email)
				}
			}
		})

		t.Run("failures are rate limited per email", func(t *testing.T) {
			// She never logs in, so no address is trusted for her and the
			// limit holds everywhere (TestNoLockoutByStrangers has the rest).
			victim := &testkit.User{Email: testkit.UniqueEmail("agent"), Password: "another fine password"}
			e.MustDo(t, testkit.Request{
				Auth:      testkit.Bearer(owner.Token),
				Query:     `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
				Variables: map[string]any{"in": map[string]any{"name": "Agent", "email": victim.Email, "password": victim.Password, "role": "AGENT"}},
			})
			for i := 1; i <= 5; i++ {
				resp := e.Do(t, logInRequest(victim.Email, fmt.Sprintf("wrong password %d", i), ""))
				if !testkit.WantError(t, resp, "UNAUTHENTICATED", "") {
					t.Fatalf("failure %d was not UNAUTHENTICATED", i)
				}
			}
			for _, email := range []string{victim.Email, strings.ToUpper(victim.Email)} {
				resp := e.Do(t, logInRequest(email, victim.Password, ""))
				testkit.WantError(t, resp, "RATE_LIMITED", "")
				if tok := testkit.Dig(resp.Data, "logIn", "token"); tok != nil {
					t.Errorf("rate-limited log-in as %q still returned a token", email)
				}
			}
			// The limit is per email: someone else still gets in.
			if resp := e.Do(t, logInRequest(owner.Email, owner.Password, "")); len(resp.Errors) > 0 {
				t.Errorf("another email was limited too: %s", resp.Body)
			}
		})

		// Concurrent guesses are counted as they start, not as they fail:
		// a burst cannot all pass the check one failure would close.
		t.Run("concurrent failures cannot outrun the limit", func(t *testing.T) {
			email := testkit.UniqueEmail("burst")
			codes := make(chan string, 12)
			var wg sync.WaitGroup
			for i := range 12 {
				wg.Go(func() {
					codes <- e.Do(t, logInRequest(email, fmt.Sprintf("guess %d", i), "")).Code()
				})
			}
			wg.Wait()
			close(codes)
			count := map[string]int{}
			for c := range codes {
				count[c]++
			}
			if count["UNAUTHENTICATED"] > 5 || count["UNAUTHENTICATED"]+count["RATE_LIMITED"] != 12 {
				t.Fatalf("12 concurrent wrong passwords for one email: %v; want at most 5 checked", count)
			}
		})

		// Concurrent logOuts of one session: one wins and is recorded once;
		// the others find the token no longer authenticates.
		t.Run("concurrent logOuts of one session", func(t *testing.T) {
			token := e.LogIn(t, owner.Email, owner.Password, "WEB")
			before := 0
			for _, ev := range auditLog(t, e, testkit.Bearer(owner.Token)) {
				if ev.Action == "LOGGED_OUT" {
					before++
				}
			}
			results := make(chan any, 8)
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(token), Query: `mutation { logOut }`})
					if len(resp.Errors) > 0 {
						results <- resp.Code()
						return
					}
					results <- testkit.Dig(resp.Data, "logOut")
				})
			}
			wg.Wait()
			close(results)
			wins := 0
			for r := range results {
				switch r {
				case true:
					wins++
				case "UNAUTHENTICATED":
				default:
					t.Errorf("a concurrent logOut answered %v", r)
				}
			}
			after := 0
			for _, ev := range auditLog(t, e, testkit.Bearer(owner.Token)) {
				if ev.Action == "LOGGED_OUT" {
					after++
				}
			}
			if wins != 1 || after-before != 1 {
				t.Fatalf("8 concurrent logOuts: %d answered true, %d LOGGED_OUT events; want 1 and 1", wins, after-before)
			}
		})

		// Signing up is not a guess at a password: a log-in limit on the
		// email must neither block it nor report RATE_LIMITED for an
		// account it has in fact created.
		t.Run("signUp is not held to the log-in limit", func(t *testing.T) {
			email := testkit.UniqueEmail("limited-signup")
			for i := 1; i <= 6; i++ {
				e.Do(t, logInRequest(email, fmt.Sprintf("wrong password %d", i), ""))
			}
			resp := e.Do(t, testkit.Request{
				Query:     `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id } } }`,
				Variables: map[string]any{"in": map[string]any{"accountName": "Limited Co", "name": "L", "email": email, "password": "correct horse battery"}},
			})
			token, _ := testkit.Dig(resp.Data, "signUp", "token").(string)
			if len(resp.Errors) > 0 || token == "" {
				t.Fatalf("signUp after failed log-ins for its email: %s", resp.Body)
			}
			if _, id := e.ViewerID(t, testkit.Bearer(token)); id != testkit.Dig(resp.Data, "signUp", "user", "id") {
				t.Fatal("the sign-up token does not authenticate its user")
			}
		})

		t.Run("logOut revokes only the calling session", func(t *testing.T) {
			token := e.LogIn(t, owner.Email, owner.Password, "WEB")
			if _, id := e.ViewerID(t, testkit.Bearer(token)); id != owner.ID {
				t.Fatal("new session does not work")
			}
			if data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: `mutation { logOut }`}); testkit.Dig(data, "logOut") != true {
				t.Fatalf("logOut = %v", data)
			}
			resp, _ := e.ViewerID(t, testkit.Bearer(token))
			if resp.Status != http.StatusUnauthorized {
				t.Errorf("request right after logOut: status %d, want 401: %s", resp.Status, resp.Body)
			}
			testkit.WantError(t, resp, "UNAUTHENTICATED", "")
			if resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(token), Query: `mutation { logOut }`}); resp.Status != http.StatusUnauthorized {
				t.Errorf("second logOut: status %d, want 401", resp.Status)
			}
			if _, id := e.ViewerID(t, testkit.Bearer(owner.Token)); id != owner.ID {
				t.Errorf("logOut revoked another session of the same user")
			}
		})

		t.Run("logOut with an API key is FORBIDDEN", func(t *testing.T) {
			_, secret := e.CreateKey(t, owner, "Zapier")
			for _, auth := range []string{testkit.Bearer(secret), testkit.Basic(secret, "")} {
				resp := e.Do(t, testkit.Request{Auth: auth, Query: `mutation { logOut }`})
				if resp.Status != http.StatusOK {
					t.Errorf("status %d", resp.Status)
				}
				testkit.WantError(t, resp, "FORBIDDEN", "")
			}
			if _, id := e.ViewerID(t, testkit.Bearer(secret)); id != owner.ID {
				t.Errorf("key stopped working after a refused logOut")
			}
			if _, id := e.ViewerID(t, testkit.Bearer(owner.Token)); id != owner.ID {
				t.Errorf("owner's session stopped working after a key's logOut")
			}
		})
	})
}

// TestAPIKeyCallerActsAsOwner: a key reads as its owner but may not manage
// users, keys or access.
func TestAPIKeyCallerActsAsOwner(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Acting")
		agent := e.CreateUser(t, owner, "AGENT")
		agentKeyID, agentSecret := e.CreateKey(t, agent, "Agent's Zapier")
		ownerKeyID, ownerSecret := e.CreateKey(t, owner, "Owner's Make")

		reads := []struct {
			name, secret, wantUser, wantRole string
			wantKeys                         float64
			visibleKey, hiddenKey            string
		}{
			{"agent key", agentSecret, agent.ID, "AGENT", 1, agentKeyID, ownerKeyID},
			{"owner key", ownerSecret, owner.ID, "OWNER", 2, agentKeyID, ""},
		}
		for _, tc := range reads {
			t.Run("reads as owner: "+tc.name, func(t *testing.T) {
				data := e.MustDo(t, testkit.Request{Auth: testkit.Basic(tc.secret, ""), Query: `query($v: ID!, $h: ID!) {
					viewer { id role } account { id } apiKeys { totalCount }
					visible: apiKey(id: $v) { id } hidden: apiKey(id: $h) { id } }`,
					Variables: map[string]any{"v": tc.visibleKey, "h": tc.hiddenKey}})
				if testkit.Dig(data, "viewer", "id") != tc.wantUser || testkit.Dig(data, "viewer", "role") != tc.wantRole {
					t.Errorf("viewer = %v, want %s", testkit.Dig(data, "viewer"), tc.wantUser)
				}
				if testkit.Dig(data, "account", "id") != owner.AccountID {
					t.Errorf("account = %v", testkit.Dig(data, "account"))
				}
				if testkit.Dig(data, "apiKeys", "totalCount") != tc.wantKeys {
					t.Errorf("apiKeys.totalCount = %v, want %v", testkit.Dig(data, "apiKeys", "totalCount"), tc.wantKeys)
				}
				if testkit.Dig(data, "visible", "id") != tc.visibleKey || testkit.Dig(data, "hidden") != nil {
					t.Errorf("visible = %v, hidden = %v", testkit.Dig(data, "visible"), testkit.Dig(data, "hidden"))
				}
			})
		}

		mutations := []struct{ name, query string }{
			{"createApiKey", `mutation { createApiKey(input: {name: "From a key"}) { secret } }`},
			{"deleteApiKey own key", `mutation { deleteApiKey(input: {id: "` + ownerKeyID + `"}) { deletedApiKeyId } }`},
			{"deleteApiKey other key", `mutation { deleteApiKey(input: {id: "` + agentKeyID + `"}) { deletedApiKeyId } }`},
			{"updateApiKey own key", `mutation { updateApiKey(input: {id: "` + ownerKeyID + `", access: READ_ONLY}) { apiKey { id } } }`},
			{"updateApiKey other key", `mutation { updateApiKey(input: {id: "` + agentKeyID + `", name: "Taken"}) { apiKey { id } } }`},
			{"createUser", `mutation { createUser(input: {name: "Eve", email: "` + testkit.UniqueEmail("eve") + `", password: "long enough password", role: ADMIN}) { user { id } } }`},
			{"setUserApiAccess", `mutation { setUserApiAccess(input: {userId: "` + agent.ID + `", enabled: false}) { deletedApiKeys } }`},
		}
		for _, tc := range mutations {
			for _, auth := range []struct{ name, header string }{{"bearer", testkit.Bearer(ownerSecret)}, {"basic", testkit.Basic(ownerSecret, "")}} {
				t.Run("mutation "+tc.name+" "+auth.name, func(t *testing.T) {
					resp := e.Do(t, testkit.Request{Auth: auth.header, Query: tc.query})
					if resp.Status != http.StatusOK {
						t.Errorf("status %d", resp.Status)
					}
					testkit.WantError(t, resp, "FORBIDDEN", "")
				})
			}
		}

		// None of them had any effect.
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ apiKeys { totalCount } account { users { id } } }`})
		if testkit.Dig(data, "apiKeys", "totalCount") != 2.0 || len(testkit.Dig(data, "account", "users").([]any)) != 2 {
			t.Errorf("a key's refused mutations changed something: %v", data)
		}
		if _, id := e.ViewerID(t, testkit.Bearer(agentSecret)); id != agent.ID {
			t.Errorf("agent key stopped working")
		}
	})
}

// TestXSystemHeader: how X-System names the integration a key request counts under.
func TestXSystemHeader(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "XSystem")
		keyID, secret := e.CreateKey(t, owner, "Zapier")

		cases := []struct {
			name   string
			header *string // nil: no X-System header at all
			want   string  // integration counted under; "" means refused
		}{
			{"absent", nil, "unknown"},
			{"empty", ptr(""), "unknown"},
			{"whitespace only", ptr("   "), "unknown"},
			{"trimmed", ptr("  Zapier  "), "Zapier"},
			{"plain", ptr("Zapier"), "Zapier"},
			{"case kept", ptr("zapIER"), "zapIER"},
			{"inner spaces kept", ptr("Make  com"), "Make  com"},
			{"100 ascii", ptr(strings.Repeat("x", 100)), strings.Repeat("x", 100)},
			{"100 multibyte", ptr(strings.Repeat("é", 100)), strings.Repeat("é", 100)},
			{"101 ascii", ptr(strings.Repeat("y", 101)), ""},
			{"101 multibyte", ptr(strings.Repeat("é", 101)), ""},
			{"tab inside", ptr("Zap\tier"), ""},
			{"C1 control U+0085", ptr("Zap\u0085ier"), ""},
			{"C1 control U+009B", ptr("\u009b"), ""},
			{"invalid UTF-8 0xff", ptr("Zap\xffier"), ""},
			{"truncated UTF-8", ptr("Zapi\xc3"), ""},
		}
		want := map[string]float64{}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				req := testkit.Request{Auth: testkit.Bearer(secret), Query: `{ viewer { id } }`}
				if tc.header != nil {
					req.Headers = map[string]string{"X-System": *tc.header}
				}
				resp := e.Do(t, req)
				if tc.want == "" {
					if resp.Status != http.StatusBadRequest {
						t.Errorf("status = %d, want 400: %s", resp.Status, resp.Body)
					}
					testkit.WantError(t, resp, "BAD_USER_INPUT", "")
					return
				}
				if resp.Status != http.StatusOK || testkit.Dig(resp.Data, "viewer", "id") != owner.ID {
					t.Errorf("status %d: %s", resp.Status, resp.Body)
				}
				want[tc.want]++
			})
		}

		// Control bytes Go's client will not send: over a raw connection.
		// net/http's server itself refuses these with a plain-text 400
		// before Keyfob runs, so only the status is checked.
		for _, b := range []string{"\x01", "\x7f"} {
			status, body := rawGraphQL(t, e, "Authorization: Bearer "+secret+"\r\nX-System: Zap"+b+"ier\r\n")
			if status != http.StatusBadRequest {
				t.Errorf("X-System with %q: status %d, want 400: %s", b, status, body)
			}
		}

		// A session request's X-System counts nowhere.
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Headers: map[string]string{"X-System": "Session"}, Query: `{ viewer { id } }`})

		e.FlushUsage(t)
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `query($id: ID!) { apiKey(id: $id) { usageByIntegration { integration requestCount } } }`,
			Variables: map[string]any{"id": keyID}})
		got := map[string]float64{}
		for _, u := range testkit.Dig(data, "apiKey", "usageByIntegration").([]any) {
			got[testkit.Dig(u, "integration").(string)] = testkit.Dig(u, "requestCount").(float64)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("usage by integration:\n got %v\nwant %v", got, want)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// jsonString renders v for error messages.
func jsonString(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(buf.String())
}

// signUp and createUser with an email already registered (in any account)
// count as failed attempts from the address, so neither can probe which
// emails exist faster than logIn.
func TestEmailProbesAreLimitedPerAddress(t *testing.T) {
	probes := map[string]func(t *testing.T, e *testkit.Env, prober *testkit.User, email string) *testkit.Response{
		"signUp": func(t *testing.T, e *testkit.Env, _ *testkit.User, email string) *testkit.Response {
			return e.Do(t, testkit.Request{
				Query:     `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
				Variables: map[string]any{"in": map[string]any{"accountName": "Probe", "name": "P", "email": email, "password": "correct horse battery"}},
			})
		},
		"createUser": func(t *testing.T, e *testkit.Env, prober *testkit.User, email string) *testkit.Response {
			return e.Do(t, testkit.Request{
				Auth:      testkit.Bearer(prober.Token),
				Query:     `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
				Variables: map[string]any{"in": map[string]any{"name": "P", "email": email, "password": "correct horse battery", "role": "AGENT"}},
			})
		},
	}
	for name, probe := range probes {
		t.Run(name, func(t *testing.T) {
			testkit.ForEachDBConfigured(t, func(c *config.Config) { c.LoginLimits.PerIP = 3 }, func(t *testing.T, e *testkit.Env) {
				prober := e.SignUp(t, "Prober")
				victim := e.SignUp(t, "Elsewhere")
				for i := range 3 {
					if resp := probe(t, e, prober, victim.Email); !testkit.WantError(t, resp, "BAD_USER_INPUT", "email") {
						t.Fatalf("probe %d: %s", i+1, resp.Body)
					}
				}
				before := e.RowCounts(t)
				for _, email := range []string{victim.Email, testkit.UniqueEmail("after-probes")} {
					if resp := probe(t, e, prober, email); resp.Code() != "RATE_LIMITED" {
						t.Fatalf("%s of %s after 3 probes: %s; want RATE_LIMITED", name, email, resp.Body)
					}
				}
				if after := e.RowCounts(t); after["accounts"] != before["accounts"] || after["users"] != before["users"] {
					t.Fatalf("a refused %s wrote rows: %v -> %v", name, before, after)
				}
			})
		})
	}
}
