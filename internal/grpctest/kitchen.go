package grpctest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// unaryHandler answers one unary call.
type unaryHandler func(ctx context.Context, m protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error)

// serviceDesc serves every method of the service from its descriptor.
func (s *Server) serviceDesc() *grpc.ServiceDesc {
	handlers := map[string]unaryHandler{
		"Echo":        s.echo,
		"Odd":         s.odd,
		"GetItem":     s.getItem,
		"GetItems":    s.getItems,
		"ListParents": s.listParents,
		"Fail":        s.fail,
		"Slow":        s.slow,
		"Hold":        s.hold,
		"WhoAmI":      s.whoAmI,
		"Big":         s.big,
	}
	desc := &grpc.ServiceDesc{ServiceName: Service, HandlerType: (*any)(nil), Metadata: ProtoFile}
	for i := 0; i < s.svc.Methods().Len(); i++ {
		md := s.svc.Methods().Get(i)
		name := string(md.Name())
		if md.IsStreamingServer() {
			desc.Streams = append(desc.Streams, grpc.StreamDesc{StreamName: name, ServerStreams: true,
				Handler: func(_ any, stream grpc.ServerStream) error { return s.watch(md, stream) }})
			continue
		}
		handle := handlers[name]
		if handle == nil {
			panic("grpctest: no handler for " + name)
		}
		desc.Methods = append(desc.Methods, grpc.MethodDesc{
			MethodName: name,
			Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				req := dynamicpb.NewMessage(md.Input())
				if err := dec(req); err != nil {
					return nil, err
				}
				s.record(name, req)
				call := func(ctx context.Context, r any) (any, error) { return handle(ctx, md, r.(*dynamicpb.Message)) }
				if interceptor == nil {
					return call(ctx, req)
				}
				return interceptor(ctx, req, &grpc.UnaryServerInfo{Server: s, FullMethod: "/" + Method(name)}, call)
			},
		})
	}
	return desc
}

// field reads a field of m by its proto name.
func field(m protoreflect.Message, name string) protoreflect.Value {
	return m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(name)))
}

// set writes a field of m by its proto name.
func set(m protoreflect.Message, name string, v protoreflect.Value) {
	m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(name)), v)
}

// message makes an empty message of a type of the service's file.
func (s *Server) message(name string) *dynamicpb.Message {
	d, err := s.files.FindDescriptorByName(protoreflect.FullName("weft.test.v1." + name))
	if err != nil {
		panic("grpctest: " + err.Error())
	}
	return dynamicpb.NewMessage(d.(protoreflect.MessageDescriptor))
}

// item is the item an id stands for: the same id always gives the same
// item.
func (s *Server) item(id string) *dynamicpb.Message {
	m := s.message("Item")
	set(m, "id", protoreflect.ValueOfString(id))
	set(m, "name", protoreflect.ValueOfString("Item "+id))
	set(m, "price", protoreflect.ValueOfInt64(int64(100*len(id))))
	return m
}

func (s *Server) echo(_ context.Context, _ protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	return req, nil
}

func (s *Server) odd(_ context.Context, md protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	out := dynamicpb.NewMessage(md.Output())
	switch what := field(req, "what").String(); what {
	case "unknown_enum":
		set(out, "color", protoreflect.ValueOfEnum(99))
	case "nan":
		set(out, "double_val", protoreflect.ValueOfFloat64(math.NaN()))
	case "infinity":
		set(out, "float_val", protoreflect.ValueOfFloat32(float32(math.Inf(1))))
	case "negative_infinity":
		set(out, "double_val", protoreflect.ValueOfFloat64(math.Inf(-1)))
	case "bad_utf8":
		b := s.message("Broken")
		set(b, "string_val", protoreflect.ValueOfBytes([]byte{0xff, 0xfe, 'x'}))
		return b, nil
	default:
		return nil, status.Errorf(codes.InvalidArgument, "what: %q is not an oddity", what)
	}
	return out, nil
}

func (s *Server) getItem(_ context.Context, _ protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	id := field(req, "id").String()
	if strings.HasPrefix(id, "missing") {
		return nil, status.Errorf(codes.NotFound, "no item %q", id)
	}
	return s.item(id), nil
}

func (s *Server) getItems(_ context.Context, md protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	out := dynamicpb.NewMessage(md.Output())
	items := out.Mutable(md.Output().Fields().ByName("items")).List()
	ids := field(req, "ids").List()
	for i := 0; i < ids.Len(); i++ {
		if id := ids.Get(i).String(); !strings.HasPrefix(id, "missing") {
			items.Append(protoreflect.ValueOfMessage(s.item(id)))
		}
	}
	return out, nil
}

func (s *Server) listParents(_ context.Context, md protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	count, distinct := int(field(req, "count").Int()), int(field(req, "distinct").Int())
	if distinct <= 0 {
		distinct = max(count, 1)
	}
	out := dynamicpb.NewMessage(md.Output())
	parents := out.Mutable(md.Output().Fields().ByName("parents")).List()
	for i := 0; i < count; i++ {
		p := s.message("Parent")
		set(p, "id", protoreflect.ValueOfString(fmt.Sprintf("p%d", i)))
		set(p, "item_id", protoreflect.ValueOfString(fmt.Sprintf("i%d", i%distinct)))
		parents.Append(protoreflect.ValueOfMessage(p))
	}
	return out, nil
}

// Details are what Fail adds to a status when asked for details.
var (
	DetailErrorInfo  = &errdetails.ErrorInfo{Reason: "KITCHEN_ON_FIRE", Domain: "test.weft.dev", Metadata: map[string]string{"burner": "2"}}
	DetailBadRequest = &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "message", Description: "too hot"}}}
)

func (s *Server) fail(_ context.Context, _ protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	code := codes.Code(field(req, "code").Int())
	if code == codes.OK {
		return s.item("ok"), nil
	}
	st := status.New(code, field(req, "message").String())
	if field(req, "details").Bool() {
		var err error
		if st, err = st.WithDetails(DetailErrorInfo, DetailBadRequest); err != nil {
			return nil, status.Errorf(codes.Internal, "details: %v", err)
		}
	}
	return nil, st.Err()
}

func (s *Server) slow(ctx context.Context, _ protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	t := time.NewTimer(time.Duration(field(req, "millis").Int()) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return s.item("slow"), nil
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

func (s *Server) hold(ctx context.Context, _ protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	s.holding.Add(1)
	defer s.holding.Add(-1)
	key := field(req, "key").String()
	select {
	case s.entered <- key:
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	select {
	case <-s.release:
		return s.item(key), nil
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

func (s *Server) whoAmI(ctx context.Context, md protoreflect.MethodDescriptor, _ *dynamicpb.Message) (proto.Message, error) {
	out := dynamicpb.NewMessage(md.Output())
	fd := md.Output().Fields().ByName("metadata")
	m := out.Mutable(fd).Map()
	for k, v := range incoming(ctx) {
		m.Set(protoreflect.ValueOfString(k).MapKey(), protoreflect.ValueOfString(v))
	}
	return out, nil
}

func (s *Server) big(_ context.Context, md protoreflect.MethodDescriptor, req *dynamicpb.Message) (proto.Message, error) {
	data := make([]byte, field(req, "size").Int())
	for i := range data {
		data[i] = byte(i % 251)
	}
	out := dynamicpb.NewMessage(md.Output())
	set(out, "data", protoreflect.ValueOfBytes(data))
	return out, nil
}

// watch sends count ticks, numbered from 1, then ends; with fail_after > 0
// it fails with code after that many ticks.
func (s *Server) watch(md protoreflect.MethodDescriptor, stream grpc.ServerStream) error {
	req := dynamicpb.NewMessage(md.Input())
	if err := stream.RecvMsg(req); err != nil {
		return err
	}
	s.record(string(md.Name()), req)
	count, failAfter := int(field(req, "count").Int()), int(field(req, "fail_after").Int())
	for i := 0; i < count; i++ {
		if failAfter > 0 && i == failAfter {
			return status.Errorf(codes.Code(field(req, "code").Int()), "watch failed after %d ticks", i)
		}
		t := dynamicpb.NewMessage(md.Output())
		set(t, "n", protoreflect.ValueOfInt32(int32(i+1)))
		if err := stream.SendMsg(t); err != nil {
			return err
		}
	}
	return nil
}
