package loadbench

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test stops what it starts: servers, clients, child processes.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
