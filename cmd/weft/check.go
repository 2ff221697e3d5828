package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/schema/diff"
	"github.com/weft-gateway/weft/virtualservices"
)

// checkOptions are weft check's flags.
type checkOptions struct {
	src           configSource
	upstream      string
	files         []string
	allowBreaking bool
	format        string
	store         string
	window        time.Duration
}

func newCheck() *cobra.Command {
	var o checkOptions
	cmd := &cobra.Command{
		Use:   "check --config DIR (--upstream NAME FILE | --file PATH=FILE ...)",
		Short: "Check a change to a config's sources: rebuild every VirtualService, print what changes in their schemas, exit 1 on a breaking change",
		Long: `check replaces one or more source files of a config (an upstream's SDL, OpenAPI
document, .proto or WSDL, a route's SDL, a resource's YAML) with new ones, rebuilds every
VirtualService of the config with them, and compares each VirtualService's schema before
and after. It prints every change with its severity (BREAKING, DANGEROUS, SAFE), class and
schema coordinate, and exits 1 when the new files do not build or a change is breaking,
unless --allow-breaking. It needs no server: a pull request's change to a spec can be
checked in CI.

--upstream NAME FILE replaces the source file of upstream NAME: the one of the files the
upstream reads whose name is FILE's, or its only one. --file PATH=FILE replaces the file at
PATH in the config directory (as the config's resources name it) and may be repeated.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args)
		},
	}
	cmd.Flags().StringVar(&o.src.dir, "config", "", "directory of Upstream and VirtualService YAML files (default: the embedded demo)")
	cmd.Flags().StringVar(&o.upstream, "upstream", "", "the upstream whose source the FILE argument replaces")
	cmd.Flags().StringArrayVar(&o.files, "file", nil, "PATH=FILE: replace the config's file PATH with FILE (repeatable)")
	cmd.Flags().BoolVar(&o.allowBreaking, "allow-breaking", false, "exit 0 on breaking changes (they are still printed)")
	cmd.Flags().StringVar(&o.format, "format", "text", "text or json")
	cmd.Flags().StringVar(&o.store, "store", os.Getenv("WEFT_STORE"), storeFlagUsage+"; with it, each breaking or dangerous change names the operations recorded there that it concerns (default $WEFT_STORE)")
	cmd.Flags().DurationVar(&o.window, "window", 7*24*time.Hour, "with --store, how far back recorded operations count")
	return cmd
}

// checkReport is what check prints with --format json.
type checkReport struct {
	Replaced        map[string]string        `json:"replaced"`
	VirtualServices map[string][]checkChange `json:"virtualServices"`
	Breaking        int                      `json:"breaking"`
	Removed         []string                 `json:"removedVirtualServices,omitempty"`
	Added           []string                 `json:"addedVirtualServices,omitempty"`
}

// checkChange is a change and, with --store, the recorded operations it
// concerns.
type checkChange struct {
	diff.Change
	Operations []operationUse `json:"operations,omitempty"`
}

// operationUse is a recorded operation and how often it ran in the window.
type operationUse struct {
	Signature string `json:"signature"`
	Name      string `json:"name"`
	Count     int64  `json:"count"`
}

func (o *checkOptions) run(cmd *cobra.Command, args []string) error {
	switch {
	case o.format != "text" && o.format != "json":
		return usagef("--format %q: want text or json", o.format)
	case o.upstream != "" && len(args) == 0:
		return usagef("--upstream %s needs the new source file as an argument", o.upstream)
	case o.upstream == "" && len(args) > 0:
		return usagef("unexpected argument %q: name the upstream it is the source of with --upstream, or use --file PATH=%s", args[0], args[0])
	case o.upstream == "" && len(o.files) == 0:
		return usagef("nothing to check: give --upstream NAME FILE or --file PATH=FILE")
	}
	ctx := cmd.Context()
	log := zerolog.Nop()
	cfg, ups, err := o.src.open(ctx, log)
	if err != nil {
		return err
	}
	if ups != nil {
		defer ups.Close()
	}
	// Every file is read through the config's file system, so that the
	// new files replace the old for every kind alike.
	cfg.OSDir = ""
	loader := &virtualservices.Loader{Kinds: kinds(), Log: log, Checking: true}
	before, err := loader.Inspect(ctx, cfg)
	if err != nil {
		return &configError{display: o.src.display(), err: o.src.inUserTerms(err)}
	}
	replace := map[string][]byte{}
	replaced := map[string]string{}
	for _, f := range o.files {
		p, local, ok := strings.Cut(f, "=")
		if !ok || p == "" || local == "" {
			return usagef("--file %q: want PATH=FILE", f)
		}
		p = path.Clean(strings.TrimPrefix(p, "./"))
		if _, err := fs.Stat(cfg.FS, p); err != nil {
			return fmt.Errorf("--file %s: the config has no file %s", f, p)
		}
		data, err := os.ReadFile(local)
		if err != nil {
			return fmt.Errorf("--file %s: %w", f, err)
		}
		replace[p], replaced[p] = data, local
	}
	if o.upstream != "" {
		p, err := upstreamSource(before, o.upstream, args[0])
		if err != nil {
			return err
		}
		data, err := os.ReadFile(args[0])
		if err != nil {
			return fmt.Errorf("reading the new source of upstream %s: %w", o.upstream, err)
		}
		replace[p], replaced[p] = data, args[0]
	}
	next := cfg
	next.FS = overlayFS{base: cfg.FS, files: replace}
	after, err := loader.Inspect(ctx, next)
	if err != nil {
		return &configError{display: o.src.display() + " with " + describeReplaced(replaced), err: o.src.inUserTerms(err)}
	}
	rep := compareInspections(before, after)
	rep.Replaced = replaced
	if o.store != "" {
		if o.window <= 0 {
			return usagef("--window %s: want a positive duration", o.window)
		}
		st, err := openRegistryStore(ctx, o.store, log)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := addUsage(ctx, st, rep, time.Now().Add(-o.window)); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	if o.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printCheck(out, rep)
	}
	if rep.Breaking > 0 && !o.allowBreaking {
		return fmt.Errorf("%d breaking change(s); pass --allow-breaking to accept them", rep.Breaking)
	}
	return nil
}

// upstreamSource returns the config path of the file of upstream name that
// file replaces: the one with file's base name, else its only source.
func upstreamSource(in *virtualservices.Inspection, name, file string) (string, error) {
	files := in.Sources["Upstream/"+name]
	if files == nil {
		var names []string
		for k := range in.Sources {
			if n, ok := strings.CutPrefix(k, "Upstream/"); ok {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		return "", fmt.Errorf("--upstream %s: the config has no such upstream (it has %s)", name, strings.Join(names, ", "))
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
		return "", fmt.Errorf("--upstream %s: the upstream reads no source file (its schema is introspected or inline in %s); change %s with --file", name, files[0], files[0])
	}
	return "", fmt.Errorf("--upstream %s: the upstream reads %s; say which one %s replaces with --file PATH=%s", name, strings.Join(srcs, ", "), file, file)
}

// compareInspections diffs each VirtualService's schema before and after.
func compareInspections(before, after *virtualservices.Inspection) *checkReport {
	rep := &checkReport{VirtualServices: map[string][]checkChange{}}
	for name, old := range before.Schemas {
		nw := after.Schemas[name]
		if nw == nil {
			rep.Removed = append(rep.Removed, name)
			rep.Breaking++
			continue
		}
		changes := []checkChange{}
		for _, c := range diff.Compare(old.AST, nw.AST) {
			changes = append(changes, checkChange{Change: c})
			if c.Severity == diff.Breaking {
				rep.Breaking++
			}
		}
		rep.VirtualServices[name] = changes
	}
	for name := range after.Schemas {
		if before.Schemas[name] == nil {
			rep.Added = append(rep.Added, name)
		}
	}
	slices.Sort(rep.Removed)
	slices.Sort(rep.Added)
	return rep
}

func printCheck(w io.Writer, rep *checkReport) {
	var b bytes.Buffer
	names := make([]string, 0, len(rep.VirtualServices))
	for n := range rep.VirtualServices {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		changes := rep.VirtualServices[n]
		if len(changes) == 0 {
			fmt.Fprintf(&b, "virtual service %s: no change\n", n)
			continue
		}
		fmt.Fprintf(&b, "virtual service %s: %d change(s)\n", n, len(changes))
		for _, c := range changes {
			fmt.Fprintf(&b, "  %s\n", c.Change)
			for _, op := range c.Operations {
				name := op.Name
				if name == "" {
					name = "(anonymous)"
				}
				fmt.Fprintf(&b, "    used by operation %s (%s): %d run(s)\n", name, op.Signature, op.Count)
			}
		}
	}
	for _, n := range rep.Removed {
		fmt.Fprintf(&b, "virtual service %s: BREAKING: it no longer builds a schema\n", n)
	}
	for _, n := range rep.Added {
		fmt.Fprintf(&b, "virtual service %s: new\n", n)
	}
	if rep.Breaking == 0 {
		b.WriteString("no breaking change\n")
	}
	_, _ = w.Write(b.Bytes())
}

// addUsage names, for each breaking or dangerous change, the operations
// recorded in st since then that touch a coordinate the change affects.
func addUsage(ctx context.Context, st *store.Store, rep *checkReport, since time.Time) error {
	for vs, changes := range rep.VirtualServices {
		var coords []string
		for _, c := range changes {
			if c.Severity != diff.Safe {
				coords = append(coords, c.Affects...)
			}
		}
		if len(coords) == 0 {
			continue
		}
		slices.Sort(coords)
		ops, err := st.Usage(ctx, vs, slices.Compact(coords), since)
		if err != nil {
			return fmt.Errorf("reading recorded usage of virtual service %s: %w", vs, err)
		}
		for i := range changes {
			c := &changes[i]
			if c.Severity == diff.Safe {
				continue
			}
			for _, op := range ops {
				if touchesAny(op.Coordinates, c.Affects) {
					c.Operations = append(c.Operations, operationUse{Signature: op.Signature, Name: op.Name, Count: op.Count})
				}
			}
			slices.SortFunc(c.Operations, func(a, b operationUse) int {
				if a.Count != b.Count {
					return int(b.Count - a.Count)
				}
				return strings.Compare(a.Signature, b.Signature)
			})
		}
	}
	return nil
}

func touchesAny(used []store.CoordinateCount, affects []string) bool {
	for _, u := range used {
		if slices.Contains(affects, u.Coordinate) {
			return true
		}
	}
	return false
}

func describeReplaced(r map[string]string) string {
	parts := make([]string, 0, len(r))
	for p, f := range r {
		parts = append(parts, p+"="+f)
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// overlayFS is a file system whose files named in files have that content
// instead of base's.
type overlayFS struct {
	base  fs.FS
	files map[string][]byte
}

func (o overlayFS) Open(name string) (fs.File, error) {
	data, ok := o.files[name]
	if !ok {
		return o.base.Open(name)
	}
	return &overlayFile{Reader: bytes.NewReader(data), name: path.Base(name), size: int64(len(data))}, nil
}

type overlayFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *overlayFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *overlayFile) Close() error               { return nil }
func (f *overlayFile) Name() string               { return f.name }
func (f *overlayFile) Size() int64                { return f.size }
func (f *overlayFile) Mode() fs.FileMode          { return 0o444 }
func (f *overlayFile) ModTime() time.Time         { return time.Time{} }
func (f *overlayFile) IsDir() bool                { return false }
func (f *overlayFile) Sys() any                   { return nil }
