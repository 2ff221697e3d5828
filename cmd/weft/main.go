// Command weft is the Weft GraphQL gateway: `weft serve` runs it,
// `weft validate` checks a config, `weft plan` prints a query's plan.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
)

func main() {
	// The first SIGINT or SIGTERM ends ctx: serve drains and stops. A
	// second one is serve's to handle (see drain), so the stop here only
	// runs once the command has returned.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process's exit
// status. Every error is printed here, once, to stderr: commands return
// theirs and print none.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	report(stderr, cmd, err)
	return 1
}

// report prints a command's error: a config's errors one per line under
// a heading, a usage error with where to read the usage, anything else on
// one "Error:" line.
func report(w io.Writer, cmd *cobra.Command, err error) {
	var ce *configError
	if errors.As(err, &ce) {
		fmt.Fprintf(w, "Error: %s\n%s\n", ce.heading(), ce.err)
		return
	}
	fmt.Fprintf(w, "Error: %s\n", strings.TrimRight(err.Error(), "\n"))
	var ue *usageError
	if errors.As(err, &ue) && cmd != nil {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
}

// usageError is a command line the command cannot run: an unknown flag or
// command, a bad flag value, missing or extra arguments.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// configError is a config that did not load: err holds one error per line.
type configError struct {
	// display names the config (its --config directory, or the embedded
	// demo).
	display string
	// consequence, when set, says what the command did not do because of
	// it ("nothing is served").
	consequence string
	err         error
}

func (e *configError) heading() string {
	n := strings.Count(e.err.Error(), "\n") + 1
	h := fmt.Sprintf("config %s has %d error", e.display, n)
	if n > 1 {
		h += "s"
	}
	if e.consequence != "" {
		h += "; " + e.consequence
	}
	return h + ":"
}

func (e *configError) Error() string { return e.heading() + "\n" + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "weft",
		Short: "Weft is a GraphQL gateway over GraphQL, REST, gRPC and SOAP upstreams",
		// Errors are printed by run, once; usage only on request.
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(newServe(), newValidate(), newPlan(), newImport(), newCompose(), newCheck(),
		newRegistry(), newPush(), newRollback(), newHistory(), newDiff(), newApprove())
	// Made now rather than by Execute, so that the walk below reaches it.
	root.InitDefaultCompletionCmd()
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, rest, err := cmd.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("unknown help topic %q", strings.Join(args, " "))
			}
			return topic.Help()
		},
	})
	strictArgs(root)
	return root
}

// strictArgs makes a bad command line a usage error throughout the tree
// under c. A command that only groups others is made runnable (runGroup),
// since cobra answers an unknown command under one with its help and exit
// status 0.
func strictArgs(c *cobra.Command) {
	if !c.Runnable() && c.HasSubCommands() {
		c.Args, c.RunE = cobra.ArbitraryArgs, runGroup
	}
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			var ue *usageError
			if err == nil || errors.As(err, &ue) {
				return err
			}
			return &usageError{err}
		}
	}
	for _, sub := range c.Commands() {
		strictArgs(sub)
	}
}

// runGroup runs a command that only groups others: with no argument it
// prints its help, with one it names the command it does not have.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // what cobra uses for its own suggestions
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return &usageError{errors.New(msg)}
}

// positional checks that a command got exactly the arguments named.
func positional(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			return usagef("missing %s", strings.Join(names[len(args):], " and "))
		case len(args) > len(names):
			return usagef("unexpected argument %q (%s takes %s)", args[len(names)], cmd.CommandPath(), argsTaken(names))
		}
		return nil
	}
}

func argsTaken(names []string) string {
	if len(names) == 0 {
		return "no arguments, only flags"
	}
	return strings.Join(names, " ")
}

// kinds are the upstream kinds this binary knows: one line each.
func kinds() []upstreams.Kind {
	return []upstreams.Kind{
		graphql.Kind(),
		rest.Kind(),
		grpcup.Kind(),
		soap.Kind(),
		federation.Kind(),
	}
}

// logFlags are the logging flags every command shares.
type logFlags struct {
	format string
	level  string
}

func (f *logFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.format, "log-format", "json", "log format: json or console")
	cmd.Flags().StringVar(&f.level, "log-level", "info", "log level: debug, info, warn, error")
}

func (f *logFlags) logger(w io.Writer) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(f.level)
	if err != nil {
		return zerolog.Nop(), usagef("--log-level %q: want debug, info, warn or error", f.level)
	}
	switch f.format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	default:
		return zerolog.Nop(), usagef("--log-format %q: want json or console", f.format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}
