package main

import (
	"context"
	"fmt"
	"io"
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
	// demoFaults make demo upstreams misbehave: "reviews=down,...".
	demoFaults string
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
		cfg.FS, cfg.Dir, cfg.DisplayRoot, cfg.OSDir = os.DirFS(abs), ".", c.dir, abs
	}
	faults, err := demo.ParseFaults(c.demoFaults)
	if err != nil {
		return cfg, nil, fmt.Errorf("--demo-faults: %w", err)
	}
	if !c.demoUpstreams {
		if len(faults) > 0 {
			return cfg, nil, fmt.Errorf("--demo-faults needs the demo's upstreams (--demo-upstreams, or no --config)")
		}
		return cfg, nil, nil
	}
	ups, err := demo.Start(ctx, log, demo.Options{Faults: faults})
	if err != nil {
		return cfg, nil, fmt.Errorf("starting the demo upstreams: %w", err)
	}
	cfg.Env = ups.Env(os.LookupEnv)
	return cfg, ups, nil
}

// load opens the config and loads it into a snapshot that is not served
// (for validate and plan). On success the caller calls the returned close.
// A config with errors prints them, one per line, to out and returns an
// exit status of 1.
func (c *configSource) load(ctx context.Context, out io.Writer) (*virtualservices.Snapshot, func(), error) {
	log := zerolog.Nop()
	cfg, ups, err := c.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	closeUps := func() {
		if ups != nil {
			_ = ups.Close()
		}
	}
	// Checked, not served: no health probes go to the upstreams' hosts.
	loader := &virtualservices.Loader{Kinds: kinds(), Log: log, Checking: true}
	snap, err := loader.Load(ctx, cfg, nil)
	if err != nil {
		closeUps()
		fmt.Fprintln(out, err)
		return nil, nil, &exitError{code: 1}
	}
	return snap, func() { virtualservices.CloseSnapshot(snap); closeUps() }, nil
}
