package demo

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
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
	// FaultGarbage: every answer is malformed (JSON or XML cut short, a
	// protobuf string that is not UTF-8).
	FaultGarbage Fault = "garbage"
)

// SlowDelay is how long a slow upstream waits before answering.
const SlowDelay = 30 * time.Second

// Upstream names of the demo, as its config names them.
var upstreamNames = []string{"catalog", "reviews", "inventory", "shipping"}

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

// faultyHTTP wraps an HTTP upstream's handler with its fault. A slow
// answer gives up when the caller does, so no goroutine outlives it.
func faultyHTTP(f Fault, soap bool, next http.Handler) http.Handler {
	switch f {
	case FaultSlow:
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(SlowDelay):
				next.ServeHTTP(w, r)
			case <-r.Context().Done():
			}
		})
	case FaultError:
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if soap {
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>the quote engine is down (demo fault)</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
				return
			}
			http.Error(w, `{"error": "internal error (demo fault)"}`, http.StatusInternalServerError)
		})
	case FaultGarbage:
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if soap {
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				fmt.Fprint(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetQuoteRes`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data": {"products": [{"upc": "1", "na`)
		})
	}
	return next
}

// faultyGRPC is the inventory's interceptor for its fault.
func faultyGRPC(f Fault) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if strings.HasPrefix(info.FullMethod, "/grpc.") {
			return handler(srv, ss) // reflection and health work as ever
		}
		switch f {
		case FaultSlow:
			select {
			case <-time.After(SlowDelay):
			case <-ss.Context().Done():
				return status.FromContextError(ss.Context().Err()).Err()
			}
		case FaultError:
			return status.Error(codes.Internal, "the stock database is down (demo fault)")
		case FaultGarbage:
			return handler(srv, &garbageStream{ServerStream: ss})
		}
		return handler(srv, ss)
	}
}

// garbageStream sends bytes no message decodes from: a string field (1)
// whose bytes are not UTF-8, which proto3 forbids.
type garbageStream struct{ grpc.ServerStream }

func (g *garbageStream) SendMsg(any) error {
	return g.ServerStream.SendMsg(rawMessage{0x0a, 0x02, 0xff, 0xfe})
}

// rawMessage is a message already encoded; garbageCodec sends it as it is.
type rawMessage []byte

// garbageCodec is the proto codec, but sends a rawMessage's bytes as they
// are, so the garbage fault can send what no message encodes to.
type garbageCodec struct{}

func (garbageCodec) Marshal(v any) ([]byte, error) {
	if r, ok := v.(rawMessage); ok {
		return r, nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("demo codec: %T is not a message", v)
	}
	return proto.Marshal(m)
}

func (garbageCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("demo codec: %T is not a message", v)
	}
	return proto.Unmarshal(data, m)
}

func (garbageCodec) Name() string { return "proto" }

// faultyUnary is faultyGRPC for unary methods.
func faultyUnary(f Fault) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		switch f {
		case FaultSlow:
			select {
			case <-time.After(SlowDelay):
			case <-ctx.Done():
				return nil, status.FromContextError(ctx.Err()).Err()
			}
		case FaultError:
			return nil, status.Error(codes.Internal, "the stock database is down (demo fault)")
		case FaultGarbage:
			return rawMessage{0x0a, 0x02, 0xff, 0xfe}, nil
		}
		return handler(ctx, req)
	}
}
