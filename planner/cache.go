package planner

import (
	"context"
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
)

// Cache plans operations of one schema, keeping recent plans. Handlers are
// built per schema version, so the key is the query text (which the query
// cache in front maps to one validated document) and the operation name.
type Cache struct {
	schema *schema.Schema
	opts   Options
	plans  *lru.Cache[cacheKey, cached]
}

type cacheKey struct{ query, operation string }

// cached is a plan, or the error planning the operation gave: an operation
// refused once (one too large to plan, say) is refused again at once,
// rather than planned up to the bound on every request.
type cached struct {
	plan *Plan
	err  error
}

// NewCache returns a cache of up to size plans for s, planned within opts.
func NewCache(s *schema.Schema, size int, opts Options) (*Cache, error) {
	c, err := lru.New[cacheKey, cached](size)
	if err != nil {
		return nil, fmt.Errorf("plan cache: %w", err)
	}
	return &Cache{schema: s, opts: opts, plans: c}, nil
}

// Plan returns the plan of the operation, planning it on a miss. query is
// the document's text; doc must be its validated document. Planning stops
// when ctx is done; such a failure is not cached.
func (c *Cache) Plan(ctx context.Context, query string, doc *ast.QueryDocument, operation string) (*Plan, error) {
	k := cacheKey{query, operation}
	if e, ok := c.plans.Get(k); ok {
		return e.plan, e.err
	}
	p, err := Build(ctx, c.schema, doc, operation, c.opts)
	if err != nil && !Cacheable(err) {
		return nil, err
	}
	c.plans.Add(k, cached{p, err})
	return p, err
}

// Len returns the number of cached plans.
func (c *Cache) Len() int { return c.plans.Len() }
