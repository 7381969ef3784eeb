//go:build !race

package testkit

// RaceEnabled is false: without -race the server binary is built plainly,
// which needs no C toolchain.
const RaceEnabled = false
