package model

import (
	"testing"
	"time"
)

func TestNetworkOf(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"}, // a mapped IPv4 address is that address
		{"2001:db8:1:2::1", "2001:db8:1:2::99"},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"},
		{"fe80::1%eth0", "fe80::2"},
	} {
		a, okA := NetworkOf(c.a)
		b, okB := NetworkOf(c.b)
		if !okA || !okB || a != b {
			t.Errorf("NetworkOf(%q) = %v, NetworkOf(%q) = %v; want one network", c.a, a, c.b, b)
		}
	}
	for _, c := range []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.2"},
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"0.0.0.1", "::1"},
	} {
		a, _ := NetworkOf(c.a)
		b, _ := NetworkOf(c.b)
		if a == b {
			t.Errorf("%q and %q share the network %v", c.a, c.b, a)
		}
	}
	for _, s := range []string{"", "localhost", "192.0.2.1:80", "2001:db8::/64"} {
		if n, ok := NetworkOf(s); ok {
			t.Errorf("NetworkOf(%q) = %v, want no network", s, n)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, c := range []struct {
		after time.Duration
		want  int
	}{{0, 0}, {-time.Second, 0}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {15 * time.Minute, 900}} {
		if got := (&Error{RetryAfter: c.after}).RetryAfterSeconds(); got != c.want {
			t.Errorf("RetryAfter %v: %d seconds, want %d", c.after, got, c.want)
		}
	}
}
