// Package inventory is the demo shop's gRPC upstream: stock levels per
// product. It is a real grpc-go server with server reflection; its
// messages are dynamic, described by inventory.proto compiled at start, so
// the demo needs no generated code and no protoc.
package inventory

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bufbuild/protocompile"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/reflection"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ProtoFile is the name inventory.proto is compiled under.
const ProtoFile = "inventory/v1/inventory.proto"

// ServiceName is the gRPC service's full name.
const ServiceName = "inventory.v1.Inventory"

// Files compiles inventory.proto (its source, which lives with the demo
// config so that the config's upstream compiles the same file), with the
// well-known types it imports.
func Files(ctx context.Context, protoSource string) (*protoregistry.Files, error) {
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(map[string]string{ProtoFile: protoSource}),
		}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	compiled, err := c.Compile(ctx, ProtoFile)
	if err != nil {
		return nil, fmt.Errorf("inventory: compile %s: %w", ProtoFile, err)
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
			return nil, fmt.Errorf("inventory: register %s: %w", f.Path(), err)
		}
	}
	return files, nil
}

// Item is one product's stock.
type Item struct {
	Quantity  int32
	Warehouse string
}

// seed is the stock of the demo's five seed products; generated products
// get a stock derived from their upc.
var seed = map[string]Item{
	"1": {12, "Berlin"},
	"2": {0, "Berlin"},
	"3": {140, "Lyon"},
	"4": {37, "Lyon"},
	"5": {5, "Porto"},
}

// Server is the inventory service.
type Server struct {
	svc      protoreflect.ServiceDescriptor
	products int
	// Calls counts calls per method name, for tests.
	calls [3]atomic.Int64
	// updated is the time every stock was last updated (fixed, so answers
	// are deterministic).
	updated time.Time
}

// Method indexes of Calls.
const (
	GetStock = iota
	GetStocks
	WatchStock
)

// Calls returns how many calls a method got.
func (s *Server) Calls(method int) int64 { return s.calls[method].Load() }

// NewServer returns the inventory service for the five seed products and
// products more generated ones (upcs 6 onwards).
func NewServer(files *protoregistry.Files, products int) (*Server, error) {
	d, err := files.FindDescriptorByName(ServiceName)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return &Server{svc: d.(protoreflect.ServiceDescriptor), products: products,
		updated: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)}, nil
}

// Register adds the service and server reflection (v1 and v1alpha) to s.
func (s *Server) Register(g *grpc.Server, files *protoregistry.Files) {
	g.RegisterService(s.desc(), s)
	opts := reflection.ServerOptions{Services: g, DescriptorResolver: files}
	reflectionv1.RegisterServerReflectionServer(g, reflection.NewServerV1(opts))
	reflectionv1alpha.RegisterServerReflectionServer(g, reflection.NewServer(opts))
}

func (s *Server) stock(upc string) (Item, bool) {
	if it, ok := seed[upc]; ok {
		return it, true
	}
	n, err := strconv.Atoi(upc)
	if err != nil || n < 6 || n > 5+s.products {
		return Item{}, false
	}
	warehouses := [...]string{"Berlin", "Lyon", "Porto"}
	return Item{Quantity: int32(n*7%50 + 1), Warehouse: warehouses[n%3]}, true
}

// message builds a Stock message.
func (s *Server) message(upc string, it Item, at time.Time) *dynamicpb.Message {
	md := s.svc.Methods().ByName("GetStock").Output()
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("upc"), protoreflect.ValueOfString(upc))
	m.Set(md.Fields().ByName("quantity"), protoreflect.ValueOfInt32(it.Quantity))
	m.Set(md.Fields().ByName("warehouse"), protoreflect.ValueOfString(it.Warehouse))
	ts := timestamppb.New(at)
	tsd := md.Fields().ByName("updated_at").Message()
	tm := dynamicpb.NewMessage(tsd)
	tm.Set(tsd.Fields().ByName("seconds"), protoreflect.ValueOfInt64(ts.Seconds))
	tm.Set(tsd.Fields().ByName("nanos"), protoreflect.ValueOfInt32(ts.Nanos))
	m.Set(md.Fields().ByName("updated_at"), protoreflect.ValueOfMessage(tm))
	return m
}

func (s *Server) desc() *grpc.ServiceDesc {
	method := func(name string) protoreflect.MethodDescriptor {
		return s.svc.Methods().ByName(protoreflect.Name(name))
	}
	unary := func(name string, handle func(req *dynamicpb.Message) (*dynamicpb.Message, error)) grpc.MethodDesc {
		md := method(name)
		return grpc.MethodDesc{
			MethodName: name,
			Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				req := dynamicpb.NewMessage(md.Input())
				if err := dec(req); err != nil {
					return nil, err
				}
				call := func(_ context.Context, r any) (any, error) { return handle(r.(*dynamicpb.Message)) }
				if interceptor == nil {
					return call(ctx, req)
				}
				return interceptor(ctx, req, &grpc.UnaryServerInfo{Server: s, FullMethod: "/" + ServiceName + "/" + name}, call)
			},
		}
	}
	getStock := method("GetStock")
	getStocks := method("GetStocks")
	return &grpc.ServiceDesc{
		ServiceName: ServiceName,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			unary("GetStock", func(req *dynamicpb.Message) (*dynamicpb.Message, error) {
				s.calls[GetStock].Add(1)
				upc := req.Get(getStock.Input().Fields().ByName("upc")).String()
				it, ok := s.stock(upc)
				if !ok {
					return nil, status.Errorf(codes.NotFound, "no stock for product %q", upc)
				}
				return s.message(upc, it, s.updated), nil
			}),
			unary("GetStocks", func(req *dynamicpb.Message) (*dynamicpb.Message, error) {
				s.calls[GetStocks].Add(1)
				out := getStocks.Output()
				resp := dynamicpb.NewMessage(out)
				list := resp.Mutable(out.Fields().ByName("stocks")).List()
				upcs := req.Get(getStocks.Input().Fields().ByName("upcs")).List()
				for i := 0; i < upcs.Len(); i++ {
					upc := upcs.Get(i).String()
					if it, ok := s.stock(upc); ok {
						list.Append(protoreflect.ValueOfMessage(s.message(upc, it, s.updated)))
					}
				}
				return resp, nil
			}),
		},
		Streams: []grpc.StreamDesc{{
			StreamName:    "WatchStock",
			ServerStreams: true,
			Handler: func(_ any, stream grpc.ServerStream) error {
				s.calls[WatchStock].Add(1)
				md := method("WatchStock")
				req := dynamicpb.NewMessage(md.Input())
				if err := stream.RecvMsg(req); err != nil {
					return err
				}
				upc := req.Get(md.Input().Fields().ByName("upc")).String()
				it, ok := s.stock(upc)
				if !ok {
					return status.Errorf(codes.NotFound, "no stock for product %q", upc)
				}
				for i := 0; i < 3; i++ {
					if err := stream.SendMsg(s.message(upc, it, s.updated.Add(time.Duration(i)*time.Minute))); err != nil {
						return err
					}
					it.Quantity--
				}
				return nil
			},
		}},
		Metadata: ProtoFile,
	}
}
