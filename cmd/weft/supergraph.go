package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing/fstest"

	"github.com/weft-gateway/weft/virtualservices"
)

// supergraphConfig is the config `--supergraph FILE` serves: an Upstream
// of kind supergraph reading FILE, and a VirtualService for every domain
// that serves it whole at /graphql. FILE is read afresh on every load, so
// a reload sees its new text; errors name FILE as the user gave it.
func supergraphConfig(file string) (virtualservices.Config, error) {
	cfg := virtualservices.Config{Env: os.LookupEnv}
	abs, err := filepath.Abs(file)
	if err != nil {
		return cfg, fmt.Errorf("--supergraph %s: %w", file, err)
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return cfg, fmt.Errorf("--supergraph %s: no such file", file)
	case err != nil:
		return cfg, fmt.Errorf("--supergraph %s: %w", file, err)
	case st.IsDir():
		return cfg, fmt.Errorf("--supergraph %s: a directory; give the supergraph SDL file (a config directory goes to --config)", file)
	}
	base := filepath.Base(abs)
	resources := `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: supergraph}
spec:
  supergraph: {file: ` + strconv.Quote(base) + `}
---
apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: supergraph}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {supergraph: supergraph}
`
	cfg.FS = supergraphFS{file: abs, base: base, resources: []byte(resources)}
	cfg.Dir = "."
	cfg.DisplayRoot = filepath.Dir(file)
	cfg.OSDir = filepath.Dir(abs)
	return cfg, nil
}

// supergraphFS holds the generated resources and the supergraph file,
// read from disk each time it is opened.
type supergraphFS struct {
	file, base string
	resources  []byte
}

// resourcesName is the generated resources' name (the loader skips
// hidden files, so it is not one).
func (s supergraphFS) resourcesName() string {
	if s.base == "weft-supergraph.yaml" {
		return "weft-supergraph-resources.yaml"
	}
	return "weft-supergraph.yaml"
}

// Open implements fs.FS.
func (s supergraphFS) Open(name string) (fs.File, error) {
	m := fstest.MapFS{s.resourcesName(): {Data: s.resources}}
	if name == s.base {
		data, err := os.ReadFile(s.file)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		m[s.base] = &fstest.MapFile{Data: data}
	} else {
		m[s.base] = &fstest.MapFile{}
	}
	return m.Open(name)
}
