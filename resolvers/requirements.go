package resolvers

import (
	"slices"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/upstreams"
)

// Requirements (federation). An entity fetch that only completes
// representations (a key's fields, or fields a later fetch @requires)
// has no field of the client's to report its failure at, and a fetch that
// also has fields reports at them only. What such a fetch could not give
// is kept beside the tree, by the objects it was to complete; the entity
// fetch that needed it reports it at its own fields, in every parent
// whose representation reads those objects, naming the subgraph that
// failed. Apollo Router reports a skipped fetch's error the same way,
// at the client's fields the fetch would have given (its
// UNSATISFIED_FETCH_CONDITION errors), and a subgraph's error on a
// required field at the entity that needed it.
//
// A call that failed leaves the required fields out: the representation
// cannot be built, the later call is not made for that parent, and its
// fields fail with the first failure (its code and subgraph). A subgraph
// that answered errors leaves the fields null: the later call is made
// (the representation carries the null) and the errors are reported at
// its fields besides what it answers. Either way, a fetch that needed the
// fields and has none of the client's passes them on to the fetch that
// needs it in turn.

// needFailure is what a fetch could not give the objects a later fetch's
// representations read.
type needFailure struct {
	fetch *planner.Fetch
	// err is the fetch's failed call; gql, when the subgraph answered,
	// its errors about these objects.
	err *upstreams.Error
	gql relError
}

// needFailed records that fetch f's call failed for parents. It runs with
// l.mu held.
func (l *loader) needFailed(f *planner.Fetch, parents []*fastjson.Value, err *upstreams.Error) {
	if l.t.needs == nil {
		l.t.needs = map[*fastjson.Value][]needFailure{}
	}
	for _, p := range parents {
		l.t.needs[p] = append(l.t.needs[p], needFailure{fetch: f, err: err})
	}
}

// needErrors records the errors a subgraph answered to an entity fetch
// without client fields: an error at ["_entities", n, ...] is about the
// parents of the n-th representation, one without such a path about every
// parent. They are reported at the fields that needed them, not at the
// required field's path, which the client did not select. It runs with
// l.mu held.
func (l *loader) needErrors(f *planner.Fetch, j *job, errs []upstreams.GraphQLError) {
	if l.t.needs == nil {
		l.t.needs = map[*fastjson.Value][]needFailure{}
	}
	for _, e := range errs {
		parents := j.parents
		if len(e.Path) >= 2 {
			if n, ok := pathIndex(e.Path[1]); ok && n < len(j.entities) {
				parents = j.entities[n]
			}
		}
		nf := needFailure{fetch: f, gql: relError{err: e, up: f.Upstream, sub: f.Subgraph}}
		for _, p := range parents {
			l.t.needs[p] = append(l.t.needs[p], nf)
		}
	}
}

// needsOf returns what the fetches f waits for could not give the objects
// the representation of parent p reads: p, and the objects below it that
// the representation's fields hold.
func (l *loader) needsOf(f *planner.Fetch, p *fastjson.Value) []needFailure {
	var out []needFailure
	var visit func(v *fastjson.Value, rep []*planner.RepField)
	visit = func(v *fastjson.Value, rep []*planner.RepField) {
		switch v.Type() {
		case fastjson.TypeArray:
			for _, e := range v.GetArray() {
				visit(e, rep)
			}
		case fastjson.TypeObject:
			for _, nf := range l.t.needs[v] {
				if waitsFor(f, nf.fetch) {
					out = append(out, nf)
				}
			}
			for _, rf := range rep {
				if len(rf.Sub) == 0 {
					continue
				}
				if sv := v.Get(rf.Name); sv != nil {
					visit(sv, rf.Sub)
				}
			}
		}
	}
	if et := f.Entity.TypeFor(p.GetStringBytes("__typename")); et != nil {
		visit(p, et.Rep)
	}
	return out
}

// waitsFor reports whether fetch f runs after fetch x because it needs
// what x gives: x is in f.After, or in the After of one there.
func waitsFor(f, x *planner.Fetch) bool {
	for _, a := range f.After {
		if a == x || waitsFor(a, x) {
			return true
		}
	}
	return false
}

// lackingJobs are the jobs of an entity fetch's parents whose
// representations lack a field (see entityJobs; typeName is the first
// one's type): none is called. A parent
// whose required fields a call failed to give fails with that call's
// failure; one a subgraph answered errors about gets those errors at the
// fetch's fields (or passes them on, for a fetch without client fields);
// one with neither, because an entity was not found, say, fails with an
// error that says a required field is missing. It runs with l.mu held.
func (l *loader) lackingJobs(f *planner.Fetch, lacking []*fastjson.Value, typeName string) []*job {
	var out []*job
	byErr := map[*upstreams.Error]*job{}
	var unknown []*fastjson.Value
	for _, p := range lacking {
		var needs []needFailure
		if len(l.t.needs) > 0 {
			needs = l.needsOf(f, p)
		}
		switch cause := causeOf(needs); {
		case cause != nil:
			out = failedBy(out, byErr, cause, p)
		case len(needs) > 0:
			l.relayNeeds(f, p, needs)
		default:
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		err := upstreams.Errorf(upstreams.CodeError, fetchUpstream(f), nil, "cannot fetch %s from subgraph %s: the object has no value for a field its representation needs (its key's, or one the subgraph requires)", typeName, f.Subgraph)
		out = append(out, &job{parents: unknown, err: err})
	}
	return out
}

// relayFetchNeeds deals, for an entity fetch about to be called, with
// what its representations read that earlier fetches could not give. A
// parent whose representation reads objects a failed call was to
// complete (a required field below the top, which the representation
// leaves out) is taken out of its job, whose answer would be computed
// without it, and fails with that call's failure. The errors subgraphs
// answered about what a representation reads (the fields null) are
// reported at the fetch's fields beside its answer. It returns the jobs,
// those failures added, and runs with l.mu held when some fetch recorded
// a failure.
func (l *loader) relayFetchNeeds(f *planner.Fetch, jobs []*job) []*job {
	out := jobs[:0:0]
	byErr := map[*upstreams.Error]*job{}
	var failed []*job
	for _, j := range jobs {
		if j.call == nil {
			out = append(out, j)
			continue
		}
		var cut map[*fastjson.Value]bool
		for _, p := range j.parents {
			needs := l.needsOf(f, p)
			if cause := causeOf(needs); cause != nil {
				if cut == nil {
					cut = map[*fastjson.Value]bool{}
				}
				cut[p] = true
				failed = failedBy(failed, byErr, cause, p)
				continue
			}
			if len(needs) > 0 {
				l.relayNeeds(f, p, needs)
			}
		}
		if cut == nil {
			out = append(out, j)
			continue
		}
		j.parents = slices.DeleteFunc(j.parents, func(p *fastjson.Value) bool { return cut[p] })
		for i, g := range j.entities {
			j.entities[i] = slices.DeleteFunc(g, func(p *fastjson.Value) bool { return cut[p] })
		}
		if len(j.parents) > 0 {
			out = append(out, j)
		}
	}
	return append(out, failed...)
}

// causeOf returns the first failed call among needs, or nil.
func causeOf(needs []needFailure) *upstreams.Error {
	for _, nf := range needs {
		if nf.err != nil {
			return nf.err
		}
	}
	return nil
}

// failedBy adds parent p to the job that fails with cause, one job per
// cause.
func failedBy(jobs []*job, byErr map[*upstreams.Error]*job, cause *upstreams.Error, p *fastjson.Value) []*job {
	j := byErr[cause]
	if j == nil {
		j = &job{err: cause}
		byErr[cause] = j
		jobs = append(jobs, j)
	}
	j.parents = append(j.parents, p)
	return jobs
}

// relayNeeds files the errors subgraphs answered about what parent p's
// representation reads under f's fields of p, where render reports them,
// or, when f has no client field, passes them on to the fetch that needs
// f in turn. It runs with l.mu held.
func (l *loader) relayNeeds(f *planner.Fetch, p *fastjson.Value, needs []needFailure) {
	if len(f.Fields) == 0 {
		for _, nf := range needs {
			l.t.needs[p] = append(l.t.needs[p], needFailure{fetch: f, err: nf.err, gql: nf.gql})
		}
		return
	}
	if l.t.upErrs == nil {
		l.t.upErrs = map[slot][]relError{}
	}
	for _, field := range f.Fields {
		s := slot{p, field.Key}
		for _, nf := range needs {
			if nf.err == nil {
				l.t.upErrs[s] = append(l.t.upErrs[s], nf.gql)
			}
		}
	}
}
