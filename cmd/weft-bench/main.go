// Command weft-bench is Weft's load benchmark. `weft-bench run` drives the
// whole benchmark (scripts/bench.sh, `make bench`); it starts itself as
// `weft-bench upstream` (the memoized demo upstreams, and the federation
// subgraphs for the federation case) and `weft-bench proxy`
// (the reverse-proxy baseline), each in a process of its own so that the
// process under test is measured alone.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/loadbench"
)

// exitError carries an exit code through cobra.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Exit codes of `run` besides 0.
const (
	exitFailedRows  = 1   // the run finished, but some rows failed
	exitInterrupted = 130 // stopped by SIGINT or SIGTERM, as shells report Ctrl-C
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "weft-bench:", err)
		os.Exit(1)
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "weft-bench",
		Short:         "Load benchmark of the Weft gateway against a direct call and a plain reverse proxy",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newRun(), newUpstream(), newProxy())
	return root
}

// runFlags are `weft-bench run`'s flags.
type runFlags struct {
	weft, wrk            string
	duration, warmup     time.Duration
	connections, threads int
	cases, merge         string
	jsonPath             string
	pin                  bool
	workDir              string
}

func newRun() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the benchmark and print its table",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.weft, "weft", "", "the weft binary (default: weft beside this program)")
	fl.StringVar(&f.wrk, "wrk", "wrk", "the wrk binary")
	fl.DurationVar(&f.duration, "duration", 8*time.Second, "measured time per row (whole seconds)")
	fl.DurationVar(&f.warmup, "warmup", 2*time.Second, "warm-up per row before measuring (whole seconds, 0 for none)")
	fl.IntVar(&f.connections, "connections", 32, "wrk connections")
	fl.IntVar(&f.threads, "threads", 1, "wrk threads")
	fl.StringVar(&f.cases, "cases", "", "regular expression selecting cases by whole name (default: all)")
	fl.StringVar(&f.merge, "merge", "on,off", "gateway rows per case: comma-separated in-flight merging settings, on, off or default (field omitted)")
	fl.StringVar(&f.jsonPath, "json", "", "also save the results as JSON to this file")
	fl.BoolVar(&f.pin, "pin", true, "pin wrk and upstreams to CPU 0 and the process under test to CPU 1 (needs taskset and 2 CPUs)")
	fl.StringVar(&f.workDir, "work-dir", "", "keep generated configs and wrk scripts here (default: a temporary directory, removed)")
	return cmd
}

func run(ctx context.Context, f runFlags, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program: %w", err)
	}
	if f.weft == "" {
		f.weft = filepath.Join(filepath.Dir(self), "weft")
	}
	if f.weft, err = exec.LookPath(f.weft); err != nil {
		return fmt.Errorf("--weft: %w (build it: go build -o DIR/weft ./cmd/weft)", err)
	}
	if f.weft, err = filepath.Abs(f.weft); err != nil {
		return fmt.Errorf("--weft: %w", err)
	}
	if f.wrk, err = exec.LookPath(f.wrk); err != nil {
		return fmt.Errorf("--wrk: %w (scripts/bench.sh installs it)", err)
	}
	cases, err := loadbench.SelectCases(loadbench.Cases(), f.cases)
	if err != nil {
		return fmt.Errorf("--cases: %w", err)
	}
	merges, err := loadbench.ParseMerges(f.merge)
	if err != nil {
		return fmt.Errorf("--merge: %w", err)
	}
	work := f.workDir
	if work == "" {
		if work, err = os.MkdirTemp("", "weft-bench-"); err != nil {
			return fmt.Errorf("work directory: %w", err)
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return fmt.Errorf("--work-dir: %w", err)
	}

	opts := loadbench.Options{
		Self: self, Weft: f.weft, Wrk: f.wrk,
		Duration: f.duration, Warmup: f.warmup,
		Connections: f.connections, Threads: f.threads,
		Cases: cases, Merges: merges,
		Pinning: loadbench.DetectPinning(f.pin),
		WorkDir: work,
		Log:     stderr,
	}
	if err := loadbench.NewReport(ctx, opts).WriteHeader(stdout); err != nil {
		return err
	}
	fmt.Fprintln(stdout)

	rep, runErr := loadbench.Run(ctx, opts)
	if len(rep.Rows) > 0 {
		if err := rep.WriteTable(stdout); err != nil {
			return err
		}
	}
	if f.jsonPath != "" && len(rep.Rows) > 0 {
		if err := rep.WriteJSON(f.jsonPath); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "results saved to %s\n", f.jsonPath)
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "weft-bench: interrupted; every process it started has been stopped")
		return &exitError{code: exitInterrupted}
	case runErr != nil:
		return runErr
	case rep.Failed():
		fmt.Fprintln(stderr, "weft-bench: some rows FAILED (see above)")
		return &exitError{code: exitFailedRows}
	}
	return nil
}

func newUpstream() *cobra.Command {
	var opts loadbench.UpstreamOptions
	subgraphs := map[string]*string{}
	cmd := &cobra.Command{
		Use:   "upstream",
		Short: "Serve the memoized demo catalog (GraphQL) and reviews (REST), the inventory (gRPC) and shipping (SOAP), and the federation subgraphs asked for, until SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := zerolog.New(cmd.ErrOrStderr()).With().Timestamp().Logger()
			opts.Subgraphs = map[string]string{}
			for name, addr := range subgraphs {
				if *addr != "" {
					opts.Subgraphs[name] = *addr
				}
			}
			return loadbench.ServeUpstreams(cmd.Context(), log, opts)
		},
	}
	cmd.Flags().IntVar(&opts.Products, "products", 0, "generated products added to the five seed products")
	cmd.Flags().StringVar(&opts.CatalogAddr, "catalog-listen", "127.0.0.1:4101", "the catalog's listen address (GraphQL at /graphql)")
	cmd.Flags().StringVar(&opts.ReviewsAddr, "reviews-listen", "127.0.0.1:4102", "the reviews service's listen address")
	cmd.Flags().StringVar(&opts.InventoryAddr, "inventory-listen", "127.0.0.1:4103", "the gRPC inventory service's listen address (empty: none)")
	cmd.Flags().StringVar(&opts.ShippingAddr, "shipping-listen", "127.0.0.1:4104", "the SOAP shipping service's listen address (empty: none)")
	for _, name := range fedbench.SubgraphNames() {
		subgraphs[name] = new(string)
		cmd.Flags().StringVar(subgraphs[name], strings.TrimPrefix(loadbench.SubgraphListenFlag(name), "--"), "",
			"the federation "+name+" subgraph's listen address (GraphQL at /graphql, its request count at /stats; empty: none)")
	}
	return cmd
}

func newProxy() *cobra.Command {
	var target, listen string
	cmd := &cobra.Command{
		Use:   "proxy --target URL",
		Short: "Serve a plain httputil.ReverseProxy to --target until SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := zerolog.New(cmd.ErrOrStderr()).With().Timestamp().Logger()
			return loadbench.ServeProxy(cmd.Context(), log, listen, target)
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "the URL to forward to, such as http://127.0.0.1:4101")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8081", "address to listen on")
	_ = cmd.MarkFlagRequired("target")
	return cmd
}
