package faults

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// GRPCOptions are the server options that apply the Injector's faults to a
// gRPC server: unary and stream interceptors, and a codec that is the proto
// codec except that it sends the bytes the interceptors made as they are.
// Serve on the Injector's Listener too, for Down and Reset to break
// connections. Methods of the grpc.* services (reflection, health) pass
// through whatever the fault.
func (i *Injector) GRPCOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(i.unary),
		grpc.ChainStreamInterceptor(i.stream),
		grpc.ForceServerCodec(rawCodec{}),
	}
}

// GRPCCode is the gRPC code a Status fault fails gRPC calls with: the HTTP
// to gRPC mapping of the gRPC spec (502, 503 and 504 are UNAVAILABLE),
// except that 429 is RESOURCE_EXHAUSTED, as a gRPC server that sheds load
// says, 500 INTERNAL and 501 UNIMPLEMENTED.
func GRPCCode(httpStatus int) codes.Code {
	switch httpStatus {
	case http.StatusBadRequest:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case http.StatusInternalServerError:
		return codes.Internal
	case http.StatusNotImplemented:
		return codes.Unimplemented
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return codes.Unavailable
	}
	return codes.Unknown
}

// spared says whether a method is of a grpc.* service, which faults leave
// alone.
func spared(fullMethod string) bool { return strings.HasPrefix(fullMethod, "/grpc.") }

func (i *Injector) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if spared(info.FullMethod) {
		return handler(ctx, req)
	}
	f := i.take()
	if err := i.before(ctx, f); err != nil {
		return nil, err
	}
	resp, err := handler(ctx, req)
	if err != nil {
		return nil, err
	}
	return rewrite(resp, f)
}

func (i *Injector) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if spared(info.FullMethod) {
		return handler(srv, ss)
	}
	f := i.take()
	if err := i.before(ss.Context(), f); err != nil {
		return err
	}
	switch f.kind {
	case kindMalformed, kindWrongTypes, kindHuge:
		return handler(srv, &rewriteStream{ServerStream: ss, f: f})
	}
	return handler(srv, ss)
}

// resetPause lets the response headers leave before a Reset breaks the
// connection: grpc-go queues them for its writer goroutine, and there is no
// way to know when they are on the wire.
const resetPause = 10 * time.Millisecond

// before applies the faults that act before the handler runs; an error ends
// the call.
func (i *Injector) before(ctx context.Context, f Fault) error {
	switch f.kind {
	case kindSlow, kindHang:
		var after <-chan time.Time
		if f.kind == kindSlow {
			t := time.NewTimer(f.delay)
			defer t.Stop()
			after = t.C
		}
		select {
		case <-after:
			return nil
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	case kindDown:
		i.breakConn(ctx)
		return status.Error(codes.Unavailable, "injected fault: down")
	case kindReset:
		if err := grpc.SendHeader(ctx, metadata.MD{}); err != nil {
			return err
		}
		t := time.NewTimer(resetPause)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		i.breakConn(ctx)
		return status.Error(codes.Unavailable, "injected fault: connection reset")
	case kindStatus:
		st := status.New(GRPCCode(f.status), f.statusMessage())
		if f.retryAfter > 0 {
			if d, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(f.retryAfter)}); err == nil {
				st = d
			}
		}
		return st.Err()
	}
	return nil
}

// breakConn resets the connection a call came on, when the Injector's
// Listener accepted it.
func (i *Injector) breakConn(ctx context.Context) {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		i.resetPeer(p.Addr.String())
	}
}

// rewrite turns an answer into the bytes a Malformed, WrongTypes or Huge
// fault sends; other faults send it as it is.
func rewrite(resp any, f Fault) (any, error) {
	switch f.kind {
	case kindMalformed, kindWrongTypes, kindHuge:
	default:
		return resp, nil
	}
	m, ok := resp.(proto.Message)
	if !ok {
		return nil, status.Errorf(codes.Internal, "faults: %T is not a protobuf message", resp)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "faults: %v", err)
	}
	switch f.kind {
	case kindMalformed:
		return raw(malformedWire(b)), nil
	case kindWrongTypes:
		return raw(wrongWire(b)), nil
	}
	return raw(padWire(b, f.size)), nil
}

// rewriteStream rewrites each message a streaming method sends.
type rewriteStream struct {
	grpc.ServerStream
	f Fault
}

func (s *rewriteStream) SendMsg(m any) error {
	out, err := rewrite(m, s.f)
	if err != nil {
		return err
	}
	return s.ServerStream.SendMsg(out)
}

// raw is a message already encoded, which rawCodec sends as it is.
type raw []byte

// rawCodec is the proto codec, except that it sends a raw's bytes as they
// are: how a fault sends bytes no message encodes to.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	if r, ok := v.(raw); ok {
		return r, nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("faults codec: %T is not a protobuf message", v)
	}
	return proto.Marshal(m)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("faults codec: %T is not a protobuf message", v)
	}
	return proto.Unmarshal(data, m)
}

func (rawCodec) Name() string { return "proto" }

// malformedWire appends to a message's encoding a field 1, length-delimited,
// that claims 127 bytes and has one: after a whole message a decoder is at
// a field's start, so it reads the claim and fails whatever the message's
// type.
func malformedWire(b []byte) []byte {
	return append(b[:len(b):len(b)], 0x0a, 0x7f, 'x')
}

// wrongWire re-encodes each top-level field of a message with another wire
// type: a varint or fixed-width number as bytes (its little-endian
// encoding), bytes as a varint (their length). A group, or an encoding it
// cannot read, is kept as it is.
func wrongWire(b []byte) []byte {
	out := make([]byte, 0, len(b)+16)
	for rest := b; len(rest) > 0; {
		num, typ, n := protowire.ConsumeTag(rest)
		if n < 0 {
			return b
		}
		m := protowire.ConsumeFieldValue(num, typ, rest[n:])
		if m < 0 {
			return b
		}
		val := rest[n : n+m]
		switch typ {
		case protowire.VarintType, protowire.Fixed32Type, protowire.Fixed64Type:
			out = protowire.AppendTag(out, num, protowire.BytesType)
			out = protowire.AppendBytes(out, val)
		case protowire.BytesType:
			v, _ := protowire.ConsumeBytes(val)
			out = protowire.AppendTag(out, num, protowire.VarintType)
			out = protowire.AppendVarint(out, uint64(len(v)))
		default:
			out = append(out, rest[:n+m]...)
		}
		rest = rest[n+m:]
	}
	return out
}

// padWire pads a message's encoding to n bytes (when it is shorter) with an
// unknown length-delimited field of the highest field number, which every
// decoder skips.
func padWire(b []byte, n int64) []byte {
	const num = protowire.MaxValidNumber
	overhead := int64(protowire.SizeTag(num))
	left := n - int64(len(b)) - overhead
	if left <= 0 {
		return b
	}
	// The length's own varint takes room too.
	size := left - int64(protowire.SizeVarint(uint64(left)))
	for size > 0 && int64(protowire.SizeVarint(uint64(size)))+size > left {
		size--
	}
	if size < 0 {
		return b
	}
	out := make([]byte, 0, n)
	out = append(out, b...)
	out = protowire.AppendTag(out, num, protowire.BytesType)
	out = protowire.AppendVarint(out, uint64(size))
	return append(out, make([]byte, size)...)
}
