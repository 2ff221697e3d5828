package resolvers

import (
	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/jsonscan"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// store merges a job's answer into its parents. It runs with r.mu held.
func (r *request) store(f *planner.Fetch, j *job) {
	if j.err != nil && r.serveFallback(f, j) {
		return
	}
	r.storeAnswer(f, j)
	if j.err == nil {
		if j.served != nil {
			for _, p := range j.parents {
				for _, field := range f.Fields {
					r.noteFallback(slot{p, field.Key}, j.served)
				}
			}
		}
		if len(j.res.Errors) > 0 {
			r.serveGraphQLErrors(f, j)
		}
		r.keepLater(f, j)
	}
}

// storeAnswer merges a job's answer, or records its failure.
func (r *request) storeAnswer(f *planner.Fetch, j *job) {
	if j.err != nil {
		for _, p := range j.parents {
			for _, field := range f.Fields {
				if r.failures == nil {
					r.failures = map[slot]*upstreams.Error{}
				}
				r.failures[slot{p, field.Key}] = j.err
			}
		}
		return
	}
	res := j.res
	if j.call != nil && j.call.Batch {
		r.storeBatch(f, j)
		return
	}
	if res.Raw != nil {
		if f.Raw {
			r.storeRaw(f, j)
			return
		}
		// A call shared with a Raw fetch of the request: this fetch needs
		// the parsed value.
		r.parseRaw(res)
	}
	for _, p := range j.parents {
		for _, field := range f.Fields {
			var v *fastjson.Value
			if res.Value != nil {
				path := field.Result
				if j.alt != nil {
					path = j.alt.Result
				}
				v = r.extract(res.Value, path)
			}
			if v != nil {
				p.Set(field.Key, v)
			}
		}
		if len(res.Errors) > 0 {
			r.attachErrors(f, p, res.Errors)
		}
	}
}

// attachErrors files a GraphQL upstream's errors under the fields they
// belong to, so render reports them at the right response path.
func (r *request) attachErrors(f *planner.Fetch, parent *fastjson.Value, errs []upstreams.GraphQLError) {
	if r.upErrs == nil {
		r.upErrs = map[slot][]relError{}
	}
	for _, e := range errs {
		field := f.Fields[0]
		var rel []any
		if len(e.Path) > 0 {
			if key, ok := e.Path[0].(string); ok {
				for _, fl := range f.Fields {
					if fl.ResponseKey == key {
						field = fl
						rel = e.Path[1:]
						break
					}
				}
			}
		}
		s := slot{parent, field.Key}
		r.upErrs[s] = append(r.upErrs[s], relError{err: e, path: rel, up: f.Upstream})
	}
}

// extract follows a result path; [] steps map the rest of the path over a
// list, building new lists in the arena.
func (r *request) extract(v *fastjson.Value, path schema.Path) *fastjson.Value {
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
			out := r.arena.NewArray()
			for k, item := range items {
				mapped := r.extract(item, path[i+1:])
				if mapped == nil {
					mapped = r.arena.NewNull()
				}
				out.SetArrayItem(k, mapped)
			}
			return out
		}
	}
	return v
}

// storeBatch matches the items of a batch answer to their parents by key.
func (r *request) storeBatch(f *planner.Fetch, j *job) {
	batch := j.binding(f).Batch
	field := f.Fields[0]
	var items []*fastjson.Value
	if j.res.Value != nil {
		if list := r.extract(j.res.Value, batch.Result); list != nil {
			items, _ = list.Array()
		}
	}
	byKey := make(map[string][]*fastjson.Value, len(items))
	for _, it := range items {
		kv := r.extract(it, batch.Key)
		if kv == nil {
			continue
		}
		k := keyText(kv)
		byKey[k] = append(byKey[k], it)
	}
	isList := field.Type.Elem != nil
	for _, p := range j.parents {
		kv := p.Get(batch.ParentKey...)
		if kv == nil {
			continue
		}
		matched := byKey[keyText(kv)]
		if isList {
			arr := r.arena.NewArray()
			for i, it := range matched {
				arr.SetArrayItem(i, it)
			}
			p.Set(field.Key, arr)
		} else if len(matched) > 0 {
			p.Set(field.Key, matched[0])
		}
	}
}

// storeRaw files the bytes of each field's value for render to copy.
func (r *request) storeRaw(f *planner.Fetch, j *job) {
	if r.raws == nil {
		r.raws = make(map[slot][]byte, len(j.parents)*len(f.Fields))
	}
	for _, field := range f.Fields {
		v := rawPath(j.res.Raw, field.Result)
		if v == nil {
			continue
		}
		for _, p := range j.parents {
			r.raws[slot{p, field.Key}] = v
		}
	}
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

// parseRaw gives a raw result a parsed value, kept until the request ends.
func (r *request) parseRaw(res *upstreams.Result) {
	if res.Value != nil {
		return
	}
	p := parsers.Get()
	v, err := p.ParseBytes(rawValueBytes(res.Raw))
	if err != nil {
		parsers.Put(p)
		return
	}
	res.Value = v
	r.parsers = append(r.parsers, p)
}

// rawValueBytes trims a raw result to its first value.
func rawValueBytes(b []byte) []byte {
	end, err := jsonscan.Skip(b, 0)
	if err != nil {
		return b
	}
	return b[:end]
}
