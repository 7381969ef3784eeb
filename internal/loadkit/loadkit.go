// Package loadkit holds what the load commands (cmd/keyfob-load,
// cmd/keyfob-vs-postgraphile) share: a GraphQL call to seed data, a free
// loopback address for a server, and a process's CPU time from /proc.
package loadkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// GraphQL posts query with vars to base's /graphql, as token's bearer when
// token is set, and decodes the answer's data into out; an answer with
// errors is an error holding the whole answer.
func GraphQL(base, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var parsed struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &parsed); err != nil || len(parsed.Errors) > 0 {
		return fmt.Errorf("graphql: %s", raw)
	}
	return json.Unmarshal(parsed.Data, out)
}

// FreeAddr is a loopback address no one listens on now.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ClockTick is USER_HZ, the unit of /proc's CPU times.
const ClockTick = 10 * time.Millisecond

// ProcessCPU is utime+stime+cutime+cstime of /proc/<pid>/stat: the
// children's share counts PostgreSQL backends that have exited.
func ProcessCPU(pid string) (time.Duration, error) {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, fmt.Errorf("CPU time needs Linux /proc: %w", err)
	}
	return ParseStatCPU(raw)
}

// ParseStatCPU reads ProcessCPU's sum from the text of /proc/<pid>/stat.
func ParseStatCPU(raw []byte) (time.Duration, error) {
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
	return time.Duration(ticks) * ClockTick, nil
}
