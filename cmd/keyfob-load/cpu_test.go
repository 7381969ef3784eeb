package main

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/keyfob/keyfob/internal/loadkit"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis; utime 250, stime 50,
	// cutime 7, cstime 3 ticks.
	line := []byte("4242 (postgres: a (b) c) S 1 4242 4242 0 -1 4194560 1 2 3 4 250 50 7 3 20 0 1 0 100 200 300\n")
	got, err := loadkit.ParseStatCPU(line)
	if err != nil {
		t.Fatal(err)
	}
	if want := 310 * loadkit.ClockTick; got != want {
		t.Fatalf("parseStatCPU = %v, want %v", got, want)
	}
	if _, err := loadkit.ParseStatCPU([]byte("4242 (truncated")); err == nil {
		t.Fatal("a line without the fields after the name parsed")
	}
}

// The figures come from the real /proc: CPU this process burns shows up
// as the client's and within the machine's.
func TestSampleCPUSeesWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	before := sampleCPU(0)
	var spent cpuTime
	// Spin until /proc shows 200 ms of client CPU; a busy machine only
	// makes that take longer.
	for deadline := time.Now().Add(20 * time.Second); spent.client < 200*time.Millisecond; spent = sampleCPU(0).sub(before) {
		if time.Now().After(deadline) {
			t.Fatalf("20 s of spinning showed as %+v", spent)
		}
	}
	// The kernel samples the two counters apart, at tick granularity and
	// with tickless CPUs catching up late: /proc/stat trailed the process
	// by 30 ms of 200 under -race once. A reader that missed the machine
	// would be far off, not a fifth.
	if spent.machine < spent.client*4/5 {
		t.Fatalf("the machine's busy time %v is well below this process's %v", spent.machine, spent.client)
	}
}

func TestComparisons(t *testing.T) {
	all, err := comparisons("", false)
	if err != nil || len(all) != 3 || !all["verify"] || !all["graphql"] || !all["latency"] {
		t.Fatalf(`comparisons("") = %v, %v; want all three but redis, which needs a Redis`, all, err)
	}
	all, err = comparisons("", true)
	if err != nil || len(all) != 4 || !all["redis"] {
		t.Fatalf(`comparisons("") with a Redis = %v, %v; want all four`, all, err)
	}
	if _, err := comparisons("redis", false); err == nil || !strings.Contains(err.Error(), "-redis-url") {
		t.Fatalf("-only redis without a Redis must say what is missing, got %v", err)
	}
	some, err := comparisons("latency, verify", false)
	if err != nil || len(some) != 2 || !some["latency"] || !some["verify"] {
		t.Fatalf("comparisons(latency, verify) = %v, %v", some, err)
	}
	if _, err := comparisons("latency,p99", false); err == nil || !strings.Contains(err.Error(), `"p99"`) {
		t.Fatalf("an unknown name must be refused by name, got %v", err)
	}
}
