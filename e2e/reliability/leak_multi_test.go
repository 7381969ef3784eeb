package reliability

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/keyfob/keyfob/internal/testkit"
)

// A key reported leaked by GitHub secret scanning through instance A is
// refused by A on the very next request and by B and C, which had it
// cached, within 100 ms: as a deletion is. It stays listed as LEAKED.
func TestMultiInstanceLeakWithin100ms(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	signer := testkit.NewGitHubSigner(t)
	f := startFleet(t, "Fleet Leaks", "-github-secret-scanning-keys", signer.KeySetPath)
	a, others, c, ac, owner := f.a, f.others, f.c, f.ac, f.owner

	var delays []time.Duration
	for i := range 10 {
		keyID, secret := ac.CreateKey(t, owner, fmt.Sprintf("leaked key %d", i))
		for _, p := range append([]*testkit.Process{a}, others...) {
			for range 2 { // the second is served from the cache
				if got, err := testkit.VerifyKey(c, p.URL, testkit.Bearer(secret), "Fleet"); err != nil || got.Status != http.StatusOK {
					t.Fatalf("round %d: %s refused a live key: %v %d", i, p.URL, err, got.Status)
				}
			}
		}
		body := testkit.ReportBody(testkit.LeakMatch{Token: secret, Type: "keyfob_api_key", URL: "https://github.com/o/r/blob/x/.env", Source: "content"})
		if got := signer.Report(t, c, a.URL, body); got.Status != http.StatusOK {
			t.Fatalf("round %d: report: %d %s", i, got.Status, got.Body)
		}
		reported := time.Now()
		if got, err := testkit.VerifyKey(c, a.URL, testkit.Bearer(secret), "Fleet"); err != nil || got.Status != http.StatusUnauthorized {
			t.Fatalf("round %d: the reporting instance still admits the key: %v %d", i, err, got.Status)
		}
		for j, d := range refusalDelays(c, others, secret, reported) {
			if d < 0 {
				t.Fatalf("round %d: instance %s answered neither 200 nor 401", i, others[j].URL)
			}
			delays = append(delays, d)
		}
		data := ac.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.LeakQuery, Variables: map[string]any{"id": keyID}})
		if status := testkit.Dig(data, "apiKey", "status"); status != "LEAKED" {
			t.Fatalf("round %d: status %v, want LEAKED", i, status)
		}
	}
	within100ms(t, "leak reports", len(others), delays)
}
