package demo

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/weft-gateway/weft/internal/faults"
)

// Fault is a way a demo upstream misbehaves, for showing fallbacks.
type Fault string

// The faults a demo upstream can have.
const (
	// FaultDown: the upstream is not listening; calls are refused.
	FaultDown Fault = "down"
	// FaultSlow: every answer waits SlowDelay first, past the demo
	// upstreams' timeouts.
	FaultSlow Fault = "slow"
	// FaultError: every call fails (HTTP 500, a SOAP fault, gRPC
	// INTERNAL).
	FaultError Fault = "error"
	// FaultGarbage: every answer is malformed (the JSON or XML answer cut
	// short, protobuf bytes that do not decode).
	FaultGarbage Fault = "garbage"
)

// SlowDelay is how long a slow upstream waits before answering.
const SlowDelay = 30 * time.Second

// Upstream names of the demo, as its config names them.
var upstreamNames = []string{"catalog", "reviews", "inventory", "shipping", "qa"}

// ParseFaults reads "reviews=down,inventory=slow".
func ParseFaults(s string) (map[string]Fault, error) {
	out := map[string]Fault{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, fault, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("demo fault %q: want UPSTREAM=FAULT, e.g. reviews=down", part)
		}
		known := false
		for _, n := range upstreamNames {
			known = known || n == name
		}
		if !known {
			return nil, fmt.Errorf("demo fault %q: no demo upstream %q (one of %s)", part, name, strings.Join(upstreamNames, ", "))
		}
		switch f := Fault(fault); f {
		case FaultDown, FaultSlow, FaultError, FaultGarbage:
			out[name] = f
		default:
			return nil, fmt.Errorf("demo fault %q: %q is not a fault (down, slow, error or garbage)", part, fault)
		}
	}
	return out, nil
}

// FaultsString writes faults back as ParseFaults reads them, sorted.
func FaultsString(faults map[string]Fault) string {
	var parts []string
	for name, f := range faults {
		parts = append(parts, name+"="+string(f))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// demoInjector is the Injector that makes an upstream misbehave as f
// says, failing with msg for FaultError; nil for no fault, and for
// FaultDown, which stops the upstream instead, so calls are refused.
func demoInjector(f Fault, msg string) *faults.Injector {
	switch f {
	case FaultSlow:
		return faults.New(faults.Slow(SlowDelay))
	case FaultError:
		return faults.New(faults.Status(http.StatusInternalServerError, 0).WithMessage(msg))
	case FaultGarbage:
		return faults.New(faults.Malformed())
	}
	return nil
}

// faultyHTTP wraps an HTTP upstream's handler, which speaks p, with its
// fault.
func faultyHTTP(f Fault, p faults.Protocol, msg string, next http.Handler) http.Handler {
	if inj := demoInjector(f, msg); inj != nil {
		return inj.HTTP(next, p)
	}
	return next
}

// faultyGRPC returns the server options of the inventory's fault.
func faultyGRPC(f Fault) []grpc.ServerOption {
	if inj := demoInjector(f, "the stock database is down (demo fault)"); inj != nil {
		return inj.GRPCOptions()
	}
	return nil
}
