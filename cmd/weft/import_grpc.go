package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/weft-gateway/weft/upstreams/grpc/protoschema"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// grpcImportFlags are the flags both gRPC imports share.
type grpcImportFlags struct {
	name, prefix, out, target string
	services, methods         []string
	kinds                     map[string]string
}

// parse checks the flags before any work is done.
func (f *grpcImportFlags) parse() error {
	f.kinds = map[string]string{}
	for _, m := range f.methods {
		method, kind, ok := strings.Cut(m, "=")
		if !ok || (kind != "Query" && kind != "Mutation" && kind != "Subscription") {
			return usagef("--method %q: want pkg.Service/Method=Query, =Mutation or =Subscription", m)
		}
		f.kinds[method] = kind
	}
	return nil
}

func (f *grpcImportFlags) register(cmd *cobra.Command, targetHelp string) {
	cmd.Flags().StringVar(&f.name, "name", "api", "the Upstream's name, used in every @grpc binding")
	cmd.Flags().StringVar(&f.prefix, "prefix", "", "prefix for generated type names")
	cmd.Flags().StringVar(&f.out, "out", "", "write the files into this directory instead of stdout")
	cmd.Flags().StringSliceVar(&f.services, "service", nil, "import only this service (full name; repeatable)")
	cmd.Flags().StringSliceVar(&f.methods, "method", nil, "make a method (pkg.Service/Method) a Query, Mutation or Subscription field: M=Query")
	cmd.Flags().StringVar(&f.target, "target", "", targetHelp)
}

// run imports files and prints or writes the result.
func (f *grpcImportFlags) run(cmd *cobra.Command, files *protoschema.Files) error {
	opts := protoschema.Options{Upstream: f.name, Prefix: f.prefix, Services: f.services, Kinds: f.kinds}
	res, err := protoschema.Import(files, opts)
	var nothing *protoschema.NothingError
	if errors.As(err, &nothing) {
		res = nothing.Result
	} else if err != nil {
		return err
	}
	printImport(cmd.ErrOrStderr(), stringsOf(res.Warnings), fmt.Sprintf("%d services, %d methods imported, %d skipped, %d warnings", len(res.Services), res.Fields, res.Skipped, len(res.Warnings)))
	if nothing != nil {
		return nothing
	}
	origin, err := originFor(cmd, res.Origin, f.out)
	if err != nil {
		return err
	}
	res.Origin = origin
	return writeImport(cmd, f.name, f.out, res.UpstreamYAML(f.name, f.target), res.SDL)
}

// originFor returns the descriptors' origin as an Upstream written into
// out (or printed) names it: each import path's directory, and the
// descriptor set, relative to out (see pathFor). The import paths, the current directory
// when none was given, are then written unless they are out alone, the
// Upstream's default.
func originFor(cmd *cobra.Command, o protoschema.Origin, out string) (protoschema.Origin, error) {
	if o.DescriptorSet != "" {
		p, far, err := pathFor(o.DescriptorSet, out)
		if err != nil {
			return o, err
		}
		if far {
			noteFar(cmd.ErrOrStderr(), p, out)
		}
		o.DescriptorSet = p
	}
	if o.Kind != protoschema.OriginProto {
		return o, nil
	}
	paths := o.ImportPaths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var written []string
	for _, ip := range paths {
		virtual, dir, err := protoschema.ParseImportPath(ip)
		if err != nil {
			return o, err
		}
		p, far, err := pathFor(dir, out)
		if err != nil {
			return o, err
		}
		if far {
			noteFar(cmd.ErrOrStderr(), p, out)
		}
		if virtual != "" || strings.Contains(p, "=") && !filepath.IsAbs(p) {
			// The "=" keeps a directory whose name holds one whole.
			p = virtual + "=" + p
		}
		written = append(written, p)
	}
	if len(written) == 1 && written[0] == "." {
		written = nil
	}
	o.ImportPaths = written
	return o, nil
}

func newImportProto() *cobra.Command {
	var (
		f        grpcImportFlags
		paths    []string
		descSet  string
		maxFiles int
		maxBytes int64
	)
	cmd := &cobra.Command{
		Use:   "proto FILE... | proto --descriptor-set FILE",
		Args:  cobra.ArbitraryArgs,
		Short: "Import gRPC services from .proto files (compiled here, no protoc) or a descriptor set",
		Long: `Import prints an Upstream resource and a GraphQL schema whose fields are bound
to the services' methods with @grpc, for a team to edit and commit.

Imports are searched in the import paths (-I, in order; default the current
directory), as protoc does: -I DIR, or -I VIRTUAL=DIR for a directory seen
under another name (the import "VIRTUAL/x.proto" reads DIR/x.proto). A FILE is
named as its import statements name it, relative to an import path, or by a
path to it (relative or absolute) inside one, which gives it its name there; a
path outside every import path is an error, except without -I, where a file
outside the current directory has its own directory for import path. The
well-known types need no path.

Methods and types that cannot be mapped are reported as warnings on stderr, one
per line (file:line:col: element: what was done), then a summary; the rest is
imported. When no method is left to import, the command says why and exits
with status 1.

With --out DIR it writes NAME.upstream.yaml and NAME.graphql there instead,
the Upstream naming the import paths relative to DIR (or by their absolute
paths when they are outside DIR).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.parse(); err != nil {
				return err
			}
			if maxFiles <= 0 || maxBytes <= 0 {
				return usagef("--max-files and --max-bytes must be positive")
			}
			var files *protoschema.Files
			var err error
			switch {
			case descSet != "" && len(args) > 0:
				return usagef("give .proto files or --descriptor-set, not both")
			case descSet != "":
				files, err = protoschema.ReadDescriptorSet(descSet, protoschema.SetOptions{MaxFiles: maxFiles, MaxBytes: maxBytes})
			case len(args) == 0:
				return usagef("missing FILE: name at least one .proto file, or --descriptor-set")
			default:
				files, err = protoschema.Compile(cmd.Context(), args, protoschema.CompileOptions{ImportPaths: paths, MaxFiles: maxFiles, MaxBytes: maxBytes})
			}
			if err != nil {
				return withLimitFlag(err)
			}
			return f.run(cmd, files)
		},
	}
	f.register(cmd, "the server's address, host:port (default: an environment variable named after --name)")
	cmd.Flags().StringArrayVarP(&paths, "import-path", "I", nil, "a directory imports are searched in, or VIRTUAL=DIR (repeatable, in order)")
	cmd.Flags().StringVar(&descSet, "descriptor-set", "", "a binary FileDescriptorSet (protoc --include_imports -o, buf build -o)")
	cmd.Flags().IntVar(&maxFiles, "max-files", protoschema.DefaultMaxFiles, "the most .proto files to read, imports included (or files in the descriptor set)")
	cmd.Flags().Int64Var(&maxBytes, "max-bytes", protoschema.DefaultMaxBytes, "the most bytes those files may hold together")
	return cmd
}

func newImportGRPC() *cobra.Command {
	var (
		f         grpcImportFlags
		tlsOn     bool
		tlsOpts   transport.TLSOptions
		timeout   time.Duration
		internals bool
	)
	cmd := &cobra.Command{
		Use:   "grpc ADDRESS",
		Short: "Import gRPC services from a running server's reflection service",
		Long: `Import asks the server at ADDRESS (host:port) for its services over gRPC server
reflection (v1, or v1alpha for older servers), and prints an Upstream resource
and a GraphQL schema whose fields are bound to the methods with @grpc. The
reflection and health services are left out unless --internal. Methods and
types that cannot be mapped are reported as warnings on stderr, then a summary;
when no method is left to import, the command says why and exits with status 1.

With --out DIR it writes NAME.upstream.yaml and NAME.graphql there instead.`,
		Args: positional("ADDRESS"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.parse(); err != nil {
				return err
			}
			creds := insecure.NewCredentials()
			if tlsOn || tlsOpts.CAFile != "" || tlsOpts.CertFile != "" || tlsOpts.KeyFile != "" || tlsOpts.ServerName != "" || tlsOpts.InsecureSkipVerify {
				if (tlsOpts.CertFile == "") != (tlsOpts.KeyFile == "") {
					return usagef("--cert-file and --key-file go together")
				}
				conf, err := tlsOpts.Config(os.ReadFile)
				if err != nil {
					return fmt.Errorf("tls: %w", err)
				}
				creds = credentials.NewTLS(conf)
			}
			conn, err := grpc.NewClient(args[0], grpc.WithTransportCredentials(creds))
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			files, err := protoschema.Reflect(ctx, conn, protoschema.ReflectOptions{Upstream: f.name, Target: args[0], Services: f.services, Internal: internals, Timeout: timeout})
			if err != nil {
				return err
			}
			if f.target == "" {
				f.target = args[0]
			}
			return f.run(cmd, files)
		},
	}
	f.register(cmd, "the address the Upstream names (default: ADDRESS)")
	cmd.Flags().BoolVar(&tlsOn, "tls", false, "connect with TLS (implied by the other TLS flags)")
	cmd.Flags().StringVar(&tlsOpts.CAFile, "ca-file", "", "PEM bundle of CAs to trust")
	cmd.Flags().StringVar(&tlsOpts.CertFile, "cert-file", "", "client certificate (mutual TLS)")
	cmd.Flags().StringVar(&tlsOpts.KeyFile, "key-file", "", "client key (mutual TLS)")
	cmd.Flags().StringVar(&tlsOpts.ServerName, "server-name", "", "name to check in the server's certificate")
	cmd.Flags().BoolVar(&tlsOpts.InsecureSkipVerify, "insecure-skip-verify", false, "do not check the server's certificate (testing only)")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "bound on the whole reflection exchange")
	cmd.Flags().BoolVar(&internals, "internal", false, "keep the reflection and health services")
	return cmd
}
