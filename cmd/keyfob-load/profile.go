package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"
)

// profiler writes, for every run, a CPU profile of the server (through its
// -pprof-addr endpoint) and one of this command, so that a difference
// between two sides can be traced to the functions that make it:
//
//	go tool pprof -top -diff_base DIR/03-noop-server.pprof DIR/04-auth-verify-server.pprof
type profiler struct {
	dir       string
	serverURL string // the server's pprof address, http://host:port
	runs      int
}

// start begins profiling a run of length d named name; stop ends it and
// returns the first error of either profile.
func (p *profiler) start(name string, d time.Duration) (stop func() error) {
	if p == nil {
		return func() error { return nil }
	}
	p.runs++
	base := filepath.Join(p.dir, fmt.Sprintf("%02d-%s", p.runs, slug(name)))
	client, err := os.Create(base + "-client.pprof")
	if err != nil {
		return func() error { return err }
	}
	if err := pprof.StartCPUProfile(client); err != nil {
		client.Close()
		return func() error { return err }
	}
	// The server samples whole seconds, from now until just before the run ends.
	seconds := max(int(d/time.Second), 1)
	server := make(chan error, 1)
	go func() {
		server <- fetchProfile(p.serverURL+fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds), base+"-server.pprof")
	}()
	return func() error {
		pprof.StopCPUProfile()
		return firstError(client.Close(), <-server)
	}
}

func fetchProfile(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	return firstError(err, f.Close())
}

// slug turns a side's name into a file name: "{ viewer { id } } with key"
// becomes "viewer-id-with-key".
func slug(name string) string {
	fields := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_')
	})
	return strings.Join(fields, "-")
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
