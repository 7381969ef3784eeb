package redistest

import (
	"net"
	"strconv"
	"testing"
	"time"
)

// The private server's port lies below the kernel's range for outgoing
// connections, so no outgoing connection can take it while the server is
// stopped; started again, it answers on the same port.
func TestServerPortIsOutsideTheEphemeralRange(t *testing.T) {
	r := Start(t)
	if low := firstEphemeralPort(); r.port >= low {
		t.Fatalf("port %d is in the ephemeral range (from %d)", r.port, low)
	}
	r.Stop(t)
	r.Start(t)
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(r.port), time.Second)
	if err != nil {
		t.Fatalf("restarted server: %v", err)
	}
	_ = c.Close()
}
