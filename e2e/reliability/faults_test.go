package reliability

// Database faults against a private PostgreSQL cluster that each test
// starts itself (initdb into a temporary directory, a free port), so that
// killing connections or stopping the server never pulls the shared test
// database from under other tests.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/internal/testkit"
)

// pgCluster is a private PostgreSQL server in a temporary directory.
type pgCluster struct {
	bin, data, sock, logFile string
	port                     int
	asPostgres               bool
	// DSN is for the service; adminDSN marks the test's own connections
	// (application_name) so that killing "the service's connections" spares them.
	DSN, adminDSN string
}

func startPrivatePostgres(t *testing.T) *pgCluster {
	t.Helper()
	initdbs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(initdbs) == 0 {
		t.Skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
	}
	slices.SortFunc(initdbs, func(a, b string) int { return pgMajor(a) - pgMajor(b) })
	c := &pgCluster{bin: filepath.Dir(initdbs[len(initdbs)-1])}
	// t.TempDir's parents are private to root; the postgres user must reach this one.
	base, err := os.MkdirTemp("", "keyfob-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	c.data, c.sock = filepath.Join(base, "data"), filepath.Join(base, "sock")
	c.logFile = filepath.Join(c.sock, "postgres.log")
	for _, d := range []string{c.data, c.sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() == 0 { // initdb refuses to run as root
		u, err := osuser.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, d := range []string{c.data, c.sock} {
			if err := os.Chown(d, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		c.asPostgres = true
	}
	c.run(t, "initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	c.port = testkit.FreePort(t)
	c.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	c.adminDSN = c.DSN + "&application_name=keyfob-test"
	c.Start(t)
	t.Cleanup(func() { _ = c.command("pg_ctl", "stop", "-D", c.data, "-m", "immediate", "-w").Run() })
	return c
}

func pgMajor(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

func (c *pgCluster) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if c.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (c *pgCluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(c.logFile)
		t.Fatalf("%s %v: %v\n%s\n%s", name, args, err, out, log)
	}
}

// Start starts the server and waits until it accepts connections.
func (c *pgCluster) Start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200", c.port, c.sock)
	c.run(t, "pg_ctl", "start", "-D", c.data, "-l", c.logFile, "-w", "-t", "60", "-o", opts)
}

// Stop shuts the server down ("fast": every session is terminated).
func (c *pgCluster) Stop(t *testing.T) {
	t.Helper()
	c.run(t, "pg_ctl", "stop", "-D", c.data, "-m", "fast", "-w", "-t", "60")
}

// exec runs one statement on a fresh admin connection and returns the
// first column of the first row, if any.
func (c *pgCluster) exec(t *testing.T, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.adminDSN)
	if err != nil {
		t.Fatalf("admin connection: %v", err)
	}
	defer conn.Close(ctx)
	var out any
	if err := conn.QueryRow(ctx, sql).Scan(&out); err != nil && err != pgx.ErrNoRows {
		t.Fatalf("%s: %v", sql, err)
	}
	return fmt.Sprint(out)
}

// terminate kills the service's connections: all of them, or all but the
// revocation listener's (whose last statement is its LISTEN).
func (c *pgCluster) terminate(t *testing.T, includeListener bool) int {
	t.Helper()
	q := `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	      WHERE datname = current_database() AND pid <> pg_backend_pid()
	        AND backend_type = 'client backend' AND application_name <> 'keyfob-test'`
	if !includeListener {
		q += ` AND application_name <> '` + db.ListenerApplicationName + `'`
	}
	n, _ := strconv.Atoi(c.exec(t, q))
	return n
}

// faultTraffic keeps integrations calling one server — /auth/verify and
// GraphQL with key auth, several keys and integrations — and tallies what
// was admitted (HTTP 200: usage recorded) and every status by phase.
type faultTraffic struct {
	tally *testkit.Tally
	phase atomic.Value // string
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startFaultTraffic(c *http.Client, base string, ids, secrets []string, workers int) *faultTraffic {
	tr := &faultTraffic{tally: testkit.NewTally(), stop: make(chan struct{})}
	tr.phase.Store("up")
	systems := []string{"Zapier", "Mailchimp"}
	for w := range workers {
		tr.wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-tr.stop:
					return
				default:
				}
				k, system := (w+n)%len(secrets), systems[n%len(systems)]
				phase := tr.phase.Load().(string)
				var got testkit.Answer
				var err error
				if n%4 == 3 {
					got, err = testkit.GraphQL(c, base, testkit.Request{Auth: testkit.Bearer(secrets[k]), Query: `{ viewer { id } }`, Headers: map[string]string{"X-System": system}})
				} else {
					got, err = testkit.VerifyKey(c, base, testkit.Bearer(secrets[k]), system)
				}
				if err != nil {
					tr.tally.Fail("%s: transport error: %v", phase, err)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				tr.tally.Status(phase, got.Status)
				switch got.Status {
				case http.StatusOK:
					tr.tally.Admit(ids[k]+"/"+system, got.At)
				case http.StatusServiceUnavailable:
					if got.Code() != "UNAVAILABLE" {
						tr.tally.Fail("%s: 503 without UNAVAILABLE: %s", phase, got.Body)
					}
				default:
					tr.tally.Fail("%s: status %d: %.300s", phase, got.Status, got.Body)
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	return tr
}

func (tr *faultTraffic) setPhase(p string) { tr.phase.Store(p) }

func (tr *faultTraffic) Stop() { close(tr.stop); tr.wg.Wait() }

// awaitAdmitted verifies secret (an integration named system, "" for
// none) until it is admitted, counting the admission, and fails the test if
// that takes more than 15 s from since; after says what since was.
func awaitAdmitted(t *testing.T, c *http.Client, base string, tr *faultTraffic, id, secret, system string, since time.Time, after string) {
	t.Helper()
	integration := system
	if integration == "" {
		integration = "unknown"
	}
	for {
		got, err := testkit.VerifyKey(c, base, testkit.Bearer(secret), system)
		if err == nil && got.Status == http.StatusOK {
			tr.tally.Admit(id+"/"+integration, got.At)
			return
		}
		if time.Since(since) > 15*time.Second {
			t.Fatalf("no recovery 15 s %s: %v %d %s", after, err, got.Status, got.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// finishRecovered runs the traffic half a second in the "recovered" phase,
// stops it, and reports what went wrong: any failure the traffic tallied,
// and any request of that phase not admitted.
func (tr *faultTraffic) finishRecovered(t *testing.T) {
	t.Helper()
	tr.setPhase("recovered")
	time.Sleep(500 * time.Millisecond)
	tr.Stop()
	for _, e := range tr.tally.Failures() {
		t.Error(e)
	}
	if s := tr.statuses("recovered"); len(s) != 1 || s[http.StatusOK] == 0 {
		t.Errorf("after recovery every request must be admitted: statuses %v", s)
	}
}

// statuses returns the statuses seen in phase, as "status×count".
func (tr *faultTraffic) statuses(phase string) map[int]int { return tr.tally.Statuses(phase) }

// faultSetup starts a private cluster and a keyfob binary on it, with an
// owner and keys the traffic uses, and waits until the cache is in use.
func faultSetup(t *testing.T, flags ...string) (*pgCluster, *testkit.Process, *http.Client, *testkit.User, []string, []string) {
	t.Helper()
	pg := startPrivatePostgres(t)
	// The look-up bound stays the harness's generous one: with PostgreSQL
	// stopped or its connections killed, a look-up fails at once, bound or
	// not, while right after a restart a look-up that opens a connection
	// under -race can outlive 250 ms. The test of a look-up that hangs
	// sets the production bound itself.
	flags = append([]string{"-rate-limit", "1000000", "-failed-auth-per-ip", "1000000", "-cache-ttl", "5m",
		"-login-failures-per-email", "1000000", "-login-failures-per-ip", "1000000"}, flags...)
	srv := testkit.StartServer(t, pg.DSN, flags...)
	c := testkit.HTTPClient(t)
	sc := srv.Client()
	owner := sc.SignUp(t, "Faulty Realty")
	ids, secrets := make([]string, 4), make([]string, 4)
	for i := range ids {
		ids[i], secrets[i] = sc.CreateKey(t, owner, fmt.Sprintf("traffic %d", i))
	}
	testkit.ProbeCache(t, c, sc, owner, srv.URL, testkit.Inspect(t, pg.adminDSN))
	return pg, srv, c, owner, ids, secrets
}

// finishExactly stops the server gracefully and checks that every admitted
// request was recorded exactly once.
func finishExactly(t *testing.T, pg *pgCluster, srv *testkit.Process, tally *testkit.Tally) {
	t.Helper()
	if err := srv.Stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	testkit.CompareUsage(t, tally.Admitted(), testkit.Usage(t, testkit.Inspect(t, pg.adminDSN)))
	for _, bad := range []string{`"level":"ERROR","msg":"internal error"`, `"msg":"panic"`} {
		if strings.Contains(srv.Logs.String(), bad) {
			t.Errorf("the service logged %s:\n%s", bad, srv.Logs.String())
		}
	}
}

// pg_terminate_backend on the service's connections during traffic. While
// only the pool's connections die, cached keys keep working untouched;
// when the listener's dies too, the cache is bypassed until it reconnects,
// and answers are 200 or 503 UNAVAILABLE, never 500 or 401. The service
// recovers by itself and counts every admitted request exactly once.
func TestFaultConnectionsKilledDuringTraffic(t *testing.T) {
	testkit.TimeBound(t)
	pg, srv, c, owner, ids, secrets := faultSetup(t, "-usage-flush-interval", "100ms")
	tr := startFaultTraffic(c, srv.URL, ids, secrets, 4)
	time.Sleep(300 * time.Millisecond)

	tr.setPhase("pool-killed")
	killed := 0
	for range 4 {
		killed += pg.terminate(t, false)
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("terminated %d pool connections (listener spared)", killed)

	tr.setPhase("all-killed")
	killed = 0
	var gqlCodes []string
	for range 4 {
		killed += pg.terminate(t, true)
		// A user's GraphQL request right after: data, or UNAVAILABLE.
		got, err := testkit.GraphQL(c, srv.URL, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ viewer { id } apiKeys { totalCount } }`})
		if err != nil {
			t.Fatalf("GraphQL after terminating connections: %v", err)
		}
		if got.Code() != "" {
			gqlCodes = append(gqlCodes, got.Code())
		}
		if got.Status >= 500 && got.Status != http.StatusServiceUnavailable || got.Code() != "" && got.Code() != "UNAVAILABLE" {
			t.Errorf("GraphQL after terminating connections: %d %s", got.Status, got.Body)
		}
		testkit.NoLeak(t, got.Body)
		time.Sleep(400 * time.Millisecond)
	}
	t.Logf("terminated %d connections including the listener's; GraphQL error codes meanwhile: %v", killed, gqlCodes)

	// Recovery without a restart: a key never seen before verifies.
	start := time.Now()
	freshID, fresh := srv.Client().CreateKey(t, owner, "after the fault")
	awaitAdmitted(t, c, srv.URL, tr, freshID, fresh, "", start, "after the connections were killed")
	tr.finishRecovered(t)
	if s := tr.statuses("pool-killed"); len(s) != 1 || s[http.StatusOK] == 0 {
		t.Errorf("with the listener alive, cached keys must keep working without a database: statuses %v", s)
	}
	t.Logf("statuses: up %v, pool killed %v, all killed %v, recovered %v",
		tr.statuses("up"), tr.statuses("pool-killed"), tr.statuses("all-killed"), tr.statuses("recovered"))
	finishExactly(t, pg, srv, tr.tally)
}

// outageTTL is the cache TTL of the outage tests: short enough that an
// outage outlives it, long enough that a stop of PostgreSQL and the
// requests made during it fit well within it.
const outageTTL = 4 * time.Second

// A full stop and start of PostgreSQL during traffic. Keys verified within
// the cache TTL keep working on their last verdict until it ends, then get
// 503; a key never verified gets 503 at once; the usage admitted during the
// outage is written once the database is back, exactly once.
func TestFaultDatabaseRestart(t *testing.T) {
	testkit.TimeBound(t)
	pg, srv, c, owner, ids, secrets := faultSetup(t, "-usage-flush-interval", "200ms", "-cache-ttl", outageTTL.String())
	sc := srv.Client()
	warmID, warm := sc.CreateKey(t, owner, "verified before the outage")
	coldID, cold := sc.CreateKey(t, owner, "never verified before the outage")
	readyz := func() int {
		resp, err := c.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatalf("/readyz: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := readyz(); got != http.StatusOK {
		t.Errorf("/readyz with the database up: %d, want 200", got)
	}

	// Every verdict the outage may use is filled after firstFill (the warm
	// key's, then each traffic key's first request), and before lastFill:
	// a cached key is not refreshed before 3/4 of the TTL, which the
	// outage starts well before.
	firstFill := time.Now()
	warmUp, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(warm), "Warm")
	if err != nil || warmUp.Status != http.StatusOK {
		t.Fatalf("warm-up: %v %d", err, warmUp.Status)
	}
	tr := startFaultTraffic(c, srv.URL, ids, secrets, 4)
	tr.tally.Admit(warmID+"/Warm", warmUp.At)
	time.Sleep(300 * time.Millisecond) // each traffic key has been verified
	lastFill := time.Now()
	time.Sleep(300 * time.Millisecond)
	tr.setPhase("stopping")
	pg.Stop(t)
	down := time.Now()
	tr.setPhase("down")
	if left := firstFill.Add(outageTTL).Sub(down); left < 2*time.Second {
		t.Fatalf("PostgreSQL took until %v before the TTL's end to stop: too little left to test the outage", left)
	}

	t.Run("an uncached key answers 503 quickly", func(t *testing.T) {
		for range 5 {
			start := time.Now()
			got, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(cold), "Cold")
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != http.StatusServiceUnavailable || got.Header.Get("X-Keyfob-Status") != "503" || got.Code() != "UNAVAILABLE" {
				t.Errorf("uncached key with the database down: %d %v %s, want 503 UNAVAILABLE", got.Status, got.Header, got.Body)
			}
			if took > 2*time.Second {
				t.Errorf("the 503 took %v; a gateway's client would time out (want well under 2 s)", took)
			}
		}
	})

	t.Run("GraphQL needing the database answers UNAVAILABLE", func(t *testing.T) {
		for _, r := range []testkit.Request{
			{Auth: testkit.Bearer(owner.Token), Query: `{ apiKeys { totalCount } }`},
			{Auth: testkit.Bearer(warm), Query: `{ account { name } }`},
			{Query: `mutation($in: LogInInput!) { logIn(input: $in) { token } }`, Variables: map[string]any{"in": map[string]any{"email": owner.Email, "password": owner.Password}}},
			{Query: `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`, Variables: map[string]any{"in": map[string]any{
				"accountName": "During Outage", "name": "Olive", "email": testkit.UniqueEmail("outage"), "password": "a fine password"}}},
		} {
			start := time.Now()
			got, err := testkit.GraphQL(c, srv.URL, r)
			if err != nil {
				t.Fatal(err)
			}
			if got.Code() != "UNAVAILABLE" || (got.Status != http.StatusOK && got.Status != http.StatusServiceUnavailable) {
				t.Errorf("%s: %d %s, want UNAVAILABLE (200 or 503)", r.Query, got.Status, got.Body)
			}
			if r.Auth == testkit.Bearer(warm) && got.Status == http.StatusOK {
				// The key was admitted on its cached verdict, so the request
				// counts as usage even though the query could not run.
				tr.tally.Admit(warmID+"/unknown", got.At)
			}
			testkit.NoLeak(t, got.Body)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("%s took %v with the database down", r.Query, took)
			}
		}
	})

	t.Run("readyz says 503 while down", func(t *testing.T) {
		if got := readyz(); got != http.StatusServiceUnavailable {
			t.Errorf("/readyz with the database down: %d, want 503", got)
		}
	})
	if resp, err := c.Get(srv.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz (liveness) must not fail for a database outage: %v", err)
	} else {
		resp.Body.Close()
	}

	// The margin stands for the time a request takes on either side.
	const margin = 300 * time.Millisecond
	t.Run("a key verified before the outage works until its TTL ends, then gets 503", func(t *testing.T) {
		served := 0
		for time.Now().Before(firstFill.Add(outageTTL - margin)) {
			got, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(warm), "Warm")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != http.StatusOK {
				t.Fatalf("warm key %v into the outage, %v before its TTL ends: %d %s, want 200 on its last verdict",
					got.At.Sub(down), firstFill.Add(outageTTL).Sub(got.At), got.Status, got.Body)
			}
			tr.tally.Admit(warmID+"/Warm", got.At)
			served++
			time.Sleep(100 * time.Millisecond)
		}
		tr.setPhase("expiring")
		time.Sleep(time.Until(lastFill.Add(outageTTL + margin)))
		tr.setPhase("expired")
		for range 5 {
			got, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(warm), "Warm")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != http.StatusServiceUnavailable || got.Code() != "UNAVAILABLE" {
				t.Fatalf("warm key after its TTL, the database still down: %d %s, want 503 UNAVAILABLE", got.Status, got.Body)
			}
		}
		t.Logf("the warm key was served %d times on its last verdict, until %v into the outage", served, firstFill.Add(outageTTL-margin).Sub(down))
	})
	time.Sleep(500 * time.Millisecond) // the traffic meets the expired verdicts too

	tr.setPhase("starting")
	pg.Start(t)
	up := time.Now()
	tr.setPhase("restarted")

	// Recovery without a restart of keyfob.
	awaitAdmitted(t, c, srv.URL, tr, coldID, cold, "Cold", up, "after PostgreSQL came back")
	t.Logf("outage %v; first admission %v after PostgreSQL was back", up.Sub(down), time.Since(up))
	sc.MustDo(t, testkit.Request{Auth: testkit.Bearer(owner.Token), Query: `{ viewer { id } }`})
	sc.SignUp(t, "After The Outage")
	if got := readyz(); got != http.StatusOK {
		t.Errorf("/readyz after recovery: %d, want 200", got)
	}
	tr.finishRecovered(t)
	// Within the TTL every request of a cached key was admitted; after it,
	// every one got 503; nothing was refused as unknown.
	if s := tr.statuses("down"); len(s) != 1 || s[http.StatusOK] == 0 {
		t.Errorf("within the TTL, cached keys must keep working through the outage: statuses %v", s)
	}
	if s := tr.statuses("expired"); len(s) != 1 || s[http.StatusServiceUnavailable] == 0 {
		t.Errorf("after the TTL, with the database still down, every key must get 503: statuses %v", s)
	}
	t.Logf("statuses: up %v, stopping %v, down %v, expiring %v, expired %v, starting %v, restarted %v, recovered %v",
		tr.statuses("up"), tr.statuses("stopping"), tr.statuses("down"), tr.statuses("expiring"), tr.statuses("expired"), tr.statuses("starting"),
		tr.statuses("restarted"), tr.statuses("recovered"))
	if !strings.Contains(srv.Logs.String(), "usage flush failed") {
		t.Errorf("no usage flush failed during the outage, so buffering was not exercised:\n%s", srv.Logs.String())
	}
	// The usage of the outage reaches the database while the server runs,
	// by its own flushes; the stop that follows must not count it again.
	usageWritten(t, pg, tr.tally)
	finishExactly(t, pg, srv, tr.tally)
}

// usageWritten waits until the running server has written every admitted
// request's usage, and fails if it never matches.
func usageWritten(t *testing.T, pg *pgCluster, tally *testkit.Tally) {
	t.Helper()
	g := testkit.Inspect(t, pg.adminDSN)
	want := tally.Admitted()
	deadline := time.Now().Add(10 * time.Second)
	for !maps.Equal(testkit.Usage(t, g), want) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	testkit.CompareUsage(t, want, testkit.Usage(t, g))
}

// -fail-closed-on-outage: while PostgreSQL is stopped, every key gets 503,
// the one verified a moment before included; once it is back, they all
// work again, and the usage admitted before the outage is counted once.
func TestFaultDatabaseOutageFailClosed(t *testing.T) {
	testkit.TimeBound(t)
	pg, srv, c, owner, ids, secrets := faultSetup(t, "-usage-flush-interval", "200ms", "-fail-closed-on-outage")
	warmID, warm := srv.Client().CreateKey(t, owner, "verified before the outage")
	_, cold := srv.Client().CreateKey(t, owner, "never verified")
	warmUp, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(warm), "Warm")
	if err != nil || warmUp.Status != http.StatusOK {
		t.Fatalf("warm-up: %v %d", err, warmUp.Status)
	}
	tr := startFaultTraffic(c, srv.URL, ids, secrets, 4)
	tr.tally.Admit(warmID+"/Warm", warmUp.At)
	time.Sleep(600 * time.Millisecond)
	tr.setPhase("stopping")
	pg.Stop(t)
	// The listener's connection ended with the stop; the instance hears of
	// it a moment later.
	time.Sleep(200 * time.Millisecond)
	tr.setPhase("down")
	for _, secret := range []string{warm, cold} {
		for range 5 {
			got, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(secret), "Warm")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != http.StatusServiceUnavailable || got.Code() != "UNAVAILABLE" {
				t.Fatalf("with -fail-closed-on-outage and the database down: %d %s, want 503 UNAVAILABLE", got.Status, got.Body)
			}
		}
	}
	time.Sleep(time.Second)
	tr.setPhase("starting")
	pg.Start(t)
	up := time.Now()
	awaitAdmitted(t, c, srv.URL, tr, warmID, warm, "Warm", up, "after PostgreSQL came back")
	tr.finishRecovered(t)
	if s := tr.statuses("down"); len(s) != 1 || s[http.StatusServiceUnavailable] == 0 {
		t.Errorf("with -fail-closed-on-outage every key must get 503 while the database is down: statuses %v", s)
	}
	t.Logf("statuses: up %v, stopping %v, down %v, starting %v, recovered %v",
		tr.statuses("up"), tr.statuses("stopping"), tr.statuses("down"), tr.statuses("starting"), tr.statuses("recovered"))
	finishExactly(t, pg, srv, tr.tally)
}

// signalAll sends sig to the cluster's postmaster and then to each of its
// processes: stopped first, the postmaster forks no new backend meanwhile.
func (c *pgCluster) signalAll(t *testing.T, sig syscall.Signal) {
	t.Helper()
	pidFile, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster, err := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	if err := syscall.Kill(postmaster, sig); err != nil {
		t.Fatal(err)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, stat := range procs {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces, so read after ")".
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(postmaster) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(stat)))
			_ = syscall.Kill(pid, sig)
		}
	}
}

// PostgreSQL frozen (SIGSTOP): connections stay open and nothing answers,
// as in a network partition or a stalled failover. A look-up then gives up
// at -db-lookup-timeout (250 ms by default): a cached key keeps being
// admitted within the bound plus its usual time, before the listener
// notices the silence and after; a key never verified gets 503 as quickly.
func TestFaultDatabaseFreezeAnswersWithinTheBound(t *testing.T) {
	testkit.TimeBound(t)
	const bound = 250 * time.Millisecond
	pg, srv, c, owner, ids, secrets := faultSetup(t, "-usage-flush-interval", "200ms", "-db-lookup-timeout", bound.String())
	warmID, warm := srv.Client().CreateKey(t, owner, "verified before the freeze")
	coldID, cold := srv.Client().CreateKey(t, owner, "never verified")
	warmUp, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(warm), "Warm")
	if err != nil || warmUp.Status != http.StatusOK {
		t.Fatalf("warm-up: %v %d", err, warmUp.Status)
	}
	tr := startFaultTraffic(c, srv.URL, ids, secrets, 4)
	tr.tally.Admit(warmID+"/Warm", warmUp.At)
	time.Sleep(300 * time.Millisecond)
	pg.signalAll(t, syscall.SIGSTOP)
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			pg.signalAll(t, syscall.SIGCONT)
		}
	}
	defer thaw()
	frozen := time.Now()
	tr.setPhase("frozen")

	// Past the listener's heartbeat (a silent second, then a ping that
	// gets a second), so both halves are seen: the listener still trusted,
	// then lost.
	const slack = 250 * time.Millisecond
	var worstWarm, worstCold time.Duration
	for time.Since(frozen) < 4*time.Second {
		start := time.Now()
		got, err := testkit.VerifyKey(c, srv.URL, testkit.Bearer(warm), "Warm")
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != http.StatusOK {
			t.Fatalf("warm key %v into the freeze: %d %s, want 200 on its cached verdict", time.Since(frozen), got.Status, got.Body)
		}
		tr.tally.Admit(warmID+"/Warm", got.At)
		worstWarm = max(worstWarm, took)

		start = time.Now()
		got, err = testkit.VerifyKey(c, srv.URL, testkit.Bearer(cold), "Cold")
		took = time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != http.StatusServiceUnavailable || got.Code() != "UNAVAILABLE" {
			t.Fatalf("uncached key %v into the freeze: %d %s, want 503 UNAVAILABLE", time.Since(frozen), got.Status, got.Body)
		}
		worstCold = max(worstCold, took)
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("during the freeze: slowest warm admission %v, slowest uncached 503 %v (bound %v)", worstWarm, worstCold, bound)
	if worstWarm > bound+slack || worstCold > bound+slack {
		t.Errorf("answers took up to %v (warm) and %v (uncached): want at most the bound %v plus %v", worstWarm, worstCold, bound, slack)
	}
	if !strings.Contains(srv.Logs.String(), "revocation listener lost its connection") {
		t.Errorf("the listener never noticed the frozen database, so only its first half was tested:\n%s", srv.Logs.String())
	}
	if !strings.Contains(srv.Logs.String(), "the database cannot answer credential look-ups") {
		t.Errorf("no log line says the database cannot answer:\n%s", srv.Logs.String())
	}

	tr.setPhase("thawing")
	thaw()
	thawedAt := time.Now()
	awaitAdmitted(t, c, srv.URL, tr, coldID, cold, "Cold", thawedAt, "after PostgreSQL was thawed")
	tr.finishRecovered(t)
	// Traffic on cached keys never noticed the freeze.
	if s := tr.statuses("frozen"); len(s) != 1 || s[http.StatusOK] == 0 {
		t.Errorf("cached keys must keep working while the database is frozen: statuses %v", s)
	}
	t.Logf("statuses: up %v, frozen %v, thawing %v, recovered %v", tr.statuses("up"), tr.statuses("frozen"), tr.statuses("thawing"), tr.statuses("recovered"))
	finishExactly(t, pg, srv, tr.tally)
}

// commitCutter is a TCP proxy in front of PostgreSQL. Once armed, it
// forwards the next COMMIT to the server, swallows the server's answer and
// cuts the connection: the transaction is committed, but the service cannot
// know it.
type commitCutter struct {
	target     string
	ln         net.Listener
	armed      atomic.Bool
	fired      atomic.Bool
	ackDropped atomic.Bool
}

func newCommitCutter(t *testing.T, target string) *commitCutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &commitCutter{target: target, ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { p.pipe(conn) })
		}
	})
	return p
}

func (p *commitCutter) addr() string { return p.ln.Addr().String() }

func (p *commitCutter) pipe(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	var swallow atomic.Bool
	done := make(chan struct{})
	go func() { // server → client
		defer close(done)
		defer client.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				if swallow.Load() {
					if bytes.Contains(buf[:n], []byte("COMMIT\x00")) {
						p.ackDropped.Store(true)
					}
				} else if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if p.armed.Load() && bytes.Contains(bytes.ToLower(chunk), []byte("commit")) && p.fired.CompareAndSwap(false, true) {
				swallow.Store(true)
				_, _ = server.Write(chunk)
				time.Sleep(300 * time.Millisecond) // the server commits and answers into the void
				server.Close()
				<-done
				return
			}
			if _, err := server.Write(chunk); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	server.Close()
	<-done
}

// A usage batch whose COMMIT succeeded but whose answer was lost is
// retried with its flush id and not applied a second time: after SIGTERM,
// recorded equals admitted exactly.
func TestFaultUnknownCommitOutcomeCountsOnce(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	dsn := pgtest.FreshSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cutter := newCommitCutter(t, u.Host)
	u.Host = cutter.addr()
	srv := testkit.StartServer(t, u.String(), "-usage-flush-interval", "100ms", "-rate-limit", "1000000", "-cache-ttl", "5m")
	c := testkit.HTTPClient(t)
	sc := srv.Client()
	owner := sc.SignUp(t, "Unknown Outcome")
	ids, secrets := make([]string, 3), make([]string, 3)
	for i := range ids {
		ids[i], secrets[i] = sc.CreateKey(t, owner, fmt.Sprintf("outcome %d", i))
	}
	testkit.ProbeCache(t, c, sc, owner, srv.URL, testkit.Inspect(t, dsn))
	// From here on the traffic is served from the cache, so the only
	// transactions are usage flushes: the next COMMIT is a flush's.
	tr := startFaultTraffic(c, srv.URL, ids, secrets, 3)
	time.Sleep(300 * time.Millisecond)
	cutter.armed.Store(true)
	deadline := time.Now().Add(10 * time.Second)
	for !cutter.fired.Load() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond) // the retry happens meanwhile
	tr.Stop()
	if !cutter.fired.Load() || !cutter.ackDropped.Load() {
		t.Fatalf("no flush COMMIT was cut (fired %v, server acknowledged %v)", cutter.fired.Load(), cutter.ackDropped.Load())
	}
	for _, e := range tr.tally.Failures() {
		t.Error(e)
	}
	if !strings.Contains(srv.Logs.String(), "usage flush failed") {
		t.Errorf("the service did not notice the lost COMMIT answer:\n%s", srv.Logs.String())
	}
	if err := srv.Stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	testkit.CompareUsage(t, tr.tally.Admitted(), testkit.Usage(t, testkit.Inspect(t, dsn)))
}

// An instance restarted under traffic meets every key cold at once. The
// look-up bound times the database's answer, not the queue for one of
// the pool's connections: 600 known keys verified at once through a pool
// of two, each looked up, are all admitted with the bound at its default,
// 250 ms, though many wait longer than that for their turn. (Before, the
// bound counted the wait too, and refused most of them.)
func TestFaultRestartUnderTrafficRefusesNoKnownKey(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	dsn := pgtest.FreshSchema(t)
	srv := testkit.StartServer(t, dsn, "-db-lookup-timeout", "250ms", "-db-max-connections", "2",
		"-rate-limit", "1000000", "-failed-auth-per-ip", "1000000")
	sc := srv.Client()
	const keys, perUser = 600, 200 // a user holds at most 200 keys
	secrets := make([]string, keys)
	var owner *testkit.User
	for i := range secrets {
		if i%perUser == 0 {
			owner = sc.SignUp(t, fmt.Sprintf("Cold Start Realty %d", i/perUser))
		}
		_, secrets[i] = sc.CreateKey(t, owner, fmt.Sprintf("cold %d", i))
	}
	began := time.Now()
	counts := verifyAllAtOnce(t, srv.URL, secrets, "Cold")
	took := time.Since(began)
	t.Logf("%d cold keys at once: statuses %v in %v", keys, counts, took)
	if counts[http.StatusOK] != keys {
		var why []string
		for _, line := range strings.Split(srv.Logs.String(), "\n") {
			if strings.Contains(line, "cannot answer") || strings.Contains(line, "UNAVAILABLE") {
				why = append(why, line)
			}
		}
		t.Fatalf("%d cold keys at once: statuses %v, want all %d admitted; the log says:\n%s", keys, counts, keys, strings.Join(why, "\n"))
	}
}

// verifyAllAtOnce sends every secret to base's /auth/verify at the same
// moment, each from a goroutine of its own, and counts the statuses.
func verifyAllAtOnce(t *testing.T, base string, secrets []string, system string) map[int]int {
	t.Helper()
	c := testkit.HTTPClient(t)
	statuses := make([]int, len(secrets))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, secret := range secrets {
		wg.Go(func() {
			<-start
			a, err := testkit.VerifyKey(c, base, testkit.Bearer(secret), system)
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = a.Status
		})
	}
	close(start)
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	return counts
}

// slowConnectProxy is a TCP proxy in front of PostgreSQL that holds every
// new connection for delay before it reaches the server: PostgreSQL
// starting backends on a busy machine.
func slowConnectProxy(t *testing.T, target string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer client.Close()
				time.Sleep(delay)
				server, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer server.Close()
				go func() { _, _ = io.Copy(server, client); server.Close() }()
				_, _ = io.Copy(client, server)
			})
		}
	})
	return ln.Addr().String()
}

// A server opens its pool's connections before it serves: a burst of cold
// keys right after a start must not wait for PostgreSQL to start backends,
// which here takes longer than the look-up bound, and refuse known keys.
func TestFaultStartWithSlowConnectionsRefusesNoKnownKey(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	dsn := pgtest.FreshSchema(t)
	sc := testkit.StartServer(t, dsn).Client()
	owner := sc.SignUp(t, "Slow Start Realty")
	const keys = 60
	secrets := make([]string, keys)
	for i := range secrets {
		_, secrets[i] = sc.CreateKey(t, owner, fmt.Sprintf("slow start %d", i))
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = slowConnectProxy(t, u.Host, 400*time.Millisecond)
	srv := testkit.StartServer(t, u.String(), "-db-lookup-timeout", "250ms", "-db-max-connections", "6",
		"-rate-limit", "1000000", "-failed-auth-per-ip", "1000000")
	if counts := verifyAllAtOnce(t, srv.URL, secrets, "Slow"); counts[http.StatusOK] != keys {
		t.Fatalf("%d cold keys right after a start: statuses %v, want all admitted; the log says:\n%s", keys, counts, srv.Logs.String())
	}
}
