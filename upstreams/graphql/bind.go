package graphql

import (
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// KindName is the graphql kind's name: the key of its block in an
// Upstream's spec and the kind its bindings target.
const KindName schema.Kind = "graphql"

// Binder decodes @graphql bindings. A @graphql field is delegated to a root
// field of the upstream, and the planner writes the upstream operation,
// forwarding the client's selection below it (schema.Binding.GraphQL).
type Binder struct{}

var _ schema.Binder = Binder{}

// Kind implements schema.Binder.
func (Binder) Kind() schema.Kind { return KindName }

// Directive implements schema.Binder.
func (Binder) Directive() string {
	return `directive @graphql(upstream: String!, field: String, args: _WeftValue, timeout: String) repeatable on FIELD_DEFINITION`
}

// Bind implements schema.Binder: @graphql(upstream, field, args, timeout),
// checked against the upstream's schema: the root field exists, its type
// can be served as the field's, and its arguments are given (mapped by
// args, or the client's forwarded by name).
func (Binder) Bind(c *schema.BindContext) {
	bd := c.Binding()
	g := &schema.GraphQLBinding{Field: c.String("field", false), Operation: ast.Query}
	bd.GraphQL = g
	if g.Field == "" {
		g.Field = bd.Def.Name
	}
	if op, isRoot := c.Root(); isRoot && op == ast.Mutation {
		g.Operation = ast.Mutation
	}
	argsValue := c.Value("args")
	if argsValue != nil && argsValue.Kind != ast.ObjectValue {
		c.Errorf(argsValue.Position, "argument \"args\" must be an object such as {upc: \"{parent.upc}\"}, got %s", argsValue.String())
		argsValue = nil
	}
	info, known := c.Upstream()
	if !known || info.Schema == nil {
		return
	}
	root := info.Schema.Query
	if g.Operation == ast.Mutation {
		root = info.Schema.Mutation
	}
	if root == nil {
		c.Errorf(bd.Def.Position, "upstream %q has no %s type", bd.Upstream, g.Operation)
		return
	}
	up := root.Fields.ForName(g.Field)
	if up == nil {
		names := make([]string, 0, len(root.Fields))
		for _, f := range root.Fields {
			names = append(names, f.Name)
		}
		c.Errorf(c.Pos("field"), "upstream %q has no field %s.%s%s", bd.Upstream, root.Name, g.Field, schema.Suggest(g.Field, names))
		return
	}
	g.UpstreamDef = up
	if msg := c.Fits(bd.Def.Type, up.Type); msg != "" {
		c.Errorf(bd.Def.Position, "type %s cannot hold upstream %q %s.%s of type %s: %s", bd.Def.Type, bd.Upstream, root.Name, up.Name, up.Type, msg)
	}
	if argsValue != nil {
		templatedArgs(c, argsValue, up)
		return
	}
	forwardedArgs(c, up)
}

// templatedArgs builds the upstream arguments from an args: {...} map.
func templatedArgs(c *schema.BindContext, v *ast.Value, up *ast.FieldDefinition) {
	g := c.Binding().GraphQL
	given := map[string]bool{}
	for _, ch := range v.Children {
		given[ch.Name] = true
		ua := up.Arguments.ForName(ch.Name)
		if ua == nil {
			c.Errorf(ch.Position, "upstream field %s has no argument %q", up.Name, ch.Name)
			continue
		}
		g.Args = append(g.Args, schema.Arg{Name: ch.Name, Type: ua.Type, Value: c.JSON(ch.Value)})
	}
	for _, ua := range up.Arguments {
		if ua.Type.NonNull && ua.DefaultValue == nil && !given[ua.Name] {
			c.Errorf(v.Position, "required argument %q of upstream field %s is not set in args", ua.Name, up.Name)
		}
	}
	if g.Args == nil {
		g.Args = []schema.Arg{} // an explicit empty map: send no argument
	}
}

// forwardedArgs checks that the client's arguments can be forwarded to the
// upstream field by name.
func forwardedArgs(c *schema.BindContext, up *ast.FieldDefinition) {
	def := c.Field()
	for _, ga := range def.Arguments {
		ua := up.Arguments.ForName(ga.Name)
		if ua == nil {
			c.Errorf(ga.Position, "argument %q is not an argument of upstream field %s; map arguments with args: {...}", ga.Name, up.Name)
			continue
		}
		if msg := c.ArgFits(ga.Type, ua.Type); msg != "" {
			c.Errorf(ga.Position, "argument %q of type %s cannot be passed as upstream argument of type %s: %s", ga.Name, ga.Type, ua.Type, msg)
		}
		c.Forwards(ga.Type.Name())
	}
	for _, ua := range up.Arguments {
		if ua.Type.NonNull && ua.DefaultValue == nil && def.Arguments.ForName(ua.Name) == nil {
			c.Errorf(def.Position, "upstream field %s requires argument %q, which this field does not declare; declare it or map it with args: {...}", up.Name, ua.Name)
		}
	}
}

// Kind returns the kind, for the gateway's wiring.
func Kind() upstreams.Kind { return upstreams.Kind{Build: Build, Binder: Binder{}} }
