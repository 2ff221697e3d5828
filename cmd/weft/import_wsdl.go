package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

func newImportWSDL() *cobra.Command {
	var (
		name, prefix, out, version string
		kinds, services, ports     []string
		load                       wsdl.LoadOptions
	)
	cmd := &cobra.Command{
		Use:   "wsdl SOURCE",
		Short: "Import a WSDL 1.1 service (file or URL, with its imported WSDLs and schemas)",
		Long: `Import prints an Upstream resource and a GraphQL schema whose fields are bound
to the service's operations with @soap, for a team to edit and commit. Read-only
operations (Get..., List..., Search..., ...) become Query fields, the others
Mutation fields; --operation overrides one. Parts that cannot be mapped are
reported as warnings on stderr, one per line (file:line: element: what was
done), then a summary; the rest is imported. An imported file (xs:import,
xs:include, wsdl:import) that is not there is a warning too: what needs it is
left out. When no operation is left to import, the command says why and exits
with status 1.

With --out DIR it writes NAME.upstream.yaml and NAME.graphql there instead,
the Upstream naming the WSDL relative to DIR (or by its absolute path when it
is outside DIR).`,
		Args: positional("SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := wsdl.Options{Upstream: name, Prefix: prefix, Kinds: map[string]string{}, Services: services, Ports: ports, SOAPVersion: version}
			for _, k := range kinds {
				op, kind, ok := strings.Cut(k, "=")
				if !ok || (kind != "Query" && kind != "Mutation") {
					return usagef("--operation %q: want OPERATION=Query or OPERATION=Mutation", k)
				}
				opts.Kinds[op] = kind
			}
			if version != "" && version != "1.1" && version != "1.2" {
				return usagef("--soap-version %q: want 1.1 or 1.2", version)
			}
			if load.MaxFiles <= 0 || load.MaxBytes <= 0 {
				return usagef("--max-files and --max-bytes must be positive")
			}
			defs, err := wsdl.Load(cmd.Context(), args[0], load)
			if err != nil {
				return withLimitFlag(err)
			}
			res, err := wsdl.Import(defs, opts)
			var nothing *wsdl.NothingError
			if errors.As(err, &nothing) {
				res = nothing.Result
			} else if err != nil {
				return err
			}
			printImport(cmd.ErrOrStderr(), stringsOf(res.Warnings), fmt.Sprintf("%d operations imported, %d skipped, %d warnings", res.Fields, res.Skipped, len(res.Warnings)))
			if nothing != nil {
				return nothing
			}
			source, far, err := pathFor(res.WSDL, out)
			if err != nil {
				return err
			}
			if far {
				noteFar(cmd.ErrOrStderr(), source, out)
			}
			res.WSDL = source
			return writeImport(cmd, name, out, res.UpstreamYAML(name), res.SDL)
		},
	}
	cmd.Flags().StringVar(&name, "name", "api", "the Upstream's name, used in every @soap binding")
	cmd.Flags().StringVar(&prefix, "prefix", "", "prefix for generated type names")
	cmd.Flags().StringVar(&out, "out", "", "write the files into this directory instead of stdout")
	cmd.Flags().StringSliceVar(&kinds, "operation", nil, "make an operation (Name or Port/Name) a Query or a Mutation field: OP=Query")
	cmd.Flags().StringSliceVar(&services, "service", nil, "import only this wsdl:service (repeatable)")
	cmd.Flags().StringSliceVar(&ports, "port", nil, "import only this wsdl:port (repeatable)")
	cmd.Flags().IntVar(&load.MaxFiles, "max-files", wsdl.DefaultMaxFiles, "the most files the WSDL may span (wsdl:import, xs:import, xs:include)")
	cmd.Flags().Int64Var(&load.MaxBytes, "max-bytes", wsdl.DefaultMaxBytes, "the most bytes the WSDL's files may hold together")
	cmd.Flags().StringVar(&version, "soap-version", "", "where a port type is bound in both, import the 1.1 or 1.2 binding (default 1.1)")
	return cmd
}
