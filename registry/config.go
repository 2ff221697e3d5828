// Package registry is Weft's schema registry: it keeps the config's
// resources (Upstreams, VirtualServices and the source files they read) as
// versioned subjects in a store (package store), checks changes to them
// (schema/diff), and gives replicas the config to serve.
//
// This file maps between a config directory and subjects. Each resource
// is one subject, "Kind/name", whose files live under the prefix
// "Kind/name/": the resource's own YAML, alone in its file, and every file
// it read while it was built, at their paths in the config directory. All
// paths move by the same prefix, so a resource's relative references to
// its files still resolve; and since no two subjects share a prefix, two
// resources that read one file (a shared .proto) each keep their copy and
// never own the same path.
package registry

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"strings"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/registry/store"
)

// Subjects splits a config into the registry's subjects. sources names,
// by "Kind/name", the files of each resource: its own file first, then
// the files it read (what virtualservices.Loader.Inspect returns). A
// resource's file may hold others too: only its own document is kept,
// as written (environment placeholders are not expanded, comments stay).
func Subjects(fsys fs.FS, sources map[string][]string) (map[string]map[string][]byte, error) {
	out := make(map[string]map[string][]byte, len(sources))
	for subject, files := range sources {
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no file", subject)
		}
		kind, name, ok := strings.Cut(subject, "/")
		if !ok {
			return nil, fmt.Errorf("%s: not a Kind/name subject", subject)
		}
		doc, err := ownDocument(fsys, files[0], kind, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", subject, err)
		}
		m := map[string][]byte{path.Join(subject, files[0]): doc}
		for _, f := range files[1:] {
			data, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", subject, err)
			}
			m[path.Join(subject, f)] = data
		}
		out[subject] = m
	}
	return out, nil
}

// ownDocument returns the document of resource kind/name in file, alone.
func ownDocument(fsys fs.FS, file, kind, name string) ([]byte, error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	docs, err := resource.LoadBytes(file, data, resource.Options{})
	if err != nil {
		return nil, err
	}
	if len(docs) == 1 {
		return data, nil
	}
	for _, d := range docs {
		if d.Kind == kind && d.Name == name {
			var b bytes.Buffer
			enc := yaml.NewEncoder(&b)
			enc.SetIndent(2)
			if err := enc.Encode(d.Root); err != nil {
				return nil, fmt.Errorf("writing %s %s of %s: %w", kind, name, file, err)
			}
			return b.Bytes(), nil
		}
	}
	return nil, fmt.Errorf("%s has no %s %s", file, kind, name)
}

// ConfigFS is the config directory a set of active files makes, for the
// loader (Dir "."). The standard library's fstest.MapFS is used for its
// directories: it lists the ones a map of paths implies, which the loader
// walks; nothing else about it is for tests.
func ConfigFS(files map[string][]byte) fs.FS {
	m := make(fstest.MapFS, len(files))
	for p, data := range files {
		m[p] = &fstest.MapFile{Data: data, Mode: 0o444}
	}
	return m
}

// Replace returns the files of the config st makes active, with the
// active files of each subject of subjects replaced by the ones given
// (a subject not active yet is added): the config a change would put
// live.
func Replace(st store.State, subjects map[string]map[string][]byte) map[string][]byte {
	out := st.Files()
	for _, v := range st.Versions {
		if _, ok := subjects[v.Subject]; ok {
			for p := range v.Files {
				delete(out, p)
			}
		}
	}
	for _, files := range subjects {
		maps.Copy(out, files)
	}
	return out
}

// activeFiles returns subject's active files in st; nil when it has none.
func activeFiles(st store.State, subject string) map[string][]byte {
	for _, v := range st.Versions {
		if v.Subject == subject {
			return v.Files
		}
	}
	return nil
}
