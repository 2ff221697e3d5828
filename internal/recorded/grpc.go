package recorded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/bufbuild/protocompile"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/weft-gateway/weft/internal/faults"
)

// grpcServer serves a gRPC recording: every method of the services its
// .proto files declare, with dynamic messages.
type grpcServer struct {
	name    string
	u       *Upstream
	methods map[string]protoreflect.MethodDescriptor
	types   *dynamicpb.Types
	// requests and responses are the exchanges' messages, parsed at start.
	requests  map[*Exchange]proto.Message
	responses map[*Exchange]proto.Message
	lis       net.Listener
	g         *grpc.Server
	done      chan struct{}
	j         journal
}

func startGRPC(name string, u *Upstream, configDir string) (*grpcServer, error) {
	files, err := compile(u.Proto, configDir)
	if err != nil {
		return nil, err
	}
	s := &grpcServer{
		name:      name,
		u:         u,
		methods:   map[string]protoreflect.MethodDescriptor{},
		types:     dynamicpb.NewTypes(files),
		requests:  map[*Exchange]proto.Message{},
		responses: map[*Exchange]proto.Message{},
		done:      make(chan struct{}),
	}
	for _, f := range u.Proto.Files {
		fd, err := files.FindFileByPath(f)
		if err != nil {
			return nil, fmt.Errorf("recorded: %s: %w", f, err)
		}
		for i := 0; i < fd.Services().Len(); i++ {
			svc := fd.Services().Get(i)
			for k := 0; k < svc.Methods().Len(); k++ {
				m := svc.Methods().Get(k)
				s.methods[string(svc.FullName())+"/"+string(m.Name())] = m
			}
		}
	}
	for _, e := range u.Exchanges {
		where := fmt.Sprintf("recorded: upstream %s: exchange at line %d", name, e.line)
		m := s.methods[e.Request]
		if m == nil {
			return nil, fmt.Errorf("%s: no method %s in %s", where, e.Request, strings.Join(u.Proto.Files, ", "))
		}
		if m.IsStreamingClient() || m.IsStreamingServer() {
			return nil, fmt.Errorf("%s: %s streams; recordings answer unary methods", where, e.Request)
		}
		if e.Body != nil {
			msg, err := s.message(m.Input(), e.Body)
			if err != nil {
				return nil, fmt.Errorf("%s: body: %w", where, err)
			}
			s.requests[e] = msg
		}
		if e.Response.Body != nil {
			msg, err := s.message(m.Output(), e.Response.Body)
			if err != nil {
				return nil, fmt.Errorf("%s: response.body: %w", where, err)
			}
			s.responses[e] = msg
		}
		if e.Response.Raw != "" || e.Response.File != "" || e.Response.Status != 0 || len(e.Response.Headers) > 0 {
			return nil, fmt.Errorf("%s: a gRPC response has body, code and message", where)
		}
	}
	s.lis, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("recorded: %w", err)
	}
	if u.Down {
		s.lis = faults.New(faults.Down()).Listener(s.lis)
	}
	s.g = grpc.NewServer(grpc.UnknownServiceHandler(s.handle))
	go func() {
		defer close(s.done)
		_ = s.g.Serve(s.lis)
	}()
	return s, nil
}

// compile compiles a recording's .proto files with the well-known types.
func compile(p *Proto, configDir string) (*protoregistry.Files, error) {
	paths := make([]string, 0, len(p.ImportPaths))
	for _, ip := range p.ImportPaths {
		paths = append(paths, filepath.Join(configDir, filepath.FromSlash(ip)))
	}
	if len(paths) == 0 {
		paths = []string{configDir}
	}
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: paths}),
	}
	compiled, err := c.Compile(context.Background(), p.Files...)
	if err != nil {
		return nil, fmt.Errorf("recorded: compile %s: %w", strings.Join(p.Files, ", "), err)
	}
	files := new(protoregistry.Files)
	var register func(fd protoreflect.FileDescriptor) error
	register = func(fd protoreflect.FileDescriptor) error {
		if _, err := files.FindFileByPath(fd.Path()); err == nil {
			return nil
		}
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			if err := register(imports.Get(i).FileDescriptor); err != nil {
				return err
			}
		}
		return files.RegisterFile(fd)
	}
	for _, f := range compiled {
		if err := register(f); err != nil {
			return nil, fmt.Errorf("recorded: register %s: %w", f.Path(), err)
		}
	}
	return files, nil
}

// message reads a YAML value as protojson of a message type.
func (s *grpcServer) message(d protoreflect.MessageDescriptor, v any) (proto.Message, error) {
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return nil, err
	}
	m := dynamicpb.NewMessage(d)
	if err := (protojson.UnmarshalOptions{Resolver: s.types}).Unmarshal(b, m); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *grpcServer) Name() string         { return s.name }
func (s *grpcServer) Address() string      { return s.lis.Addr().String() }
func (s *grpcServer) Calls() []Call        { return s.j.takeCalls() }
func (s *grpcServer) Unexpected() []string { return s.j.takeUnexpected() }

func (s *grpcServer) Close() {
	s.g.Stop()
	<-s.done
}

func (s *grpcServer) handle(_ any, stream grpc.ServerStream) error {
	full, _ := grpc.MethodFromServerStream(stream)
	method := strings.TrimPrefix(full, "/")
	md, _ := metadata.FromIncomingContext(stream.Context())
	get := func(n string) (string, bool) {
		vs := md.Get(n)
		return strings.Join(vs, ","), len(vs) > 0
	}
	m := s.methods[method]
	if m == nil || m.IsStreamingClient() || m.IsStreamingServer() {
		s.j.record(Call{Upstream: s.name, Request: method})
		s.j.miss(missMessage(s.name, method, nil, "", false) + " (no such unary method in the recording's .proto)")
		return status.Errorf(codes.Unimplemented, "recorded: no method %s", method)
	}
	req := dynamicpb.NewMessage(m.Input())
	if err := stream.RecvMsg(req); err != nil {
		return err
	}
	body, _ := protojson.MarshalOptions{Resolver: s.types}.Marshal(req)
	var compact bytes.Buffer
	_ = json.Compact(&compact, body)
	call := Call{Upstream: s.name, Request: method, Body: json.RawMessage(compact.Bytes())}
	call.Headers = recordedHeaders(s.u.RecordHeaders, get)
	s.j.record(call)

	e, spent := s.j.pick(s.u.Exchanges, func(e *Exchange) bool {
		if e.Request != method {
			return false
		}
		for k, v := range e.Headers {
			if got, ok := get(k); !ok || got != v {
				return false
			}
		}
		if want := s.requests[e]; want != nil && !proto.Equal(want, req) {
			return false
		}
		return true
	})
	if e == nil {
		s.j.miss(missMessage(s.name, method, nil, compact.String(), spent))
		return status.Errorf(codes.Unimplemented, "recorded: no recorded answer for %s", method)
	}
	ctx := stream.Context()
	switch e.fault.kind {
	case "hang":
		<-ctx.Done()
		return status.FromContextError(ctx.Err()).Err()
	case "delay":
		t := time.NewTimer(e.fault.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	if e.Response.Code != "" && e.Response.Code != "OK" {
		c, _ := codeByName(e.Response.Code)
		return status.Error(c, e.Response.Message)
	}
	resp := s.responses[e]
	if resp == nil {
		resp = dynamicpb.NewMessage(m.Output())
	}
	return stream.SendMsg(resp)
}

// codeByName reads a gRPC code by its name, as google.rpc.Code spells it
// (NOT_FOUND).
func codeByName(name string) (codes.Code, bool) {
	var c codes.Code
	if strings.ToUpper(name) != name || c.UnmarshalJSON([]byte(`"`+name+`"`)) != nil {
		return 0, false
	}
	return c, true
}
