//go:build !race

package testkit

// raceEnabled is false: without -race the server binary is built plainly,
// which needs no C toolchain.
const RaceEnabled = false
