package upstreams

import (
	"context"
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
type Error struct {
	Code     Code
	Upstream string
	// Status is the HTTP status, if any.
	Status int
	// Msg is safe to show clients: it names no upstream internals.
	Msg string
	// Detail summarizes the upstream's error answer; shown to clients only
	// where the upstream's config exposes error bodies.
	Detail string
	// RetryAfter is the wait a 429 or 503 answer asked for.
	RetryAfter time.Duration
	// NullIfNullable makes a nullable field null, with no error, when its
	// call fails so (a gRPC NOT_FOUND): the thing asked for does not exist.
	NullIfNullable bool
	// Extensions are more facts for the GraphQL error's extensions (a gRPC
	// status code, error details).
	Extensions map[string]any
	// Err is the underlying error, for logs.
	Err error
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
