// Package planner turns a validated GraphQL operation into a Plan: the
// upstream calls that answer it (fetches), the order they run in, and the
// compiled shape of the response. Planning is pure: no I/O, no goroutines,
// no clocks. Plans are data, cached per schema version, document and
// operation name, printed by `weft plan` and golden-tested.
package planner

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
)

// Plan is the plan of one operation.
type Plan struct {
	Operation ast.Operation
	// Name is the operation's name, if any.
	Name string
	// Root is the response shape of the root type.
	Root *Selection
	// Fetches are every fetch of the plan, by ID.
	Fetches []*Fetch
	// Tree is the order fetches run in; nil when nothing is fetched (an
	// introspection query, say).
	Tree Node
	// MaxDepth is the depth of the deepest field, for the executor's path
	// buffers.
	MaxDepth int
	// Aliases counts aliased fields.
	Aliases int
	// Complexity counts the fields the response can hold, each list
	// counted once (for an abstract type, its largest concrete shape).
	Complexity int
	// Selections counts the selections planning visited once fragments
	// were expanded: the planner's work, bounded by
	// Options.MaxSelections.
	Selections int
	// Introspects says the operation reads __schema or __type.
	Introspects bool
	// Coordinates are the schema coordinates the operation touches, sorted
	// (see coordinates): what usage recording counts per operation.
	Coordinates []string
	// Signature names the operation alike on every replica and for every
	// layout of its text; set by Cache, empty from Build alone.
	Signature string

	jsonCache
}

// Node is a step of a plan's tree: a *Sequence, a *Parallel or a *Fetch.
type Node interface{ node() }

// Sequence runs its nodes one after the other.
type Sequence struct{ Nodes []Node }

// Parallel runs its nodes at the same time.
type Parallel struct{ Nodes []Node }

func (*Sequence) node() {}
func (*Parallel) node() {}
func (*Fetch) node()    {}

// Fetch is one upstream operation, run once per parent object (or once per
// batch of parents, or once for the root).
type Fetch struct {
	ID       int
	Upstream string
	Kind     schema.Kind
	// Binding is the binding of the fetched field; for a root GraphQL fetch
	// that serves several root fields, the first field's.
	Binding *schema.Binding
	// Fields are the fields the fetch resolves: one, or several root fields
	// served by one GraphQL operation.
	Fields []*Field
	// Path leads from the root object to the parent objects: each key is
	// read in turn, lists are flattened. Empty for root fetches.
	Path []string
	// At is Path in the client's terms, such as "products[].reviews[]", for
	// printing.
	At string
	// ParentTypes, when set, keeps only parents of these concrete types (a
	// field selected in a fragment on an abstract type).
	ParentTypes []string
	// ParentRule, with ParentTypes, tells the concrete type of a parent
	// that does not carry __typename (the abstract type's @typeBy).
	ParentRule *schema.TypeRule
	// Conds must all hold for the fetch to run: the @skip/@include of the
	// field and of every field above it.
	Conds []Conds
	// Operation is the operation sent to a GraphQL upstream.
	Operation *schema.GraphQLOperation
	// Batch says the binding's batch form is used for lists of parents.
	Batch bool
	// Raw says nothing is fetched below this fetch's fields and their
	// shapes are plain objects and leaves: the executor may copy the
	// answer's bytes into the response in one pass, without a tree.
	Raw bool
	// Parent is the fetch that produces the parent objects; nil for root
	// fetches.
	Parent *Fetch
	// Children are the fetches that read this fetch's results.
	Children []*Fetch
	// After are more fetches that must have run first: those that fetch
	// what an entity fetch's representations require.
	After []*Fetch
	// Subgraph names the subgraph of a federated fetch.
	Subgraph string
	// Source is the upstream that errors and fallback notes of the fetch
	// name: Upstream, or for a federated fetch its subgraph under it
	// ("shop/reviews").
	Source string
	// Entity, on a federated fetch, says it fetches entities through
	// _entities: its answers are merged into the parent objects, found by
	// the representations built from them.
	Entity *Entity
}

// Entity is how an entity fetch builds each parent's representation. One
// fetch carries the parents of every concrete type at its path that its
// subgraph has fields for, each type's representation shaped by its own
// key and requirements.
type Entity struct {
	// Types are the representations' shapes, one per __typename sent.
	Types []*EntityType
}

// EntityType is how the representations of the parents of some concrete
// types are built.
type EntityType struct {
	// TypeName is the representations' __typename: the parents' own type,
	// or the interface that a subgraph seeing it as an @interfaceObject
	// knows them by.
	TypeName string
	// Parents are the parents' concrete types this shape is for; when the
	// entity has one type, it is every parent's the fetch keeps, whatever
	// Parents says (objects whose type is not known yet, such as those an
	// @interfaceObject subgraph answered).
	Parents []string
	// Rep are the fields copied from the parent object: the key's and
	// those the fetched fields require.
	Rep []*RepField
}

// TypeFor returns the shape of the representation of a parent whose
// __typename is typename, or nil when the fetch sends none for it.
func (e *Entity) TypeFor(typename []byte) *EntityType {
	if len(e.Types) == 1 {
		return e.Types[0]
	}
	for _, t := range e.Types {
		for _, p := range t.Parents {
			if p == string(typename) {
				return t
			}
		}
	}
	return nil
}

// forParent returns the shape the parents of concrete type concrete are
// sent with, or nil.
func (e *Entity) forParent(concrete string) *EntityType {
	for _, t := range e.Types {
		if slices.Contains(t.Parents, concrete) {
			return t
		}
	}
	return nil
}

// byName returns the shape of the representations of __typename name, or
// nil.
func (e *Entity) byName(name string) *EntityType {
	for _, t := range e.Types {
		if t.TypeName == name {
			return t
		}
	}
	return nil
}

// RepField is a field of a representation, read from the parent object
// at its name.
type RepField struct {
	Name string
	// From, when set, is where the parent object holds the field: its
	// name in the answer of the REST, gRPC, SOAP or plain GraphQL
	// upstream the object came from, where @from renames it.
	From string
	// Sub are the fields of an object value (of each element of a list).
	Sub []*RepField
	// Typename says the object's __typename is copied too (a field set
	// with fragments on an abstract type).
	Typename bool
}

// Source is where the parent object holds the field: From, or Name.
func (rf *RepField) Source() string {
	if rf.From != "" {
		return rf.From
	}
	return rf.Name
}

// FieldKind says how a field's value is produced.
type FieldKind uint8

// The kinds of fields.
const (
	// KindValue: read from the parent object (or stored there by a fetch).
	KindValue FieldKind = iota
	// KindTypename: __typename.
	KindTypename
	// KindSchema: the introspection root field __schema.
	KindSchema
	// KindType: the introspection root field __type.
	KindType
)

// LeafKind says how a leaf value is checked and written.
type LeafKind uint8

// The kinds of leaf values.
const (
	NotLeaf LeafKind = iota
	LeafString
	LeafID
	LeafInt
	LeafFloat
	LeafBoolean
	LeafEnum
	// LeafCustom: a custom scalar, written as the upstream sent it.
	LeafCustom
)

// Field is one field of a response shape.
type Field struct {
	// ResponseKey is the key in the response: the alias, or the name.
	ResponseKey string
	// KeyJSON is ResponseKey encoded as a JSON object key with its colon.
	KeyJSON []byte
	Name    string
	Kind    FieldKind
	Def     *ast.FieldDefinition
	// Type is the field's type, with its list and non-null wrappers.
	Type *ast.Type
	// ParentType is the concrete type the field is selected on.
	ParentType string
	Leaf       LeafKind
	// Enum is the enum definition for LeafEnum.
	Enum *ast.Definition
	// EnumWire, for an enum whose values upstreams write otherwise
	// (@from(value:)), maps what they write to the values' names.
	EnumWire *schema.EnumWire
	// Key is where the value lives in the parent object.
	Key string
	// Fetch is set when a fetch resolves the field; it stores the value at
	// Key.
	Fetch *Fetch
	// Result, for a fetched field, is where in the fetch's result the value
	// lives.
	Result schema.Path
	// Fallback, on a field a federated fetch resolves, is the field's own
	// fallback (a restated field's @fallback, or its type's); nil when
	// the fetch's binding's (its subgraph's) serves it.
	Fallback *schema.Fallback
	// Sel is the shape of a composite field's value.
	Sel *Selection
	// Conds decide whether the field is in the response.
	Conds Conds
	// AST is the first occurrence of the field in the query: its position
	// for errors, its arguments, its selection set for introspection.
	AST *ast.Field
	// Occurrences are every occurrence merged into this field.
	Occurrences []*ast.Field
	// Verbatim, on a field of a Raw fetch, says its value in the answer is
	// the value of the response, byte for byte: the upstream is trusted to
	// keep its schema's promises, every type below equals the upstream's,
	// and the upstream's selection is the client's (same keys, in the same
	// order, nothing added, no condition left to the gateway).
	Verbatim bool
}

// Selection is the compiled selection set of a composite type.
type Selection struct {
	// Type is the static type the selection is on.
	Type *ast.Definition
	// Fields are the fields for an object type.
	Fields []*Field
	// ByType are the fields per concrete type, for an abstract type.
	ByType map[string][]*Field
	// TypeRule, for an abstract type with @typeBy, tells the concrete
	// type of a value that does not carry __typename.
	TypeRule *schema.TypeRule
}

// FieldsFor returns the fields to write for an object of concrete type
// typeName.
func (s *Selection) FieldsFor(typeName string) []*Field {
	if s.ByType == nil {
		return s.Fields
	}
	return s.ByType[typeName]
}

// Abstract reports whether the selection is on an interface or union.
func (s *Selection) Abstract() bool { return s.ByType != nil }

// Cond is one @skip or @include.
type Cond struct {
	// Include is true for @include, false for @skip.
	Include bool
	// Variable is the variable read; empty when the argument is a literal.
	Variable string
	// Literal is the argument when it is a literal.
	Literal bool
}

// Conds is a disjunction of conjunctions: the field is in the response when
// every Cond of at least one group holds. A nil Conds always holds.
type Conds [][]Cond

// Holds evaluates the conditions against the request's variables.
func (cs Conds) Holds(vars map[string]any) bool {
	if cs == nil {
		return true
	}
	for _, group := range cs {
		ok := true
		for _, c := range group {
			v := c.Literal
			if c.Variable != "" {
				b, _ := vars[c.Variable].(bool)
				v = b
			}
			if v != c.Include {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
