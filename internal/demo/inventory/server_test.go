package inventory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/weft-gateway/weft/internal/demo/inventory"
)

func start(t *testing.T) (*grpc.ClientConn, protoreflect.ServiceDescriptor, *inventory.Server) {
	t.Helper()
	source, err := os.ReadFile(filepath.Join("..", "config", "protos", inventory.ProtoFile))
	if err != nil {
		t.Fatal(err)
	}
	files, err := inventory.Files(context.Background(), string(source))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := inventory.NewServer(files, 10)
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	svc.Register(g, files)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = g.Serve(ln) }()
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	d, _ := files.FindDescriptorByName(inventory.ServiceName)
	return conn, d.(protoreflect.ServiceDescriptor), svc
}

func call(t *testing.T, conn *grpc.ClientConn, sd protoreflect.ServiceDescriptor, method, req string) (string, error) {
	t.Helper()
	md := sd.Methods().ByName(protoreflect.Name(method))
	in := dynamicpb.NewMessage(md.Input())
	if err := protojson.Unmarshal([]byte(req), in); err != nil {
		t.Fatal(err)
	}
	out := dynamicpb.NewMessage(md.Output())
	if err := conn.Invoke(context.Background(), "/"+inventory.ServiceName+"/"+method, in, out); err != nil {
		return "", err
	}
	b, err := protojson.Marshal(out)
	if err != nil {
		return "", err
	}
	// protojson varies its spacing on purpose: compare compacted.
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String(), nil
}

func TestUnaryMethods(t *testing.T) {
	conn, sd, svc := start(t)
	got, err := call(t, conn, sd, "GetStock", `{"upc": "1"}`)
	if err != nil || got != `{"upc":"1","quantity":12,"warehouse":"Berlin","updatedAt":"2026-11-01T09:30:00Z"}` {
		t.Fatalf("GetStock = %s, %v", got, err)
	}
	if _, err := call(t, conn, sd, "GetStock", `{"upc": "nope"}`); status.Code(err) != codes.NotFound {
		t.Fatalf("unknown upc: %v", err)
	}
	got, err = call(t, conn, sd, "GetStocks", `{"upcs": ["3", "nope", "15"]}`)
	if err != nil || got != `{"stocks":[{"upc":"3","quantity":140,"warehouse":"Lyon","updatedAt":"2026-11-01T09:30:00Z"},{"upc":"15","quantity":6,"warehouse":"Berlin","updatedAt":"2026-11-01T09:30:00Z"}]}` {
		t.Fatalf("GetStocks = %s, %v", got, err)
	}
	if svc.Calls(inventory.GetStock) != 2 || svc.Calls(inventory.GetStocks) != 1 {
		t.Fatalf("calls: %d %d", svc.Calls(inventory.GetStock), svc.Calls(inventory.GetStocks))
	}
}

func TestWatchStock(t *testing.T) {
	conn, sd, _ := start(t)
	md := sd.Methods().ByName("WatchStock")
	stream, err := conn.NewStream(context.Background(), &grpc.StreamDesc{ServerStreams: true}, "/"+inventory.ServiceName+"/WatchStock")
	if err != nil {
		t.Fatal(err)
	}
	in := dynamicpb.NewMessage(md.Input())
	_ = protojson.Unmarshal([]byte(`{"upc":"4"}`), in)
	if err := stream.SendMsg(in); err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	var quantities []int64
	for {
		out := dynamicpb.NewMessage(md.Output())
		err := stream.RecvMsg(out)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		quantities = append(quantities, out.Get(md.Output().Fields().ByName("quantity")).Int())
	}
	if len(quantities) != 3 || quantities[0] != 37 || quantities[2] != 35 {
		t.Fatalf("stream sent %v", quantities)
	}
}

func TestReflectionListsTheService(t *testing.T) {
	conn, _, _ := start(t)
	stream, err := reflectionv1.NewServerReflectionClient(conn).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range resp.GetListServicesResponse().GetService() {
		found = found || s.GetName() == inventory.ServiceName
	}
	if !found {
		t.Fatalf("services: %v", resp.GetListServicesResponse().GetService())
	}
	if err := stream.Send(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: inventory.ServiceName}}); err != nil {
		t.Fatal(err)
	}
	if resp, err = stream.Recv(); err != nil || len(resp.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
		t.Fatalf("file of the service: %v, %v", resp, err)
	}
}
