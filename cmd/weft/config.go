package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/virtualservices"
)

// configSource resolves --config: a directory on disk, or the embedded demo.
type configSource struct {
	dir string
	// demoUpstreams runs the demo's upstreams in-process.
	demoUpstreams bool
}

// open returns the config to load and, when asked, the running demo
// upstreams (the caller closes them).
func (c *configSource) open(ctx context.Context, log zerolog.Logger) (virtualservices.Config, *demo.Upstreams, error) {
	cfg := virtualservices.Config{Env: os.LookupEnv}
	if c.dir == "" {
		cfg.FS, cfg.Dir, cfg.DisplayRoot = demo.Config(), ".", "(embedded demo)"
	} else {
		abs, err := filepath.Abs(c.dir)
		if err != nil {
			return cfg, nil, fmt.Errorf("--config %s: %w", c.dir, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return cfg, nil, fmt.Errorf("--config: %w", err)
		}
		if !st.IsDir() {
			return cfg, nil, fmt.Errorf("--config %s: not a directory", c.dir)
		}
		cfg.FS, cfg.Dir, cfg.DisplayRoot = os.DirFS(abs), ".", c.dir
	}
	if !c.demoUpstreams {
		return cfg, nil, nil
	}
	ups, err := demo.Start(ctx, log, demo.Options{})
	if err != nil {
		return cfg, nil, fmt.Errorf("starting the demo upstreams: %w", err)
	}
	cfg.Env = ups.Env(os.LookupEnv)
	return cfg, ups, nil
}
