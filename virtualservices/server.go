package virtualservices

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/resolvers"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/virtualservices/playground"
)

// Server serves the current snapshot. Swapping is atomic: a request runs
// entirely on the snapshot it started with.
type Server struct {
	log        zerolog.Logger
	snap       atomic.Pointer[Snapshot]
	mu         sync.Mutex // serializes Swap and Close
	assets     http.Handler
	reqCounter atomic.Uint64
	idPrefix   string
	metrics    *metrics
	// usage, when set, counts the operations run.
	usage atomic.Pointer[UsageRecorder]

	// closing is closed by Close: retired upstreams are closed at once.
	closing chan struct{}
	closed  bool
	// retiring counts the goroutines that close retired snapshots'
	// upstreams; Close waits for them.
	retiring sync.WaitGroup
}

// NewServer returns a server with no snapshot yet: it answers 503 until the
// first Swap.
func NewServer(log zerolog.Logger) *Server {
	var b [4]byte
	_, _ = rand.Read(b[:])
	s := &Server{
		log:      log,
		assets:   playground.Handler(playground.Options{AssetsPath: PlaygroundAssetsPath}),
		idPrefix: hex.EncodeToString(b[:]),
		metrics:  newMetrics(),
		closing:  make(chan struct{}),
	}
	s.metrics.reg.MustRegister(newResilienceCollector(s), newHostsCollector(s), newCacheCollector(s))
	return s
}

// Snapshot returns the snapshot being served, or nil.
func (s *Server) Snapshot() *Snapshot { return s.snap.Load() }

// Swap starts serving next and retires the previous snapshot: the
// upstreams of it that next does not reuse are closed in the background,
// once the requests in flight on it are done (or its longest route
// timeout has passed), so Swap returns at once even when closing an
// upstream waits (a gRPC upstream lets its calls finish first).
func (s *Server) Swap(next *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.snap.Swap(next)
	if prev == nil || prev == next {
		return
	}
	kept := map[upstreams.Upstream]bool{}
	for _, b := range next.ups {
		kept[b.up] = true
	}
	var retired []upstreams.Upstream
	for _, b := range prev.ups {
		if !kept[b.up] {
			retired = append(retired, b.up)
		}
	}
	if len(retired) == 0 {
		return
	}
	s.retiring.Add(1)
	go s.retire(prev, retired)
}

// retire closes ups, the upstreams of the retired snapshot prev that the
// served one does not use, once prev's requests are done.
func (s *Server) retire(prev *Snapshot, ups []upstreams.Upstream) {
	defer s.retiring.Done()
	if !prev.drain(s.closing) {
		select {
		case <-s.closing:
		default:
			s.log.Warn().Str("version", prev.Version).Int64("requests", prev.inFlight.Load()).Dur("after", prev.drainFor).
				Msg("requests of the previous config still running; closing its upstreams anyway")
		}
	}
	// Each on its own: one that waits does not hold up the others.
	var wg sync.WaitGroup
	for _, up := range ups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			up.Close()
		}()
	}
	wg.Wait()
}

// Close stops serving and releases the upstreams of the current snapshot,
// and of retired ones at once, without waiting for their requests; it
// returns once every upstream is closed.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	snap := s.snap.Swap(nil)
	s.mu.Unlock()
	if snap != nil {
		for _, b := range snap.ups {
			b.up.Close()
		}
	}
	s.retiring.Wait()
}

// acquire returns the snapshot being served, counting a request in on it,
// or nil. The count is taken before the snapshot is known to be current:
// one that a Swap retired in between is let go and the new one taken, so
// that no request starts on a snapshot whose upstreams may be closing.
func (s *Server) acquire() *Snapshot {
	for {
		snap := s.snap.Load()
		if snap == nil {
			return nil
		}
		snap.acquire()
		if s.snap.Load() == snap {
			return snap
		}
		snap.release()
	}
}

// notReady says why a server serving snap should get no traffic, or "".
// A config without a VirtualService is valid, but a server on it answers
// every request with 404, which a load balancer had better not send to.
func notReady(snap *Snapshot) string {
	switch {
	case snap == nil:
		return "no config loaded"
	case len(snap.names) == 0:
		return "not ready: the config has no VirtualService, so every request would get 404"
	}
	return ""
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP routes a request by host and route, and logs one access line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
		return
	case "/readyz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if reason := notReady(s.snap.Load()); reason != "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(reason + "\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	if len(r.URL.Path) > len(PlaygroundAssetsPath) && r.URL.Path[:len(PlaygroundAssetsPath)] == PlaygroundAssetsPath {
		s.assets.ServeHTTP(w, r)
		return
	}

	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 128 {
		id = s.idPrefix + "-" + strconv.FormatUint(s.reqCounter.Add(1), 16)
		r.Header.Set("X-Request-Id", id)
	}
	w.Header().Set("X-Request-Id", id)
	sw := &statusWriter{ResponseWriter: w}
	stats := &resolvers.Stats{}
	vsName, routeName := "", ""

	snap := s.acquire()
	if snap != nil {
		defer snap.release()
	}
	switch {
	case snap == nil:
		http.Error(sw, "no config loaded", http.StatusServiceUnavailable)
	default:
		vh := snap.router.host(r.Host)
		if vh == nil {
			http.Error(sw, "no virtual service for host "+r.Host, http.StatusNotFound)
			break
		}
		vsName = vh.name
		rt := vh.route(r)
		if rt == nil {
			http.Error(sw, "no route for "+r.URL.Path, http.StatusNotFound)
			break
		}
		routeName = rt.name
		rt.handler.ServeHTTP(sw, r.WithContext(resolvers.WithStats(r.Context(), stats)))
	}

	took := time.Since(start)
	s.metrics.observe(vsName, sw.status, took, stats)
	if u := s.usage.Load(); u != nil && stats.Plan != nil {
		u.count(vsName, stats.Plan)
	}
	ev := s.log.Info()
	if sw.status >= 500 {
		ev = s.log.Warn()
	}
	ev.Str("requestId", id).
		Str("method", r.Method).
		Str("host", r.Host).
		Str("path", r.URL.Path).
		Str("virtualService", vsName).
		Str("route", routeName).
		Str("operation", stats.Operation).
		Int("status", sw.status).
		Int("bytes", sw.bytes).
		Dur("duration", took).
		Int64("upstreamCalls", stats.UpstreamCalls.Load()).
		Int64("fallbacks", stats.Fallbacks.Load()).
		Int("errors", stats.Errors).
		Msg("request")
}
