package reliability

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/internal/testkit"
)

// N requests spread over K keys × M integrations, then SIGTERM: the counts
// written equal what was sent, pair by pair. The flush interval is longer
// than the test, so the final flush on shutdown does all the writing.
func TestUsageIsExactAfterSIGTERM(t *testing.T) {
	for _, kind := range testkit.DBKinds() {
		t.Run(kind, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "keyfob.db")
			if kind == "postgres" {
				dsn = pgtest.FreshSchema(t)
			}
			srv := testkit.StartServer(t, dsn, "-usage-flush-interval", "1h", "-rate-limit", "1000000")
			c := srv.Client()
			owner := c.SignUp(t, "Exact Counts")
			const keys, integrations, perPair = 4, 3, 50
			secrets := make([]string, keys)
			ids := make([]string, keys)
			for i := range secrets {
				ids[i], secrets[i] = c.CreateKey(t, owner, fmt.Sprintf("key %d", i))
			}
			var wg sync.WaitGroup
			errs := make(chan error, keys*integrations)
			for k := range keys {
				for m := range integrations {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range perPair {
							req, _ := http.NewRequest(http.MethodGet, srv.URL+"/auth/verify", nil)
							req.Header.Set("Authorization", testkit.Bearer(secrets[k]))
							req.Header.Set("X-System", fmt.Sprintf("integration-%d", m))
							resp, err := http.DefaultClient.Do(req)
							if err != nil {
								errs <- err
								return
							}
							resp.Body.Close()
							if resp.StatusCode != http.StatusOK {
								errs <- fmt.Errorf("status %d", resp.StatusCode)
								return
							}
						}
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if err := srv.Stop(t, syscall.SIGTERM); err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, srv.Logs.String())
			}
			passwords, _ := credential.NewPasswords(credential.DefaultPasswordParams)
			store, err := db.Open(dsn, db.Options{Passwords: passwords})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			var rows []struct {
				APIKeyID     string
				Integration  string
				RequestCount int
			}
			if err := store.Gorm().Raw("SELECT api_key_id, integration, request_count FROM integration_usages").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, r := range rows {
				got[r.APIKeyID+"/"+r.Integration] = r.RequestCount
			}
			if len(got) != keys*integrations {
				t.Fatalf("%d usage rows, want %d: %v", len(got), keys*integrations, got)
			}
			for k := range keys {
				for m := range integrations {
					if n := got[fmt.Sprintf("%s/integration-%d", ids[k], m)]; n != perPair {
						t.Errorf("key %d integration %d: %d requests recorded, want %d", k, m, n, perPair)
					}
				}
			}
		})
	}
}
