package testkit

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keyfob/keyfob/db"
)

// End-to-end tests start the real keyfob binary, built once per test
// binary: with the race detector when the tests have it, and once without
// for the tests that measure the process's memory, which the detector
// multiplies.
var keyfobBinary, keyfobPlainBinary builtBinary

type builtBinary struct {
	once sync.Once
	path string
	err  error
}

// Main runs a test package's tests, then removes the binaries they built:
// every end-to-end package's TestMain calls it.
func Main(m *testing.M) {
	code := m.Run()
	for _, b := range []*builtBinary{&keyfobBinary, &keyfobPlainBinary} {
		if b.path != "" {
			os.RemoveAll(filepath.Dir(b.path))
		}
	}
	os.Exit(code)
}

func BuildKeyfob(t *testing.T) string      { return keyfobBinary.build(t, RaceEnabled) }
func BuildKeyfobPlain(t *testing.T) string { return keyfobPlainBinary.build(t, false) }

func (b *builtBinary) build(t *testing.T, race bool) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "keyfob-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "keyfob")
		args := []string{"build", "-o", b.path}
		if race {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, "github.com/keyfob/keyfob")...).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// Process is a running keyfob binary.
type Process struct {
	cmd  *exec.Cmd
	URL  string
	Logs *SyncBuffer
	done chan error
	// launch starts the binary again, on another port, for WaitHealthy
	// when the port FreePort gave was taken before the binary bound it.
	launch func(port int)
}

// testLookUpTimeout is the credential look-up bound of the servers tests
// start, unless a test sets its own (see NewEnvAt).
const testLookUpTimeout = 10 * time.Second

// StartServer runs the binary against dsn with extra flags and waits until
// it answers /healthz.
func StartServer(t *testing.T, dsn string, flags ...string) *Process {
	t.Helper()
	p := LaunchServer(t, dsn, flags...)
	WaitHealthy(t, p)
	return p
}

// LaunchServer starts the binary against dsn without waiting for it to
// serve, so that several can start at the same moment.
func LaunchServer(t *testing.T, dsn string, flags ...string) *Process {
	t.Helper()
	return LaunchBinary(t, BuildKeyfob(t), dsn, flags...)
}

// LaunchBinary is launchServer with a binary of the caller's choice.
func LaunchBinary(t *testing.T, binary, dsn string, flags ...string) *Process {
	t.Helper()
	p := &Process{}
	p.launch = func(port int) {
		// -max-in-flight and -db-lookup-timeout as in NewEnvAt: tests send
		// bursts from one address, under the race detector.
		args := []string{"-addr", "127.0.0.1:" + strconv.Itoa(port), "-password-memory-kib", "1024", "-max-in-flight", "256",
			"-db-lookup-timeout", testLookUpTimeout.String()}
		if db.IsPostgres(dsn) {
			args = append(args, "-database-url", dsn)
		} else {
			// An inherited DATABASE_URL must not win over the SQLite file.
			args = append(args, "-database-url=", "-db", dsn)
		}
		args = append(args, flags...)
		p.URL, p.Logs, p.done = "http://127.0.0.1:"+strconv.Itoa(port), &SyncBuffer{}, make(chan error, 1)
		p.cmd = exec.Command(binary, args...)
		p.cmd.Stdout, p.cmd.Stderr = p.Logs, p.Logs
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmd, done := p.cmd, p.done
		go func() { done <- cmd.Wait() }()
	}
	p.launch(FreePort(t))
	// done is refilled after each read so that Stop and the cleanup can both wait.
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); err := <-p.done; p.done <- err })
	return p
}

// WaitHealthy waits until p answers /healthz, failing fast if it exits.
func WaitHealthy(t *testing.T, p *Process) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			// FreePort's port is free when it answers, not necessarily
			// when the binary binds it: another process may take it first.
			if strings.Contains(p.Logs.String(), "address already in use") && time.Now().Before(deadline) {
				p.launch(FreePort(t))
				continue
			}
			t.Fatalf("keyfob exited before serving: %v\n%s", err, p.Logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyfob did not become healthy:\n%s", p.Logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop sends sig and waits for the process to exit.
func (p *Process) Stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("keyfob did not exit after %v:\n%s", sig, p.Logs.String())
		return nil
	}
}

func FreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// asClient wraps a running process in a testEnv-like client for GraphQL
// helpers.
func (p *Process) Client() *Env { return &Env{URL: p.URL, Logs: p.Logs} }

// Pid is the server process's id, for reading its memory from /proc.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// RepoPath is the path of a file in the repository, given from its root,
// for tests that read the docs, deploy files or shared test data from
// whichever package they run in.
func RepoPath(rel string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", filepath.FromSlash(rel))
}
