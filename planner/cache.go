package planner

import (
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
	plans  *lru.Cache[cacheKey, *Plan]
}

type cacheKey struct{ query, operation string }

// NewCache returns a cache of up to size plans for s.
func NewCache(s *schema.Schema, size int) (*Cache, error) {
	c, err := lru.New[cacheKey, *Plan](size)
	if err != nil {
		return nil, fmt.Errorf("plan cache: %w", err)
	}
	return &Cache{schema: s, plans: c}, nil
}

// Plan returns the plan of the operation, planning it on a miss. query is
// the document's text; doc must be its validated document.
func (c *Cache) Plan(query string, doc *ast.QueryDocument, operation string) (*Plan, error) {
	k := cacheKey{query, operation}
	if p, ok := c.plans.Get(k); ok {
		return p, nil
	}
	p, err := Build(c.schema, doc, operation)
	if err != nil {
		return nil, err
	}
	c.plans.Add(k, p)
	return p, nil
}

// Len returns the number of cached plans.
func (c *Cache) Len() int { return c.plans.Len() }
