package reliability

// FuzzMutationVariables sends arbitrary strings and JSON as the variables of
// every mutation to an in-process server: never HTTP 5xx, never INTERNAL.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/httpapi"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// fuzzMutation is a mutation and the fields of its input object, with a
// valid value for each.
type fuzzMutation struct {
	name, query string
	anonymous   bool
	fields      map[string]any
}

func fuzzMutations(ownerEmail, userID, keyID string) []fuzzMutation {
	return []fuzzMutation{
		{"signUp", `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id email } } }`, true,
			map[string]any{"accountName": "Fuzz Co", "name": "Fuzzy", "email": "fuzz@example.test", "password": "fuzz password"}},
		{"logIn", `mutation($in: LogInInput!) { logIn(input: $in) { token user { id } } }`, true,
			map[string]any{"email": ownerEmail, "password": "not the password", "client": "MOBILE"}},
		{"createUser", `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id email role apiAccess } } }`, false,
			map[string]any{"name": "Fuzzed", "email": "fuzzed@example.test", "password": "fuzz password", "role": "AGENT"}},
		{"createApiKey", `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id name last4 expiresAt status } } }`, false,
			map[string]any{"name": "Fuzz integration", "expiresAt": "2100-01-01T00:00:00Z"}},
		{"deleteApiKey", `mutation($in: DeleteApiKeyInput!) { deleteApiKey(input: $in) { deletedApiKeyId loggedOutMobileSessions } }`, false,
			map[string]any{"id": keyID}},
		{"setUserApiAccess", `mutation($in: SetUserApiAccessInput!) { setUserApiAccess(input: $in) { user { id apiAccess } deletedApiKeys } }`, false,
			map[string]any{"userId": userID, "enabled": true}},
		// Last, so that the corpus's earlier entries keep their mutation.
		{"updateApiKey", `mutation($in: UpdateApiKeyInput!) { updateApiKey(input: $in) { apiKey { id name note access } } }`, false,
			map[string]any{"id": keyID, "name": "Fuzz renamed", "note": "Fuzz note\nline two", "access": "READ_ONLY"}},
		{"rollApiKey", `mutation($in: RollApiKeyInput!) { rollApiKey(input: $in) { secret apiKey { id last4 previousSecretExpiresAt } } }`, false,
			map[string]any{"id": keyID, "gracePeriodSeconds": 3600}},
	}
}

func FuzzMutationVariables(f *testing.F) {
	// One server per fuzz run (each fuzzing worker runs this once).
	cfg, _, err := config.Load([]string{"-password-memory-kib", "1024", "-database-url="}, io.Discard)
	if err != nil {
		f.Fatal(err)
	}
	cfg.SQLitePath = filepath.Join(f.TempDir(), "fuzz.db")
	testkit.Generous(cfg)
	store, _, err := cfg.OpenStore(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	a := httpapi.New(cfg, store, httpapi.NewLogger(io.Discard, slog.LevelError))
	srv := httptest.NewServer(a.Handler())
	f.Cleanup(func() { srv.Close(); _ = a.Close(context.Background()); store.Close() })

	post := func(auth string, body []byte) (int, []byte, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		return resp.StatusCode, out, err
	}
	gql := func(auth, query string, vars any) map[string]any {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		status, out, err := post(auth, body)
		var parsed struct {
			Data   map[string]any     `json:"data"`
			Errors []testkit.GQLError `json:"errors"`
		}
		if err != nil || status != http.StatusOK || json.Unmarshal(out, &parsed) != nil || len(parsed.Errors) > 0 {
			f.Fatalf("setting up: %v %d %s", err, status, out)
		}
		return parsed.Data
	}
	ownerEmail := "fuzz-owner@example.test"
	data := gql("", `mutation($in: SignUpInput!) { signUp(input: $in) { token user { account { id } } } }`,
		map[string]any{"in": map[string]any{"accountName": "Fuzz Owner Co", "name": "Owner", "email": ownerEmail, "password": "owner password"}})
	token := testkit.Dig(data, "signUp", "token").(string)
	accountID := testkit.Dig(data, "signUp", "user", "account", "id").(string)
	if _, _, err := store.SetPowerUp(context.Background(), accountID, true); err != nil {
		f.Fatal(err)
	}
	data = gql(testkit.Bearer(token), `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
		map[string]any{"in": map[string]any{"name": "Agent", "email": "fuzz-agent@example.test", "password": "agent password", "role": "AGENT"}})
	userID := testkit.Dig(data, "createUser", "user", "id").(string)
	data = gql(testkit.Bearer(token), `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`,
		map[string]any{"in": map[string]any{"name": "target"}})
	keyID := testkit.Dig(data, "createApiKey", "apiKey", "id").(string)
	mutations := fuzzMutations(ownerEmail, userID, keyID)

	seeds := []string{"null", "{}", "[]", "-1e309", "\x00", "\xff\xfe", `{"in": {"name": {"$gt": ""}}}`, "' OR 1=1 --",
		strings.Repeat("[", 200), credential.NewID("key"), credential.NewID("user"), "kf_" + strings.Repeat("0", 38)}
	for op := range mutations {
		for i, s := range seeds { // each mode sees a spread of values
			f.Add(uint8(op), uint8((op+i)%5), s)
		}
	}

	f.Fuzz(func(t *testing.T, op, mode uint8, s string) {
		m := mutations[int(op)%len(mutations)]
		raw := func(s string) json.RawMessage { // s itself if it is JSON, else s as a JSON string
			if json.Valid([]byte(s)) {
				return json.RawMessage(s)
			}
			b, _ := json.Marshal(s)
			return b
		}
		input := map[string]any{}
		for k, v := range m.fields {
			input[k] = v
		}
		var variables any = map[string]any{"in": input}
		names := make([]string, 0, len(m.fields))
		for k := range m.fields {
			names = append(names, k)
		}
		slices.Sort(names)
		switch mode % 5 {
		case 0: // the variables themselves
			variables = raw(s)
		case 1: // the input object
			variables = map[string]any{"in": raw(s)}
		case 2: // every field a string
			for _, k := range names {
				input[k] = s
			}
		case 3: // one field a string
			input[names[len(s)%len(names)]] = s
		case 4: // one field any JSON value
			input[names[len(s)%len(names)]] = raw(s)
		}
		body, err := json.Marshal(map[string]any{"query": m.query, "variables": variables})
		if err != nil {
			t.Skip("not encodable")
		}
		auth := testkit.Bearer(token)
		if m.anonymous {
			auth = ""
		}
		status, out, err := post(auth, body)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if status >= 500 {
			t.Fatalf("%s with variables %s: HTTP %d: %s", m.name, body, status, out)
		}
		var parsed struct {
			Errors []testkit.GQLError `json:"errors"`
		}
		if err := json.Unmarshal(out, &parsed); err != nil {
			t.Fatalf("%s: status %d, body is not JSON: %q", m.name, status, out)
		}
		for _, e := range parsed.Errors {
			if code, _ := e.Extensions["code"].(string); code == "INTERNAL" || code == "" {
				t.Fatalf("%s with variables %s: error code %q: %s", m.name, body, code, out)
			}
		}
	})
}
