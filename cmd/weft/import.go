package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/upstreams/rest/openapi"
)

func newImport() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Turn an API description into an Upstream and a GraphQL schema with bindings",
	}
	cmd.AddCommand(newImportOpenAPI(), newImportProto(), newImportGRPC(), newImportWSDL())
	return cmd
}

// writeImport prints an import's Upstream and SDL, or writes them as
// NAME.upstream.yaml and NAME.graphql into out.
func writeImport(cmd *cobra.Command, name, out, upstream, sdl string) error {
	if out == "" {
		fmt.Fprintf(cmd.OutOrStdout(), "# ---- %s.upstream.yaml ----\n%s\n# ---- %s.graphql ----\n%s", name, upstream, name, sdl)
		return nil
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	for _, f := range []struct{ file, content string }{{name + ".upstream.yaml", upstream}, {name + ".graphql", sdl}} {
		p := filepath.Join(out, f.file)
		if err := os.WriteFile(p, []byte(f.content), 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		fmt.Fprintln(cmd.OutOrStdout(), "wrote", p)
	}
	return nil
}

func newImportOpenAPI() *cobra.Command {
	var (
		name   string
		prefix string
		out    string
		kinds  []string
		load   openapi.LoadOptions
		depth  int
	)
	cmd := &cobra.Command{
		Use:   "openapi SOURCE",
		Short: "Import an OpenAPI document (file or URL; Swagger 2.0, OpenAPI 3.0, 3.1)",
		Long: `Import prints an Upstream resource and a GraphQL schema whose fields are bound
to the document's operations with @rest, for a team to edit and commit. Parts of
the document that cannot be mapped are reported as warnings on stderr, one per
line (file:line:col: pointer: (operation) what was done); the rest is imported.
A document of which no operation can be imported is an error (exit status 1),
after the warnings that say why.

With --out DIR it writes NAME.upstream.yaml and NAME.graphql there instead.`,
		Args: positional("SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := openapi.Options{Upstream: name, Prefix: prefix, Kinds: map[string]string{}, MaxDepth: depth}
			for _, k := range kinds {
				op, kind, ok := strings.Cut(k, "=")
				if !ok || (kind != "Query" && kind != "Mutation") {
					return usagef("--operation %q: want OPERATION=Query or OPERATION=Mutation", k)
				}
				opts.Kinds[op] = kind
			}
			if load.MaxFiles <= 0 || load.MaxBytes <= 0 || depth <= 0 {
				return usagef("--max-files, --max-bytes and --max-depth must be positive")
			}
			doc, err := openapi.Load(cmd.Context(), args[0], load)
			if err != nil {
				return withLimitFlag(err)
			}
			res, err := openapi.Import(doc, opts)
			var none *openapi.NoOperationsError
			if errors.As(err, &none) {
				printWarnings(cmd, none.Warnings)
				fmt.Fprintf(cmd.ErrOrStderr(), "0 operations imported, %d skipped, %d warnings\n", len(none.Reasons), len(none.Warnings))
				return errors.New(none.Summary() + " (the warnings above say why)")
			}
			if err != nil {
				return err
			}
			printWarnings(cmd, res.Warnings)
			fmt.Fprintf(cmd.ErrOrStderr(), "%d operations imported, %d skipped, %d warnings\n", res.Operations, res.Skipped, len(res.Warnings))
			return writeImport(cmd, name, out, res.UpstreamYAML(name), res.SDL)
		},
	}
	cmd.Flags().StringVar(&name, "name", "api", "the Upstream's name, used in every @rest binding")
	cmd.Flags().StringVar(&prefix, "prefix", "", "prefix for generated type names")
	cmd.Flags().StringVar(&out, "out", "", "write the files into this directory instead of stdout")
	cmd.Flags().StringSliceVar(&kinds, "operation", nil, "make an operation (operationId or 'METHOD /path') a Query or a Mutation field: OP=Query")
	cmd.Flags().IntVar(&load.MaxFiles, "max-files", openapi.DefaultMaxFiles, "the most files the document may span ($refs to other files)")
	cmd.Flags().Int64Var(&load.MaxBytes, "max-bytes", openapi.DefaultMaxBytes, "the most bytes the document's files may hold together")
	cmd.Flags().IntVar(&depth, "max-depth", openapi.DefaultMaxDepth, "how deep nested schemas are mapped; deeper ones are typed JSON")
	return cmd
}

func printWarnings(cmd *cobra.Command, ws []openapi.Warning) {
	for _, w := range ws {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w.String())
	}
}
