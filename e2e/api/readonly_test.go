package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// keyRequests is how many requests the key's usage counts, over all its
// integrations, as the holder of auth reads it.
func keyRequests(t *testing.T, e *testkit.Env, auth, id string) int {
	t.Helper()
	data := e.MustDo(t, testkit.Request{Auth: auth, Query: `query($id: ID!) { apiKey(id: $id) { usageByIntegration { requestCount } } }`, Variables: map[string]any{"id": id}})
	n := 0
	for _, u := range testkit.Dig(data, "apiKey", "usageByIntegration").([]any) {
		n += int(testkit.Dig(u, "requestCount").(float64))
	}
	return n
}

// keyWithAccess creates a key and gives it access.
func keyWithAccess(t *testing.T, e *testkit.Env, owner *testkit.User, name, access string) (id, secret string) {
	t.Helper()
	id, secret = e.CreateKey(t, owner, name)
	if resp := updateKey(t, e, testkit.Bearer(owner.Token), map[string]any{"id": id, "access": access}); len(resp.Errors) > 0 {
		t.Fatalf("updateApiKey: %s", resp.Body)
	}
	return id, secret
}

// checkVerify sends method to /auth/verify with secret and the headers,
// and checks the answer: 200 with the key's access, or Keyfob's JSON 403.
func checkVerify(t *testing.T, e *testkit.Env, method, secret string, headers [][2]string, admitted bool, access string) {
	t.Helper()
	headers = append([][2]string{{"Authorization", testkit.Bearer(secret)}}, headers...)
	status, header, body, err := testkit.RawHTTP(e.URL, method, "/auth/verify/api/people", headers, "")
	if err != nil {
		t.Fatal(err)
	}
	if admitted {
		if status != http.StatusOK || header.Get("X-Keyfob-Key-Access") != access || header.Get("X-Keyfob-Status") != "200" {
			t.Errorf("%s %v: %d %v %s; want 200 with X-Keyfob-Key-Access %s", method, headers[1:], status, header, body, access)
		}
		return
	}
	var got map[string]map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Errorf("%s %v: body is not JSON: %d %q", method, headers[1:], status, body)
		return
	}
	want := map[string]map[string]any{"error": {"code": "FORBIDDEN", "message": "this API key is read-only: it may only GET, HEAD and OPTIONS"}}
	if status != http.StatusForbidden || !reflect.DeepEqual(got, want) || header.Get("X-Keyfob-Status") != "403" ||
		header.Get("X-Keyfob-Key-Access") != "" || header.Get("X-Keyfob-Key-Id") != "" {
		t.Errorf("%s %v: %d %v %s; want Keyfob's JSON 403", method, headers[1:], status, header, body)
	}
}

var (
	safeMethods   = []string{http.MethodGet, http.MethodHead, http.MethodOptions}
	unsafeMethods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
)

// A READ_ONLY key may GET, HEAD and OPTIONS on /auth/verify and nothing
// else; a refusal records no usage. A FULL key may do anything, and every
// 200 names the key's access.
func TestVerifyReadOnlyKey(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "Read only")
		roID, ro := keyWithAccess(t, e, owner, "Reader", "READ_ONLY")
		fullID, full := e.CreateKey(t, owner, "Writer")
		for _, m := range safeMethods {
			checkVerify(t, e, m, ro, nil, true, "READ_ONLY")
			checkVerify(t, e, m, full, nil, true, "FULL")
		}
		for _, m := range unsafeMethods {
			checkVerify(t, e, m, ro, nil, false, "")
			checkVerify(t, e, m, full, nil, true, "FULL")
		}
		e.FlushUsage(t)
		auth := testkit.Bearer(owner.Token)
		if got := keyRequests(t, e, auth, roID); got != len(safeMethods) {
			t.Errorf("READ_ONLY key: %d requests recorded, want %d (refusals are no usage)", got, len(safeMethods))
		}
		if got := keyRequests(t, e, auth, fullID); got != len(safeMethods)+len(unsafeMethods) {
			t.Errorf("FULL key: %d requests recorded, want %d", got, len(safeMethods)+len(unsafeMethods))
		}
		// Back to FULL, the key may write at once; on /graphql a READ_ONLY
		// key ran its query as before.
		if resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(ro), Query: `{ viewer { id } }`}); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
			t.Errorf("READ_ONLY key on /graphql: %d %s", resp.Status, resp.Body)
		}
		if resp := updateKey(t, e, auth, map[string]any{"id": roID, "access": "FULL"}); len(resp.Errors) > 0 {
			t.Fatalf("updateApiKey: %s", resp.Body)
		}
		checkVerify(t, e, http.MethodDelete, ro, nil, true, "FULL")
	})
}

// X-Forwarded-Method counts from a trusted proxy; from anyone else it
// makes a READ_ONLY key's request a 403, whatever it claims.
func TestVerifyForwardedMethod(t *testing.T) {
	fwd := func(methods ...string) [][2]string {
		var h [][2]string
		for _, m := range methods {
			h = append(h, [2]string{"X-Forwarded-Method", m})
		}
		return h
	}
	t.Run("trusted", func(t *testing.T) {
		testkit.ForEachDBConfigured(t, func(c *config.Config) { c.TrustedProxies = "127.0.0.1/32,::1/128" }, func(t *testing.T, e *testkit.Env) {
			owner := e.SignUp(t, "Trusted gateway")
			roID, ro := keyWithAccess(t, e, owner, "Reader", "READ_ONLY")
			_, full := e.CreateKey(t, owner, "Writer")
			for _, m := range safeMethods {
				checkVerify(t, e, http.MethodPost, ro, fwd(m), true, "READ_ONLY") // the proxy's word, not the verify method
			}
			for _, m := range unsafeMethods {
				checkVerify(t, e, http.MethodGet, ro, fwd(m), false, "")
				checkVerify(t, e, http.MethodGet, full, fwd(m), true, "FULL")
			}
			checkVerify(t, e, http.MethodGet, ro, fwd("get"), false, "")        // methods are case-sensitive
			checkVerify(t, e, http.MethodGet, ro, fwd("GET", "GET"), false, "") // two claims are ambiguous
			checkVerify(t, e, http.MethodDelete, ro, nil, false, "")            // no header: the verify method counts
			e.FlushUsage(t)
			if got := keyRequests(t, e, testkit.Bearer(owner.Token), roID); got != len(safeMethods) {
				t.Errorf("READ_ONLY key: %d requests recorded, want %d", got, len(safeMethods))
			}
		})
	})
	t.Run("untrusted", func(t *testing.T) {
		testkit.ForEachDB(t, func(t *testing.T, e *testkit.Env) {
			owner := e.SignUp(t, "Untrusted caller")
			roID, ro := keyWithAccess(t, e, owner, "Reader", "READ_ONLY")
			_, full := e.CreateKey(t, owner, "Writer")
			for _, m := range append(safeMethods, unsafeMethods...) {
				checkVerify(t, e, http.MethodGet, ro, fwd(m), false, "")
				checkVerify(t, e, http.MethodGet, full, fwd(m), true, "FULL")
			}
			checkVerify(t, e, http.MethodGet, ro, nil, true, "READ_ONLY")
			e.FlushUsage(t)
			if got := keyRequests(t, e, testkit.Bearer(owner.Token), roID); got != 1 {
				t.Errorf("READ_ONLY key: %d requests recorded, want 1", got)
			}
		})
	})
}
