package virtualservices_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/virtualservices"
)

// hangBound bounds how long the tests wait for what must happen at once:
// closing a gRPC upstream with a call in flight waits up to 30 s, which a
// Swap used to do under its lock.
const hangBound = 10 * time.Second

// connTracker wraps a listener and tells when each accepted connection is
// closed by the server (which it does once the client closes its end).
type connTracker struct {
	net.Listener
	mu    sync.Mutex
	conns []*trackedConn
}

type trackedConn struct {
	net.Conn
	once   sync.Once
	closed chan struct{}
}

func (c *trackedConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

func (l *connTracker) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, closed: make(chan struct{})}
	l.mu.Lock()
	l.conns = append(l.conns, tc)
	l.mu.Unlock()
	return tc, nil
}

func (l *connTracker) accepted() []*trackedConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*trackedConn(nil), l.conns...)
}

// reloadWithin reloads and fails the test if that takes longer than
// hangBound.
func reloadWithin(t *testing.T, rl *virtualservices.Reloader) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- rl.Reload(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
	case <-time.After(hangBound):
		t.Fatalf("the reload did not return within %s", hangBound)
	}
}

// TestReloadWhileGRPCUpstreamHangs: a reload that replaces a gRPC
// upstream with a call hanging on it completes at once; new requests go
// to the new upstream, the hanging one finishes on the old, and the old
// upstream's connection is closed once it has.
func TestReloadWhileGRPCUpstreamHangs(t *testing.T) {
	tracker := &connTracker{}
	s := startKitchen(t, grpctest.Options{Listener: func(l net.Listener) net.Listener {
		tracker.Listener = l
		return tracker
	}})
	dir := kitchenConfig(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), ""),
		"vs.yaml": includeVS(false),
	})
	w := startReloadWorldIn(t, dir, kinds())

	held := make(chan *response, 1)
	go func() { held <- w.query("", `{ hold(key: "old") { id } }`, nil) }()
	select {
	case <-s.Entered():
	case <-time.After(hangBound):
		t.Fatal("the call did not reach the server")
	}
	if n := len(tracker.accepted()); n != 1 {
		t.Fatalf("%d connections before the reload, want 1", n)
	}
	old := tracker.accepted()[0]

	// A new option rebuilds the upstream; the old one has a call in flight.
	write(t, dir+"/up.yaml", kitchenUpstream("kitchen", s.Addr(), "  timeout: 20s\n"))
	reloadWithin(t, w.reloader)

	r := w.query("", `{ getItem(id: "new") { id } }`, nil)
	r.noErrors(t)
	if n := len(tracker.accepted()); n != 2 {
		t.Errorf("%d connections after a request on the new snapshot, want 2 (the new upstream's own)", n)
	}
	select {
	case <-old.closed:
		t.Fatal("the old upstream's connection closed while a call was in flight on it")
	default:
	}

	s.Release(1)
	select {
	case r := <-held:
		r.noErrors(t)
		equalJSON(t, r.Data, `{"hold": {"id": "old"}}`)
	case <-time.After(hangBound):
		t.Fatal("the held request did not finish")
	}
	select {
	case <-old.closed:
	case <-time.After(hangBound):
		t.Fatal("the old upstream's connection was not closed once its call finished")
	}
}

// watchedUpstream wraps an upstream: it counts the calls in flight, and
// its Close reports how many there were and then waits for unblock.
type watchedUpstream struct {
	upstreams.Upstream
	calls   atomic.Int64
	closing chan int64
	unblock chan struct{}
}

func (u *watchedUpstream) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	u.calls.Add(1)
	defer u.calls.Add(-1)
	return u.Upstream.Do(ctx, c)
}

func (u *watchedUpstream) Close() {
	u.closing <- u.calls.Load()
	<-u.unblock
	u.Upstream.Close()
}

func (u *watchedUpstream) Unwrap() upstreams.Upstream { return u.Upstream }

// TestRetiredUpstreamClosedAfterItsRequests: the upstreams a reload
// retires are closed only once the requests in flight on the old
// snapshot are done, off the reload's path (a Close that blocks does not
// hold it up), and Server.Close waits for them.
func TestRetiredUpstreamClosedAfterItsRequests(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"value": "old"}`))
	}))
	t.Cleanup(slow.Close)
	fresh := valueServer(t, "new")

	var mu sync.Mutex
	var built []*watchedUpstream
	unblock := make(chan struct{})
	ks := kinds()
	ks = withBuild(ks, "rest", func(ctx context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
		up, info, err := rest.Build(ctx, src)
		if err != nil {
			return up, info, err
		}
		w := &watchedUpstream{Upstream: up, closing: make(chan int64, 1), unblock: unblock}
		mu.Lock()
		built = append(built, w)
		mu.Unlock()
		return w, info, nil
	})
	dir := writeConfig(t, map[string]string{
		"up.yaml":     valuesUpstream(slow.URL, ""),
		"vs.yaml":     reloadVS,
		"api.graphql": valueSDL,
	})
	w := startReloadWorldIn(t, dir, ks)
	// Should the test fail first, the closes it holds let go, and the
	// held request ends, before the server is closed.
	var unblockOnce, releaseOnce sync.Once
	t.Cleanup(func() {
		unblockOnce.Do(func() { close(unblock) })
		releaseOnce.Do(func() { close(release) })
	})

	held := make(chan *response, 1)
	go func() { held <- w.query("", `{ value }`, nil) }()
	<-arrived
	write(t, dir+"/up.yaml", valuesUpstream(fresh.URL, ""))
	reloadWithin(t, w.reloader)
	w.query("", `{ value }`, nil).noErrors(t)
	mu.Lock()
	if len(built) != 2 {
		t.Fatalf("%d upstreams built, want 2", len(built))
	}
	old := built[0]
	mu.Unlock()
	select {
	case n := <-old.closing:
		t.Fatalf("the retired upstream was closed with %d calls in flight, before its request ended", n)
	case <-time.After(200 * time.Millisecond):
	}

	releaseOnce.Do(func() { close(release) })
	r := <-held
	r.noErrors(t)
	equalJSON(t, r.Data, `{"value": "old"}`)
	select {
	case n := <-old.closing:
		if n != 0 {
			t.Errorf("the retired upstream was closed with %d calls in flight", n)
		}
	case <-time.After(hangBound):
		t.Fatal("the retired upstream was not closed once its request ended")
	}

	// Its Close still blocks: Server.Close waits for it.
	closed := make(chan struct{})
	go func() { w.server.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Server.Close returned while an upstream was still closing")
	case <-time.After(200 * time.Millisecond):
	}
	unblockOnce.Do(func() { close(unblock) })
	select {
	case <-closed:
	case <-time.After(hangBound):
		t.Fatal("Server.Close did not return once the upstreams closed")
	}
	mu.Lock()
	if n := <-built[1].closing; n != 0 {
		t.Errorf("the served upstream was closed with %d calls in flight", n)
	}
	mu.Unlock()
}

// startReloadWorldIn is startReloadWorld over a directory already
// written, with the given upstream kinds.
func startReloadWorldIn(t *testing.T, dir string, ks []upstreams.Kind) *reloadWorld {
	t.Helper()
	logs := &logBuffer{}
	log := zerolog.New(logs)
	srv := virtualservices.NewServer(log)
	rl := &virtualservices.Reloader{
		Loader: &virtualservices.Loader{Kinds: ks, Log: log}, Server: srv,
		Config: virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir},
		Dir:    dir, Log: log,
	}
	if err := rl.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &reloadWorld{gateway: &gateway{t: t, server: srv, http: hs, logs: logs}, dir: dir, reloader: rl}
}

// TestSwapUnderLoad swaps configs while requests run: no request calls an
// upstream after it was closed, and every upstream retired is closed.
func TestSwapUnderLoad(t *testing.T) {
	a, b := valueServer(t, "a"), valueServer(t, "b")
	var mu sync.Mutex
	var built []*closeChecked
	ks := kinds()
	ks = withBuild(ks, "rest", func(ctx context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
		up, info, err := rest.Build(ctx, src)
		if err != nil {
			return up, info, err
		}
		c := &closeChecked{Upstream: up, t: t}
		mu.Lock()
		built = append(built, c)
		mu.Unlock()
		return c, info, nil
	})
	dirs := []string{
		writeConfig(t, map[string]string{"up.yaml": valuesUpstream(a.URL, ""), "vs.yaml": reloadVS, "api.graphql": valueSDL}),
		writeConfig(t, map[string]string{"up.yaml": valuesUpstream(b.URL, ""), "vs.yaml": reloadVS, "api.graphql": valueSDL}),
	}
	loader := &virtualservices.Loader{Kinds: ks, Log: zerolog.Nop()}
	srv := virtualservices.NewServer(zerolog.Nop())
	load := func(i int) *virtualservices.Snapshot {
		snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dirs[i%2]), Dir: "."}, srv.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	srv.Swap(load(0))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var served atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query": "{ value }"}`))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
					t.Errorf("status %d: %s", rec.Code, rec.Body.String())
					return
				}
				served.Add(1)
			}
		}()
	}
	for i := 1; i <= 40; i++ {
		srv.Swap(load(i))
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	srv.Close()
	if served.Load() == 0 {
		t.Fatal("no request was served")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(built) != 41 {
		t.Errorf("%d upstreams built, want 41", len(built))
	}
	for i, c := range built {
		if !c.closed.Load() {
			t.Errorf("upstream %d was never closed", i)
		}
	}
}

// closeChecked fails the test when it is called after Close.
type closeChecked struct {
	upstreams.Upstream
	t      *testing.T
	closed atomic.Bool
}

func (c *closeChecked) Do(ctx context.Context, call *upstreams.Call) (*upstreams.Result, error) {
	if c.closed.Load() {
		c.t.Error("a request called an upstream after it was closed")
	}
	return c.Upstream.Do(ctx, call)
}

func (c *closeChecked) Close() {
	c.closed.Store(true)
	c.Upstream.Close()
}

func (c *closeChecked) Unwrap() upstreams.Upstream { return c.Upstream }

// withBuild returns kinds with the Build of kind name replaced.
func withBuild(kinds []upstreams.Kind, name string, build upstreams.Builder) []upstreams.Kind {
	out := append([]upstreams.Kind(nil), kinds...)
	for i := range out {
		if out[i].Name() == name {
			out[i].Build = build
		}
	}
	return out
}
