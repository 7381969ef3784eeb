//go:build !race

package main

// raceEnabled is false: without -race the server binary is built plainly,
// which needs no C toolchain.
const raceEnabled = false
