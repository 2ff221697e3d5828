package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/virtualservices"
)

func newRegistry() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Run the schema registry, or work on its store: import a config, manage tokens",
		Args:  positional(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("name a registry command (import, serve, token)")
		},
	}
	cmd.AddCommand(newRegistryImport(), newRegistryServe(), newRegistryToken())
	return cmd
}

func newRegistryImport() *cobra.Command {
	var (
		src     configSource
		dsn     string
		author  string
		message string
	)
	cmd := &cobra.Command{
		Use:   "import --config DIR --store DSN",
		Short: "Store a config directory in the registry as one version per resource, active at once",
		Long: `import checks a config directory as weft validate does, then stores each of its
resources (every Upstream and VirtualService, with the files it reads) as a new version of
its subject ("Upstream/catalog", "VirtualService/shop") and makes it active. A resource
whose files equal its active version's is left as it is. Gateways serving the store
(weft serve --store DSN, no --config) load the new config within seconds.

All of it is stored in one transaction, so a gateway sees the whole import or none of
it. With no --config, the embedded demo's config is imported.`,
		Args: positional(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dsn == "" {
				return usagef("--store is required (or set $WEFT_STORE)")
			}
			ctx := cmd.Context()
			log := zerolog.Nop()
			cfg, _, err := src.open(ctx, log)
			if err != nil {
				return err
			}
			st, err := openRegistryStore(ctx, dsn, log)
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := importConfig(ctx, st, &src, cfg, author, message, false)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, r := range res {
				if r.Unchanged {
					fmt.Fprintf(out, "%s: unchanged (version %d)\n", r.Version.Subject, r.Version.Number)
				} else {
					fmt.Fprintf(out, "%s: version %d (revision %d)\n", r.Version.Subject, r.Version.Number, r.Revision)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&src.dir, "config", "", "directory of Upstream and VirtualService YAML files (default: the embedded demo)")
	cmd.Flags().StringVar(&dsn, "store", os.Getenv("WEFT_STORE"), storeFlagUsage+" (default $WEFT_STORE)")
	cmd.Flags().StringVar(&author, "author", os.Getenv("USER"), "who the versions are by (default $USER)")
	cmd.Flags().StringVarP(&message, "message", "m", "imported by weft registry import", "what the versions say of themselves")
	return cmd
}

// errStoreNotEmpty is importConfig's answer, for a seed, when the store
// holds a config already.
var errStoreNotEmpty = errors.New("the store holds a config already")

// importConfig stores the config cfg (from src) in st, one version per
// resource, as one change, after checking that it builds alone and with
// the store's other resources. With seed set it stores nothing unless the
// store holds no config, and returns errStoreNotEmpty when it does (or
// when another process seeded it first). It returns a result per subject,
// Upstreams first.
func importConfig(ctx context.Context, st *store.Store, src *configSource, cfg virtualservices.Config, author, message string, seed bool) ([]store.PushResult, error) {
	log := zerolog.Nop()
	// Every file is read through the config's file system, so that the
	// loader sees, and the store gets, all of them.
	cfg.OSDir = ""
	// Placeholders are checked as they will be expanded where the config
	// is served; the store keeps them as written.
	loader := &virtualservices.Loader{Kinds: kinds(), Log: log, Checking: true}
	in, err := loader.Inspect(ctx, cfg)
	if err != nil {
		return nil, &configError{display: src.display(), consequence: "nothing was imported", err: src.inUserTerms(err)}
	}
	subjects, err := registry.Subjects(cfg.FS, in.Sources)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src.display(), err)
	}
	state, err := st.Active(ctx)
	if err != nil {
		return nil, err
	}
	if seed && len(state.Versions) > 0 {
		return nil, errStoreNotEmpty
	}
	// What goes live is the store's config with these resources in it: it
	// must build as a whole (two VirtualServices may claim one domain, say)
	// before any of it is stored.
	merged := registry.Replace(state, subjects)
	if _, err := loader.Inspect(ctx, virtualservices.Config{FS: registry.ConfigFS(merged), Dir: ".", DisplayRoot: storeDisplay, Env: cfg.Env}); err != nil {
		return nil, &configError{display: "in the store with " + src.display() + " imported", consequence: "nothing was imported", err: err}
	}
	names := slices.SortedFunc(maps.Keys(subjects), func(a, b string) int {
		// Upstreams first, for a reader of the output.
		if ua, ub := strings.HasPrefix(a, "Upstream/"), strings.HasPrefix(b, "Upstream/"); ua != ub {
			if ua {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	reqs := make([]store.PushRequest, len(names))
	for i, name := range names {
		reqs[i] = store.PushRequest{Subject: name, Files: subjects[name], Author: author, Message: message}
	}
	// At the revision checked: a change that landed meanwhile was not in
	// the build above.
	res, err := st.PushAll(ctx, reqs, &state.Revision)
	switch {
	case seed && errors.Is(err, store.ErrConflict):
		return nil, errStoreNotEmpty
	case errors.Is(err, store.ErrConflict):
		return nil, fmt.Errorf("the store changed while the import was checked; nothing was imported, run it again: %w", err)
	case err != nil:
		return nil, fmt.Errorf("storing the config: %w", err)
	}
	return res, nil
}
