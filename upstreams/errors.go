package upstreams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// Code classifies an upstream failure; it is the GraphQL error's
// extensions.code.
type Code string

// The codes of upstream failures.
const (
	// CodeTimeout: the call did not finish within its deadline.
	CodeTimeout Code = "UPSTREAM_TIMEOUT"
	// CodeUnavailable: no connection could be made, or it broke.
	CodeUnavailable Code = "UPSTREAM_UNAVAILABLE"
	// CodeCircuitOpen: the upstream's circuit breaker is open; no call was
	// made. A kind of unavailability: a fallback on UPSTREAM_UNAVAILABLE
	// serves it too.
	CodeCircuitOpen Code = "UPSTREAM_CIRCUIT_OPEN"
	// CodeOverloaded: the upstream's concurrency limit was reached and the
	// call was shed; no call was made. A kind of unavailability.
	CodeOverloaded Code = "UPSTREAM_OVERLOADED"
	// CodeError: the upstream answered with an error (a 5xx or 4xx status, a
	// GraphQL error).
	CodeError Code = "UPSTREAM_ERROR"
	// CodeBadResponse: the answer could not be read (not JSON, too large,
	// the wrong shape).
	CodeBadResponse Code = "UPSTREAM_BAD_RESPONSE"
	// CodeBadRequest: the gateway could not build the request, e.g. a path
	// template read a null value.
	CodeBadRequest Code = "UPSTREAM_REQUEST_INVALID"
	// CodeGraphQLError: a GraphQL upstream answered errors and no value for
	// the field. The errors themselves keep the upstream's codes; this one
	// names the condition, for fallbacks.
	CodeGraphQLError Code = "UPSTREAM_GRAPHQL_ERROR"
	// CodeBadUserInput: the client's own input cannot be sent (an argument
	// that would make a URL path segment ".."). Not an upstream failure:
	// no call was made, and no fallback serves it.
	CodeBadUserInput Code = "BAD_USER_INPUT"
)

// Error is a failed call.
//
// What reaches the client depends on the upstream's spec.exposeErrors. By
// default a client sees a stable message per code (Code.Masked), the code,
// the upstream's name, Status and Extensions; Msg, Detail and Relayed go
// to the log, with the request id. With exposeErrors the client sees Msg,
// Detail and Relayed too.
type Error struct {
	Code     Code
	Upstream string
	// Status is the HTTP status, if any.
	Status int
	// Msg is the gateway's account of the failure ("HTTP 500 Internal
	// Server Error", "answer is not valid JSON"). It may quote the
	// upstream's answer (a SOAP fault's code, where a decoder stopped).
	Msg string
	// Detail is the upstream's own words about the failure: an error
	// answer's message, a gRPC status message, a SOAP faultstring.
	Detail string
	// RetryAfter is the wait a 429 or 503 answer asked for.
	RetryAfter time.Duration
	// NullIfNullable makes a nullable field null, with no error, when its
	// call fails so (a gRPC NOT_FOUND): the thing asked for does not exist.
	NullIfNullable bool
	// Extensions are facts meant for programs, for the GraphQL error's
	// extensions whether or not the upstream exposes its errors: a gRPC
	// status code, a breaker's reason, a SOAP fault code (see IsCode).
	Extensions map[string]any
	// Relayed are more of the upstream's own words, as JSON, for the
	// GraphQL error's extensions where the upstream exposes its errors: a
	// SOAP fault's string and detail, gRPC error details.
	Relayed map[string]json.RawMessage
	// Err is the underlying error, for logs.
	Err error
}

// Relay adds a value to e.Relayed.
func (e *Error) Relay(key string, value json.RawMessage) {
	if e.Relayed == nil {
		e.Relayed = map[string]json.RawMessage{}
	}
	e.Relayed[key] = value
}

// Masked is the message a client sees for a failure of code from upstream
// when the upstream does not expose its errors: stable, so that clients
// and dashboards can rely on it, and free of anything the upstream said.
func (c Code) Masked(upstream string) string {
	switch c {
	case CodeTimeout:
		return "upstream " + upstream + " timed out"
	case CodeUnavailable:
		return "upstream " + upstream + " is unavailable"
	case CodeCircuitOpen:
		return "upstream " + upstream + " is unavailable: its circuit breaker is open"
	case CodeOverloaded:
		return "upstream " + upstream + " is overloaded"
	case CodeBadResponse:
		return "upstream " + upstream + " gave an answer that cannot be read"
	case CodeBadRequest:
		return "the request to upstream " + upstream + " could not be built"
	}
	return "upstream " + upstream + " failed"
}

// IsCode reports whether s reads as a code meant for programs (a GraphQL
// error's extensions.code, a SOAP fault code): a letter or "_", then
// letters, digits, "_", "." or "-", at most 64 bytes in all. An upstream's
// code that is one is shown to clients even where its messages are not;
// anything else in a code's place may be text meant for people.
func IsCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("upstream %s: %s: %v", e.Upstream, e.Msg, e.Err)
	}
	return fmt.Sprintf("upstream %s: %s", e.Upstream, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error.
func Errorf(code Code, upstream string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Upstream: upstream, Msg: fmt.Sprintf(format, args...), Err: err}
}

// TransportError classifies an error from sending a request or reading its
// answer.
func TransportError(upstream string, err error) *Error {
	var ue *Error
	if errors.As(err, &ue) {
		return ue
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return Errorf(CodeTimeout, upstream, err, "timed out")
	case errors.Is(err, context.Canceled):
		return Errorf(CodeUnavailable, upstream, err, "request cancelled")
	case errors.Is(err, syscall.ECONNREFUSED):
		return Errorf(CodeUnavailable, upstream, err, "connection refused")
	case errors.Is(err, syscall.ECONNRESET):
		return Errorf(CodeUnavailable, upstream, err, "connection reset")
	default:
		return Errorf(CodeUnavailable, upstream, err, "unavailable")
	}
}
