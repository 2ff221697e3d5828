package registry

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// SourceProblem is why UpstreamSource found no file.
type SourceProblem int

// The problems UpstreamSource reports.
const (
	// NoSuchUpstream: the config has no upstream of that name.
	NoSuchUpstream SourceProblem = iota + 1
	// NoSourceFile: the upstream reads no file besides its resource's
	// (an introspected or inline schema).
	NoSourceFile
	// AmbiguousSource: the upstream reads several files and none is
	// named like the new one.
	AmbiguousSource
)

// SourceError is an upstream's source that UpstreamSource could not pick.
// Its fields let a caller phrase the way out in its own terms (a flag, an
// API field).
type SourceError struct {
	Problem  SourceProblem
	Upstream string
	// File is the new file's name, as given.
	File string
	// Upstreams are the config's upstreams, sorted (NoSuchUpstream).
	Upstreams []string
	// Resource is the file of the upstream's resource (NoSourceFile).
	Resource string
	// Sources are the files the upstream reads (AmbiguousSource).
	Sources []string
}

func (e *SourceError) Error() string {
	switch e.Problem {
	case NoSuchUpstream:
		return fmt.Sprintf("upstream %s: the config has no such upstream (it has %s)", e.Upstream, strings.Join(e.Upstreams, ", "))
	case NoSourceFile:
		return fmt.Sprintf("upstream %s: the upstream reads no source file (its schema is introspected or inline in %s)", e.Upstream, e.Resource)
	}
	return fmt.Sprintf("upstream %s: the upstream reads %s, and none is named like %s", e.Upstream, strings.Join(e.Sources, ", "), e.File)
}

// UpstreamSource returns the config path of the source file of upstream
// name that a new file named file replaces: of the files the upstream
// reads (sources, by "Kind/name", as the builder reports them: the
// resource's own file first), the one with file's base name, else its
// only one. Otherwise it returns a *SourceError.
func UpstreamSource(sources map[string][]string, name, file string) (string, error) {
	files := sources["Upstream/"+name]
	if files == nil {
		var names []string
		for k := range sources {
			if n, ok := strings.CutPrefix(k, "Upstream/"); ok {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		return "", &SourceError{Problem: NoSuchUpstream, Upstream: name, File: file, Upstreams: names}
	}
	srcs := files[1:]
	base := path.Base(strings.ReplaceAll(file, "\\", "/"))
	var match []string
	for _, p := range srcs {
		if path.Base(p) == base {
			match = append(match, p)
		}
	}
	switch {
	case len(match) == 1:
		return match[0], nil
	case len(srcs) == 1 && len(match) == 0:
		return srcs[0], nil
	case len(srcs) == 0:
		return "", &SourceError{Problem: NoSourceFile, Upstream: name, File: file, Resource: files[0]}
	}
	return "", &SourceError{Problem: AmbiguousSource, Upstream: name, File: file, Sources: slices.Clone(srcs)}
}
