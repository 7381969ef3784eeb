package reliability

// Three server binaries on one PostgreSQL and one real redis-server share
// their rate limits: together they admit for a key what one instance
// admits alone. When Redis stops or freezes, each limits by itself and
// requests keep flowing; when it is back, the limit is shared again.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/keyfob/keyfob/credential"
	"github.com/keyfob/keyfob/internal/pgtest"
	"github.com/keyfob/keyfob/internal/redistest"
	"github.com/keyfob/keyfob/internal/testkit"
)

type redisFleet struct {
	instances []*testkit.Process
	c         *http.Client
	ac        *testkit.Env
	owner     *testkit.User
}

func startRedisFleet(t *testing.T, redisURL string, flags ...string) *redisFleet {
	t.Helper()
	dsn := pgtest.FreshSchema(t)
	flags = append([]string{"-redis-url", redisURL}, flags...)
	f := &redisFleet{c: testkit.HTTPClient(t)}
	for range 3 {
		f.instances = append(f.instances, testkit.StartServer(t, dsn, flags...))
	}
	f.ac = f.instances[0].Client()
	f.owner = f.ac.SignUp(t, "Shared Limits Realty")
	return f
}

// send asks instance i%3 to verify secret, n times from workers at once,
// and returns the answers in the order sent.
func (f *redisFleet) send(t *testing.T, secret string, n, workers int) []testkit.Answer {
	t.Helper()
	answers := make([]testkit.Answer, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				a, err := testkit.VerifyKey(f.c, f.instances[i%len(f.instances)].URL, testkit.Bearer(secret), "Shared")
				if err != nil {
					t.Errorf("request %d: %v", i, err)
				}
				answers[i] = a
			}
		})
	}
	wg.Wait()
	return answers
}

// admitted counts each instance's 200s; any other status than 200 or 429
// fails the test.
func (f *redisFleet) admitted(t *testing.T, answers []testkit.Answer) (perInstance []int, total int) {
	t.Helper()
	perInstance = make([]int, len(f.instances))
	for i, a := range answers {
		switch a.Status {
		case http.StatusOK:
			perInstance[i%len(f.instances)]++
			total++
		case http.StatusTooManyRequests:
			if a.Header.Get("Retry-After") == "" || a.Header.Get("X-RateLimit-Remaining") == "" {
				t.Fatalf("request %d: a 429 without Retry-After or X-RateLimit-Remaining: %v", i, a.Header)
			}
		default:
			t.Fatalf("request %d: status %d %s", i, a.Status, a.Body)
		}
	}
	return perInstance, total
}

// backend is what p's keyfob_rate_limit_backend says it uses now.
func backend(t *testing.T, c *http.Client, p *testkit.Process) string {
	t.Helper()
	resp, err := c.Get(p.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, b := range []string{"redis", "local"} {
		if strings.Contains(string(body), `keyfob_rate_limit_backend{backend="`+b+`"} 1`) {
			return b
		}
	}
	t.Fatalf("no keyfob_rate_limit_backend in %s's metrics", p.URL)
	return ""
}

// waitBackend waits until every instance reports want; a probe backs off
// to a second.
func (f *redisFleet) waitBackend(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, p := range f.instances {
		for backend(t, f.c, p) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s still limits on %q, want %q", p.URL, backend(t, f.c, p), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func (f *redisFleet) ready(t *testing.T) {
	t.Helper()
	for _, p := range f.instances {
		resp, err := f.c.Get(p.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s /readyz answered %d: the limit degrades, not the service", p.URL, resp.StatusCode)
		}
	}
}

// 600 requests for a fresh key, sent right after a window boundary and
// spread over three instances within that window, admit exactly 250 (the
// default limit), each counted once: X-RateLimit-Remaining counts down
// from 249 to 0 without a repeat or a gap.
func TestSharedRateLimitAdmitsOneInstancesLimitAcrossThree(t *testing.T) {
	testkit.RequirePostgres(t)
	redis := redistest.Start(t)
	// A bound of a second: this test is about sharing, and a test machine
	// busy with other packages can hold a call past 50 ms, which would
	// rightly fall back to a local count. The bound has a test of its own.
	f := startRedisFleet(t, redis.URL, "-redis-timeout", "1s")
	f.waitBackend(t, "redis")
	const window = 10 * time.Second // the default -rate-limit-window
	var answers []testkit.Answer
	// A machine busy enough to stretch 600 requests past their window
	// would let the count slide into the next one; such an attempt proves
	// nothing, and the next starts with a fresh key at the next boundary.
	for attempt := 1; ; attempt++ {
		_, secret := f.ac.CreateKey(t, f.owner, fmt.Sprintf("shared window key %d", attempt))
		boundary := time.Now().Truncate(window).Add(window)
		time.Sleep(time.Until(boundary) + 20*time.Millisecond)
		answers = f.send(t, secret, 600, 24)
		took := time.Since(boundary)
		if took < window {
			break
		}
		if attempt == 3 {
			t.Fatalf("three times the 600 requests outlasted their window (the last took %v)", took)
		}
		t.Logf("attempt %d: the 600 requests took %v, past their window; again with a fresh key", attempt, took)
	}
	perInstance, total := f.admitted(t, answers)
	if total != 250 {
		t.Fatalf("three instances admitted %d of 600 requests for one key (per instance %v), want 250", total, perInstance)
	}
	var remaining []int
	for _, a := range answers {
		if a.Status == http.StatusOK {
			n, err := strconv.Atoi(a.Header.Get("X-RateLimit-Remaining"))
			if err != nil || a.Header.Get("X-RateLimit-Limit") != "250" || a.Header.Get("X-RateLimit-Window") != "10" {
				t.Fatalf("an admitted request's headers: %v", a.Header)
			}
			remaining = append(remaining, n)
		} else if a.Header.Get("Retry-After") != "10" || a.Header.Get("X-RateLimit-Remaining") != "0" {
			t.Fatalf("a refused request's headers: %v", a.Header)
		}
	}
	slices.Sort(remaining)
	for i, n := range remaining {
		if n != i {
			t.Fatalf("X-RateLimit-Remaining of the admitted requests, sorted, has %d at %d: a count was taken twice or lost", n, i)
		}
	}
	for i, n := range perInstance {
		if n == 0 {
			t.Errorf("instance %d admitted none: the requests were not spread", i)
		}
	}
	t.Logf("admitted per instance: %v", perInstance)
}

// Redis stopped: each instance limits by itself (never without a limit),
// says so in its log and metrics, and stays ready; started again, the
// limit is shared again.
func TestSharedRateLimitFallsBackWhileRedisIsDown(t *testing.T) {
	testkit.RequirePostgres(t)
	redis := redistest.Start(t)
	// A minute's window, so that no boundary falls inside a phase; a
	// bound of a second, as above: a stopped Redis refuses connections at once.
	f := startRedisFleet(t, redis.URL, "-rate-limit", "30", "-rate-limit-window", "60s", "-redis-timeout", "1s")
	f.waitBackend(t, "redis")

	_, before := f.ac.CreateKey(t, f.owner, "before the stop")
	if _, total := f.admitted(t, f.send(t, before, 90, 9)); total != 30 {
		t.Fatalf("shared: %d admitted across three instances, want 30", total)
	}

	redis.Stop(t)
	_, during := f.ac.CreateKey(t, f.owner, "while Redis is down")
	perInstance, _ := f.admitted(t, f.send(t, during, 150, 9))
	if !slices.Equal(perInstance, []int{30, 30, 30}) {
		t.Fatalf("Redis down: admitted per instance %v, want each instance's own limit, 30", perInstance)
	}
	f.waitBackend(t, "local")
	f.ready(t)
	// One line per change, not per request: the losses and returns each
	// instance logged alternate, and the last is this loss. A call slowed
	// past the bound before the stop may add a loss and a return of its
	// own (a change like any other), so their number is not fixed.
	for _, p := range f.instances {
		if got := redisChanges(p.Logs.String()); !regexp.MustCompile(`^(lost,returned,)*lost$`).MatchString(got) {
			t.Errorf("%s logged the changes %q, want one line per change, ending with the loss", p.URL, got)
		}
	}

	redis.Start(t)
	f.waitBackend(t, "redis")
	_, after := f.ac.CreateKey(t, f.owner, "after the restart")
	if _, total := f.admitted(t, f.send(t, after, 90, 9)); total != 30 {
		t.Fatalf("Redis back: %d admitted across three instances, want 30", total)
	}
	for _, p := range f.instances {
		if got := redisChanges(p.Logs.String()); !regexp.MustCompile(`^(lost,returned,)*lost,returned$`).MatchString(got) {
			t.Errorf("%s logged the changes %q, want one line per change, ending with Redis's return", p.URL, got)
		}
	}
}

// Redis frozen (SIGSTOP: connections open, nothing answers): requests
// keep flowing, each within -redis-timeout (50 ms) of its usual time;
// thawed, the limit is shared again.
func TestSharedRateLimitFrozenRedisCostsAtMostTheBound(t *testing.T) {
	testkit.TimeBound(t)
	testkit.RequirePostgres(t)
	redis := redistest.Start(t)
	f := startRedisFleet(t, redis.URL, "-rate-limit", "1000000")
	f.waitBackend(t, "redis")
	_, secret := f.ac.CreateKey(t, f.owner, "frozen Redis key")

	timed := func(n int) []time.Duration {
		took := make([]time.Duration, n)
		var wg sync.WaitGroup
		var next atomic.Int64
		for range 6 {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
					start := time.Now()
					a, err := testkit.VerifyKey(f.c, f.instances[i%3].URL, testkit.Bearer(secret), "Frozen")
					took[i] = time.Since(start)
					if err != nil || a.Status != http.StatusOK {
						t.Errorf("request %d: %v %d %s", i, err, a.Status, a.Body)
					}
				}
			})
		}
		wg.Wait()
		slices.Sort(took)
		return took
	}
	timed(300) // connections, caches and scripts warm
	usual := timed(600)
	usualWorst := usual[len(usual)-1]

	redis.Freeze(t)
	frozen := timed(600)
	const bound = 50 * time.Millisecond // -redis-timeout's default
	// Timers and scheduling add a little to the bound itself.
	limit := usualWorst + bound + 15*time.Millisecond
	t.Logf("usual: p50 %v, p99 %v, worst %v; Redis frozen: p50 %v, p99 %v, worst %v (limit %v)",
		testkit.Percentile(usual, 50), testkit.Percentile(usual, 99), usualWorst,
		testkit.Percentile(frozen, 50), testkit.Percentile(frozen, 99), frozen[len(frozen)-1], limit)
	if worst := frozen[len(frozen)-1]; worst > limit {
		t.Errorf("a request took %v with Redis frozen: more than its usual worst (%v) plus the bound (%v)", worst, usualWorst, bound)
	}
	f.waitBackend(t, "local")
	f.ready(t)

	redis.Thaw(t)
	f.waitBackend(t, "redis")
	// Shared again: each instance's answer counts down the same window.
	_, again := f.ac.CreateKey(t, f.owner, "after the thaw")
	var remaining []string
	for _, p := range f.instances {
		a, err := testkit.VerifyKey(f.c, p.URL, testkit.Bearer(again), "Frozen")
		if err != nil || a.Status != http.StatusOK {
			t.Fatalf("after the thaw: %v %d", err, a.Status)
		}
		remaining = append(remaining, a.Header.Get("X-RateLimit-Remaining"))
	}
	if got := strings.Join(remaining, ","); got != "999999,999998,999997" {
		t.Fatalf("after the thaw, X-RateLimit-Remaining from the three instances went %s: not one shared window", got)
	}
}

// startComposeNginx runs deploy/compose/nginx.conf's nginx in front of
// first and second (http://host:port) and returns its URL; it skips the
// test when nginx is not installed, unless KEYFOB_REQUIRE_NGINX is set.
func startComposeNginx(t *testing.T, first, second string) string {
	t.Helper()
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		nginx = "/usr/sbin/nginx"
		if _, statErr := os.Stat(nginx); statErr != nil {
			if os.Getenv("KEYFOB_REQUIRE_NGINX") != "" {
				t.Fatal("nginx is required here (apt-get install nginx-light)")
			}
			t.Skip("nginx is not installed (apt-get install nginx-light); CI runs this test")
		}
	}
	conf, err := os.ReadFile(testkit.RepoPath("deploy/compose/nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}

	// The file as compose mounts it, but for the addresses: compose's
	// service names become the two binaries, nginx listens on a free port,
	// and it runs in the foreground with its files in a temporary directory.
	dir := t.TempDir()
	port := testkit.FreePort(t)
	local := strings.NewReplacer(
		"server keyfob:8080", "server "+strings.TrimPrefix(first, "http://"),
		"server keyfob-2:8080", "server "+strings.TrimPrefix(second, "http://"),
		"listen 8080;", fmt.Sprintf("listen 127.0.0.1:%d;", port),
		"events {}", fmt.Sprintf("daemon off;\nmaster_process off;\npid %[1]s/nginx.pid;\nerror_log %[1]s/error.log info;\nevents {}", dir),
		"http {", fmt.Sprintf("http {\n    access_log off;\n    client_body_temp_path %[1]s/body;\n    proxy_temp_path %[1]s/proxy;\n    fastcgi_temp_path %[1]s/fastcgi;\n    uwsgi_temp_path %[1]s/uwsgi;\n    scgi_temp_path %[1]s/scgi;", dir),
	).Replace(string(conf))
	for _, name := range []string{"keyfob:8080", "keyfob-2:8080", "listen 8080;"} {
		if strings.Contains(local, name) {
			t.Fatalf("deploy/compose/nginx.conf changed shape: %q is left in\n%s", name, local)
		}
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", confPath)
	out := &testkit.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	front := fmt.Sprintf("http://127.0.0.1:%d", port)
	c := testkit.HTTPClient(t)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := c.Get(front + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not come up:\n%s", out.String())
		}
	}
	return front
}

// The scale-out example of docker-compose.yml, run here with its own
// nginx configuration (deploy/compose/nginx.conf) in front of two real
// binaries sharing a redis-server: requests alternate between the
// instances, and the two together admit one key's limit.
func TestComposeLoadBalancerSharesOneLimit(t *testing.T) {
	testkit.RequirePostgres(t)
	compose, err := os.ReadFile(testkit.RepoPath("docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"KEYFOB_REDIS_URL: redis://redis:6379/0", "keyfob-2: *keyfob", "./deploy/compose/nginx.conf:/etc/nginx/nginx.conf:ro", "KEYFOB_TRUSTED_PROXIES: 172.30.0.10", "ipv4_address: 172.30.0.10"} {
		if !strings.Contains(string(compose), want) {
			t.Fatalf("docker-compose.yml no longer has %q, which this test stands for", want)
		}
	}
	redis := redistest.Start(t)
	dsn := pgtest.FreshSchema(t)
	flags := []string{"-redis-url", redis.URL, "-redis-timeout", "1s", "-rate-limit", "10", "-rate-limit-window", "60s", "-trusted-proxies", "127.0.0.1"}
	a, b := testkit.StartServer(t, dsn, flags...), testkit.StartServer(t, dsn, flags...)
	front := startComposeNginx(t, a.URL, b.URL)
	c := testkit.HTTPClient(t)

	// Sign up and create the key through the load balancer, as a user of
	// the example would.
	ac := &testkit.Env{URL: front, Logs: a.Logs}
	owner := ac.SignUp(t, "Compose Realty")
	_, secret := ac.CreateKey(t, owner, "behind the load balancer")
	admitted := 0
	for i := range 30 {
		got, err := testkit.VerifyKey(c, front, testkit.Bearer(secret), "Compose")
		if err != nil {
			t.Fatal(err)
		}
		switch got.Status {
		case http.StatusOK:
			admitted++
		case http.StatusTooManyRequests:
			if got.Header.Get("Retry-After") != "60" {
				t.Fatalf("request %d: a 429 through nginx without the window in Retry-After: %v", i, got.Header)
			}
		default:
			t.Fatalf("request %d: %d %s", i, got.Status, got.Body)
		}
	}
	if admitted != 10 {
		t.Fatalf("two instances behind nginx admitted %d of 30 requests for one key, want the limit, 10", admitted)
	}
	for _, p := range []*testkit.Process{a, b} {
		resp, err := c.Get(p.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ok := false
		for line := range strings.SplitSeq(string(body), "\n") {
			if v, found := strings.CutPrefix(line, `keyfob_credential_verifications_total{outcome="ok"} `); found {
				n, _ := strconv.ParseFloat(v, 64)
				ok = n >= 5 // of the 30, alternating, less what sign-up and key creation took
			}
		}
		if !ok {
			t.Errorf("%s verified few keys or none: nginx did not spread the requests", p.URL)
		}
	}
}

// The log-in limits, the failed-authentication limit and the limit on
// public revocation reports are shared too: wrong passwords for one
// email, spread over three instances, use up its limit (5) and the
// allowance of the address its user signed up from (3) on all of them,
// four reports use up an address's hour, and twenty malformed credentials
// from one address use up that address's limit.
func TestSharedLoginAndFailureLimitsAcrossInstances(t *testing.T) {
	testkit.RequirePostgres(t)
	redis := redistest.Start(t)
	f := startRedisFleet(t, redis.URL, "-redis-timeout", "1s", "-failed-auth-per-ip", "20", "-public-revocations-per-hour", "4")
	f.waitBackend(t, "redis")
	_, secret := f.ac.CreateKey(t, f.owner, "from a soon blocked address")

	logIn := func(p *testkit.Process) *testkit.Response {
		return p.Client().Do(t, testkit.Request{Query: testkit.LogInMutation, Variables: map[string]any{
			"in": map[string]any{"email": f.owner.Email, "password": "wrong password", "client": "WEB"}}})
	}
	for i := range 5 + 3 {
		if got := logIn(f.instances[i%3]); got.Code() == "" || got.Code() == "RATE_LIMITED" {
			t.Fatalf("wrong password %d: %s, want refused for the password", i+1, got.Body)
		}
	}
	for _, p := range f.instances {
		if got := logIn(p); got.Code() != "RATE_LIMITED" {
			t.Fatalf("a ninth wrong password on %s: %s, want RATE_LIMITED: eight across instances spent the email's limit and the address's allowance", p.URL, got.Body)
		}
	}

	// Public revocation reports: 4 an hour from one address, whichever
	// instances they reach.
	report := []byte(`{"credentials": ["kf_not_a_live_key"]}`)
	for i := range 4 + 3 {
		got, err := testkit.DoHTTP(f.c, testkit.PublicRevokeRequest(f.instances[i%3].URL, report))
		want := http.StatusAccepted
		if i >= 4 {
			want = http.StatusTooManyRequests
		}
		if err != nil || got.Status != want {
			t.Fatalf("public revocation report %d: %v %d %s, want %d", i+1, err, got.Status, got.Body, want)
		}
	}

	for i := range 20 {
		got, err := testkit.VerifyKey(f.c, f.instances[i%3].URL, "Bearer kf_malformed", "Shared")
		if err != nil || got.Status != http.StatusUnauthorized {
			t.Fatalf("malformed credential %d: %v %d", i+1, err, got.Status)
		}
	}
	for _, p := range f.instances {
		got, err := testkit.VerifyKey(f.c, p.URL, testkit.Bearer(secret), "Shared")
		if err != nil || got.Status != http.StatusTooManyRequests || got.Header.Get("Retry-After") == "" {
			t.Fatalf("a valid key from an address with 20 failures across instances, on %s: %v %d, want 429 with Retry-After", p.URL, err, got.Status)
		}
	}
}

// redisChanges lists, in order, the losses and returns of Redis an
// instance's log records.
func redisChanges(logs string) string {
	var changes []string
	for _, line := range strings.Split(logs, "\n") {
		switch {
		case strings.Contains(line, "rate limits are per instance"):
			changes = append(changes, "lost")
		case strings.Contains(line, "Redis answers again"):
			changes = append(changes, "returned")
		}
	}
	return strings.Join(changes, ",")
}

// nginx never sends a POST that reached one instance to the other: a
// mutation such as rollApiKey must not run twice. The first instance here
// reads each POST and drops the connection without an answer (it failed
// midway); the client gets nginx's error, and the second instance never
// sees that POST.
func TestComposeLoadBalancerNeverResendsAPost(t *testing.T) {
	var dropped, answered atomic.Int64
	healthy := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && r.URL.Path == "/healthz" {
			_, _ = io.WriteString(w, "ok")
			return true
		}
		return false
	}
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if healthy(w, r) {
			return
		}
		_, _ = io.ReadAll(r.Body)
		dropped.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	t.Cleanup(failing.Close)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if healthy(w, r) {
			return
		}
		answered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{}}`)
	}))
	t.Cleanup(other.Close)
	front := startComposeNginx(t, failing.URL, other.URL)

	c := testkit.HTTPClient(t)
	const posts = 6
	for i := range posts {
		resp, err := c.Post(front+"/graphql", "application/json", strings.NewReader(`{"query":"mutation { rollApiKey(input: {id: \"key_x\"}) { secret } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("POST %d: %d, want 200 from the healthy instance or 502 for the dropped one", i, resp.StatusCode)
		}
	}
	if dropped.Load() == 0 {
		t.Fatal("no POST reached the failing instance: round-robin was not exercised")
	}
	if got := dropped.Load() + answered.Load(); got != posts {
		t.Fatalf("%d POSTs reached the instances (%d dropped, %d answered), want %d: nginx re-sent a POST that had reached an instance",
			got, dropped.Load(), answered.Load(), posts)
	}
}

// Each keyed request costs Redis one round trip, whether the instance
// verifies its key from the cache or must look it up first, and so does
// each failed authentication. Redis's MONITOR shows every command a
// client sends, and those a script runs marked as the script's.
func TestSharedRateLimitOneRoundTripPerKeyedRequest(t *testing.T) {
	testkit.RequirePostgres(t)
	redis := redistest.Start(t)
	f := startRedisFleet(t, redis.URL, "-redis-timeout", "1s")
	f.waitBackend(t, "redis")
	monitor := monitorRedis(t, redis.URL)
	_, secret := f.ac.CreateKey(t, f.owner, "one round trip")
	p := f.instances[0]
	costs := func(what string, request func() testkit.Answer, want int) {
		t.Helper()
		monitor.sent(t) // whatever came before
		a := request()
		if sent := monitor.sent(t); len(sent) != 1 {
			t.Errorf("%s (status %d) made %d Redis round trips, want 1: %q", what, a.Status, len(sent), sent)
		}
		if a.Status != want {
			t.Errorf("%s: status %d, want %d: %s", what, a.Status, want, a.Body)
		}
	}
	verify := func(auth string) func() testkit.Answer {
		return func() testkit.Answer {
			a, err := testkit.VerifyKey(f.c, p.URL, auth, "Shared")
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	viewer := func() testkit.Answer {
		a, err := testkit.GraphQL(f.c, p.URL, testkit.Request{Query: "{ viewer { id } }", Auth: testkit.Bearer(secret)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	costs("a key's first request, looked up in the database", verify(testkit.Bearer(secret)), http.StatusOK)
	for range 3 {
		costs("a key's request answered from the cache", verify(testkit.Bearer(secret)), http.StatusOK)
		costs("a keyed GraphQL request", viewer, http.StatusOK)
	}
	costs("an unknown key, looked up", verify(testkit.Bearer(credential.NewAPIKey())), http.StatusUnauthorized)
	costs("a malformed credential", verify("Bearer kf_not-a-key"), http.StatusUnauthorized)
}

// redisMonitor reads a Redis server's MONITOR stream.
type redisMonitor struct {
	lines  chan string
	marker *goredis.Client
	n      int
}

func monitorRedis(t *testing.T, url string) *redisMonitor {
	t.Helper()
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", opts.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	m := &redisMonitor{lines: make(chan string, 1024), marker: goredis.NewClient(opts)}
	t.Cleanup(func() { _ = m.marker.Close() })
	if _, err := conn.Write([]byte("MONITOR\r\n")); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(m.lines)
		lines := bufio.NewScanner(conn)
		for lines.Scan() {
			m.lines <- lines.Text()
		}
	}()
	return m
}

// sent returns the commands clients sent since the last call: not those
// a script ran, nor a new connection's HELLO. It sends a marker of its
// own and reads up to it, so every command sent before is in.
func (m *redisMonitor) sent(t *testing.T) []string {
	t.Helper()
	m.n++
	marker := "keyfob-test-marker-" + strconv.Itoa(m.n)
	if err := m.marker.Echo(t.Context(), marker).Err(); err != nil {
		t.Fatal(err)
	}
	var sent []string
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-m.lines:
			if !ok {
				t.Fatal("the MONITOR stream ended")
			}
			switch {
			case strings.Contains(line, marker):
				return sent
			case strings.Contains(line, "keyfob-test-marker-"), strings.HasPrefix(line, "+OK"),
				strings.Contains(line, " lua] "), strings.Contains(line, `] "hello"`):
			default:
				sent = append(sent, line)
			}
		case <-timeout:
			t.Fatalf("MONITOR did not show the marker %s", marker)
		}
	}
}
