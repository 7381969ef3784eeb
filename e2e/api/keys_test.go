package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/internal/testkit"
)

var kfKeyPattern = regexp.MustCompile(`^kf_[0-9A-Za-z]{38}$`)

const (
	createKeyMutation = `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey {
		id name last4 createdAt lastUsedAt isDefault activeMobileSessions owner { id }
		usageByIntegration { integration requestCount } } } }`
	keyByIDQuery = `query($id: ID!) { apiKey(id: $id) { id name last4 createdAt lastUsedAt isDefault activeMobileSessions
		owner { id email } usageByIntegration { integration firstUsedAt lastUsedAt requestCount } } }`
	keyPageQuery = `query($first: Int, $after: String) { apiKeys(first: $first, after: $after) {
		totalCount nodes { id } edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`
)

func createKeyRequest(token, name string) testkit.Request {
	return testkit.Request{Auth: testkit.Bearer(token), Query: createKeyMutation, Variables: map[string]any{"in": map[string]any{"name": name}}}
}

func deleteKeyRequest(auth, id string) testkit.Request {
	return testkit.Request{Auth: auth, Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": id}}
}

// keyPage fetches one page of apiKeys; first or after may be nil.
func keyPage(t *testing.T, e *testkit.Env, auth string, first any, after any) *testkit.Response {
	t.Helper()
	vars := map[string]any{}
	if first != nil {
		vars["first"] = first
	}
	if after != nil {
		vars["after"] = after
	}
	return e.Do(t, testkit.Request{Auth: auth, Query: keyPageQuery, Variables: vars})
}

func idsOf(nodes any) []string {
	var ids []string
	for _, n := range nodes.([]any) {
		ids = append(ids, testkit.Dig(n, "id").(string))
	}
	return ids
}

func TestCreateAPIKey(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Creator")
		agent := e.CreateUser(t, owner, "AGENT")

		secrets := map[string]bool{}
		cases := []struct {
			name    string
			creator *testkit.User
		}{
			{"owner", owner},
			{"agent", agent},
			{"owner again", owner},
		}
		var keyIDs, keySecrets []string
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := time.Now().Add(-time.Second)
				data := e.MustDo(t, createKeyRequest(tc.creator.Token, "  Zapier  "))
				after := time.Now().Add(time.Second)
				secret, _ := testkit.Dig(data, "createApiKey", "secret").(string)
				key := testkit.Dig(data, "createApiKey", "apiKey")
				if !kfKeyPattern.MatchString(secret) {
					t.Fatalf("secret %q does not match %s", secret, kfKeyPattern)
				}
				if wellFormedKey(secret[3:35]) != secret {
					t.Errorf("secret %q: last 6 characters are not the base62 CRC-32 of the rest", secret)
				}
				if secrets[secret] {
					t.Errorf("secret %q handed out twice", secret)
				}
				secrets[secret] = true
				if got := testkit.Dig(key, "last4"); got != secret[len(secret)-4:] {
					t.Errorf("last4 = %v, want %q", got, secret[len(secret)-4:])
				}
				if got := testkit.Dig(key, "name"); got != "Zapier" {
					t.Errorf("name = %v, want trimmed \"Zapier\"", got)
				}
				if got := testkit.Dig(key, "lastUsedAt"); got != nil {
					t.Errorf("lastUsedAt = %v, want null (Never)", got)
				}
				if got := testkit.Dig(key, "isDefault"); got != false {
					t.Errorf("isDefault = %v", got)
				}
				if got := testkit.Dig(key, "activeMobileSessions"); got != 0.0 {
					t.Errorf("activeMobileSessions = %v", got)
				}
				if got := testkit.Dig(key, "owner", "id"); got != tc.creator.ID {
					t.Errorf("owner = %v, want %s", got, tc.creator.ID)
				}
				if usage, ok := testkit.Dig(key, "usageByIntegration").([]any); !ok || len(usage) != 0 {
					t.Errorf("usageByIntegration = %v, want []", testkit.Dig(key, "usageByIntegration"))
				}
				if at := testkit.MustTime(t, testkit.Dig(key, "createdAt")); at.Before(before) || at.After(after) {
					t.Errorf("createdAt %v not within the request", at)
				}
				id, _ := testkit.Dig(key, "id").(string)
				if id == "" || strings.Contains(id, secret[3:35]) {
					t.Errorf("id = %q", id)
				}
				// The new key works.
				if _, viewer := e.ViewerID(t, testkit.Bearer(secret)); viewer != tc.creator.ID {
					t.Errorf("new key does not authenticate as its creator")
				}
				keyIDs, keySecrets = append(keyIDs, id), append(keySecrets, secret)
			})
		}
		if t.Failed() {
			return
		}

		t.Run("no query returns the secret", func(t *testing.T) {
			var bodies []string
			for _, id := range keyIDs {
				bodies = append(bodies, e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: keyByIDQuery, Variables: map[string]any{"id": id}}).Body)
			}
			bodies = append(bodies,
				e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ viewer { id name email role apiAccess signedUpAt account { id name createdAt apiKeyRestriction users { id email } } }
					apiKeys(first: 100) { totalCount nodes { id name last4 createdAt lastUsedAt isDefault activeMobileSessions owner { id }
					usageByIntegration { integration requestCount } } edges { cursor node { id last4 } } pageInfo { endCursor } } }`}).Body,
				e.Do(t, testkit.Request{Auth: testkit.Bearer(keySecrets[0]), Query: `{ apiKeys { nodes { id name last4 } edges { cursor } } }`}).Body,
			)
			for _, body := range bodies {
				if !strings.Contains(body, `"last4"`) {
					t.Fatalf("query did not return the keys: %s", body)
				}
				for _, s := range keySecrets {
					for _, leak := range []string{s, s[3:35], s[:len(s)-4], testkit.SHA256Hex(s)} {
						if strings.Contains(body, leak) {
							t.Errorf("a query returned %q (from secret %q): %s", leak, s, body)
						}
					}
				}
			}
		})

		t.Run("no schema field but createApiKey's and rollApiKey's exposes a secret or hash", func(t *testing.T) {
			// The payloads that show a secret once, and a time about one.
			allowed := map[string]bool{"CreateApiKeyPayload.secret": true, "RollApiKeyPayload.secret": true, "ApiKey.previousSecretExpiresAt": true, "ApiKey.previousSecretLastUsedAt": true}
			data := e.MustDo(t, testkit.Request{Query: `{ __schema { types { name fields { name } } } }`})
			for _, typ := range testkit.Dig(data, "__schema", "types").([]any) {
				typeName := testkit.Dig(typ, "name").(string)
				fields, _ := testkit.Dig(typ, "fields").([]any)
				for _, f := range fields {
					name := strings.ToLower(testkit.Dig(f, "name").(string))
					if allowed[typeName+"."+testkit.Dig(f, "name").(string)] {
						continue
					}
					if strings.Contains(name, "secret") || strings.Contains(name, "hash") {
						t.Errorf("%s.%s may expose a secret", typeName, testkit.Dig(f, "name"))
					}
				}
			}
		})
	})
}

func TestAPIKeysPagination(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Pages")
		auth := testkit.Bearer(owner.Token)
		var created []string
		for i := 0; i < 5; i++ {
			id, _ := e.CreateKey(t, owner, fmt.Sprintf("key %d", i))
			created = append(created, id)
		}
		newestFirst := make([]string, len(created))
		for i, id := range created {
			newestFirst[len(created)-1-i] = id
		}

		// walk pages of size first from the start, checking each page's shape.
		walk := func(t *testing.T, first int) []string {
			var all []string
			var after any
			for page := 1; ; page++ {
				resp := keyPage(t, e, auth, first, after)
				if len(resp.Errors) > 0 {
					t.Fatalf("page %d: %s", page, resp.Body)
				}
				conn := testkit.Dig(resp.Data, "apiKeys")
				nodes := idsOf(testkit.Dig(conn, "nodes"))
				edges := testkit.Dig(conn, "edges").([]any)
				if testkit.Dig(conn, "totalCount") != 5.0 {
					t.Errorf("page %d: totalCount = %v, want 5", page, testkit.Dig(conn, "totalCount"))
				}
				if len(edges) != len(nodes) {
					t.Fatalf("page %d: %d edges for %d nodes", page, len(edges), len(nodes))
				}
				for i, edge := range edges {
					if testkit.Dig(edge, "node", "id") != nodes[i] {
						t.Errorf("page %d: edge %d is %v, node %d is %s", page, i, testkit.Dig(edge, "node", "id"), i, nodes[i])
					}
					if c, _ := testkit.Dig(edge, "cursor").(string); c == "" {
						t.Errorf("page %d: edge %d has no cursor", page, i)
					}
				}
				if len(nodes) > first {
					t.Fatalf("page %d: %d nodes for first %d", page, len(nodes), first)
				}
				all = append(all, nodes...)
				hasNext := testkit.Dig(conn, "pageInfo", "hasNextPage").(bool)
				end := testkit.Dig(conn, "pageInfo", "endCursor")
				if len(edges) > 0 && end != testkit.Dig(edges[len(edges)-1], "cursor") {
					t.Errorf("page %d: endCursor %v is not the last edge's cursor", page, end)
				}
				if wantNext := len(all) < 5; hasNext != wantNext {
					t.Errorf("page %d: hasNextPage = %v, want %v", page, hasNext, wantNext)
				}
				if !hasNext {
					// The page after the last is empty.
					if end != nil {
						resp := keyPage(t, e, auth, first, end)
						if n := len(idsOf(testkit.Dig(resp.Data, "apiKeys", "nodes"))); n != 0 || testkit.Dig(resp.Data, "apiKeys", "pageInfo", "endCursor") != nil ||
							testkit.Dig(resp.Data, "apiKeys", "pageInfo", "hasNextPage") != false {
							t.Errorf("page after the last: %s", resp.Body)
						}
					}
					return all
				}
				if page > 10 {
					t.Fatal("pagination does not end")
				}
				after = end
			}
		}

		t.Run("first 2 gives 3 pages newest first", func(t *testing.T) {
			if got := walk(t, 2); fmt.Sprint(got) != fmt.Sprint(newestFirst) {
				t.Errorf("pages gave\n%v\nwant\n%v", got, newestFirst)
			}
		})
		t.Run("one page", func(t *testing.T) {
			for _, first := range []int{5, 100} {
				if got := walk(t, first); fmt.Sprint(got) != fmt.Sprint(newestFirst) {
					t.Errorf("first %d gave %v, want %v", first, got, newestFirst)
				}
			}
		})
		t.Run("edge cursor continues after that edge", func(t *testing.T) {
			resp := keyPage(t, e, auth, 5, nil)
			edges := testkit.Dig(resp.Data, "apiKeys", "edges").([]any)
			for i, edge := range edges {
				next := keyPage(t, e, auth, 100, testkit.Dig(edge, "cursor"))
				if got := idsOf(testkit.Dig(next.Data, "apiKeys", "nodes")); fmt.Sprint(got) != fmt.Sprint(newestFirst[i+1:]) {
					t.Errorf("after edge %d: %v, want %v", i, got, newestFirst[i+1:])
				}
			}
		})

		bad := []struct {
			name        string
			first       any
			after       any
			field, code string
		}{
			{"first 0", 0, nil, "first", "BAD_USER_INPUT"},
			{"first 101", 101, nil, "first", "BAD_USER_INPUT"},
			{"first -1", -1, nil, "first", "BAD_USER_INPUT"},
			{"first huge", 1 << 30, nil, "first", "BAD_USER_INPUT"},
			{"after garbage", 2, "garbage", "after", "BAD_USER_INPUT"},
			{"after punctuation", 2, "!!!", "after", "BAD_USER_INPUT"},
			{"after key id", 2, created[0], "after", "BAD_USER_INPUT"},
			{"after base64 without separator", 2, base64.RawURLEncoding.EncodeToString([]byte("12345")), "after", "BAD_USER_INPUT"},
			{"after base64 non-numeric", 2, base64.RawURLEncoding.EncodeToString([]byte("soon:" + created[0])), "after", "BAD_USER_INPUT"},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				resp := keyPage(t, e, auth, tc.first, tc.after)
				if resp.Status != http.StatusOK {
					t.Errorf("status %d", resp.Status)
				}
				testkit.WantError(t, resp, tc.code, tc.field)
			})
		}

		t.Run("explicit null first is not an internal error", func(t *testing.T) {
			resp := e.Do(t, testkit.Request{Auth: auth, Query: `{ apiKeys(first: null) { nodes { id } } }`})
			if len(resp.Errors) == 0 {
				if n := len(idsOf(testkit.Dig(resp.Data, "apiKeys", "nodes"))); n != 5 {
					t.Errorf("first: null returned %d keys", n)
				}
				return
			}
			testkit.WantError(t, resp, "BAD_USER_INPUT", "first")
		})

		t.Run("keys created in the same microsecond page exactly once", func(t *testing.T) {
			same := time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC)
			if err := e.Store.Gorm().Table("api_keys").Where("user_id = ?", owner.ID).Update("created_at", same).Error; err != nil {
				t.Fatal(err)
			}
			whole := idsOf(testkit.Dig(keyPage(t, e, auth, 100, nil).Data, "apiKeys", "nodes"))
			if len(whole) != 5 {
				t.Fatalf("one page holds %d keys", len(whole))
			}
			if got := walk(t, 2); fmt.Sprint(got) != fmt.Sprint(whole) {
				t.Errorf("pages of 2 gave\n%v\none page gives\n%v", got, whole)
			}
		})
	})
}

func TestAPIKeysDefaultPageSize(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Fifty")
		var created []string
		for i := 0; i < 51; i++ {
			id, _ := e.CreateKey(t, owner, fmt.Sprintf("key %02d", i))
			created = append(created, id)
		}
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ apiKeys { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`})
		nodes := idsOf(testkit.Dig(data, "apiKeys", "nodes"))
		if len(nodes) != 50 || testkit.Dig(data, "apiKeys", "totalCount") != 51.0 || testkit.Dig(data, "apiKeys", "pageInfo", "hasNextPage") != true {
			t.Fatalf("default page: %d nodes, %s", len(nodes), jsonString(testkit.Dig(data, "apiKeys", "pageInfo")))
		}
		if nodes[0] != created[50] || nodes[49] != created[1] {
			t.Errorf("default page is not the newest 50")
		}
		rest := keyPage(t, e, testkit.Bearer(owner.Token), nil, testkit.Dig(data, "apiKeys", "pageInfo", "endCursor"))
		if got := idsOf(testkit.Dig(rest.Data, "apiKeys", "nodes")); len(got) != 1 || got[0] != created[0] {
			t.Errorf("second page = %v, want the oldest key %s", got, created[0])
		}
	})
}

// usageOf reads a key's usage with the owner's session (which records none).
func usageOf(t *testing.T, e *testkit.Env, token, keyID string) (lastUsedAt any, rows []any) {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(token), Query: keyByIDQuery, Variables: map[string]any{"id": keyID}})
	if testkit.Dig(data, "apiKey") == nil {
		t.Fatalf("key %s not visible", keyID)
	}
	return testkit.Dig(data, "apiKey", "lastUsedAt"), testkit.Dig(data, "apiKey", "usageByIntegration").([]any)
}

func TestUsageByIntegration(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Usage")
		keyID, secret := e.CreateKey(t, owner, "Busy")
		otherID, _ := e.CreateKey(t, owner, "Idle")
		start := time.Now().Add(-time.Second)

		// Interleaved, so that "most recent first" is not creation order:
		// Zapier's last use is the 5th request, Make's the 4th, unknown's the 6th.
		steps := []struct{ system, auth string }{
			{"Zapier", testkit.Bearer(secret)},
			{"Make", testkit.Basic(secret, "")},
			{"Zapier", testkit.Basic(secret, "")},
			{"Make", testkit.Bearer(secret)},
			{"Zapier", testkit.Bearer(secret)},
			{"", testkit.Bearer(secret)},
		}
		for i, s := range steps {
			req := testkit.Request{Auth: s.auth, Query: `{ viewer { id } }`}
			if s.system != "" {
				req.Headers = map[string]string{"X-System": s.system}
			}
			if data := e.MustDo(t, req); testkit.Dig(data, "viewer", "id") != owner.ID {
				t.Fatalf("step %d: viewer = %v", i, data)
			}
		}
		e.FlushUsage(t)
		end := time.Now().Add(time.Second)

		keyLast, rows := usageOf(t, e, owner.Token, keyID)
		type row struct {
			integration       string
			count             float64
			firstUsed, lastUs time.Time
		}
		var got []row
		for _, r := range rows {
			got = append(got, row{testkit.Dig(r, "integration").(string), testkit.Dig(r, "requestCount").(float64),
				testkit.MustTime(t, testkit.Dig(r, "firstUsedAt")), testkit.MustTime(t, testkit.Dig(r, "lastUsedAt"))})
		}
		want := []struct {
			integration string
			count       float64
		}{{"unknown", 1}, {"Zapier", 3}, {"Make", 2}}
		if len(got) != len(want) {
			t.Fatalf("usage rows = %+v, want %v", got, want)
		}
		var maxLast time.Time
		for i, w := range want {
			g := got[i]
			if g.integration != w.integration || g.count != w.count {
				t.Errorf("row %d = %s ×%v, want %s ×%v (most recent first)", i, g.integration, g.count, w.integration, w.count)
			}
			if g.firstUsed.After(g.lastUs) {
				t.Errorf("%s: firstUsedAt %v after lastUsedAt %v", g.integration, g.firstUsed, g.lastUs)
			}
			if g.firstUsed.Before(start) || g.lastUs.After(end) {
				t.Errorf("%s: times %v..%v outside the test", g.integration, g.firstUsed, g.lastUs)
			}
			if i > 0 && g.lastUs.After(got[i-1].lastUs) {
				t.Errorf("row %d used after row %d: not most recent first", i, i-1)
			}
			if g.lastUs.After(maxLast) {
				maxLast = g.lastUs
			}
		}
		if got[1].count == 3 && !got[1].firstUsed.Before(got[1].lastUs) {
			t.Errorf("Zapier: firstUsedAt %v should stay at its first request, before lastUsedAt %v", got[1].firstUsed, got[1].lastUs)
		}
		if keyLast == nil || !testkit.MustTime(t, keyLast).Equal(maxLast) {
			t.Errorf("key lastUsedAt = %v, want the latest integration use %v", keyLast, maxLast)
		}
		// The same value through the list.
		data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ apiKeys { nodes { id lastUsedAt } } }`})
		for _, n := range testkit.Dig(data, "apiKeys", "nodes").([]any) {
			switch testkit.Dig(n, "id") {
			case keyID:
				if !testkit.MustTime(t, testkit.Dig(n, "lastUsedAt")).Equal(maxLast) {
					t.Errorf("apiKeys lastUsedAt = %v, want %v", testkit.Dig(n, "lastUsedAt"), maxLast)
				}
			case otherID:
				if testkit.Dig(n, "lastUsedAt") != nil {
					t.Errorf("unused key lastUsedAt = %v, want null", testkit.Dig(n, "lastUsedAt"))
				}
			}
		}
		if last, rows := usageOf(t, e, owner.Token, otherID); last != nil || len(rows) != 0 {
			t.Errorf("unused key: lastUsedAt %v, usage %v", last, rows)
		}
	})
}

func TestUsageIntegrationCap(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Cap")
		keyID, secret := e.CreateKey(t, owner, "Popular")
		send := func(system string) {
			t.Helper()
			e.MustDo(t, testkit.Request{Auth: testkit.Bearer(secret), Headers: map[string]string{"X-System": system}, Query: `{ __typename }`})
		}
		for i := 0; i < 101; i++ {
			send(fmt.Sprintf("system-%03d", i))
		}
		send("system-000") // an integration already recorded keeps its own row
		send("latecomer")  // a further one counts under "other"
		send("system-100") // as does the 101st again
		e.FlushUsage(t)

		_, rows := usageOf(t, e, owner.Token, keyID)
		counts := map[string]float64{}
		for _, r := range rows {
			counts[testkit.Dig(r, "integration").(string)] += testkit.Dig(r, "requestCount").(float64)
		}
		// Shape: 100 named rows plus "other", and not a request lost.
		total := 0.0
		for _, c := range counts {
			total += c
		}
		if len(rows) != 101 || len(counts) != 101 || counts["other"] == 0 || total != 104 {
			t.Errorf("%d usage rows (%d distinct, other %v, %v requests), want 100 named + other and 104 requests", len(rows), len(counts), counts["other"], total)
		}
		// Which ones: the first 100 integrations keep their names; later
		// ones, however they are batched, count as "other".
		named := 0
		for i := 0; i < 100; i++ {
			if c, ok := counts[fmt.Sprintf("system-%03d", i)]; ok {
				named++
				want := 1.0
				if i == 0 {
					want = 2
				}
				if c != want {
					t.Errorf("system-%03d count %v, want %v", i, c, want)
				}
			}
		}
		if named != 100 {
			t.Errorf("%d of the first 100 integrations recorded by name", named)
		}
		for _, n := range []string{"system-100", "latecomer"} {
			if _, ok := counts[n]; ok {
				t.Errorf("%s recorded by name beyond the 100th integration", n)
			}
		}
		if counts["other"] != 3 {
			t.Errorf("other = %v, want 3", counts["other"])
		}
	})
}

func TestDeleteAPIKey(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Deleter")
		keyID, secret := e.CreateKey(t, owner, "Doomed")
		keepID, keep := e.CreateKey(t, owner, "Kept")

		for _, auth := range []string{testkit.Bearer(secret), testkit.Basic(secret, "")} {
			if _, id := e.ViewerID(t, auth); id != owner.ID {
				t.Fatal("key does not work before deletion")
			}
		}
		data := e.MustDo(t, deleteKeyRequest(testkit.Bearer(owner.Token), keyID))
		if testkit.Dig(data, "deleteApiKey", "deletedApiKeyId") != keyID || testkit.Dig(data, "deleteApiKey", "loggedOutMobileSessions") != 0.0 {
			t.Errorf("payload = %v", data)
		}
		for _, auth := range []string{testkit.Bearer(secret), testkit.Basic(secret, "")} {
			resp, _ := e.ViewerID(t, auth)
			if resp.Status != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="keyfob"` {
				t.Errorf("deleted key: status %d, WWW-Authenticate %q", resp.Status, resp.Header.Get("WWW-Authenticate"))
			}
			testkit.WantError(t, resp, "UNAUTHENTICATED", "")
		}
		if _, id := e.ViewerID(t, testkit.Bearer(keep)); id != owner.ID {
			t.Errorf("deleting one key broke another")
		}

		t.Run("deleting again is NOT_FOUND", func(t *testing.T) {
			testkit.WantError(t, e.Do(t, deleteKeyRequest(testkit.Bearer(owner.Token), keyID)), "NOT_FOUND", "")
		})
		t.Run("deleted key reads as null", func(t *testing.T) {
			resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: keyByIDQuery, Variables: map[string]any{"id": keyID}})
			if len(resp.Errors) > 0 || resp.Data == nil || testkit.Dig(resp.Data, "apiKey") != nil {
				t.Errorf("apiKey(deleted) = %s", resp.Body)
			}
			data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ apiKeys { totalCount nodes { id } } }`})
			if ids := idsOf(testkit.Dig(data, "apiKeys", "nodes")); len(ids) != 1 || ids[0] != keepID || testkit.Dig(data, "apiKeys", "totalCount") != 1.0 {
				t.Errorf("apiKeys after delete = %v", data)
			}
		})

		malformed := []struct{ name, id string }{
			{"empty", ""},
			{"word", "nope"},
			{"long", "key_" + strings.Repeat("x", 200)},
			{"sql", "key_' OR '1'='1"},
			{"well-formed unknown", "key_" + strings.Repeat("A", 20)},
			{"user id", owner.ID},
			{"account id", owner.AccountID},
			{"secret instead of id", keep},
			{"id with spaces", " " + keepID + " "},
		}
		for _, tc := range malformed {
			t.Run("malformed id "+tc.name, func(t *testing.T) {
				resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `query($id: ID!) { apiKey(id: $id) { id } }`, Variables: map[string]any{"id": tc.id}})
				if len(resp.Errors) > 0 || resp.Data == nil || testkit.Dig(resp.Data, "apiKey") != nil {
					t.Errorf("apiKey(%q) = %s", tc.id, resp.Body)
				}
				testkit.WantError(t, e.Do(t, deleteKeyRequest(testkit.Bearer(owner.Token), tc.id)), "NOT_FOUND", "")
			})
		}
		if _, id := e.ViewerID(t, testkit.Bearer(keep)); id != owner.ID {
			t.Errorf("a malformed delete removed the kept key")
		}
	})
}

func TestKeyVisibility(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Visible")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		colleague := e.CreateUser(t, owner, "AGENT")
		stranger := e.SignUp(t, "Elsewhere")

		keys := map[string]string{} // role -> key id
		secrets := map[string]string{}
		for name, u := range map[string]*testkit.User{"owner": owner, "admin": admin, "agent": agent, "colleague": colleague, "stranger": stranger} {
			keys[name], secrets[name] = e.CreateKey(t, u, name+"'s key")
		}
		accountKeys := []string{"owner", "admin", "agent", "colleague"}

		views := []struct {
			viewer string
			u      *testkit.User
			sees   []string
		}{
			{"agent", agent, []string{"agent"}},
			{"colleague", colleague, []string{"colleague"}},
			{"admin", admin, accountKeys},
			{"owner", owner, accountKeys},
			{"stranger", stranger, []string{"stranger"}},
		}
		for _, v := range views {
			t.Run(v.viewer+" sees", func(t *testing.T) {
				data := e.MustDo(t, testkit.Request{Auth: testkit.Bearer(v.u.Token), Query: `{ apiKeys(first: 100) { totalCount nodes { id } } }`})
				want := map[string]bool{}
				for _, k := range v.sees {
					want[keys[k]] = true
				}
				got := idsOf(testkit.Dig(data, "apiKeys", "nodes"))
				if len(got) != len(want) || testkit.Dig(data, "apiKeys", "totalCount") != float64(len(want)) {
					t.Errorf("apiKeys = %v (totalCount %v), want %v", got, testkit.Dig(data, "apiKeys", "totalCount"), v.sees)
				}
				for _, id := range got {
					if !want[id] {
						t.Errorf("sees key %s it should not", id)
					}
				}
				for name, id := range keys {
					resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(v.u.Token), Query: `query($id: ID!) { apiKey(id: $id) { id } }`, Variables: map[string]any{"id": id}})
					if len(resp.Errors) > 0 {
						t.Errorf("apiKey(%s's key): %s", name, resp.Body)
						continue
					}
					if visible := testkit.Dig(resp.Data, "apiKey") != nil; visible != want[id] {
						t.Errorf("apiKey(%s's key) visible = %v, want %v", name, visible, want[id])
					}
				}
			})
		}

		refusedDeletes := []struct{ who, target string }{
			{"agent", "colleague"},
			{"agent", "owner"},
			{"agent", "admin"},
			{"stranger", "agent"},
			{"stranger", "owner"},
			{"owner", "stranger"},
			{"admin", "stranger"},
		}
		users := map[string]*testkit.User{"owner": owner, "admin": admin, "agent": agent, "colleague": colleague, "stranger": stranger}
		for _, d := range refusedDeletes {
			t.Run(d.who+" may not delete "+d.target+"'s key", func(t *testing.T) {
				testkit.WantError(t, e.Do(t, deleteKeyRequest(testkit.Bearer(users[d.who].Token), keys[d.target])), "NOT_FOUND", "")
				if _, id := e.ViewerID(t, testkit.Bearer(secrets[d.target])); id != users[d.target].ID {
					t.Errorf("%s's key stopped working after a refused delete", d.target)
				}
			})
		}

		allowedDeletes := []struct{ who, target string }{
			{"admin", "agent"},
			{"owner", "colleague"},
			{"admin", "owner"},
		}
		for _, d := range allowedDeletes {
			t.Run(d.who+" deletes "+d.target+"'s key", func(t *testing.T) {
				data := e.MustDo(t, deleteKeyRequest(testkit.Bearer(users[d.who].Token), keys[d.target]))
				if testkit.Dig(data, "deleteApiKey", "deletedApiKeyId") != keys[d.target] {
					t.Errorf("payload = %v", data)
				}
				if resp, _ := e.ViewerID(t, testkit.Bearer(secrets[d.target])); resp.Status != http.StatusUnauthorized {
					t.Errorf("%s's key still works after deletion: %d", d.target, resp.Status)
				}
			})
		}
	})
}
