package compose

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestComposeErrors composes each fixture of testdata/errors, which
// composition must refuse, and checks the codes of the errors and their
// text, places included, against the case's golden file.
func TestComposeErrors(t *testing.T) {
	cases := map[string][]string{
		"invalid-graphql-syntax":              {CodeInvalidGraphQL},
		"invalid-graphql-unknown-type":        {CodeInvalidGraphQL},
		"invalid-field-sharing":               {CodeInvalidFieldSharing},
		"type-kind-mismatch":                  {CodeTypeKindMismatch},
		"key-fields-select-invalid-type":      {CodeKeyFieldsSelectInvalidType},
		"key-fields-has-args":                 {CodeKeyFieldsHasArgs},
		"key-invalid-fields":                  {CodeKeyInvalidFields},
		"requires-invalid-fields":             {CodeExternalUnused, CodeRequiresInvalidFields},
		"requires-fields-missing-external":    {CodeRequiresFieldsMissingExternal},
		"provides-invalid-fields":             {CodeProvidesInvalidFields},
		"provides-fields-missing-external":    {CodeProvidesFieldsMissingExternal},
		"provides-on-non-object-field":        {CodeProvidesOnNonObjectField},
		"external-missing-on-base":            {CodeExternalMissingOnBase},
		"external-unused":                     {CodeExternalUnused},
		"external-type-mismatch":              {CodeExternalTypeMismatch},
		"field-type-mismatch":                 {CodeFieldTypeMismatch},
		"field-argument-type-mismatch":        {CodeFieldArgumentTypeMismatch},
		"required-argument-missing":           {CodeRequiredArgumentMissingInSomeSubgraph},
		"enum-value-mismatch":                 {CodeEnumValueMismatch, CodeEnumValueMismatch},
		"empty-merged-input-type":             {CodeEmptyMergedInputType},
		"input-field-default-mismatch":        {CodeInputFieldDefaultMismatch},
		"satisfiability-error":                {CodeSatisfiabilityError},
		"satisfiability-requires":             {CodeSatisfiabilityError, CodeSatisfiabilityError},
		"override-from-self":                  {CodeOverrideFromSelfError},
		"override-source-has-override":        {CodeInvalidFieldSharing, CodeOverrideSourceHasOverride, CodeOverrideSourceHasOverride},
		"interface-field-no-implem":           {CodeInterfaceFieldNoImplem},
		"interface-key-not-on-implementation": {CodeInterfaceKeyNotOnImplementation},
		"interface-object-usage-error":        {CodeInterfaceObjectUsageError},
		"interface-object-too-old":            {CodeInvalidLinkDirectiveUsage},
		"extension-with-no-base":              {CodeExtensionWithNoBase},
		"unknown-federation-version":          {CodeUnknownFederationLinkVersion},
		"import-unknown-directive":            {CodeInvalidLinkDirectiveUsage},
		"unsupported-feature":                 {CodeUnsupportedFeature},
		"root-query-used":                     {CodeRootQueryUsed},
		"no-queries":                          {CodeNoQueries},
		"only-inaccessible-children":          {CodeOnlyInaccessibleChildren},
		"referenced-inaccessible":             {CodeReferencedInaccessible, CodeReferencedInaccessible},
		"required-inaccessible":               {CodeRequiredInaccessible},
		"satisfiability-interface":            {CodeSatisfiabilityError},
		"external-on-interface":               {CodeExternalUnused, CodeExternalOnInterface},
		"external-argument-missing":           {CodeExternalArgumentMissing},
		"key-unsupported-on-interface":        {CodeKeyUnsupportedOnInterface},
		"invalid-shareable-usage":             {CodeInvalidShareableUsage},
		"implemented-by-inaccessible":         {CodeImplementedByInaccessible},
		"invalid-default-value":               {CodeInvalidGraphQL},
	}
	for _, name := range caseDirs(t, "errors") {
		if _, ok := cases[name]; !ok {
			t.Errorf("testdata/errors/%s has no entry in the table", name)
		}
	}
	for name, codes := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "errors", name)
			res, err := Compose(loadCase(t, dir))
			if err == nil {
				t.Fatalf("composed, want %v:\n%s", codes, res.Supergraph)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T is not Errors: %v", err, err)
			}
			if got := strings.Join(errs.Codes(), " "); got != strings.Join(codes, " ") {
				t.Errorf("codes %s, want %s\n%v", got, strings.Join(codes, " "), err)
			}
			golden(t, filepath.Join(dir, "errors.golden"), printErrors(errs))
		})
	}
}

// printErrors prints errors one per line, each after its place in its
// subgraph's file: a.graphql:3:5.
func printErrors(errs Errors) string {
	var b strings.Builder
	for _, e := range errs {
		if e.Subgraph != "" && e.Line > 0 {
			fmt.Fprintf(&b, "%s.graphql:%d:%d: ", e.Subgraph, e.Line, e.Column)
		}
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

// TestErrorPlaces checks that errors point at the element at fault.
func TestErrorPlaces(t *testing.T) {
	for _, tc := range []struct {
		dir, subgraph, coord string
		line, col            int
	}{
		// The } where a ] is missing.
		{"invalid-graphql-syntax", "a", "", 6, 1},
		// The @key directive's name.
		{"key-invalid-fields", "a", "Thing", 8, 13},
		// The field shared without @shareable, in the first subgraph
		// that does not share it.
		{"invalid-field-sharing", "a", "User.name", 10, 3},
		// The name of the definition whose kind differs from the first
		// one's.
		{"type-kind-mismatch", "b", "Node", 4, 6},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			_, err := Compose(loadCase(t, filepath.Join("testdata", "errors", tc.dir)))
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("want errors, got %v", err)
			}
			e := errs[0]
			if e.Subgraph != tc.subgraph || e.Coordinate != tc.coord || e.Line != tc.line || e.Column != tc.col {
				t.Errorf("error at %s %s %d:%d, want %s %s %d:%d: %v",
					e.Subgraph, e.Coordinate, e.Line, e.Column, tc.subgraph, tc.coord, tc.line, tc.col, e)
			}
		})
	}
}

// TestErrorString checks the printed form of an error.
func TestErrorString(t *testing.T) {
	e := &Error{Code: CodeExternalMissingOnBase, Subgraph: "reviews", Coordinate: "Review.author", Message: "field Review.author is @external in every subgraph that defines it"}
	want := `subgraph "reviews": Review.author: field Review.author is @external in every subgraph that defines it (EXTERNAL_MISSING_ON_BASE)`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
	errs := Errors{e, {Code: CodeNoQueries, Message: "no query root"}}
	if got := errs.Error(); got != want+"\nno query root (NO_QUERIES)" {
		t.Errorf("Errors prints %q", got)
	}
}

// TestSubgraphNames checks the subgraph list itself.
func TestSubgraphNames(t *testing.T) {
	sdl := `type Query { a: Int }`
	for _, tc := range []struct {
		name string
		in   []Subgraph
		want string
	}{
		{"none", nil, "there are no subgraphs to compose"},
		{"empty name", []Subgraph{{Name: "", SDL: sdl}}, "subgraph 1 has no usable name"},
		{"duplicate", []Subgraph{{Name: "a", SDL: sdl}, {Name: "a", SDL: sdl}}, "two subgraphs have this name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compose(tc.in)
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Code != CodeInvalidSubgraphName || !strings.Contains(errs[0].Message, tc.want) {
				t.Errorf("got %v, want one %s error saying %q", err, CodeInvalidSubgraphName, tc.want)
			}
		})
	}
}
