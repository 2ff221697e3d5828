// Package fieldmerge is a gqlparser validation rule for the spec's Field
// Selection Merging (FieldsInSetCanMerge), to use in place of gqlparser's
// OverlappingFieldsCanBeMerged.
//
// # Why
//
// gqlparser's rule follows graphql-js: it compares every pair of fields that
// share a response name, and every pair of fragments spread together. That
// is quadratic in the size of a document, and the gateway's token limit does
// not stop it: on the machine of the measurements below, gqlparser v2.5.64
// checks
//
//	{ products { name name ... } }                 3000 names: 0.7 s, 9990 (10,000 tokens): 6.2 s
//	{ products { reviews { rating } ... } }        1500 times: 0.3 s, 2495: 0.9 s
//	{ products { ...F1 ...F2 ... } }, Fi { name }  700 fragments: 0.2 s, 1100: 0.6 s
//
// That is seconds of CPU for a request of 30 KB: a denial of service. This
// rule checks the same documents in 1 to 3 ms.
//
// # How
//
// The rule uses the set-based algorithm of Sangria and graphql-java ("GraphQL
// Overlapping Fields Can Be Merged Fast", tech.xing.com, 2019). A field set
// is collected from a selection set with its inline fragments and, once per
// set, its fragment spreads; its fields are grouped by response name. Each
// group is checked twice:
//
//   - for the same response shape, all of it: the fields' types have the same
//     list and non-null wrappers around the same scalar or enum (or around
//     composite types), then the same check on the group's merged
//     subselections, by response name;
//   - for the same field name and arguments, in parts: the fields on one
//     object type together with those on interfaces and unions, one part per
//     object type (fields on two different object types never apply to the
//     same object); then the same check on each part's merged subselections.
//
// Within a group, fields are compared by key (their shape, or their name and
// arguments), so a group of any size costs its size when its fields agree.
// Each check is memoized by the set of fields it was given, whatever path or
// aliases reached it, so fragments spread in many places, or nested so that
// they double at every level, are checked once.
//
// Each operation and each fragment definition is a root. Fields whose parent
// type is unknown are left out of every comparison, as in gqlparser, and their
// own selection sets are checked as roots.
//
// # Errors
//
// Errors read as graphql-js's: `Fields "x" conflict because "a" and "b" are
// different fields`, `... because they have differing arguments`, `...
// because they return conflicting types "Int" and "String!"`, and for
// subfields `Fields "f" conflict because subfields "x" conflict because ...`,
// with the locations of both sides' fields, down to the conflicting pair. A
// pair is reported within the nearest selection set that holds both sides
// (or their ancestors), as graphql-js reports it, and not below a pair that
// conflicts itself. On graphql-js's test suite (testdata) the rule reports
// the same errors, messages and locations as graphql-js.
//
// Where it differs from graphql-js and gqlparser:
//
//   - No pair of fields is reported twice: graphql-js reports a conflict in an
//     inline fragment once for the fragment and once for the selection set
//     around it, and gqlparser reports a conflict inside a fragment once for
//     each operation spreading it. Errors come in document order.
//   - At most MaxConflicts conflicting pairs are reported per document.
//   - Two fields on different object types are mutually exclusive only when
//     the schema defines both fields (gqlparser's reading, which this rule
//     keeps so that the two agree on what is valid); graphql-js needs only
//     the object types.
//   - A document whose merged field sets keep changing with the path to them
//     takes more checks than its size: the sets are subsets of the fields, so
//     a crafted document can reach exponentially many (see
//     branchingFragments in the tests: 40 levels of fragments with 20 chains
//     spread into them, 2.5 KB). Past MaxSteps (about 20 ms) or MaxDepth the
//     document is rejected with one error saying so, where graphql-js and
//     gqlparser, comparing pairs, accept it. Its merged response shape has
//     that many distinct paths; documents people or tools write take 5 to 15
//     steps per field.
//   - gqlparser's rule misses conflicts with fields that follow a field in a
//     fragment that spreads itself, because its walker has not resolved them
//     yet when it checks that field, and conflicts in the nested selection
//     sets of a fragment no operation spreads; this rule checks once the
//     walker is done, every fragment, and reports them. Such documents are
//     invalid anyway (NoFragmentCycles, NoUnusedFragments).
//
// # Use
//
// With gqlgen, whose executor keeps the rule when it swaps its suggestion
// rules:
//
//	srv.SetValidationRulesFn(fieldmerge.DefaultRules)
//
// or, starting from another rule set r, r.ReplaceRule(fieldmerge.Name,
// fieldmerge.RuleFunc).
//
// # Measurements
//
// BenchmarkRule, each rule alone, validating a parsed document (the walker's
// own cost included: 0.9 ms of the 3.0 ms for name x9990); go1.26, the best
// of four runs on two cores of a shared virtual machine, gqlparser's slow
// cases over three iterations:
//
//	document             gqlparser's rule                     this rule
//	name x3000             682 ms  108 MB  4,498,555 allocs   0.94 ms 0.51 MB     85 allocs
//	name x9990            6199 ms 1198 MB 49,895,112 allocs   3.0 ms  1.7 MB     117 allocs
//	reviews x1500          323 ms   55 MB  2,257,567 allocs   1.4 ms  0.56 MB    114 allocs
//	reviews x2495          892 ms  151 MB  6,237,578 allocs   2.2 ms  0.94 MB    142 allocs
//	fragments x700         202 ms   45 MB    261,562 allocs   0.65 ms 0.41 MB    854 allocs
//	fragments x1100        609 ms  136 MB    636,485 allocs   1.7 ms  0.71 MB  1,291 allocs
//	doubling 15 levels    0.08 ms   38 KB        417 allocs   0.08 ms  30 KB     174 allocs
//	doubling 40 levels    0.59 ms  148 KB      1,124 allocs   0.48 ms 115 KB     439 allocs
//	branching 12 x 6      0.33 ms   69 KB        715 allocs   0.89 ms 172 KB   1,334 allocs
//	branching 40 x 20     3.8 ms   654 KB      4,223 allocs   19 ms   1.9 MB  14,541 allocs, rejected
//	introspection         0.03 ms   20 KB        291 allocs   0.04 ms  27 KB     125 allocs
//
// The x9990, x2495 and x1100 documents are just under the gateway's default
// limit of 10,000 tokens.
package fieldmerge
