package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
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

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// architecture Go supports.
const clockTick = 10 * time.Millisecond

// sampleCPU reads /proc. Outside Linux every figure stays zero and the
// report says so rather than failing the run.
func sampleCPU(serverPID int) cpuTime {
	var c cpuTime
	c.client, _ = processCPU("self")
	c.server, _ = processCPU(strconv.Itoa(serverPID))
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
		t, _ := processCPU(filepath.Base(filepath.Dir(comm)))
		*into += t
	}
	c.machine, _ = machineBusy()
	return c
}

// processCPU is utime+stime+cutime+cstime of /proc/<pid>/stat: the
// children's share counts PostgreSQL backends that have exited.
func processCPU(pid string) (time.Duration, error) {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(raw)
}

func parseStatCPU(raw []byte) (time.Duration, error) {
	// The command name may hold spaces and parentheses; the fields after
	// its last ')' do not.
	end := bytes.LastIndexByte(raw, ')')
	if end < 0 {
		return 0, fmt.Errorf("unexpected /proc/<pid>/stat: %.40q", raw)
	}
	fields := bytes.Fields(raw[end+1:])
	// fields[0] is the state (field 3); utime is field 14, cstime field 17.
	if len(fields) < 15 {
		return 0, fmt.Errorf("unexpected /proc/<pid>/stat: %.40q", raw)
	}
	var ticks int64
	for _, f := range fields[11:15] {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
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
	return time.Duration(ticks) * clockTick, nil
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
