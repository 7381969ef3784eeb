package reliability

// After a realistic session against the real binary, no secret, session
// token or password that was issued or typed appears in the database dump
// or in any log line; and refusals of unknown, deleted and malformed
// credentials cannot be told apart.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/internal/testkit"
)

var relSecretRE = regexp.MustCompile(`\bkf_[0-9A-Za-z]{38}\b|\bkfs_[0-9A-Za-z]{43}\b|\b[0-9a-f]{32}\b`)

// relDump renders every row of every table.
func relDump(t *testing.T, g *gorm.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range testkit.Tables(t, g) {
		var rows []map[string]any
		if err := g.Table(table).Find(&rows).Error; err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		for _, r := range rows {
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteString(table)
			for _, k := range keys {
				v := r[k]
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, " %s=%v", k, v)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// pgDump runs pg_dump on the schema that dsn's search_path names.
func pgDump(t *testing.T, dsn string) (string, error) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	out, err := exec.Command("pg_dump", "--dbname="+u.String(), "--schema="+schema, "--no-owner").Output()
	return string(out), err
}

// secretSet is everything that must never be stored or logged in clear.
type secretSet map[string]string // needle → what it is

// addSecret adds a credential, its Basic header form and a 20-character
// piece of its random part (which catches a truncated or altered copy).
func (s secretSet) addSecret(secret, what string) {
	s[secret] = what
	s[base64.StdEncoding.EncodeToString([]byte(secret+":"))] = what + " (Basic form)"
	switch {
	case strings.HasPrefix(secret, credential.SessionPrefix):
		s[secret[8:28]] = what + " (a piece)"
	case strings.HasPrefix(secret, credential.KeyPrefix):
		s[secret[5:25]] = what + " (a piece)"
	default:
		s[secret[4:24]] = what + " (a piece)"
	}
}

func (s secretSet) scan(t *testing.T, where, text string) {
	t.Helper()
	for needle, what := range s {
		if i := strings.Index(text, needle); i >= 0 {
			line := text[strings.LastIndexByte(text[:i], '\n')+1:]
			if j := strings.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			t.Errorf("%s holds %s: %.400s", where, what, line)
		}
	}
}

func TestNoSecretInDatabaseOrLogs(t *testing.T) {
	kind, dsn := "sqlite", filepath.Join(t.TempDir(), "keyfob.db")
	if testkit.PGURL() != "" {
		kind, dsn = "postgres", pgtest.FreshSchema(t)
	}
	secrets := secretSet{}
	var logs []string

	// The operator's demo seed: a legacy Default API Key and a mobile
	// session bound to it. The secrets it prints once are issued secrets.
	args := []string{"-password-memory-kib", "1024", "-log-level", "debug"}
	if kind == "postgres" {
		args = append(args, "-database-url", dsn)
	} else {
		args = append(args, "-database-url=", "-db", dsn)
	}
	var seedOut, seedErr bytes.Buffer
	seed := exec.Command(testkit.BuildKeyfob(t), append(args, "seed-demo")...)
	seed.Stdout, seed.Stderr = &seedOut, &seedErr
	if err := seed.Run(); err != nil {
		t.Fatalf("seed-demo: %v\n%s\n%s", err, seedOut.String(), seedErr.String())
	}
	logs = append(logs, seedErr.String())
	for _, s := range relSecretRE.FindAllString(seedOut.String(), -1) {
		secrets.addSecret(s, "a seeded secret")
	}
	if len(secrets) == 0 {
		t.Fatalf("seed-demo printed no secrets:\n%s", seedOut.String())
	}

	signer := testkit.NewGitHubSigner(t)
	srv := testkit.StartServer(t, dsn, "-log-level", "debug", "-failed-auth-per-ip", "1000000", "-github-secret-scanning-keys", signer.KeySetPath,
		"-login-failures-per-email", "1000000", "-login-failures-per-ip", "1000000")
	sc := srv.Client()
	c := testkit.HTTPClient(t)
	issue := func(secret, what string) string { secrets.addSecret(secret, what); return secret }
	password := func() string { p := "pw-" + testkit.RandomHex(24); secrets[p] = "a password"; return p }

	// People: the demo owner on the web and on mobile, and two new accounts.
	demoToken := issue(sc.LogIn(t, "owner@demo.keyfob.test", "keyfob-demo-owner", "WEB"), "a session token")
	issue(sc.LogIn(t, "owner@demo.keyfob.test", "keyfob-demo-owner", "MOBILE"), "a mobile session token")
	var owners []*testkit.User
	for _, name := range []string{"Leak Alpha", "Leak Bravo"} {
		email := testkit.UniqueEmail("leak")
		pw := password()
		data := sc.MustDo(t, testkit.Request{Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id account { id } } } }`,
			Variables: map[string]any{"in": map[string]any{"accountName": name, "name": "Owner", "email": email, "password": pw}}})
		u := &testkit.User{Email: email, Password: pw, Token: issue(testkit.Dig(data, "signUp", "token").(string), "a sign-up token"),
			ID: testkit.Dig(data, "signUp", "user", "id").(string), AccountID: testkit.Dig(data, "signUp", "user", "account", "id").(string)}
		owners = append(owners, u)
		issue(sc.LogIn(t, email, pw, "MOBILE"), "a mobile session token")
	}
	agentPW := password()
	agentEmail := testkit.UniqueEmail("leak-agent")
	sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(owners[0].Token), Query: `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
		Variables: map[string]any{"in": map[string]any{"name": "Agent", "email": agentEmail, "password": agentPW, "role": "AGENT"}}})
	agent := &testkit.User{Email: agentEmail, Password: agentPW, Token: issue(sc.LogIn(t, agentEmail, agentPW, "WEB"), "an agent's token")}

	// Keys, and integrations using them every way they can.
	type key struct{ id, secret string }
	var keys []key
	for _, u := range []*testkit.User{owners[0], owners[0], owners[1], agent} {
		id, secret := sc.CreateKey(t, u, "Integration "+testkit.RandomHex(4))
		keys = append(keys, key{id, issue(secret, "an API key")})
	}
	// A key that expires: its answers name the expiry, never the secret.
	data := sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(owners[1].Token),
		Query:     `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`,
		Variables: map[string]any{"in": map[string]any{"name": "Expiring integration", "expiresAt": "2100-01-01T00:00:00Z"}}})
	keys = append(keys, key{testkit.Dig(data, "createApiKey", "apiKey", "id").(string), issue(testkit.Dig(data, "createApiKey", "secret").(string), "an expiring API key")})
	for i, k := range keys {
		for _, auth := range []string{testkit.Bearer(k.secret), testkit.Basic(k.secret, "")} {
			if got, err := testkit.VerifyKey(c, srv.URL, auth, fmt.Sprintf("System %d", i)); err != nil || got.Status != http.StatusOK {
				t.Fatalf("verify: %v %d", err, got.Status)
			}
			sc.MustDo(t, testkit.Request{Auth: auth, Query: `{ viewer { id } apiKeys { totalCount } }`, Headers: map[string]string{"X-System": "GraphQL client"}})
		}
	}

	// Changes to keys, which revoke their cached verdicts as a deletion
	// does; the keys are used again afterwards, so they are read afresh.
	for _, change := range []map[string]any{
		{"id": keys[0].id, "name": "Renamed integration", "note": "Rotated quarterly\nby the ops team"},
		{"id": keys[0].id, "access": "READ_ONLY"},
		{"id": keys[3].id, "access": "READ_ONLY", "note": nil},
	} {
		sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(owners[0].Token), Query: testkit.UpdateKeyMutation, Variables: map[string]any{"in": change}})
	}
	for _, k := range []key{keys[0], keys[3]} {
		if got, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(k.secret), "After the change"); err != nil || got.Status != http.StatusOK {
			t.Fatalf("verify after an update: %v %d", err, got.Status)
		}
	}

	// Rolls: each new secret is shown once, and the previous one works
	// during its grace; neither may be stored or logged.
	previous := keys[1].secret
	for i, grace := range []int{3600, 60} {
		data := sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(owners[0].Token), Query: testkit.RollKeyMutation,
			Variables: map[string]any{"in": map[string]any{"id": keys[1].id, "gracePeriodSeconds": grace}}})
		secret := issue(testkit.Dig(data, "rollApiKey", "secret").(string), "a rolled API key")
		for _, s := range []string{previous, secret} {
			if got, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(s), fmt.Sprintf("Roll %d", i)); err != nil || got.Status != http.StatusOK {
				t.Fatalf("verify after roll %d: %v %d", i, err, got.Status)
			}
		}
		previous = secret
	}

	// Leak reports: GitHub's, signed, and a public one, applied after its
	// answer. The tokens reported are stored only as the keys' hashes.
	report := signer.Report(t, c, srv.URL, testkit.ReportBody(
		testkit.LeakMatch{Token: keys[2].secret, Type: "keyfob_api_key", URL: "https://github.com/octo/leaky/blob/main/.env", Source: "commit"},
		testkit.LeakMatch{Token: keys[2].secret[:len(keys[2].secret)-1] + "x", Type: "keyfob_api_key", Source: "content"}))
	if report.Status != http.StatusOK {
		t.Fatalf("GitHub report: %d %s", report.Status, report.Body)
	}
	secrets.scan(t, "the GitHub report's answer", report.Body)
	revokeBody, _ := json.Marshal(map[string]any{"credentials": []string{keys[3].secret, "kf_not-a-key"}})
	if got, err := testkit.DoHTTP(c, testkit.PublicRevokeRequest(srv.URL, revokeBody)); err != nil || got.Status != http.StatusAccepted {
		t.Fatalf("public report: %v %d", err, got.Status)
	}

	// Deletions: a key, the demo's Default API Key (logging out its mobile
	// session), and a logout.
	sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(owners[0].Token), Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": keys[1].id}})
	data = sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(demoToken), Query: `{ apiKeys { nodes { id isDefault } } }`})
	for _, n := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
		if testkit.Dig(n, "isDefault") == true {
			sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(demoToken), Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": testkit.Dig(n, "id")}})
		}
	}
	loggedOut := issue(sc.LogIn(t, owners[1].Email, owners[1].Password, "WEB"), "a session token")
	sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(loggedOut), Query: `mutation { logOut }`})

	// Failed log-ins, with passwords that must not be kept anywhere.
	for _, email := range []string{owners[0].Email, testkit.UniqueEmail("nobody")} {
		resp := sc.Do(t, testkit.Request{Query: `mutation($in: LogInInput!) { logIn(input: $in) { token } }`,
			Variables: map[string]any{"in": map[string]any{"email": email, "password": password()}}})
		testkit.WantError(t, resp, "UNAUTHENTICATED", "")
	}

	// A batch of bad input carrying real credentials in the wrong places.
	k := keys[0].secret
	bad := []struct {
		name, method, path, auth, body string
	}{
		{"key with one character changed", "GET", "/auth/verify", testkit.Bearer(k[:20] + testkit.Flip(k[20]) + k[21:]), ""},
		{"truncated key", "GET", "/auth/verify", testkit.Bearer(k[:30]), ""},
		{"key with a Basic password", "GET", "/auth/verify", testkit.Basic(k, "extra"), ""},
		{"session token at the gateway", "GET", "/auth/verify", testkit.Bearer(owners[0].Token), ""},
		{"key in the query string", "GET", "/auth/verify?api_key=" + k, "", ""},
		{"token in the query string", "GET", "/graphql?query=%7Bviewer%7Bid%7D%7D&token=" + owners[0].Token, "", ""},
		{"key twice in the header", "POST", "/graphql", "Bearer " + k + " " + k, `{"query":"{ viewer { id } }"}`},
		{"password in a broken body", "POST", "/graphql", "", `{"query":"mutation { logIn(input: {email: \"` + owners[0].Email + `\", password: \"` + owners[0].Password + `\"}) { token } }"`},
		{"password in bad variables", "POST", "/graphql", "", `{"query":"mutation($in: LogInInput!) { logIn(input: $in) { token } }","variables":{"in":{"email":1,"password":"` + owners[1].Password + `"}}}`},
		{"secret in an unknown field", "POST", "/graphql", testkit.Bearer(owners[0].Token), `{"query":"{ viewer { id secret: email nope } }","variables":{"s":"` + k + `"}}`},
	}
	for _, b := range bad {
		req, _ := http.NewRequest(b.method, srv.URL+b.path, strings.NewReader(b.body))
		req.Header.Set("Content-Type", "application/json")
		if b.auth != "" {
			req.Header.Set("Authorization", b.auth)
		}
		got, err := testkit.DoHTTP(c, req)
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		if got.Status >= 500 {
			t.Errorf("%s: HTTP %d: %s", b.name, got.Status, got.Body)
		}
		secrets.scan(t, b.name+" response", got.Body)
	}

	if err := srv.Stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	logs = append(logs, srv.Logs.String())
	g := testkit.Inspect(t, dsn)
	// The stop waited for the public report it had answered.
	for i, want := range map[int]string{2: "github:commit", 3: "public report"} {
		var source *string
		if err := g.Raw("SELECT leak_source FROM api_keys WHERE id = ?", keys[i].id).Scan(&source).Error; err != nil || source == nil || *source != want {
			t.Errorf("key %d's leak source after the stop: %v %v, want %q", i, source, err, want)
		}
	}
	dump := relDump(t, g)
	if kind == "postgres" {
		if pd, err := pgDump(t, dsn); err != nil {
			t.Logf("pg_dump unavailable (%v); the SELECT dump stands alone", err)
		} else {
			dump += pd
		}
	}
	lines := 0
	for _, l := range logs {
		lines += strings.Count(l, "\n")
	}
	t.Logf("scanning a %d-byte dump of %d tables and %d log lines for %d needles", len(dump), len(testkit.Tables(t, g)), lines, len(secrets))
	secrets.scan(t, "the database dump", dump)
	for _, l := range logs {
		secrets.scan(t, "the logs", l)
	}
	// Anything shaped like a credential is a leak, whether the test issued
	// it or not (hashes are 64 hex digits and do not match).
	for _, found := range slices.Compact(slices.Sorted(slices.Values(relSecretRE.FindAllString(strings.Join(logs, "\n"), -1)))) {
		t.Errorf("the logs hold something shaped like a credential: %s", found)
	}
}
