package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/virtualservices"
)

// storeDisplay prefixes the store's files in errors: a config error in
// the store reads registry/Upstream/catalog/upstreams.yaml:14:3.
const storeDisplay = "registry"

// storeFollower serves a registry store's active config: it loads it, then
// loads it again each time the store's revision moves, so that every
// replica on one store serves what was last pushed. A config that does
// not build is logged and the one served stays, as with a file reload.
type storeFollower struct {
	st       *store.Store
	dsn      string
	reloader *virtualservices.Reloader
	// env expands the config's placeholders; nil means the process's.
	env func(string) (string, bool)
	log zerolog.Logger
	// rev is the revision served (or last tried).
	rev int64
}

// load loads the store's active config and swaps it in.
func (f *storeFollower) load(ctx context.Context) error {
	state, err := f.st.Active(ctx)
	if err != nil {
		return fmt.Errorf("reading the active config from the store: %w", err)
	}
	f.rev = state.Revision
	if len(state.Versions) == 0 {
		return fmt.Errorf("the store %s holds no config yet: put one there with weft registry import --config DIR --store %s, or seed it with weft serve --registry --config DIR", redactDSN(f.dsn), redactDSN(f.dsn))
	}
	f.reloader.Config = virtualservices.Config{FS: registry.ConfigFS(state.Files()), Dir: ".", DisplayRoot: storeDisplay, Env: f.environ()}
	if err := f.reloader.Reload(ctx); err != nil {
		return err
	}
	f.log.Info().Int64("revision", state.Revision).Msg("serving the store's config")
	return nil
}

// follow reloads on every new revision until ctx ends.
func (f *storeFollower) follow(ctx context.Context) {
	for rev := range f.st.Watch(ctx) {
		if rev == f.rev {
			continue
		}
		if err := f.load(ctx); err != nil && !errors.Is(err, context.Canceled) {
			f.log.Error().Err(err).Int64("revision", rev).Msg("the store's new config is not served")
		}
	}
}

func (f *storeFollower) environ() func(string) (string, bool) {
	if f.env == nil {
		return os.LookupEnv
	}
	return f.env
}
