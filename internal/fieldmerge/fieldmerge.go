package fieldmerge

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Name is the rule's name: the name of the gqlparser rule it replaces, so
// that (*rules.Rules).ReplaceRule swaps it in and errors carry the same
// Rule field as before.
const Name = "OverlappingFieldsCanBeMerged"

// MaxConflicts bounds the conflicts (pairs of fields) one document reports.
// Past it the document is invalid many times over and the rest of the check
// would only cost time; an error that groups several subfield conflicts
// counts each of them.
const MaxConflicts = 100

// MaxSteps bounds the work spent on one document, counted in fields placed
// in merged field sets and fields compared. Documents written by people and
// tools take 5 to 15 steps per field; the bound is there for documents
// built so that merging their fragments keeps producing new field sets,
// which no memo collapses (see the package documentation). Past it the
// document is rejected with one error saying so.
const MaxSteps = 1_000_000

// MaxDepth bounds how deep the check follows merged subfields. Only fragment
// cycles, themselves an error, make the check deeper than the document.
const MaxDepth = 10_000

// Rule returns the validation rule, to pass to rules.NewRules or, by its
// Name and RuleFunc, to (*rules.Rules).ReplaceRule.
func Rule() core.Rule {
	return core.Rule{Name: Name, RuleFunc: RuleFunc}
}

// DefaultRules returns gqlparser's default rule set with this rule in place
// of gqlparser's OverlappingFieldsCanBeMerged, for
// (*handler.Server).SetValidationRulesFn.
func DefaultRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.ReplaceRule(Name, RuleFunc)
	return r
}

// RuleFunc is the rule's core.RuleFunc. gqlparser calls it once per
// validation, so the state it keeps lives for one document.
//
// Each operation and each fragment definition is checked when the walker
// leaves it, which is when the walker has resolved the definitions of every
// field it reaches. Field sets already checked from an earlier root are not
// checked again, and no pair of fields is reported twice.
func RuleFunc(observers *core.Events, addError core.AddErrFunc) {
	var c *checker
	get := func(w *core.Walker) *checker {
		if c == nil {
			c = newChecker(w.Schema, w.Document, addError)
		}
		return c
	}
	observers.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
		get(w).checkRoot(op.SelectionSet, nil, op.Position)
	})
	observers.OnFragment(func(w *core.Walker, def *ast.FragmentDefinition) {
		get(w).checkRoot(def.SelectionSet, def, def.Position)
	})
}
