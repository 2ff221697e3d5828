package resilience

import (
	"github.com/weft-gateway/weft/upstreams"
)

// Idempotency is implemented by upstream kinds that can tell a call that
// only reads from one that may change something (a gRPC method imported as
// a Query, a SOAP operation imported as a Query). Retries and hedges are
// sent only for idempotent calls, since a write sent twice may happen
// twice.
//
// A kind that implements it and merges identical reads in flight must key
// the merging on Call.Key as Do sees it: a hedge is the call prepared again
// under a Key of its own, and would otherwise join the exchange it is meant
// to race.
type Idempotency interface {
	// Idempotent reports whether sending c twice, one after the other or
	// at once, has the effect of sending it once.
	Idempotent(c *upstreams.Call) bool
}

// classify says whether c may be retried and whether it may be hedged.
//
// Upstreams that implement Idempotency decide both: the graphql kind
// (queries are reads), rest (GET and HEAD), grpc and soap (methods and
// operations imported as Query fields). Calls to any other kind are
// neither retried nor hedged, since a write sent twice may happen twice.
func classify(up upstreams.Upstream, c *upstreams.Call) (retry, hedge bool) {
	if id, ok := up.(Idempotency); ok {
		ok := id.Idempotent(c)
		return ok, ok
	}
	return false, false
}
