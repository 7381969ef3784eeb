// Command keyfob-load measures Keyfob's hot path against the real server
// binary on loopback with PostgreSQL. It seeds its own account with many
// keys, then measures each target side by side with a baseline the same
// run measures, so the ratios hold on a noisy shared machine:
//
//   - /auth/verify (with usage recording) against the no-op endpoint, closed loop;
//   - GraphQL { viewer { id } } with a key against { __typename } without auth, closed loop;
//   - p99 of /auth/verify against the no-op endpoint at a fixed rate, open loop;
//   - every admitted verification recorded exactly once, after a graceful stop.
//
// Usage: go run ./cmd/keyfob-load -database-url postgres://... [flags]
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

type options struct {
	databaseURL  string
	binary       string
	keys         int
	integrations int
	duration     time.Duration
	workers      uint64
	rate         int
	rounds       int
}

func main() {
	var o options
	flag.StringVar(&o.databaseURL, "database-url", firstNonEmpty(os.Getenv("DATABASE_URL"), os.Getenv("TEST_DATABASE_URL")), "PostgreSQL URL; a fresh schema is made in it and dropped afterwards")
	flag.StringVar(&o.binary, "binary", "", "keyfob binary to measure (default: build it from this checkout)")
	flag.IntVar(&o.keys, "keys", 1000, "API keys to seed")
	flag.IntVar(&o.integrations, "integrations", 10, "distinct X-System values to spread requests over")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measured attack")
	flag.Uint64Var(&o.workers, "workers", 16, "concurrent connections for the closed-loop throughput runs")
	flag.IntVar(&o.rate, "rate", 2000, "requests per second for the open-loop latency runs")
	flag.IntVar(&o.rounds, "rounds", 5, "alternating baseline/candidate rounds per comparison; the verdict is the median round")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "keyfob-load:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.databaseURL == "" {
		return errors.New("set -database-url (or DATABASE_URL) to a PostgreSQL URL")
	}
	dsn, drop, err := freshSchema(o.databaseURL)
	if err != nil {
		return err
	}
	defer drop()
	binary := o.binary
	if binary == "" {
		dir, err := os.MkdirTemp("", "keyfob-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "keyfob")
		fmt.Println("building keyfob ...")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	srv, err := startServer(binary, dsn)
	if err != nil {
		return err
	}
	defer srv.cmd.Process.Kill()

	fmt.Printf("seeding %d keys ...\n", o.keys)
	secrets, err := seed(srv.url, o.keys)
	if err != nil {
		return err
	}
	integrations := make([]string, o.integrations)
	for i := range integrations {
		integrations[i] = "integration-" + strconv.Itoa(i)
	}
	var admitted atomic.Int64
	verify := func() vegeta.Targeter { return verifyTargeter(srv.url, secrets, integrations) }
	// The baseline request is the same request, headers and all, to an
	// endpoint that ignores it: the difference is Keyfob's own work.
	noop := pathTargeter(srv.url+"/noop", secrets, integrations)
	// Warm the cache: every key verified once.
	warm := measure(verifyTargeter(srv.url, secrets, integrations), vegeta.Rate{Freq: 0}, o.workers, 0, uint64(len(secrets)), &admitted)
	if warm.StatusCodes["200"] != len(secrets) {
		return fmt.Errorf("warm-up failed: %v %v", warm.StatusCodes, warm.Errors)
	}

	closed := vegeta.Rate{Freq: 0}
	fmt.Printf("\nclosed loop, %d workers, %v per run, %d alternating rounds; the verdict is the median round\n", o.workers, o.duration, o.rounds)
	rounds := compare(o, noop, verify, closed, &admitted)
	ratio1 := median(rounds, func(r round) float64 { return r.cand.Throughput / r.base.Throughput })
	report(rounds, "/noop", "/auth/verify", func(r round) string {
		return fmt.Sprintf("%.1f%%", 100*r.cand.Throughput/r.base.Throughput)
	})
	fmt.Printf("  -> /auth/verify reaches %.1f%% of /noop (median; target >= 70%%)\n", 100*ratio1)

	typename := graphqlTargeter(srv.url, `{ __typename }`, nil, nil)
	viewer := func() vegeta.Targeter { return graphqlTargeter(srv.url, `{ viewer { id } }`, secrets, integrations) }
	rounds = compare(o, typename, viewer, closed, &admitted)
	ratio2 := median(rounds, func(r round) float64 { return r.cand.Throughput / r.base.Throughput })
	report(rounds, "{ __typename } anonymous", "{ viewer { id } } with key", func(r round) string {
		return fmt.Sprintf("%.1f%%", 100*r.cand.Throughput/r.base.Throughput)
	})
	fmt.Printf("  -> { viewer { id } } reaches %.1f%% of { __typename } (median; target >= 85%%)\n", 100*ratio2)

	open := vegeta.Rate{Freq: o.rate, Per: time.Second}
	fmt.Printf("\nopen loop at %d requests/s, %v per run, %d alternating rounds; the verdict is the median round\n", o.rate, o.duration, o.rounds)
	rounds = compare(o, noop, verify, open, &admitted)
	p99 := func(r round) float64 { return float64(r.cand.Latencies.P99 - r.base.Latencies.P99) }
	diff := time.Duration(median(rounds, p99))
	report(rounds, "/noop", "/auth/verify", func(r round) string { return "p99 +" + time.Duration(p99(r)).Round(time.Microsecond).String() })
	fmt.Printf("  -> p99 difference %v (median; target <= 1ms)\n", diff.Round(time.Microsecond))

	fmt.Println("\nstopping the server (SIGTERM) and checking usage counts ...")
	if err := srv.stop(); err != nil {
		return err
	}
	recorded, err := recordedRequests(dsn)
	if err != nil {
		return err
	}
	fmt.Printf("  admitted key-authenticated requests %d, recorded %d\n", admitted.Load(), recorded)

	fmt.Println("\nsummary")
	verdict := func(ok bool) string { return map[bool]string{true: "PASS", false: "MISS"}[ok] }
	fmt.Printf("  %s  /auth/verify throughput ratio   %.3f (>= 0.70)\n", verdict(ratio1 >= 0.70), ratio1)
	fmt.Printf("  %s  GraphQL viewer throughput ratio %.3f (>= 0.85)\n", verdict(ratio2 >= 0.85), ratio2)
	fmt.Printf("  %s  p99 difference at %d/s         %v (<= 1ms)\n", verdict(diff <= time.Millisecond), o.rate, diff)
	fmt.Printf("  %s  usage exactness                 %d admitted, %d recorded\n", verdict(recorded == admitted.Load()), admitted.Load(), recorded)
	return nil
}

// round is one baseline run and the candidate run right after it.
type round struct{ base, cand *vegeta.Metrics }

// compare runs baseline and candidate alternately, round after round, so
// that the machine's noise falls on both sides of each comparison.
func compare(o options, baseline vegeta.Targeter, candidate func() vegeta.Targeter, rate vegeta.Rate, admitted *atomic.Int64) []round {
	var discard atomic.Int64
	rounds := make([]round, o.rounds)
	for i := range rounds {
		rounds[i].base = measure(baseline, rate, o.workers, o.duration, 0, &discard)
		rounds[i].cand = measure(candidate(), rate, o.workers, o.duration, 0, admitted)
	}
	return rounds
}

// median of f over the rounds: one disturbed round cannot decide the verdict.
func median(rounds []round, f func(round) float64) float64 {
	values := make([]float64, len(rounds))
	for i, r := range rounds {
		values[i] = f(r)
	}
	slices.Sort(values)
	if n := len(values); n%2 == 0 {
		return (values[n/2-1] + values[n/2]) / 2
	}
	return values[len(values)/2]
}

// measure attacks for d (or for n requests when n > 0) and counts
// admitted responses carrying a key.
func measure(tr vegeta.Targeter, rate vegeta.Rate, workers uint64, d time.Duration, n uint64, admitted *atomic.Int64) *vegeta.Metrics {
	opts := []func(*vegeta.Attacker){vegeta.KeepAlive(true), vegeta.Connections(int(workers) * 2), vegeta.Timeout(10 * time.Second)}
	if rate.Freq == 0 {
		opts = append(opts, vegeta.Workers(workers), vegeta.MaxWorkers(workers))
	} else {
		opts = append(opts, vegeta.Workers(workers))
	}
	attacker := vegeta.NewAttacker(opts...)
	if n > 0 {
		tr = limitTargets(tr, n)
		d = 0
	}
	var m vegeta.Metrics
	for res := range attacker.Attack(tr, rate, d, "") {
		m.Add(res)
		if res.Code == http.StatusOK && (containsPath(res.URL, "/auth/verify") || keyedGraphQL(res)) {
			admitted.Add(1)
		}
	}
	m.Close()
	return &m
}

func containsPath(u, path string) bool {
	parsed, err := url.Parse(u)
	return err == nil && parsed.Path == path
}

// keyedGraphQL tells the GraphQL requests that carried a key (and so
// recorded usage) from anonymous ones.
func keyedGraphQL(res *vegeta.Result) bool {
	return containsPath(res.URL, "/graphql") && res.Headers.Get("X-RateLimit-Limit") != ""
}

func limitTargets(tr vegeta.Targeter, n uint64) vegeta.Targeter {
	var served atomic.Uint64
	return func(t *vegeta.Target) error {
		if served.Add(1) > n {
			return vegeta.ErrNoTargets
		}
		return tr(t)
	}
}

func verifyTargeter(base string, secrets, integrations []string) vegeta.Targeter {
	return pathTargeter(base+"/auth/verify", secrets, integrations)
}

func pathTargeter(target string, secrets, integrations []string) vegeta.Targeter {
	var i atomic.Uint64
	return func(t *vegeta.Target) error {
		n := i.Add(1)
		t.Method, t.URL = "GET", target
		t.Header = http.Header{
			"Authorization": {"Bearer " + secrets[n%uint64(len(secrets))]},
			"X-System":      {integrations[n%uint64(len(integrations))]},
		}
		return nil
	}
}

func graphqlTargeter(base, query string, secrets, integrations []string) vegeta.Targeter {
	body, _ := json.Marshal(map[string]string{"query": query})
	var i atomic.Uint64
	return func(t *vegeta.Target) error {
		n := i.Add(1)
		t.Method, t.URL, t.Body = "POST", base+"/graphql", body
		t.Header = http.Header{"Content-Type": {"application/json"}}
		if secrets != nil {
			t.Header.Set("Authorization", "Bearer "+secrets[n%uint64(len(secrets))])
			t.Header.Set("X-System", integrations[n%uint64(len(integrations))])
		}
		return nil
	}
}

func report(rounds []round, baseName, candName string, verdict func(round) string) {
	for i, r := range rounds {
		for _, side := range []struct {
			name string
			m    *vegeta.Metrics
		}{{baseName, r.base}, {candName, r.cand}} {
			fmt.Printf("  round %d %-28s %8.0f req/s  p50 %-9v p99 %-9v success %.4f\n", i+1, side.name,
				side.m.Throughput, side.m.Latencies.P50.Round(time.Microsecond), side.m.Latencies.P99.Round(time.Microsecond), side.m.Success)
		}
		fmt.Printf("  round %d -> %s\n", i+1, verdict(r))
	}
}

type server struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

func startServer(binary, dsn string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(binary, "-addr", addr, "-database-url", dsn, "-noop-endpoint",
		"-log-level", "warn", "-rate-limit", "1000000000", "-playground=false")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, url: "http://" + addr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(s.url + "/healthz"); err == nil {
			resp.Body.Close()
			return s, nil
		}
	}
	return nil, errors.New("keyfob did not start")
}

func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		return errors.New("keyfob did not stop within 60 s of SIGTERM")
	}
}

// seed signs an account up and creates n keys, returning their secrets.
func seed(base string, n int) ([]string, error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	var signUp struct {
		SignUp struct{ Token string } `json:"signUp"`
	}
	err := gql(base, "", `mutation($e: String!) { signUp(input: {accountName: "Load", name: "Load", email: $e, password: "load-test-password"}) { token } }`,
		map[string]any{"e": "load-" + hex.EncodeToString(b[:]) + "@example.test"}, &signUp)
	if err != nil {
		return nil, err
	}
	secrets := make([]string, n)
	for i := range secrets {
		var created struct {
			CreateAPIKey struct{ Secret string } `json:"createApiKey"`
		}
		if err := gql(base, signUp.SignUp.Token, `mutation($n: String!) { createApiKey(input: {name: $n}) { secret } }`,
			map[string]any{"n": "load key " + strconv.Itoa(i)}, &created); err != nil {
			return nil, err
		}
		secrets[i] = created.CreateAPIKey.Secret
	}
	return secrets, nil
}

func gql(base, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var parsed struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &parsed); err != nil || len(parsed.Errors) > 0 {
		return fmt.Errorf("graphql: %s", raw)
	}
	return json.Unmarshal(parsed.Data, out)
}

// freshSchema makes an empty schema for this run and returns a URL using it.
func freshSchema(base string) (string, func(), error) {
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return "", nil, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	schema := "keyfob_load_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	}
	return u.String(), drop, nil
}

func recordedRequests(dsn string) (int64, error) {
	g, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return 0, err
	}
	defer func() {
		if sqlDB, err := g.DB(); err == nil {
			sqlDB.Close()
		}
	}()
	var n int64
	err = g.WithContext(context.Background()).Raw("SELECT COALESCE(SUM(request_count), 0) FROM integration_usages").Scan(&n).Error
	return n, err
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
