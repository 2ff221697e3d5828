package planner

import (
	"context"
	"errors"
	"fmt"
)

// DefaultMaxSelections is the default of Options.MaxSelections. A large
// hand-written operation (a page's every fragment, on a schema with wide
// unions) expands to a few thousand selections; planning 50,000 takes about
// 15 ms and 8 MB on one core (BenchmarkPlanRefused), so the bound stops an
// operation built to expand without letting it hold the gateway.
const DefaultMaxSelections = 20000

// Options bound the work of planning one operation.
type Options struct {
	// MaxSelections caps the selections (fields, inline fragments and
	// fragment spreads) the planner visits once fragments are expanded:
	// each selection counts once per place in the response it is collected
	// for, and once per concrete type of an abstract one. A fragment spread
	// twice into one selection set counts once, as the spec's
	// CollectFields collects it once. @skip and @include on variables
	// count once per condition they carry down, and a fetch once per level
	// of its path, so that the count follows the planner's work. Zero
	// means DefaultMaxSelections; a negative value means no bound.
	MaxSelections int
	// MaxDepth caps the nesting of fields (a *TooDeepError past it);
	// zero means no bound. It is checked while planning, so an operation
	// too deep is refused before its deepest fields are planned.
	MaxDepth int
}

func (o Options) maxSelections() int {
	switch {
	case o.MaxSelections == 0:
		return DefaultMaxSelections
	case o.MaxSelections < 0:
		return int(^uint(0) >> 1)
	}
	return o.MaxSelections
}

// TooLargeError says an operation expands to more selections than
// Options.MaxSelections allows. The text of such an operation can be small:
// fragments that spread others twice, or aliases that repeat a spread,
// double the work per level.
type TooLargeError struct {
	// Limit is the bound the operation passed.
	Limit int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the operation selects more than %d fields once its fragments are expanded; the limit is %d", e.Limit, e.Limit)
}

// TooDeepError says an operation nests fields deeper than Options.MaxDepth
// allows.
type TooDeepError struct {
	// Limit is the bound the operation passed.
	Limit int
}

func (e *TooDeepError) Error() string {
	return fmt.Sprintf("the operation nests fields more than %d levels deep; the limit is %d", e.Limit, e.Limit)
}

// checkEvery is how many selections the planner visits between looks at
// its context: often enough to stop within a fraction of a millisecond,
// seldom enough to cost nothing.
const checkEvery = 1024

// step counts one visited selection against the budget; see spend.
func (p *planner) step() bool { return p.spend(1) }

// spend counts n units of planning work against the budget (a selection
// visited, a condition copied or compared, a step of a path), and every
// checkEvery units looks whether the request has gone. It returns false
// once planning must stop.
func (p *planner) spend(n int) bool {
	if p.err != nil {
		return false
	}
	before := p.steps
	p.steps += n
	if p.steps > p.maxSteps {
		p.err = &TooLargeError{Limit: p.maxSteps}
		return false
	}
	if before/checkEvery != p.steps/checkEvery {
		if err := p.ctx.Err(); err != nil {
			p.err = fmt.Errorf("planning stopped: %w", err)
			return false
		}
	}
	return true
}

// Cacheable reports whether a planning error is the operation's own, so
// planning it again would fail the same way, rather than the request's
// (its deadline passed or its client went away).
func Cacheable(err error) bool {
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
