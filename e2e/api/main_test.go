// Package api tests Keyfob end to end through its HTTP API: real servers
// over real databases, real GraphQL requests.
package api

import (
	"testing"

	"github.com/keyfob/keyfob/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }
