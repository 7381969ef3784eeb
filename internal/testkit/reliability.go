package testkit

// Helpers shared by the reliability_*_test.go files: load clients that work
// without a *testing.T (so goroutines may use them), servers started
// together, and readers of what the service wrote.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/config"
)

// FaultTests skips slow tests unless KEYFOB_FAULT_TESTS is set (.ci/run sets it).
func FaultTests(t testing.TB) {
	t.Helper()
	if os.Getenv("KEYFOB_FAULT_TESTS") == "" {
		t.Skip("slow reliability test: set KEYFOB_FAULT_TESTS=1 to run it (.ci/run does)")
	}
}

// TimeBound skips a test that asserts a time bound (a revocation within
// 100 ms, a fault noticed within seconds) unless KEYFOB_TIMING_TESTS is
// set: such a test must not share the machine with other test packages,
// so .ci/run runs it alone, in a step of its own.
func TimeBound(t testing.TB) {
	t.Helper()
	if os.Getenv("KEYFOB_TIMING_TESTS") == "" {
		t.Skip("asserts a time bound: set KEYFOB_TIMING_TESTS=1 to run it (.ci/run runs it alone)")
	}
}

// FaultMode says whether the slow tests are wanted: the race and
// multi-instance tests then run more rounds.
func FaultMode() bool { return os.Getenv("KEYFOB_FAULT_TESTS") != "" }

// RequirePostgres skips tests that need TEST_DATABASE_URL.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if PGURL() == "" {
		t.Skip("needs PostgreSQL: set TEST_DATABASE_URL")
	}
}

// Client is an HTTP client for many concurrent requests: enough idle
// connections per host that load does not churn through ephemeral ports.
func HTTPClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 128, IdleConnTimeout: 30 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Timeout: 20 * time.Second, Transport: tr}
}

// Answer is one HTTP answer, read without a *testing.T.
type Answer struct {
	Status int
	Header http.Header
	Body   string
	At     time.Time // when the answer arrived
	GQL    *Response
}

// Code is the first GraphQL error's code (GraphQL-shaped bodies) or the
// gateway's error.code (/auth/verify bodies), "" if neither.
func (a Answer) Code() string {
	if a.GQL != nil && a.GQL.Code() != "" {
		return a.GQL.Code()
	}
	var v struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(a.Body), &v)
	return v.Error.Code
}

func DoHTTP(c *http.Client, req *http.Request) (Answer, error) {
	resp, err := c.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Status: resp.StatusCode, Header: resp.Header, Body: string(body), At: time.Now()}
	var parsed struct {
		Data   map[string]any `json:"data"`
		Errors []GQLError     `json:"errors"`
	}
	if json.Unmarshal(body, &parsed) == nil {
		a.GQL = &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Data: parsed.Data, Errors: parsed.Errors}
	}
	return a, nil
}

// Verify calls base's /auth/verify with an Authorization header and X-System.
func VerifyKey(c *http.Client, base, auth, system string) (Answer, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/auth/verify", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if system != "" {
		req.Header.Set("X-System", system)
	}
	return DoHTTP(c, req)
}

// GraphQL posts a GraphQL request to base.
func GraphQL(c *http.Client, base string, r Request) (Answer, error) {
	body, _ := json.Marshal(map[string]any{"query": r.Query, "variables": r.Variables})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if r.Auth != "" {
		req.Header.Set("Authorization", r.Auth)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	a, err := DoHTTP(c, req)
	if err == nil && a.GQL == nil {
		return a, fmt.Errorf("status %d, body is not JSON: %.300s", a.Status, a.Body)
	}
	return a, err
}

// Signal sends sig without waiting; relWaitExit waits for the exit.
func Signal(t *testing.T, p *Process, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

func WaitExit(t *testing.T, p *Process) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("keyfob did not exit:\n%s", p.Logs.String())
		return nil
	}
}

// Inspect opens dsn (a PostgreSQL URL or an SQLite file) to read what
// the service wrote.
func Inspect(t *testing.T, dsn string) *gorm.DB {
	t.Helper()
	passwords, err := credential.NewPasswords(credential.DefaultPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(dsn, db.Options{Passwords: passwords})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store.Gorm()
}

// Tables lists every table of the database's current schema.
func Tables(t *testing.T, g *gorm.DB) []string {
	t.Helper()
	var names []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if g.Dialector.Name() == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	if err := g.Raw(q).Scan(&names).Error; err != nil {
		t.Fatalf("list tables: %v", err)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("the database has no tables")
	}
	return names
}

// RowCounts counts the rows of every table.
func TableRowCounts(t *testing.T, g *gorm.DB) map[string]int64 {
	t.Helper()
	counts := map[string]int64{}
	for _, table := range Tables(t, g) {
		var n int64
		if err := g.Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// DiffCounts describes how two row counts differ, "" if they do not.
func DiffCounts(before, after map[string]int64) string {
	var diffs []string
	for table, n := range after {
		if before[table] != n {
			diffs = append(diffs, fmt.Sprintf("%s %d→%d", table, before[table], n))
		}
	}
	for table := range before {
		if _, ok := after[table]; !ok {
			diffs = append(diffs, table+" vanished")
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, ", ")
}

// Usage is request_count by "keyID/integration".
func Usage(t *testing.T, g *gorm.DB) map[string]int64 {
	t.Helper()
	var rows []struct {
		APIKeyID     string
		Integration  string
		RequestCount int64
	}
	if err := g.Raw("SELECT api_key_id, integration, request_count FROM integration_usages").Scan(&rows).Error; err != nil {
		t.Fatalf("read usage: %v", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.APIKeyID+"/"+r.Integration] = r.RequestCount
	}
	return out
}

// KeysPresent reports which of ids are rows of api_keys.
func KeysPresent(t *testing.T, g *gorm.DB, ids []string) map[string]bool {
	t.Helper()
	present := map[string]bool{}
	for start := 0; start < len(ids); start += 500 {
		var found []string
		if err := g.Raw("SELECT id FROM api_keys WHERE id IN ?", ids[start:min(start+500, len(ids))]).Scan(&found).Error; err != nil {
			t.Fatalf("read keys: %v", err)
		}
		for _, id := range found {
			present[id] = true
		}
	}
	return present
}

// Tally counts admitted requests by "keyID/integration", with the time
// each admission was seen, safely from many goroutines.
type Tally struct {
	mu       sync.Mutex
	byPair   map[string]int64
	times    []time.Time
	statuses map[string]int // "phase status" → count
	errs     []string
}

func NewTally() *Tally {
	return &Tally{byPair: map[string]int64{}, statuses: map[string]int{}}
}

func (c *Tally) Admit(pair string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byPair[pair]++
	c.times = append(c.times, at)
}

func (c *Tally) Status(phase string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statuses[phase+" "+strconv.Itoa(status)]++
}

func (c *Tally) Fail(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) < 20 {
		c.errs = append(c.errs, fmt.Sprintf(format, args...))
	}
}

func (c *Tally) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, v := range c.byPair {
		n += v
	}
	return n
}

// Admitted is the admissions counted so far, by pair.
func (c *Tally) Admitted() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byPair)
}

// Statuses is the answers counted in phase, by status.
func (c *Tally) Statuses(phase string) map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int]int{}
	for k, n := range c.statuses {
		p, s, _ := strings.Cut(k, " ")
		if p == phase {
			status, _ := strconv.Atoi(s)
			out[status] += n
		}
	}
	return out
}

// Failures is what went wrong, the first 20 of it.
func (c *Tally) Failures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.errs)
}

// Since counts admissions seen at or after from.
func (c *Tally) Since(from time.Time) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, at := range c.times {
		if !at.Before(from) {
			n++
		}
	}
	return n
}

// CompareUsage fails unless recorded equals admitted pair by pair.
func CompareUsage(t *testing.T, admitted, recorded map[string]int64) {
	t.Helper()
	var want, got int64
	for pair, n := range admitted {
		want += n
		if recorded[pair] != n {
			t.Errorf("%s: %d requests recorded, %d admitted", pair, recorded[pair], n)
		}
	}
	for pair, n := range recorded {
		got += n
		if _, ok := admitted[pair]; !ok {
			t.Errorf("%s: %d requests recorded, none admitted", pair, n)
		}
	}
	t.Logf("admitted %d requests over %d (key, integration) pairs; recorded %d", want, len(admitted), got)
}

// ProbeCache proves that instance base serves verified keys from its
// cache (so that a test of revocation measures the cache, not a database
// look-up): a key verified there, then deleted behind the service's back
// (no NOTIFY), is still admitted. It retries while the instance's listener
// is still connecting (the cache is bypassed until then).
func ProbeCache(t *testing.T, c *http.Client, creator *Env, owner *User, base string, g *gorm.DB) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; ; i++ {
		keyID, secret := creator.CreateKey(t, owner, "cache probe "+strconv.Itoa(i))
		for range 2 {
			if a, err := VerifyKey(c, base, Bearer(secret), "probe"); err != nil || a.Status != http.StatusOK {
				t.Fatalf("probe key refused by %s: %v %d %s", base, err, a.Status, a.Body)
			}
		}
		if err := g.Exec("DELETE FROM api_keys WHERE id = ?", keyID).Error; err != nil {
			t.Fatal(err)
		}
		a, err := VerifyKey(c, base, Bearer(secret), "probe")
		if err == nil && a.Status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never served a verified key from its cache (is its revocation listener up?)", base)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// NoLeak fails if a response body shows internals: a stack, SQL, a
// driver's words. (assertNoLeak also refuses every 5xx; a 503 UNAVAILABLE
// is right while the database is down.)
func NoLeak(t *testing.T, body string) {
	t.Helper()
	for _, marker := range []string{"goroutine ", ".go:", "panic", "runtime.", "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "SQLSTATE",
		"sqlite", "pgx", "pgconn", "gorm", "dial tcp", "connection refused", "127.0.0.1:"} {
		if strings.Contains(body, marker) {
			t.Errorf("response leaks %q: %.500s", marker, body)
		}
	}
}

// Percentile is the p-th percentile (0..100) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

// Migrations lists the versions and the tables that the PostgreSQL
// migrations create, read from the files so a new migration is covered.
func Migrations(t *testing.T) (versions []int64, tables []string) {
	t.Helper()
	files, err := filepath.Glob(RepoPath("db/migrations/postgres/*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	create := regexp.MustCompile(`(?i)\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([a-z_][a-z0-9_]*)`)
	for _, f := range files {
		base := filepath.Base(f)
		n, err := strconv.ParseInt(strings.SplitN(base, "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration %s has no version: %v", base, err)
		}
		versions = append(versions, n)
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		up, _, _ := strings.Cut(string(raw), "-- +goose Down")
		for _, m := range create.FindAllStringSubmatch(up, -1) {
			tables = append(tables, strings.ToLower(m[1]))
		}
	}
	return versions, tables
}

// Generous lifts the rate limits, which tests that hammer one server
// from one address would otherwise trip.
func Generous(c *config.Config) {
	c.RateLimits.PerKey = 1 << 30
	c.RateLimits.FailedPerIP = 1 << 30
	c.LoginLimits.PerEmail = 1 << 30
	c.LoginLimits.PerIP = 1 << 30
}

// ForEachDB is forEachDB with the rate limits lifted.
func ForEachDBGenerous(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, kind := range DBKinds() {
		t.Run(kind, func(t *testing.T) { fn(t, NewEnv(t, kind, Generous)) })
	}
}
