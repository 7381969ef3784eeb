package model

import "net/netip"

// NetworkOf is the block of addresses that ip is judged by, for the limits
// on failed attempts and for recognising a user's usual address: an IPv4
// address stands for itself, an IPv6 address for its /64. A customer,
// household or office is handed a whole /64, and privacy addresses rotate
// within it, so each of its 2⁶⁴ addresses stands for all the others. It
// is false for text that is no address.
func NetworkOf(ip string) (netip.Prefix, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	bits := 64
	if addr.Is4() {
		bits = 32
	}
	network, err := addr.Prefix(bits)
	return network, err == nil
}
