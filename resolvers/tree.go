package resolvers

import (
	"time"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/jsonscan"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// The executor runs an operation in three parts, each a type of its own,
// which hand work to one another through the tree:
//
//   - the loader (loader.go, store.go) runs the plan's fetches and merges
//     their answers into the tree: the value of each fetched field in its
//     parent object, or what is known instead (a failure, an argument
//     error, a GraphQL upstream's errors, raw answer bytes);
//   - the fallback policy (fallback.go) decides what serves a slot whose
//     call failed: a replica's answer, a stale value, a static one; and
//     keeps good values for later failures;
//   - the renderer (render.go, transcode.go, errors.go) writes the response
//     from the tree and the plan's selection: coercion, null propagation,
//     errors with paths, fallback notes.
//
// The loader writes the tree while fetches run (under its lock); the
// renderer reads it once they are done.

// slot is where a fetched value is stored: a key of a parent object.
type slot struct {
	obj *fastjson.Value
	key string
}

// relError is an upstream GraphQL error, with its path relative to the
// slot it belongs to.
type relError struct {
	err  upstreams.GraphQLError
	path []any
	up   string
	// sub, for a federated fetch, is the subgraph that answered: errors
	// name it under the upstream ("shop/reviews"), as the subgraph's own
	// transport errors do.
	sub string
}

// name is the upstream an error names.
func (e relError) name() string {
	if e.sub != "" {
		return e.up + "/" + e.sub
	}
	return e.up
}

// note is a fallback that served a slot, before render knows its path.
type note struct {
	reason, upstream, fallback, via string
	age                             time.Duration
}

// tree is one operation's value tree: the objects the fetches answered,
// merged in place, and, per slot, what stands instead of a value.
type tree struct {
	arena *fastjson.Arena
	root  *fastjson.Value
	// results and parsers hold the memory the tree's values live in.
	results []*upstreams.Result
	parsers []*fastjson.Parser

	// failures are the slots whose call failed and nothing served.
	failures map[slot]*upstreams.Error
	// argErrs are the slots whose field's arguments could not be
	// evaluated: nothing was called for them.
	argErrs map[slot]*argError
	// upErrs are the errors a GraphQL upstream answered, by slot.
	upErrs map[slot][]relError
	// served are the slots a fallback served, and which.
	served map[slot]*note
	// raws hold fetched values as answer bytes, for Raw fetches.
	raws map[slot][]byte
	// needs are what entity fetches could not give the objects later
	// fetches' representations read, by object (see requirements.go).
	needs map[*fastjson.Value][]needFailure
}

var (
	arenas  fastjson.ArenaPool
	parsers fastjson.ParserPool
)

func newTree() *tree {
	t := &tree{arena: arenas.Get()}
	t.root = t.arena.NewObject()
	return t
}

// release returns the memory of the answers and the arena; the tree's
// values must not be used after.
func (t *tree) release() {
	for _, res := range t.results {
		res.Release()
	}
	t.results = nil
	for _, p := range t.parsers {
		parsers.Put(p)
	}
	t.parsers = nil
	t.arena.Reset()
	arenas.Put(t.arena)
	t.arena = nil
}

// fail records that nothing answered a slot.
func (t *tree) fail(s slot, err *upstreams.Error) {
	if t.failures == nil {
		t.failures = map[slot]*upstreams.Error{}
	}
	t.failures[s] = err
}

// serve sets a slot to a fallback's value, and notes which served it.
func (t *tree) serve(s slot, v *fastjson.Value, n *note) {
	s.obj.Set(s.key, v)
	if t.served == nil {
		t.served = map[slot]*note{}
	}
	t.served[s] = n
}

// parse parses JSON (a kept or static value) into a value that lives
// until the request ends; nil when it does not parse.
func (t *tree) parse(b []byte) *fastjson.Value {
	p := parsers.Get()
	v, err := p.ParseBytes(rawValueBytes(b))
	if err != nil {
		parsers.Put(p)
		return nil
	}
	t.parsers = append(t.parsers, p)
	return v
}

// parseRaw gives a raw result a parsed value, kept until the request ends.
func (t *tree) parseRaw(res *upstreams.Result) {
	if res.Value == nil {
		res.Value = t.parse(res.Raw)
	}
}

// extract follows a result path; [] steps map the rest of the path over a
// list, building new lists in the arena.
func (t *tree) extract(v *fastjson.Value, path schema.Path) *fastjson.Value {
	for i, step := range path {
		if step.Key != "" {
			if v.Type() != fastjson.TypeObject {
				return nil
			}
			v = v.Get(step.Key)
			if v == nil {
				return nil
			}
		}
		if step.Each {
			items, err := v.Array()
			if err != nil {
				return nil
			}
			out := t.arena.NewArray()
			for k, item := range items {
				mapped := t.extract(item, path[i+1:])
				if mapped == nil {
					mapped = t.arena.NewNull()
				}
				out.SetArrayItem(k, mapped)
			}
			return out
		}
	}
	return v
}

// rawPath follows a result path of plain keys into JSON bytes; nil when a
// key is missing (the field is then null).
func rawPath(b []byte, path schema.Path) []byte {
	for _, step := range path {
		i, err := jsonscan.Lookup(b, 0, step.Key)
		if err != nil {
			return nil
		}
		b = b[i:]
	}
	return b
}

// rawValueBytes trims JSON bytes to their first value.
func rawValueBytes(b []byte) []byte {
	end, err := jsonscan.Skip(b, 0)
	if err != nil {
		return b
	}
	return b[:end]
}
