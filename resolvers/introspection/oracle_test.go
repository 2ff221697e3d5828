package introspection

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	gqlgen "github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"
)

// The x* types decode the answer to the full introspection query. Decoding
// into structs compares meaning; the golden files pin the exact bytes.
type (
	xSchema struct {
		Description      *string      `json:"description"`
		QueryType        *xRef        `json:"queryType"`
		MutationType     *xRef        `json:"mutationType"`
		SubscriptionType *xRef        `json:"subscriptionType"`
		Types            []xType      `json:"types"`
		Directives       []xDirective `json:"directives"`
	}
	xRef struct {
		Kind   string  `json:"kind"`
		Name   *string `json:"name"`
		OfType *xRef   `json:"ofType"`
	}
	xType struct {
		Kind           string         `json:"kind"`
		Name           *string        `json:"name"`
		Description    *string        `json:"description"`
		SpecifiedByURL *string        `json:"specifiedByURL"`
		IsOneOf        *bool          `json:"isOneOf"`
		Fields         *[]xField      `json:"fields"`
		InputFields    *[]xInputValue `json:"inputFields"`
		Interfaces     *[]xRef        `json:"interfaces"`
		EnumValues     *[]xEnumValue  `json:"enumValues"`
		PossibleTypes  *[]xRef        `json:"possibleTypes"`
	}
	xField struct {
		Name              string        `json:"name"`
		Description       *string       `json:"description"`
		Args              []xInputValue `json:"args"`
		Type              xRef          `json:"type"`
		IsDeprecated      bool          `json:"isDeprecated"`
		DeprecationReason *string       `json:"deprecationReason"`
	}
	xInputValue struct {
		Name              string  `json:"name"`
		Description       *string `json:"description"`
		Type              xRef    `json:"type"`
		DefaultValue      *string `json:"defaultValue"`
		IsDeprecated      bool    `json:"isDeprecated"`
		DeprecationReason *string `json:"deprecationReason"`
	}
	xEnumValue struct {
		Name              string  `json:"name"`
		Description       *string `json:"description"`
		IsDeprecated      bool    `json:"isDeprecated"`
		DeprecationReason *string `json:"deprecationReason"`
	}
	xDirective struct {
		Name         string        `json:"name"`
		Description  *string       `json:"description"`
		IsRepeatable bool          `json:"isRepeatable"`
		Locations    []string      `json:"locations"`
		Args         []xInputValue `json:"args"`
	}
)

// TestAgainstGqlgen compares the answer to the full query with what gqlgen's
// introspection package, an independent implementation over the same AST,
// reports for every test schema. Where gqlgen departs from the spec the
// expectation is corrected, each time with the reason, so a change on either
// side shows up here.
func TestAgainstGqlgen(t *testing.T) {
	query := FullQuery
	for _, name := range schemaFiles(t) {
		t.Run(name, func(t *testing.T) {
			s := loadSchemaFile(t, name)
			field, vars := rootField(t, s, query, nil)
			out, err := Write(nil, s, field, vars)
			if err != nil {
				t.Fatal(err)
			}
			var got xSchema
			dec := json.NewDecoder(bytes.NewReader(out))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			normalizeDefaults(&got)
			want := fromGqlgen(s)
			normalizeDefaults(&want)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("differs from gqlgen:\n%s", diffLines(string(g), string(w)))
			}
		})
	}
}

// normalizeDefaults drops the spaces that separate list items and object
// fields in default values: gqlgen prints `{a:1}`, graphql-js and this
// package `{a: 1}`, and both are the same literal.
func normalizeDefaults(s *xSchema) {
	fix := func(vs []xInputValue) {
		for i := range vs {
			if vs[i].DefaultValue != nil {
				c := compactLiteral(*vs[i].DefaultValue)
				vs[i].DefaultValue = &c
			}
		}
	}
	for i := range s.Types {
		t := &s.Types[i]
		if t.Fields != nil {
			for j := range *t.Fields {
				fix((*t.Fields)[j].Args)
			}
		}
		if t.InputFields != nil {
			fix(*t.InputFields)
		}
	}
	for i := range s.Directives {
		fix(s.Directives[i].Args)
	}
}

// compactLiteral removes whitespace outside string literals.
func compactLiteral(s string) string {
	var b strings.Builder
	inString, escaped := false, false
	for _, r := range s {
		switch {
		case inString:
			b.WriteRune(r)
			if escaped {
				escaped = false
			} else if r == '\\' {
				escaped = true
			} else if r == '"' {
				inString = false
			}
		case r == '"':
			inString = true
			b.WriteRune(r)
		case r == ' ' || r == '\n' || r == '\t' || r == ',':
			if r == ',' {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func fromGqlgen(s *ast.Schema) xSchema {
	gs := gqlgen.WrapSchema(s)
	out := xSchema{
		Description:      gs.Description(),
		QueryType:        refFromGqlgen(gs.QueryType()),
		MutationType:     refFromGqlgen(gs.MutationType()),
		SubscriptionType: refFromGqlgen(gs.SubscriptionType()),
	}
	// The full query selects only name and kind of the root types.
	for _, r := range []*xRef{out.QueryType, out.MutationType, out.SubscriptionType} {
		if r != nil {
			r.OfType = nil
		}
	}
	for _, t := range gs.Types() {
		out.Types = append(out.Types, typeFromGqlgen(s, &t))
	}
	for _, d := range gs.Directives() {
		out.Directives = append(out.Directives, xDirective{
			Name:         d.Name,
			Description:  d.Description(),
			IsRepeatable: d.IsRepeatable,
			Locations:    d.Locations,
			Args:         inputsFromGqlgen(s, d.VisibleArgs(true)),
		})
	}
	return out
}

func refFromGqlgen(t *gqlgen.Type) *xRef {
	if t == nil {
		return nil
	}
	return &xRef{Kind: t.Kind(), Name: t.Name(), OfType: refFromGqlgen(t.OfType())}
}

func refsFromGqlgen(ts []gqlgen.Type) []xRef {
	out := make([]xRef, len(ts))
	for i := range ts {
		out[i] = *refFromGqlgen(&ts[i])
	}
	return out
}

func typeFromGqlgen(s *ast.Schema, t *gqlgen.Type) xType {
	kind := t.Kind()
	out := xType{
		Kind:           kind,
		Name:           t.Name(),
		Description:    t.Description(),
		SpecifiedByURL: t.SpecifiedByURL(),
	}
	// gqlgen answers isOneOf false for every type; the spec and graphql-js
	// answer null unless the type is an input object.
	if kind == "INPUT_OBJECT" {
		v := t.IsOneOf()
		out.IsOneOf = &v
	}
	// gqlgen answers [] where the spec says null: fields and interfaces exist
	// on objects and interfaces only, possibleTypes on abstract types,
	// enumValues on enums, inputFields on input objects.
	if kind == "OBJECT" || kind == "INTERFACE" {
		var fields []xField
		for _, f := range t.Fields(true) {
			fields = append(fields, xField{
				Name:              f.Name,
				Description:       f.Description(),
				Args:              inputsFromGqlgen(s, f.VisibleArgs(true)),
				Type:              *refFromGqlgen(f.Type),
				IsDeprecated:      f.IsDeprecated(),
				DeprecationReason: f.DeprecationReason(),
			})
		}
		out.Fields = &fields
		interfaces := refsFromGqlgen(t.Interfaces())
		out.Interfaces = &interfaces
	}
	if kind == "INTERFACE" || kind == "UNION" {
		// gqlgen lists the interfaces that implement an interface among its
		// possible types; the spec lists object types only.
		var possible []xRef
		for _, r := range refsFromGqlgen(t.PossibleTypes()) {
			if r.Kind == "OBJECT" {
				possible = append(possible, r)
			}
		}
		if possible == nil {
			possible = []xRef{}
		}
		out.PossibleTypes = &possible
	}
	if kind == "ENUM" {
		var values []xEnumValue
		for _, v := range t.EnumValues(true) {
			values = append(values, xEnumValue{
				Name:              v.Name,
				Description:       v.Description(),
				IsDeprecated:      v.IsDeprecated(),
				DeprecationReason: withDefaultReason(v.IsDeprecated(), v.DeprecationReason(), s, enumValueDirectives(s, t, v.Name)),
			})
		}
		out.EnumValues = &values
	}
	if kind == "INPUT_OBJECT" {
		fields := inputsFromGqlgen(s, t.VisibleInputFields(true))
		out.InputFields = &fields
	}
	return out
}

func inputsFromGqlgen(s *ast.Schema, vs []gqlgen.InputValue) []xInputValue {
	out := make([]xInputValue, len(vs))
	for i, v := range vs {
		out[i] = xInputValue{
			Name:         v.Name,
			Description:  v.Description(),
			Type:         *refFromGqlgen(v.Type),
			DefaultValue: v.DefaultValue,
			IsDeprecated: v.IsDeprecated(),
			// gqlgen answers null for an argument or input field marked with a
			// bare @deprecated, as if the reason were unset; the directive's
			// default reason applies.
			DeprecationReason: withDefaultReason(v.IsDeprecated(), v.DeprecationReason(), s, nil),
		}
	}
	return out
}

// withDefaultReason fills in @deprecated's default reason where gqlgen gives
// none. dirs, when known, tells an explicit `reason: null` apart.
func withDefaultReason(deprecated bool, reason *string, s *ast.Schema, dirs ast.DirectiveList) *string {
	if !deprecated || reason != nil {
		return reason
	}
	if d := dirs.ForName("deprecated"); d != nil && d.Arguments.ForName("reason") != nil {
		return nil
	}
	def := s.Directives["deprecated"].Arguments.ForName("reason").DefaultValue.Raw
	return &def
}

func enumValueDirectives(s *ast.Schema, t *gqlgen.Type, value string) ast.DirectiveList {
	if v := s.Types[*t.Name()].EnumValues.ForName(value); v != nil {
		return v.Directives
	}
	return nil
}
