package grpctest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// dial connects to s, over TLS when it serves TLS.
func dial(t *testing.T, s *Server) *grpc.ClientConn {
	t.Helper()
	creds := insecure.NewCredentials()
	if s.CertPEM() != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(s.CertPEM()) {
			t.Fatal("no certificate")
		}
		creds = credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	}
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// invoke calls a unary method with a request whose fields are set by
// proto name.
func invoke(ctx context.Context, t *testing.T, s *Server, conn *grpc.ClientConn, method string, fields map[string]protoreflect.Value, opts ...grpc.CallOption) (*dynamicpb.Message, error) {
	t.Helper()
	md := s.svc.Methods().ByName(protoreflect.Name(method))
	in := dynamicpb.NewMessage(md.Input())
	for k, v := range fields {
		set(in, k, v)
	}
	out := dynamicpb.NewMessage(md.Output())
	err := conn.Invoke(ctx, "/"+Method(method), in, out, opts...)
	return out, err
}

func TestServer(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		s, err := Start(Options{TLS: useTLS})
		if err != nil {
			t.Fatal(err)
		}
		conn := dial(t, s)
		ctx := metadata.AppendToOutgoingContext(context.Background(), "x-test", "yes")
		out, err := invoke(ctx, t, s, conn, "GetItem", map[string]protoreflect.Value{"id": protoreflect.ValueOfString("abc")}, grpc.UseCompressor(gzip.Name))
		if err != nil {
			t.Fatal(err)
		}
		if got := field(out, "name").String(); got != "Item abc" {
			t.Errorf("name %q", got)
		}
		if s.Calls("GetItem") != 1 || field(s.LastRequest("GetItem"), "id").String() != "abc" || s.Encoding("GetItem") != "gzip" {
			t.Errorf("calls %d, last %v, encoding %q", s.Calls("GetItem"), s.LastRequest("GetItem"), s.Encoding("GetItem"))
		}
		out, err = invoke(ctx, t, s, conn, "WhoAmI", nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := field(out, "metadata").Map().Get(protoreflect.ValueOfString("x-test").MapKey()); v.String() != "yes" {
			t.Errorf("metadata x-test = %q", v.String())
		}
		_, err = invoke(ctx, t, s, conn, "Fail", map[string]protoreflect.Value{"code": protoreflect.ValueOfInt32(int32(codes.PermissionDenied)), "details": protoreflect.ValueOfBool(true)})
		if st := status.Convert(err); st.Code() != codes.PermissionDenied || len(st.Details()) != 2 {
			t.Errorf("Fail: %v with %d details", err, len(st.Details()))
		}
		// A held call is released by the test; one still held when the
		// server closes is cancelled, and Close returns.
		held := make(chan error, 1)
		go func() {
			_, err := invoke(context.Background(), t, s, conn, "Hold", map[string]protoreflect.Value{"key": protoreflect.ValueOfString("h")})
			held <- err
		}()
		if key := <-s.Entered(); key != "h" {
			t.Errorf("entered %q", key)
		}
		s.Release(1)
		if err := <-held; err != nil {
			t.Error(err)
		}
		go func() {
			_, err := invoke(context.Background(), t, s, conn, "Hold", map[string]protoreflect.Value{"key": protoreflect.ValueOfString("h")})
			held <- err
		}()
		<-s.Entered()
		s.Close()
		if err := <-held; status.Code(err) != codes.Unavailable {
			t.Errorf("a call held at Close ended with %v", err)
		}
	}
}

func TestDescriptorSet(t *testing.T) {
	b, err := DescriptorSet(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	files := set.GetFile()
	if len(files) < 2 || files[len(files)-1].GetName() != ProtoFile {
		t.Fatalf("set of %d files, last %q: want the imports then %s", len(files), files[len(files)-1].GetName(), ProtoFile)
	}
	if files[len(files)-1].GetSourceCodeInfo() == nil {
		t.Error("the set has no source info (comments)")
	}
}
