package soap_test

import (
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/upstreams/soap"
)

// The resilience policy retries and hedges only what a kind says reads.
var _ resilience.Idempotency = (*soap.Upstream)(nil)
