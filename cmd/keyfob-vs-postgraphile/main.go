// Command keyfob-vs-postgraphile measures Keyfob's key list against
// PostGraphile 4 serving the same PostgreSQL data. For each size it makes a
// fresh database, lets Keyfob migrate it, seeds an account's keys through
// Keyfob's API and their usage rows in SQL, starts PostGraphile on that
// database, checks that both answer the list query alike (the same keys in
// the same order, the same owners and usage rows, the same totalCount),
// then alternates single-client runs of the two and prints the medians:
// latency, and CPU per request of each server and of the PostgreSQL
// backends serving it (by application_name, from /proc).
//
// scripts/bench-key-list installs PostGraphile and runs this command; the
// queries are in queries.graphql.
package main

import (
	"bytes"
	"cmp"
	"crypto/rand"
	_ "embed"
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
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/internal/loadkit"
)

//go:embed queries.graphql
var queries string

type options struct {
	databaseURL  string
	keyfob       string
	postgraphile string
	sizes        string
	rounds       int
	duration     time.Duration
	warmup       int
	profileDir   string
}

func main() {
	var o options
	flag.StringVar(&o.databaseURL, "database-url", cmp.Or(os.Getenv("DATABASE_URL"), os.Getenv("TEST_DATABASE_URL")), "PostgreSQL URL of a role that may create databases; each size gets a fresh database, dropped afterwards")
	flag.StringVar(&o.keyfob, "keyfob", "", "keyfob binary (required)")
	flag.StringVar(&o.postgraphile, "postgraphile", "", "PostGraphile 4's cli.js (required; scripts/bench-key-list installs it)")
	flag.StringVar(&o.sizes, "sizes", "50x5,100x20", "comma-separated sizes, keys x integrations per key")
	flag.IntVar(&o.rounds, "rounds", 11, "alternating rounds per size; each round runs both servers, in turn first")
	flag.DurationVar(&o.duration, "duration", 2*time.Second, "length of each server's run in a round")
	flag.IntVar(&o.warmup, "warmup", 300, "requests to each server before the rounds (Node's JIT, both servers' pools)")
	flag.StringVar(&o.profileDir, "profile-dir", "", "write a CPU profile of Keyfob for each of its runs into this directory (NN-KEYSxINTEGRATIONS-keyfob.pprof)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "keyfob-vs-postgraphile:", err)
		os.Exit(1)
	}
}

type size struct{ keys, integrations int }

func parseSizes(s string) ([]size, error) {
	var out []size
	for part := range strings.SplitSeq(s, ",") {
		k, i, ok := strings.Cut(strings.TrimSpace(part), "x")
		keys, err1 := strconv.Atoi(k)
		integrations, err2 := strconv.Atoi(i)
		if !ok || err1 != nil || err2 != nil || keys < 1 || keys > 100 || integrations < 1 {
			return nil, fmt.Errorf("-sizes: %q is not KEYSxINTEGRATIONS with 1 to 100 keys (one page)", part)
		}
		out = append(out, size{keys, integrations})
	}
	return out, nil
}

func run(o options) error {
	if !db.IsPostgres(o.databaseURL) {
		return errors.New("set -database-url (or DATABASE_URL) to a postgres:// URL")
	}
	if o.keyfob == "" || o.postgraphile == "" {
		return errors.New("-keyfob and -postgraphile are required (scripts/bench-key-list sets both)")
	}
	sizes, err := parseSizes(o.sizes)
	if err != nil {
		return err
	}
	keyfobQuery, pgQuery, err := splitQueries(queries)
	if err != nil {
		return err
	}
	var results []result
	for _, sz := range sizes {
		r, err := measureSize(o, sz, keyfobQuery, pgQuery)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	printTable(o, results)
	return nil
}

// splitQueries takes the two sections of queries.graphql.
func splitQueries(s string) (keyfob, postgraphile string, err error) {
	sections := map[string]string{}
	name := ""
	for line := range strings.SplitSeq(s, "\n") {
		if after, ok := strings.CutPrefix(line, "#### "); ok {
			name = strings.TrimSpace(after)
			continue
		}
		if name != "" {
			sections[name] += line + "\n"
		}
	}
	if sections["keyfob"] == "" || sections["postgraphile"] == "" {
		return "", "", errors.New("queries.graphql needs a #### keyfob and a #### postgraphile section")
	}
	return sections["keyfob"], sections["postgraphile"], nil
}

// result is one size's medians over the rounds.
type result struct {
	size                 size
	rounds               int
	keyfob, postgraphile sideResult
}

type sideResult struct {
	latency         time.Duration // median over rounds of each run's median
	server, backend time.Duration // median over rounds of CPU per request
}

func (s sideResult) cpu() time.Duration { return s.server + s.backend }

func measureSize(o options, sz size, keyfobQuery, pgQuery string) (result, error) {
	fmt.Printf("\n== %d keys x %d integrations\n", sz.keys, sz.integrations)
	dsn, drop, err := freshDatabase(o.databaseURL)
	if err != nil {
		return result{}, err
	}
	defer drop()
	admin, err := db.OpenRaw(o.databaseURL)
	if err != nil {
		return result{}, err
	}
	defer closeGorm(admin)

	kf, err := startKeyfob(o.keyfob, withAppName(dsn, "keyfob-bench"), o.profileDir != "")
	if err != nil {
		return result{}, err
	}
	defer kf.stop()
	token, err := seed(kf.url, dsn, sz)
	if err != nil {
		return result{}, err
	}
	pg, err := startPostGraphile(o.postgraphile, withAppName(dsn, "postgraphile-bench"))
	if err != nil {
		return result{}, err
	}
	defer pg.stop()

	vars := map[string]any{"first": sz.keys}
	keyfobSide := side{name: "Keyfob", srv: kf, appName: "keyfob-bench", body: graphqlBody(keyfobQuery, vars), token: token}
	pgSide := side{name: "PostGraphile", srv: pg, appName: "postgraphile-bench", body: graphqlBody(pgQuery, vars)}
	rows, err := checkEqual(&keyfobSide, &pgSide, sz)
	if err != nil {
		return result{}, err
	}
	fmt.Printf("answers equal: %d keys in the same order, totalCount %d, %d usage rows, owners alike\n", sz.keys, sz.keys, rows)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	for _, s := range []*side{&keyfobSide, &pgSide} {
		for range o.warmup {
			if _, err := s.request(client); err != nil {
				return result{}, fmt.Errorf("%s warm-up: %w", s.name, err)
			}
		}
	}
	var kfRuns, pgRuns []runResult
	for r := range o.rounds {
		order := []*side{&keyfobSide, &pgSide}
		if r%2 == 1 {
			order = []*side{&pgSide, &keyfobSide}
		}
		for _, s := range order {
			var profiled chan error
			if o.profileDir != "" && s == &keyfobSide {
				profiled = make(chan error, 1)
				path := filepath.Join(o.profileDir, fmt.Sprintf("%02d-%dx%d-keyfob.pprof", r+1, sz.keys, sz.integrations))
				go func() { profiled <- fetchProfile(kf.pprofURL, o.duration, path) }()
			}
			res, err := s.run(client, admin, o.duration)
			if err != nil {
				return result{}, err
			}
			if profiled != nil {
				if err := <-profiled; err != nil {
					return result{}, err
				}
			}
			if s == &keyfobSide {
				kfRuns = append(kfRuns, res)
			} else {
				pgRuns = append(pgRuns, res)
			}
			fmt.Printf("  round %2d %-12s %5d requests  median %-9v CPU/request server %-9v PostgreSQL %v\n", r+1, s.name, res.requests,
				res.median.Round(time.Microsecond), res.serverPer().Round(time.Microsecond), res.backendPer().Round(time.Microsecond))
		}
	}
	return result{size: sz, rounds: o.rounds,
		keyfob: summarize(kfRuns), postgraphile: summarize(pgRuns)}, nil
}

// side is one server and the request it is measured with.
type side struct {
	name    string
	srv     *process
	appName string // the application_name of its database connections
	body    []byte
	token   string
}

func graphqlBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

func (s *side) request(client *http.Client) ([]byte, error) {
	req, _ := http.NewRequest("POST", s.srv.url+"/graphql", bytes.NewReader(s.body))
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s: %.300s", s.name, resp.Status, raw)
	}
	return raw, nil
}

type runResult struct {
	requests        int
	median          time.Duration
	server, backend time.Duration // CPU time over the whole run
}

func (r runResult) serverPer() time.Duration  { return r.server / time.Duration(r.requests) }
func (r runResult) backendPer() time.Duration { return r.backend / time.Duration(r.requests) }

// run sends requests one after another for d and reads the CPU time the
// server and its PostgreSQL backends spent meanwhile.
func (s *side) run(client *http.Client, admin *gorm.DB, d time.Duration) (runResult, error) {
	backendsBefore, err := backendCPU(admin, s.appName)
	if err != nil {
		return runResult{}, err
	}
	serverBefore, err := loadkit.ProcessCPU(strconv.Itoa(s.srv.cmd.Process.Pid))
	if err != nil {
		return runResult{}, err
	}
	var latencies []time.Duration
	for end := time.Now().Add(d); time.Now().Before(end); {
		start := time.Now()
		if _, err := s.request(client); err != nil {
			return runResult{}, err
		}
		latencies = append(latencies, time.Since(start))
	}
	serverAfter, err := loadkit.ProcessCPU(strconv.Itoa(s.srv.cmd.Process.Pid))
	if err != nil {
		return runResult{}, err
	}
	backendsAfter, err := backendCPU(admin, s.appName)
	if err != nil {
		return runResult{}, err
	}
	var backend time.Duration
	for pid, after := range backendsAfter {
		backend += after - backendsBefore[pid] // a backend started during the run counts whole
	}
	return runResult{requests: len(latencies), median: medianOf(latencies), server: serverAfter - serverBefore, backend: backend}, nil
}

func summarize(runs []runResult) sideResult {
	var lat, srv, be []time.Duration
	for _, r := range runs {
		lat = append(lat, r.median)
		srv = append(srv, r.serverPer())
		be = append(be, r.backendPer())
	}
	return sideResult{latency: medianOf(lat), server: medianOf(srv), backend: medianOf(be)}
}

func medianOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// backendCPU reads, by pid, the CPU time of every PostgreSQL backend whose
// connection carries appName.
func backendCPU(admin *gorm.DB, appName string) (map[int]time.Duration, error) {
	var pids []int
	if err := admin.Raw("SELECT pid FROM pg_stat_activity WHERE application_name = ?", appName).Scan(&pids).Error; err != nil {
		return nil, err
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		if t, err := loadkit.ProcessCPU(strconv.Itoa(pid)); err == nil {
			out[pid] = t
		}
	}
	return out, nil
}

// listAnswer is either server's answer, in common terms.
type listAnswer struct {
	total int
	keys  []keyAnswer
}

type keyAnswer struct {
	id, name, last4, owner string
	createdAt              time.Time
	usage                  []usageAnswer
}

type usageAnswer struct {
	integration             string
	firstUsedAt, lastUsedAt time.Time
	requestCount            int64
}

// count reads a number, or a string holding one: PostGraphile writes
// BIGINT columns as strings.
type count int64

func (c *count) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	*c = count(n)
	return err
}

type wireUsage struct {
	Integration             string
	FirstUsedAt, LastUsedAt time.Time
	RequestCount            count
}

type wireKey struct {
	ID, Name, Last4     string
	CreatedAt           time.Time
	Owner, UserByUserID *struct{ Name string }
	UsageByIntegration  []wireUsage
	// PostGraphile nests its list in a connection.
	IntegrationUsagesByAPIKeyID *struct{ Nodes []wireUsage } `json:"integrationUsagesByApiKeyId"`
}

type wireList struct {
	TotalCount int
	Nodes      []wireKey
}

func parseAnswer(raw []byte) (listAnswer, error) {
	var a struct {
		Data struct {
			APIKeys    *wireList `json:"apiKeys"`
			AllAPIKeys *wireList `json:"allApiKeys"`
		}
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return listAnswer{}, err
	}
	list := cmpOr(a.Data.APIKeys, a.Data.AllAPIKeys)
	if len(a.Errors) > 0 || list == nil {
		return listAnswer{}, fmt.Errorf("errors: %.500s", raw)
	}
	out := listAnswer{total: list.TotalCount}
	for _, k := range list.Nodes {
		owner := cmpOr(k.Owner, k.UserByUserID)
		usage := k.UsageByIntegration
		if k.IntegrationUsagesByAPIKeyID != nil {
			usage = k.IntegrationUsagesByAPIKeyID.Nodes
		}
		if owner == nil {
			return listAnswer{}, errors.New("a key without its owner")
		}
		ka := keyAnswer{id: k.ID, name: k.Name, last4: k.Last4, owner: owner.Name, createdAt: k.CreatedAt}
		for _, u := range usage {
			ka.usage = append(ka.usage, usageAnswer{u.Integration, u.FirstUsedAt, u.LastUsedAt, int64(u.RequestCount)})
		}
		out.keys = append(out.keys, ka)
	}
	return out, nil
}

func cmpOr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

// checkEqual fetches both answers and compares them field by field, times
// as instants; it returns how many usage rows the page holds.
func checkEqual(kf, pg *side, sz size) (int, error) {
	client := &http.Client{}
	var answers [2]listAnswer
	for i, s := range []*side{kf, pg} {
		raw, err := s.request(client)
		if err != nil {
			return 0, err
		}
		if answers[i], err = parseAnswer(raw); err != nil {
			return 0, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	a, b := answers[0], answers[1]
	if a.total != sz.keys || b.total != sz.keys || len(a.keys) != sz.keys || len(b.keys) != sz.keys {
		return 0, fmt.Errorf("totalCount %d and %d, %d and %d keys; want %d", a.total, b.total, len(a.keys), len(b.keys), sz.keys)
	}
	rows := 0
	for i := range a.keys {
		x, y := a.keys[i], b.keys[i]
		if x.id != y.id || x.name != y.name || x.last4 != y.last4 || x.owner != y.owner || !x.createdAt.Equal(y.createdAt) || len(x.usage) != len(y.usage) {
			return 0, fmt.Errorf("key %d differs: Keyfob %+v, PostGraphile %+v", i, x, y)
		}
		if len(x.usage) != sz.integrations {
			return 0, fmt.Errorf("key %d has %d usage rows, want %d", i, len(x.usage), sz.integrations)
		}
		for j := range x.usage {
			u, v := x.usage[j], y.usage[j]
			if u.integration != v.integration || u.requestCount != v.requestCount || !u.firstUsedAt.Equal(v.firstUsedAt) || !u.lastUsedAt.Equal(v.lastUsedAt) {
				return 0, fmt.Errorf("key %d usage row %d differs: Keyfob %+v, PostGraphile %+v", i, j, u, v)
			}
			rows++
		}
	}
	return rows, nil
}

type process struct {
	cmd      *exec.Cmd
	url      string
	pprofURL string // Keyfob's, with -profile-dir
	done     chan error
}

// fetchProfile writes a CPU profile of the whole seconds of d to path.
func fetchProfile(pprofURL string, d time.Duration, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", pprofURL, max(int(d/time.Second), 1)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func start(cmd *exec.Cmd, base string, ready func() bool) (*process, error) {
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, url: base, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("%s exited: %v", cmd.Path, err)
		default:
		}
		if ready() {
			return p, nil
		}
	}
	p.stop()
	return nil, fmt.Errorf("%s did not start within 60 s", cmd.Path)
}

// startKeyfob starts Keyfob with its defaults: only its address and
// database are given. Its request log goes to stderr as in production,
// and is dropped here.
func startKeyfob(binary, dsn string, profile bool) (*process, error) {
	addr, err := loadkit.FreeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"-addr", addr, "-database-url", dsn}
	pprofAddr := ""
	if profile {
		if pprofAddr, err = loadkit.FreeAddr(); err != nil {
			return nil, err
		}
		args = append(args, "-pprof-addr", pprofAddr)
	}
	cmd := exec.Command(binary, args...)
	cmd.Stderr = io.Discard
	p, err := start(cmd, "http://"+addr, func() bool { return httpOK("http://" + addr + "/healthz") })
	if p != nil {
		p.pprofURL = "http://" + pprofAddr
	}
	return p, err
}

// startPostGraphile runs PostGraphile's CLI with the production options its
// documentation recommends (its CLI page's production set, without the
// optional inflector plugin, which renames fields and changes no cost).
func startPostGraphile(cli, dsn string) (p *process, err error) {
	// The free port found may be taken before Node binds it; try again.
	for range 3 {
		if p, err = startPostGraphileOnce(cli, dsn); err == nil {
			return p, nil
		}
	}
	return nil, err
}

func startPostGraphileOnce(cli, dsn string) (*process, error) {
	addr, err := loadkit.FreeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("node", cli, "-c", dsn, "--schema", "public", "--host", host, "--port", port,
		"--retry-on-init-fail", "--dynamic-json", "--no-setof-functions-contain-nulls", "--no-ignore-rbac",
		"--extended-errors", "errcode", "--disable-graphiql", "--enable-query-batching",
		"--legacy-relations", "omit", "--disable-query-log")
	cmd.Env = append(os.Environ(), "NODE_ENV=production")
	cmd.Stderr = os.Stderr
	base := "http://" + addr
	return start(cmd, base, func() bool {
		resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func httpOK(u string) bool {
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// seed signs an account up through Keyfob, creates the keys through its
// API, and writes each key's usage rows in SQL, as usage flushes would
// have. Distinct last-use times give both servers one order to agree on.
func seed(base, dsn string, sz size) (token string, err error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	var signUp struct {
		SignUp struct{ Token string } `json:"signUp"`
	}
	err = loadkit.GraphQL(base, "", `mutation($e: String!) { signUp(input: {accountName: "Bench", name: "Ada Admin", email: $e, password: "bench-password-1"}) { token } }`,
		map[string]any{"e": "bench-" + hex.EncodeToString(b[:]) + "@example.test"}, &signUp)
	if err != nil {
		return "", err
	}
	token = signUp.SignUp.Token
	ids := make([]string, sz.keys)
	for i := range ids {
		var created struct {
			CreateAPIKey struct {
				APIKey struct{ ID string } `json:"apiKey"`
			} `json:"createApiKey"`
		}
		if err := loadkit.GraphQL(base, token, `mutation($n: String!) { createApiKey(input: {name: $n}) { secret apiKey { id } } }`,
			map[string]any{"n": fmt.Sprintf("Integration key %d", i+1)}, &created); err != nil {
			return "", err
		}
		ids[i] = created.CreateAPIKey.APIKey.ID
	}
	g, err := db.OpenRaw(dsn)
	if err != nil {
		return "", err
	}
	defer closeGorm(g)
	type usageRow struct {
		APIKeyID     string `gorm:"column:api_key_id"`
		Integration  string
		FirstUsedAt  time.Time
		LastUsedAt   time.Time
		RequestCount int64
	}
	var rows []usageRow
	epoch := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i, id := range ids {
		for j := range sz.integrations {
			rows = append(rows, usageRow{
				APIKeyID: id, Integration: fmt.Sprintf("integration-%02d", j),
				FirstUsedAt:  epoch.Add(time.Duration(i*sz.integrations+j) * time.Minute),
				LastUsedAt:   epoch.Add(30*24*time.Hour - time.Duration(j*997+i*13)*time.Second),
				RequestCount: int64(1 + (i*7919+j*104729)%100000),
			})
		}
	}
	if err := g.Table("integration_usages").CreateInBatches(rows, 500).Error; err != nil {
		return "", err
	}
	return token, g.Exec("ANALYZE").Error
}

// freshDatabase creates an empty database and returns its URL.
func freshDatabase(base string) (string, func(), error) {
	admin, err := db.OpenRaw(base)
	if err != nil {
		return "", nil, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "keyfob_vs_postgraphile_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		closeGorm(admin)
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		closeGorm(admin)
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		closeGorm(admin)
	}
	return u.String(), drop, nil
}

// withAppName names a server's connections, so that its backends can be
// told apart in pg_stat_activity.
func withAppName(dsn, name string) string {
	u, _ := url.Parse(dsn)
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func closeGorm(g *gorm.DB) {
	if sqlDB, err := g.DB(); err == nil {
		sqlDB.Close()
	}
}

func printTable(o options, results []result) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Printf("\nmedians of %d alternating rounds of %v per server, one client\n\n", o.rounds, o.duration)
	fmt.Println("| size | measure | Keyfob | PostGraphile | ratio | target |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	for _, r := range results {
		label := fmt.Sprintf("%d keys × %d integrations", r.size.keys, r.size.integrations)
		k, p := r.keyfob, r.postgraphile
		latRatio := float64(k.latency) / float64(p.latency)
		cpuRatio := float64(k.cpu()) / float64(p.cpu())
		fmt.Printf("| %s | median latency | %s | %s | %.2f | ≤ 0.8 %s |\n", label, ms(k.latency), ms(p.latency), latRatio, verdict(latRatio <= 0.8))
		fmt.Printf("| | CPU per request, server + PostgreSQL | %s + %s = %s | %s + %s = %s | %.2f | ≤ 0.6 %s |\n",
			ms(k.server), ms(k.backend), ms(k.cpu()), ms(p.server), ms(p.backend), ms(p.cpu()), cpuRatio, verdict(cpuRatio <= 0.6))
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
