// Package resolvers runs plans: it implements gqlgen's ExecutableSchema over
// a VirtualService's schema, runs each operation's fetches (in parallel,
// in sequence, batched, each distinct call once), merges the answers into
// one value tree and writes the response once, walking the selection set.
package resolvers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/resolvers/introspection"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// Options tune an Executable.
type Options struct {
	// Upstreams are the upstreams the schema's bindings name.
	Upstreams map[string]upstreams.Upstream
	// Vars are the VirtualService's variables, read by {vars.x}.
	Vars map[string]string
	// PlanCacheSize caps cached plans.
	PlanCacheSize int
	// Plans, when set, is the plan cache to use instead of a new one; it
	// must plan on the same schema. Handing one cache to the Executables
	// of successive snapshots that share a schema keeps its plans across
	// reloads.
	Plans *planner.Cache
	// MaxConcurrency caps the calls one fetch runs at once.
	MaxConcurrency int
	// ExposePlan allows a client to ask for the plan with the header
	// X-Weft-Plan: 1.
	ExposePlan bool
	// MaxDepth, MaxAliases and MaxComplexity bound an operation; zero
	// means no bound. The planner stops at MaxDepth; the others are
	// checked against the cached plan, so they cost nothing per request.
	MaxDepth, MaxAliases, MaxComplexity int
	// MaxIntrospectionBytes bounds the bytes introspection answers may
	// write in one response. Zero means twice the schema's full
	// introspection answer: aliases of __schema, or of its lists, can
	// otherwise ask for the schema any number of times in a small query.
	MaxIntrospectionBytes int
	// MaxSelections bounds the work of planning an operation: the
	// selections it holds once fragments are expanded (see
	// planner.Options). Zero means planner.DefaultMaxSelections.
	MaxSelections int
	// MaxErrors caps the errors of one response (DefaultMaxErrors when
	// zero); past it errors are dropped and one more, TOO_MANY_ERRORS,
	// says how many.
	MaxErrors int
	// Log receives executor problems (panics recovered, say), and what
	// masked upstream errors hid, with the request id.
	Log zerolog.Logger
	// Stale keeps the last good values that stale fallbacks serve; nil
	// makes one of DefaultStaleEntries when the schema has such a
	// fallback. Passing one cache to the Executables of successive
	// schema versions keeps the values across reloads.
	Stale *StaleCache
}

// Executable is the gqlgen ExecutableSchema of one schema version.
type Executable struct {
	schema *schema.Schema
	plans  *planner.Cache
	opts   Options
	// bufs recycles response buffers; see Recycle.
	bufs sync.Pool
	// sizeHint is a recent response's size: a new buffer starts at it
	// rather than growing through every size on the way.
	sizeHint atomic.Int64
	// stale keeps values for stale fallbacks; nil when none serves them.
	stale *StaleCache
	// introspectionMax is the bound on introspection answers, worked out
	// on first use: most schemas are never introspected in production.
	introspectionMax func() int
	// exposed are the upstreams whose errors clients see as they are.
	exposed map[string]bool
}

var _ graphql.ExecutableSchema = (*Executable)(nil)

// New returns the Executable of s.
func New(s *schema.Schema, opts Options) (*Executable, error) {
	if opts.PlanCacheSize <= 0 {
		opts.PlanCacheSize = 1000
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 32
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = DefaultMaxErrors
	}
	plans, err := opts.Plans, error(nil)
	if plans == nil {
		plans, err = planner.NewCache(s, opts.PlanCacheSize, planner.Options{MaxSelections: opts.MaxSelections, MaxDepth: opts.MaxDepth})
	} else if plans.Schema() != s {
		err = errors.New("the plan cache plans on another schema")
	}
	if err != nil {
		return nil, err
	}
	e := &Executable{schema: s, plans: plans, opts: opts, stale: opts.Stale, exposed: exposed(opts.Upstreams)}
	e.introspectionMax = sync.OnceValue(func() int {
		if opts.MaxIntrospectionBytes > 0 {
			return opts.MaxIntrospectionBytes
		}
		full, err := introspection.FullSize(s.AST)
		if err != nil {
			// Every schema answers the full query; should one not, a
			// bound that serves large schemas still stops a runaway.
			opts.Log.Error().Err(err).Msg("introspection bound: falling back to 16 MiB")
			return 16 << 20
		}
		return 2*full + 64<<10
	})
	if e.stale == nil && s.HasStaleFallbacks() {
		if e.stale, err = NewStaleCache(DefaultStaleEntries); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// introspectionLimit returns the bytes introspection answers may write in
// one response.
func (e *Executable) introspectionLimit() int { return e.introspectionMax() }

// Schema returns the schema clients see.
func (e *Executable) Schema() *ast.Schema { return e.schema.AST }

// Plans returns the plan cache.
func (e *Executable) Plans() *planner.Cache { return e.plans }

// Complexity is gqlgen's per-field complexity hook: one plus the children.
// Weft's own limit uses the plan's count instead (MaxComplexity), computed
// once per cached plan rather than per request.
func (e *Executable) Complexity(_ context.Context, _, _ string, childComplexity int, _ map[string]any) (int, bool) {
	return childComplexity + 1, true
}

// Exec runs the operation in ctx's operation context.
func (e *Executable) Exec(ctx context.Context) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	stats := StatsFrom(ctx)
	if stats != nil {
		stats.Operation = opCtx.OperationName
		if opCtx.Operation != nil && stats.Operation == "" {
			stats.Operation = opCtx.Operation.Name
		}
	}
	plan, err := e.plans.Plan(ctx, opCtx.RawQuery, opCtx.Doc, opCtx.OperationName)
	if err != nil {
		return planError(err)
	}
	if e.opts.MaxAliases > 0 && plan.Aliases > e.opts.MaxAliases {
		return requestError("TOO_MANY_ALIASES", "the operation has %d aliases; the limit is %d", plan.Aliases, e.opts.MaxAliases)
	}
	if e.opts.MaxComplexity > 0 && plan.Complexity > e.opts.MaxComplexity {
		return requestError("COMPLEXITY_LIMIT_EXCEEDED", "the operation's complexity is %d; the limit is %d", plan.Complexity, e.opts.MaxComplexity)
	}
	if plan.Introspects && opCtx.DisableIntrospection {
		return requestError("INTROSPECTION_DISABLED", "introspection is disabled for this API")
	}
	if stats != nil {
		stats.Plan = plan
	}
	// Run when gqlgen asks for the response, in the response context it
	// collects extensions from.
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		done = true
		return e.execute(ctx, opCtx, plan, stats)
	}
}

// execute runs a planned operation: the loader fills the tree, the
// renderer writes the response from it, and the fallback policy keeps the
// good values render checked.
func (e *Executable) execute(ctx context.Context, opCtx *graphql.OperationContext, plan *planner.Plan, stats *Stats) *graphql.Response {
	t := newTree()
	defer t.release()
	reqID := requestID(opCtx.Headers)
	policy := &fallbacks{ups: e.opts.Upstreams, stale: e.stale, stats: stats}
	if plan.Tree != nil {
		l := &loader{e: e, vars: opCtx.Variables, header: opCtx.Headers, reqID: reqID, stats: stats, policy: policy, t: t}
		l.run(ctx, plan.Tree)
	}
	errs := &errorSet{max: e.opts.MaxErrors, log: e.opts.Log, reqID: reqID, exposed: e.exposed}
	r := &renderer{e: e, plan: plan, vars: opCtx.Variables, t: t, policy: policy, errs: errs, stats: stats}
	data := r.render(e.buffer())
	policy.remember(t, r.misfits)
	resp := &graphql.Response{Data: data, Errors: errs.finish()}
	// The plan may come from another layout of the operation's text.
	planner.Relocate(resp.Errors, plan, opCtx.RawQuery)
	if e.opts.ExposePlan && opCtx.Headers.Get("X-Weft-Plan") == "1" {
		// gqlgen replaces Response.Extensions with those registered in the
		// context once the handler returns.
		graphql.RegisterExtension(ctx, "queryPlan", json.RawMessage(plan.JSON()))
	}
	if len(r.notes) > 0 {
		graphql.RegisterExtension(ctx, "fallbacks", r.notes)
		if stats != nil {
			stats.FallbackNotes = append(stats.FallbackNotes, r.notes...)
		}
	}
	if stats != nil {
		stats.Errors += len(errs.list) + errs.dropped
	}
	return resp
}

// planError is the response to an operation that could not be planned.
func planError(err error) graphql.ResponseHandler {
	var (
		tooLarge *planner.TooLargeError
		tooDeep  *planner.TooDeepError
	)
	switch {
	case errors.As(err, &tooLarge):
		return requestError("QUERY_TOO_LARGE", "%v", err)
	case errors.As(err, &tooDeep):
		return requestError("QUERY_TOO_DEEP", "%v", err)
	case errors.Is(err, context.DeadlineExceeded):
		return requestError("REQUEST_TIMEOUT", "the request's deadline passed while its operation was planned")
	case errors.Is(err, context.Canceled):
		return requestError("REQUEST_CANCELLED", "the request was cancelled while its operation was planned")
	}
	return requestError("PLAN_FAILED", "%v", err)
}

func requestError(code, format string, args ...any) graphql.ResponseHandler {
	gerr := gqlerror.Errorf(format, args...)
	gerr.Extensions = map[string]any{"code": code}
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{gerr}})
}

func (e *Executable) buffer() []byte {
	if b, ok := e.bufs.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, max(4096, e.sizeHint.Load()))
}

// Recycle takes back a response's data once it is written, so the next
// response reuses its memory. Data must not be used after.
func (e *Executable) Recycle(data []byte) {
	if cap(data) == 0 || cap(data) > 4<<20 {
		return // keep no outsized buffer alive
	}
	e.sizeHint.Store(int64(len(data)))
	data = data[:0]
	e.bufs.Put(&data)
}

// Stats are counters of one request, for the access log.
type Stats struct {
	Operation string
	// Plan is the plan the request ran, once planned: usage recording
	// counts its coordinates.
	Plan *planner.Plan
	// UpstreamCalls counts calls sent (identical calls merged count once).
	UpstreamCalls atomic.Int64
	// Fallbacks counts fields a fallback served; FallbackNotes says which,
	// for metrics.
	Fallbacks     atomic.Int64
	FallbackNotes []FallbackNote
	Errors        int
}

type statsKey struct{}

// WithStats returns a context whose requests count into s.
func WithStats(ctx context.Context, s *Stats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

// StatsFrom returns the request's Stats, or nil.
func StatsFrom(ctx context.Context) *Stats {
	s, _ := ctx.Value(statsKey{}).(*Stats)
	return s
}

// requestID returns the id the HTTP layer gave the request.
func requestID(h http.Header) string { return h.Get("X-Request-Id") }
