package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/resolvers/redisstale"
	"github.com/weft-gateway/weft/virtualservices"
)

func newServe() *cobra.Command {
	var (
		src    configSource
		logs   logFlags
		listen string
		admin  string
		redis  string
		watch  bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway (with no --config: the embedded demo shop)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("demo-upstreams") {
				src.demoUpstreams = src.dir == ""
			}
			log, err := logs.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			cfg, ups, err := src.open(ctx, log)
			if err != nil {
				return err
			}
			if ups != nil {
				defer ups.Close()
				log.Info().Str("catalog", ups.CatalogURL()).Str("reviews", ups.ReviewsURL()).Msg("demo upstreams running")
			}
			server := virtualservices.NewServer(log)
			defer server.Close()
			loader := &virtualservices.Loader{Kinds: kinds(), Log: log}
			if redis != "" {
				store, err := openStaleStore(ctx, redis, server, log)
				if err != nil {
					return err
				}
				defer store.Close()
				loader.SharedStale = store
			}
			reloader := &virtualservices.Reloader{
				Loader: loader,
				Server: server, Config: cfg, Dir: src.dir, Log: log,
			}
			if err := reloader.Reload(ctx); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return &exitError{code: 1}
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("--listen %s: %w", listen, err)
			}
			httpServer := &http.Server{
				Handler:           server,
				ReadHeaderTimeout: 10 * time.Second,
				IdleTimeout:       120 * time.Second,
			}
			errc := make(chan error, 2)
			go func() { errc <- httpServer.Serve(ln) }()
			if admin != "" {
				adminServer, err := serveAdmin(admin, server.MetricsHandler(), log)
				if err != nil {
					return err
				}
				defer adminServer.Close()
			}

			base := "http://" + ln.Addr().String()
			fmt.Fprintf(cmd.OutOrStdout(), "Weft is listening on %s\n", base)
			for _, vs := range server.Snapshot().VirtualServices() {
				fmt.Fprintf(cmd.OutOrStdout(), "  virtual service %s\n", vs)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Playground: %s/graphql (open it in a browser)\n", base)

			watchDone := make(chan struct{})
			watchCtx, stopWatch := context.WithCancel(ctx)
			defer func() { stopWatch(); <-watchDone }()
			go func() {
				defer close(watchDone)
				if watch && src.dir != "" {
					if err := reloader.Watch(watchCtx); err != nil {
						log.Error().Err(err).Msg("config watch stopped")
					}
				}
			}()

			select {
			case err := <-errc:
				return fmt.Errorf("serve: %w", err)
			case <-ctx.Done():
			}
			log.Info().Msg("shutting down")
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := httpServer.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("shutdown: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&src.dir, "config", "", "directory of Upstream and VirtualService YAML files (default: the embedded demo)")
	cmd.Flags().BoolVar(&src.demoUpstreams, "demo-upstreams", false, "run the demo's upstreams in-process (default: on when --config is not set)")
	cmd.Flags().StringVar(&src.demoFaults, "demo-faults", "", "make demo upstreams misbehave to show fallbacks: reviews=down,inventory=slow (faults: down, slow, error, garbage)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&watch, "watch", true, "reload when files under --config change")
	cmd.Flags().StringVar(&admin, "admin-listen", "", "address for the admin endpoints (/metrics, /debug/pprof/); off when empty")
	cmd.Flags().StringVar(&redis, "redis", os.Getenv("WEFT_REDIS_URL"), "Redis URL (redis://, rediss://, unix://) where replicas share the values stale fallbacks serve (default $WEFT_REDIS_URL)")
	logs.register(cmd)
	return cmd
}

// openStaleStore opens the Redis store replicas share stale values in. A
// Redis that does not answer yet is not fatal: the store works once it
// does, and until then fallbacks serve what this process holds.
func openStaleStore(ctx context.Context, url string, server *virtualservices.Server, log zerolog.Logger) (*redisstale.Store, error) {
	// go-redis logs through a process-wide logger of its own (one line per
	// failed dial, on stderr); the process has one Redis client, so its
	// lines join the gateway's log, at debug: the store counts and reports
	// failures itself.
	goredis.SetLogger(redisLog{log})
	store, err := redisstale.New(redisstale.Options{URL: url}, log)
	if err != nil {
		return nil, fmt.Errorf("--redis: %w", err)
	}
	if err := server.RegisterMetrics(redisstale.NewCollector(store)); err != nil {
		store.Close()
		return nil, fmt.Errorf("--redis: metrics: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := store.Ping(pingCtx); err != nil {
		log.Warn().Err(err).Str("redis", store.Addr()).Msg("shared stale values: Redis does not answer yet; serving what this process holds until it does")
	} else {
		log.Info().Str("redis", store.Addr()).Msg("shared stale values in Redis")
	}
	return store, nil
}

// redisLog writes go-redis's own log lines to the gateway's log.
type redisLog struct{ log zerolog.Logger }

func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug().Str("component", "go-redis").Msgf(format, v...)
}
