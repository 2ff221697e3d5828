package virtualservices

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
)

// An API's caches outlive a reload when the reload leaves the API as it
// was. Each cache holds what is only valid for one schema object: gqlgen's
// documents point into the schema's AST they were validated against, and
// plans point into the schema's AST and bindings. So a reload first keys
// each route by everything its schema is built from (schemaKey); when the
// previous snapshot built a schema under the same key, the route keeps
// that *schema.Schema itself, unbuilt, and the caches built for it under
// the same limits (cacheKey). The executor and gqlgen's server are built
// anew around them, with the new snapshot's upstream instances: plans name
// upstreams, never hold them.

// apiCaches are the caches of one route's API.
type apiCaches struct {
	documents *documentCache
	apq       *countingCache[string]
	plans     *planner.Cache
}

func newAPICaches(s *schema.Schema, action *GraphQLAction) (*apiCaches, error) {
	plans, err := planner.NewCache(s, action.Caches.Plans, planOptions(action))
	if err != nil {
		return nil, err
	}
	docs, err := lru.New[string, *ast.QueryDocument](action.Caches.Documents)
	if err != nil {
		return nil, fmt.Errorf("query cache: %w", err)
	}
	apq, err := lru.New[string, string](action.Caches.PersistedQueries)
	if err != nil {
		return nil, fmt.Errorf("persisted query cache: %w", err)
	}
	return &apiCaches{
		documents: &documentCache{docs: docs},
		apq:       &countingCache[string]{lru: apq},
		plans:     plans,
	}, nil
}

func planOptions(action *GraphQLAction) planner.Options {
	return planner.Options{MaxSelections: action.Limits.MaxSelections, MaxDepth: action.Limits.MaxDepth}
}

// documentCache is gqlgen's query cache, keyed by the operation's key
// (planner.OperationKey) rather than its text: clients that lay out one
// operation differently share its validated document. Locations of errors
// found when it runs are moved into the text sent (planner.Relocate).
type documentCache struct {
	docs         *lru.Cache[string, *ast.QueryDocument]
	hits, misses atomic.Uint64
	// keys recycles the buffers lookup keys are built in.
	keys sync.Pool
}

// Get implements graphql.Cache.
func (c *documentCache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	bp, _ := c.keys.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf, same := planner.AppendOperationKey((*bp)[:0], query)
	key := query
	if !same {
		// Only for the lookup, which keeps no key.
		key = unsafe.String(unsafe.SliceData(buf), len(buf))
	}
	doc, ok := c.docs.Get(key)
	*bp = buf
	c.keys.Put(bp)
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return doc, ok
}

// Add implements graphql.Cache.
func (c *documentCache) Add(_ context.Context, query string, doc *ast.QueryDocument) {
	c.docs.Add(planner.OperationKey(query), doc)
}

// countingCache is a gqlgen cache that counts its hits and misses.
type countingCache[T any] struct {
	lru          *lru.Cache[string, T]
	hits, misses atomic.Uint64
}

// Get implements graphql.Cache.
func (c *countingCache[T]) Get(_ context.Context, key string) (T, bool) {
	v, ok := c.lru.Get(key)
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return v, ok
}

// Add implements graphql.Cache.
func (c *countingCache[T]) Add(_ context.Context, key string, v T) { c.lru.Add(key, v) }

// schemaKey identifies what a route's schema is built from: its SDL (text,
// file and place, for the positions it holds), the included upstreams'
// fields and scalars, the VirtualService's vars, and every upstream as its
// bindings are checked against it (see upstreamPrint). Two builds with one
// key build the same schema.
func schemaKey(src schema.Source, includes []schema.Source, vars map[string]string, prints map[string]string) string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s", len(s), s) }
	field(src.File)
	fmt.Fprintf(h, "%d:%d:", src.Line, src.Col)
	field(src.Input)
	for _, inc := range includes {
		field(inc.File)
		field(inc.Input)
	}
	fmt.Fprintf(h, "vars %d:", len(vars))
	for _, k := range sortedKeys(vars) {
		field(k)
		field(vars[k])
	}
	fmt.Fprintf(h, "upstreams %d:", len(prints))
	for _, k := range sortedKeys(prints) {
		field(k)
		field(prints[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cacheKey identifies a route's caches: its schema, and what its documents
// and plans were checked against besides (the token limit, the planner's
// bounds, introspection) and the caches' sizes. The route is part of it,
// so each route counts its own hits in the metrics.
func cacheKey(schemaKey, vs, route string, action *GraphQLAction) string {
	l, c := action.Limits, action.Caches
	return fmt.Sprintf("%s\x00%s\x00%s\x00tokens=%d depth=%d selections=%d introspection=%t plans=%d documents=%d apq=%d",
		schemaKey, vs, route, l.MaxTokens, l.MaxDepth, l.MaxSelections, *action.Introspection, c.Plans, c.Documents, c.PersistedQueries)
}

// upstreamPrint is a digest of what bindings are checked against in an
// upstream: its kind and version, the text of the schema it describes
// itself with, the fields and scalars it generates, its methods and its
// default fallback. An upstream rebuilt with a new address or timeout but
// the same interface has the same print, so the schemas that bind to it
// are kept.
func upstreamPrint(info schema.UpstreamInfo) string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s", len(s), s) }
	field(info.Name)
	field(string(info.Kind))
	field(info.Version)
	fmt.Fprintf(h, "failed=%t trusted=%t credentials=%q ", info.Failed, info.Trusted, info.Credentials)
	writeSchemaSources(h, info.Schema)
	if info.Fields != nil {
		field(info.Fields.File)
		field(info.Fields.Input)
	}
	fmt.Fprintf(h, "scalars %d:", len(info.Scalars))
	for _, k := range sortedKeys(info.Scalars) {
		field(k)
		field(info.Scalars[k])
	}
	fmt.Fprintf(h, "methods %d:", len(info.Methods))
	for _, k := range sortedKeys(info.Methods) {
		m := info.Methods[k]
		field(k)
		field(string(m.Operation))
		field(m.Field)
		fmt.Fprintf(h, "%t", m.ServerStreaming)
	}
	if fb := info.Fallback; fb != nil {
		field(fb.Upstream)
		fmt.Fprintf(h, "%d:%s:%d:%d:", fb.Stale, fb.Pos.File, fb.Pos.Line, fb.Pos.Col)
		field(strings.Join(fb.On, ","))
		field(string(fb.Value))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeSchemaSources writes the texts a schema was parsed from, found in
// its definitions' positions: the schema is a function of them.
func writeSchemaSources(h hash.Hash, s *ast.Schema) {
	if s == nil {
		fmt.Fprint(h, "no schema;")
		return
	}
	seen := map[*ast.Source]bool{}
	var srcs []*ast.Source
	add := func(p *ast.Position) {
		if p != nil && p.Src != nil && !seen[p.Src] {
			seen[p.Src] = true
			srcs = append(srcs, p.Src)
		}
	}
	for _, def := range s.Types {
		add(def.Position)
	}
	for _, d := range s.Directives {
		add(d.Position)
	}
	sort.Slice(srcs, func(i, j int) bool {
		if srcs[i].Name != srcs[j].Name {
			return srcs[i].Name < srcs[j].Name
		}
		return srcs[i].Input < srcs[j].Input
	})
	fmt.Fprintf(h, "schema %d:", len(srcs))
	for _, src := range srcs {
		fmt.Fprintf(h, "%d:%s%d:%s", len(src.Name), src.Name, len(src.Input), src.Input)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
