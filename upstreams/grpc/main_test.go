package grpc_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes the servers, upstreams and streams it opens.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
