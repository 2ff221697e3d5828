package resolvers

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// loader runs a plan's fetches and merges their answers into the tree:
// each distinct call once, batches by key, in parallel where the plan
// says, within the request's deadline. A failed call is handed to the
// fallback policy, which may serve a replica's answer, a stale value or a
// static one.
type loader struct {
	e      *Executable
	vars   map[string]any
	header http.Header
	reqID  string
	stats  *Stats
	policy *fallbacks

	// mu guards the tree and calls while fetches run: the value tree
	// (whose reads are not safe concurrently either), its maps and arena.
	mu    sync.Mutex
	t     *tree
	calls map[string]*callState
}

// callState is one distinct call of the request, shared by every item that
// needs it.
type callState struct {
	done chan struct{}
	res  *upstreams.Result
	err  *upstreams.Error
}

// run runs a plan node.
func (l *loader) run(ctx context.Context, n planner.Node) {
	switch n := n.(type) {
	case *planner.Sequence:
		for _, c := range n.Nodes {
			l.run(ctx, c)
		}
	case *planner.Parallel:
		var wg sync.WaitGroup
		for _, c := range n.Nodes[1:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l.run(ctx, c)
			}()
		}
		l.run(ctx, n.Nodes[0])
		wg.Wait()
	case *planner.Fetch:
		l.fetch(ctx, n)
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
	// entities, for an entity fetch's call, are the parents of each
	// representation, in the order they were sent.
	entities [][]*fastjson.Value
}

// binding is the binding whose answer the job holds.
func (j *job) binding(f *planner.Fetch) *schema.Binding {
	if j.alt != nil {
		return j.alt
	}
	return f.Binding
}

// fetch runs one fetch node: one call per distinct request over its parents.
func (l *loader) fetch(ctx context.Context, f *planner.Fetch) {
	for _, c := range f.Conds {
		if !c.Holds(l.vars) {
			return
		}
	}
	up := l.e.opts.Upstreams[f.Upstream]
	var args map[string]any
	if f.Binding != nil && f.Binding.ReadsArgs && len(f.Fields) > 0 && f.Fields[0].AST != nil {
		field := f.Fields[0]
		var aerr *argError
		if args, aerr = arguments(l.e.schema.AST, field.AST, l.vars); aerr != nil {
			l.mu.Lock()
			l.failArgs(f, aerr)
			l.mu.Unlock()
			return
		}
	}

	l.mu.Lock()
	parents := l.parents(f)
	jobs := l.jobs(f, up, args, parents)
	if f.Entity != nil && len(l.t.needs) > 0 {
		jobs = l.relayFetchNeeds(f, jobs)
	}
	l.mu.Unlock()
	if len(jobs) == 0 {
		return
	}
	if f.Batch && l.policy.keepsStale(f) {
		var ak string
		if f.Entity != nil {
			ak = entityCallKey(f, l.vars)
		} else {
			ak = argsKey(args)
		}
		for _, j := range jobs {
			j.argsKey = ak
		}
	}

	sem := make(chan struct{}, l.e.opts.MaxConcurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		if j.err != nil {
			continue
		}
		if len(jobs) == 1 {
			j.res, j.err = l.call(ctx, up, f.Binding, j.call)
			if j.err != nil {
				l.policy.replica(ctx, f, j, l)
			}
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			j.res, j.err = l.call(ctx, up, f.Binding, j.call)
			if j.err != nil {
				l.policy.replica(ctx, f, j, l)
			}
		}()
	}
	wg.Wait()
	l.loadShared(ctx, f, jobs)

	l.mu.Lock()
	defer l.mu.Unlock()
	for _, j := range jobs {
		l.store(f, j)
	}
}

// failArgs files an argument error under every field the fetch resolves,
// for render to report at each one's path. It runs with l.mu held.
func (l *loader) failArgs(f *planner.Fetch, err *argError) {
	if l.t.argErrs == nil {
		l.t.argErrs = map[slot]*argError{}
	}
	for _, p := range l.parents(f) {
		for _, field := range f.Fields {
			l.t.argErrs[slot{p, field.Key}] = err
		}
	}
}

// parents walks the fetch's path from the root and returns the objects it
// resolves a field of.
func (l *loader) parents(f *planner.Fetch) []*fastjson.Value {
	if len(f.Path) == 0 {
		return []*fastjson.Value{l.t.root}
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
				if f.ParentTypes != nil && !hasType(v, f.ParentTypes, f.ParentRule) {
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
	walk(l.t.root, 0)
	return out
}

// hasType reports whether parent v is of one of types, told as render
// tells it (concreteType): by its __typename, else by the rule.
func hasType(v *fastjson.Value, types []string, rule *schema.TypeRule) bool {
	tn := v.GetStringBytes("__typename")
	for _, t := range types {
		if string(tn) == t {
			return true
		}
	}
	if rule != nil && len(tn) == 0 {
		name, _ := ruleType(rule, v)
		return name != "" && slices.Contains(types, name)
	}
	return false
}

// jobs prepares the calls of a fetch over its parents, one per distinct
// request, or one per batch of distinct keys.
func (l *loader) jobs(f *planner.Fetch, up upstreams.Upstream, args map[string]any, parents []*fastjson.Value) []*job {
	if len(parents) == 0 {
		return nil
	}
	newCall := func(scope *tmpl.Scope, batch bool) *upstreams.Call {
		return &upstreams.Call{
			Binding: f.Binding, Scope: scope, Batch: batch, Raw: f.Raw, Operation: f.Operation,
			Variables: l.vars, ClientHeader: l.header, RequestID: l.reqID,
		}
	}
	if up == nil {
		err := upstreams.Errorf(upstreams.CodeUnavailable, f.Upstream, nil, "upstream is not configured")
		return []*job{{parents: parents, err: err}}
	}
	if f.Entity != nil {
		return l.entityJobs(f, up, parents, newCall)
	}
	if f.Batch && len(parents) > 1 {
		return l.batchJobs(f, up, args, parents, newCall)
	}
	if len(parents) == 1 {
		p := parents[0]
		scope := &tmpl.Scope{Args: args, Headers: l.header, Vars: l.e.opts.Vars}
		if p != l.t.root {
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
		scope := &tmpl.Scope{Args: args, Headers: l.header, Vars: l.e.opts.Vars}
		if p != l.t.root {
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
func (l *loader) batchJobs(f *planner.Fetch, up upstreams.Upstream, args map[string]any, parents []*fastjson.Value, newCall func(*tmpl.Scope, bool) *upstreams.Call) []*job {
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
		c := newCall(&tmpl.Scope{Args: args, Parents: reps, Headers: l.header, Vars: l.e.opts.Vars}, true)
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

// prepare builds a call's request under the lock: templates read parents
// in the value tree, which other fetches write.
func (l *loader) prepare(up upstreams.Upstream, c *upstreams.Call) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return up.Prepare(c)
}

// loadShared reads from the shared store the stale values of the fetch's
// failed jobs that this process does not hold, before store serves them
// under the lock. The store is read without the lock, so that a slow one
// holds up this fetch only.
func (l *loader) loadShared(ctx context.Context, f *planner.Fetch, jobs []*job) {
	if !l.policy.shares() {
		return
	}
	l.mu.Lock() // batch keys are read from parents in the value tree
	keys := l.policy.unheld(f, jobs)
	l.mu.Unlock()
	l.policy.loadShared(ctx, keys)
}

// call sends a prepared call, once per request for identical calls.
func (l *loader) call(ctx context.Context, up upstreams.Upstream, b *schema.Binding, c *upstreams.Call) (res *upstreams.Result, err *upstreams.Error) {
	l.mu.Lock()
	if l.calls == nil {
		l.calls = map[string]*callState{}
	}
	if st := l.calls[c.Key]; st != nil {
		l.mu.Unlock()
		select {
		case <-st.done:
			return st.res, st.err
		case <-ctx.Done():
			return nil, upstreams.TransportError(up.Name(), ctx.Err())
		}
	}
	st := &callState{done: make(chan struct{})}
	l.calls[c.Key] = st
	l.mu.Unlock()

	defer func() {
		if p := recover(); p != nil {
			l.e.opts.Log.Error().Str("upstream", up.Name()).Interface("panic", p).Bytes("stack", debug.Stack()).Msg("upstream call panicked")
			res, err = nil, upstreams.Errorf(upstreams.CodeError, up.Name(), fmt.Errorf("panic: %v", p), "internal error")
		}
		st.res, st.err = res, err
		if err == nil && res != nil {
			l.mu.Lock()
			l.t.results = append(l.t.results, res)
			l.mu.Unlock()
		}
		close(st.done)
	}()
	if l.stats != nil {
		l.stats.UpstreamCalls.Add(1)
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
