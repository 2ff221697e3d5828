package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/virtualservices"
)

// What weft serve --registry serves, where, when not told.
const (
	// defaultRegistryListen is the admin listener's address with
	// --registry and no --admin-listen: weft registry serve's default, so
	// that the client commands' examples work with either.
	defaultRegistryListen = "127.0.0.1:8090"
	// registryPrefix is where the API is on the admin listener, beside
	// /metrics and /debug/pprof/.
	registryPrefix = "/registry"
)

// defaultStorePath is the embedded store of weft serve --registry when no
// --store is given: one file per user, in the XDG state directory, so that
// pushes survive a restart.
func defaultStorePath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("--registry: no home directory to keep the store in (give --store): %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "weft")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("--registry: making the store's directory (or give --store): %w", err)
	}
	return filepath.Join(dir, "registry.db"), nil
}

// seedStore gives a store that holds no config the one src names, so that
// a first weft serve --registry serves and checks against it. A store that
// holds one keeps it: it is what was pushed, and --config says so in the
// log when it was not imported. Replicas starting together on one empty
// store seed it once: the others find it seeded.
func seedStore(ctx context.Context, st *store.Store, src *configSource, cfg virtualservices.Config, log zerolog.Logger) error {
	author := os.Getenv("USER")
	if author == "" {
		author = "weft serve"
	}
	res, err := importConfig(ctx, st, src, cfg, author, "seeded by weft serve --registry from "+src.display(), true)
	switch {
	case errors.Is(err, errStoreNotEmpty):
		if src.dir != "" {
			log.Warn().Str("config", src.dir).
				Msg("--config is not served: the registry's store holds a config already, which is served; weft registry import --config DIR replaces it")
		}
		return nil
	case err != nil:
		return err
	}
	log.Info().Int("subjects", len(res)).Str("from", src.display()).Msg("the registry's store held no config: seeded it")
	return nil
}
