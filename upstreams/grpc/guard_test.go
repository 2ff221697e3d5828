package grpc

import "github.com/weft-gateway/weft/upstreams/resilience"

// The resilience policy retries and hedges only what a kind says reads.
var _ resilience.Idempotency = (*Upstream)(nil)
