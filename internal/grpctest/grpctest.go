// Package grpctest is a real grpc-go server for tests of the gRPC upstream:
// the weft.test.v1.Kitchen service, whose messages use every part of the
// protobuf-to-GraphQL mapping and whose methods fail, wait, stream, batch
// and answer large messages on request. Its messages are dynamic, described
// by kitchen.proto compiled at start (no generated code, no protoc), and it
// serves reflection v1 and v1alpha, so that a test can read its descriptors
// from the .proto file, from a FileDescriptorSet, or from the server.
//
//	s, err := grpctest.Start(grpctest.Options{})
//	defer s.Close()
//	// target: s.Addr(); descriptors: grpctest.WriteProto(dir) or s.DescriptorSet()
package grpctest

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bufbuild/protocompile"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // servers answer gzip-compressed calls
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

//go:embed proto
var protoFS embed.FS

// ProtoFile is kitchen.proto's name relative to its import path, as an
// import statement (and spec.grpc.proto.files) names it.
const ProtoFile = "weft/test/v1/kitchen.proto"

// Service is the full name of the service.
const Service = "weft.test.v1.Kitchen"

// Method returns a method's full name as @grpc(method:) writes it.
func Method(name string) string { return Service + "/" + name }

// ProtoSource returns the text of kitchen.proto.
func ProtoSource() string {
	b, err := protoFS.ReadFile("proto/" + ProtoFile)
	if err != nil {
		// The file is embedded: its absence is a build error.
		panic(err)
	}
	return string(b)
}

// WriteProto writes kitchen.proto below dir, at ProtoFile, so that dir is
// its import path; it returns the file's path.
func WriteProto(dir string) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(ProtoFile))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("grpctest: %w", err)
	}
	if err := os.WriteFile(p, []byte(ProtoSource()), 0o644); err != nil {
		return "", fmt.Errorf("grpctest: %w", err)
	}
	return p, nil
}

// Files compiles kitchen.proto with the well-known types it imports.
func Files(ctx context.Context) (*protoregistry.Files, error) {
	sub, err := fs.Sub(protoFS, "proto")
	if err != nil {
		return nil, fmt.Errorf("grpctest: %w", err)
	}
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: func(name string) (io.ReadCloser, error) { return sub.Open(name) },
		}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	compiled, err := c.Compile(ctx, ProtoFile)
	if err != nil {
		return nil, fmt.Errorf("grpctest: compile %s: %w", ProtoFile, err)
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
			return nil, fmt.Errorf("grpctest: register %s: %w", f.Path(), err)
		}
	}
	return files, nil
}

// DescriptorSet returns a binary FileDescriptorSet of kitchen.proto and
// every file it imports, as protoc --include_imports -o writes it.
func DescriptorSet(ctx context.Context) ([]byte, error) {
	files, err := Files(ctx)
	if err != nil {
		return nil, err
	}
	set := &descriptorpb.FileDescriptorSet{}
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
		return true
	})
	// Dependencies first, as protoc orders them; the registry's order is
	// not defined.
	sort.Slice(set.File, func(i, j int) bool {
		a, b := set.File[i].GetName() == ProtoFile, set.File[j].GetName() == ProtoFile
		if a != b {
			return b
		}
		return set.File[i].GetName() < set.File[j].GetName()
	})
	b, err := proto.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("grpctest: %w", err)
	}
	return b, nil
}

// Reflection says which server reflection services a server runs.
type Reflection int

// The reflection services a server can run.
const (
	// ReflectionBoth runs grpc.reflection.v1 and v1alpha.
	ReflectionBoth Reflection = iota
	// ReflectionV1Alpha runs only v1alpha, as older servers do.
	ReflectionV1Alpha
	// ReflectionNone runs no reflection service.
	ReflectionNone
)

// Options configure a server.
type Options struct {
	// TLS serves with a self-signed certificate for 127.0.0.1 and
	// localhost; Server.CAFile is the certificate to trust.
	TLS bool
	// Reflection picks the reflection services (default both versions).
	Reflection Reflection
	// Addr is the address to listen on (default 127.0.0.1:0).
	Addr string
	// Health, when set, is served as grpc.health.v1.Health, for a test to
	// set each service's status (health.NewServer()).
	Health *health.Server
	// ServerOptions are added to the server's own: interceptors and a
	// codec that make it misbehave, say (faults.Injector.GRPCOptions).
	ServerOptions []grpc.ServerOption
	// Listener, when set, wraps the server's listener
	// (faults.Injector.Listener).
	Listener func(net.Listener) net.Listener
}

// Server is a running Kitchen service.
type Server struct {
	files *protoregistry.Files
	svc   protoreflect.ServiceDescriptor
	lis   net.Listener
	g     *grpc.Server
	done  chan struct{}
	cert  []byte

	// calls counts calls per method name; the map is fixed at start.
	calls map[string]*atomic.Int64

	mu       sync.Mutex
	last     map[string]proto.Message
	encoding map[string]string

	entered chan string
	release chan struct{}
	// holding counts the Hold calls whose handlers have not returned.
	holding atomic.Int64
}

// Start compiles kitchen.proto and serves the service on a loopback port.
func Start(opts Options) (*Server, error) {
	files, err := Files(context.Background())
	if err != nil {
		return nil, err
	}
	d, err := files.FindDescriptorByName(Service)
	if err != nil {
		return nil, fmt.Errorf("grpctest: %w", err)
	}
	s := &Server{
		files:    files,
		svc:      d.(protoreflect.ServiceDescriptor),
		done:     make(chan struct{}),
		calls:    map[string]*atomic.Int64{},
		last:     map[string]proto.Message{},
		encoding: map[string]string{},
		entered:  make(chan string),
		release:  make(chan struct{}, 1024),
	}
	for i := 0; i < s.svc.Methods().Len(); i++ {
		s.calls[string(s.svc.Methods().Get(i).Name())] = new(atomic.Int64)
	}
	serverOpts := []grpc.ServerOption{grpc.StatsHandler(encodingRecorder{s}), grpc.WaitForHandlers(true)}
	if opts.TLS {
		certPEM, cert, err := selfSigned()
		if err != nil {
			return nil, err
		}
		s.cert = certPEM
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s.lis, err = net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("grpctest: %w", err)
	}
	if opts.Listener != nil {
		s.lis = opts.Listener(s.lis)
	}
	s.g = grpc.NewServer(append(serverOpts, opts.ServerOptions...)...)
	s.g.RegisterService(s.serviceDesc(), s)
	if opts.Health != nil {
		healthpb.RegisterHealthServer(s.g, opts.Health)
	}
	ropts := reflection.ServerOptions{Services: s.g, DescriptorResolver: files}
	switch opts.Reflection {
	case ReflectionBoth:
		reflectionv1.RegisterServerReflectionServer(s.g, reflection.NewServerV1(ropts))
		reflectionv1alpha.RegisterServerReflectionServer(s.g, reflection.NewServer(ropts))
	case ReflectionV1Alpha:
		reflectionv1alpha.RegisterServerReflectionServer(s.g, reflection.NewServer(ropts))
	}
	go func() {
		defer close(s.done)
		_ = s.g.Serve(s.lis)
	}()
	return s, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// Registry is the compiled kitchen.proto with its imports.
func (s *Server) Registry() *protoregistry.Files { return s.files }

// CertPEM is the server's certificate, PEM-encoded, for a TLS server; a
// client trusts it as its CA (tls.caFile).
func (s *Server) CertPEM() []byte { return s.cert }

// Close stops the server: calls in flight are cancelled, and Close returns
// once every handler has returned.
func (s *Server) Close() {
	s.g.Stop()
	<-s.done
}

// Calls returns how many calls a method ("GetItem") received.
func (s *Server) Calls(method string) int64 {
	c := s.calls[method]
	if c == nil {
		return 0
	}
	return c.Load()
}

// ResetCalls sets every method's count to zero.
func (s *Server) ResetCalls() {
	for _, c := range s.calls {
		c.Store(0)
	}
}

// LastRequest returns the last request a method received, as the server
// decoded it, or nil.
func (s *Server) LastRequest(method string) protoreflect.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.last[method]
	if m == nil {
		return nil
	}
	return m.ProtoReflect()
}

// Encoding returns the grpc-encoding of the last call a method received
// ("gzip", or "" for none).
func (s *Server) Encoding(method string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.encoding[method]
}

// Entered receives the key of each Hold call as it arrives; the call then
// waits for Release.
func (s *Server) Entered() <-chan string { return s.entered }

// Holding counts the Hold calls at the server whose handlers have not
// returned. A cancelled call's handler returns when the cancellation
// reaches the server, some time after the client gave up; a test that
// releases a later call waits for Holding to fall first, or the token may
// go to the cancelled call.
func (s *Server) Holding() int64 { return s.holding.Load() }

// Release lets n held calls (those already waiting or the next ones) answer.
func (s *Server) Release(n int) {
	for i := 0; i < n; i++ {
		s.release <- struct{}{}
	}
}

// encodingRecorder is the server's stats handler: it records the
// compression each call arrived with.
type encodingRecorder struct{ s *Server }

func (e encodingRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return ctx
}
func (e encodingRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (e encodingRecorder) HandleConn(context.Context, stats.ConnStats) {}

func (e encodingRecorder) HandleRPC(_ context.Context, st stats.RPCStats) {
	h, ok := st.(*stats.InHeader)
	if !ok || h.FullMethod == "" {
		return
	}
	name := h.FullMethod[strings.LastIndexByte(h.FullMethod, '/')+1:]
	e.s.mu.Lock()
	e.s.encoding[name] = h.Compression
	e.s.mu.Unlock()
}

// record counts a call and keeps its request.
func (s *Server) record(method string, req proto.Message) {
	s.calls[method].Add(1)
	s.mu.Lock()
	s.last[method] = proto.Clone(req)
	s.mu.Unlock()
}

// incoming is the call's metadata, each key's values joined by ",".
func incoming(ctx context.Context) map[string]string {
	md, _ := metadata.FromIncomingContext(ctx)
	out := make(map[string]string, len(md))
	for k, vs := range md {
		out[k] = strings.Join(vs, ",")
	}
	return out
}
