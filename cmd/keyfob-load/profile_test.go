package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	httppprof "net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSlug(t *testing.T) {
	for name, want := range map[string]string{
		"{ viewer { id } } with key": "viewer-id-with-key",
		"{ __typename } anonymous":   "__typename-anonymous",
		"/auth/verify":               "auth-verify",
	} {
		if got := slug(name); got != want {
			t.Errorf("slug(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestMain lets the test binary stand in for the server: a process can run
// one CPU profile at a time, so the profiled server must be another process.
func TestMain(m *testing.M) {
	if os.Getenv("KEYFOB_LOAD_PPROF_CHILD") == "1" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(1)
		}
		fmt.Println(l.Addr())
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
		_ = http.Serve(l, mux)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestProfilerWritesBothProfiles profiles a one-second run against a real
// pprof endpoint in another process and checks that both files are
// gzipped profiles.
func TestProfilerWritesBothProfiles(t *testing.T) {
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), "KEYFOB_LOAD_PPROF_CHILD=1")
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &profiler{dir: dir, serverURL: "http://" + strings.TrimSpace(addr)}

	stop := p.start("{ viewer { id } } with key", time.Second)
	time.Sleep(time.Second)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"01-viewer-id-with-key-client.pprof", "01-viewer-id-with-key-server.pprof"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
			t.Errorf("%s is not a gzipped profile: %q", name, raw[:min(len(raw), 40)])
		}
	}
}

func TestProfilerReportsAServerThatDoesNotProfile(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	p := &profiler{dir: t.TempDir(), serverURL: srv.URL}
	if err := p.start("noop", time.Second)(); err == nil {
		t.Fatal("want an error when the server serves no profile")
	}
}

func TestNilProfilerDoesNothing(t *testing.T) {
	var p *profiler
	if err := p.start("noop", time.Second)(); err != nil {
		t.Fatal(err)
	}
}
