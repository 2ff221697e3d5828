package resolvers

import (
	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/upstreams"
)

// store merges a job's answer into its parents, or hands its failure to
// the fallback policy. It runs with l.mu held.
func (l *loader) store(f *planner.Fetch, j *job) {
	if j.err != nil && f.Entity != nil {
		// Later fetches may need what it was to give the parents.
		l.needFailed(f, j.parents, j.err)
	}
	if j.err != nil && l.policy.serveFailed(l.t, f, j) {
		return
	}
	l.storeAnswer(f, j)
	if j.err == nil {
		if j.served != nil {
			l.policy.noteReplica(l.t, f, j)
		}
		if len(j.res.Errors) > 0 {
			l.policy.serveGraphQLErrors(l.t, f, j)
		}
		l.policy.keepLater(f, j)
	}
}

// storeAnswer merges a job's answer, or records its failure.
func (l *loader) storeAnswer(f *planner.Fetch, j *job) {
	if j.err != nil {
		for _, p := range j.parents {
			for _, field := range f.Fields {
				l.t.fail(slot{p, field.Key}, j.err)
			}
		}
		return
	}
	res := j.res
	if f.Entity != nil {
		l.storeEntities(f, j)
		return
	}
	if j.call != nil && j.call.Batch {
		l.storeBatch(f, j)
		return
	}
	if res.Raw != nil {
		if f.Raw {
			l.storeRaw(f, j)
			return
		}
		// A call shared with a Raw fetch of the request: this fetch needs
		// the parsed value.
		l.t.parseRaw(res)
	}
	for _, p := range j.parents {
		for _, field := range f.Fields {
			var v *fastjson.Value
			if res.Value != nil {
				path := field.Result
				if j.alt != nil {
					path = j.alt.Result
				}
				v = l.t.extract(res.Value, path)
			}
			if v != nil {
				p.Set(field.Key, v)
			}
		}
		if len(res.Errors) > 0 {
			l.attachErrors(f, p, res.Errors)
		}
	}
}

// attachErrors files a GraphQL upstream's errors under the fields they
// belong to, so render reports them at the right response path.
func (l *loader) attachErrors(f *planner.Fetch, parent *fastjson.Value, errs []upstreams.GraphQLError) {
	if l.t.upErrs == nil {
		l.t.upErrs = map[slot][]relError{}
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
		l.t.upErrs[s] = append(l.t.upErrs[s], relError{err: e, path: rel, up: f.Upstream, sub: f.Subgraph})
	}
}

// storeBatch matches the items of a batch answer to their parents by key.
func (l *loader) storeBatch(f *planner.Fetch, j *job) {
	batch := j.binding(f).Batch
	field := f.Fields[0]
	var items []*fastjson.Value
	if j.res.Value != nil {
		if list := l.t.extract(j.res.Value, batch.Result); list != nil {
			items, _ = list.Array()
		}
	}
	byKey := make(map[string][]*fastjson.Value, len(items))
	for _, it := range items {
		kv := l.t.extract(it, batch.Key)
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
			arr := l.t.arena.NewArray()
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
func (l *loader) storeRaw(f *planner.Fetch, j *job) {
	if l.t.raws == nil {
		l.t.raws = make(map[slot][]byte, len(j.parents)*len(f.Fields))
	}
	for _, field := range f.Fields {
		v := rawPath(j.res.Raw, field.Result)
		if v == nil {
			continue
		}
		for _, p := range j.parents {
			l.t.raws[slot{p, field.Key}] = v
		}
	}
}
