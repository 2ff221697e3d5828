package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"syscall"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/virtualservices"
)

// configSource resolves --config: a directory on disk, or the embedded demo.
type configSource struct {
	dir string
	// supergraph, when set, is a supergraph SDL file to serve whole, in
	// place of a config directory.
	supergraph string
	// demoUpstreams runs the demo's upstreams in-process.
	demoUpstreams bool
	// demoBasePort, when set, is the first of the five fixed ports the
	// demo upstreams listen on; 0 gives each a free port.
	demoBasePort int
	// demoFaults make demo upstreams misbehave: "reviews=down,...".
	demoFaults string
}

// registerDemo adds the flags that run the demo's upstreams.
func (c *configSource) registerDemo(cmd *cobra.Command, usage string) {
	cmd.Flags().BoolVar(&c.demoUpstreams, "demo-upstreams", false, usage)
	cmd.Flags().IntVar(&c.demoBasePort, "demo-base-port", 0,
		"run the demo upstreams on fixed loopback ports: catalog on this one, reviews, inventory, shipping and qa on the next four (default: free ports)")
}

// display names the config in messages.
func (c *configSource) display() string {
	if c.supergraph != "" {
		return c.supergraph
	}
	if c.dir == "" {
		return "(embedded demo)"
	}
	return c.dir
}

// open returns the config to load and, when asked, the running demo
// upstreams (the caller closes them).
func (c *configSource) open(ctx context.Context, log zerolog.Logger) (virtualservices.Config, *demo.Upstreams, error) {
	cfg := virtualservices.Config{Env: os.LookupEnv}
	if c.supergraph != "" {
		if c.dir != "" {
			return cfg, nil, usagef("--supergraph and --config exclude each other: a config serves a supergraph with an Upstream of kind supergraph")
		}
		if c.demoUpstreams {
			return cfg, nil, usagef("--demo-upstreams runs the demo shop's upstreams, which a supergraph does not use")
		}
		var err error
		if cfg, err = supergraphConfig(c.supergraph); err != nil {
			return cfg, nil, err
		}
		return cfg, nil, nil
	}
	if c.dir == "" {
		cfg.FS, cfg.Dir, cfg.DisplayRoot = demo.Config(), ".", c.display()
	} else {
		abs, err := filepath.Abs(c.dir)
		if err != nil {
			return cfg, nil, fmt.Errorf("--config %s: %w", c.dir, err)
		}
		st, err := os.Stat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return cfg, nil, fmt.Errorf("--config %s: no such directory", c.dir)
		case err != nil:
			return cfg, nil, fmt.Errorf("--config %s: %w", c.dir, err)
		case !st.IsDir():
			return cfg, nil, fmt.Errorf("--config %s: not a directory", c.dir)
		}
		cfg.FS, cfg.Dir, cfg.DisplayRoot, cfg.OSDir = os.DirFS(abs), ".", c.dir, abs
	}
	faults, err := demo.ParseFaults(c.demoFaults)
	if err != nil {
		return cfg, nil, usagef("--demo-faults: %w", err)
	}
	opts, err := demo.OnPorts(c.demoBasePort)
	if err != nil {
		return cfg, nil, usagef("--demo-base-port: %w", err)
	}
	if !c.demoUpstreams {
		switch {
		case len(faults) > 0:
			return cfg, nil, usagef("--demo-faults needs the demo's upstreams (--demo-upstreams, or no --config)")
		case c.demoBasePort != 0:
			return cfg, nil, usagef("--demo-base-port needs the demo's upstreams (--demo-upstreams, or no --config)")
		}
		return cfg, nil, nil
	}
	opts.Faults = faults
	ups, err := demo.Start(ctx, log, opts)
	if err != nil {
		if c.demoBasePort != 0 && errors.Is(err, syscall.EADDRINUSE) {
			return cfg, nil, fmt.Errorf("--demo-base-port %d: %w (is another demo running? without --demo-base-port the demo upstreams take free ports)", c.demoBasePort, err)
		}
		return cfg, nil, fmt.Errorf("starting the demo upstreams: %w", err)
	}
	cfg.Env = ups.Env(os.LookupEnv)
	return cfg, ups, nil
}

// load opens the config and loads it into a snapshot that is not served
// (for validate and plan). On success the caller calls the returned close;
// a config with errors is a *configError.
func (c *configSource) load(ctx context.Context) (*virtualservices.Snapshot, func(), error) {
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
		return nil, nil, &configError{display: c.display(), err: c.inUserTerms(err)}
	}
	return snap, func() { virtualservices.CloseSnapshot(snap); closeUps() }, nil
}

// generatedPrefix is how an error about the supergraph starts when it
// names the resources --supergraph generates: their file and line, which
// are on no disk, and the spec key.
var generatedPrefix = regexp.MustCompile(`(?m)^.*weft-supergraph(?:-resources)?\.yaml:\d+:\d+: spec\.supergraph(?:\.[\w.]+)?: `)

// inUserTerms drops, from the errors of a --supergraph config, what names
// the resources weft generated: each then starts with the supergraph
// file's own place.
func (c *configSource) inUserTerms(err error) error {
	if c.supergraph == "" || err == nil {
		return err
	}
	return &userTermsError{msg: generatedPrefix.ReplaceAllString(err.Error(), ""), err: err}
}

// userTermsError is an error whose text is rewritten; it still unwraps
// to the original.
type userTermsError struct {
	msg string
	err error
}

func (e *userTermsError) Error() string { return e.msg }
func (e *userTermsError) Unwrap() error { return e.err }
