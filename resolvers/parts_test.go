package resolvers

import (
	"github.com/weft-gateway/weft/planner"
)

// parts are one operation's loader, fallback policy and renderer over one
// tree, built as Executable.execute builds them, for tests that drive
// them one at a time.
type parts struct {
	t      *tree
	l      *loader
	policy *fallbacks
	r      *renderer
	errs   *errorSet
}

func newParts(e *Executable, p *planner.Plan, vars map[string]any) *parts {
	t := newTree()
	policy := &fallbacks{ups: e.opts.Upstreams, stale: e.stale}
	errs := &errorSet{max: e.opts.MaxErrors, log: e.opts.Log, exposed: e.exposed}
	return &parts{
		t:      t,
		l:      &loader{e: e, vars: vars, policy: policy, t: t},
		policy: policy,
		r:      &renderer{e: e, plan: p, vars: vars, t: t, policy: policy, errs: errs},
		errs:   errs,
	}
}
