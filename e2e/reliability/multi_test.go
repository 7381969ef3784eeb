package reliability

// Several real server processes on one PostgreSQL schema: revocations,
// access changes and rolls reach every instance within 100 ms, usage recorded
// through all of them adds up exactly, and instances that start together
// migrate once.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/internal/testkit"
	"github.com/keyfob/keyfob/model"
)

// A key deleted through instance A is refused by A at once and by B and C
// within 100 ms (LISTEN/NOTIFY), although B and C had it cached.
func TestMultiInstanceRevocationWithin100ms(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	f := startFleet(t, "Fleet Realty")
	a, others, c, ac, owner := f.a, f.others, f.c, f.ac, f.owner

	rounds := 20
	if testkit.FaultMode() {
		rounds = 60
	}
	var delays []time.Duration
	for i := range rounds {
		keyID, secret := ac.CreateKey(t, owner, fmt.Sprintf("fleet key %d", i))
		for _, p := range append([]*testkit.Process{a}, others...) {
			for range 2 { // the second is served from the cache
				if got, err := testkit.VerifyKey(c, p.URL, testkit.Bearer(secret), "Fleet"); err != nil || got.Status != http.StatusOK {
					t.Fatalf("round %d: %s refused a live key: %v %d", i, p.URL, err, got.Status)
				}
			}
		}
		ac.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.DeleteKeyMutation, Variables: map[string]any{"id": keyID}})
		deleted := time.Now()
		if got, err := testkit.VerifyKey(c, a.URL, testkit.Bearer(secret), "Fleet"); err != nil || got.Status != http.StatusUnauthorized {
			t.Fatalf("round %d: the deleting instance still admits the key: %v %d", i, err, got.Status)
		}
		for j, d := range refusalDelays(c, others, secret, deleted) {
			if d < 0 {
				t.Fatalf("round %d: instance %s answered neither 200 nor 401", i, others[j].URL)
			}
			delays = append(delays, d)
		}
	}
	within100ms(t, "deletions", len(others), delays)
}

// An access change through instance A reaches B's and C's caches within
// 100 ms, announced as a deletion is, so that their next request reads the
// key as it now is. The key is then deleted behind the service's back,
// unannounced: only the access change's announcement can make B and C read
// it again, and so refuse it.
func TestMultiInstanceAccessChangeWithin100ms(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	f := startFleet(t, "Fleet Access")
	others, c, g, ac, owner := f.others, f.c, f.g, f.ac, f.owner

	var delays []time.Duration
	for i := range 10 {
		keyID, secret := ac.CreateKey(t, owner, fmt.Sprintf("read-only key %d", i))
		for _, p := range others {
			for range 2 { // the second is served from the cache
				if got, err := testkit.VerifyKey(c, p.URL, testkit.Bearer(secret), "Fleet"); err != nil || got.Status != http.StatusOK {
					t.Fatalf("round %d: %s refused a live key: %v %d", i, p.URL, err, got.Status)
				}
			}
		}
		ac.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.UpdateKeyMutation,
			Variables: map[string]any{"in": map[string]any{"id": keyID, "access": "READ_ONLY"}}})
		changed := time.Now()
		if err := g.Exec("DELETE FROM api_keys WHERE id = ?", keyID).Error; err != nil {
			t.Fatal(err)
		}
		for j, d := range refusalDelays(c, others, secret, changed) {
			if d < 0 {
				t.Fatalf("round %d: instance %s answered neither 200 nor 401", i, others[j].URL)
			}
			delays = append(delays, d)
		}
	}
	within100ms(t, "access changes", len(others), delays)
}

// A key rolled with no grace through instance A: A refuses the old secret
// at once, and B and C, which had it cached, within 100 ms; the new secret
// works on all three.
func TestMultiInstanceRollWithin100ms(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	f := startFleet(t, "Fleet Rolls")
	a, others, c, ac, owner := f.a, f.others, f.c, f.ac, f.owner

	var delays []time.Duration
	for i := range 10 {
		keyID, old := ac.CreateKey(t, owner, fmt.Sprintf("rolled key %d", i))
		for _, p := range append([]*testkit.Process{a}, others...) {
			for range 2 { // the second is served from the cache
				if got, err := testkit.VerifyKey(c, p.URL, testkit.Bearer(old), "Fleet"); err != nil || got.Status != http.StatusOK {
					t.Fatalf("round %d: %s refused a live key: %v %d", i, p.URL, err, got.Status)
				}
			}
		}
		data := ac.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: testkit.RollKeyMutation,
			Variables: map[string]any{"in": map[string]any{"id": keyID, "gracePeriodSeconds": 0}}})
		rolled := time.Now()
		if got, err := testkit.VerifyKey(c, a.URL, testkit.Bearer(old), "Fleet"); err != nil || got.Status != http.StatusUnauthorized {
			t.Fatalf("round %d: the rolling instance still admits the old secret: %v %d", i, err, got.Status)
		}
		for j, d := range refusalDelays(c, others, old, rolled) {
			if d < 0 {
				t.Fatalf("round %d: instance %s answered neither 200 nor 401", i, others[j].URL)
			}
			delays = append(delays, d)
		}
		secret, _ := testkit.Dig(data, "rollApiKey", "secret").(string)
		for _, p := range append([]*testkit.Process{a}, others...) {
			if got, err := testkit.VerifyKey(c, p.URL, testkit.Bearer(secret), "Fleet"); err != nil || got.Status != http.StatusOK {
				t.Fatalf("round %d: %s refused the new secret: %v %d", i, p.URL, err, got.Status)
			}
		}
	}
	within100ms(t, "rolls", len(others), delays)
}

// fleet is three keyfob binaries on one fresh PostgreSQL schema, with a
// long cache TTL (so that only a notification can explain a refusal) and
// no rate limits (extraFlags may add settings), an owner signed up through
// the first, and the other two's caches shown to be in use.
type fleet struct {
	a      *testkit.Process
	others []*testkit.Process
	c      *http.Client
	g      *gorm.DB
	ac     *testkit.Env
	owner  *testkit.User
}

func startFleet(t *testing.T, account string, extraFlags ...string) *fleet {
	t.Helper()
	dsn := pgtest.FreshSchema(t)
	flags := append([]string{"-cache-ttl", "10m", "-rate-limit", "1000000", "-failed-auth-per-ip", "1000000"}, extraFlags...)
	f := &fleet{a: testkit.StartServer(t, dsn, flags...), c: testkit.HTTPClient(t), g: testkit.Inspect(t, dsn)}
	f.others = []*testkit.Process{testkit.StartServer(t, dsn, flags...), testkit.StartServer(t, dsn, flags...)}
	f.ac = f.a.Client()
	f.owner = f.ac.SignUp(t, account)
	for _, p := range f.others {
		testkit.ProbeCache(t, f.c, f.ac, f.owner, p.URL, f.g)
	}
	return f
}

// within100ms logs how long what took to reach the other instances, and
// fails past 100 ms.
func within100ms(t *testing.T, what string, others int, delays []time.Duration) {
	t.Helper()
	slices.Sort(delays)
	worst := delays[len(delays)-1]
	t.Logf("%d %s × %d other instances: propagation p50 %v, p99 %v, worst %v",
		len(delays)/others, what, others, testkit.Percentile(delays, 50), testkit.Percentile(delays, 99), worst)
	if worst > 100*time.Millisecond {
		t.Errorf("worst propagation %v exceeds 100 ms", worst)
	}
}

// refusalDelays asks each instance about secret until it refuses it, and
// says how long after since each one did: -1 for an instance that answered
// neither 200 nor 401, and over 5 s for one that never refused.
func refusalDelays(c *http.Client, instances []*testkit.Process, secret string, since time.Time) []time.Duration {
	took := make([]time.Duration, len(instances))
	var wg sync.WaitGroup
	for j, p := range instances {
		wg.Go(func() {
			for {
				got, err := testkit.VerifyKey(c, p.URL, testkit.Bearer(secret), "Fleet")
				if err == nil && got.Status == http.StatusUnauthorized {
					took[j] = time.Since(since)
					return
				}
				if err != nil || got.Status != http.StatusOK {
					took[j] = -1
					return
				}
				if time.Since(since) > 5*time.Second {
					took[j] = time.Since(since)
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	return took
}

// Requests spread over three instances, two endpoints, several keys and
// integrations; after SIGTERM of all three the recorded counts equal the
// admitted ones, pair by pair. Short flushes make the instances' upserts
// of the same rows overlap.
func TestMultiInstanceUsageAddsUp(t *testing.T) {
	testkit.RequirePostgres(t)
	dsn := pgtest.FreshSchema(t)
	flags := []string{"-usage-flush-interval", "50ms", "-rate-limit", "1000000"}
	procs := []*testkit.Process{testkit.StartServer(t, dsn, flags...), testkit.StartServer(t, dsn, flags...), testkit.StartServer(t, dsn, flags...)}
	c := testkit.HTTPClient(t)
	owner := procs[0].Client().SignUp(t, "Shared Usage")
	const keys, perWorker = 3, 60
	systems := []string{"Zapier", "Mailchimp", ""} // "" counts as "unknown"
	ids, secrets := make([]string, keys), make([]string, keys)
	for i := range keys {
		ids[i], secrets[i] = procs[i%len(procs)].Client().CreateKey(t, owner, fmt.Sprintf("shared %d", i))
	}
	tally := testkit.NewTally()
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
					var got testkit.Answer
					var err error
					if n%2 == 0 {
						got, err = testkit.VerifyKey(c, p.URL, testkit.Bearer(secrets[k]), system)
					} else {
						got, err = testkit.GraphQL(c, p.URL, testkit.Request{Auth: testkit.Basic(secrets[k], ""), Query: `{ viewer { id } }`,
							Headers: map[string]string{"X-System": system}})
					}
					if err != nil || got.Status != http.StatusOK {
						tally.Fail("%s: %v %d %s", p.URL, err, got.Status, got.Body)
						continue
					}
					tally.Admit(ids[k]+"/"+integration, got.At)
				}
			})
		}
	}
	wg.Wait()
	for _, e := range tally.Failures() {
		t.Error(e)
	}
	for _, p := range procs {
		testkit.Signal(t, p, syscall.SIGTERM)
	}
	for _, p := range procs {
		if err := testkit.WaitExit(t, p); err != nil {
			t.Errorf("%s exited with %v after SIGTERM:\n%s", p.URL, err, p.Logs.String())
		}
	}
	testkit.CompareUsage(t, tally.Admitted(), testkit.Usage(t, testkit.Inspect(t, dsn)))
}

// Three instances started at the same moment on an empty schema all come
// up, and leave one correct schema: every migration recorded exactly once
// and every table present.
func TestMultiInstanceConcurrentMigration(t *testing.T) {
	testkit.RequirePostgres(t)
	dsn := pgtest.FreshSchema(t)
	testkit.BuildKeyfob(t) // so that the three start within microseconds of each other
	procs := make([]*testkit.Process, 3)
	for i := range procs {
		procs[i] = testkit.LaunchServer(t, dsn)
	}
	for _, p := range procs {
		testkit.WaitHealthy(t, p)
	}
	g := testkit.Inspect(t, dsn)
	versions, tables := testkit.Migrations(t)

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
	present := testkit.Tables(t, g)
	for _, want := range append(tables, "goose_db_version") {
		if !slices.Contains(present, want) {
			t.Errorf("table %s missing after concurrent start (have %v)", want, present)
		}
	}

	// Every instance serves, on the one schema.
	var owners []*testkit.User
	for i, p := range procs {
		owners = append(owners, p.Client().SignUp(t, fmt.Sprintf("Migrated %d", i)))
	}
	for _, p := range procs {
		for _, o := range owners {
			resp := p.Client().Do(t, testkit.Request{Auth: testkit.Bearer(o.Token), Query: `{ viewer { id } }`})
			if testkit.Dig(resp.Data, "viewer", "id") != o.ID {
				t.Errorf("%s does not know a user signed up through another instance: %s", p.URL, resp.Body)
			}
		}
		if strings.Contains(p.Logs.String(), `"level":"ERROR"`) {
			t.Errorf("%s logged errors while migrating:\n%s", p.URL, p.Logs.String())
		}
	}
}

// With PostgreSQL, a delete through one instance reaches another
// instance's cache through LISTEN/NOTIFY.

// With PostgreSQL, a delete through one instance reaches another
// instance's cache through LISTEN/NOTIFY within 100 ms, and a lost listener
// empties and bypasses the cache.
func TestRevocationReachesOtherInstances(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	a := testkit.NewEnv(t, "postgres", nil)
	b := testkit.NewEnv(t, "postgres", func(c *config.Config) { c.DatabaseURL = a.DSN })
	<-a.Server.Listening()
	<-b.Server.Listening()
	owner := a.SignUp(t, "Two Instances")
	var worst time.Duration
	for i := range 10 {
		keyID, secret := a.CreateKey(t, owner, "Key "+strconv.Itoa(i))
		if got := b.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
			t.Fatalf("instance B before delete: %d", got.Status)
		}
		a.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `mutation($id: ID!) { deleteApiKey(input: {id: $id}) { deletedApiKeyId } }`, Variables: map[string]any{"id": keyID}})
		start := time.Now()
		for b.Verify(t, "GET", "", testkit.Bearer(secret), nil).Status != http.StatusUnauthorized {
			if time.Since(start) > 5*time.Second {
				t.Fatal("instance B still accepts the key 5 s after instance A deleted it")
			}
			time.Sleep(2 * time.Millisecond)
		}
		worst = max(worst, time.Since(start))
	}
	t.Logf("worst propagation of 10 deletions: %v", worst)
	if worst > 100*time.Millisecond {
		t.Fatalf("worst propagation %v exceeds 100 ms", worst)
	}
	// A lost listener connection empties and bypasses the cache, so even an
	// unannounced delete is seen at once until it listens again.
	keyID, secret := a.CreateKey(t, owner, "Unannounced")
	if got := b.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusOK {
		t.Fatalf("warm-up: %d", got.Status)
	}
	b.Server.Authenticator().Cache.SetListening(false)
	if err := a.Store.Gorm().Exec("DELETE FROM api_keys WHERE id = ?", keyID).Error; err != nil {
		t.Fatal(err)
	}
	if got := b.Verify(t, "GET", "", testkit.Bearer(secret), nil); got.Status != http.StatusUnauthorized {
		t.Fatalf("with the listener down the cache must be bypassed: got %d", got.Status)
	}
	_ = context.Background
}
