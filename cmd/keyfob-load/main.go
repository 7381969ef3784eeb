// Command keyfob-load measures Keyfob's hot path against the real server
// binary on loopback with PostgreSQL. It seeds its own account with many
// keys, then measures each target side by side with a baseline the same
// run measures, so the ratios hold on a noisy shared machine:
//
//   - /auth/verify (with usage recording) against the no-op endpoint, closed loop;
//   - GraphQL { viewer { id } } with a key against { __typename } without auth, closed loop;
//   - p99 of /auth/verify against the no-op endpoint at a fixed rate, open loop,
//     over all the requests of all rounds;
//   - with -redis-url, p99 and CPU per request of /auth/verify at a fixed
//     rate on a second server that keeps its rate limits in that Redis,
//     against the first, which keeps them in memory;
//   - with -only builds and -baseline-binary, /auth/verify on that earlier
//     build against this one, both serving the same schema, closed loop: what
//     a change to the keyed path saved, side by side;
//   - every admitted request recorded exactly once, pair by pair (key ×
//     integration), after a graceful stop.
//
// Usage: go run ./cmd/keyfob-load -database-url postgres://... [flags]
package main

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/loadkit"
)

type options struct {
	databaseURL  string
	binary       string
	baseBinary   string
	keys         int
	integrations int
	duration     time.Duration
	workers      uint64
	rate         int
	rounds       int
	settle       time.Duration
	profileDir   string
	only         string
	redisURL     string
}

func main() {
	var o options
	flag.StringVar(&o.databaseURL, "database-url", cmp.Or(os.Getenv("DATABASE_URL"), os.Getenv("TEST_DATABASE_URL")), "PostgreSQL URL; a fresh schema is made in it and dropped afterwards")
	flag.StringVar(&o.binary, "binary", "", "keyfob binary to measure (default: build it from this checkout)")
	flag.StringVar(&o.baseBinary, "baseline-binary", "", "an earlier keyfob binary: the baselines ({ __typename }, /noop) are also measured on it, alternating with this build's, to show that they cost no more server CPU than before")
	flag.IntVar(&o.keys, "keys", 1000, "API keys to seed")
	flag.IntVar(&o.integrations, "integrations", 10, "distinct X-System values to spread requests over")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "length of each measured attack")
	flag.Uint64Var(&o.workers, "workers", 16, "concurrent connections for the closed-loop throughput runs")
	flag.IntVar(&o.rate, "rate", 2000, "requests per second for the open-loop latency runs")
	flag.IntVar(&o.rounds, "rounds", 11, "alternating baseline/candidate rounds per comparison")
	flag.DurationVar(&o.settle, "settle", 1500*time.Millisecond, "pause after each run, longer than the server's usage flush interval, so that a run's last flush is charged to it and not to the next run")
	flag.StringVar(&o.profileDir, "profile-dir", "", "write CPU profiles of the server and of this command for every run into this directory")
	flag.StringVar(&o.only, "only", "", "run only these comparisons, comma-separated: verify, graphql, latency, redis, builds (the exactness check always runs; builds runs only when named, with -baseline-binary)")
	flag.StringVar(&o.redisURL, "redis-url", "", "a Redis for the redis comparison: a second server keeps its rate limits there (the comparison runs only when this is set)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "keyfob-load:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if !db.IsPostgres(o.databaseURL) {
		return errors.New("set -database-url (or DATABASE_URL) to a postgres:// URL")
	}
	selected, err := comparisons(o.only, o.redisURL != "")
	if err != nil {
		return err
	}
	if selected["builds"] && o.baseBinary == "" {
		return errors.New("-only builds needs -baseline-binary")
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
	// The first server keeps its limits in memory, whatever the
	// environment says.
	srv, err := startServer(binary, dsn, o.profileDir, o.keys, "-redis-url=")
	if err != nil {
		return err
	}
	defer srv.cmd.Process.Kill()
	var baseSrv *server
	if o.baseBinary != "" {
		// Comparing builds on keyed requests needs the earlier build to
		// know the same keys: it serves the same schema, as a second
		// instance would. Otherwise it gets one of its own.
		baseDSN := dsn
		if !selected["builds"] {
			var dropBase func()
			if baseDSN, dropBase, err = freshSchema(o.databaseURL); err != nil {
				return err
			}
			defer dropBase()
		}
		if baseSrv, err = startServer(o.baseBinary, baseDSN, "", o.keys); err != nil {
			return err
		}
		defer baseSrv.cmd.Process.Kill()
	}

	fmt.Printf("seeding %d keys ...\n", o.keys)
	keys, err := seed(srv.url, o.keys)
	if err != nil {
		return err
	}
	integrations := make([]string, o.integrations)
	for i := range integrations {
		integrations[i] = "integration-" + strconv.Itoa(i)
	}
	p := newPairs(keys, integrations)
	verify := side{name: "/auth/verify", targeter: func() vegeta.Targeter { return p.pathTargeter(srv.url + "/auth/verify") }}
	// The baseline request is the same request, headers and all, to an
	// endpoint that ignores it: the difference is Keyfob's own work.
	noop := side{name: "/noop", targeter: func() vegeta.Targeter { return p.pathTargeter(srv.url + "/noop") }}
	typename := side{name: "{ __typename } anonymous", targeter: func() vegeta.Targeter { return p.graphqlTargeter(srv.url, `{ __typename }`, false) }}
	// Warm the cache: every key verified once.
	warm := measure(verify.targeter(), vegeta.Rate{Freq: 0}, o.workers, 0, uint64(len(keys)), p)
	if warm.StatusCodes["200"] != len(keys) {
		return fmt.Errorf("warm-up failed: %v %v", warm.StatusCodes, warm.Errors)
	}
	time.Sleep(o.settle)

	var summary []string
	judge := func(ok bool, target, figure string) {
		summary = append(summary, fmt.Sprintf("%s  %-40s %s", map[bool]string{true: "PASS", false: "MISS"}[ok], target, figure))
	}
	closed := vegeta.Rate{Freq: 0}
	// compareThroughput runs one closed-loop comparison. Its verdict is
	// the server's CPU per request, candidate against baseline, over all
	// rounds (issue 16); the median round's throughput ratio is reported.
	compareThroughput := func(base, cand side, target float64) {
		throughput := func(r round) float64 { return r.cand.Throughput / r.base.Throughput }
		c := compare(o, base, cand, closed, p, srv)
		ratio := median(c.rounds, throughput)
		c.report(func(r round) string { return fmt.Sprintf("%.1f%%", 100*throughput(r)) })
		c.reportCPU()
		cpu := c.serverCPURatio()
		fmt.Printf("  -> %s reaches %.1f%% of %s's throughput (median round); its server CPU per request is %.2fx (all rounds; target <= %.1fx)\n",
			cand.name, 100*ratio, base.name, cpu, target)
		judge(cpu <= target, cand.name+" server CPU/request", fmt.Sprintf("%.3fx of %s (<= %.1f; the median round %.3fx); throughput %.3f",
			cpu, base.name, target, median(c.rounds, round.serverCPURatio), ratio))
	}
	if selected["verify"] || selected["graphql"] {
		fmt.Printf("\nclosed loop, %d workers, %v per run, %d alternating rounds; the verdict is the server CPU per request over all rounds, beside the median round's\n", o.workers, o.duration, o.rounds)
	}
	if selected["verify"] {
		compareThroughput(noop, verify, 1.2)
	}
	if selected["graphql"] {
		viewer := side{name: "{ viewer { id } } with key", targeter: func() vegeta.Targeter { return p.graphqlTargeter(srv.url, `{ viewer { id } }`, true) }}
		compareThroughput(typename, viewer, 1.2)
	}
	if selected["builds"] {
		// The keyed request on the earlier build against this one: what
		// this build's changes to the keyed path saved, alternating on the
		// same machine and data.
		earlier := side{name: "/auth/verify (baseline build)", server: baseSrv,
			targeter: func() vegeta.Targeter { return p.pathTargeter(baseSrv.url + "/auth/verify") }}
		fmt.Printf("\nkeyed requests, closed loop: %s against this build, alternating\n", o.baseBinary)
		c := compare(o, earlier, verify, closed, p, srv)
		c.reportCPU()
		fmt.Printf("  -> /auth/verify costs this build %.3fx the server CPU per request of the baseline build (all rounds; the median round %.3fx)\n",
			c.serverCPURatio(), median(c.rounds, round.serverCPURatio))
	}
	if baseSrv != nil && (selected["verify"] || selected["graphql"]) {
		// The baselines on the earlier build against this one: a ratio
		// above must not improve by making them dearer.
		fmt.Printf("\nbaselines, closed loop: %s against this build, alternating\n", o.baseBinary)
		for _, b := range []side{noop, typename} {
			earlier := side{name: b.name + " (baseline build)", server: baseSrv, targeter: b.targeter}
			if b.name == "/noop" {
				earlier.targeter = func() vegeta.Targeter { return p.pathTargeter(baseSrv.url + "/noop") }
			} else {
				earlier.targeter = func() vegeta.Targeter { return p.graphqlTargeter(baseSrv.url, `{ __typename }`, false) }
			}
			c := compare(o, earlier, b, closed, p, srv)
			c.reportCPU()
			cpu := c.serverCPURatio()
			fmt.Printf("  -> %s costs this build %.2fx the server CPU per request of the baseline build (all rounds)\n", b.name, cpu)
			judge(cpu <= 1.05, b.name+" vs baseline build", fmt.Sprintf("%.3fx server CPU/request (<= 1.05, the rounds' noise; the median round %.3fx)",
				cpu, median(c.rounds, round.serverCPURatio)))
		}
	}
	if selected["latency"] {
		open := vegeta.Rate{Freq: o.rate, Per: time.Second}
		fmt.Printf("\nopen loop at %d requests/s, %v per run, %d alternating rounds; the verdict is the p99 of all rounds' requests\n", o.rate, o.duration, o.rounds)
		c := compare(o, noop, verify, open, p, srv)
		p99 := func(r round) time.Duration { return r.cand.Latencies.P99 - r.base.Latencies.P99 }
		c.report(func(r round) string { return "p99 +" + p99(r).Round(time.Microsecond).String() })
		c.reportCPU()
		diff := c.cand.Latencies.P99 - c.base.Latencies.P99
		fmt.Printf("  all rounds: /noop %d requests p99 %v; /auth/verify %d requests p99 %v\n",
			c.base.Requests, c.base.Latencies.P99.Round(time.Microsecond), c.cand.Requests, c.cand.Latencies.P99.Round(time.Microsecond))
		fmt.Printf("  -> p99 difference %v (all rounds; target <= 1ms); median of the rounds' differences %v\n",
			diff.Round(time.Microsecond), time.Duration(median(c.rounds, func(r round) float64 { return float64(p99(r)) })).Round(time.Microsecond))
		judge(diff <= time.Millisecond, fmt.Sprintf("p99 difference at %d/s", o.rate), fmt.Sprintf("%v (<= 1ms)", diff))
	}

	if selected["redis"] {
		if err := compareRedis(o, binary, dsn, srv, p, judge); err != nil {
			return err
		}
	}

	fmt.Println("\nstopping the server (SIGTERM) and checking usage counts pair by pair ...")
	if err := srv.stop(); err != nil {
		return err
	}
	if selected["builds"] {
		// The earlier build admitted some of the keyed requests too.
		if err := baseSrv.stop(); err != nil {
			return err
		}
	}
	recorded, err := recordedRequests(dsn, p)
	if err != nil {
		return err
	}
	var admittedTotal, recordedTotal int64
	differ := 0
	for i := range p.admitted {
		a := p.admitted[i].Load()
		admittedTotal += a
		recordedTotal += recorded[i]
		if recorded[i] != a {
			differ++
		}
	}
	fmt.Printf("  admitted key-authenticated requests %d, recorded %d; %d of %d (key, integration) pairs differ\n",
		admittedTotal, recordedTotal, differ, len(p.admitted))

	judge(recordedTotal == admittedTotal && differ == 0, "usage exactness",
		fmt.Sprintf("%d admitted, %d recorded, %d pairs differ", admittedTotal, recordedTotal, differ))
	fmt.Println("\nsummary")
	for _, line := range summary {
		fmt.Println("  " + line)
	}
	return nil
}

// compareRedis starts a second server on the same database, keeping its
// rate limits in o.redisURL, and measures /auth/verify on it against the
// first server at o.rate, open loop. It stops the second server before
// returning, so that its usage is written for the exactness check.
func compareRedis(o options, binary, dsn string, local *server, p *pairs, judge func(bool, string, string)) error {
	shared, err := startServer(binary, dsn, o.profileDir, o.keys, "-redis-url", o.redisURL)
	if err != nil {
		return err
	}
	defer shared.cmd.Process.Kill()
	withLocal := side{"/auth/verify, limits in memory", func() vegeta.Targeter { return p.pathTargeter(local.url + "/auth/verify") }, local}
	withRedis := side{"/auth/verify, limits in Redis", func() vegeta.Targeter { return p.pathTargeter(shared.url + "/auth/verify") }, shared}
	warm := measure(withRedis.targeter(), vegeta.Rate{Freq: 0}, o.workers, 0, uint64(len(p.keys)), p)
	if warm.StatusCodes["200"] != len(p.keys) {
		return fmt.Errorf("warm-up of the server on Redis failed: %v %v", warm.StatusCodes, warm.Errors)
	}
	time.Sleep(o.settle)
	open := vegeta.Rate{Freq: o.rate, Per: time.Second}
	fmt.Printf("\nopen loop at %d requests/s, %v per run, %d alternating rounds: two servers on one database, one keeping its limits in Redis\n", o.rate, o.duration, o.rounds)
	c := compare(o, withLocal, withRedis, open, p, local)
	p99 := func(r round) time.Duration { return r.cand.Latencies.P99 - r.base.Latencies.P99 }
	c.report(func(r round) string { return "p99 +" + p99(r).Round(time.Microsecond).String() })
	c.reportCPU()
	diff := c.cand.Latencies.P99 - c.base.Latencies.P99
	fmt.Printf("  all rounds: in memory %d requests p99 %v; in Redis %d requests p99 %v\n",
		c.base.Requests, c.base.Latencies.P99.Round(time.Microsecond), c.cand.Requests, c.cand.Latencies.P99.Round(time.Microsecond))
	fmt.Printf("  -> p99 difference %v (all rounds; target <= 1ms); median of the rounds' differences %v\n",
		diff.Round(time.Microsecond), time.Duration(median(c.rounds, func(r round) float64 { return float64(p99(r)) })).Round(time.Microsecond))
	judge(diff <= time.Millisecond, fmt.Sprintf("p99 cost of Redis at %d/s", o.rate), fmt.Sprintf("%v (<= 1ms)", diff))
	// A loss sends requests to the in-memory limits until a probe finds
	// Redis again: the figures above are Redis's only if there was none.
	losses, err := metricValue(shared.url, "keyfob_rate_limit_redis_losses_total")
	if err != nil {
		return err
	}
	fmt.Printf("  times the server on Redis lost it (a call past -redis-timeout) and limited in memory until it answered: %v\n", losses)
	judge(losses == 0, "requests limited in Redis", fmt.Sprintf("%v losses of Redis (want 0)", losses))
	if c.cand.Success < 1 {
		return fmt.Errorf("the server on Redis failed %.4f%% of requests: %v", 100*(1-c.cand.Success), c.cand.StatusCodes)
	}
	return shared.stop()
}

// metricValue reads one unlabelled metric from base's /metrics.
func metricValue(base, name string) (float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		if value, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(value, 64)
		}
	}
	return 0, fmt.Errorf("%s/metrics has no %s", base, name)
}

// comparisons parses -only: the set of comparisons to run, all by default
// (redis only when there is a Redis to run it with).
func comparisons(only string, haveRedis bool) (map[string]bool, error) {
	all := []string{"verify", "graphql", "latency", "redis", "builds"}
	selected := map[string]bool{}
	if only == "" {
		for _, name := range all {
			if name != "builds" && (name != "redis" || haveRedis) {
				selected[name] = true
			}
		}
		return selected, nil
	}
	for name := range strings.SplitSeq(only, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(all, name) {
			return nil, fmt.Errorf("-only: unknown comparison %q (want some of %s)", name, strings.Join(all, ", "))
		}
		if name == "redis" && !haveRedis {
			return nil, errors.New("-only redis needs -redis-url")
		}
		selected[name] = true
	}
	return selected, nil
}

// side is one kind of request a comparison measures.
type side struct {
	name     string
	targeter func() vegeta.Targeter // a fresh one per run
	// server is the one the side's requests reach, when it is not the
	// comparison's: its CPU and profile are the side's.
	server *server
}

// round is one baseline run and the candidate run right after it, with
// the CPU time each took.
type round struct {
	base, cand       *vegeta.Metrics
	baseCPU, candCPU cpuTime
}

// serverCPURatio is the round's candidate server CPU per request over its
// baseline's (0 when either is missing).
func (r round) serverCPURatio() float64 {
	if r.base.Requests == 0 || r.cand.Requests == 0 || r.baseCPU.server == 0 {
		return 0
	}
	return (float64(r.candCPU.server) / float64(r.cand.Requests)) / (float64(r.baseCPU.server) / float64(r.base.Requests))
}

// comparison holds each round and, per side, every request of every round
// and the CPU time all of them took.
type comparison struct {
	baseName, candName string
	rounds             []round
	base, cand         *vegeta.Metrics
	baseCPU, candCPU   cpuTime
}

// compare runs baseline and candidate alternately, round after round, so
// that the machine's noise falls on both sides of each comparison. Each run
// is followed by a pause before its CPU is read: the usage flush of a
// keyed run's last second would otherwise land in the next run, slowing
// the baseline and charging it the candidate's work.
func compare(o options, baseline, candidate side, rate vegeta.Rate, p *pairs, srv *server) comparison {
	c := comparison{baseName: baseline.name, candName: candidate.name,
		rounds: make([]round, o.rounds), base: &vegeta.Metrics{}, cand: &vegeta.Metrics{}}
	run := func(s side, pooled *vegeta.Metrics, cpu, roundCPU *cpuTime) *vegeta.Metrics {
		target := cmp.Or(s.server, srv)
		pid := target.cmd.Process.Pid
		before := sampleCPU(pid)
		stopProfile := target.profiler.start(s.name, o.duration)
		m := measure(s.targeter(), rate, o.workers, o.duration, 0, p, pooled)
		if err := stopProfile(); err != nil {
			fmt.Fprintln(os.Stderr, "keyfob-load: profile:", err)
		}
		time.Sleep(o.settle)
		*roundCPU = sampleCPU(pid).sub(before)
		*cpu = cpu.add(*roundCPU)
		return m
	}
	for i := range c.rounds {
		r := &c.rounds[i]
		r.base = run(baseline, c.base, &c.baseCPU, &r.baseCPU)
		r.cand = run(candidate, c.cand, &c.candCPU, &r.candCPU)
	}
	c.base.Close()
	c.cand.Close()
	return c
}

// reportCPU prints what one request of each side cost the machine, over
// all rounds, and the server's CPU per request round by round.
func (c comparison) reportCPU() {
	for i, r := range c.rounds {
		fmt.Printf("  round %d server CPU per request: %s %s, %s %s -> %.3fx\n", i+1,
			c.baseName, serverPerRequest(r.baseCPU, r.base.Requests), c.candName, serverPerRequest(r.candCPU, r.cand.Requests), r.serverCPURatio())
	}
	fmt.Printf("  CPU per request, all rounds:\n    %-28s %s\n    %-28s %s\n",
		c.baseName, c.baseCPU.perRequest(c.base.Requests), c.candName, c.candCPU.perRequest(c.cand.Requests))
	fmt.Printf("  server CPU per request, %s against %s: %.3fx all rounds, %.3fx the median round\n",
		c.candName, c.baseName, c.serverCPURatio(), median(c.rounds, round.serverCPURatio))
}

// serverPerRequest is the server's CPU time per request, in microseconds.
func serverPerRequest(c cpuTime, n uint64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f µs", float64(c.server)/float64(time.Microsecond)/float64(n))
}

// serverCPURatio is the candidate's server CPU per request over the
// baseline's, over all rounds.
func (c comparison) serverCPURatio() float64 {
	if c.base.Requests == 0 || c.cand.Requests == 0 || c.baseCPU.server == 0 {
		return 0
	}
	return (float64(c.candCPU.server) / float64(c.cand.Requests)) / (float64(c.baseCPU.server) / float64(c.base.Requests))
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

// measure attacks for d (or for n requests when n > 0), adds every result
// to the pooled metrics too, and counts admitted key-authenticated
// requests by pair.
func measure(tr vegeta.Targeter, rate vegeta.Rate, workers uint64, d time.Duration, n uint64, p *pairs, pooled ...*vegeta.Metrics) *vegeta.Metrics {
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
		for _, pm := range pooled {
			pm.Add(res)
		}
		p.count(res)
	}
	m.Close()
	return &m
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

// pairs spreads requests over every (key, integration) pair and counts,
// pair by pair, the requests Keyfob admitted. Each request names its pair
// in a query parameter that Keyfob ignores, so a result tells its pair.
type pairs struct {
	keys         []seededKey
	bearer       []string // "Bearer <secret>" by key
	integrations []string
	admitted     []atomic.Int64 // by pair: key*len(integrations) + integration
}

func newPairs(keys []seededKey, integrations []string) *pairs {
	p := &pairs{keys: keys, integrations: integrations, admitted: make([]atomic.Int64, len(keys)*len(integrations))}
	for _, k := range keys {
		p.bearer = append(p.bearer, "Bearer "+k.secret)
	}
	return p
}

// pair n of a run: keys vary fastest, then integrations, so every pair is
// used in turn.
func (p *pairs) pair(n uint64) (key, integration, index int) {
	key = int(n % uint64(len(p.keys)))
	integration = int(n / uint64(len(p.keys)) % uint64(len(p.integrations)))
	return key, integration, key*len(p.integrations) + integration
}

func (p *pairs) pathTargeter(target string) vegeta.Targeter {
	var i atomic.Uint64
	return func(t *vegeta.Target) error {
		key, integration, index := p.pair(i.Add(1))
		t.Method, t.URL = "GET", target+"?pair="+strconv.Itoa(index)
		t.Header = http.Header{"Authorization": {p.bearer[key]}, "X-System": {p.integrations[integration]}}
		return nil
	}
}

func (p *pairs) graphqlTargeter(base, query string, withKey bool) vegeta.Targeter {
	body, _ := json.Marshal(map[string]string{"query": query})
	var i atomic.Uint64
	return func(t *vegeta.Target) error {
		key, integration, index := p.pair(i.Add(1))
		t.Method, t.URL, t.Body = "POST", base+"/graphql?pair="+strconv.Itoa(index), body
		t.Header = http.Header{"Content-Type": {"application/json"}}
		if withKey {
			t.Header["Authorization"] = []string{p.bearer[key]}
			t.Header["X-System"] = []string{p.integrations[integration]}
		}
		return nil
	}
}

// count adds res to its pair if Keyfob admitted it with a key: a 200 from
// /auth/verify, or a GraphQL answer carrying the per-key rate-limit headers.
func (p *pairs) count(res *vegeta.Result) {
	if res.Code != http.StatusOK {
		return
	}
	u, err := url.Parse(res.URL)
	if err != nil {
		return
	}
	keyed := u.Path == "/auth/verify" || u.Path == "/graphql" && res.Headers.Get("X-RateLimit-Limit") != ""
	index, err := strconv.Atoi(u.Query().Get("pair"))
	if keyed && err == nil && index >= 0 && index < len(p.admitted) {
		p.admitted[index].Add(1)
	}
}

func (c comparison) report(verdict func(round) string) {
	for i, r := range c.rounds {
		for _, side := range []struct {
			name string
			m    *vegeta.Metrics
		}{{c.baseName, r.base}, {c.candName, r.cand}} {
			fmt.Printf("  round %d %-28s %8.0f req/s  p50 %-9v p99 %-9v success %.4f\n", i+1, side.name,
				side.m.Throughput, side.m.Latencies.P50.Round(time.Microsecond), side.m.Latencies.P99.Round(time.Microsecond), side.m.Success)
		}
		fmt.Printf("  round %d -> %s\n", i+1, verdict(r))
	}
}

type server struct {
	cmd      *exec.Cmd
	url      string
	done     chan error
	profiler *profiler // nil unless -profile-dir is set
}

// startServer starts binary on a free loopback port, letting its one user
// hold the keys the run seeds; with profileDir set it also serves Go's
// profiler, on another port.
func startServer(binary, dsn, profileDir string, keys int, flags ...string) (*server, error) {
	addr, err := loadkit.FreeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"-addr", addr, "-database-url", dsn, "-noop-endpoint",
		"-log-level", "warn", "-rate-limit", "1000000000", "-playground=false",
		"-max-keys-per-user", strconv.Itoa(keys), "-max-keys-per-account", strconv.Itoa(keys)}
	args = append(args, flags...)
	var prof *profiler
	if profileDir != "" {
		pprofAddr, err := loadkit.FreeAddr()
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "-pprof-addr", pprofAddr)
		prof = &profiler{dir: profileDir, serverURL: "http://" + pprofAddr}
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, url: "http://" + addr, done: make(chan error, 1), profiler: prof}
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

type seededKey struct{ id, secret string }

// seed signs an account up and creates n keys.
func seed(base string, n int) ([]seededKey, error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	var signUp struct {
		SignUp struct{ Token string } `json:"signUp"`
	}
	err := loadkit.GraphQL(base, "", `mutation($e: String!) { signUp(input: {accountName: "Load", name: "Load", email: $e, password: "load-test-password"}) { token } }`,
		map[string]any{"e": "load-" + hex.EncodeToString(b[:]) + "@example.test"}, &signUp)
	if err != nil {
		return nil, err
	}
	keys := make([]seededKey, n)
	for i := range keys {
		var created struct {
			CreateAPIKey struct {
				Secret string
				APIKey struct{ ID string } `json:"apiKey"`
			} `json:"createApiKey"`
		}
		if err := loadkit.GraphQL(base, signUp.SignUp.Token, `mutation($n: String!) { createApiKey(input: {name: $n}) { secret apiKey { id } } }`,
			map[string]any{"n": "load key " + strconv.Itoa(i)}, &created); err != nil {
			return nil, err
		}
		keys[i] = seededKey{id: created.CreateAPIKey.APIKey.ID, secret: created.CreateAPIKey.Secret}
	}
	return keys, nil
}

// freshSchema makes an empty schema for this run and returns a URL using it.
func freshSchema(base string) (string, func(), error) {
	admin, err := db.OpenRaw(base)
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

// recordedRequests reads the stored request counts by pair, in the order
// p counts them. A row for a pair p does not know is an error: every
// request this run sent named a known pair.
func recordedRequests(dsn string, p *pairs) ([]int64, error) {
	g, err := db.OpenRaw(dsn)
	if err != nil {
		return nil, err
	}
	defer func() {
		if sqlDB, err := g.DB(); err == nil {
			sqlDB.Close()
		}
	}()
	var rows []struct {
		KeyID        string
		Integration  string
		RequestCount int64
	}
	if err := g.Raw("SELECT api_key_id AS key_id, integration, request_count FROM integration_usages").Scan(&rows).Error; err != nil {
		return nil, err
	}
	keyIndex := map[string]int{}
	for i, k := range p.keys {
		keyIndex[k.id] = i
	}
	integrationIndex := map[string]int{}
	for i, name := range p.integrations {
		integrationIndex[name] = i
	}
	recorded := make([]int64, len(p.admitted))
	for _, r := range rows {
		k, okKey := keyIndex[r.KeyID]
		m, okIntegration := integrationIndex[r.Integration]
		if !okKey || !okIntegration {
			return nil, fmt.Errorf("usage recorded for a pair this run never sent: key %s, integration %q", r.KeyID, r.Integration)
		}
		recorded[k*len(p.integrations)+m] = r.RequestCount
	}
	return recorded, nil
}
