package main

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/api"
	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/virtualservices"
	"github.com/weft-gateway/weft/virtualservices/playground"
)

// loaderBuilder builds configs for the registry with the gateway's own
// loader and every upstream kind this binary knows.
type loaderBuilder struct {
	loader *virtualservices.Loader
	env    func(string) (string, bool)
}

var _ registry.Builder = loaderBuilder{}

// Inspect implements registry.Builder.
func (b loaderBuilder) Inspect(ctx context.Context, fsys fs.FS) (*registry.Inspection, error) {
	in, err := b.loader.Inspect(ctx, virtualservices.Config{FS: fsys, Dir: ".", Env: b.env})
	if err != nil {
		return nil, err
	}
	out := &registry.Inspection{Schemas: make(map[string]*ast.Schema, len(in.Schemas)), Sources: in.Sources, Warnings: in.Warnings}
	for name, s := range in.Schemas {
		out.Schemas[name] = s.AST
	}
	return out, nil
}

func newRegistryServe() *cobra.Command {
	var (
		logs   logFlags
		dsn    string
		listen string
		window time.Duration
		grace  time.Duration
		body   int64
	)
	cmd := &cobra.Command{
		Use:   "serve --store DSN [--listen ADDR]",
		Short: "Serve the registry's GraphQL API over a store: checks, pushes, rollbacks, history, diffs",
		Long: `serve runs the schema registry alone: its GraphQL API at /graphql (a browser
opening / gets a playground), over the store --store names. Every request needs
a token (Authorization: Bearer ...); create the first with
'weft registry token create'. Gateways follow what it activates through the
same store.

Configs are built as 'weft check' builds them, with this process's
environment for ${VAR} placeholders, and nothing is sent to an upstream
unless its schema is introspected.

On SIGINT or SIGTERM it stops accepting connections and lets the requests in
flight finish for up to --shutdown-grace, as 'weft serve' does.`,
		Args: positional(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case dsn == "":
				return usagef("--store is required: " + storeFlagUsage)
			case grace < 0:
				return usagef("--shutdown-grace %s: want a duration of 0 or more", grace)
			case window <= 0:
				return usagef("--usage-window %s: want a positive duration", window)
			case body <= 0:
				return usagef("--max-body-bytes %d: want a positive size", body)
			}
			log, err := logs.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ln, err := listenOn(ctx, "--listen", listen)
			if err != nil {
				return err
			}
			defer ln.Close()
			st, err := openRegistryStore(ctx, dsn, log)
			if err != nil {
				return err
			}
			defer st.Close()
			svc := newRegistryService(st, os.LookupEnv, window, log)
			// After the requests drain and before the store closes: it
			// writes the count of refusals the cap left out.
			defer svc.Close()

			var flight inFlight
			mux := http.NewServeMux()
			mountRegistry(mux, "", svc, body, log)
			mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })

			reqCtx, cancelRequests := context.WithCancel(context.Background())
			defer cancelRequests()
			srv := &http.Server{
				Handler:           flight.track(mux),
				ReadHeaderTimeout: 10 * time.Second,
				IdleTimeout:       120 * time.Second,
				BaseContext:       func(net.Listener) context.Context { return reqCtx },
			}
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			base := "http://" + ln.Addr().String()
			fmt.Fprintf(cmd.OutOrStdout(), "Weft registry is listening on %s\n  API:        %s/graphql\n  Playground: %s/\n", base, base, base)
			log.Info().Str("addr", ln.Addr().String()).Msg("registry serving")
			select {
			case err := <-errc:
				return fmt.Errorf("serve: %w", err)
			case <-ctx.Done():
			}
			return drain(srv, &flight, cancelRequests, grace, log)
		},
	}
	cmd.Flags().StringVar(&dsn, "store", os.Getenv("WEFT_STORE"), storeFlagUsage+" (default $WEFT_STORE)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8090", "address to listen on")
	cmd.Flags().DurationVar(&window, "usage-window", registry.DefaultUsageWindow, "how far back a check counts the operations gateways recorded")
	cmd.Flags().Int64Var(&body, "max-body-bytes", api.DefaultMaxBodyBytes, "the largest request body accepted")
	cmd.Flags().DurationVar(&grace, "shutdown-grace", defaultShutdownGrace, "on SIGINT or SIGTERM, how long requests in flight get to finish before they are cancelled")
	logs.register(cmd)
	return cmd
}

// newRegistryService is the registry over st, building configs with the
// gateway's loader, env expanding their placeholders. Nothing is sent to
// an upstream unless its schema is introspected.
func newRegistryService(st *store.Store, env func(string) (string, bool), window time.Duration, log zerolog.Logger) *registry.Service {
	return registry.NewService(st, loaderBuilder{
		loader: &virtualservices.Loader{Kinds: kinds(), Log: log, Checking: true},
		env:    env,
	}, registry.ServiceOptions{Log: log, UsageWindow: window})
}

// mountRegistry serves svc's API at prefix+"/graphql" on mux, and a
// playground for it at prefix+"/".
func mountRegistry(mux *http.ServeMux, prefix string, svc *registry.Service, maxBody int64, log zerolog.Logger) {
	mux.Handle(prefix+"/graphql", api.NewHandler(svc, api.Options{Log: log, MaxBodyBytes: maxBody}))
	pg := playground.Handler(playground.Options{Title: "Weft registry", Endpoint: prefix + "/graphql"})
	mux.Handle("GET "+prefix+"/{$}", pg)
	mux.Handle(playground.DefaultAssetsPath, pg)
}
