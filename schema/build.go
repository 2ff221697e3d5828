package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// preludeName names the source holding the definitions of Weft's own
// directives.
const preludeName = "weft:bindings"

// prelude declares the directives every schema may use whatever its kinds:
// @from, @typeBy, @unwrap and @fallback, and the scalar binding directives type their
// structured arguments with. Each kind's Binder adds its binding directive.
// Build checks their arguments itself (gqlparser checks only that required
// ones are present) and removes them from the schema it serves.
const prelude = `
scalar _WeftValue
directive @from(key: String, value: _WeftValue) on FIELD_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @typeBy(key: String, values: _WeftValue, required: _WeftValue) on UNION | INTERFACE
directive @unwrap on INPUT_OBJECT
directive @fallback(on: [String!], upstream: String, stale: String, value: _WeftValue) on FIELD_DEFINITION | OBJECT
`

// ownDirectives are the directives of the prelude, which Build removes
// from the served schema with the binding directives.
var ownDirectives = []string{"from", "fallback", "typeBy", "unwrap"}

// binders indexes Binders by the name of their directive.
type binders map[string]Binder

// newBinders checks each Binder's directive and indexes them.
func newBinders(list []Binder) (binders, error) {
	out := binders{}
	for _, b := range list {
		name, err := checkBinder(b)
		if err != nil {
			return nil, err
		}
		if prev, ok := out[name]; ok {
			return nil, fmt.Errorf("kinds %s and %s both define @%s", prev.Kind(), b.Kind(), name)
		}
		out[name] = b
	}
	return out, nil
}

// prelude returns the SDL declaring Weft's own directives and the binding
// directives, in a stable order.
func (bs binders) prelude() string {
	var sb strings.Builder
	sb.WriteString(prelude)
	for _, name := range keys(bs) {
		sb.WriteString(bs[name].Directive())
		sb.WriteByte('\n')
	}
	return sb.String()
}

// machinery reports whether the directive name is Weft's own.
func (bs binders) machinery(name string) bool {
	return bs[name] != nil || slices.Contains(ownDirectives, name)
}

// names lists the binding directives as "@a, @b or @c", for errors.
func (bs binders) names() string {
	ks := keys(bs)
	for i := range ks {
		ks[i] = "@" + ks[i] + "(...)"
	}
	switch len(ks) {
	case 0:
		return "a binding directive"
	case 1:
		return ks[0]
	}
	return strings.Join(ks[:len(ks)-1], ", ") + " or " + ks[len(ks)-1]
}

// parseDirectives parses SDL that defines directives.
func parseDirectives(sdl string) (ast.DirectiveDefinitionList, error) {
	doc, err := parser.ParseSchema(&ast.Source{Name: "directive", Input: sdl})
	if err != nil {
		return nil, err
	}
	return doc.Directives, nil
}

// Options are the inputs to Build beyond the SDL.
type Options struct {
	// Binders decode the binding directives, one per upstream kind.
	Binders []Binder
	// Upstreams are the upstreams bindings may name.
	Upstreams map[string]UpstreamInfo
	// Vars are the values {vars.x} placeholders may read.
	Vars map[string]string
	// Includes are more SDL merged into the schema, such as the fields an
	// upstream generates from its OpenAPI document. They may extend the
	// root types; errors in them name their own File.
	Includes []Source
	// Federation, when set, is the supergraph whose subgraphs resolve the
	// fields of its types that have no binding.
	Federation *Federation
}

// Schema is a built VirtualService schema: what it serves and how each field
// is resolved. It is immutable once built.
type Schema struct {
	// AST is the schema clients see: the binding directives are removed.
	AST *ast.Schema
	// Version identifies the schema and everything its bindings depend on.
	Version  string
	Source   Source
	bindings map[FieldRef]*Binding
	// sources are the names fields have in their parent's source, where
	// @from renames them.
	sources map[FieldRef]string
	// inputKeys are the keys input fields are sent under, where @from
	// renames them.
	inputKeys map[FieldRef]string
	// upstreams are the upstreams the bindings were checked against.
	upstreams map[string]UpstreamInfo
	// enums are the wire values of enums whose values @from renames, and
	// typeRules how to tell the type of values of unions and interfaces
	// that have @typeBy.
	enums     map[string]*EnumWire
	typeRules map[string]*TypeRule
	// Federation, when set, is the supergraph whose subgraphs resolve the
	// fields of its types that have no binding.
	Federation *Federation
	// fedFallbacks are the fallbacks of fields the supergraph resolves
	// that have one of their own (restated) or their type's.
	fedFallbacks map[FieldRef]*Fallback
}

// Upstream returns what the schema was built knowing of an upstream.
func (s *Schema) Upstream(name string) (UpstreamInfo, bool) {
	u, ok := s.upstreams[name]
	return u, ok
}

// SourceName returns the name of typeName.field in the parent object's
// source: the JSON key (REST) or the upstream field (GraphQL). It is the
// field's own name unless @from(key:) says otherwise.
func (s *Schema) SourceName(typeName, field string) string {
	if k, ok := s.sources[FieldRef{typeName, field}]; ok {
		return k
	}
	return field
}

// InputKey returns the key under which the input field typeName.field is
// sent to an upstream in a JSON (or form) body: the field's name unless
// @from(key:) says otherwise.
func (s *Schema) InputKey(typeName, field string) string {
	if k, ok := s.inputKeys[FieldRef{typeName, field}]; ok {
		return k
	}
	return field
}

// Binding returns the binding of typeName.field, or nil when the field is
// resolved from its parent's value.
func (s *Schema) Binding(typeName, field string) *Binding {
	return s.bindings[FieldRef{typeName, field}]
}

// Bindings returns every binding, sorted by type and field.
func (s *Schema) Bindings() []*Binding {
	out := make([]*Binding, 0, len(s.bindings))
	for _, b := range s.bindings {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Field < out[j].Field
	})
	return out
}

// Build parses and checks src and returns the schema, or every problem found
// as Errors.
func Build(src Source, opts Options) (*Schema, error) {
	bs, err := newBinders(opts.Binders)
	if err != nil {
		return nil, Errors{{Pos: Pos{File: src.File}, Msg: err.Error()}}
	}
	b := &builder{src: &src, opts: opts, binders: bs, bindings: map[FieldRef]*Binding{}, sources: map[FieldRef]string{}, inputKeys: map[FieldRef]string{}, files: map[string]*Source{src.File: &src},
		enums: map[string]*EnumWire{}, rules: map[string]*TypeRule{}}
	inputs := []*ast.Source{{Name: preludeName, Input: bs.prelude(), BuiltIn: true}}
	for i := range opts.Includes {
		inc := &opts.Includes[i]
		b.files[inc.File] = inc
		inputs = append(inputs, &ast.Source{Name: inc.File, Input: inc.Input})
	}
	if src.Input != "" || len(opts.Includes) == 0 {
		inputs = append(inputs, &ast.Source{Name: src.File, Input: src.Input})
	}
	sd, err := parser.ParseSchemas(append([]*ast.Source{validator.Prelude}, inputs...)...)
	if err != nil {
		return nil, b.gqlErrors(err)
	}
	if opts.Federation != nil {
		b.restate(sd)
	}
	ast, err := validator.ValidateSchemaDocument(sd)
	if err != nil {
		return nil, b.gqlErrors(err)
	}
	b.ast = ast
	b.collect()
	b.fallbacks()
	if len(b.errs) == 0 {
		b.checkOwnedTypes()
	}
	if len(b.errs) > 0 {
		b.errs.sort()
		return nil, b.errs
	}
	b.strip()
	return &Schema{AST: b.ast, Version: b.version(), Source: src, bindings: b.bindings, sources: b.sources, inputKeys: b.inputKeys, upstreams: opts.Upstreams, Federation: opts.Federation, fedFallbacks: b.fedFallbacks,
		enums: b.enums, typeRules: b.rules}, nil
}

type builder struct {
	src      *Source
	opts     Options
	binders  binders
	ast      *ast.Schema
	bindings map[FieldRef]*Binding
	sources  map[FieldRef]string
	// inputKeys are the @from keys of input fields; renames, built from
	// them when a binding first needs them, are the tmpl.Keys of each
	// input type with a renamed field at or below it.
	inputKeys map[FieldRef]string
	renames   map[string]*tmpl.Keys
	// enums and rules are what @from(value:) and @typeBy say.
	enums map[string]*EnumWire
	rules map[string]*TypeRule
	// files are the sources by name, for positions.
	files map[string]*Source
	errs  Errors
	// shapes are the (gateway type, upstream type) pairs checked, per
	// upstream, so a type many bindings reach is reported once.
	shapes map[string]map[[2]string]bool
	// alternates are the second bindings of fields, which serve only as
	// their @fallback's upstream; fallbacks attaches them.
	alternates map[FieldRef]*alternate
	// restated are the route's restatements of supergraph fields, which
	// give them fallbacks (see fedfallback.go), and fedFallbacks what
	// they give.
	restated     map[FieldRef]*ast.FieldDefinition
	fedFallbacks map[FieldRef]*Fallback
}

// alternate is a field's second binding and the directive it came from.
type alternate struct {
	bd *Binding
	d  *ast.Directive
}

// shapesOf is the set of type pairs checked against upstream up.
func (b *builder) shapesOf(up string) map[[2]string]bool {
	if b.shapes == nil {
		b.shapes = map[string]map[[2]string]bool{}
	}
	m := b.shapes[up]
	if m == nil {
		m = map[[2]string]bool{}
		b.shapes[up] = m
	}
	return m
}

// pos maps a gqlparser position to the file it came from.
func (b *builder) pos(p *ast.Position) Pos {
	if p != nil && p.Src != nil {
		if s := b.files[p.Src.Name]; s != nil {
			return s.pos(p)
		}
	}
	return b.src.pos(p)
}

func (b *builder) errorf(p *ast.Position, where, format string, args ...any) {
	b.errs = append(b.errs, &Error{Pos: b.pos(p), Where: where, Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) gqlErrors(err error) error {
	var list gqlerror.List
	var one *gqlerror.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = gqlerror.List{one}
	default:
		return Errors{{Pos: Pos{File: b.src.File}, Msg: err.Error()}}
	}
	var out Errors
	for _, e := range list {
		var p *ast.Position
		if len(e.Locations) > 0 {
			p = &ast.Position{Line: e.Locations[0].Line, Column: e.Locations[0].Column}
			if file, ok := e.Extensions["file"].(string); ok {
				p.Src = &ast.Source{Name: file}
			}
		}
		out = append(out, &Error{Pos: b.pos(p), Msg: e.Message})
	}
	return out
}

// sortedTypes returns the user's type definitions in source order, so errors
// come out in the order a reader meets them.
func (b *builder) sortedTypes() []*ast.Definition {
	var out []*ast.Definition
	for _, d := range b.ast.Types {
		if d.BuiltIn || d.Position == nil || d.Position.Src == nil || d.Position.Src.Name == preludeName {
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Position.Line != out[j].Position.Line {
			return out[i].Position.Line < out[j].Position.Line
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (b *builder) rootKind(typeName string) (ast.Operation, bool) {
	switch {
	case b.ast.Query != nil && typeName == b.ast.Query.Name:
		return ast.Query, true
	case b.ast.Mutation != nil && typeName == b.ast.Mutation.Name:
		return ast.Mutation, true
	case b.ast.Subscription != nil && typeName == b.ast.Subscription.Name:
		return ast.Subscription, true
	}
	return "", false
}

// collect finds every binding directive and builds its Binding.
func (b *builder) collect() {
	// Bindings read the wire values of enums and the keys of input
	// fields, wherever they are declared.
	b.enumWires()
	b.typeRules()
	for _, def := range b.sortedTypes() {
		if def.Kind == ast.InputObject {
			b.inputFrom(def)
		}
	}
	for _, def := range b.sortedTypes() {
		if def.Kind != ast.Object && def.Kind != ast.Interface {
			continue
		}
		op, isRoot := b.rootKind(def.Name)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			where := def.Name + "." + f.Name
			var found []*ast.Directive
			for _, d := range f.Directives {
				if b.binders[d.Name] != nil {
					found = append(found, d)
				}
			}
			if from := f.Directives.ForName("from"); from != nil {
				b.from(def, f, from, len(found) > 0, where)
			}
			switch {
			case len(found) > 2:
				b.errorf(found[2].Position, where, "has %d bindings (@%s, @%s and @%s); a field has one, and a second only as its @fallback's upstream", len(found), found[0].Name, found[1].Name, found[2].Name)
				continue
			case len(found) == 0:
				if isRoot && !b.federated(def.Name, f.Name) {
					b.errorf(f.Position, where, "root field has no binding: add %s to say which upstream resolves it", b.binders.names())
				}
				continue
			}
			if def.Kind == ast.Interface {
				b.errorf(found[0].Position, where, "bindings go on object type fields, not interface fields")
				continue
			}
			d := found[0]
			ref := FieldRef{def.Name, f.Name}
			bd := &Binding{FieldRef: ref, Def: f, Pos: b.pos(d.Position)}
			if ok := b.bind(bd, def, d, op, isRoot); ok {
				b.bindings[ref] = bd
			}
			if len(found) == 2 {
				alt := &Binding{FieldRef: ref, Def: f, Pos: b.pos(found[1].Position)}
				if ok := b.bind(alt, def, found[1], op, isRoot); ok {
					if b.alternates == nil {
						b.alternates = map[FieldRef]*alternate{}
					}
					b.alternates[ref] = &alternate{bd: alt, d: found[1]}
				}
			}
		}
	}
}

// bind fills bd from directive d with its kind's Binder; it reports
// problems and returns false when the binding is unusable.
func (b *builder) bind(bd *Binding, parent *ast.Definition, d *ast.Directive, op ast.Operation, isRoot bool) bool {
	binder := b.binders[d.Name]
	where := bd.FieldRef.String() + " @" + d.Name
	args := newDirectiveArgs(b, d, where)
	bd.Kind = binder.Kind()
	bd.Upstream = args.string("upstream", true)
	if t, ok := args.duration("timeout"); ok {
		bd.Timeout = t
	}
	info, ok := b.opts.Upstreams[bd.Upstream]
	if bd.Upstream != "" && !ok {
		b.errorf(args.pos("upstream"), where, "unknown upstream %q%s", bd.Upstream, suggest(bd.Upstream, keys(b.opts.Upstreams)))
	}
	if info.Failed {
		return false // the upstream's own errors say what is wrong
	}
	if ok && info.Kind != bd.Kind {
		b.errorf(args.pos("upstream"), where, "upstream %q is a %s upstream; @%s needs a %s upstream", bd.Upstream, info.Kind, d.Name, bd.Kind)
		ok = false
	}
	n := len(b.errs)
	binder.Bind(&BindContext{b: b, bd: bd, parent: parent, args: args, info: info, known: ok, op: op, isRoot: isRoot, where: where})
	args.rejectUnknown()
	// A field whose arguments are not forwarded to a GraphQL upstream, which
	// would check them, has its arguments coerced by the executor, whether
	// or not the templates read them: a bad value is the client's error
	// either way.
	if bd.GraphQL == nil || bd.GraphQL.Args != nil {
		bd.ReadsArgs = true
	}
	if isRoot && op == ast.Subscription && !bd.Streams && len(b.errs) == n {
		// Only a stream can serve a subscription; the others answer once.
		b.errorf(d.Position, where, "a Subscription field needs a binding that streams (a server-streaming method); @%s answers once", d.Name)
	}
	return len(b.errs) == n
}

// from records a @from(key:) rename of a field without a binding.
func (b *builder) from(def *ast.Definition, f *ast.FieldDefinition, d *ast.Directive, bound bool, where string) {
	args := newDirectiveArgs(b, d, where+" @from")
	key := args.string("key", true)
	args.rejectUnknown()
	switch {
	case bound:
		b.errorf(d.Position, where, "@from names where a field is in its parent's source; a field with a binding gets its value from the binding instead")
	case key == "" && args.d.Arguments.ForName("key") != nil:
		b.errorf(d.Position, where, "@from(key:) must not be empty")
	case key != "":
		b.sources[FieldRef{def.Name, f.Name}] = key
	}
}

// inputFrom records the @from(key:) renames of an input type's fields: the
// keys their values are sent under. Two fields sent under one key would
// make a body that says one thing twice, so that is an error.
func (b *builder) inputFrom(def *ast.Definition) {
	byKey := map[string]string{}
	for _, f := range def.Fields {
		where := def.Name + "." + f.Name
		key := f.Name
		if d := f.Directives.ForName("from"); d != nil {
			args := newDirectiveArgs(b, d, where+" @from")
			k := args.string("key", true)
			args.rejectUnknown()
			if k == "" {
				if d.Arguments.ForName("key") != nil {
					b.errorf(d.Position, where, "@from(key:) must not be empty")
				}
				continue
			}
			key = k
			if key != f.Name {
				b.inputKeys[FieldRef{def.Name, f.Name}] = key
			}
		}
		if other, ok := byKey[key]; ok {
			b.errorf(f.Position, where, "is sent under the key %q, as %s.%s is; an input type's fields need distinct keys", key, def.Name, other)
			continue
		}
		byKey[key] = f.Name
	}
}

// inputKey is InputKey during the build.
func (b *builder) inputKey(typeName, field string) string {
	if k, ok := b.inputKeys[FieldRef{typeName, field}]; ok {
		return k
	}
	return field
}

// sourceName is SourceName during the build.
func (b *builder) sourceName(typeName, field string) string {
	if k, ok := b.sources[FieldRef{typeName, field}]; ok {
		return k
	}
	if def := b.ast.Types[typeName]; def != nil {
		if f := def.Fields.ForName(field); f != nil {
			if d := f.Directives.ForName("from"); d != nil {
				if a := d.Arguments.ForName("key"); a != nil && a.Value != nil && a.Value.Raw != "" {
					return a.Value.Raw
				}
			}
		}
	}
	return field
}

// strip removes the binding machinery from the served schema.
func (b *builder) strip() {
	for _, def := range b.ast.Types {
		for _, v := range def.EnumValues {
			v.Directives = slices.DeleteFunc(slices.Clone(v.Directives), func(d *ast.Directive) bool { return b.binders.machinery(d.Name) })
		}
		if def.Directives.ForName("fallback") != nil || def.Directives.ForName("typeBy") != nil || def.Directives.ForName("unwrap") != nil {
			kept := def.Directives[:0:0]
			for _, d := range def.Directives {
				if !b.binders.machinery(d.Name) {
					kept = append(kept, d)
				}
			}
			def.Directives = kept
		}
		for _, f := range def.Fields {
			kept := f.Directives[:0:0]
			for _, d := range f.Directives {
				if !b.binders.machinery(d.Name) {
					kept = append(kept, d)
				}
			}
			f.Directives = kept
		}
	}
	for name, def := range b.ast.Types {
		if def.Position != nil && def.Position.Src != nil && def.Position.Src.Name == preludeName {
			delete(b.ast.Types, name)
		}
	}
	for name := range b.binders {
		delete(b.ast.Directives, name)
	}
	for _, name := range ownDirectives {
		delete(b.ast.Directives, name)
	}
}

func (b *builder) version() string {
	h := sha256.New()
	h.Write([]byte(b.src.Input))
	for _, inc := range b.opts.Includes {
		fmt.Fprintf(h, "\x00%s\x00%s", inc.File, inc.Input)
	}
	for _, name := range keys(b.opts.Upstreams) {
		u := b.opts.Upstreams[name]
		fmt.Fprintf(h, "\x00%s\x00%s\x00%s\x00%t\x00%q", name, u.Kind, u.Version, u.Trusted, u.Credentials)
	}
	for _, name := range keys(b.opts.Vars) {
		fmt.Fprintf(h, "\x00%s=%s", name, b.opts.Vars[name])
	}
	if f := b.opts.Federation; f != nil {
		fmt.Fprintf(h, "\x00federation\x00%s\x00%s", f.Upstream, f.Version)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ParseGenerated parses SDL an upstream generates with its kind's binding
// directive in it (an imported gRPC service, say), so that Build can check
// bindings against the upstream's own description of its types.
func ParseGenerated(src Source, kind Binder) (*ast.Schema, error) {
	bs, err := newBinders([]Binder{kind})
	if err != nil {
		return nil, err
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: preludeName, Input: bs.prelude(), BuiltIn: true}, &ast.Source{Name: src.File, Input: src.Input})
	if err != nil {
		return nil, fmt.Errorf("generated schema %s: %w", src.File, err)
	}
	return s, nil
}

// GeneratedUpstream describes an upstream whose operations an importer
// turned into SDL (a gRPC service, a WSDL): the SDL parsed to check
// bindings against, a version that changes with it, the fragment a
// VirtualService includes, and the declarations of the custom scalars it
// uses. The caller adds the Methods.
func GeneratedUpstream(name string, kind Binder, from, sdl, fragment string, scalars map[string]string) (UpstreamInfo, error) {
	file := fmt.Sprintf("upstream %s (generated from %s)", name, from)
	s, err := ParseGenerated(Source{File: file, Input: sdl}, kind)
	if err != nil {
		return UpstreamInfo{}, err
	}
	h := fnv.New64a()
	h.Write([]byte(sdl))
	return UpstreamInfo{Name: name, Kind: kind.Kind(), Schema: s, Version: strconv.FormatUint(h.Sum64(), 16),
		Methods: map[string]Method{}, Scalars: scalars, Fields: &Source{File: file, Input: fragment}}, nil
}

// RootOperation is the operation of a root type by its name (Query,
// Mutation, Subscription).
func RootOperation(root string) ast.Operation {
	switch root {
	case "Mutation":
		return ast.Mutation
	case "Subscription":
		return ast.Subscription
	}
	return ast.Query
}
