package resilience

import (
	"net/http"

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
// (queries are reads), grpc and soap (methods and operations imported as
// Query fields). For the others, what the binding itself says is used: a
// REST call whose method is GET or HEAD (safe methods, RFC 9110 section
// 9.2.1) is a read. Anything else (REST writes, mutations) is neither
// retried nor hedged.
func classify(up upstreams.Upstream, c *upstreams.Call) (retry, hedge bool) {
	if id, ok := up.(Idempotency); ok {
		ok := id.Idempotent(c)
		return ok, ok
	}
	b := c.Binding
	if b == nil {
		return false, false
	}
	if b.REST != nil {
		req := &b.REST.RESTRequest
		if c.Batch && b.REST.Batch != nil {
			req = b.REST.Batch
		}
		switch req.Method {
		case "", http.MethodGet, http.MethodHead:
			return true, true
		}
	}
	return false, false
}
