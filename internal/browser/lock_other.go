//go:build !unix

package browser

import "testing"

// lockMachine serializes browsers only where file locks are available.
func lockMachine(testing.TB) func() { return func() {} }
