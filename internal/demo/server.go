package demo

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// shutdownTimeout bounds a graceful stop; requests still running after it
// have their connections closed.
const shutdownTimeout = 5 * time.Second

// server is one upstream's HTTP server that can be stopped and started again
// on the same address.
type server struct {
	name    string
	handler http.Handler
	log     zerolog.Logger

	mu     sync.Mutex
	addr   string // listen address; the resolved port replaces 0 after the first start
	srv    *http.Server
	done   chan struct{} // closed when srv's Serve goroutine has returned
	closed bool

	// base is the URL clients use, readable while a slow stop holds mu.
	base atomic.Pointer[string]
}

func newServer(name, addr string, h http.Handler, log zerolog.Logger) *server {
	return &server{
		name:    name,
		handler: h,
		addr:    addr,
		log:     log.With().Str("upstream", name).Logger(),
	}
}

func (s *server) start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("demo: start %s upstream: already closed", s.name)
	}
	if s.srv != nil {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("demo: start %s upstream on %s: %w", s.name, s.addr, err)
	}
	host, _, err := net.SplitHostPort(s.addr)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("demo: start %s upstream on %s: %w", s.name, s.addr, err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	// Pin the port so that a restart comes back where clients expect it.
	s.addr = net.JoinHostPort(host, port)
	base := "http://" + net.JoinHostPort(urlHost(host), port)
	s.base.Store(&base)

	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          stdlog.New(warnWriter{s.log}, "", 0),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error().Err(err).Msg("demo upstream stopped serving")
		}
	}()
	s.srv, s.done = srv, done
	s.log.Info().Str("addr", s.addr).Msg("demo upstream listening")
	return nil
}

func (s *server) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *server) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.stopLocked()
}

func (s *server) stopLocked() error {
	if s.srv == nil {
		return nil
	}
	srv, done := s.srv, s.done
	s.srv, s.done = nil, nil

	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Connections that never sent a request (a client's spare dial)
		// hold Shutdown for seconds; past the grace period they are cut.
		err = srv.Close()
	}
	if err != nil {
		err = fmt.Errorf("demo: stop %s upstream on %s: %w", s.name, s.addr, err)
	}
	<-done
	s.log.Info().Str("addr", s.addr).Msg("demo upstream stopped")
	return err
}

// url returns the base URL of the last start; "" before the first.
func (s *server) url() string {
	if p := s.base.Load(); p != nil {
		return *p
	}
	return ""
}

// warnWriter routes net/http's own error lines (bad requests, TLS noise)
// into the structured log.
type warnWriter struct{ log zerolog.Logger }

func (w warnWriter) Write(p []byte) (int, error) {
	w.log.Warn().Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}

// urlHost is the host a client should dial for a listener bound to host:
// unspecified addresses listen on loopback too, and loopback is what the demo
// is for.
func urlHost(host string) string {
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return "127.0.0.1"
	}
	return host
}
