package grpc_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/upstreams"
)

// TestStream consumes the server-streaming Watch method, bound as a
// Subscription field: messages until io.EOF, a stream that fails part way
// (the messages before the failure stand, the failure is a status error),
// a stream closed before its end, and a unary method asked to stream.
func TestStream(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	u, info := buildKitchen(t, s, "")
	sch := bindGenerated(t, info)

	recvAll := func(t *testing.T, args map[string]any) ([]string, error) {
		t.Helper()
		st, err := u.Stream(context.Background(), prepare(t, u, sch, "Subscription", "watch", args))
		if err != nil {
			t.Fatalf("stream does not start: %v", err)
		}
		defer st.Close()
		var got []string
		for {
			res, err := st.Recv()
			if err != nil {
				return got, err
			}
			got = append(got, res.Value.String())
			res.Release()
		}
	}

	t.Run("to the end", func(t *testing.T) {
		got, err := recvAll(t, map[string]any{"count": 3})
		if !errors.Is(err, io.EOF) {
			t.Fatalf("stream ended with %v, want io.EOF", err)
		}
		if want := []string{`{"n":1}`, `{"n":2}`, `{"n":3}`}; !equalStrings(got, want) {
			t.Errorf("messages %v, want %v", got, want)
		}
	})
	t.Run("failing part way", func(t *testing.T) {
		got, err := recvAll(t, map[string]any{"count": 5, "failAfter": 2, "code": 14})
		if want := []string{`{"n":1}`, `{"n":2}`}; !equalStrings(got, want) {
			t.Errorf("messages %v, want %v", got, want)
		}
		e := upstreamError(t, err, upstreams.CodeUnavailable)
		// The status message is kept for the log, or for clients where
		// the upstream exposes its errors; the executor decides.
		if e.Extensions["grpcCode"] != "UNAVAILABLE" || e.Detail != "watch failed after 2 ticks" {
			t.Errorf("error %+v: want grpcCode UNAVAILABLE and the status message as the detail", e)
		}
	})
	t.Run("closed early", func(t *testing.T) {
		st, err := u.Stream(context.Background(), prepare(t, u, sch, "Subscription", "watch", map[string]any{"count": 1000}))
		if err != nil {
			t.Fatal(err)
		}
		res, err := st.Recv()
		if err != nil {
			t.Fatal(err)
		}
		res.Release()
		st.Close()
		// Closing cancels the call: the next read says so rather than
		// blocking or answering more.
		for {
			res, err := st.Recv()
			if err != nil {
				upstreamError(t, err, upstreams.CodeUnavailable)
				break
			}
			res.Release()
		}
	})
	t.Run("unary method", func(t *testing.T) {
		_, err := u.Stream(context.Background(), prepare(t, u, sch, "Query", "getItem", map[string]any{"id": "x"}))
		upstreamError(t, err, upstreams.CodeBadRequest)
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
