//go:build race

package testkit

// RaceEnabled makes the end-to-end tests build the server binary with the
// race detector when the tests themselves run with it.
const RaceEnabled = true
