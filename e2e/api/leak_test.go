package api

// Leaked keys: GitHub secret scanning's signed reports and anyone's public
// reports revoke a key's current secret (the key stays listed as LEAKED),
// end a previous secret's grace, and change nothing when unverified.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// leakEnvs runs fn on each database with a server that reads signer's key
// set file as GitHub's keys.
func leakEnvs(t *testing.T, configure func(*config.Config), fn func(t *testing.T, e *testkit.Env, signer *testkit.GitHubSigner)) {
	t.Helper()
	signer := testkit.NewGitHubSigner(t)
	testkit.ForEachDBConfigured(t, func(c *config.Config) {
		c.GitHubScanningKeys = signer.KeySetPath
		if configure != nil {
			configure(c)
		}
	}, func(t *testing.T, e *testkit.Env) { fn(t, e, signer) })
}

// leakAnswer is one entry of a secret scanning reply.
type leakAnswer struct {
	TokenHash string `json:"token_hash"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
}

// keyLeak reads key id as auth sees it, through LeakQuery.
func keyLeak(t *testing.T, e *testkit.Env, auth, id string) map[string]any {
	t.Helper()
	key, _ := testkit.Dig(e.MustDo(t, testkit.Request{Auth: auth, Query: testkit.LeakQuery, Variables: map[string]any{"id": id}}), "apiKey").(map[string]any)
	if key == nil {
		t.Fatalf("apiKey %s is not visible", id)
	}
	return key
}

// leakEvents are the account's API_KEY_LEAKED events, newest first.
func leakEvents(t *testing.T, e *testkit.Env, managerAuth string) []auditEvent {
	t.Helper()
	var out []auditEvent
	for _, ev := range auditLog(t, e, managerAuth) {
		if ev.Action == "API_KEY_LEAKED" {
			out = append(out, ev)
		}
	}
	return out
}

// A report whose signature does not verify, whose key identifier is not
// in the set fetched for it, or that has neither header, gets 401 and
// changes nothing; an unknown identifier while no refetch is allowed gets
// 503, and changes nothing either.
func TestSecretScanningRefusesUnverifiedReports(t *testing.T) {
	leakEnvs(t, nil, func(t *testing.T, e *testkit.Env, signer *testkit.GitHubSigner) {
		owner := e.SignUp(t, "Unverified Reports")
		id, secret := e.CreateKey(t, owner, "Zapier")
		body := testkit.ReportBody(testkit.LeakMatch{Token: secret, Type: "keyfob_api_key", URL: "https://github.com/o/r/blob/x/.env", Source: "content"})
		stranger := testkit.NewP256Key(t)
		c := http.DefaultClient
		cases := []struct {
			name                  string
			identifier, signature string
			send                  []byte
		}{
			// First: the key set is fetched for it, and does not hold it.
			{"unknown key identifier", "made-up-" + testkit.RandomHex(6), signer.Sign(t, body), body},
			{"signed by another key", signer.Identifier, testkit.SignWith(t, stranger, body), body},
			{"body changed after signing", signer.Identifier, signer.Sign(t, body), append([]byte(" "), body...)},
			{"signature not base64", signer.Identifier, "%%%not-base64%%%", body},
			{"no signature", signer.Identifier, "", body},
			{"no identifier", "", signer.Sign(t, body), body},
		}
		for _, tc := range cases {
			a, err := testkit.DoHTTP(c, testkit.GitHubReportRequest(e.URL, tc.identifier, tc.signature, tc.send))
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != http.StatusUnauthorized || testkit.ErrorCode(t, a.Body) != "UNAUTHENTICATED" {
				t.Errorf("%s: %d %s, want 401 UNAUTHENTICATED", tc.name, a.Status, a.Body)
			}
			if strings.Contains(a.Body, secret) {
				t.Errorf("%s: the answer echoes the token", tc.name)
			}
		}
		// Another unknown identifier within 10 minutes cannot be checked
		// against a fresh set: GitHub is asked to retry (it could be a key
		// rotated in meanwhile), and nothing changes either.
		a, err := testkit.DoHTTP(c, testkit.GitHubReportRequest(e.URL, "made-up-"+testkit.RandomHex(6), signer.Sign(t, body), body))
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != http.StatusServiceUnavailable || testkit.ErrorCode(t, a.Body) != "UNAVAILABLE" {
			t.Errorf("unknown key identifier with the refetch spent: %d %s, want 503 UNAVAILABLE", a.Status, a.Body)
		}
		secretAdmitted(t, e, "after unverified reports", secret, owner.ID)
		if key := keyLeak(t, e, testkit.Bearer(owner.Token), id); key["status"] != "ACTIVE" || key["leak"] != nil {
			t.Errorf("an unverified report changed the key: %v", key)
		}
		if evs := leakEvents(t, e, testkit.Bearer(owner.Token)); len(evs) != 0 {
			t.Errorf("an unverified report left audit events: %v", evs)
		}
	})
}

// While no key set could ever be had, reports get 503, so GitHub retries.
func TestSecretScanningWithoutKeySetIsUnavailable(t *testing.T) {
	signer := testkit.NewGitHubSigner(t)
	testkit.ForEachDBConfigured(t, func(c *config.Config) {
		c.GitHubScanningKeys = signer.KeySetPath + ".missing"
	}, func(t *testing.T, e *testkit.Env) {
		owner := e.SignUp(t, "No Key Set")
		_, secret := e.CreateKey(t, owner, "Zapier")
		a := signer.Report(t, http.DefaultClient, e.URL, testkit.ReportBody(testkit.LeakMatch{Token: secret, Type: "keyfob_api_key"}))
		if a.Status != http.StatusServiceUnavailable || testkit.ErrorCode(t, a.Body) != "UNAVAILABLE" {
			t.Errorf("report without a key set: %d %s, want 503 UNAVAILABLE", a.Status, a.Body)
		}
		secretAdmitted(t, e, "after an unverifiable report", secret, owner.ID)
	})
}

// One body mixing a live key, a deleted key, a kf_ key never issued, a
// kf_ token with a bad checksum, a legacy hex key and text: the answer
// holds each match's hash, type and label, in order, and no token; only
// the live key changes, at once, and stays listed as LEAKED for its owner
// and the account's managers, with an audit event.
func TestSecretScanningMixedReport(t *testing.T) {
	leakEnvs(t, nil, func(t *testing.T, e *testkit.Env, signer *testkit.GitHubSigner) {
		owner := e.SignUp(t, "Mixed Report")
		admin := e.CreateUser(t, owner, "ADMIN")
		agent := e.CreateUser(t, owner, "AGENT")
		otherAgent := e.CreateUser(t, owner, "AGENT")
		liveID, live := e.CreateKey(t, agent, "Zapier")
		bystanderID, bystander := e.CreateKey(t, agent, "Make")
		deletedID, deleted := e.CreateKey(t, agent, "Old sync")
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(agent.Token), Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": deletedID}})
		secretAdmitted(t, e, "before the report (now cached)", live, agent.ID)
		neverIssued := credential.NewAPIKey()
		badChecksum := live[:len(live)-1] + testkit.Flip(live[len(live)-1])
		legacy := credential.NewLegacyKey()
		const url = "https://github.com/octo/leaky/blob/abc123/config.yml"
		matches := []testkit.LeakMatch{
			{Token: live, Type: "keyfob_api_key", URL: url, Source: "commit"},
			{Token: deleted, Type: "keyfob_api_key", URL: url, Source: "commit"},
			{Token: neverIssued, Type: "keyfob_api_key", URL: url, Source: "content"},
			{Token: badChecksum, Type: "keyfob_api_key", URL: url, Source: "content"},
			{Token: legacy, Type: "keyfob_legacy", URL: url, Source: "content"},
			{Token: "not a token at all", Type: "keyfob_api_key", Source: "issue_comment"},
			{Token: live, Type: "keyfob_api_key", URL: url, Source: "commit"}, // GitHub may repeat a token
		}
		a := signer.Report(t, http.DefaultClient, e.URL, testkit.ReportBody(matches...))
		if a.Status != http.StatusOK || !strings.HasPrefix(a.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("report: %d %s", a.Status, a.Body)
		}
		var answers []leakAnswer
		if err := json.Unmarshal([]byte(a.Body), &answers); err != nil || len(answers) != len(matches) {
			t.Fatalf("answer is not %d entries: %v %s", len(matches), err, a.Body)
		}
		wantLabels := []string{"true_positive", "true_positive", "true_positive", "false_positive", "false_positive", "false_positive", "true_positive"}
		for i, m := range matches {
			if answers[i].TokenHash != testkit.SHA256Hex(m.Token) || answers[i].TokenType != m.Type || answers[i].Label != wantLabels[i] {
				t.Errorf("answer %d = %+v, want hash of its token, type %s, label %s", i, answers[i], m.Type, wantLabels[i])
			}
			if strings.Contains(a.Body, m.Token) {
				t.Errorf("the answer holds match %d's token", i)
			}
		}

		// Refused at once, though cached; the bystander works on.
		secretRefused(t, e, "right after the report", live)
		secretAdmitted(t, e, "bystander after the report", bystander, agent.ID)
		key := keyLeak(t, e, testkit.Bearer(agent.Token), liveID)
		if key["status"] != "LEAKED" {
			t.Errorf("status %v, want LEAKED", key["status"])
		}
		if testkit.Dig(key, "leak", "source") != "github:commit" || testkit.Dig(key, "leak", "url") != url {
			t.Errorf("leak = %v, want source github:commit and the url", key["leak"])
		}
		if reported := testkit.MustTime(t, testkit.Dig(key, "leak", "reportedAt")); time.Since(reported) > time.Minute || time.Until(reported) > time.Second {
			t.Errorf("leak.reportedAt %v is not now", reported)
		}
		if other := keyLeak(t, e, testkit.Bearer(agent.Token), bystanderID); other["status"] != "ACTIVE" || other["leak"] != nil {
			t.Errorf("the bystander changed: %v", other)
		}

		// The key's owner, the OWNER and ADMINs see it in apiKeys; another
		// agent does not.
		listQuery := `{ apiKeys { nodes { id status leak { source } } } }`
		for who, u := range map[string]*testkit.User{"its owner": agent, "the OWNER": owner, "an ADMIN": admin, "another AGENT": otherAgent} {
			found := false
			for _, n := range testkit.Dig(e.MustDo(t, testkit.Request{Auth: testkit.Bearer(u.Token), Query: listQuery}), "apiKeys", "nodes").([]any) {
				if testkit.Dig(n, "id") == liveID {
					found = testkit.Dig(n, "status") == "LEAKED" && testkit.Dig(n, "leak", "source") == "github:commit"
				}
			}
			if want := u != otherAgent; found != want {
				t.Errorf("%s sees the leaked key as LEAKED in apiKeys: %v, want %v", who, found, want)
			}
		}

		// One event, though GitHub named the token twice: no actor, the
		// key's owner as target, and the source and url.
		evs := leakEvents(t, e, testkit.Bearer(admin.Token))
		if len(evs) != 1 {
			t.Fatalf("%d API_KEY_LEAKED events, want 1: %+v", len(evs), evs)
		}
		ev := evs[0]
		wantDetail := "current secret revoked; source github:commit; url " + url
		if ev.Actor != nil || ev.APIKeyID == nil || *ev.APIKeyID != liveID || ev.TargetUser == nil || ev.TargetUser.ID != agent.ID ||
			ev.Detail == nil || *ev.Detail != wantDetail {
			t.Errorf("event = %+v (detail %v), want no actor, key %s, target %s, detail %q", ev, detailText(ev.Detail), liveID, agent.ID, wantDetail)
		}

		// The deleted key stays deleted; a second report of the same key
		// changes nothing more.
		if again := signer.Report(t, http.DefaultClient, e.URL, testkit.ReportBody(matches[0])); again.Status != http.StatusOK {
			t.Fatalf("second report: %d %s", again.Status, again.Body)
		}
		if n := len(leakEvents(t, e, testkit.Bearer(owner.Token))); n != 1 {
			t.Errorf("a repeated report added events: %d", n)
		}
		if resp := e.Do(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.LeakQuery, Variables: map[string]any{"id": deletedID}}); testkit.Dig(resp.Data, "apiKey") != nil {
			t.Errorf("the deleted key came back: %s", resp.Body)
		}
	})
}

func detailText(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// A reported previous secret, still in its grace, stops at once; the
// current secret keeps working and the key stays ACTIVE.
func TestSecretScanningPreviousSecretEndsGrace(t *testing.T) {
	leakEnvs(t, nil, func(t *testing.T, e *testkit.Env, signer *testkit.GitHubSigner) {
		owner := e.SignUp(t, "Previous Secret")
		auth := testkit.Bearer(owner.Token)
		id, old := e.CreateKey(t, owner, "Zapier")
		current, _ := mustRoll(t, e, auth, id, 3600)
		secretAdmitted(t, e, "old secret in its grace", old, owner.ID)
		a := signer.Report(t, http.DefaultClient, e.URL, testkit.ReportBody(testkit.LeakMatch{Token: old, Type: "keyfob_api_key", URL: "https://gist.github.com/x", Source: "gist"}))
		if a.Status != http.StatusOK || !strings.Contains(a.Body, `"true_positive"`) {
			t.Fatalf("report: %d %s", a.Status, a.Body)
		}
		secretRefused(t, e, "reported previous secret", old)
		secretAdmitted(t, e, "current secret after its predecessor was reported", current, owner.ID)
		key := keyLeak(t, e, auth, id)
		if key["status"] != "ACTIVE" || key["leak"] != nil || key["previousSecretExpiresAt"] != nil {
			t.Errorf("key after its previous secret was reported: %v, want ACTIVE, no leak, no previous secret", key)
		}
		evs := leakEvents(t, e, auth)
		if len(evs) != 1 || detailText(evs[0].Detail) != "previous secret's grace ended; source github:gist; url https://gist.github.com/x" {
			t.Errorf("events %+v", evs)
		}
	})
}

// Rolling a leaked key gives it a fresh secret with no grace, whatever is
// asked, and makes it ACTIVE again; everything else stays.
func TestRollLeakedKey(t *testing.T) {
	leakEnvs(t, nil, func(t *testing.T, e *testkit.Env, signer *testkit.GitHubSigner) {
		owner := e.SignUp(t, "Rolled Leak")
		auth := testkit.Bearer(owner.Token)
		id, leaked := e.CreateKey(t, owner, "Zapier")
		updateKey(t, e, auth, map[string]any{"id": id, "note": "Weekly sync", "access": "READ_ONLY"})
		if a := signer.Report(t, http.DefaultClient, e.URL, testkit.ReportBody(testkit.LeakMatch{Token: leaked, Type: "keyfob_api_key", Source: "content"})); a.Status != http.StatusOK {
			t.Fatalf("report: %d %s", a.Status, a.Body)
		}
		if key := keyLeak(t, e, auth, id); key["status"] != "LEAKED" || testkit.Dig(key, "leak", "url") != nil {
			t.Fatalf("reported key: %v, want LEAKED with a null url", key)
		}
		fresh, rolled := mustRoll(t, e, auth, id, 3600)
		if rolled["previousSecretExpiresAt"] != nil || rolled["note"] != "Weekly sync" || rolled["access"] != "READ_ONLY" || rolled["name"] != "Zapier" || rolled["id"] != id {
			t.Errorf("rolled leaked key: %v, want no grace and everything else kept", rolled)
		}
		secretRefused(t, e, "leaked secret after the roll", leaked)
		secretAdmitted(t, e, "fresh secret", fresh, owner.ID)
		if key := keyLeak(t, e, auth, id); key["status"] != "ACTIVE" || key["leak"] != nil {
			t.Errorf("rolled key: %v, want ACTIVE and no leak", key)
		}
		rolledEvents := 0
		for _, ev := range auditLog(t, e, auth) {
			if ev.Action == "API_KEY_ROLLED" {
				rolledEvents++
				if detailText(ev.Detail) != "grace 0s" {
					t.Errorf("roll event detail %q, want the grace it got: grace 0s", detailText(ev.Detail))
				}
			}
		}
		if rolledEvents != 1 {
			t.Errorf("%d API_KEY_ROLLED events", rolledEvents)
		}
	})
}

// A report may hold up to 1000 matches in up to 1 MiB; past either, or
// not an array of matches, it is refused with a code and nothing changes.
func TestSecretScanningReportBounds(t *testing.T) {
	leakEnvs(t, nil, func(t *testing.T, e *testkit.Env, signer *testkit.GitHubSigner) {
		owner := e.SignUp(t, "Report Bounds")
		id, secret := e.CreateKey(t, owner, "Zapier")
		many := func(n int) []testkit.LeakMatch {
			ms := make([]testkit.LeakMatch, n)
			for i := range ms {
				ms[i] = testkit.LeakMatch{Token: credential.NewAPIKey(), Type: "keyfob_api_key", Source: "content"}
			}
			ms[n-1].Token = secret
			return ms
		}
		huge := many(2)
		huge[0].URL = "https://github.com/" + strings.Repeat("a", 1<<20)
		cases := []struct {
			name   string
			body   []byte
			status int
			code   string
		}{
			{"1001 matches", testkit.ReportBody(many(1001)...), http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
			{"over 1 MiB", testkit.ReportBody(huge...), http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
			{"an object", []byte(`{"token": "` + secret + `"}`), http.StatusBadRequest, "BAD_REQUEST"},
			{"a token that is a number", []byte(`[{"token": 12, "type": "x"}]`), http.StatusBadRequest, "BAD_REQUEST"},
			{"trailing garbage", append(testkit.ReportBody(many(1)...), []byte("]")...), http.StatusBadRequest, "BAD_REQUEST"},
		}
		for _, tc := range cases {
			a := signer.Report(t, http.DefaultClient, e.URL, tc.body)
			if a.Status != tc.status || testkit.ErrorCode(t, a.Body) != tc.code {
				t.Errorf("%s: %d %.200s, want %d %s", tc.name, a.Status, a.Body, tc.status, tc.code)
			}
		}
		secretAdmitted(t, e, "after refused reports", secret, owner.ID)
		a := signer.Report(t, http.DefaultClient, e.URL, testkit.ReportBody(many(1000)...))
		var answers []leakAnswer
		if a.Status != http.StatusOK || json.Unmarshal([]byte(a.Body), &answers) != nil || len(answers) != 1000 {
			t.Fatalf("1000 matches: %d, %d answers", a.Status, len(answers))
		}
		secretRefused(t, e, "after a report of 1000 matches", secret)
		if key := keyLeak(t, e, testkit.Bearer(owner.Token), id); key["status"] != "LEAKED" {
			t.Errorf("status %v after a report of 1000 matches", key["status"])
		}
	})
}

// publicRevoke posts body to /credentials/revoke.
func publicRevoke(t *testing.T, e *testkit.Env, body string) testkit.Answer {
	t.Helper()
	a, err := testkit.DoHTTP(http.DefaultClient, testkit.PublicRevokeRequest(e.URL, []byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// credentialsBody is a public report listing credentials.
func credentialsBody(credentials ...string) string {
	raw, _ := json.Marshal(map[string]any{"credentials": credentials})
	return string(raw)
}

// waitForStatus polls key id until its status is want: public reports are
// applied after they are answered. It fails after 10 s.
func waitForStatus(t *testing.T, e *testkit.Env, auth, id, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		key := keyLeak(t, e, auth, id)
		if key["status"] == want {
			return key
		}
		if time.Now().After(deadline) {
			t.Fatalf("key %s is still %v, want %s", id, key["status"], want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Anyone may report keys they found. A live key, a deleted one and one
// never issued get the same answer; the live key becomes LEAKED afterwards
// with source "public report"; a previous secret only ends its grace; a
// malformed report is 400 with a code.
func TestPublicRevocation(t *testing.T) {
	leakEnvs(t, nil, func(t *testing.T, e *testkit.Env, _ *testkit.GitHubSigner) {
		owner := e.SignUp(t, "Public Report")
		auth := testkit.Bearer(owner.Token)
		liveID, live := e.CreateKey(t, owner, "Zapier")
		deletedID, deleted := e.CreateKey(t, owner, "Old sync")
		e.MustDo(t, testkit.Request{Auth: auth, Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": deletedID}})
		rolledID, old := e.CreateKey(t, owner, "Rolled")
		current, _ := mustRoll(t, e, auth, rolledID, 3600)

		answers := map[string]testkit.Answer{}
		for name, body := range map[string]string{
			"live": credentialsBody(live), "deleted": credentialsBody(deleted), "never issued": credentialsBody(credential.NewAPIKey()),
			"bad checksum": credentialsBody(live[:len(live)-1] + testkit.Flip(live[len(live)-1])), "not a key": credentialsBody("hello"),
			"previous secret": credentialsBody(old),
		} {
			answers[name] = publicRevoke(t, e, body)
		}
		want := answers["never issued"]
		if want.Status != http.StatusAccepted || want.Body != "{}\n" {
			t.Fatalf("never-issued key: %d %q, want 202 {}", want.Status, want.Body)
		}
		for name, a := range answers {
			if a.Status != want.Status || a.Body != want.Body || a.Header.Get("Content-Type") != want.Header.Get("Content-Type") ||
				a.Header.Get("Content-Length") != want.Header.Get("Content-Length") || a.Header.Get("Cache-Control") != want.Header.Get("Cache-Control") {
				t.Errorf("%s: %d %q %v, told apart from a never-issued key's %d %q %v", name, a.Status, a.Body, a.Header, want.Status, want.Body, want.Header)
			}
		}

		key := waitForStatus(t, e, auth, liveID, "LEAKED")
		if testkit.Dig(key, "leak", "source") != "public report" || testkit.Dig(key, "leak", "url") != nil {
			t.Errorf("leak = %v, want source \"public report\" and no url", key["leak"])
		}
		secretRefused(t, e, "publicly reported key", live)
		// The reports went in no particular order (a map), so wait for
		// this one's effect too.
		deadline := time.Now().Add(10 * time.Second)
		for keyLeak(t, e, auth, rolledID)["previousSecretExpiresAt"] != nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		secretRefused(t, e, "publicly reported previous secret", old)
		secretAdmitted(t, e, "current secret after its predecessor was reported", current, owner.ID)
		if k := keyLeak(t, e, auth, rolledID); k["status"] != "ACTIVE" {
			t.Errorf("rolled key whose previous secret was reported: %v", k)
		}
		// Read once both reports have taken effect: the audit log's page
		// and its count must not be read while a report is being written.
		// The event names no actor but keeps where the report came from.
		var leakedEvent *auditEvent
		for _, ev := range leakEvents(t, e, auth) {
			if ev.APIKeyID != nil && *ev.APIKeyID == liveID {
				leakedEvent = &ev
			}
		}
		if leakedEvent == nil || leakedEvent.Actor != nil || detailText(leakedEvent.Detail) != "current secret revoked; source public report" ||
			leakedEvent.IP == nil || *leakedEvent.IP != "127.0.0.1" || leakedEvent.UserAgent == nil {
			t.Errorf("public report's event: %+v, want no actor, the reporter's address and user agent, and its detail", leakedEvent)
		}

		for name, body := range map[string]string{
			"empty list": `{"credentials": []}`, "101 credentials": credentialsBody(make([]string, 101)...),
			"not JSON": `credentials=kf_x`, "a number": `{"credentials": [1]}`, "no list": `{}`,
			"an overlong credential": credentialsBody(strings.Repeat("k", 257)),
		} {
			a := publicRevoke(t, e, body)
			if a.Status != http.StatusBadRequest || testkit.ErrorCode(t, a.Body) != "BAD_REQUEST" {
				t.Errorf("%s: %d %s, want 400 BAD_REQUEST", name, a.Status, a.Body)
			}
		}
	})
}

// Public reports are limited per client IP: past the limit, 429 with
// Retry-After, and the report is not applied.
func TestPublicRevocationLimit(t *testing.T) {
	leakEnvs(t, func(c *config.Config) { c.PublicRevocationsPerHour = 3 }, func(t *testing.T, e *testkit.Env, _ *testkit.GitHubSigner) {
		owner := e.SignUp(t, "Public Limit")
		auth := testkit.Bearer(owner.Token)
		id, secret := e.CreateKey(t, owner, "Zapier")
		canaryID, canary := e.CreateKey(t, owner, "Canary")
		for i, body := range []string{credentialsBody(credential.NewAPIKey()), credentialsBody(credential.NewAPIKey()), credentialsBody(canary)} {
			if a := publicRevoke(t, e, body); a.Status != http.StatusAccepted {
				t.Fatalf("report %d: %d %s", i+1, a.Status, a.Body)
			}
		}
		a := publicRevoke(t, e, credentialsBody(secret))
		if a.Status != http.StatusTooManyRequests || testkit.ErrorCode(t, a.Body) != "RATE_LIMITED" || a.Header.Get("Retry-After") != "3600" {
			t.Fatalf("report past the limit: %d %v %s, want 429 RATE_LIMITED with Retry-After 3600", a.Status, a.Header, a.Body)
		}
		// One worker applies reports in the order they came: once the
		// last accepted one is applied, a refused one queued after it
		// would have been too.
		waitForStatus(t, e, auth, canaryID, "LEAKED")
		if key := keyLeak(t, e, auth, id); key["status"] != "ACTIVE" {
			t.Errorf("a refused report was applied: %v", key)
		}
		secretAdmitted(t, e, "key listed in a refused report", secret, owner.ID)
	})
}

// A public report stuck behind a row lock keeps the revocation queue busy
// past the stop's deadline; the final usage flush, which needs no such
// lock, still writes the usage admitted since the last flush, and the
// stop's error says which part was not done.
func TestCloseFlushesUsageWhileRevocationsWait(t *testing.T) {
	testkit.RequirePostgres(t)
	// No periodic flush: only the final one can write the usage.
	e := testkit.NewEnv(t, "postgres", func(c *config.Config) { c.UsageFlush = time.Hour })
	owner := e.SignUp(t, "Stopping")
	reportedID, reported := e.CreateKey(t, owner, "Reported")
	usedID, used := e.CreateKey(t, owner, "Used")

	lock := e.Store.Gorm().Begin()
	defer lock.Rollback()
	if err := lock.Exec("SELECT id FROM api_keys WHERE id = ? FOR UPDATE", reportedID).Error; err != nil {
		t.Fatal(err)
	}
	if a := publicRevoke(t, e, credentialsBody(reported)); a.Status != http.StatusAccepted {
		t.Fatalf("public report: %d %s", a.Status, a.Body)
	}
	for range 3 {
		e.MustDo(t, testkit.Request{Auth: testkit.Bearer(used), Headers: map[string]string{"X-System": "Zapier"}, Query: `{ viewer { id } }`})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := e.Server.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "public revocation") || strings.Contains(err.Error(), "usage") {
		t.Errorf("stop with the revocation queue held: %v, want only the revocations reported unfinished", err)
	}
	lock.Rollback()
	var written int64
	if err := e.Store.Gorm().Raw("SELECT COALESCE(SUM(request_count), 0) FROM integration_usages WHERE api_key_id = ?", usedID).Scan(&written).Error; err != nil {
		t.Fatal(err)
	}
	if written != 3 {
		t.Errorf("usage written by the final flush = %d, want 3: the revocation queue spent its time", written)
	}
}
