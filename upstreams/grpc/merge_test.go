package grpc_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/upstreams"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
)

// waitingCtx tells when a call starts waiting on it: the upstream asks for
// Done only once it waits for an answer, so a call that joined another's
// flight is known to have joined it.
type waitingCtx struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func newWaitingCtx(ctx context.Context) *waitingCtx {
	return &waitingCtx{Context: ctx, waiting: make(chan struct{})}
}

func (c *waitingCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

type outcome struct {
	body string
	err  error
}

// goDo makes a call in the background.
func goDo(ctx context.Context, u *grpcup.Upstream, c *upstreams.Call) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		res, err := u.Do(ctx, c)
		if err != nil {
			ch <- outcome{err: err}
			return
		}
		ch <- outcome{body: res.Value.String()}
		res.Release()
	}()
	return ch
}

// TestMergeInFlight makes identical reads from different requests (calls
// with their own contexts) while the first is still at the server: with
// mergeInFlight on (the default) they share its call; off, each makes its
// own.
func TestMergeInFlight(t *testing.T) {
	args := map[string]any{"key": "k1"}
	t.Run("on", func(t *testing.T) {
		s := startKitchen(t, grpctest.Options{})
		u, info := buildKitchen(t, s, "")
		sch := bindGenerated(t, info)
		a := goDo(context.Background(), u, prepare(t, u, sch, "Query", "hold", args))
		entered(t, s)
		bctx := newWaitingCtx(context.Background())
		b := goDo(bctx, u, prepare(t, u, sch, "Query", "hold", args))
		<-bctx.waiting
		// A third one gives up while waiting: the shared call goes on.
		cctx, cancel := context.WithCancel(context.Background())
		wc := newWaitingCtx(cctx)
		c := goDo(wc, u, prepare(t, u, sch, "Query", "hold", args))
		<-wc.waiting
		cancel()
		if out := <-c; out.err == nil {
			t.Errorf("a cancelled caller got %s", out.body)
		} else {
			upstreamError(t, out.err, upstreams.CodeUnavailable)
		}
		s.Release(1)
		want := `{"id":"k1","name":"Item k1","price":"200"}`
		for _, ch := range []<-chan outcome{a, b} {
			if out := <-ch; out.err != nil || out.body != want {
				t.Errorf("answer %s, %v; want %s", out.body, out.err, want)
			}
		}
		if n := s.Calls("Hold"); n != 1 {
			t.Errorf("server got %d calls, want 1 shared by three callers", n)
		}
		// Once answered, the flight is over: the next call is a new one.
		d := goDo(context.Background(), u, prepare(t, u, sch, "Query", "hold", args))
		entered(t, s)
		s.Release(1)
		if out := <-d; out.err != nil {
			t.Fatal(out.err)
		}
		if n := s.Calls("Hold"); n != 2 {
			t.Errorf("server got %d calls, want 2", n)
		}
	})
	t.Run("off", func(t *testing.T) {
		s := startKitchen(t, grpctest.Options{})
		u, info := buildKitchen(t, s, "  mergeInFlight: false")
		sch := bindGenerated(t, info)
		a := goDo(context.Background(), u, prepare(t, u, sch, "Query", "hold", args))
		b := goDo(context.Background(), u, prepare(t, u, sch, "Query", "hold", args))
		// Both reach the server while neither has an answer.
		entered(t, s)
		entered(t, s)
		s.Release(2)
		for _, ch := range []<-chan outcome{a, b} {
			if out := <-ch; out.err != nil {
				t.Error(out.err)
			}
		}
		if n := s.Calls("Hold"); n != 2 {
			t.Errorf("server got %d calls, want 2", n)
		}
	})
}

// TestMergedCallCancelled: when every caller of a shared call has given
// up (a binding's timeout passed), the call is cancelled at the server
// rather than left running to the upstream's timeout, and the next
// identical call starts a new one.
func TestMergedCallCancelled(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	u, info := buildKitchen(t, s, "  timeout: 60s")
	sch := bindGenerated(t, info)
	args := map[string]any{"key": "gone"}
	ctx, cancel := context.WithCancel(context.Background())
	wc := newWaitingCtx(ctx)
	a := goDo(wc, u, prepare(t, u, sch, "Query", "hold", args))
	entered(t, s)
	<-wc.waiting
	cancel()
	if out := <-a; out.err == nil {
		t.Fatalf("a cancelled caller got %s", out.body)
	}
	// The held call was cancelled: its handler returns.
	for deadline := time.Now().Add(20 * time.Second); s.Holding() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the shared call was not cancelled at the server")
		}
	}
	// A new one reaches the server, and answers once released.
	b := goDo(context.Background(), u, prepare(t, u, sch, "Query", "hold", args))
	entered(t, s)
	s.Release(1)
	if out := <-b; out.err != nil {
		t.Fatal(out.err)
	}
	if n := s.Calls("Hold"); n != 2 {
		t.Errorf("server got %d calls, want 2", n)
	}
	// Nothing is left in flight: Close does not wait (its grace is 30s).
	done := make(chan struct{})
	go func() { u.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close is still waiting for a call nobody wants")
	}
}
