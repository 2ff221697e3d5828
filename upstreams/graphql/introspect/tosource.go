package introspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// Errors that ToSource and Fetch wrap; test for them with errors.Is.
var (
	// ErrNotJSON: the body is not a JSON object.
	ErrNotJSON = errors.New("not a JSON object")
	// ErrNoSchema: the answer has neither errors nor a __schema.
	ErrNoSchema = errors.New("no __schema in the introspection result")
	// ErrMalformed: __schema is there but does not describe a schema: a type
	// reference that does not resolve to a named type, a missing or invalid
	// name, an unknown kind, a default value that is not a GraphQL literal.
	ErrMalformed = errors.New("malformed introspection result")
)

// ServerErrors is an answer whose "errors" list is not empty. A server with
// introspection disabled answers this way, as does one that does not know a
// field the query asks for.
type ServerErrors struct {
	Messages []string
}

func (e *ServerErrors) Error() string {
	return "server answered with errors: " + strings.Join(e.Messages, "; ")
}

// The JSON shapes of an introspection result. Fields the query does not ask
// for are ignored; fields a server leaves out keep their zero value.
type (
	resultJSON struct {
		Data   *dataJSON       `json:"data"`
		Schema *schemaJSON     `json:"__schema"`
		Errors json.RawMessage `json:"errors"`
	}
	dataJSON struct {
		Schema *schemaJSON `json:"__schema"`
	}
	schemaJSON struct {
		Description      *string         `json:"description"`
		QueryType        *namedJSON      `json:"queryType"`
		MutationType     *namedJSON      `json:"mutationType"`
		SubscriptionType *namedJSON      `json:"subscriptionType"`
		Types            []typeJSON      `json:"types"`
		Directives       []directiveJSON `json:"directives"`
	}
	namedJSON struct {
		Name string `json:"name"`
	}
	typeJSON struct {
		Kind           string           `json:"kind"`
		Name           string           `json:"name"`
		Description    *string          `json:"description"`
		SpecifiedByURL *string          `json:"specifiedByURL"`
		IsOneOf        *bool            `json:"isOneOf"`
		Fields         []fieldJSON      `json:"fields"`
		InputFields    []inputValueJSON `json:"inputFields"`
		Interfaces     []typeRefJSON    `json:"interfaces"`
		EnumValues     []enumValueJSON  `json:"enumValues"`
		PossibleTypes  []typeRefJSON    `json:"possibleTypes"`
	}
	typeRefJSON struct {
		Kind   string       `json:"kind"`
		Name   *string      `json:"name"`
		OfType *typeRefJSON `json:"ofType"`
	}
	fieldJSON struct {
		Name              string           `json:"name"`
		Description       *string          `json:"description"`
		Args              []inputValueJSON `json:"args"`
		Type              *typeRefJSON     `json:"type"`
		IsDeprecated      bool             `json:"isDeprecated"`
		DeprecationReason *string          `json:"deprecationReason"`
	}
	inputValueJSON struct {
		Name              string       `json:"name"`
		Description       *string      `json:"description"`
		Type              *typeRefJSON `json:"type"`
		DefaultValue      *string      `json:"defaultValue"`
		IsDeprecated      bool         `json:"isDeprecated"`
		DeprecationReason *string      `json:"deprecationReason"`
	}
	enumValueJSON struct {
		Name              string  `json:"name"`
		Description       *string `json:"description"`
		IsDeprecated      bool    `json:"isDeprecated"`
		DeprecationReason *string `json:"deprecationReason"`
	}
	directiveJSON struct {
		Name         string           `json:"name"`
		Description  *string          `json:"description"`
		IsRepeatable bool             `json:"isRepeatable"`
		Locations    []string         `json:"locations"`
		Args         []inputValueJSON `json:"args"`
	}
	errorJSON struct {
		Message string `json:"message"`
	}
)

// ToSource turns a JSON introspection result into SDL, as the source name.
// result is a GraphQL response, {"data": {"__schema": ...}}, or the bare
// {"__schema": ...} that tools save to files.
//
// Types and directives come out in the server's order, less what gqlparser
// declares itself (the built-in scalars and directives, the introspection
// types). A schema definition is written when the roots are not the default
// Query, Mutation and Subscription, when a type carries a default root name
// without being that root, or when the schema has a description.
//
// The SDL is syntactically valid whatever the input: every name is checked
// and every default value is parsed and printed again. Whether it is a valid
// schema is for gqlparser.LoadSchema to say.
func ToSource(name string, result []byte) (*ast.Source, error) {
	src, err := toSource(name, result)
	if err != nil {
		return nil, fmt.Errorf("introspection result %s: %w", name, err)
	}
	return src, nil
}

// toSource is ToSource without naming the source in errors, for Fetch, which
// names the URL itself.
func toSource(name string, result []byte) (*ast.Source, error) {
	s, err := decodeSchema(result)
	if err != nil {
		return nil, err
	}
	sdl, err := printSchema(s)
	if err != nil {
		return nil, err
	}
	return &ast.Source{Name: name, Input: sdl}, nil
}

func decodeSchema(result []byte) (*schemaJSON, error) {
	trimmed := bytes.TrimSpace(result)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: body starts with %q", ErrNotJSON, snippet(result, 32))
	}
	var r resultJSON
	if err := json.Unmarshal(trimmed, &r); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("%w: %v", ErrNotJSON, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := serverErrors(r.Errors); err != nil {
		return nil, err
	}
	s := r.Schema
	if r.Data != nil && r.Data.Schema != nil {
		s = r.Data.Schema
	}
	if s == nil {
		return nil, ErrNoSchema
	}
	return s, nil
}

// serverErrors reads a response's "errors": nil when absent, null or empty.
func serverErrors(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var list []errorJSON
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("%w: errors: %v", ErrMalformed, err)
	}
	if len(list) == 0 {
		return nil
	}
	e := &ServerErrors{Messages: make([]string, len(list))}
	for i, x := range list {
		e.Messages[i] = x.Message
	}
	return e
}

// snippet returns at most n bytes of b for an error message.
func snippet(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// builtins are the names gqlparser's prelude declares, so the SDL must not.
type builtins struct {
	types      map[string]bool
	directives map[string]bool
}

func preludeBuiltins() builtins {
	doc := validator.PreludeDocument()
	b := builtins{types: map[string]bool{}, directives: map[string]bool{}}
	for _, d := range doc.Definitions {
		b.types[d.Name] = true
	}
	for _, d := range doc.Directives {
		b.directives[d.Name] = true
	}
	return b
}

func (b builtins) skipType(name string) bool {
	return b.types[name] || strings.HasPrefix(name, "__")
}

// printer writes SDL.
type printer struct {
	b strings.Builder
}

func printSchema(s *schemaJSON) (string, error) {
	var p printer
	builtin := preludeBuiltins()

	if err := p.schemaDefinition(s); err != nil {
		return "", err
	}
	seen := map[string]bool{}
	for i := range s.Directives {
		d := &s.Directives[i]
		if builtin.directives[d.Name] {
			continue
		}
		if err := checkName(d.Name); err != nil {
			return "", fmt.Errorf("%w: directive %d: %v", ErrMalformed, i, err)
		}
		if seen["@"+d.Name] {
			return "", fmt.Errorf("%w: directive @%s appears twice", ErrMalformed, d.Name)
		}
		seen["@"+d.Name] = true
		if err := p.directive(d); err != nil {
			return "", fmt.Errorf("%w: directive @%s: %v", ErrMalformed, d.Name, err)
		}
	}
	for i := range s.Types {
		t := &s.Types[i]
		if err := checkName(t.Name); err != nil {
			return "", fmt.Errorf("%w: type %d: %v", ErrMalformed, i, err)
		}
		if builtin.skipType(t.Name) {
			continue
		}
		if seen[t.Name] {
			return "", fmt.Errorf("%w: type %s appears twice", ErrMalformed, t.Name)
		}
		seen[t.Name] = true
		if err := p.typ(t); err != nil {
			return "", fmt.Errorf("%w: type %s: %v", ErrMalformed, t.Name, err)
		}
	}
	return strings.TrimSuffix(p.b.String(), "\n"), nil
}

func (p *printer) schemaDefinition(s *schemaJSON) error {
	if s.QueryType == nil {
		return fmt.Errorf("%w: no queryType", ErrMalformed)
	}
	roots := []struct {
		op, def string
		ref     *namedJSON
	}{
		{"query", "Query", s.QueryType},
		{"mutation", "Mutation", s.MutationType},
		{"subscription", "Subscription", s.SubscriptionType},
	}
	names := map[string]bool{}
	for _, t := range s.Types {
		names[t.Name] = true
	}
	needed := s.Description != nil && *s.Description != ""
	for _, r := range roots {
		if r.ref != nil {
			if err := checkName(r.ref.Name); err != nil {
				return fmt.Errorf("%w: %sType: %v", ErrMalformed, r.op, err)
			}
			if r.ref.Name != r.def {
				needed = true
			}
		} else if names[r.def] {
			// Without a schema definition gqlparser would make this type
			// the root it is named after.
			needed = true
		}
	}
	if !needed {
		return nil
	}
	p.description(s.Description, "")
	p.b.WriteString("schema {\n")
	for _, r := range roots {
		if r.ref != nil {
			fmt.Fprintf(&p.b, "  %s: %s\n", r.op, r.ref.Name)
		}
	}
	p.b.WriteString("}\n\n")
	return nil
}

func (p *printer) directive(d *directiveJSON) error {
	p.description(d.Description, "")
	p.b.WriteString("directive @")
	p.b.WriteString(d.Name)
	if err := p.args(d.Args, ""); err != nil {
		return err
	}
	if d.IsRepeatable {
		p.b.WriteString(" repeatable")
	}
	if len(d.Locations) == 0 {
		return fmt.Errorf("no locations")
	}
	p.b.WriteString(" on ")
	for i, loc := range d.Locations {
		if !validLocation(loc) {
			return fmt.Errorf("unknown location %q", loc)
		}
		if i > 0 {
			p.b.WriteString(" | ")
		}
		p.b.WriteString(loc)
	}
	p.b.WriteString("\n\n")
	return nil
}

func (p *printer) typ(t *typeJSON) error {
	p.description(t.Description, "")
	switch t.Kind {
	case "SCALAR":
		p.b.WriteString("scalar " + t.Name)
		if t.SpecifiedByURL != nil {
			p.b.WriteString(" @specifiedBy(url: ")
			p.b.Write(appendGraphQLString(nil, *t.SpecifiedByURL))
			p.b.WriteString(")")
		}
	case "OBJECT", "INTERFACE":
		if t.Kind == "OBJECT" {
			p.b.WriteString("type " + t.Name)
		} else {
			p.b.WriteString("interface " + t.Name)
		}
		for i := range t.Interfaces {
			name, err := namedRef(&t.Interfaces[i])
			if err != nil {
				return fmt.Errorf("interfaces: %v", err)
			}
			if i == 0 {
				p.b.WriteString(" implements ")
			} else {
				p.b.WriteString(" & ")
			}
			p.b.WriteString(name)
		}
		if len(t.Fields) > 0 {
			p.b.WriteString(" {\n")
			for i := range t.Fields {
				if err := p.field(&t.Fields[i]); err != nil {
					return err
				}
			}
			p.b.WriteString("}")
		}
	case "UNION":
		p.b.WriteString("union " + t.Name)
		for i := range t.PossibleTypes {
			name, err := namedRef(&t.PossibleTypes[i])
			if err != nil {
				return fmt.Errorf("possibleTypes: %v", err)
			}
			if i == 0 {
				p.b.WriteString(" = ")
			} else {
				p.b.WriteString(" | ")
			}
			p.b.WriteString(name)
		}
	case "ENUM":
		p.b.WriteString("enum " + t.Name)
		if len(t.EnumValues) > 0 {
			p.b.WriteString(" {\n")
			for _, v := range t.EnumValues {
				if err := checkName(v.Name); err != nil {
					return fmt.Errorf("enum value: %v", err)
				}
				p.description(v.Description, "  ")
				p.b.WriteString("  " + v.Name)
				p.deprecated(v.IsDeprecated, v.DeprecationReason)
				p.b.WriteString("\n")
			}
			p.b.WriteString("}")
		}
	case "INPUT_OBJECT":
		p.b.WriteString("input " + t.Name)
		if t.IsOneOf != nil && *t.IsOneOf {
			p.b.WriteString(" @oneOf")
		}
		if len(t.InputFields) > 0 {
			p.b.WriteString(" {\n")
			for i := range t.InputFields {
				v := &t.InputFields[i]
				p.description(v.Description, "  ")
				p.b.WriteString("  ")
				if err := p.inputValue(v); err != nil {
					return err
				}
				p.b.WriteString("\n")
			}
			p.b.WriteString("}")
		}
	default:
		return fmt.Errorf("unknown kind %q", t.Kind)
	}
	p.b.WriteString("\n\n")
	return nil
}

func (p *printer) field(f *fieldJSON) error {
	if err := checkName(f.Name); err != nil {
		return fmt.Errorf("field: %v", err)
	}
	p.description(f.Description, "  ")
	p.b.WriteString("  " + f.Name)
	if err := p.args(f.Args, "  "); err != nil {
		return fmt.Errorf("field %s: %v", f.Name, err)
	}
	p.b.WriteString(": ")
	if err := p.typeRef(f.Type); err != nil {
		return fmt.Errorf("field %s: type: %v", f.Name, err)
	}
	p.deprecated(f.IsDeprecated, f.DeprecationReason)
	p.b.WriteString("\n")
	return nil
}

// args writes an argument list. Arguments with descriptions go one to a line,
// since a description needs lines of its own.
func (p *printer) args(args []inputValueJSON, indent string) error {
	if len(args) == 0 {
		return nil
	}
	multiline := false
	for _, a := range args {
		if a.Description != nil && *a.Description != "" {
			multiline = true
		}
	}
	p.b.WriteString("(")
	for i := range args {
		a := &args[i]
		if multiline {
			p.b.WriteString("\n")
			p.description(a.Description, indent+"  ")
			p.b.WriteString(indent + "  ")
		} else if i > 0 {
			p.b.WriteString(", ")
		}
		if err := p.inputValue(a); err != nil {
			return err
		}
	}
	if multiline {
		p.b.WriteString("\n" + indent)
	}
	p.b.WriteString(")")
	return nil
}

// inputValue writes `name: Type = default @deprecated`.
func (p *printer) inputValue(v *inputValueJSON) error {
	if err := checkName(v.Name); err != nil {
		return fmt.Errorf("input value: %v", err)
	}
	p.b.WriteString(v.Name + ": ")
	if err := p.typeRef(v.Type); err != nil {
		return fmt.Errorf("%s: type: %v", v.Name, err)
	}
	if v.DefaultValue != nil {
		lit, err := reprintLiteral(*v.DefaultValue)
		if err != nil {
			return fmt.Errorf("%s: default value %q: %v", v.Name, snippet([]byte(*v.DefaultValue), 64), err)
		}
		p.b.WriteString(" = ")
		p.b.WriteString(lit)
	}
	p.deprecated(v.IsDeprecated, v.DeprecationReason)
	return nil
}

// defaultDeprecationReason is @deprecated's default reason in the spec. A
// deprecation with that reason, or with none, prints as a bare @deprecated,
// as graphql-js prints it.
const defaultDeprecationReason = "No longer supported"

func (p *printer) deprecated(is bool, reason *string) {
	if !is {
		return
	}
	if reason == nil || *reason == defaultDeprecationReason {
		p.b.WriteString(" @deprecated")
		return
	}
	p.b.WriteString(" @deprecated(reason: ")
	p.b.Write(appendGraphQLString(nil, *reason))
	p.b.WriteString(")")
}

// description writes d, if any, on lines of its own at indent.
func (p *printer) description(d *string, indent string) {
	if d == nil || *d == "" {
		return
	}
	p.b.WriteString(indent)
	if !printableAsBlockString(*d) {
		p.b.Write(appendGraphQLString(nil, *d))
		p.b.WriteString("\n")
		return
	}
	block := blockString(*d)
	for i, line := range strings.Split(block, "\n") {
		if i > 0 {
			p.b.WriteString("\n")
			if line != "" {
				p.b.WriteString(indent)
			}
		}
		p.b.WriteString(line)
	}
	p.b.WriteString("\n")
}

// maxTypeDepth bounds type reference nesting; the query asks for ten levels.
const maxTypeDepth = 64

// typeRef writes a type reference such as [String!]!.
func (p *printer) typeRef(t *typeRefJSON) error {
	s, err := typeString(t, 0)
	if err != nil {
		return err
	}
	p.b.WriteString(s)
	return nil
}

func typeString(t *typeRefJSON, depth int) (string, error) {
	if t == nil {
		return "", fmt.Errorf("missing type reference (nested deeper than the query asks?)")
	}
	if depth > maxTypeDepth {
		return "", fmt.Errorf("type reference nested deeper than %d levels", maxTypeDepth)
	}
	switch t.Kind {
	case "NON_NULL":
		if t.OfType != nil && t.OfType.Kind == "NON_NULL" {
			return "", fmt.Errorf("NON_NULL of NON_NULL")
		}
		inner, err := typeString(t.OfType, depth+1)
		if err != nil {
			return "", fmt.Errorf("NON_NULL of %v", err)
		}
		return inner + "!", nil
	case "LIST":
		inner, err := typeString(t.OfType, depth+1)
		if err != nil {
			return "", fmt.Errorf("LIST of %v", err)
		}
		return "[" + inner + "]", nil
	case "SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT":
		return namedRef(t)
	default:
		return "", fmt.Errorf("unknown kind %q", t.Kind)
	}
}

// namedRef returns the name of a reference that must be to a named type.
func namedRef(t *typeRefJSON) (string, error) {
	if t.Kind == "NON_NULL" || t.Kind == "LIST" {
		return "", fmt.Errorf("%s where a named type belongs", t.Kind)
	}
	if t.Name == nil {
		return "", fmt.Errorf("%s without a name", t.Kind)
	}
	if err := checkName(*t.Name); err != nil {
		return "", err
	}
	return *t.Name, nil
}

// checkName makes sure name is a GraphQL Name, so that nothing a server sends
// can change the structure of the SDL around it.
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("missing name")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return fmt.Errorf("%q is not a GraphQL name", snippet([]byte(name), 64))
	}
	return nil
}

// validLocation reports whether loc is a directive location of the spec.
func validLocation(loc string) bool {
	switch ast.DirectiveLocation(loc) {
	case ast.LocationQuery, ast.LocationMutation, ast.LocationSubscription, ast.LocationField,
		ast.LocationFragmentDefinition, ast.LocationFragmentSpread, ast.LocationInlineFragment,
		ast.LocationVariableDefinition, ast.LocationSchema, ast.LocationScalar, ast.LocationObject,
		ast.LocationFieldDefinition, ast.LocationArgumentDefinition, ast.LocationInterface,
		ast.LocationUnion, ast.LocationEnum, ast.LocationEnumValue, ast.LocationInputObject,
		ast.LocationInputFieldDefinition, ast.LocationDirectiveDefinition:
		return true
	}
	return false
}
