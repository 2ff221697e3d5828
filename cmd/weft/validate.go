package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidate() *cobra.Command {
	var src configSource
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check a config: exit 0, or print every error (file:line:col: problem) on stderr and exit 1",
		Args:  positional(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			snap, done, err := src.load(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			for _, w := range snap.Warnings() {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "config is valid: virtual services %v\n", snap.VirtualServices())
			return nil
		},
	}
	cmd.Flags().StringVar(&src.dir, "config", "", "directory of Upstream and VirtualService YAML files (default: the embedded demo)")
	cmd.Flags().StringVar(&src.supergraph, "supergraph", "", "a composed Federation v2 supergraph SDL file to serve whole at /graphql, in place of --config")
	src.registerDemo(cmd, "run the demo's upstreams in-process (for upstreams that introspect)")
	return cmd
}
