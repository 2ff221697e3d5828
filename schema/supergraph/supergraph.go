// Package supergraph reads an Apollo Federation v2 supergraph: the SDL that
// composition emits, whose join__* directives say which subgraph defines
// each type and field, by which keys entities are fetched, and what a
// field requires or provides. It yields the model the planner plans
// federated operations on, and the API schema clients see (the supergraph
// without its join machinery and without @inaccessible elements).
package supergraph

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Supergraph is a supergraph, read.
type Supergraph struct {
	// Schema is the supergraph as written, join directives and
	// @inaccessible elements included: plans may select what clients
	// cannot (a key field that is @inaccessible, say).
	Schema *ast.Schema
	// API is the schema clients see.
	API *ast.Schema
	// APISDL is API as SDL text, and APIName its name in errors.
	APISDL, APIName string
	// Graphs are the subgraphs, in join__Graph's order.
	Graphs []*Graph
	// Types are the composite types of the supergraph (objects,
	// interfaces, unions), by name.
	Types map[string]*Type

	byEnum map[string]*Graph
}

// Graph is one subgraph.
type Graph struct {
	// Enum is the join__Graph value that names the subgraph in directives.
	Enum string
	// Name is the subgraph's name.
	Name string
	// URL is where the subgraph is served.
	URL string
}

// Type is a composite type and where it lives.
type Type struct {
	Name string
	Kind ast.DefinitionKind
	// In holds, per subgraph name, how that subgraph defines the type.
	In map[string]*TypeIn
	// Fields are the type's fields, by name (objects and interfaces).
	Fields map[string]*Field
	// Inaccessible says clients cannot see the type.
	Inaccessible bool
}

// TypeIn is a type as one subgraph defines it.
type TypeIn struct {
	Graph *Graph
	// Keys are the type's @key field sets in this subgraph.
	Keys []*Key
	// Extension says the subgraph extends a type another one owns.
	Extension bool
	// InterfaceObject says the subgraph sees this interface as an object
	// type (@interfaceObject): its entities are fetched with the
	// interface's name as __typename.
	InterfaceObject bool
	// Implements are the interfaces the type implements in this subgraph.
	Implements []string
	// Members are a union's members in this subgraph.
	Members []string
}

// Key is one @key of an entity in a subgraph.
type Key struct {
	// Fields is the field set as written.
	Fields string
	// Set is Fields parsed, with definitions from the supergraph.
	Set ast.SelectionSet
	// Resolvable is false for a key the subgraph only references entities
	// by: it has no _entities resolver for it.
	Resolvable bool
	// Pos is where the key is declared, for errors.
	Pos *ast.Position
}

// Field is a field of a composite type and the subgraphs that have it.
type Field struct {
	Name string
	// Def is the field's definition in the supergraph.
	Def *ast.FieldDefinition
	// In holds, per subgraph name, the field as that subgraph defines it.
	// A field with no @join__field is in every subgraph that defines its
	// type.
	In map[string]*FieldIn
	// Inaccessible says clients cannot see the field.
	Inaccessible bool
}

// FieldIn is a field as one subgraph defines it.
type FieldIn struct {
	Graph *Graph
	// External says the subgraph declares the field but another resolves
	// it (unless a @provides at the path says otherwise).
	External bool
	// Requires are the fields of the parent the subgraph needs in the
	// representation to resolve this one.
	Requires ast.SelectionSet
	// RequiresText is Requires as written.
	RequiresText string
	// Provides are the fields of the value the subgraph resolves along
	// with this one although they are external to it.
	Provides ast.SelectionSet
	// ProvidesText is Provides as written.
	ProvidesText string
	// Type is the field's type in this subgraph when it differs from the
	// supergraph's.
	Type string
	// Override names the subgraph this one took the field from.
	Override string
	// UsedOverridden says the subgraph lost the field to an @override but
	// still needs it (for a key or a @requires): it does not resolve it.
	UsedOverridden bool
	// Pos is where the subgraph's @join__field is, for errors.
	Pos *ast.Position
}

// Resolves reports whether the subgraph resolves the field itself.
func (f *FieldIn) Resolves() bool { return f != nil && !f.External && !f.UsedOverridden }

// Graph returns the subgraph named name.
func (s *Supergraph) Graph(name string) *Graph {
	for _, g := range s.Graphs {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// Resolvers returns the subgraphs that resolve field of typeName, in the
// order of join__Graph.
func (s *Supergraph) Resolvers(typeName, field string) []*Graph {
	t := s.Types[typeName]
	if t == nil {
		return nil
	}
	f := t.Fields[field]
	if f == nil {
		return nil
	}
	var out []*Graph
	for _, g := range s.Graphs {
		if f.In[g.Name].Resolves() {
			out = append(out, g)
		}
	}
	return out
}

// Field returns how subgraph graph defines field of typeName, or nil.
func (s *Supergraph) Field(typeName, field, graph string) *FieldIn {
	if t := s.Types[typeName]; t != nil {
		if f := t.Fields[field]; f != nil {
			return f.In[graph]
		}
	}
	return nil
}

// Error is a supergraph that cannot be read, located in its SDL.
type Error struct {
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
	}
	return e.Msg
}

func errAt(pos *ast.Position, format string, args ...any) *Error {
	e := &Error{Msg: fmt.Sprintf(format, args...)}
	if pos != nil {
		e.Line, e.Column = pos.Line, pos.Column
	}
	return e
}

// Parse reads a supergraph SDL; name names it in errors.
func Parse(name, sdl string) (*Supergraph, error) {
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: name, Input: sdl})
	if gerr != nil {
		return nil, locate(gerr)
	}
	if s.Types["join__Graph"] == nil {
		return nil, errors.New("not a Federation v2 supergraph: it has no join__Graph enum (compose the subgraphs first, e.g. with weft compose)")
	}
	sg := &Supergraph{Schema: s, Types: map[string]*Type{}, byEnum: map[string]*Graph{}}
	if err := sg.readGraphs(); err != nil {
		return nil, err
	}
	if err := sg.readTypes(); err != nil {
		return nil, err
	}
	if err := sg.buildAPI(name); err != nil {
		return nil, err
	}
	return sg, nil
}

func locate(err error) error {
	var ge *gqlerror.Error
	if errors.As(err, &ge) && len(ge.Locations) > 0 {
		return &Error{Line: ge.Locations[0].Line, Column: ge.Locations[0].Column, Msg: ge.Message}
	}
	var gl gqlerror.List
	if errors.As(err, &gl) && len(gl) > 0 {
		return locate(gl[0])
	}
	return err
}

func (sg *Supergraph) readGraphs() error {
	for _, v := range sg.Schema.Types["join__Graph"].EnumValues {
		d := v.Directives.ForName("join__graph")
		if d == nil {
			return errAt(v.Position, "join__Graph value %s has no @join__graph(name:, url:)", v.Name)
		}
		g := &Graph{Enum: v.Name, Name: argString(d, "name"), URL: argString(d, "url")}
		if g.Name == "" {
			g.Name = strings.ToLower(v.Name)
		}
		sg.Graphs = append(sg.Graphs, g)
		sg.byEnum[v.Name] = g
	}
	if len(sg.Graphs) == 0 {
		return errors.New("the supergraph has no subgraph: join__Graph is empty")
	}
	return nil
}

func (sg *Supergraph) graphOf(d *ast.Directive) (*Graph, error) {
	a := d.Arguments.ForName("graph")
	if a == nil || a.Value == nil {
		return nil, errAt(d.Position, "@%s has no graph argument", d.Name)
	}
	g := sg.byEnum[a.Value.Raw]
	if g == nil {
		return nil, errAt(a.Value.Position, "@%s names graph %s, which join__Graph does not list", d.Name, a.Value.Raw)
	}
	return g, nil
}

// isMachinery says whether a type is composition's own, not the API's.
func isMachinery(name string) bool {
	return strings.HasPrefix(name, "join__") || strings.HasPrefix(name, "link__") || strings.HasPrefix(name, "__")
}

func (sg *Supergraph) readTypes() error {
	names := make([]string, 0, len(sg.Schema.Types))
	for name := range sg.Schema.Types {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		def := sg.Schema.Types[name]
		if def.BuiltIn || isMachinery(name) {
			continue
		}
		if def.Kind != ast.Object && def.Kind != ast.Interface && def.Kind != ast.Union {
			continue
		}
		t := &Type{Name: name, Kind: def.Kind, In: map[string]*TypeIn{}, Fields: map[string]*Field{}, Inaccessible: def.Directives.ForName("inaccessible") != nil}
		sg.Types[name] = t
		for _, d := range def.Directives.ForNames("join__type") {
			g, err := sg.graphOf(d)
			if err != nil {
				return err
			}
			in := t.In[g.Name]
			if in == nil {
				in = &TypeIn{Graph: g}
				t.In[g.Name] = in
			}
			in.Extension = argBool(d, "extension", false)
			in.InterfaceObject = argBool(d, "isInterfaceObject", false)
			if k := argString(d, "key"); k != "" {
				in.Keys = append(in.Keys, &Key{Fields: k, Resolvable: argBool(d, "resolvable", true), Pos: d.Position})
			}
		}
		if len(t.In) == 0 {
			// A type no subgraph claims is in all of them: that is how a
			// supergraph with one subgraph may be written.
			for _, g := range sg.Graphs {
				t.In[g.Name] = &TypeIn{Graph: g}
			}
		}
		for _, d := range def.Directives.ForNames("join__implements") {
			g, err := sg.graphOf(d)
			if err != nil {
				return err
			}
			if in := t.In[g.Name]; in != nil {
				in.Implements = append(in.Implements, argString(d, "interface"))
			}
		}
		for _, d := range def.Directives.ForNames("join__unionMember") {
			g, err := sg.graphOf(d)
			if err != nil {
				return err
			}
			if in := t.In[g.Name]; in != nil {
				in.Members = append(in.Members, argString(d, "member"))
			}
		}
		if def.Kind == ast.Union && len(def.Directives.ForNames("join__unionMember")) == 0 {
			for _, in := range t.In {
				for _, m := range def.Types {
					in.Members = append(in.Members, m)
				}
			}
		}
		if def.Kind == ast.Object && len(def.Directives.ForNames("join__implements")) == 0 {
			for _, in := range t.In {
				in.Implements = append(in.Implements, def.Interfaces...)
			}
		}
		for _, fd := range def.Fields {
			if strings.HasPrefix(fd.Name, "__") {
				continue
			}
			f := &Field{Name: fd.Name, Def: fd, In: map[string]*FieldIn{}, Inaccessible: fd.Directives.ForName("inaccessible") != nil}
			t.Fields[fd.Name] = f
			jfs := fd.Directives.ForNames("join__field")
			graphless := len(jfs) > 0
			for _, d := range jfs {
				if d.Arguments.ForName("graph") != nil {
					graphless = false
				}
			}
			if graphless {
				// No subgraph resolves the field on this type: an
				// @interfaceObject of one of its interfaces does.
				continue
			}
			if len(jfs) == 0 {
				for gname := range t.In {
					f.In[gname] = &FieldIn{Graph: t.In[gname].Graph}
				}
				continue
			}
			for _, d := range jfs {
				if d.Arguments.ForName("graph") == nil {
					continue
				}
				g, err := sg.graphOf(d)
				if err != nil {
					return err
				}
				f.In[g.Name] = &FieldIn{
					Graph:          g,
					External:       argBool(d, "external", false),
					RequiresText:   argString(d, "requires"),
					ProvidesText:   argString(d, "provides"),
					Type:           argString(d, "type"),
					Override:       argString(d, "override"),
					UsedOverridden: argBool(d, "usedOverridden", false),
					Pos:            d.Position,
				}
			}
		}
	}
	return sg.parseFieldSets()
}

// parseFieldSets parses every key, @requires and @provides against the
// supergraph's types.
func (sg *Supergraph) parseFieldSets() error {
	for _, t := range sg.Types {
		def := sg.Schema.Types[t.Name]
		for _, in := range t.In {
			for _, k := range in.Keys {
				set, err := sg.FieldSet(def, k.Fields)
				if err != nil {
					return errAt(k.Pos, "%s: @key(fields: %q) in subgraph %s: %v", t.Name, k.Fields, in.Graph.Name, err)
				}
				k.Set = set
			}
		}
		for _, f := range t.Fields {
			for _, in := range f.In {
				if in.RequiresText != "" {
					set, err := sg.FieldSet(def, in.RequiresText)
					if err != nil {
						return errAt(in.Pos, "%s.%s: @requires(fields: %q) in subgraph %s: %v", t.Name, f.Name, in.RequiresText, in.Graph.Name, err)
					}
					in.Requires = set
				}
				if in.ProvidesText != "" {
					target := sg.Schema.Types[f.Def.Type.Name()]
					set, err := sg.FieldSet(target, in.ProvidesText)
					if err != nil {
						return errAt(in.Pos, "%s.%s: @provides(fields: %q) in subgraph %s: %v", t.Name, f.Name, in.ProvidesText, in.Graph.Name, err)
					}
					in.Provides = set
				}
			}
		}
	}
	return nil
}

// FieldSet parses a field set (a key, @requires or @provides) on type def,
// with each field's definition filled in from the supergraph.
func (sg *Supergraph) FieldSet(def *ast.Definition, fields string) (ast.SelectionSet, error) {
	if def == nil {
		return nil, errors.New("the type is not defined")
	}
	doc, gerr := parser.ParseQuery(&ast.Source{Input: "{" + fields + "}"})
	if gerr != nil {
		// The field set is parsed inside braces: say what is wrong in its
		// own terms, at its own column.
		var ge *gqlerror.Error
		if !errors.As(gerr, &ge) {
			return nil, fmt.Errorf("not a field set: %w", gerr)
		}
		if len(ge.Locations) > 0 && ge.Locations[0].Line == 1 {
			return nil, fmt.Errorf("not a field set: column %d: %s", max(ge.Locations[0].Column-1, 1), fieldSetMessage(ge.Message))
		}
		return nil, fmt.Errorf("not a field set: %s", fieldSetMessage(ge.Message))
	}
	if len(doc.Operations) != 1 || len(doc.Fragments) > 0 {
		return nil, errors.New("not a field set")
	}
	set := doc.Operations[0].SelectionSet
	if err := sg.bind(def, set); err != nil {
		return nil, err
	}
	return set, nil
}

// bind fills in the definitions of a field set's fields, as validation
// does for an operation.
func (sg *Supergraph) bind(def *ast.Definition, set ast.SelectionSet) error {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__typename" {
				sel.Definition = &ast.FieldDefinition{Name: "__typename", Type: ast.NonNullNamedType("String", nil)}
				sel.ObjectDefinition = def
				continue
			}
			fd := def.Fields.ForName(sel.Name)
			if fd == nil {
				return fmt.Errorf("type %s has no field %s", def.Name, sel.Name)
			}
			sel.Definition, sel.ObjectDefinition = fd, def
			if len(sel.SelectionSet) > 0 {
				inner := sg.Schema.Types[fd.Type.Name()]
				if err := sg.bind(inner, sel.SelectionSet); err != nil {
					return err
				}
			}
		case *ast.InlineFragment:
			inner := def
			if sel.TypeCondition != "" {
				inner = sg.Schema.Types[sel.TypeCondition]
				if inner == nil {
					return fmt.Errorf("type %s is not defined", sel.TypeCondition)
				}
			}
			sel.ObjectDefinition = inner
			if err := sg.bind(inner, sel.SelectionSet); err != nil {
				return err
			}
		default:
			return errors.New("a field set holds fields and inline fragments only")
		}
	}
	return nil
}

func argString(d *ast.Directive, name string) string {
	if a := d.Arguments.ForName(name); a != nil && a.Value != nil && a.Value.Kind != ast.NullValue {
		return a.Value.Raw
	}
	return ""
}

func argBool(d *ast.Directive, name string, def bool) bool {
	if a := d.Arguments.ForName(name); a != nil && a.Value != nil && a.Value.Kind == ast.BooleanValue {
		return a.Value.Raw == "true"
	}
	return def
}

// buildAPI derives the schema clients see: the supergraph without the
// join and link machinery, without @inaccessible types, fields, arguments
// and enum values, and without the directives only composition reads.
func (sg *Supergraph) buildAPI(name string) error {
	doc := &ast.SchemaDocument{}
	s := sg.Schema
	hidden := map[string]bool{}
	for tn, def := range s.Types {
		if def.Directives.ForName("inaccessible") != nil {
			hidden[tn] = true
		}
	}
	var ops []*ast.OperationTypeDefinition
	named := true
	for _, op := range []struct {
		o    ast.Operation
		def  *ast.Definition
		name string
	}{{ast.Query, s.Query, "Query"}, {ast.Mutation, s.Mutation, "Mutation"}, {ast.Subscription, s.Subscription, "Subscription"}} {
		if op.def != nil {
			ops = append(ops, &ast.OperationTypeDefinition{Operation: op.o, Type: op.def.Name})
			named = named && op.def.Name == op.name
		} else if s.Types[op.name] != nil {
			named = false
		}
	}
	if !named {
		// Roots go by their names unless a schema definition says
		// otherwise; without one, a VirtualService that serves the
		// supergraph can add the roots it lacks (a Mutation of its own).
		doc.Schema = append(doc.Schema, &ast.SchemaDefinition{OperationTypes: ops})
	}
	names := make([]string, 0, len(s.Types))
	for tn := range s.Types {
		names = append(names, tn)
	}
	sort.Strings(names)
	for _, tn := range names {
		def := s.Types[tn]
		if def.BuiltIn || isMachinery(tn) || hidden[tn] {
			continue
		}
		out := &ast.Definition{Kind: def.Kind, Name: def.Name, Description: def.Description, Directives: apiDirectives(def.Directives)}
		for _, i := range def.Interfaces {
			if !hidden[i] {
				out.Interfaces = append(out.Interfaces, i)
			}
		}
		for _, m := range def.Types {
			if !hidden[m] {
				out.Types = append(out.Types, m)
			}
		}
		for _, fd := range def.Fields {
			if fd.Directives.ForName("inaccessible") != nil || strings.HasPrefix(fd.Name, "__") {
				continue
			}
			nf := *fd
			nf.Directives = apiDirectives(fd.Directives)
			nf.Arguments = nil
			for _, a := range fd.Arguments {
				if a.Directives.ForName("inaccessible") != nil {
					continue
				}
				na := *a
				na.Directives = apiDirectives(a.Directives)
				nf.Arguments = append(nf.Arguments, &na)
			}
			out.Fields = append(out.Fields, &nf)
		}
		for _, v := range def.EnumValues {
			if v.Directives.ForName("inaccessible") != nil {
				continue
			}
			nv := *v
			nv.Directives = apiDirectives(v.Directives)
			out.EnumValues = append(out.EnumValues, &nv)
		}
		if (def.Kind == ast.Object || def.Kind == ast.Interface || def.Kind == ast.InputObject) && len(out.Fields) == 0 {
			// Every field is hidden: so is the type.
			continue
		}
		doc.Definitions = append(doc.Definitions, out)
	}
	for _, d := range s.Directives {
		if d.Position == nil || d.Position.Src == nil || d.Position.Src.BuiltIn {
			continue
		}
		if !apiDirective(d.Name) {
			continue
		}
		doc.Directives = append(doc.Directives, d)
	}
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchemaDocument(doc)
	sg.APISDL = b.String()
	sg.APIName = name + " (API schema)"
	api, gerr := gqlparser.LoadSchema(&ast.Source{Name: sg.APIName, Input: sg.APISDL})
	if gerr != nil {
		return fmt.Errorf("the supergraph's API schema is not valid: %w", gerr)
	}
	sg.API = api
	return nil
}

// apiDirective says whether a directive is one clients see: not
// composition's own.
func apiDirective(name string) bool {
	switch name {
	case "link", "inaccessible", "tag", "include", "skip", "deprecated", "specifiedBy", "oneOf", "defer", "stream":
		return false
	}
	return !strings.HasPrefix(name, "join__") && !strings.HasPrefix(name, "link__")
}

func apiDirectives(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if d.Name == "deprecated" || d.Name == "specifiedBy" || (apiDirective(d.Name) && d.Name != "oneOf") {
			out = append(out, d)
		}
	}
	return out
}

// fieldSetMessage words a parse error of a field set wrapped in braces
// for the field set itself.
func fieldSetMessage(msg string) string {
	if strings.Contains(msg, "expected at least one definition") {
		return "a selection set is empty or not closed"
	}
	return msg
}
