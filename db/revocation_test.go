package db

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stallingProxy forwards TCP to target until stall is set, then stops
// forwarding without closing anything, as a NAT or firewall that drops a
// connection silently does.
type stallingProxy struct {
	ln    net.Listener
	stall atomic.Bool
	mu    sync.Mutex
	conns []net.Conn
}

func newStallingProxy(t *testing.T, target string) *stallingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingProxy{ln: ln}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			go p.pipe(server, client)
			go p.pipe(client, server)
		}
	}()
	return p
}

func (p *stallingProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		for p.stall.Load() {
			time.Sleep(10 * time.Millisecond) // hold the bytes: the path went dark
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// A listener whose connection goes silent without closing must still be
// noticed, or revocations would reach this instance only through the TTL.
func TestListenerNoticesAStalledConnection(t *testing.T) {
	dsn := os.Getenv("TEST_DATABASE_URL")
	if dsn == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newStallingProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()

	listening := make(chan bool, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ListenRevocations(ctx, u.String(), ListenerEvents{
		Revoked:   func([]string) {},
		Listening: func(ok bool) { listening <- ok },
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))

	if ok := <-listening; !ok {
		t.Fatal("the listener did not start")
	}
	time.Sleep(3 * listenerHeartbeat) // quiet seconds on a healthy connection
	select {
	case ok := <-listening:
		t.Fatalf("a healthy but quiet connection was reported as %v", ok)
	default:
	}
	proxy.stall.Store(true)
	select {
	case ok := <-listening:
		if ok {
			t.Fatal("reported listening after the connection stalled")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a stalled listener connection went unnoticed for 30 s (the cache TTL)")
	}
}
