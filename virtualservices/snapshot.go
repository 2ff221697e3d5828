package virtualservices

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/resolvers"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/resilience"
)

// Config says where resources come from.
type Config struct {
	// FS holds the resources; Dir is the directory in it to load.
	FS  fs.FS
	Dir string
	// DisplayRoot is prefixed to file names in errors (the directory FS
	// was opened at).
	DisplayRoot string
	// Dir on disk that FS reads, when it reads one: files that are opened by
	// path (an OpenAPI document's $refs) need it. Empty for an embedded FS.
	OSDir string
	// Env expands ${VAR} in values; nil disables expansion.
	Env func(string) (string, bool)
}

// Loader builds snapshots from config.
type Loader struct {
	// Kinds are the upstream kinds: how each builds its upstreams (by the
	// key of its block in an Upstream's spec, "graphql", "rest") and
	// decodes its binding directive.
	Kinds []upstreams.Kind
	Log   zerolog.Logger
	// SharedStale, when set, shares the values stale fallbacks serve with
	// the other replicas (a Redis store, say).
	SharedStale resolvers.SharedStale
	// Checking builds snapshots to check a config, never to serve it:
	// upstreams send nothing on their own (no health probes).
	Checking bool

	// stale keeps the values stale fallbacks serve, shared by every
	// snapshot the Loader builds, so a reload does not forget them.
	staleOnce sync.Once
	stale     *resolvers.StaleCache
}

// staleCache is the Loader's stale-value cache, made on first use.
func (l *Loader) staleCache() *resolvers.StaleCache {
	l.staleOnce.Do(func() {
		c, err := resolvers.NewStaleCache(resolvers.DefaultStaleEntries)
		if err == nil {
			if l.SharedStale != nil {
				c.Share(l.SharedStale, 0, l.Log)
			}
			l.stale = c
		}
	})
	return l.stale
}

// Snapshot is one immutable, fully checked config: its upstreams, its
// VirtualServices' APIs and the router over them.
type Snapshot struct {
	// Version identifies the config's content.
	Version string
	router  *router
	ups     map[string]*builtUpstream
	apis    map[string]*API // by VirtualService name: its first GraphQL route's API
	names   []string
	// warnings are what is legal but likely a mistake, such as a config
	// with no VirtualService.
	warnings []string
}

type builtUpstream struct {
	up   upstreams.Upstream
	info schema.UpstreamInfo
	hash string
}

// VirtualServices returns the names of the snapshot's VirtualServices.
func (s *Snapshot) VirtualServices() []string { return s.names }

// Warnings returns what the config does that is valid but likely not
// meant, one sentence each; Load logs them too. `weft validate` prints
// them.
func (s *Snapshot) Warnings() []string { return s.warnings }

// API returns the GraphQL API of a VirtualService (its first GraphQL
// route's), or nil.
func (s *Snapshot) API(vs string) *API { return s.apis[vs] }

// APIForHost returns the GraphQL API a request to host would reach first:
// the first GraphQL route of the host's VirtualService.
func (s *Snapshot) APIForHost(host string) *API {
	vh := s.router.host(host)
	if vh == nil {
		return nil
	}
	return s.apis[vh.name]
}

// Upstream returns an upstream by name.
func (s *Snapshot) Upstream(name string) upstreams.Upstream {
	if b := s.ups[name]; b != nil {
		return b.up
	}
	return nil
}

// Plan validates a query against the API's schema and plans it within the
// route's limits.
func (a *API) Plan(ctx context.Context, query, operation string) (*planner.Plan, error) {
	doc, errs := gqlparser.LoadQuery(a.Schema.AST, query)
	if errs != nil {
		return nil, errs
	}
	return planner.Build(ctx, a.Schema, doc, operation, planner.Options{MaxSelections: a.action.Limits.MaxSelections, MaxDepth: a.action.Limits.MaxDepth})
}

// Load reads and checks cfg and builds a snapshot. Upstreams of prev whose
// spec did not change are reused, keeping their connection pools and
// schemas. On error nothing is built and every problem is returned, as
// resource.Errors, one per line.
func (l *Loader) Load(ctx context.Context, cfg Config, prev *Snapshot) (*Snapshot, error) {
	docs, err := resource.LoadDir(cfg.FS, cfg.Dir, resource.Options{
		Env:         cfg.Env,
		DisplayRoot: cfg.DisplayRoot,
		Kinds:       []string{KindUpstream, KindVirtualService},
	})
	if err != nil {
		return nil, err
	}
	var errs resource.Errors
	add := func(err error) {
		if err != nil {
			errs = append(errs, resourceErrors(err)...)
		}
	}
	readFile := func(d *resource.Document) func(string) ([]byte, string, error) {
		return func(name string) ([]byte, string, error) {
			return readRelative(cfg, d, name)
		}
	}
	localPath := func(d *resource.Document) func(string) (string, error) {
		return func(name string) (string, error) {
			return localRelative(cfg, d, name)
		}
	}

	snap := &Snapshot{ups: map[string]*builtUpstream{}, apis: map[string]*API{}}
	var fresh []upstreams.Upstream
	var vss []*resource.Document
	seen := map[string]*resource.Document{}
	failed := map[string]bool{}
	h := sha256.New()
	for _, d := range docs {
		fmt.Fprintf(h, "%s/%s\x00", d.Kind, d.Name)
		if d.Spec != nil {
			b, _ := yaml.Marshal(d.Spec)
			h.Write(b)
		}
		switch d.Kind {
		case KindVirtualService:
			vss = append(vss, d)
		case KindUpstream:
			if first := seen[d.Name]; first != nil {
				line, _ := first.Pos("metadata.name")
				add(d.Errorf("metadata.name", "upstream %q is already defined at %s:%d; bindings name upstreams without a namespace, so names must be unique", d.Name, first.File, line))
				continue
			}
			seen[d.Name] = d
			b, err := l.buildUpstream(ctx, d, prev, readFile(d), localPath(d))
			if err != nil {
				add(err)
				failed[d.Name] = true
				continue
			}
			if prev == nil || prev.ups[d.Name] == nil || prev.ups[d.Name].up != b.up {
				fresh = append(fresh, b.up)
			}
			snap.ups[d.Name] = b
		}
	}
	infos := make(map[string]schema.UpstreamInfo, len(snap.ups))
	live := make(map[string]upstreams.Upstream, len(snap.ups))
	for name, b := range snap.ups {
		infos[name] = b.info
		live[name] = b.up
	}
	for name := range failed {
		infos[name] = schema.UpstreamInfo{Name: name, Failed: true}
	}

	var hosts []*vhost
	var domains [][]string
	var refs [][]domainRef
	for _, d := range vss {
		vh, doms, drefs, err := l.buildVirtualService(d, infos, live, readFile(d))
		add(err)
		if vh == nil {
			continue
		}
		hosts = append(hosts, vh)
		domains = append(domains, doms)
		refs = append(refs, drefs)
		snap.names = append(snap.names, d.Name)
		for _, rt := range vh.routes {
			if api, ok := rt.handler.(*API); ok {
				// The schema's version covers SDL files and upstream schemas,
				// which the resources' own text does not.
				h.Write([]byte(api.Schema.Version))
				if snap.apis[d.Name] == nil {
					snap.apis[d.Name] = api
				}
			}
		}
	}
	rt, rerrs := newRouter(hosts, domains, refs)
	errs = append(errs, rerrs...)
	if len(errs) > 0 {
		for _, u := range fresh {
			u.Close()
		}
		errs.Sort()
		return nil, errs
	}
	snap.router = rt
	sort.Strings(snap.names)
	snap.Version = hex.EncodeToString(h.Sum(nil))[:12]
	if len(snap.names) == 0 {
		// Valid (a config may be filled in later, and upstreams alone
		// are checked), but served it answers nothing: say so, and the
		// Server is not ready with it.
		snap.warnings = append(snap.warnings, fmt.Sprintf("no VirtualService in %s: every request will get 404", configDirName(cfg)))
	}
	for _, w := range snap.warnings {
		l.Log.Warn().Str("version", snap.Version).Msg(w)
	}
	return snap, nil
}

// Files a resource names (an SDL file, an OpenAPI document, a WSDL, .proto
// import paths, TLS files) by a relative path are relative to the
// resource's own file and must be inside the config directory: the
// directory is what the server watches for changes and what `weft
// validate` checks, and what is copied or mounted where the config is
// deployed, so a relative path that leads out of it could change unseen or
// be missing there. The rule is on the path as written: symlinks in the
// directory are followed wherever they lead, as they are for the YAML
// files, since whoever lays out the directory (a Kubernetes volume is made
// of symlinks) links what it means to.
//
// Files that kinds open on disk themselves (OpenAPI documents, WSDLs,
// .proto import paths, TLS files) may also be named by an absolute path:
// a deliberate reference to a file of the machine (a mounted secret, a
// spec installed with the image, what `weft import` writes), read at every
// load but not watched. Files read through the config's file system (SDL
// files, descriptor sets) are named relatively, as that file system may
// not be a directory on disk.

// configPath returns the path in cfg.FS of the file that resource d names.
func configPath(cfg Config, d *resource.Document, name string) (string, error) {
	if path.IsAbs(name) || filepath.IsAbs(name) {
		return "", fmt.Errorf("file %q is an absolute path: name files relative to %s, inside the config directory %s, which is what weft watches for changes and what weft validate checks",
			name, d.File, configDirName(cfg))
	}
	dir := path.Clean(filepath.ToSlash(cfg.Dir))
	p := path.Clean(path.Join(path.Dir(documentPath(cfg, d)), filepath.ToSlash(name)))
	if !fs.ValidPath(p) || dir != "." && p != dir && !strings.HasPrefix(p, dir+"/") {
		return "", fmt.Errorf("file %q is outside the config directory %s: files a config names must be inside it, since it is what weft watches for changes and what weft validate checks",
			name, configDirName(cfg))
	}
	return p, nil
}

// documentPath returns the path in cfg.FS of d's file, which d.File names
// as errors print it (see resource.Options.DisplayRoot).
func documentPath(cfg Config, d *resource.Document) string {
	if cfg.DisplayRoot != "" {
		// DisplayRoot is joined as filepath.Join does, which cleans it
		// ("./cfg/" prints as "cfg"), so it is taken off the same way.
		if rel, err := filepath.Rel(filepath.Clean(cfg.DisplayRoot), d.File); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(d.File)
}

// configDirName names the config directory in messages.
func configDirName(cfg Config) string {
	if cfg.DisplayRoot != "" {
		return cfg.DisplayRoot
	}
	return cfg.Dir
}

// readRelative reads a file a resource names, relative to the resource's
// own file, inside the config's file system.
func readRelative(cfg Config, d *resource.Document, name string) ([]byte, string, error) {
	p, err := configPath(cfg, d, name)
	if err != nil {
		return nil, "", err
	}
	data, err := fs.ReadFile(cfg.FS, p)
	display := p
	if cfg.DisplayRoot != "" {
		display = filepath.Join(cfg.DisplayRoot, filepath.FromSlash(p))
	}
	if err != nil {
		return nil, display, fmt.Errorf("cannot read %s: %w", display, err)
	}
	return data, display, nil
}

// localRelative returns the path on disk of a file a resource names,
// relative to the resource's file; the config must be on disk. An absolute
// name is returned as it is (see above).
func localRelative(cfg Config, d *resource.Document, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	p, err := configPath(cfg, d, name)
	if err != nil {
		return "", err
	}
	if cfg.OSDir == "" {
		return "", fmt.Errorf("file %q: this config is not on disk; name the file by an absolute path or a URL", name)
	}
	return filepath.Join(cfg.OSDir, filepath.FromSlash(p)), nil
}

func (l *Loader) buildUpstream(ctx context.Context, d *resource.Document, prev *Snapshot, read func(string) ([]byte, string, error), local func(string) (string, error)) (*builtUpstream, error) {
	if d.Spec == nil || d.Spec.Kind != yaml.MappingNode {
		return nil, d.Errorf("spec", "an Upstream needs a spec with one of: %s", strings.Join(l.kindNames(), ", "))
	}
	var kinds []string
	for i := 0; i+1 < len(d.Spec.Content); i += 2 {
		if l.kind(d.Spec.Content[i].Value) != nil {
			kinds = append(kinds, d.Spec.Content[i].Value)
		}
	}
	if len(kinds) != 1 {
		if len(kinds) == 0 {
			return nil, d.Errorf("spec", "an Upstream spec needs one kind block: one of %s", strings.Join(l.kindNames(), ", "))
		}
		return nil, d.Errorf("spec."+kinds[1], "an Upstream has one kind; this one sets both %s and %s", kinds[0], kinds[1])
	}
	b, _ := yaml.Marshal(d.Spec)
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:])
	if prev != nil {
		if old := prev.ups[d.Name]; old != nil && old.hash == hash {
			return old, nil
		}
	}
	// The resilience and fallback blocks are the loader's, not the kind's:
	// kinds decode their spec strictly and would reject them. The kind
	// gets a copy of the document without them, whose unknown-field errors
	// still list them as allowed.
	var errs resource.Errors
	var blocks upstreamBlocks
	kd, err := d.SplitSpec(&blocks)
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
		if kd == nil {
			return nil, errs
		}
	}
	policy, err := resilience.Decode(d, blocks.Resilience, "spec."+resilienceKey)
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
	}
	fallback, err := decodeFallback(d, blocks.Fallback)
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
	}
	up, info, err := l.kind(kinds[0]).Build(ctx, &upstreams.Source{Doc: kd, ReadFile: read, LocalPath: local, Log: l.Log, Checking: l.Checking})
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
	}
	if len(errs) > 0 {
		if up != nil {
			up.Close()
		}
		return nil, errs
	}
	if policy != nil {
		up = resilience.Wrap(up, *policy, resilience.WithLog(l.Log))
	}
	info.Fallback = fallback
	return &builtUpstream{up: up, info: info, hash: hash}, nil
}

// fallbackKey is the Upstream spec block that is the default fallback of
// every field bound to the upstream; the loader reads it, as resilience.
const fallbackKey = "fallback"

// UpstreamFallback is an Upstream's default fallback: what serves a field
// bound to it that declares no fallback of its own (nor its type).
type UpstreamFallback struct {
	// Upstream replays each binding against this replica, of the same kind.
	Upstream string `yaml:"upstream"`
	// Stale serves the last good value of the same call, at most this old.
	Stale time.Duration `yaml:"stale"`
	// On are the failures that fall back (default: all but
	// UPSTREAM_REQUEST_INVALID).
	On []string `yaml:"on"`
}

// decodeFallback reads spec.fallback; nil for none.
func decodeFallback(d *resource.Document, node *yaml.Node) (*schema.Fallback, error) {
	if node == nil {
		return nil, nil
	}
	const path = "spec." + fallbackKey
	var f UpstreamFallback
	if err := d.Decode(node, path, &f); err != nil {
		return nil, err
	}
	if f.Upstream == "" && f.Stale <= 0 {
		return nil, d.Errorf(path, "say what serves the fields: upstream (a replica), stale (a maximum age), or both; a static value belongs to each field, with @fallback")
	}
	if f.Upstream == d.Name {
		return nil, d.Errorf(path+".upstream", "%q is this upstream; name a replica", f.Upstream)
	}
	fb := &schema.Fallback{Upstream: f.Upstream, Stale: f.Stale}
	for i, code := range f.On {
		if !schema.FallbackCode(code) {
			return nil, d.Errorf(fmt.Sprintf("%s.on[%d]", path, i), "%q is not a failure a fallback serves", code)
		}
		fb.On = append(fb.On, code)
	}
	line, col := d.Pos(path)
	fb.Pos = schema.Pos{File: d.File, Line: line, Col: col}
	return fb, nil
}

// resilienceKey is the Upstream spec block every kind shares that the
// loader, not the kind, reads: see package upstreams/resilience.
const resilienceKey = "resilience"

// upstreamBlocks are the blocks of an Upstream's spec that the loader reads
// whatever the kind (the names are resilienceKey and fallbackKey), kept as
// nodes for resilience.Decode and decodeFallback.
type upstreamBlocks struct {
	Resilience *yaml.Node `yaml:"resilience"`
	Fallback   *yaml.Node `yaml:"fallback"`
}

func (l *Loader) kindNames() []string {
	out := make([]string, 0, len(l.Kinds))
	for _, k := range l.Kinds {
		out = append(out, k.Name())
	}
	sort.Strings(out)
	return out
}

// kind returns the kind named name, or nil.
func (l *Loader) kind(name string) *upstreams.Kind {
	for i := range l.Kinds {
		if l.Kinds[i].Name() == name {
			return &l.Kinds[i]
		}
	}
	return nil
}

func (l *Loader) buildVirtualService(d *resource.Document, infos map[string]schema.UpstreamInfo, live map[string]upstreams.Upstream, read func(string) ([]byte, string, error)) (*vhost, []string, []domainRef, error) {
	var spec VirtualServiceSpec
	if err := d.DecodeSpec(&spec); err != nil {
		return nil, nil, nil, err
	}
	var errs resource.Errors
	vh := &vhost{name: d.Name}
	var drefs []domainRef
	for i := range spec.VirtualHost.Domains {
		drefs = append(drefs, domainRef{doc: d, path: fmt.Sprintf("spec.virtualHost.domains[%d]", i)})
	}
	if len(spec.VirtualHost.Domains) == 0 {
		errs = append(errs, d.Errorf("spec.virtualHost.domains", "list at least one domain (\"*\" for any)"))
	}
	if len(spec.VirtualHost.Routes) == 0 {
		errs = append(errs, d.Errorf("spec.virtualHost.routes", "list at least one route"))
	}
	for i, r := range spec.VirtualHost.Routes {
		rp := fmt.Sprintf("spec.virtualHost.routes[%d]", i)
		rt := &route{name: r.Name}
		if rt.name == "" {
			rt.name = fmt.Sprintf("%s/%d", d.Name, i)
		}
		for j, m := range r.Matchers {
			cm, merrs := compileMatcher(d, fmt.Sprintf("%s.matchers[%d]", rp, j), m)
			errs = append(errs, merrs...)
			rt.matchers = append(rt.matchers, cm)
		}
		switch {
		case r.GraphQL != nil && r.DirectResponse != nil:
			errs = append(errs, d.Errorf(rp, "a route has one action: graphql or directResponse, not both"))
		case r.GraphQL != nil:
			api, err := l.buildAPI(d, rp+".graphql", r.GraphQL, spec.Vars, infos, live, read)
			if err != nil {
				errs = append(errs, resourceErrors(err)...)
				continue
			}
			rt.handler = api
		case r.DirectResponse != nil:
			dr := r.DirectResponse
			if dr.Status < 100 || dr.Status > 599 {
				errs = append(errs, d.Errorf(rp+".directResponse.status", "%d is not an HTTP status", dr.Status))
			}
			rt.handler = directResponse(dr)
		default:
			errs = append(errs, d.Errorf(rp, "a route needs an action: graphql or directResponse"))
		}
		vh.routes = append(vh.routes, rt)
	}
	if len(errs) > 0 {
		return nil, nil, nil, errs
	}
	return vh, spec.VirtualHost.Domains, drefs, nil
}

// resourceErrors converts schema build errors to config errors.
func resourceErrors(err error) resource.Errors {
	if es := resource.AsErrors(err); es != nil {
		return es
	}
	var se schema.Errors
	if errors.As(err, &se) {
		out := make(resource.Errors, 0, len(se))
		for _, e := range se {
			out = append(out, &resource.Error{File: e.Pos.File, Line: e.Pos.Line, Column: e.Pos.Col, Path: e.Where, Msg: e.Msg})
		}
		return out
	}
	return resource.Errors{&resource.Error{Msg: err.Error()}}
}

func (l *Loader) buildAPI(d *resource.Document, p string, action *GraphQLAction, vars map[string]string, infos map[string]schema.UpstreamInfo, live map[string]upstreams.Upstream, read func(string) ([]byte, string, error)) (*API, error) {
	action.withDefaults()
	src := action.Schema
	if src.File != "" && src.Inline != "" || src.File == "" && src.Inline == "" && len(src.Include) == 0 {
		return nil, d.Errorf(p+".schema", "set one of file and inline, and/or include")
	}
	includes, err := includedFields(d, p+".schema.include", src, infos)
	if err != nil {
		return nil, err
	}
	ss := schema.Source{File: d.File}
	switch {
	case src.File != "":
		data, display, err := read(src.File)
		if err != nil {
			return nil, d.Errorf(p+".schema.file", "%v", err)
		}
		ss = schema.Source{File: display, Input: string(data)}
	case src.Inline != "":
		n := d.Node(p + ".schema.inline")
		ss = schema.Source{File: d.File, Input: src.Inline}
		if n != nil {
			ss.Line, ss.Col = n.Line, n.Column-1
			if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				// A block scalar's text starts on the line after its indicator,
				// indented one level below its key.
				_, keyCol := d.Pos(p + ".schema")
				ss.Line, ss.Col = n.Line+1, keyCol+1
			}
		}
	}
	includes = append(includes, scalarDecls(ss.Input, src.Include, infos)...)
	s, err := schema.Build(ss, schema.Options{Binders: upstreams.Binders(l.Kinds), Upstreams: infos, Vars: vars, Includes: includes})
	if err != nil {
		return nil, err
	}
	var stale *resolvers.StaleCache
	if s.HasStaleFallbacks() {
		stale = l.staleCache()
	}
	return newAPI(d.Name, s, *action, live, vars, stale, l.Log)
}

func directResponse(dr *DirectResponse) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(dr.Status)
		_, _ = w.Write([]byte(dr.Body))
	})
}

// CloseSnapshot releases the upstreams of a snapshot that is not served
// (one built to validate or plan).
func CloseSnapshot(s *Snapshot) {
	for _, b := range s.ups {
		b.up.Close()
	}
}

// includedFields returns the generated SDL of each included upstream.
func includedFields(d *resource.Document, p string, src SchemaSource, infos map[string]schema.UpstreamInfo) ([]schema.Source, error) {
	var out []schema.Source
	var errs resource.Errors
	for i, name := range src.Include {
		info, ok := infos[name]
		switch {
		case info.Failed:
			// Its own errors are reported.
		case !ok:
			errs = append(errs, d.Errorf(fmt.Sprintf("%s[%d]", p, i), "unknown upstream %q", name))
		case info.Fields == nil:
			errs = append(errs, d.Errorf(fmt.Sprintf("%s[%d]", p, i), "upstream %q generates no fields to include (a rest upstream with an openapi document does)", name))
		default:
			out = append(out, *info.Fields)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// scalarDecls declares, once, the custom scalars included fields use that
// the VirtualService's own SDL does not declare.
func scalarDecls(own string, include []string, infos map[string]schema.UpstreamInfo) []schema.Source {
	declared := map[string]bool{}
	if doc, err := parser.ParseSchema(&ast.Source{Input: own}); err == nil {
		for _, def := range doc.Definitions {
			if def.Kind == ast.Scalar {
				declared[def.Name] = true
			}
		}
	}
	var names []string
	decls := map[string]string{}
	for _, up := range include {
		for name, decl := range infos[up].Scalars {
			if !declared[name] && decls[name] == "" {
				decls[name] = decl
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(decls[name] + "\n")
	}
	return []schema.Source{{File: "(scalars of included upstreams)", Input: b.String()}}
}
