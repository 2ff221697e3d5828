package virtualservices_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test stops what it starts: servers, watchers, upstream calls.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
