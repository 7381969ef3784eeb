//go:build unix

package browser

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// lockMachine waits until no other test binary on this machine runs a
// browser, and returns the function that lets the next one go. go test
// runs packages in parallel; two chromiums beside the race-detected suite
// would starve a two-core machine. The lock is a file lock, so a test
// binary that dies releases it.
func lockMachine(t testing.TB) func() {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "keyfob-browser-tests.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("browser lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("browser lock: %v", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}
