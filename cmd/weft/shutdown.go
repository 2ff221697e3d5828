package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// unwindWait bounds how long cancelled requests get to return (and log
// their access lines) before the process goes on with its exit.
const unwindWait = time.Second

// inFlight counts the requests being served.
type inFlight struct {
	active   atomic.Int64
	finished atomic.Int64
}

// track counts h's requests.
func (f *inFlight) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.active.Add(1)
		defer func() {
			f.active.Add(-1)
			f.finished.Add(1)
		}()
		h.ServeHTTP(w, r)
	})
}

// waitIdle returns once no request is active or d has passed.
func (f *inFlight) waitIdle(d time.Duration) {
	deadline := time.Now().Add(d)
	for f.active.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// drain stops srv once the first signal has come: no new connections,
// the requests in flight get grace to finish, then they are cancelled
// (cancelRequests ends their contexts) and their connections closed. A
// second SIGINT or SIGTERM during the grace does that at once and is an
// error, so the exit status tells the two apart.
func drain(srv *http.Server, flight *inFlight, cancelRequests func(), grace time.Duration, log zerolog.Logger) error {
	// Registered before the log line below, which tells the sender that
	// a second signal is now heard.
	second := make(chan os.Signal, 1)
	signal.Notify(second, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(second)

	active, finished := flight.active.Load(), flight.finished.Load()
	log.Info().Int64("inFlight", active).Stringer("grace", grace).
		Msg("shutting down: draining the requests in flight (a second SIGINT or SIGTERM cancels them at once)")
	graceCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(graceCtx) }()

	// cut cancels what is still running and reports how many requests
	// finished since the signal and how many were cancelled.
	cut := func() (drained, cancelled int64) {
		drained, cancelled = flight.finished.Load()-finished, flight.active.Load()
		cancelRequests()
		_ = srv.Close()
		flight.waitIdle(unwindWait)
		return drained, cancelled
	}
	select {
	case err := <-done:
		if err == nil {
			log.Info().Int64("drained", flight.finished.Load()-finished).Msg("shut down: every request in flight finished")
			return nil
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: %w", err)
		}
		drained, cancelled := cut()
		log.Warn().Int64("drained", drained).Int64("cancelled", cancelled).Stringer("grace", grace).
			Msg("shut down: the grace period ended; cancelled the requests still in flight")
		return nil
	case s := <-second:
		cancel()
		<-done
		_, cancelled := cut()
		return fmt.Errorf("second %s: stopped without draining; cancelled %d requests in flight", signalName(s), cancelled)
	}
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
