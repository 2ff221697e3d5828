package main

import (
	"bytes"
	"encoding/json"
	"errors"
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
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/registry"
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
	// With a registry, the change is checked there, against what is active.
	reg     registryFlags
	subject string
}

func newCheck() *cobra.Command {
	var o checkOptions
	cmd := &cobra.Command{
		Use:   "check (--config DIR | --registry URL) (--upstream NAME FILE | --file PATH=FILE ...)",
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
PATH in the config directory (as the config's resources name it) and may be repeated.

With --registry URL (or $WEFT_REGISTRY) the check runs in a registry
(weft registry serve) against the config it has active, with the operations
the gateways recorded in its store and the approvals given there: --upstream
NAME FILE as above, or --subject S with --file PATH=FILE, PATH relative to the
subject. A breaking change an approval covers does not fail the check.`,
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
	cmd.Flags().DurationVar(&o.window, "window", 7*24*time.Hour, "with --store or --registry, how far back recorded operations count")
	o.reg.register(cmd)
	cmd.Flags().StringVar(&o.subject, "subject", "", "with --registry: the subject (Upstream/NAME, VirtualService/NAME) whose files --file replaces")
	return cmd
}

func (o *checkOptions) run(cmd *cobra.Command, args []string) error {
	switch {
	case o.format != "text" && o.format != "json":
		return usagef("--format %q: want text or json", o.format)
	case o.upstream != "" && len(args) == 0:
		return usagef("--upstream %s needs the new source file as an argument", o.upstream)
	case o.upstream == "" && len(args) > 0:
		return usagef("unexpected argument %q: name the upstream it is the source of with --upstream, or use --file PATH=%s", args[0], args[0])
	case o.reg.url != "" && (cmd.Flags().Changed("registry") || o.src.dir == ""):
		// $WEFT_REGISTRY alone does not turn a check of --config DIR
		// into one against the registry.
		return o.runOnline(cmd, args)
	case o.subject != "":
		return usagef("--subject goes with --registry; offline, --file PATH=FILE names the file by its path in --config")
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
	rep := registry.Compare(schemaASTs(before), schemaASTs(after))
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
		if err := rep.AddUsage(ctx, st, time.Now().Add(-o.window)); err != nil {
			return err
		}
	}
	return o.finish(cmd, rep)
}

// finish prints the report and fails on the breaking changes no approval
// lets through, unless they are allowed.
func (o *checkOptions) finish(cmd *cobra.Command, rep *registry.Report) error {
	if err := writeReport(cmd, rep, o.format); err != nil {
		return err
	}
	switch {
	case rep.Unapproved() == 0 || o.allowBreaking:
		return nil
	case rep.Approved == 0:
		return fmt.Errorf("%d breaking change(s); pass --allow-breaking to accept them", rep.Breaking)
	}
	return fmt.Errorf("%d breaking change(s) not approved; approve them with weft approve, or pass --allow-breaking", rep.Unapproved())
}

// runOnline checks the change in a running registry.
func (o *checkOptions) runOnline(cmd *cobra.Command, args []string) error {
	switch {
	case o.src.dir != "":
		return usagef("--config and --registry exclude each other: check against a config directory, or against what a registry has active")
	case cmd.Flags().Changed("store"):
		return usagef("--store goes with --config: a registry reads the usage recorded in its own store")
	}
	change := changeFlags{upstream: o.upstream, subject: o.subject, files: o.files}
	in, err := change.input(args)
	if err != nil {
		return err
	}
	if cmd.Flags().Changed("window") {
		if o.window <= 0 {
			return usagef("--window %s: want a positive duration", o.window)
		}
		in["usageWindow"] = o.window.String()
	}
	c, err := o.reg.client()
	if err != nil {
		return err
	}
	ctx, cancel := callContext(cmd)
	defer cancel()
	var out struct{ Check apiReport }
	if err := c.do(ctx, `mutation($in: ChangeInput!) { check(input: $in) { `+reportFields+` } }`, map[string]any{"in": in}, &out); err != nil {
		return err
	}
	return o.finish(cmd, out.Check.report())
}

// encodeJSON writes v as indented JSON.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// upstreamSource returns the config path of the file of upstream name that
// file replaces: the one with file's base name, else its only source.
func upstreamSource(in *virtualservices.Inspection, name, file string) (string, error) {
	p, err := registry.UpstreamSource(in.Sources, name, file)
	var se *registry.SourceError
	if !errors.As(err, &se) {
		return p, err
	}
	switch se.Problem {
	case registry.NoSuchUpstream:
		return "", fmt.Errorf("--upstream %s: the config has no such upstream (it has %s)", name, strings.Join(se.Upstreams, ", "))
	case registry.NoSourceFile:
		return "", fmt.Errorf("--upstream %s: the upstream reads no source file (its schema is introspected or inline in %s); change %s with --file", name, se.Resource, se.Resource)
	}
	return "", fmt.Errorf("--upstream %s: the upstream reads %s; say which one %s replaces with --file PATH=%s", name, strings.Join(se.Sources, ", "), file, file)
}

// schemaASTs returns the schemas of an inspection as registry compares
// them.
func schemaASTs(in *virtualservices.Inspection) map[string]*ast.Schema {
	out := make(map[string]*ast.Schema, len(in.Schemas))
	for name, s := range in.Schemas {
		out[name] = s.AST
	}
	return out
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
