package virtualservices

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/resolvers"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
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
	// reads are the files each resource read, by "Kind/name", with the
	// digest of what was read: the registry keeps them, and an upstream
	// whose files changed is rebuilt even when its spec did not.
	var readsMu sync.Mutex
	reads := map[string]map[string][32]byte{}
	record := func(key, p string, data []byte) {
		// Kinds may read files from several goroutines (a .proto's
		// imports).
		readsMu.Lock()
		defer readsMu.Unlock()
		if reads[key] == nil {
			reads[key] = map[string][32]byte{}
		}
		reads[key][p] = sha256.Sum256(data)
	}
	readFile := func(d *resource.Document) func(string) ([]byte, string, error) {
		key := d.Kind + "/" + d.Name
		return func(name string) ([]byte, string, error) {
			data, display, err := readRelative(cfg, d, name)
			if err != nil {
				// A kind may look for a file it can do without (a
				// well-known .proto it has built in).
				return data, display, err
			}
			if p, perr := configPath(cfg, d, name); perr == nil {
				record(key, p, data)
			}
			return data, display, nil
		}
	}
	localPath := func(d *resource.Document) func(string) (string, error) {
		key := d.Kind + "/" + d.Name
		return func(name string) (string, error) {
			local, err := localRelative(cfg, d, name)
			if err != nil {
				return local, err
			}
			// The kind opens the file itself; what it opens first is
			// the config's file at that path (files it references in
			// turn, such as an OpenAPI document's, are not followed).
			if p, perr := configPath(cfg, d, name); perr == nil {
				if data, rerr := fs.ReadFile(cfg.FS, p); rerr == nil {
					record(key, p, data)
				}
			}
			return local, nil
		}
	}
	// unchanged reports whether the files an upstream read last time
	// still hold what it read.
	unchanged := func(files map[string][32]byte) bool {
		for p, sum := range files {
			data, err := fs.ReadFile(cfg.FS, p)
			if err != nil || sha256.Sum256(data) != sum {
				return false
			}
		}
		return true
	}

	snap := &Snapshot{
		ups:     map[string]*builtUpstream{},
		apis:    map[string]*API{},
		schemas: map[string]*schema.Schema{},
		caches:  map[string]*apiCaches{},
		idle:    make(chan struct{}, 1),
	}
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
			b, err := l.buildUpstream(ctx, d, prev, readFile(d), localPath(d), unchanged)
			if err != nil {
				add(err)
				failed[d.Name] = true
				continue
			}
			key := d.Kind + "/" + d.Name
			readsMu.Lock()
			if b.files == nil {
				b.files = reads[key]
			} else {
				// Reused: it read nothing this time.
				reads[key] = b.files
			}
			readsMu.Unlock()
			if prev == nil || prev.ups[d.Name] == nil || prev.ups[d.Name].up != b.up {
				fresh = append(fresh, b.up)
			}
			snap.ups[d.Name] = b
		}
	}
	b := &snapshotBuild{
		infos:  make(map[string]schema.UpstreamInfo, len(snap.ups)+len(failed)),
		live:   make(map[string]upstreams.Upstream, len(snap.ups)),
		prints: make(map[string]string, len(snap.ups)+len(failed)),
		prev:   prev,
		next:   snap,
	}
	for name, u := range snap.ups {
		b.infos[name] = u.info
		b.live[name] = u.up
		b.prints[name] = u.print
	}
	for name := range failed {
		b.infos[name] = schema.UpstreamInfo{Name: name, Failed: true}
		b.prints[name] = "failed"
	}

	var hosts []*vhost
	var domains [][]string
	var refs [][]domainRef
	for _, d := range vss {
		vh, doms, drefs, err := l.buildVirtualService(d, b, readFile(d))
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
				snap.graphql = append(snap.graphql, api)
				snap.drainFor = max(snap.drainFor, api.action.Timeout)
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
	for _, d := range docs {
		key := d.Kind + "/" + d.Name
		files := append([]string{documentPath(cfg, d)}, slices.Sorted(maps.Keys(reads[key]))...)
		if snap.sources == nil {
			snap.sources = map[string][]string{}
		}
		snap.sources[key] = files
	}
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
