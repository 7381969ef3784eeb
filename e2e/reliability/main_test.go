// Package reliability tests what Keyfob promises under stress: real
// binaries stopped and killed, faults in the database path, several
// instances at once, hostile input and races.
package reliability

import (
	"testing"

	"github.com/keyfob/keyfob/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }
