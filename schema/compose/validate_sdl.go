package compose

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// fedDefinitions are the federation directives' definitions, written with
// a %s for the name the subgraph uses. They exist only to check a subgraph
// as GraphQL: a subgraph's SDL uses them without defining them.
var fedDefinitions = map[string]string{
	dirKey:              "directive @%s(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE",
	dirExternal:         "directive @%s(reason: String) on OBJECT | FIELD_DEFINITION",
	dirRequires:         "directive @%s(fields: String!) on FIELD_DEFINITION",
	dirProvides:         "directive @%s(fields: String!) on FIELD_DEFINITION",
	dirShareable:        "directive @%s repeatable on OBJECT | FIELD_DEFINITION",
	dirInaccessible:     "directive @%s on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION",
	dirTag:              "directive @%s(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA",
	dirExtends:          "directive @%s on OBJECT | INTERFACE",
	dirInterfaceObject:  "directive @%s on OBJECT",
	dirComposeDirective: "directive @%s(name: String!) repeatable on SCHEMA",
	dirAuthenticated:    "directive @%s on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
	dirRequiresScopes:   "directive @%s(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
	dirPolicy:           "directive @%s(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
	dirContext:          "directive @%s(name: String!) repeatable on INTERFACE | OBJECT | UNION",
	dirFromContext:      "directive @%s(field: String) on ARGUMENT_DEFINITION",
	dirCost:             "directive @%s(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
	dirListSize:         "directive @%s(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
}

// overrideWithLabel is @override from federation v2.7 on, which added the
// label of a progressive override.
const overrideWithLabel = "directive @%s(from: String!, label: String) on FIELD_DEFINITION"

const linkDefinition = "directive @link(url: String, as: String, for: String, import: [String]) repeatable on SCHEMA"

// checkGraphQL checks the subgraph as a GraphQL schema (known types,
// directives in their places, interfaces implemented, no duplicates), with
// the federation directives it may use defined. Federation lets a subgraph
// extend a type it does not define, and so does this check.
func (sg *subgraph) checkGraphQL(ln *linkNames) bool {
	doc, err := parser.ParseSchema(sg.src)
	if err != nil {
		sg.gqlError(err)
		return false
	}
	defined := map[string]bool{}
	for _, d := range doc.Directives {
		defined[d.Name] = true
	}
	var extra strings.Builder
	for canon, local := range ln.local {
		// A Federation 1 subgraph uses @tag and @inaccessible only
		// where it defines them.
		if defined[local] || (!ln.fed2 && (canon == dirTag || canon == dirInaccessible)) {
			continue
		}
		def := fedDefinitions[canon]
		if canon == dirOverride {
			def = "directive @%s(from: String!) on FIELD_DEFINITION"
			if !ln.version.less(fedVersion{2, 7}) {
				def = overrideWithLabel
			}
		}
		fmt.Fprintf(&extra, def+"\n", local)
	}
	if !defined["link"] {
		extra.WriteString(linkDefinition + "\n")
	}
	fed, err := parser.ParseSchema(&ast.Source{Name: "federation", Input: extra.String(), BuiltIn: true})
	if err != nil {
		// The definitions are this package's own; a failure here is a bug.
		sg.errorAt(CodeInvalidGraphQL, "", nil, "federation definitions: "+err.Error())
		return false
	}
	prelude, err := parser.ParseSchema(validator.Prelude)
	if err != nil {
		sg.errorAt(CodeInvalidGraphQL, "", nil, "GraphQL prelude: "+err.Error())
		return false
	}
	prelude.Merge(fed)
	prelude.Merge(doc)
	if _, err := validator.ValidateSchemaDocument(prelude); err != nil {
		sg.gqlError(err)
		return false
	}
	return true
}

// gqlError records a gqlparser error as INVALID_GRAPHQL at its place.
func (sg *subgraph) gqlError(err error) {
	var list gqlerror.List
	var one *gqlerror.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = gqlerror.List{one}
	default:
		sg.errorAt(CodeInvalidGraphQL, "", nil, err.Error())
		return
	}
	for _, e := range list {
		ce := &Error{Code: CodeInvalidGraphQL, Subgraph: sg.name, Message: e.Message}
		if len(e.Locations) > 0 {
			ce.Line, ce.Column = e.Locations[0].Line, e.Locations[0].Column
		}
		sg.errs = append(sg.errs, ce)
	}
}
