package planner

import (
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/schema"
)

// fetchDoc is the operation a GraphQL fetch sends, while it is planned.
type fetchDoc struct {
	fetch     *Fetch
	root      *docSel
	args      []schema.GraphQLArg
	argDefs   ast.VariableDefinitionList
	fieldSels map[*Field]*docSel
	// entities, for an entity fetch, is the selection of _entities: a
	// fragment on each type whose fields it fetches.
	entities *docSel
}

// docSel is a selection set of an upstream operation.
type docSel struct {
	fields   []*docField
	typename bool
	frags    []*docFrag
	// up, for a fragment's selection, is the selection it is a fragment
	// of: the same objects, of one type.
	up *docSel
}

type docFrag struct {
	typeName string
	sel      *docSel
}

// docField is a field of an upstream operation: the client's, one a
// binding's template needs, or both.
type docField struct {
	alias    string
	name     string
	args     ast.ArgumentList
	sel      *docSel
	client   *Field
	required bool
	// shared are more client fields that read the value under the same
	// key (a leaf several types select alike).
	shared []*Field
}

func (p *planner) newDoc(f *Fetch) {
	if p.docs == nil {
		p.docs = map[*Fetch]*fetchDoc{}
	}
	p.docs[f] = &fetchDoc{fetch: f, root: &docSel{}, fieldSels: map[*Field]*docSel{}}
}

// addRoot adds a fetched field to the operation's root selection, under
// its response key, with the binding's arguments.
func (d *fetchDoc) addRoot(p *planner, f *Field, b *schema.Binding) {
	df := &docField{alias: f.ResponseKey, name: b.GraphQL.Field, client: f}
	if b.GraphQL.Args != nil {
		for _, a := range b.GraphQL.Args {
			v := "__weft_" + strconv.Itoa(len(d.args))
			d.args = append(d.args, schema.GraphQLArg{Variable: v, Value: a.Value})
			d.argDefs = append(d.argDefs, &ast.VariableDefinition{Variable: v, Type: a.Type})
			df.args = append(df.args, &ast.Argument{Name: a.Name, Value: &ast.Value{Kind: ast.Variable, Raw: v}})
		}
	} else {
		df.args = f.AST.Arguments
	}
	if named := p.s.AST.Types[f.Type.Name()]; named != nil && !named.IsLeafType() {
		df.sel = &docSel{}
	}
	d.root.fields = append(d.root.fields, df)
	d.fieldSels[f] = df.sel
	f.Result = schema.Path{{Key: f.ResponseKey}}
}

func (d *fetchDoc) fieldSel(f *Field) *docSel { return d.fieldSels[f] }

func (s *docSel) byAlias(alias string) *docField {
	for _, f := range s.fields {
		if f.alias == alias {
			return f
		}
	}
	return nil
}

// fragment returns the selection for objects of concrete type typeName.
func (s *docSel) fragment(typeName string) *docSel {
	for _, fr := range s.frags {
		if fr.typeName == typeName {
			return fr.sel
		}
	}
	fr := &docFrag{typeName: typeName, sel: &docSel{up: s}}
	s.frags = append(s.frags, fr)
	return fr.sel
}

// level returns the selection of the objects s selects from: s, or for a
// fragment the selection it is part of. The fragments of one level are on
// the same objects, which entity fetches fetch together.
func (s *docSel) level() *docSel {
	for s.up != nil {
		s = s.up
	}
	return s
}

// rekey moves the field to a fresh alias, with the client fields that read
// it.
func (df *docField) rekey(p *planner) {
	df.alias = p.freshAlias()
	if df.client != nil {
		df.client.Key = df.alias
	}
	for _, f := range df.shared {
		f.Key = df.alias
	}
}

func (p *planner) freshAlias() string {
	p.keys++
	return "__weft" + strconv.Itoa(p.keys)
}

// addClient adds a client field with no binding of its own: the upstream
// returns it, as its field name (f's name, or the name @from gives). It
// sets f.Key and returns the field's sub-selection (nil for a leaf).
func (s *docSel) addClient(p *planner, f *Field, name string, leaf bool) *docSel {
	alias := f.ResponseKey
	if ex := s.byAlias(alias); ex != nil {
		if ex.client == nil && ex.name == name && len(f.AST.Arguments) == 0 {
			// A field a template needs, under the same key: share it.
			ex.client = f
			f.Key = alias
			if !leaf && ex.sel == nil {
				ex.sel = &docSel{}
			}
			return ex.sel
		}
		alias = p.freshAlias()
	}
	df := &docField{alias: alias, name: name, args: f.AST.Arguments, client: f}
	if !leaf {
		df.sel = &docSel{}
	}
	f.Key = alias
	s.fields = append(s.fields, df)
	return df.sel
}

// require makes the upstream return path (a parent field a template reads)
// under its own name, moving a client field that uses that key elsewhere.
func (s *docSel) require(p *planner, path []string) {
	name := path[0]
	df := s.byAlias(name)
	if df != nil && (df.name != name || len(df.args) > 0) {
		df.rekey(p)
		df = nil
	}
	if df == nil {
		df = &docField{alias: name, name: name, required: true}
		s.fields = append(s.fields, df)
	}
	if len(path) > 1 {
		if df.sel == nil {
			df.sel = &docSel{}
		}
		df.sel.require(p, path[1:])
	}
}

func (s *docSel) selectionSet() ast.SelectionSet {
	var set ast.SelectionSet
	if s.typename {
		set = append(set, &ast.Field{Name: "__typename"})
	}
	for _, f := range s.fields {
		af := &ast.Field{Name: f.name, Arguments: f.args}
		if f.alias != f.name {
			af.Alias = f.alias
		}
		if f.sel != nil {
			af.SelectionSet = f.sel.selectionSet()
		}
		set = append(set, af)
	}
	for _, fr := range s.frags {
		set = append(set, &ast.InlineFragment{TypeCondition: fr.typeName, SelectionSet: fr.sel.selectionSet()})
	}
	if len(set) == 0 {
		// A composite field of which the client asked only __typename on a
		// concrete type: an empty selection set is not valid GraphQL.
		set = append(set, &ast.Field{Name: "__typename"})
	}
	return set
}

// print writes the operation and the start of its request body.
func (d *fetchDoc) print(p *planner) *schema.GraphQLOperation {
	op := &ast.OperationDefinition{Operation: ast.Query, SelectionSet: d.root.selectionSet()}
	if d.fetch.Binding.GraphQL.Operation == ast.Mutation {
		op.Operation = ast.Mutation
	}
	used := map[string]bool{}
	collectVariables(op.SelectionSet, used)
	names := make([]string, 0, len(used))
	for name := range used {
		if def := p.op.VariableDefinitions.ForName(name); def != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		def := p.op.VariableDefinitions.ForName(name)
		// The default goes too: a variable the client leaves out takes it
		// upstream, where a non-null argument needs a value.
		op.VariableDefinitions = append(op.VariableDefinitions, &ast.VariableDefinition{Variable: name, Type: def.Type, DefaultValue: def.DefaultValue})
	}
	op.VariableDefinitions = append(op.VariableDefinitions, d.argDefs...)
	text := printOperation(op)
	head := append([]byte(`{"query":`), jsonwrite.String(nil, text)...)
	return &schema.GraphQLOperation{Document: text, Mutation: op.Operation == ast.Mutation, Head: head, ForwardVariables: names, Args: d.args}
}

func collectVariables(set ast.SelectionSet, used map[string]bool) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			for _, a := range sel.Arguments {
				valueVariables(a.Value, used)
			}
			collectVariables(sel.SelectionSet, used)
		case *ast.InlineFragment:
			collectVariables(sel.SelectionSet, used)
		}
	}
}

func valueVariables(v *ast.Value, used map[string]bool) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		used[v.Raw] = true
	}
	for _, c := range v.Children {
		valueVariables(c.Value, used)
	}
}

// printOperation writes an operation on one line, with no more space than
// GraphQL needs: upstreams parse it on every call.
func printOperation(op *ast.OperationDefinition) string {
	var b strings.Builder
	b.WriteString(string(op.Operation))
	if len(op.VariableDefinitions) > 0 {
		b.WriteByte('(')
		for i, v := range op.VariableDefinitions {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("$" + v.Variable + ":" + v.Type.String())
			if v.DefaultValue != nil {
				b.WriteString("=" + v.DefaultValue.String())
			}
		}
		b.WriteByte(')')
	}
	printSelectionSet(&b, op.SelectionSet)
	return b.String()
}

func printSelectionSet(b *strings.Builder, set ast.SelectionSet) {
	b.WriteByte('{')
	for i, sel := range set {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Alias != "" && sel.Alias != sel.Name {
				b.WriteString(sel.Alias + ":")
			}
			b.WriteString(sel.Name)
			if len(sel.Arguments) > 0 {
				b.WriteByte('(')
				for j, a := range sel.Arguments {
					if j > 0 {
						b.WriteByte(',')
					}
					b.WriteString(a.Name + ":" + a.Value.String())
				}
				b.WriteByte(')')
			}
			if len(sel.SelectionSet) > 0 {
				printSelectionSet(b, sel.SelectionSet)
			}
		case *ast.InlineFragment:
			b.WriteString("...on " + sel.TypeCondition)
			printSelectionSet(b, sel.SelectionSet)
		}
	}
	b.WriteByte('}')
}
