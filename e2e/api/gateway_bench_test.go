package api

import (
	"bufio"
	"bytes"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keyfob/keyfob/internal/config"
	"github.com/keyfob/keyfob/internal/testkit"
)

// BenchmarkGatewayAnswer is one /auth/verify answer beside /noop's, through
// a real listener and net/http's own response writer, which the in-process
// benchmarks above replace with a recorder. The client writes raw bytes and
// reads the answer's lines into one buffer, so allocs/op and B/op are the
// server's: what the nine headers of a gateway answer cost net/http, past
// eight entries in its header map, shows here (BENCHMARKS.md, "Where
// /auth/verify's overhead goes"). ns/op is a round trip on loopback, not
// CPU: the load command measures that.
func BenchmarkGatewayAnswer(b *testing.B) {
	e := testkit.NewEnv(b, "sqlite", func(c *config.Config) {
		c.RateLimits.PerKey = 1 << 30
		c.NoopEndpoint = true
	})
	owner := e.SignUp(b, "Bench")
	_, secret := e.CreateKey(b, owner, "Bench")
	srv := httptest.NewServer(e.Server.Handler())
	b.Cleanup(srv.Close)
	for _, c := range []struct{ name, path, auth string }{
		{"Noop", "/noop", ""},
		{"Verify", "/auth/verify", testkit.Bearer(secret)},
	} {
		b.Run(c.name, func(b *testing.B) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			request := "GET " + c.path + " HTTP/1.1\r\nHost: keyfob\r\nUser-Agent: bench\r\n"
			if c.auth != "" {
				request += "Authorization: " + c.auth + "\r\n"
			}
			raw := []byte(request + "\r\n")
			answers := bufio.NewReaderSize(conn, 4096)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conn.Write(raw); err != nil {
					b.Fatal(err)
				}
				readAnswer(b, answers)
			}
		})
	}
}

// readAnswer reads one bodiless 200 answer's status line and headers.
func readAnswer(b *testing.B, answers *bufio.Reader) {
	status, err := answers.ReadSlice('\n')
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		b.Fatalf("answer %q, want 200", status)
	}
	for {
		line, err := answers.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		if bytes.HasPrefix(line, []byte("Content-Length: ")) && !bytes.Equal(line, []byte("Content-Length: 0\r\n")) {
			b.Fatalf("answer with a body: %q", line)
		}
		if len(line) == 2 { // the blank line ending the headers
			return
		}
	}
}
