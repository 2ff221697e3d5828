package planner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
)

// DefaultCacheSize is the number of plans a Cache keeps when its size is
// not given.
const DefaultCacheSize = 1000

// Cache plans the operations of one schema, keeping recent plans. A plan
// holds pointers into the schema it was planned on, so a cache belongs to
// one *schema.Schema: it may outlive a config reload only with the schema
// itself, when the reload did not change what the schema is built from.
//
// Plans are keyed by the operation's key (OperationKey: its tokens, without
// what GraphQL ignores) and the operation name. Concurrent misses of one
// key plan it once: the first plans, under its own context; the others
// wait for its plan, each until its own context ends, and plan again
// themselves should the first give up because its request went away.
type Cache struct {
	schema *schema.Schema
	opts   Options
	plans  *lru.Cache[cacheKey, cached]

	mu      sync.Mutex
	flights map[cacheKey]*flight

	hits, misses atomic.Uint64
	// keys recycles the buffers keys are built in for a lookup: a hit
	// costs no allocation.
	keys sync.Pool
}

type cacheKey struct{ query, operation string }

// cached is a plan, or the error planning the operation gave: an operation
// refused once (one too large to plan, say) is refused again at once,
// rather than planned up to the bound on every request.
type cached struct {
	plan *Plan
	err  error
	// text is the text the operation was planned from; an error about a
	// field names its position in that text.
	text string
}

// flight is a plan being built; done is closed once plan and err are set.
type flight struct {
	done chan struct{}
	plan *Plan
	err  error
	// again says the planner gave up because its own request ended: a
	// waiter plans the operation itself.
	again bool
}

// NewCache returns a cache of up to size plans for s (DefaultCacheSize when
// size is zero or less), planned within opts.
func NewCache(s *schema.Schema, size int, opts Options) (*Cache, error) {
	if size <= 0 {
		size = DefaultCacheSize
	}
	c, err := lru.New[cacheKey, cached](size)
	if err != nil {
		return nil, fmt.Errorf("plan cache: %w", err)
	}
	return &Cache{schema: s, opts: opts, plans: c, flights: map[cacheKey]*flight{}}, nil
}

// Schema returns the schema the cache plans on.
func (c *Cache) Schema() *schema.Schema { return c.schema }

// Plan returns the plan of the operation, planning it on a miss. query is
// the document's text; doc must be its validated document, or that of a
// text with the same key. Planning stops when ctx is done; such a failure
// is not cached. A plan's fields carry the positions of the text it was
// planned from: Relocate moves an error's locations into query.
func (c *Cache) Plan(ctx context.Context, query string, doc *ast.QueryDocument, operation string) (*Plan, error) {
	bp, _ := c.keys.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf, same := AppendOperationKey((*bp)[:0], query)
	k := cacheKey{query, operation}
	if !same {
		// Only for the lookup: a key that is kept is copied first.
		k.query = unsafe.String(unsafe.SliceData(buf), len(buf))
	}
	e, ok := c.plans.Get(k)
	if !ok || !e.usable(query) {
		if !same {
			k.query = strings.Clone(k.query)
		}
		*bp = buf
		c.keys.Put(bp)
		return c.plan(ctx, k, query, doc)
	}
	*bp = buf
	c.keys.Put(bp)
	c.hits.Add(1)
	return e.plan, e.err
}

// usable reports whether a cached entry answers query. A refusal of the
// planner's own (PLAN_FAILED) names a position in the text planned, so it
// answers only that text; the limits' refusals name none.
func (e cached) usable(query string) bool {
	if e.err == nil || e.text == query {
		return true
	}
	switch e.err.(type) {
	case *TooLargeError, *TooDeepError:
		return true
	}
	return false
}

// plan plans a missed operation, once for all the requests that miss it
// at the same time.
func (c *Cache) plan(ctx context.Context, k cacheKey, query string, doc *ast.QueryDocument) (*Plan, error) {
	for {
		c.mu.Lock()
		if e, ok := c.plans.Peek(k); ok && e.usable(query) {
			// Planned between the lookup and the lock.
			c.mu.Unlock()
			c.hits.Add(1)
			return e.plan, e.err
		}
		f := c.flights[k]
		if f == nil {
			break // with the lock held: this request plans
		}
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.again {
				continue
			}
			c.hits.Add(1)
			return f.plan, f.err
		case <-ctx.Done():
			return nil, fmt.Errorf("planning stopped: %w", ctx.Err())
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[k] = f
	c.mu.Unlock()
	c.misses.Add(1)

	p, err := Build(ctx, c.schema, doc, k.operation, c.opts)
	if p != nil {
		p.Signature = signature(k.query, k.operation)
	}
	f.plan, f.err = p, err
	if err != nil && !Cacheable(err) {
		f.again = true
	} else {
		c.plans.Add(k, cached{p, err, query})
	}
	c.mu.Lock()
	delete(c.flights, k)
	c.mu.Unlock()
	close(f.done)
	return p, err
}

// Len returns the number of cached plans.
func (c *Cache) Len() int { return c.plans.Len() }

// CacheStats count a Cache's lookups since it was made.
type CacheStats struct {
	// Hits are lookups answered without planning: from the cache, or by
	// waiting for a plan another request was building.
	Hits uint64
	// Misses are operations planned.
	Misses uint64
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
}
