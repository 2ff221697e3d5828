// Package faults makes real servers misbehave on demand, for tests of
// fallbacks and resilience and for the demo. An Injector holds one Fault at
// a time, switched with Set while the server runs; it wraps an HTTP handler
// (REST, GraphQL or SOAP), a net.Listener, or a gRPC server (interceptors
// and a codec), and every wrapped piece reads the Fault of the moment:
//
//	inj := faults.New(faults.OK())
//	srv := httptest.NewUnstartedServer(inj.HTTP(handler, faults.JSON))
//	srv.Listener = inj.Listener(srv.Listener)
//	srv.Start()
//	inj.Set(faults.Status(503, time.Second))
//
//	g := grpc.NewServer(inj.GRPCOptions()...)
//	go g.Serve(inj.Listener(lis))
//
// An Injector is safe for concurrent use and starts no goroutine: a slow
// or hanging answer waits in the handler that serves it and gives up when
// the caller does. gRPC faults spare the grpc.* services (reflection,
// health), so a client can still read the server's descriptors.
package faults

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// kind is what a Fault does.
type kind uint8

const (
	kindOK kind = iota
	kindSlow
	kindHang
	kindDown
	kindReset
	kindStatus
	kindMalformed
	kindWrongTypes
	kindHuge
)

// Fault is one way a server misbehaves. The zero Fault is OK. Faults are
// values: build them with the functions below and compare them with ==.
type Fault struct {
	kind       kind
	delay      time.Duration
	status     int
	retryAfter time.Duration
	size       int64
	message    string
}

// OK passes every call through to the real handler.
func OK() Fault { return Fault{} }

// Slow answers each call as the real handler does, after d; a caller that
// gives up first gets nothing, and the handler is not run.
func Slow(d time.Duration) Fault { return Fault{kind: kindSlow, delay: d} }

// Hang never answers: each call waits until its caller gives up.
func Hang() Fault { return Fault{kind: kindHang} }

// Down breaks connections: a wrapped listener resets each connection it
// accepts at once (a TCP RST: the client reads "connection reset by
// peer"), and setting Down resets the connections already open, so no
// keep-alive connection outlives it. A request that still reaches the HTTP
// handler, or a gRPC call the interceptors see, has its connection reset
// without an answer (a gRPC server not served on the Injector's Listener
// fails the call with UNAVAILABLE instead).
func Down() Fault { return Fault{kind: kindDown} }

// Reset starts answering and breaks the connection midway. HTTP: the real
// answer's status line and headers, with its full Content-Length, then the
// first half of its body, then a TCP RST. gRPC: the response headers, then
// a TCP RST of the call's connection (which ends every call on that
// HTTP/2 connection, as a real reset does); a server not served on the
// Injector's Listener fails the call with UNAVAILABLE instead.
func Reset() Fault { return Fault{kind: kindReset} }

// Status fails each call with an HTTP status (4xx or 5xx), and with a
// Retry-After header of retryAfter, rounded up to whole seconds, when it is
// positive. The body fits the protocol: a JSON error object (JSON), a
// GraphQL response with one error (GraphQL), a SOAP Fault for a 500 (SOAP
// 1.1 with soap:Server, or SOAP 1.2 with env:Receiver when the request was
// application/soap+xml) and a plain text body, as a proxy would send, for
// other statuses (SOAP). gRPC calls fail with the status's gRPC code (see
// GRPCCode), carrying a google.rpc.RetryInfo with retryAfter when it is
// positive.
func Status(code int, retryAfter time.Duration) Fault {
	return Fault{kind: kindStatus, status: code, retryAfter: retryAfter}
}

// Malformed answers bytes that do not parse: the real answer's body cut in
// half (JSON, GraphQL, SOAP), sent whole with its Content-Length, so only
// the parser can tell; for gRPC, the real answer's encoding followed by a
// length-delimited field that claims more bytes than follow.
func Malformed() Fault { return Fault{kind: kindMalformed} }

// WrongTypes answers a well-formed document whose values have the wrong
// types, made from the real answer when it is a success (other answers pass
// as they are). JSON: strings become numbers (their length), numbers and
// booleans become strings; for GraphQL only data is changed. SOAP: the text
// of every element, and every attribute value, that reads as a number or a
// boolean becomes a word ("wrong"), and other element text becomes a number
// ("12345"). gRPC: each top-level
// field is sent with another wire type (varints and fixed-width numbers as
// length-delimited bytes, length-delimited fields as varints). Decoders in
// the protobuf family take a field of an unexpected wire type for an unknown
// field, so the client reads the fields as unset.
func WrongTypes() Fault { return Fault{kind: kindWrongTypes} }

// Huge answers a well-formed success of n bytes: for HTTP protocols a body
// streamed in chunks without a Content-Length (a JSON string, GraphQL data,
// or a SOAP envelope holding one long element), never held in memory; for
// gRPC the real answer padded to n bytes with an unknown field (gRPC sends
// whole messages, so this one is built in memory).
func Huge(n int64) Fault { return Fault{kind: kindHuge, size: n} }

// WithMessage sets the message a Status fault sends (the JSON error, the
// GraphQL error's message, the SOAP faultstring, the gRPC status message)
// in place of one that names the status. Other faults ignore it.
func (f Fault) WithMessage(msg string) Fault {
	f.message = msg
	return f
}

// String names the fault and its parameters: "ok", "slow(200ms)",
// "status(429, retry after 1s)".
func (f Fault) String() string {
	switch f.kind {
	case kindSlow:
		return fmt.Sprintf("slow(%s)", f.delay)
	case kindHang:
		return "hang"
	case kindDown:
		return "down"
	case kindReset:
		return "reset"
	case kindStatus:
		if f.retryAfter > 0 {
			return fmt.Sprintf("status(%d, retry after %s)", f.status, f.retryAfter)
		}
		return fmt.Sprintf("status(%d)", f.status)
	case kindMalformed:
		return "malformed"
	case kindWrongTypes:
		return "wrong types"
	case kindHuge:
		return fmt.Sprintf("huge(%d)", f.size)
	}
	return "ok"
}

// statusMessage is the message a Status fault sends.
func (f Fault) statusMessage() string {
	if f.message != "" {
		return f.message
	}
	return fmt.Sprintf("injected fault: HTTP %d %s", f.status, http.StatusText(f.status))
}

// Protocol is what an HTTP handler speaks, which says how a fault writes
// its body.
type Protocol uint8

// The protocols an HTTP handler can speak.
const (
	// JSON is a REST API answering JSON.
	JSON Protocol = iota
	// GraphQL is GraphQL over HTTP: JSON with data and errors.
	GraphQL
	// SOAP is SOAP over HTTP: XML envelopes, in the version of the
	// request (1.2 for application/soap+xml, else 1.1).
	SOAP
)

// Injector switches the fault of the servers it wraps. The zero Injector
// is ready to use, with the OK fault; an Injector must not be copied after
// first use.
type Injector struct {
	state atomic.Pointer[state]
	calls atomic.Int64

	// mu guards conns: the connections the Injector's listeners accepted
	// and that are still open, by remote address, so that Down and Reset
	// can break them.
	mu    sync.Mutex
	conns map[string]*conn
}

// state is a fault and, for SetFor, how many calls it has left.
type state struct {
	f       Fault
	limited bool
	left    atomic.Int64
}

// New returns an Injector with fault f.
func New(f Fault) *Injector {
	i := &Injector{}
	i.Set(f)
	return i
}

// Set switches the fault; calls already waiting (Slow, Hang) keep the
// fault they started with. Setting Down also resets every connection the
// Injector's listeners hold open.
func (i *Injector) Set(f Fault) {
	i.state.Store(&state{f: f})
	if f.kind == kindDown {
		i.resetAll()
	}
}

// SetFor sets f for the next n calls, and OK after them: a fault that
// clears by itself, as one a retry gets past. The calls are those Calls
// counts, so a Down set this way breaks the connections of those n calls
// (as the handlers see them), and the listeners accept connections as
// ever.
func (i *Injector) SetFor(f Fault, n int) {
	s := &state{f: f, limited: true}
	s.left.Store(int64(n))
	i.state.Store(s)
}

// Fault returns the current fault: OK once a SetFor fault has served its
// calls.
func (i *Injector) Fault() Fault {
	s := i.state.Load()
	if s == nil || s.limited && s.left.Load() <= 0 {
		return Fault{}
	}
	return s.f
}

// take counts a call and returns the fault it gets.
func (i *Injector) take() Fault {
	i.calls.Add(1)
	s := i.state.Load()
	if s == nil || s.limited && s.left.Add(-1) < 0 {
		return Fault{}
	}
	return s.f
}

// down says whether the listeners refuse connections.
func (i *Injector) down() bool {
	s := i.state.Load()
	return s != nil && !s.limited && s.f.kind == kindDown
}

// Calls returns how many calls reached the wrapped handlers (HTTP requests
// and gRPC calls other than grpc.* services), whatever the fault did with
// them. Connections a Down listener reset never carried a call and are not
// counted.
func (i *Injector) Calls() int64 { return i.calls.Load() }
