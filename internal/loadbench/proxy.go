package loadbench

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/rs/zerolog"
)

// proxyIdleConns matches Weft's default pool per upstream
// (upstreams/transport.DefaultMaxIdleConns), so the baseline and the
// gateway keep the same number of warm connections.
const proxyIdleConns = 256

// NewProxy returns the baseline: a plain httputil.ReverseProxy to target,
// with a pooled Transport sized like Weft's upstream clients. It forwards
// every request as it is; what it costs is the floor any HTTP gateway in Go
// pays for one more hop.
func NewProxy(target *url.URL, log zerolog.Logger) *httputil.ReverseProxy {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          proxyIdleConns,
			MaxIdleConnsPerHost:   proxyIdleConns,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		ErrorLog: stdlog.New(log, "proxy: ", 0),
	}
}

// ServeProxy runs the reverse proxy to target on addr until ctx is done.
func ServeProxy(ctx context.Context, log zerolog.Logger, addr, target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("proxy target %q: want an http or https URL", target)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	srv := &http.Server{
		Handler:           NewProxy(u, log),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          stdlog.New(log, "proxy: ", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info().Str("addr", ln.Addr().String()).Str("target", target).Msg("benchmark proxy listening")
	select {
	case err := <-errc:
		return fmt.Errorf("proxy: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("proxy: %w", err)
	}
	return nil
}
