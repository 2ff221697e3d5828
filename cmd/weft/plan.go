package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/virtualservices"
)

func newPlan() *cobra.Command {
	var (
		src       configSource
		vs        string
		query     string
		operation string
		asJSON    bool
		host      string
	)
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Print the plan of a query: the upstream calls, their order and batching",
		Args:  positional(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if query == "" {
				return usagef("--query is required")
			}
			snap, done, err := src.load(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			var api *virtualservices.API
			if vs != "" {
				api = snap.API(vs)
			} else {
				api = snap.APIForHost(host)
			}
			if api == nil {
				if vs != "" {
					return usagef("--virtual-service %q: no such VirtualService with a GraphQL route (virtual services: %v)", vs, snap.VirtualServices())
				}
				return usagef("--host %q: no VirtualService serves GraphQL for it (virtual services: %v)", host, snap.VirtualServices())
			}
			plan, err := api.Plan(cmd.Context(), query, operation)
			if err != nil {
				return fmt.Errorf("--query: %w", err)
			}
			if asJSON {
				fmt.Fprintln(cmd.OutOrStdout(), string(plan.JSON()))
				return nil
			}
			fmt.Fprint(cmd.OutOrStdout(), plan.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&src.dir, "config", "", "directory of Upstream and VirtualService YAML files (default: the embedded demo)")
	cmd.Flags().StringVar(&src.supergraph, "supergraph", "", "a composed Federation v2 supergraph SDL file to serve whole at /graphql, in place of --config")
	cmd.Flags().StringVar(&vs, "virtual-service", "", "the VirtualService whose API plans the query (default: the one serving --host)")
	cmd.Flags().StringVar(&host, "host", "localhost", "plan for the VirtualService that serves this host")
	cmd.Flags().StringVar(&query, "query", "", "the GraphQL operation to plan")
	cmd.Flags().StringVar(&operation, "operation", "", "the operation's name, if the document has several")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	return cmd
}
