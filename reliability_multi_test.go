package main

// Several real server processes on one PostgreSQL schema: revocation
// reaches every instance within 100 ms, usage recorded through all of them
// adds up exactly, and instances that start together migrate once.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/model"
)

// A key deleted through instance A is refused by A at once and by B and C
// within 100 ms (LISTEN/NOTIFY), although B and C had it cached.
func TestMultiInstanceRevocationWithin100ms(t *testing.T) {
	relRequirePostgres(t)
	dsn := pgtest.FreshSchema(t)
	// A long TTL, so that only the notification can explain a refusal.
	flags := []string{"-cache-ttl", "10m", "-rate-limit", "1000000", "-failed-auth-per-ip", "1000000"}
	a := startServer(t, dsn, flags...)
	others := []*serverProcess{startServer(t, dsn, flags...), startServer(t, dsn, flags...)}
	c := relClient(t)
	g := relInspect(t, dsn)
	ac := a.client()
	owner := ac.SignUp(t, "Fleet Realty")
	for _, p := range others {
		relProbeCache(t, c, ac, owner, p.URL, g)
	}

	rounds := 20
	if relFaultMode() {
		rounds = 60
	}
	var delays []time.Duration
	for i := range rounds {
		keyID, secret := ac.CreateKey(t, owner, fmt.Sprintf("fleet key %d", i))
		for _, p := range append([]*serverProcess{a}, others...) {
			for range 2 { // the second is served from the cache
				if got, err := relVerify(c, p.URL, Bearer(secret), "Fleet"); err != nil || got.Status != http.StatusOK {
					t.Fatalf("round %d: %s refused a live key: %v %d", i, p.URL, err, got.Status)
				}
			}
		}
		ac.MustDo(t, request{Auth: Bearer(owner.Token), Query: deleteKeyMutation, Variables: map[string]any{"id": keyID}})
		deleted := time.Now()
		if got, err := relVerify(c, a.URL, Bearer(secret), "Fleet"); err != nil || got.Status != http.StatusUnauthorized {
			t.Fatalf("round %d: the deleting instance still admits the key: %v %d", i, err, got.Status)
		}
		took := make([]time.Duration, len(others))
		var wg sync.WaitGroup
		for j, p := range others {
			wg.Go(func() {
				for {
					got, err := relVerify(c, p.URL, Bearer(secret), "Fleet")
					if err == nil && got.Status == http.StatusUnauthorized {
						took[j] = time.Since(deleted)
						return
					}
					if err != nil || got.Status != http.StatusOK {
						took[j] = -1
						return
					}
					if time.Since(deleted) > 5*time.Second {
						took[j] = time.Since(deleted)
						return
					}
					time.Sleep(time.Millisecond)
				}
			})
		}
		wg.Wait()
		for j, d := range took {
			if d < 0 {
				t.Fatalf("round %d: instance %s answered neither 200 nor 401", i, others[j].URL)
			}
			delays = append(delays, d)
		}
	}
	slices.Sort(delays)
	worst := delays[len(delays)-1]
	t.Logf("%d deletions × %d other instances: propagation p50 %v, p99 %v, worst %v",
		rounds, len(others), relPercentile(delays, 50), relPercentile(delays, 99), worst)
	if worst > 100*time.Millisecond {
		t.Errorf("worst propagation %v exceeds 100 ms", worst)
	}
}

// Requests spread over three instances, two endpoints, several keys and
// integrations; after SIGTERM of all three the recorded counts equal the
// admitted ones, pair by pair. Short flushes make the instances' upserts
// of the same rows overlap.
func TestMultiInstanceUsageAddsUp(t *testing.T) {
	relRequirePostgres(t)
	dsn := pgtest.FreshSchema(t)
	flags := []string{"-usage-flush-interval", "50ms", "-rate-limit", "1000000"}
	procs := []*serverProcess{startServer(t, dsn, flags...), startServer(t, dsn, flags...), startServer(t, dsn, flags...)}
	c := relClient(t)
	owner := procs[0].client().SignUp(t, "Shared Usage")
	const keys, perWorker = 3, 60
	systems := []string{"Zapier", "Mailchimp", ""} // "" counts as "unknown"
	ids, secrets := make([]string, keys), make([]string, keys)
	for i := range keys {
		ids[i], secrets[i] = procs[i%len(procs)].client().CreateKey(t, owner, fmt.Sprintf("shared %d", i))
	}
	tally := newRelTally()
	var wg sync.WaitGroup
	for _, p := range procs {
		for k := range keys {
			wg.Go(func() {
				for n := range perWorker {
					system := systems[n%len(systems)]
					integration := system
					if integration == "" {
						integration = model.UnknownIntegration
					}
					var got relAnswer
					var err error
					if n%2 == 0 {
						got, err = relVerify(c, p.URL, Bearer(secrets[k]), system)
					} else {
						got, err = relGraphQL(c, p.URL, request{Auth: Basic(secrets[k], ""), Query: `{ viewer { id } }`,
							Headers: map[string]string{"X-System": system}})
					}
					if err != nil || got.Status != http.StatusOK {
						tally.fail("%s: %v %d %s", p.URL, err, got.Status, got.Body)
						continue
					}
					tally.admit(ids[k]+"/"+integration, got.At)
				}
			})
		}
	}
	wg.Wait()
	for _, e := range tally.errs {
		t.Error(e)
	}
	for _, p := range procs {
		relSignal(t, p, syscall.SIGTERM)
	}
	for _, p := range procs {
		if err := relWaitExit(t, p); err != nil {
			t.Errorf("%s exited with %v after SIGTERM:\n%s", p.URL, err, p.Logs.String())
		}
	}
	relCompareUsage(t, tally.byPair, relUsage(t, relInspect(t, dsn)))
}

// Three instances started at the same moment on an empty schema all come
// up, and leave one correct schema: every migration recorded exactly once
// and every table present.
func TestMultiInstanceConcurrentMigration(t *testing.T) {
	relRequirePostgres(t)
	dsn := pgtest.FreshSchema(t)
	buildKeyfob(t) // so that the three start within microseconds of each other
	procs := make([]*serverProcess, 3)
	for i := range procs {
		procs[i] = launchServer(t, dsn)
	}
	for _, p := range procs {
		waitHealthy(t, p)
	}
	g := relInspect(t, dsn)
	versions, tables := relMigrations(t)

	var rows []struct {
		VersionID int64
		N         int64
	}
	if err := g.Raw("SELECT version_id, COUNT(*) AS n FROM goose_db_version WHERE is_applied GROUP BY version_id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	got := map[int64]int64{}
	for _, r := range rows {
		got[r.VersionID] = r.N
	}
	for _, v := range versions {
		if got[v] != 1 {
			t.Errorf("migration %d recorded %d times, want once", v, got[v])
		}
	}
	for v, n := range got {
		if v != 0 && !slices.Contains(versions, v) {
			t.Errorf("goose_db_version has version %d (%d times) that no migration file has", v, n)
		}
		if v == 0 && n != 1 {
			t.Errorf("goose's initial version 0 recorded %d times", n)
		}
	}
	present := relTables(t, g)
	for _, want := range append(tables, "goose_db_version") {
		if !slices.Contains(present, want) {
			t.Errorf("table %s missing after concurrent start (have %v)", want, present)
		}
	}

	// Every instance serves, on the one schema.
	var owners []*user
	for i, p := range procs {
		owners = append(owners, p.client().SignUp(t, fmt.Sprintf("Migrated %d", i)))
	}
	for _, p := range procs {
		for _, o := range owners {
			resp := p.client().Do(t, request{Auth: Bearer(o.Token), Query: `{ viewer { id } }`})
			if dig(resp.Data, "viewer", "id") != o.ID {
				t.Errorf("%s does not know a user signed up through another instance: %s", p.URL, resp.Body)
			}
		}
		if strings.Contains(p.Logs.String(), `"level":"ERROR"`) {
			t.Errorf("%s logged errors while migrating:\n%s", p.URL, p.Logs.String())
		}
	}
}
