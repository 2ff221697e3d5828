package main

import (
	"fmt"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/virtualservices"
)

func newValidate() *cobra.Command {
	var src configSource
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check a config: exit 0, or print every error (file:line: problem) and exit 1",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := zerolog.Nop()
			cfg, ups, err := src.open(cmd.Context(), log)
			if err != nil {
				return err
			}
			if ups != nil {
				defer ups.Close()
			}
			loader := &virtualservices.Loader{Kinds: kinds(), Log: log}
			snap, err := loader.Load(cmd.Context(), cfg, nil)
			if err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), err)
				return &exitError{code: 1}
			}
			defer virtualservices.CloseSnapshot(snap)
			fmt.Fprintf(cmd.OutOrStdout(), "config is valid: virtual services %v\n", snap.VirtualServices())
			return nil
		},
	}
	cmd.Flags().StringVar(&src.dir, "config", "", "directory of Upstream and VirtualService YAML files (default: the embedded demo)")
	cmd.Flags().BoolVar(&src.demoUpstreams, "demo-upstreams", false, "run the demo's upstreams in-process (for upstreams that introspect)")
	return cmd
}
