package fieldmerge_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/weft-gateway/weft/internal/fieldmerge"
)

// fuzzSchema has what field merging depends on: interfaces and a union
// whose members share field names with different types (size: Int and
// String, name: String and String!), lists and non-null lists, arguments
// with scalar, enum, list and input object values, and nesting.
const fuzzSchema = `
interface Node { id: ID! name: String }
interface Named { name: String }
type Product implements Node & Named {
  id: ID!
  name: String
  size: Int
  price(currency: Currency, round: Boolean): Float
  reviews(first: Int, filter: Filter): [Review]
  related: [Product!]
  owner: Owner
}
type Review implements Node {
  id: ID!
  name: String
  rating: Int
  author: User
  product: Product
}
type User implements Node & Named {
  id: ID!
  name: String!
  size: String
  reviews(first: Int, filter: Filter): [Review!]!
  friends: [User]
  owner: Owner
}
type Shop implements Named {
  name: String
  size: Int
  products(first: Int, filter: Filter): [Product]
  owner: Owner
}
union Owner = User | Shop
input Filter { min: Int, tags: [String], nested: Filter }
enum Currency { EUR USD }
type Query {
  node(id: ID): Node
  named: Named
  owner: Owner
  products(first: Int, filter: Filter): [Product]
  me: User
}
`

// gen writes a random document over fuzzSchema, reading its choices from
// the fuzzer's bytes (then from a PRNG seeded by them), so that the fuzzer
// can steer it while every input still makes a document.
type gen struct {
	schema *ast.Schema
	in     []byte
	rng    *rand.Rand
	b      strings.Builder
	frags  []genFragment
	// current is the fragment being written, -1 in the operation: a
	// fragment spreads only later ones unless cycles are allowed.
	current int
	cycles  bool
	cyclic  bool
}

type genFragment struct{ name, on string }

func (g *gen) pick(n int) int {
	if n <= 1 {
		return 0
	}
	if len(g.in) > 0 {
		v := int(g.in[0])
		g.in = g.in[1:]
		return v % n
	}
	return g.rng.IntN(n)
}

func (g *gen) chance(percent int) bool { return g.pick(100) < percent }

// The generator's vocabulary: aliases that collide with field names, type
// conditions including an unknown type, argument values that are equal
// written differently (input object fields in another order) or not, and
// field names selected where the type may not have them.
const (
	aliasList      = "a b name size id x"
	typeNameList   = "Product Review User Shop Node Named Owner Unknown"
	strayFieldList = "name size id missing reviews"
)

func argValues() []string {
	return []string{"1", "2", `"t"`, "EUR", "USD", "true", "false", "null", "[1, 2]", `["a", "b"]`, "{min: 1}", "{min: 2}", `{tags: ["a"], min: 1}`, `{min: 1, tags: ["a"]}`, "{nested: {min: 1}}", "$v"}
}

func (g *gen) word(list string) string {
	words := strings.Fields(list)
	return words[g.pick(len(words))]
}

func newGen(schema *ast.Schema, in []byte) *gen {
	var seed [2]uint64
	for i, c := range in {
		seed[i%2] = seed[i%2]*131 + uint64(c)
	}
	return &gen{schema: schema, in: in, rng: rand.New(rand.NewPCG(seed[0], seed[1]))}
}

func (g *gen) document() string {
	n := g.pick(4)
	for i := range n {
		g.frags = append(g.frags, genFragment{name: fmt.Sprintf("F%d", i), on: g.word(typeNameList)})
	}
	var ops []string
	var op strings.Builder
	g.b.Reset()
	g.current = -1
	g.selectionSet(g.schema.Query, 0)
	op.WriteString("query Q($v: Int) ")
	op.WriteString(g.b.String())
	ops = append(ops, op.String())
	var defs []string
	for i, f := range g.frags {
		g.b.Reset()
		g.current = i
		g.selectionSet(g.schema.Types[f.on], 1)
		defs = append(defs, fmt.Sprintf("fragment %s on %s %s", f.name, f.on, g.b.String()))
	}
	doc := strings.Join(append(ops, defs...), "\n")
	// gqlparser's rule checks the fields nested in a fragment only when an
	// operation reaches it, and an unused fragment is an error of its own
	// (NoUnusedFragments): spread the fragments no operation reaches at
	// the root, so that both rules see every fragment's fields.
	if missing := g.unreached(doc); len(missing) > 0 {
		doc = strings.Replace(doc, "query Q($v: Int) {", "query Q($v: Int) { ..."+strings.Join(missing, " ..."), 1)
	}
	return doc
}

// unreached lists the fragments the operation does not reach.
func (g *gen) unreached(doc string) []string {
	parsed, err := parser.ParseQuery(&ast.Source{Input: doc})
	if err != nil {
		return nil
	}
	reached := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if !reached[s.Name] {
					reached[s.Name] = true
					if def := parsed.Fragments.ForName(s.Name); def != nil {
						walk(def.SelectionSet)
					}
				}
			}
		}
	}
	for _, op := range parsed.Operations {
		walk(op.SelectionSet)
	}
	var out []string
	for _, f := range g.frags {
		if !reached[f.name] {
			out = append(out, f.name)
		}
	}
	return out
}

func (g *gen) selectionSet(parent *ast.Definition, depth int) {
	g.b.WriteString("{ ")
	n := 1 + g.pick(4)
	for range n {
		switch k := g.pick(10); {
		case k < 6 || depth > 3:
			g.field(parent, depth)
		case k < 8:
			g.b.WriteString("... ")
			next := parent
			if g.chance(80) {
				t := g.word(typeNameList)
				g.b.WriteString("on " + t + " ")
				next = g.schema.Types[t]
			}
			g.selectionSet(next, depth+1)
		default:
			first := g.current + 1
			if g.cycles {
				first = 0
			}
			if first >= len(g.frags) {
				g.field(parent, depth)
				continue
			}
			i := first + g.pick(len(g.frags)-first)
			if i <= g.current {
				g.cyclic = true
			}
			g.b.WriteString("..." + g.frags[i].name + " ")
		}
	}
	g.b.WriteString("} ")
}

func (g *gen) field(parent *ast.Definition, depth int) {
	var name string
	var def *ast.FieldDefinition
	if parent != nil && len(parent.Fields) > 0 && !g.chance(10) {
		var own []*ast.FieldDefinition
		for _, f := range parent.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				own = append(own, f)
			}
		}
		if len(own) > 0 {
			def = own[g.pick(len(own))]
			name = def.Name
		}
	}
	if name == "" {
		name = g.word(strayFieldList)
		if g.chance(30) {
			name = "__typename"
		}
	}
	if g.chance(40) {
		g.b.WriteString(g.word(aliasList) + ": ")
	}
	g.b.WriteString(name)
	if def != nil && len(def.Arguments) > 0 && g.chance(60) {
		var args []string
		for _, a := range def.Arguments {
			if g.chance(60) {
				values := argValues()
				args = append(args, a.Name+": "+values[g.pick(len(values))])
			}
		}
		if len(args) > 0 {
			g.b.WriteString("(" + strings.Join(args, ", ") + ")")
		}
	}
	g.b.WriteString(" ")
	var next *ast.Definition
	if def != nil {
		next = g.schema.Types[def.Type.Name()]
	}
	composite := next != nil && !next.IsLeafType()
	if (composite && depth < 4) || (next == nil && g.chance(20) && depth < 4) {
		g.selectionSet(next, depth+1)
	}
}

// verdicts validates a document with gqlparser's rule and with this one.
func verdicts(t testing.TB, schema *ast.Schema, doc string, both bool) (ours, theirs int, ok bool) {
	t.Helper()
	run := func(r *rules.Rules) (int, bool) {
		parsed, err := parser.ParseQuery(&ast.Source{Input: doc})
		if err != nil {
			return 0, false
		}
		return len(validator.ValidateWithRules(schema, parsed, r)), true
	}
	ours, ok = run(rules.NewRules(fieldmerge.Rule()))
	if both {
		theirs, _ = run(rules.NewRules(rules.OverlappingFieldsCanBeMergedRule))
	}
	return ours, theirs, ok
}

func loadFuzzSchema(t testing.TB) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "fuzz.graphql", Input: fuzzSchema})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzAgreesWithGqlparser generates documents over a small schema and
// checks that this rule and gqlparser's find the same documents valid.
// When the first byte allows fragment cycles, the document may have one
// and only this rule runs: it must still finish. gqlparser's rule is not
// compared there because its walker fires the rule on a field inside a
// fragment that spreads itself before it has resolved the fields after
// it, so it misses conflicts with them (see TestCycleGqlparserMisses); a
// cycle is an error of its own (NoFragmentCycles).
func FuzzAgreesWithGqlparser(f *testing.F) {
	schema := loadFuzzSchema(f)
	for _, seed := range []string{"", "\x00", "\x01\x05\x01\x02\x03", "conflict", "\x03\x09\x09\x09\x01\x05\x05", "abcdefghijklmnopqrstuvwxyz"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		g := newGen(schema, in)
		g.cycles = g.pick(4) == 0
		compare(t, schema, g, fmt.Sprintf("input %q", in))
	})
}

// compare generates one document and checks the two rules agree on it.
func compare(t *testing.T, schema *ast.Schema, g *gen, name string) (valid bool) {
	t.Helper()
	doc := g.document()
	ours, theirs, ok := verdicts(t, schema, doc, !g.cyclic)
	if !ok {
		t.Fatalf("%s: the generator wrote a document that does not parse:\n%s", name, doc)
	}
	if !g.cyclic && (ours == 0) != (theirs == 0) {
		t.Fatalf("%s: this rule reports %d errors, gqlparser's %d:\n%s", name, ours, theirs, doc)
	}
	return ours == 0
}

// TestAgreesWithGqlparser runs the fuzz target's generator over a fixed
// range of seeds, so that an ordinary test run compares the two rules on
// thousands of documents, and checks the generator does make both valid
// and invalid ones.
func TestAgreesWithGqlparser(t *testing.T) {
	schema := loadFuzzSchema(t)
	n := 5000
	if testing.Short() {
		n = 500
	}
	valid := 0
	for i := range n {
		g := newGen(schema, nil)
		g.rng = rand.New(rand.NewPCG(uint64(i), 7))
		g.cycles = i%8 == 0
		if compare(t, schema, g, fmt.Sprintf("seed %d", i)) {
			valid++
		}
	}
	t.Logf("%d valid, %d invalid", valid, n-valid)
	if valid < n/10 || n-valid < n/10 {
		t.Errorf("the generator made %d valid documents of %d: too few of one kind to compare", valid, n)
	}
}
