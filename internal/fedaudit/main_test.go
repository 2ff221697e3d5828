package fedaudit

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test stops what it starts: the server, its reaper, connections.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
