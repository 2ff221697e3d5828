package resolvers

import (
	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// Entity fetches (federation). A planner.Fetch with Entity set fetches
// the entities its parent objects stand for from one subgraph, through
// _entities(representations:): each parent's representation is built from
// the fields the plan names for its concrete type (a key's, and what the
// fetched fields require), equal representations are sent once, and the
// answer's n-th entity is merged into every parent of the n-th
// representation.

// entityJobs prepares the one call of an entity fetch over its parents.
// Parents whose representation cannot be built (a key field missing,
// after the fetch that should have given it failed) are left out: their
// fields stay absent and render says so where they are non-null.
func (l *loader) entityJobs(f *planner.Fetch, up upstreams.Upstream, parents []*fastjson.Value, newCall func(*tmpl.Scope, bool) *upstreams.Call) []*job {
	// Parents share representations (the same product under many
	// reviews): the buffers grow with the distinct ones, not the parents.
	reps := make([]byte, 1, 512)
	reps[0] = '['
	index := make(map[string]int, min(len(parents), 16))
	var groups [][]*fastjson.Value
	var buf []byte
	var lacking []*fastjson.Value
	lackingType := ""
	for _, p := range parents {
		var et *planner.EntityType
		if len(f.Entity.Types) == 1 {
			et = f.Entity.Types[0]
		} else if et = f.Entity.TypeFor(parentType(p, f.ParentRule)); et == nil {
			continue // a type the fetch has no fields of
		}
		var ok bool
		if buf, ok = appendRep(buf[:0], p, et); !ok {
			if lacking == nil {
				lackingType = et.TypeName
			}
			lacking = append(lacking, p)
			continue
		}
		if i, seen := index[string(buf)]; seen {
			groups[i] = append(groups[i], p)
			continue
		}
		index[string(buf)] = len(groups)
		groups = append(groups, []*fastjson.Value{p})
		if len(groups) > 1 {
			reps = append(reps, ',')
		}
		reps = append(reps, buf...)
	}
	var out []*job
	if len(lacking) > 0 {
		// A field the representation needs is missing: the fetch that
		// was to give it failed (requirements.go says how), or the
		// object is another upstream's, whose answer lacks a key field.
		out = append(out, l.lackingJobs(f, lacking, lackingType)...)
	}
	if len(groups) == 0 {
		return out
	}
	reps = append(reps, ']')
	c := newCall(&tmpl.Scope{Headers: l.header, Vars: l.e.opts.Vars}, false)
	c.Representations = reps
	members := make([]*fastjson.Value, 0, len(parents))
	for _, g := range groups {
		members = append(members, g...)
	}
	if err := up.Prepare(c); err != nil {
		return append(out, &job{parents: members, err: asUpstreamError(f.Upstream, err)})
	}
	return append(out, &job{call: c, parents: members, entities: groups})
}

// appendRep writes parent p's representation, of shape e; false when a
// field it needs is missing.
func appendRep(dst []byte, p *fastjson.Value, e *planner.EntityType) ([]byte, bool) {
	dst = append(dst, `{"__typename":`...)
	dst = jsonwrite.String(dst, e.TypeName)
	for _, rf := range e.Rep {
		v := p.Get(rf.Source())
		if v == nil {
			return dst, false
		}
		dst = append(dst, ',')
		dst = jsonwrite.String(dst, rf.Name)
		dst = append(dst, ':')
		dst = appendRepValue(dst, v, rf)
	}
	return append(dst, '}'), true
}

// appendRepValue writes the value of a representation's field: as it is
// for a leaf, with the shape's fields for an object (each element of a
// list).
func appendRepValue(dst []byte, v *fastjson.Value, rf *planner.RepField) []byte {
	switch v.Type() {
	case fastjson.TypeArray:
		dst = append(dst, '[')
		for i, e := range v.GetArray() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendRepValue(dst, e, rf)
		}
		return append(dst, ']')
	case fastjson.TypeObject:
		if len(rf.Sub) == 0 {
			return v.MarshalTo(dst)
		}
		dst = append(dst, '{')
		n := 0
		if tn := v.Get("__typename"); tn != nil && rf.Typename {
			dst = append(dst, `"__typename":`...)
			dst = tn.MarshalTo(dst)
			n++
		}
		for _, sub := range rf.Sub {
			sv := v.Get(sub.Source())
			if sv == nil {
				continue
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst = jsonwrite.String(dst, sub.Name)
			dst = append(dst, ':')
			dst = appendRepValue(dst, sv, sub)
		}
		return append(dst, '}')
	}
	return v.MarshalTo(dst)
}

// storeEntities merges an entity fetch's answer into the parents: the
// n-th entity into the parents of the n-th representation. The
// subgraph's errors are filed under the fields they name.
func (l *loader) storeEntities(f *planner.Fetch, j *job) {
	res := j.res
	if res.Raw != nil {
		l.t.parseRaw(res)
	}
	var list []*fastjson.Value
	if res.Value != nil {
		list, _ = res.Value.Get("_entities").Array()
	}
	// Every entity has the same keys: each is made a string once.
	names := map[string]string{}
	for i, group := range j.entities {
		if i >= len(list) || list[i].Type() != fastjson.TypeObject {
			continue
		}
		for _, p := range group {
			mergeObject(p, list[i], names)
		}
	}
	if len(res.Errors) > 0 {
		l.attachEntityErrors(f, j, res.Errors)
	}
}

// mergeObject merges the fields of src into dst, object into object, so
// that what two subgraphs said of one entity stands side by side. names
// interns the keys.
func mergeObject(dst, src *fastjson.Value, names map[string]string) {
	o, _ := src.Object()
	d, err := dst.Object()
	if err != nil {
		return
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		key, ok := names[string(k)]
		if !ok {
			key = string(k)
			names[key] = key
		}
		if ex := d.Get(key); ex != nil {
			switch {
			case ex.Type() == fastjson.TypeObject && v.Type() == fastjson.TypeObject:
				mergeObject(ex, v, names)
				return
			case ex.Type() == fastjson.TypeArray && v.Type() == fastjson.TypeArray:
				a, b := ex.GetArray(), v.GetArray()
				if len(a) == len(b) {
					for i := range a {
						if a[i].Type() == fastjson.TypeObject && b[i].Type() == fastjson.TypeObject {
							mergeObject(a[i], b[i], names)
						} else {
							a[i] = b[i]
						}
					}
					return
				}
			}
		}
		d.Set(key, v)
	})
}

// attachEntityErrors files a subgraph's errors for an entity fetch under
// the fields they name, at each parent of the entity: a path
// ["_entities", n, key, ...] names the n-th representation's parents and
// the field under key; an error without such a path goes, in every
// parent, to the first of the fetch's fields of the parent's type (a
// fetch may have fields of several types).
func (l *loader) attachEntityErrors(f *planner.Fetch, j *job, errs []upstreams.GraphQLError) {
	if l.t.upErrs == nil {
		l.t.upErrs = map[slot][]relError{}
	}
	if len(f.Fields) == 0 {
		// A fetch of fields a representation needs: the fetch that needs
		// them reports its errors (requirements.go).
		l.needErrors(f, j, errs)
		return
	}
	for _, e := range errs {
		parents, field, rel := j.parents, (*planner.Field)(nil), []any(nil)
		if len(e.Path) >= 2 {
			if n, ok := pathIndex(e.Path[1]); ok && n < len(j.entities) {
				parents = j.entities[n]
				if len(e.Path) >= 3 {
					if key, ok := e.Path[2].(string); ok {
						for _, fl := range f.Fields {
							if fl.Key == key {
								field, rel = fl, e.Path[3:]
								break
							}
						}
					}
				}
			}
		}
		for _, p := range parents {
			fl := field
			if fl == nil {
				fl = firstField(f, p)
			}
			s := slot{p, fl.Key}
			l.t.upErrs[s] = append(l.t.upErrs[s], relError{err: e, path: rel, up: f.Upstream, sub: f.Subgraph})
		}
	}
}

// firstField returns the first field fetch resolves for parent p: the
// first of p's type (a fetch may have fields of several), else the first.
func firstField(f *planner.Fetch, p *fastjson.Value) *planner.Field {
	if tn := p.GetStringBytes("__typename"); tn != nil {
		for _, fl := range f.Fields {
			if fl.ParentType == string(tn) {
				return fl
			}
		}
	}
	return f.Fields[0]
}

// pathIndex reads a list index from a GraphQL error path, which JSON
// decoding may have made any number type.
func pathIndex(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	}
	return 0, false
}

// parentType is the concrete type of an entity fetch's parent: its
// __typename, else, for an object from an upstream that does not say it
// (a REST answer), what the abstract type's @typeBy rule tells.
func parentType(p *fastjson.Value, rule *schema.TypeRule) []byte {
	if tn := p.GetStringBytes("__typename"); len(tn) > 0 || rule == nil {
		return tn
	}
	name, _ := ruleType(rule, p)
	return []byte(name)
}
