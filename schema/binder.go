package schema

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// Binder decodes and checks the bindings of one upstream kind: the fields
// its directive (@rest, @grpc, ...) binds. Each kind's package provides
// one, so that adding a kind changes nothing in this package: Build learns
// the directive from Directive and hands each use of it to Bind.
type Binder interface {
	// Kind is the kind of upstream the directive binds to; naming an
	// upstream of another kind is an error.
	Kind() Kind
	// Directive is the directive's SDL definition: a repeatable directive
	// on FIELD_DEFINITION whose arguments include `upstream: String!` and
	// `timeout: String`, which Build reads itself. Values of any shape
	// (objects of templates) are typed _WeftValue.
	Directive() string
	// Bind decodes one use of the directive into c.Binding() and checks
	// it, reporting every problem with c.Errorf. Arguments it does not
	// read are reported as unknown.
	Bind(c *BindContext)
}

// Request is a kind's decoded binding: what its upstream needs to build a
// call (the HTTP request templates of a REST binding, say). Only the kind
// reads it; the planner prints it.
type Request interface {
	// Describe says in one line what a call sends, for `weft plan`: the
	// batch form's when batch is set.
	Describe(batch bool) string
}

// BindContext is what a Binder sees of one directive on one field, and the
// checks every kind shares: its arguments, templates checked against the
// field's arguments, its parent type and the VirtualService's vars, result
// paths and batch forms, and the upstream's own description of its
// operations.
type BindContext struct {
	b      *builder
	bd     *Binding
	parent *ast.Definition
	args   *directiveArgs
	info   UpstreamInfo
	known  bool
	op     ast.Operation
	isRoot bool
	where  string
}

// Binding is the binding being built: a Binder sets its Request, and, as
// they apply, Result, Batch, GraphQL, Streams and ParentRefs (templates
// checked through the context add theirs).
func (c *BindContext) Binding() *Binding { return c.bd }

// Field is the field the directive is on.
func (c *BindContext) Field() *ast.FieldDefinition { return c.bd.Def }

// Parent is the type the field belongs to.
func (c *BindContext) Parent() *ast.Definition { return c.parent }

// Root says whether the field is a root field, and of which operation.
func (c *BindContext) Root() (op ast.Operation, isRoot bool) { return c.op, c.isRoot }

// Upstream is the upstream the directive names. known is false when there
// is no such upstream, or it is of another kind (both already reported):
// checks against what the upstream exposes are then skipped.
func (c *BindContext) Upstream() (info UpstreamInfo, known bool) { return c.info, c.known }

// Where names the binding in errors: "Type.field @rest".
func (c *BindContext) Where() string { return c.where }

// Within returns a context whose errors name a part of the binding, such
// as "batch": "Type.field @rest batch".
func (c *BindContext) Within(part string) *BindContext {
	cc := *c
	cc.where += " " + part
	return &cc
}

// Errorf reports a problem at p (the directive's position when nil).
func (c *BindContext) Errorf(p *ast.Position, format string, args ...any) {
	if p == nil {
		p = c.args.d.Position
	}
	c.b.errorf(p, c.where, format, args...)
}

// String reads a string argument; a required one that is missing is
// reported.
func (c *BindContext) String(name string, required bool) string {
	return c.args.string(name, required)
}

// Strings reads an argument that is a string or a list of strings.
func (c *BindContext) Strings(name string) []string { return c.args.strings(name) }

// Value reads an argument as it was written; nil when absent or null.
func (c *BindContext) Value(name string) *ast.Value { return c.args.value(name) }

// Pos is the position of an argument, or of the directive when absent.
func (c *BindContext) Pos(name string) *ast.Position { return c.args.pos(name) }

// RefHolder is a template or a JSON template: something with placeholders.
type RefHolder interface{ EachRef(func(*tmpl.Ref)) }

// CheckRefs checks each placeholder of h against what exists where the
// binding is ({args.x} an argument of the field, {parent.x} a field the
// parent's source returns, {vars.x} a VirtualService var), and records
// what the binding reads.
func (c *BindContext) CheckRefs(h RefHolder, p *ast.Position) {
	c.b.checkRefs(h, c.bd, c.parent, c.isRoot, p, c.where)
}

// Template parses a text template and checks its placeholders; nil when
// it does not parse (reported).
func (c *BindContext) Template(s string, p *ast.Position) *tmpl.Template {
	t := c.b.parseTemplate(s, p, c.where)
	if t != nil {
		c.CheckRefs(t, p)
	}
	return t
}

// JSON turns a GraphQL value literal into a JSON template whose strings
// may hold placeholders, and checks them.
func (c *BindContext) JSON(v *ast.Value) *tmpl.JSON {
	j := c.b.jsonTemplate(v, c.where)
	c.CheckRefs(j, v.Position)
	return j
}

// Body reads a request body: a GraphQL value literal, a string holding
// JSON whose string leaves are templates, or a string that is a template
// itself ("{args.input}"); and checks its placeholders.
func (c *BindContext) Body(v *ast.Value) *tmpl.JSON {
	j := c.b.bodyTemplate(v, c.where)
	c.CheckRefs(j, v.Position)
	return j
}

// Named parses "Name: template" entries (headers, cookies), what naming
// them in errors.
func (c *BindContext) Named(entries []string, what string, p *ast.Position) []Param {
	var out []Param
	for _, e := range entries {
		name, val, ok := cutNamed(e)
		if !ok {
			c.Errorf(p, "%s %q must be written \"Name: value\"", what, e)
			continue
		}
		if t := c.Template(val, p); t != nil {
			out = append(out, Param{Name: name, Value: t})
		}
	}
	return out
}

// ResultPath parses a result path and checks it against the field's type:
// each [] maps over a list, so there cannot be more of them than the type
// has list levels.
func (c *BindContext) ResultPath(s string, p *ast.Position) Path {
	return c.b.resultPath(s, c.bd.Def.Type, p, c.where)
}

// NewBatch returns a batch form with the default maximum size.
func (c *BindContext) NewBatch() *Batch { return &Batch{MaxSize: defaultBatchSize} }

// BatchField reads one of the fields every batch form has: key, result or
// maxSize. It reports whether name was one of them.
func (c *BindContext) BatchField(batch *Batch, f *ast.ChildValue) bool {
	switch f.Name {
	case "key", "result", "maxSize":
		c.b.batchCommon(batch, f, c.where)
		return true
	}
	return false
}

// BatchKey sets the batch's parent key from the parent fields its
// templates read (by dotted path): there must be exactly one.
func (c *BindContext) BatchKey(batch *Batch, refs map[string][]string, p *ast.Position) {
	c.b.batchKey(batch, refs, p, c.where)
}

// Operation returns the root field of the upstream's generated schema that
// stands for one of its operations (a gRPC method, a SOAP operation), or
// nil.
func (c *BindContext) Operation(m Method) *ast.FieldDefinition {
	return c.b.methodField(c.info, m)
}

// CheckShape checks that a value of the upstream's type up (in its
// generated schema) can be served as the gateway type gw: the same list
// depth, scalars that fit, enums with every value, and for objects every
// field without a binding of its own present with a shape that fits.
func (c *BindContext) CheckShape(gw, up *ast.Type, p *ast.Position) {
	if c.info.Schema == nil {
		return
	}
	c.b.checkShape(gw, up, c.bd.Upstream, c.info.Schema, p, c.where, c.b.shapesOf(c.bd.Upstream))
}

// Fits explains why a value of the upstream's output type up cannot be
// served as the gateway type gw, or returns "".
func (c *BindContext) Fits(gw, up *ast.Type) string { return fits(gw, up) }

// ArgFits explains why a gateway argument of type gw cannot be passed as
// an upstream argument of type up, or returns "".
func (c *BindContext) ArgFits(gw, up *ast.Type) string { return argFits(gw, up) }

// Forwards records that values of the input type named typeName are sent
// to the upstream as they are, so its definition must match the
// upstream's (checked once every binding is read).
func (c *BindContext) Forwards(typeName string) {
	c.bd.forwardedInputs = append(c.bd.forwardedInputs, typeName)
}

// ArgType returns the type of the argument value at path (an argument of
// the field, then input fields), or nil when the path leads to none.
func (c *BindContext) ArgType(path []string) *ast.Type { return c.b.argType(c.bd.Def, path) }

// InputKeys returns how values of type t are sent, at every depth: the
// keys @from gives input fields, the wire values @from gives enum values,
// and the one-of input objects sent as their field's value (@unwrap); nil
// when none applies.
func (c *BindContext) InputKeys(t *ast.Type) *tmpl.Keys { return c.b.keysOf(t) }

// InputKey is the key the input field typeName.field is sent under.
func (c *BindContext) InputKey(typeName, field string) string { return c.b.inputKey(typeName, field) }

// Type returns a type of the gateway's schema by name.
func (c *BindContext) Type(name string) *ast.Definition { return c.b.ast.Types[name] }

// Suggest returns ` (did you mean "x"?)` for the candidate closest to got,
// when one is close.
func Suggest(got string, candidates []string) string { return suggest(got, candidates) }

// cutNamed splits "Name: value": the name must be a plain token.
func cutNamed(e string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(e, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, "{}; =,") {
		return "", "", false
	}
	return name, strings.TrimSpace(value), true
}

// checkBinder reports a Binder whose directive cannot serve: its SDL must
// define exactly one directive, which takes upstream and timeout.
func checkBinder(b Binder) (string, error) {
	s, err := parseDirectives(b.Directive())
	if err != nil {
		return "", fmt.Errorf("kind %s: directive: %w", b.Kind(), err)
	}
	if len(s) != 1 {
		return "", fmt.Errorf("kind %s: its SDL defines %d directives, want one", b.Kind(), len(s))
	}
	d := s[0]
	for _, arg := range []string{"upstream", "timeout"} {
		if d.Arguments.ForName(arg) == nil {
			return "", fmt.Errorf("kind %s: directive @%s has no argument %q", b.Kind(), d.Name, arg)
		}
	}
	return d.Name, nil
}
