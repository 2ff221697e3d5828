package schema

import (
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
)

// defaultBatchSize caps a batch when the binding does not say.
const defaultBatchSize = 100

// batchKey sets the batch's parent key: the one parent field its templates
// read.
func (b *builder) batchKey(batch *Batch, refs map[string][]string, p *ast.Position, where string) {
	switch len(refs) {
	case 0:
		b.errorf(p, where, "batch templates must read exactly one parent field (the key), as in ?upcs={parent.upc}; they read none")
	case 1:
		for _, k := range refs {
			batch.ParentKey = k
		}
	default:
		b.errorf(p, where, "batch templates must read exactly one parent field (the key); they read %d", len(refs))
	}
}

// batchCommon reads the fields every batch form has: key, result, maxSize.
func (b *builder) batchCommon(batch *Batch, c *ast.ChildValue, where string) {
	str := func() string {
		if c.Value.Kind != ast.StringValue && c.Value.Kind != ast.BlockValue {
			b.errorf(c.Value.Position, where, "field %q must be a string", c.Name)
			return ""
		}
		return c.Value.Raw
	}
	switch c.Name {
	case "key":
		if s := str(); s != "" {
			kp, err := ParsePath(s)
			if err != nil || kp.Lists() > 0 {
				b.errorf(c.Position, where, "key %q must be a path such as \"productUpc\" or \"product.upc\"", s)
			}
			batch.Key = kp
		}
	case "result":
		if s := str(); s != "" {
			rp, err := ParsePath(s)
			if err != nil || rp.Lists() > 0 {
				b.errorf(c.Position, where, "result %q must be a path to the list of items, such as \"items\"", s)
			}
			batch.Result = rp
		}
	case "maxSize":
		n, err := strconv.Atoi(c.Value.Raw)
		if c.Value.Kind != ast.IntValue || err != nil || n < 1 || n > 10000 {
			b.errorf(c.Value.Position, where, "maxSize must be an integer from 1 to 10000")
		} else {
			batch.MaxSize = n
		}
	}
}
