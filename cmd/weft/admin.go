package main

import (
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/rs/zerolog"
)

// serveAdmin serves the metrics and profiling endpoints, and what routes
// adds, on their own listener, so they are never reachable through a
// VirtualService's domains.
func serveAdmin(ln net.Listener, metrics http.Handler, log zerolog.Logger, routes func(*http.ServeMux)) *http.Server {
	mux := http.NewServeMux()
	if routes != nil {
		routes(mux)
	}
	mux.Handle("/metrics", metrics)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("admin server stopped")
		}
	}()
	log.Info().Str("addr", ln.Addr().String()).Msg("admin endpoints listening")
	return srv
}
