package reliability

// Three server binaries on one PostgreSQL and one real redis-server share
// their rate limits: together they admit for a key what one instance
// admits alone. When Redis stops or freezes, each limits by itself and
// requests keep flowing; when it is back, the limit is shared again.

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	_, secret := f.ac.CreateKey(t, f.owner, "shared window key")

	const window = 10 * time.Second // the default -rate-limit-window
	now := time.Now()
	boundary := now.Truncate(window).Add(window)
	time.Sleep(time.Until(boundary) + 20*time.Millisecond)
	answers := f.send(t, secret, 600, 24)
	if ended := boundary.Add(window); time.Now().After(ended) {
		t.Fatalf("the 600 requests outlasted their window (%v): the count would slide into the next", time.Since(boundary))
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
	// A minute's window, so that no boundary falls inside a phase.
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
	for _, p := range f.instances {
		if n := strings.Count(p.Logs.String(), "rate limits are per instance"); n != 1 {
			t.Errorf("%s logged the loss of Redis %d times, want once", p.URL, n)
		}
	}

	redis.Start(t)
	f.waitBackend(t, "redis")
	_, after := f.ac.CreateKey(t, f.owner, "after the restart")
	if _, total := f.admitted(t, f.send(t, after, 90, 9)); total != 30 {
		t.Fatalf("Redis back: %d admitted across three instances, want 30", total)
	}
	for _, p := range f.instances {
		if !strings.Contains(p.Logs.String(), "Redis answers again") {
			t.Errorf("%s did not log Redis's return", p.URL)
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
