package protoschema

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// serviceDesc serves a service from its descriptor alone: unary methods
// answer an empty response message, streams end at once.
func serviceDesc(sd protoreflect.ServiceDescriptor) *grpc.ServiceDesc {
	desc := &grpc.ServiceDesc{ServiceName: string(sd.FullName()), HandlerType: (*any)(nil)}
	for i := 0; i < sd.Methods().Len(); i++ {
		md := sd.Methods().Get(i)
		if md.IsStreamingClient() || md.IsStreamingServer() {
			desc.Streams = append(desc.Streams, grpc.StreamDesc{
				StreamName:    string(md.Name()),
				ServerStreams: md.IsStreamingServer(),
				ClientStreams: md.IsStreamingClient(),
				Handler:       func(any, grpc.ServerStream) error { return nil },
			})
			continue
		}
		desc.Methods = append(desc.Methods, grpc.MethodDesc{
			MethodName: string(md.Name()),
			Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				in := dynamicpb.NewMessage(md.Input())
				if err := dec(in); err != nil {
					return nil, err
				}
				return dynamicpb.NewMessage(md.Output()), nil
			},
		})
	}
	return desc
}

// resolvers looks descriptors up in each resolver in turn: the served
// files first, then the linked-in ones (the health service's).
type resolvers []protodesc.Resolver

func (rs resolvers) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	for _, r := range rs {
		if fd, err := r.FindFileByPath(path); err == nil {
			return fd, nil
		}
	}
	return nil, protoregistry.NotFound
}

func (rs resolvers) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	for _, r := range rs {
		if d, err := r.FindDescriptorByName(name); err == nil {
			return d, nil
		}
	}
	return nil, protoregistry.NotFound
}

type reflectionVersions int

const (
	bothVersions reflectionVersions = iota
	onlyV1Alpha
	noReflection
)

// serve starts a gRPC server on loopback with the services of files, the
// health service, and reflection in the given versions, and returns a
// connection to it.
func serve(t *testing.T, files *Files, versions reflectionVersions) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	for _, name := range files.Services {
		d, err := files.Registry.FindDescriptorByName(name)
		if err != nil {
			t.Fatal(err)
		}
		srv.RegisterService(serviceDesc(d.(protoreflect.ServiceDescriptor)), nil)
	}
	healthpb.RegisterHealthServer(srv, health.NewServer())
	opts := reflection.ServerOptions{Services: srv, DescriptorResolver: resolvers{files.Registry, protoregistry.GlobalFiles}}
	switch versions {
	case bothVersions:
		reflectionv1.RegisterServerReflectionServer(srv, reflection.NewServerV1(opts))
		reflectionv1alpha.RegisterServerReflectionServer(srv, reflection.NewServer(opts))
	case onlyV1Alpha:
		reflectionv1alpha.RegisterServerReflectionServer(srv, reflection.NewServer(opts))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(lis)
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
		<-done
	})
	return conn
}

// TestReflect imports the fixtures from a server that serves them: the SDL
// is the one the .proto files give, over reflection v1 and over v1alpha.
func TestReflect(t *testing.T) {
	compiled := compileFixtures(t)
	want := mustImport(t, compiled, Options{Upstream: "shop"})
	for _, tt := range []struct {
		name     string
		versions reflectionVersions
	}{{"v1", bothVersions}, {"v1alpha", onlyV1Alpha}} {
		t.Run(tt.name, func(t *testing.T) {
			conn := serve(t, compiled, tt.versions)
			files, err := Reflect(context.Background(), conn, ReflectOptions{Upstream: "shop"})
			if err != nil {
				t.Fatal(err)
			}
			got := mustImport(t, files, Options{Upstream: "shop"})
			if got.SDL != want.SDL {
				t.Errorf("the reflected SDL differs from the .proto files':\n%s", diff(want.SDL, got.SDL))
			}
			// The same warnings, at the same places, named by proto path.
			if len(got.Warnings) != len(want.Warnings) {
				t.Fatalf("warnings:\n%v\nwant:\n%v", got.Warnings, want.Warnings)
			}
			for i, w := range got.Warnings {
				v := want.Warnings[i]
				if w.Msg != v.Msg || w.Line != v.Line || w.Column != v.Column || !strings.HasSuffix(v.File, "/"+w.File) {
					t.Errorf("warning %q, want %q", w, v)
				}
			}
			if files.Origin.Kind != OriginReflection || files.Origin.Target != conn.Target() {
				t.Errorf("origin %+v", files.Origin)
			}
			if !strings.Contains(got.UpstreamYAML("shop", ""), "reflection: true") {
				t.Errorf("the Upstream does not ask for reflection:\n%s", got.UpstreamYAML("shop", ""))
			}
		})
	}
}

func TestReflectServices(t *testing.T) {
	compiled := compileFixtures(t)
	conn := serve(t, compiled, bothVersions)

	// The server's machinery only when asked.
	all, err := Reflect(context.Background(), conn, ReflectOptions{Internal: true})
	if err != nil {
		t.Fatal(err)
	}
	names := func(f *Files) string {
		var s []string
		for _, n := range f.Services {
			s = append(s, string(n))
		}
		return strings.Join(s, " ")
	}
	if got, want := names(all), "catalog.v1.Catalog grpc.health.v1.Health grpc.reflection.v1.ServerReflection grpc.reflection.v1alpha.ServerReflection inventory.v1.Inventory legacy.v1.Legacy warehouse.v1.Warehouse"; got != want {
		t.Errorf("services %s, want %s", got, want)
	}
	res := mustImport(t, all, Options{Upstream: "shop"})
	if m := res.Methods["grpc.health.v1.Health/Check"]; m.Root != "Query" || m.Field != "check" {
		t.Errorf("Health/Check: %+v", m)
	}

	// A filter keeps the services named, and warns about the others.
	some, err := Reflect(context.Background(), conn, ReflectOptions{Services: []string{"warehouse.v1.Warehouse", "nope.v1.Nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(some); got != "warehouse.v1.Warehouse" {
		t.Errorf("services %s", got)
	}
	if len(some.Warnings) != 1 || some.Warnings[0].Element != "nope.v1.Nope" {
		t.Errorf("warnings %v", some.Warnings)
	}
	res = mustImport(t, some, Options{Upstream: "wh"})
	want := mustImport(t, compileFixtures(t, "warehouse/v1/warehouse.proto"), Options{Upstream: "wh"})
	if res.SDL != want.SDL {
		t.Errorf("SDL differs:\n%s", diff(want.SDL, res.SDL))
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), "nope.v1.Nope") {
		t.Errorf("the import does not repeat the load's warning: %v", res.Warnings)
	}

	// The descriptors are the served ones: a call made from them works.
	d, err := some.Registry.FindDescriptorByName("warehouse.v1.Warehouse.GetStock")
	if err != nil {
		t.Fatal(err)
	}
	md := d.(protoreflect.MethodDescriptor)
	req := dynamicpb.NewMessage(md.Input())
	req.Set(md.Input().Fields().ByName("upc"), protoreflect.ValueOfString("1"))
	reply := dynamicpb.NewMessage(md.Output())
	if err := conn.Invoke(context.Background(), "/warehouse.v1.Warehouse/GetStock", req, reply); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(reply, dynamicpb.NewMessage(md.Output())) {
		t.Errorf("reply %v", reply)
	}
}

func TestReflectFailures(t *testing.T) {
	compiled := compileFixtures(t, "warehouse/v1/warehouse.proto")

	t.Run("no reflection", func(t *testing.T) {
		conn := serve(t, compiled, noReflection)
		_, err := Reflect(context.Background(), conn, ReflectOptions{Upstream: "wh"})
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "does not offer reflection") || !strings.Contains(err.Error(), "upstream wh ("+conn.Target()+")") {
			t.Errorf("error %v", err)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		// A port that was just free: nothing listens there.
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := lis.Addr().String()
		lis.Close()
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		_, err = Reflect(context.Background(), conn, ReflectOptions{Upstream: "wh", Timeout: 5 * time.Second})
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "upstream wh") {
			t.Errorf("error %v, want one naming upstream wh and %s", err, addr)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("took %s", d)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		// A listener that accepts and never answers.
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer lis.Close()
		go func() {
			for {
				c, err := lis.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		_, err = Reflect(context.Background(), conn, ReflectOptions{Target: "silent:1", Timeout: 300 * time.Millisecond})
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "silent:1") {
			t.Errorf("error %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %s", d)
		}
	})

	t.Run("limits", func(t *testing.T) {
		conn := serve(t, compileFixtures(t), bothVersions)
		_, err := Reflect(context.Background(), conn, ReflectOptions{MaxFiles: 2})
		if err == nil || !strings.Contains(err.Error(), "more than 2 files") {
			t.Errorf("error %v", err)
		}
		_, err = Reflect(context.Background(), conn, ReflectOptions{MaxBytes: 100})
		if err == nil || !strings.Contains(err.Error(), "more than 100 bytes") {
			t.Errorf("error %v", err)
		}
	})
}
