package faults_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/typepb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/weft-gateway/weft/internal/faults"
)

// shopAnswer is what the test service answers: a message with varint,
// length-delimited and enum fields.
func shopAnswer() *typepb.Field {
	return &typepb.Field{Kind: typepb.Field_TYPE_INT64, Number: 7, Name: "price", JsonName: "price"}
}

// shopService is a hand-written service: Get answers shopAnswer, Watch
// streams it twice.
var shopService = grpc.ServiceDesc{
	ServiceName: "faults.test.Shop",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Get",
		Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			get := func(context.Context, any) (any, error) { return shopAnswer(), nil }
			if interceptor == nil {
				return get(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/faults.test.Shop/Get"}, get)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Watch",
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			for range 2 {
				if err := stream.SendMsg(shopAnswer()); err != nil {
					return err
				}
			}
			return nil
		},
	}},
}

// startGRPC serves the shop and the health service behind an Injector.
func startGRPC(t *testing.T) (*faults.Injector, *grpc.ClientConn) {
	t.Helper()
	inj := faults.New(faults.OK())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer(inj.GRPCOptions()...)
	g.RegisterService(&shopService, nil)
	healthpb.RegisterHealthServer(g, health.NewServer())
	done := make(chan struct{})
	go func() { defer close(done); _ = g.Serve(inj.Listener(l)) }()
	conn, err := grpc.NewClient(l.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		g.Stop()
		<-done
	})
	return inj, conn
}

func get(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) (*typepb.Field, error) {
	out := new(typepb.Field)
	err := conn.Invoke(ctx, "/faults.test.Shop/Get", wrapperspb.String("lamp"), out, opts...)
	return out, err
}

func within(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func wantCode(t *testing.T, err error, code codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("err %v, want %s", err, code)
	}
	return st
}

func TestGRPCFaults(t *testing.T) {
	inj, conn := startGRPC(t)
	ctx, cancel := within(10 * time.Second)
	defer cancel()

	t.Run("ok", func(t *testing.T) {
		calls := inj.Calls()
		out, err := get(ctx, conn)
		if err != nil || !proto.Equal(out, shopAnswer()) {
			t.Fatalf("%v, %v", out, err)
		}
		if inj.Calls() != calls+1 {
			t.Errorf("calls %d, want %d", inj.Calls(), calls+1)
		}
	})

	t.Run("slow", func(t *testing.T) {
		inj.Set(faults.Slow(50 * time.Millisecond))
		defer inj.Set(faults.OK())
		start := time.Now()
		if out, err := get(ctx, conn); err != nil || !proto.Equal(out, shopAnswer()) {
			t.Fatalf("%v, %v", out, err)
		}
		if took := time.Since(start); took < 50*time.Millisecond {
			t.Errorf("answered after %s", took)
		}
		inj.Set(faults.Slow(time.Hour))
		short, cancel := within(50 * time.Millisecond)
		defer cancel()
		_, err := get(short, conn)
		wantCode(t, err, codes.DeadlineExceeded)
	})

	t.Run("hang", func(t *testing.T) {
		inj.Set(faults.Hang())
		defer inj.Set(faults.OK())
		short, cancel := within(50 * time.Millisecond)
		defer cancel()
		_, err := get(short, conn)
		wantCode(t, err, codes.DeadlineExceeded)
	})

	t.Run("status", func(t *testing.T) {
		defer inj.Set(faults.OK())
		inj.Set(faults.Status(429, 2*time.Second))
		_, err := get(ctx, conn)
		st := wantCode(t, err, codes.ResourceExhausted)
		if d := st.Details(); len(d) != 1 || d[0].(*errdetails.RetryInfo).GetRetryDelay().AsDuration() != 2*time.Second {
			t.Errorf("details %v, want a RetryInfo of 2s", d)
		}
		inj.Set(faults.Status(503, 0))
		_, err = get(ctx, conn)
		if st := wantCode(t, err, codes.Unavailable); len(st.Details()) != 0 {
			t.Errorf("details %v", st.Details())
		}
		inj.Set(faults.Status(500, 0).WithMessage("the stock database is down"))
		_, err = get(ctx, conn)
		if st := wantCode(t, err, codes.Internal); st.Message() != "the stock database is down" {
			t.Errorf("message %q", st.Message())
		}
		// The grpc.* services are spared.
		if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
			t.Errorf("health check under a fault: %v", err)
		}
	})

	t.Run("malformed", func(t *testing.T) {
		inj.Set(faults.Malformed())
		defer inj.Set(faults.OK())
		_, err := get(ctx, conn)
		if st := wantCode(t, err, codes.Internal); !strings.Contains(st.Message(), "unmarshal") {
			t.Errorf("message %q", st.Message())
		}
	})

	t.Run("wrong types", func(t *testing.T) {
		// Protobuf decoders take a field of another wire type for an
		// unknown field: the answer decodes, every field unset.
		inj.Set(faults.WrongTypes())
		defer inj.Set(faults.OK())
		out, err := get(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if out.Name != "" || out.Number != 0 || out.Kind != 0 || len(out.ProtoReflect().GetUnknown()) == 0 {
			t.Errorf("answer %v: want every field unknown", out)
		}
	})

	t.Run("huge", func(t *testing.T) {
		inj.Set(faults.Huge(1 << 16))
		defer inj.Set(faults.OK())
		out, err := get(ctx, conn)
		if err != nil || out.Name != "price" || proto.Size(out) < 1<<16-8 || proto.Size(out) > 1<<16 {
			t.Fatalf("%d bytes, err %v", proto.Size(out), err)
		}
		_, err = get(ctx, conn, grpc.MaxCallRecvMsgSize(1<<15))
		wantCode(t, err, codes.ResourceExhausted)
	})

	t.Run("stream", func(t *testing.T) {
		defer inj.Set(faults.OK())
		watch := func() error {
			s, err := conn.NewStream(ctx, &shopService.Streams[0], "/faults.test.Shop/Watch")
			if err != nil {
				return err
			}
			if err := s.SendMsg(wrapperspb.String("lamp")); err != nil {
				return err
			}
			if err := s.CloseSend(); err != nil {
				return err
			}
			for {
				if err := s.RecvMsg(new(typepb.Field)); err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return err
				}
			}
		}
		if err := watch(); err != nil {
			t.Fatal(err)
		}
		inj.Set(faults.Malformed())
		wantCode(t, watch(), codes.Internal)
		inj.Set(faults.Status(503, 0))
		wantCode(t, watch(), codes.Unavailable)
	})

	// Down and Reset break the connection: the client's next calls wait
	// for it to reconnect.
	t.Run("reset", func(t *testing.T) {
		inj.Set(faults.Reset())
		_, err := get(ctx, conn)
		wantCode(t, err, codes.Unavailable)
		inj.Set(faults.OK())
		if _, err := get(ctx, conn, grpc.WaitForReady(true)); err != nil {
			t.Fatalf("after the reset: %v", err)
		}
	})

	t.Run("down", func(t *testing.T) {
		inj.Set(faults.Down())
		calls := inj.Calls()
		for range 2 {
			_, err := get(ctx, conn)
			wantCode(t, err, codes.Unavailable)
		}
		if n := inj.Calls() - calls; n != 0 {
			t.Errorf("%d calls reached the server while down", n)
		}
		inj.Set(faults.OK())
		if _, err := get(ctx, conn, grpc.WaitForReady(true)); err != nil {
			t.Fatalf("back up: %v", err)
		}
	})
}
