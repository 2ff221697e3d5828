package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/api"
	"github.com/weft-gateway/weft/resolvers/redisstale"
	"github.com/weft-gateway/weft/virtualservices"
)

// defaultShutdownGrace is how long in-flight requests get to finish after
// the first SIGINT or SIGTERM: under Kubernetes' default 30s between
// SIGTERM and SIGKILL, with room for the rest of the shutdown.
const defaultShutdownGrace = 15 * time.Second

func newServe() *cobra.Command {
	var (
		src    configSource
		logs   logFlags
		listen string
		admin  string
		redis  string
		reg    string
		regAPI bool
		// demoSeed: the embedded demo seeds an empty store.
		demoSeed bool
		flush    time.Duration
		watch    bool
		grace    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway (with no --config: the embedded demo shop)",
		Long: `Serve runs the gateway on --listen. With no --config it serves the embedded demo
shop, whose upstreams run in-process on free loopback ports (printed at start;
--demo-base-port fixes them).

On SIGINT or SIGTERM it stops accepting connections and lets the requests in
flight finish for up to --shutdown-grace; past that it cancels them, closes
their connections and exits with status 0. A second SIGINT or SIGTERM cancels
them at once and exits with status 1.

With --store and no --config, it serves the config in the registry's store
and follows it: what 'weft push' or 'weft registry import' makes active there
is served within seconds, by every replica on the store. With --registry it
also serves the registry's API on the admin listener (/registry/graphql, a
playground at /registry/), over --store or, when none is given, an embedded
SQLite file; a store that holds no config yet is first given the one --config
names (or the embedded demo), and the store's config is served from then on.`,
		Args: positional(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if grace < 0 {
				return usagef("--shutdown-grace %s: want a duration of 0 or more", grace)
			}
			if flush <= 0 {
				return usagef("--usage-flush %s: want a positive duration", flush)
			}
			if regAPI {
				if src.supergraph != "" {
					return usagef("--registry serves the config in its store, which --supergraph cannot give it: serve the supergraph from a config directory, with an Upstream of kind supergraph")
				}
				if admin == "" {
					admin = defaultRegistryListen
				}
				if reg == "" {
					var err error
					if reg, err = defaultStorePath(); err != nil {
						return err
					}
					// The laptop case: an empty embedded store gets the
					// demo. A store of one's own never does.
					demoSeed = src.dir == ""
				}
			}
			// With a store and no files, the config is the store's; with the
			// registry, always.
			fromStore := reg != "" && (regAPI || src.dir == "" && src.supergraph == "")
			if !cmd.Flags().Changed("demo-upstreams") {
				src.demoUpstreams = src.dir == "" && src.supergraph == "" && (!fromStore || demoSeed)
			}
			log, err := logs.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			// The addresses are taken first: a busy one fails before
			// anything starts or logs.
			ln, err := listenOn(ctx, "--listen", listen)
			if err != nil {
				return err
			}
			defer ln.Close()
			var adminLn net.Listener
			if admin != "" {
				if adminLn, err = listenOn(ctx, "--admin-listen", admin); err != nil {
					return err
				}
				defer adminLn.Close()
			}
			cfg, ups, err := src.open(ctx, log)
			if err != nil {
				return err
			}
			if ups != nil {
				defer ups.Close()
				log.Info().Str("catalog", ups.CatalogURL()).Str("reviews", ups.ReviewsURL()).
					Str("inventory", ups.InventoryTarget()).Str("shipping", ups.ShippingURL()).Str("qa", ups.QAURL()).Msg("demo upstreams running")
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
			var (
				follower *storeFollower
				regSvc   *registry.Service
			)
			if reg != "" {
				st, err := openRegistryStore(ctx, reg, log)
				if err != nil {
					return err
				}
				defer st.Close()
				if regAPI {
					if src.dir != "" || demoSeed {
						if err := seedStore(ctx, st, &src, cfg, log); err != nil {
							return err
						}
					}
					regSvc = newRegistryService(st, cfg.Env, registry.DefaultUsageWindow, log)
					// After the admin listener closes and before the store
					// does: it writes the count of refusals the cap left out.
					defer regSvc.Close()
				}
				if fromStore {
					follower = &storeFollower{st: st, dsn: reg, env: cfg.Env, log: log}
				}
				rec := virtualservices.NewUsageRecorder(usageSink{st}, flush, log)
				if err := server.RegisterMetrics(rec); err != nil {
					return fmt.Errorf("usage metrics: %w", err)
				}
				server.RecordUsage(rec)
				usageCtx, stopUsage := context.WithCancel(context.WithoutCancel(ctx))
				usageDone := make(chan struct{})
				go func() { rec.Run(usageCtx); close(usageDone) }()
				// After the drain, so that the last requests are counted,
				// and before the store closes: Run flushes once more.
				defer func() { stopUsage(); <-usageDone }()
			}
			reloader := &virtualservices.Reloader{
				Loader: loader,
				Server: server, Config: cfg, Dir: src.dir, Log: log,
			}
			if src.supergraph != "" {
				// Only the supergraph file is watched, not the directory
				// it happens to be in.
				reloader.Dir = cfg.OSDir
				reloader.Files = []string{src.supergraph}
			}
			if follower != nil {
				follower.reloader = reloader
				if err := follower.load(ctx); err != nil {
					if ctx.Err() != nil {
						return fmt.Errorf("interrupted while loading the config: %w", err)
					}
					if resource.AsErrors(err) != nil {
						return &configError{display: "in the store", consequence: "nothing is served", err: err}
					}
					return err
				}
			} else if err := reloader.Reload(ctx); err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted while loading the config: %w", err)
				}
				return &configError{display: src.display(), consequence: "nothing is served", err: src.inUserTerms(err)}
			}

			var flight inFlight
			// Requests run on a context of their own, not ctx: the first
			// signal must let them finish; the end of the grace period
			// cancels them.
			reqCtx, cancelRequests := context.WithCancel(context.Background())
			defer cancelRequests()
			httpServer := &http.Server{
				Handler:           flight.track(server),
				ReadHeaderTimeout: 10 * time.Second,
				IdleTimeout:       120 * time.Second,
				BaseContext:       func(net.Listener) context.Context { return reqCtx },
			}
			errc := make(chan error, 1)
			go func() { errc <- httpServer.Serve(ln) }()
			if adminLn != nil {
				defer serveAdmin(adminLn, server.MetricsHandler(), log, func(mux *http.ServeMux) {
					if regSvc != nil {
						mountRegistry(mux, registryPrefix, regSvc, api.DefaultMaxBodyBytes, log)
					}
				}).Close()
			}

			printBanner(cmd.OutOrStdout(), "http://"+ln.Addr().String(), server.Snapshot().VirtualServices(), ups)
			if regSvc != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "Registry API: http://%s%s/graphql (store %s)\n", adminLn.Addr(), registryPrefix, redactDSN(reg))
			}

			watchDone := make(chan struct{})
			watchCtx, stopWatch := context.WithCancel(ctx)
			defer func() { stopWatch(); <-watchDone }()
			go func() {
				defer close(watchDone)
				if follower != nil {
					follower.follow(watchCtx)
				} else if watch && (src.dir != "" || src.supergraph != "") {
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
			return drain(httpServer, &flight, cancelRequests, grace, log)
		},
	}
	cmd.Flags().StringVar(&src.dir, "config", "", "directory of Upstream and VirtualService YAML files (default: the embedded demo)")
	cmd.Flags().StringVar(&src.supergraph, "supergraph", "", "a composed Federation v2 supergraph SDL file to serve whole at /graphql, in place of --config")
	src.registerDemo(cmd, "run the demo's upstreams in-process (default: on when --config is not set)")
	cmd.Flags().StringVar(&src.demoFaults, "demo-faults", "", "make demo upstreams misbehave to show fallbacks: reviews=down,inventory=slow (faults: down, slow, error, garbage)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&watch, "watch", true, "reload when files under --config change")
	cmd.Flags().StringVar(&admin, "admin-listen", "", "address for the admin endpoints (/metrics, /debug/pprof/, the registry's API); off when empty, "+defaultRegistryListen+" with --registry")
	cmd.Flags().BoolVar(&regAPI, "registry", false, "serve the registry's API on the admin listener and serve the config in its store (--store, else an embedded SQLite file), given --config's (or the demo's) when it holds none")
	cmd.Flags().StringVar(&redis, "redis", os.Getenv("WEFT_REDIS_URL"), "Redis URL (redis://, rediss://, unix://) where replicas share the values stale fallbacks serve (default $WEFT_REDIS_URL)")
	cmd.Flags().StringVar(&reg, "store", os.Getenv("WEFT_STORE"), storeFlagUsage+"; the gateway records there which operations run and what they use, for weft check (default $WEFT_STORE)")
	cmd.Flags().DurationVar(&flush, "usage-flush", virtualservices.DefaultUsageInterval, "with --store, how often the counts of the operations served are written there")
	cmd.Flags().DurationVar(&grace, "shutdown-grace", defaultShutdownGrace, "on SIGINT or SIGTERM, how long requests in flight get to finish before they are cancelled")
	logs.register(cmd)
	return cmd
}

// listenOn listens on addr for the flag that named it; an address in use
// says so and which flag moves it.
func listenOn(ctx context.Context, flag, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s %s: %w (another process listens there; choose another address with %s)", flag, addr, err, flag)
	}
	return nil, fmt.Errorf("%s %s: %w", flag, addr, err)
}

// printBanner tells a person where the gateway and the demo's upstreams
// are.
func printBanner(w io.Writer, base string, vss []string, ups *demo.Upstreams) {
	fmt.Fprintf(w, "Weft is listening on %s\n", base)
	for _, vs := range vss {
		fmt.Fprintf(w, "  virtual service %s\n", vs)
	}
	if ups != nil {
		fmt.Fprintf(w, "Demo upstreams:\n")
		fmt.Fprintf(w, "  catalog    %s (GraphQL)\n", ups.CatalogURL())
		fmt.Fprintf(w, "  reviews    %s (REST)\n", ups.ReviewsURL())
		fmt.Fprintf(w, "  inventory  %s (gRPC, with server reflection)\n", ups.InventoryTarget())
		fmt.Fprintf(w, "  shipping   %s (SOAP)\n", ups.ShippingURL())
		fmt.Fprintf(w, "  qa         %s (GraphQL, an Apollo Federation subgraph)\n", ups.QAURL())
	}
	fmt.Fprintf(w, "Playground: %s/graphql (open it in a browser)\n", base)
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
