// Package redistest gives tests a Redis: keys of their own on the shared one,
// or a private redis-server they may stop, freeze and start again.
package redistest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL is the shared Redis the tests may use: TEST_REDIS_URL, else
// the one these machines run at 127.0.0.1:6379 (.ci/run starts it).
// Tests on it keep to keys of their own (Shared) and delete them.
func URL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// requireRedis skips a test that needs Redis where there is none, unless
// KEYFOB_REQUIRE_REDIS is set (.ci/run sets it): there it fails.
func requireRedis(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("KEYFOB_REQUIRE_REDIS") != "" {
		t.Fatal(why)
	}
	t.Skip(why + " (set KEYFOB_REQUIRE_REDIS=1 to fail instead)")
}

// Shared returns URL and a key prefix of the test's own, whose
// keys are deleted when the test ends; it skips if that Redis does not
// answer.
func Shared(t testing.TB) (url, prefix string) {
	t.Helper()
	opts, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		requireRedis(t, "needs Redis at "+URL()+": "+err.Error())
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix = "keyfob-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return URL(), prefix
}

// Server is a private redis-server on a free port, which a test may
// stop, freeze and start again.
type Server struct {
	URL  string
	port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a private redis-server (Debian's package: .ci/run
// installs it), without persistence, and stops it when the test ends.
func Start(t *testing.T) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		requireRedis(t, "needs redis-server on PATH")
	}
	port := freePortBelowEphemeral(t)
	r := &Server{URL: "redis://127.0.0.1:" + strconv.Itoa(port) + "/0", port: port, dir: t.TempDir()}
	r.Start(t)
	t.Cleanup(func() { r.kill() })
	return r
}

// freePortBelowEphemeral picks a random port that binds, below the
// kernel's range for outgoing connections. The server is restarted on the
// same port after Stop; a port from Listen(":0") lies in that range, where
// an outgoing connection (a test's, a helper's) could take it meanwhile.
func freePortBelowEphemeral(t *testing.T) int {
	t.Helper()
	low := firstEphemeralPort()
	for range 20 {
		port := 10000 + mathrand.IntN(low-10000)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		_ = l.Close()
		return port
	}
	t.Fatalf("no free port found between 10000 and %d", low)
	return 0
}

// firstEphemeralPort is the lowest port the kernel gives outgoing
// connections: Linux's setting, or its default.
func firstEphemeralPort() int {
	const linuxDefault = 32768
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return linuxDefault
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return linuxDefault
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= 11000 {
		return linuxDefault
	}
	return low
}

// Start starts the server (again), and waits until it answers.
func (r *Server) Start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	var out bytes.Buffer
	r.cmd.Stdout, r.cmd.Stderr = &out, &out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(r.port), time.Second); err == nil {
			_ = c.Close()
			return
		}
		select {
		case <-r.done:
			t.Fatalf("redis-server exited before listening:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			r.kill()
			t.Fatalf("redis-server did not start listening:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop kills the server and waits for it to exit.
func (r *Server) Stop(t *testing.T) {
	t.Helper()
	r.kill()
}

func (r *Server) kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGCONT) // a frozen server cannot die otherwise
	_ = r.cmd.Process.Kill()
	<-r.done
}

// Freeze stops the server with SIGSTOP: connections stay open and nothing
// answers, as with a server stuck or a network that drops packets.
func (r *Server) Freeze(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
}

// Thaw resumes a frozen server with SIGCONT.
func (r *Server) Thaw(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}
