package resolvers

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

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
}

// request is the state of one operation's execution.
type request struct {
	e      *Executable
	plan   *planner.Plan
	vars   map[string]any
	header http.Header
	reqID  string
	stats  *Stats

	// mu guards everything below while fetches run: the value tree (whose
	// reads are not safe concurrently either), the maps and the arena.
	mu       sync.Mutex
	arena    *fastjson.Arena
	root     *fastjson.Value
	results  []*upstreams.Result
	failures map[slot]*upstreams.Error
	// argErrs are the fields whose arguments could not be evaluated:
	// nothing was called for them.
	argErrs map[slot]*argError
	upErrs  map[slot][]relError
	// fallbacks are the slots a fallback served.
	fallbacks map[slot]*note
	// fallbackNotes are those render reached, for extensions.fallbacks.
	fallbackNotes []FallbackNote
	// kept are the good answers whose values stale fallbacks keep, once
	// render has checked them.
	kept []keptJob
	// misfits are the slots whose values render found did not fit their
	// type; bad counts such findings below the fetched field being
	// rendered.
	misfits map[slot]bool
	bad     int
	// raws hold fetched values as answer bytes, for Raw fetches.
	raws  map[slot][]byte
	calls map[string]*callState
	// parsers hold values parsed from raw results another fetch needed.
	parsers []*fastjson.Parser

	// errs are the response's errors, written by render; errPaths and
	// errKeys index them by path, and by path, code and message.
	errs     gqlerror.List
	errPaths map[string]bool
	errKeys  map[string]bool
	// dropped counts the errors left out past the cap (Options.MaxErrors).
	dropped int
	// loggedCalls are the failed calls whose masked detail is logged;
	// logLines counts the log lines about masked errors, and unlogged
	// those left out past maxLoggedFailures.
	loggedCalls        map[*upstreams.Error]bool
	logLines, unlogged int
	path               []pathSeg
	// introspected counts the bytes introspection answers wrote, which
	// the Executable bounds per request.
	introspected int
}

// callState is one distinct call of the request, shared by every item that
// needs it.
type callState struct {
	done chan struct{}
	res  *upstreams.Result
	err  *upstreams.Error
}

var (
	arenas  fastjson.ArenaPool
	parsers fastjson.ParserPool
)

func newRequest(e *Executable, plan *planner.Plan, opCtx *graphql.OperationContext, stats *Stats) *request {
	r := &request{e: e, plan: plan, vars: opCtx.Variables, header: opCtx.Headers, stats: stats}
	r.reqID = requestID(opCtx.Headers)
	r.arena = arenas.Get()
	r.root = r.arena.NewObject()
	return r
}

// release returns the memory of the upstream answers and the arena.
func (r *request) release() {
	for _, res := range r.results {
		res.Release()
	}
	r.results = nil
	for _, p := range r.parsers {
		parsers.Put(p)
	}
	r.parsers = nil
	r.arena.Reset()
	arenas.Put(r.arena)
	r.arena = nil
}

// run runs a plan node.
func (r *request) run(ctx context.Context, n planner.Node) {
	switch n := n.(type) {
	case *planner.Sequence:
		for _, c := range n.Nodes {
			r.run(ctx, c)
		}
	case *planner.Parallel:
		var wg sync.WaitGroup
		for _, c := range n.Nodes[1:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.run(ctx, c)
			}()
		}
		r.run(ctx, n.Nodes[0])
		wg.Wait()
	case *planner.Fetch:
		r.fetch(ctx, n)
	}
}

// job is one call of a fetch and the parents it answers.
type job struct {
	call    *upstreams.Call
	parents []*fastjson.Value
	err     *upstreams.Error
	res     *upstreams.Result
	// served is the fallback that answered instead (a replica), if any.
	served *note
	// argsKey tells a batch call's stale values apart by the field's
	// arguments (see callKey).
	argsKey string
	// alt is the field's second binding when it answered instead: its
	// result paths read the answer.
	alt *schema.Binding
}

// binding is the binding whose answer the job holds.
func (j *job) binding(f *planner.Fetch) *schema.Binding {
	if j.alt != nil {
		return j.alt
	}
	return f.Binding
}

// fetch runs one fetch node: one call per distinct request over its parents.
func (r *request) fetch(ctx context.Context, f *planner.Fetch) {
	for _, c := range f.Conds {
		if !c.Holds(r.vars) {
			return
		}
	}
	up := r.e.opts.Upstreams[f.Upstream]
	field := f.Fields[0]
	var args map[string]any
	if field.AST != nil && f.Binding != nil && f.Binding.ReadsArgs {
		var aerr *argError
		if args, aerr = arguments(r.e.schema.AST, field.AST, r.vars); aerr != nil {
			r.mu.Lock()
			r.failArgs(f, aerr)
			r.mu.Unlock()
			return
		}
	}

	r.mu.Lock()
	parents := r.parents(f)
	jobs := r.jobs(f, up, args, parents)
	r.mu.Unlock()
	if len(jobs) == 0 {
		return
	}
	if f.Batch && f.Binding.Fallback != nil && f.Binding.Fallback.Stale > 0 {
		ak := argsKey(args)
		for _, j := range jobs {
			j.argsKey = ak
		}
	}

	sem := make(chan struct{}, r.e.opts.MaxConcurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		if j.err != nil {
			continue
		}
		if len(jobs) == 1 {
			j.res, j.err = r.call(ctx, up, f.Binding, j.call)
			if j.err != nil {
				r.replica(ctx, f, j)
			}
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			j.res, j.err = r.call(ctx, up, f.Binding, j.call)
			if j.err != nil {
				r.replica(ctx, f, j)
			}
		}()
	}
	wg.Wait()
	r.loadShared(ctx, f, jobs)

	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range jobs {
		r.store(f, j)
	}
}

// failArgs files an argument error under every field the fetch resolves,
// for render to report at each one's path. It runs with r.mu held.
func (r *request) failArgs(f *planner.Fetch, err *argError) {
	if r.argErrs == nil {
		r.argErrs = map[slot]*argError{}
	}
	for _, p := range r.parents(f) {
		for _, field := range f.Fields {
			r.argErrs[slot{p, field.Key}] = err
		}
	}
}

// parents walks the fetch's path from the root and returns the objects it
// resolves a field of.
func (r *request) parents(f *planner.Fetch) []*fastjson.Value {
	if len(f.Path) == 0 {
		return []*fastjson.Value{r.root}
	}
	var out []*fastjson.Value
	var walk func(v *fastjson.Value, i int)
	walk = func(v *fastjson.Value, i int) {
		switch v.Type() {
		case fastjson.TypeArray:
			for _, e := range v.GetArray() {
				walk(e, i)
			}
		case fastjson.TypeObject:
			if i == len(f.Path) {
				if f.ParentTypes != nil && !hasType(v, f.ParentTypes) {
					return
				}
				out = append(out, v)
				return
			}
			if next := v.Get(f.Path[i]); next != nil {
				walk(next, i+1)
			}
		}
	}
	walk(r.root, 0)
	return out
}

func hasType(v *fastjson.Value, types []string) bool {
	tn := v.GetStringBytes("__typename")
	for _, t := range types {
		if string(tn) == t {
			return true
		}
	}
	return false
}

// jobs prepares the calls of a fetch over its parents, one per distinct
// request, or one per batch of distinct keys.
func (r *request) jobs(f *planner.Fetch, up upstreams.Upstream, args map[string]any, parents []*fastjson.Value) []*job {
	if len(parents) == 0 {
		return nil
	}
	newCall := func(scope *tmpl.Scope, batch bool) *upstreams.Call {
		return &upstreams.Call{
			Binding: f.Binding, Scope: scope, Batch: batch, Raw: f.Raw, Operation: f.Operation,
			Variables: r.vars, ClientHeader: r.header, RequestID: r.reqID,
		}
	}
	if up == nil {
		err := upstreams.Errorf(upstreams.CodeUnavailable, f.Upstream, nil, "upstream is not configured")
		return []*job{{parents: parents, err: err}}
	}
	if f.Batch && len(parents) > 1 {
		return r.batchJobs(f, up, args, parents, newCall)
	}
	if len(parents) == 1 {
		p := parents[0]
		scope := &tmpl.Scope{Args: args, Headers: r.header, Vars: r.e.opts.Vars}
		if p != r.root {
			scope.Parent = p
		}
		c := newCall(scope, false)
		if err := up.Prepare(c); err != nil {
			return []*job{{parents: parents, err: asUpstreamError(f.Upstream, err)}}
		}
		return []*job{{call: c, parents: parents}}
	}
	var out []*job
	byKey := make(map[string]*job, len(parents))
	for _, p := range parents {
		scope := &tmpl.Scope{Args: args, Headers: r.header, Vars: r.e.opts.Vars}
		if p != r.root {
			scope.Parent = p
		}
		c := newCall(scope, false)
		if err := up.Prepare(c); err != nil {
			out = append(out, &job{parents: []*fastjson.Value{p}, err: asUpstreamError(f.Upstream, err)})
			continue
		}
		if j := byKey[c.Key]; j != nil {
			j.parents = append(j.parents, p)
			continue
		}
		j := &job{call: c, parents: []*fastjson.Value{p}}
		byKey[c.Key] = j
		out = append(out, j)
	}
	return out
}

// batchJobs groups parents by their key value and makes one call per
// chunk of distinct keys.
func (r *request) batchJobs(f *planner.Fetch, up upstreams.Upstream, args map[string]any, parents []*fastjson.Value, newCall func(*tmpl.Scope, bool) *upstreams.Call) []*job {
	batch := f.Binding.Batch
	var keys []string
	byKey := map[string][]*fastjson.Value{}
	var out []*job
	for _, p := range parents {
		kv := p.Get(batch.ParentKey...)
		if kv == nil || kv.Type() == fastjson.TypeNull {
			out = append(out, &job{parents: []*fastjson.Value{p}, err: upstreams.Errorf(upstreams.CodeBadRequest, f.Upstream, nil, "parent has no %v to batch by", batch.ParentKey)})
			continue
		}
		k := keyText(kv)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], p)
	}
	for start := 0; start < len(keys); start += batch.MaxSize {
		end := min(start+batch.MaxSize, len(keys))
		reps := make([]*fastjson.Value, 0, end-start)
		var members []*fastjson.Value
		for _, k := range keys[start:end] {
			reps = append(reps, byKey[k][0])
			members = append(members, byKey[k]...)
		}
		c := newCall(&tmpl.Scope{Args: args, Parents: reps, Headers: r.header, Vars: r.e.opts.Vars}, true)
		if err := up.Prepare(c); err != nil {
			out = append(out, &job{parents: members, err: asUpstreamError(f.Upstream, err)})
			continue
		}
		out = append(out, &job{call: c, parents: members})
	}
	return out
}

// keyText is the text a batch key is matched by: strings unquoted, other
// values as JSON.
func keyText(v *fastjson.Value) string {
	if v.Type() == fastjson.TypeString {
		return string(v.GetStringBytes())
	}
	return v.String()
}

func asUpstreamError(name string, err error) *upstreams.Error {
	if ue, ok := err.(*upstreams.Error); ok {
		return ue
	}
	return upstreams.Errorf(upstreams.CodeBadRequest, name, err, "%v", err)
}

// call sends a prepared call, once per request for identical calls.
func (r *request) call(ctx context.Context, up upstreams.Upstream, b *schema.Binding, c *upstreams.Call) (res *upstreams.Result, err *upstreams.Error) {
	r.mu.Lock()
	if r.calls == nil {
		r.calls = map[string]*callState{}
	}
	if st := r.calls[c.Key]; st != nil {
		r.mu.Unlock()
		select {
		case <-st.done:
			return st.res, st.err
		case <-ctx.Done():
			return nil, upstreams.TransportError(up.Name(), ctx.Err())
		}
	}
	st := &callState{done: make(chan struct{})}
	r.calls[c.Key] = st
	r.mu.Unlock()

	defer func() {
		if p := recover(); p != nil {
			r.e.opts.Log.Error().Str("upstream", up.Name()).Interface("panic", p).Bytes("stack", debug.Stack()).Msg("upstream call panicked")
			res, err = nil, upstreams.Errorf(upstreams.CodeError, up.Name(), fmt.Errorf("panic: %v", p), "internal error")
		}
		st.res, st.err = res, err
		if err == nil && res != nil {
			r.mu.Lock()
			r.results = append(r.results, res)
			r.mu.Unlock()
		}
		close(st.done)
	}()
	if r.stats != nil {
		r.stats.UpstreamCalls.Add(1)
	}
	cctx := ctx
	if b != nil && b.Timeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, b.Timeout)
		defer cancel()
	}
	out, e := up.Do(cctx, c)
	if e != nil {
		return nil, asUpstreamError(up.Name(), e)
	}
	return out, nil
}
