package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/keyfob/keyfob/internal/loadkit"
)

// cpuTime is the CPU time spent so far by each party to a run. On a machine
// the load generator, the server and PostgreSQL share, a throughput ratio
// says that one request costs more than another, and these times say whose
// work the difference is.
type cpuTime struct {
	client, server, postgres, redis, machine time.Duration
}

func (c cpuTime) sub(d cpuTime) cpuTime {
	return cpuTime{c.client - d.client, c.server - d.server, c.postgres - d.postgres, c.redis - d.redis, c.machine - d.machine}
}

func (c cpuTime) add(d cpuTime) cpuTime {
	return cpuTime{c.client + d.client, c.server + d.server, c.postgres + d.postgres, c.redis + d.redis, c.machine + d.machine}
}

// sampleCPU reads /proc. Outside Linux every figure stays zero and the
// report says so rather than failing the run.
func sampleCPU(serverPID int) cpuTime {
	var c cpuTime
	c.client, _ = loadkit.ProcessCPU("self")
	c.server, _ = loadkit.ProcessCPU(strconv.Itoa(serverPID))
	// Every process named postgres counts: the server's backends, the
	// cluster's background processes, and any other cluster's or client's.
	// Likewise every redis-server.
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, comm := range comms {
		name, err := os.ReadFile(comm)
		if err != nil {
			continue
		}
		var into *time.Duration
		switch string(bytes.TrimSpace(name)) {
		case "postgres":
			into = &c.postgres
		case "redis-server":
			into = &c.redis
		default:
			continue
		}
		t, _ := loadkit.ProcessCPU(filepath.Base(filepath.Dir(comm)))
		*into += t
	}
	c.machine, _ = machineBusy()
	return c
}

// machineBusy is the time all CPUs spent on anything but idling or waiting
// for I/O, from the first line of /proc/stat.
func machineBusy() (time.Duration, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 9 || string(fields[0]) != "cpu" {
		return 0, fmt.Errorf("unexpected /proc/stat")
	}
	var ticks int64
	// user nice system idle iowait irq softirq steal: time stolen by the
	// hypervisor went to other machines.
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 || i == 7 {
			continue
		}
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * loadkit.ClockTick, nil
}

// perRequest formats c divided over n requests, in microseconds.
func (c cpuTime) perRequest(n uint64) string {
	if n == 0 || c.machine == 0 {
		return "not measured (needs Linux /proc)"
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) / float64(n) }
	rest := c.machine - c.client - c.server - c.postgres - c.redis
	return fmt.Sprintf("%5.1f µs = client %5.1f + server %5.1f + PostgreSQL %5.1f + Redis %5.1f + rest %5.1f",
		us(c.machine), us(c.client), us(c.server), us(c.postgres), us(c.redis), us(rest))
}
