package compose

import (
	"fmt"
	"sort"
	"strings"
)

// Error codes. They are Apollo Federation's composition error codes, so
// that an error reads the same here as in Apollo's tools and docs.
const (
	CodeInvalidGraphQL                          = "INVALID_GRAPHQL"
	CodeInvalidSubgraphName                     = "INVALID_SUBGRAPH_NAME"
	CodeUnknownFederationLinkVersion            = "UNKNOWN_FEDERATION_LINK_VERSION"
	CodeInvalidLinkDirectiveUsage               = "INVALID_LINK_DIRECTIVE_USAGE"
	CodeUnsupportedFeature                      = "UNSUPPORTED_FEATURE"
	CodeRootQueryUsed                           = "ROOT_QUERY_USED"
	CodeRootMutationUsed                        = "ROOT_MUTATION_USED"
	CodeRootSubscriptionUsed                    = "ROOT_SUBSCRIPTION_USED"
	CodeNoQueries                               = "NO_QUERIES"
	CodeTypeKindMismatch                        = "TYPE_KIND_MISMATCH"
	CodeExtensionWithNoBase                     = "EXTENSION_WITH_NO_BASE"
	CodeInvalidShareableUsage                   = "INVALID_SHAREABLE_USAGE"
	CodeInvalidFieldSharing                     = "INVALID_FIELD_SHARING"
	CodeFieldTypeMismatch                       = "FIELD_TYPE_MISMATCH"
	CodeFieldArgumentTypeMismatch               = "FIELD_ARGUMENT_TYPE_MISMATCH"
	CodeFieldArgumentDefaultMismatch            = "FIELD_ARGUMENT_DEFAULT_MISMATCH"
	CodeRequiredArgumentMissingInSomeSubgraph   = "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH"
	CodeInputFieldDefaultMismatch               = "INPUT_FIELD_DEFAULT_MISMATCH"
	CodeRequiredInputFieldMissingInSomeSubgraph = "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH"
	CodeEmptyMergedInputType                    = "EMPTY_MERGED_INPUT_TYPE"
	CodeEmptyMergedEnumType                     = "EMPTY_MERGED_ENUM_TYPE"
	CodeEnumValueMismatch                       = "ENUM_VALUE_MISMATCH"
	CodeKeyFieldsSelectInvalidType              = "KEY_FIELDS_SELECT_INVALID_TYPE"
	CodeKeyFieldsHasArgs                        = "KEY_FIELDS_HAS_ARGS"
	CodeKeyInvalidFields                        = "KEY_INVALID_FIELDS"
	CodeKeyUnsupportedOnInterface               = "KEY_UNSUPPORTED_ON_INTERFACE"
	CodeRequiresUnsupportedOnInterface          = "REQUIRES_UNSUPPORTED_ON_INTERFACE"
	CodeProvidesUnsupportedOnInterface          = "PROVIDES_UNSUPPORTED_ON_INTERFACE"
	CodeKeyDirectiveInFieldsArg                 = "KEY_DIRECTIVE_IN_FIELDS_ARG"
	CodeRequiresInvalidFields                   = "REQUIRES_INVALID_FIELDS"
	CodeRequiresFieldsMissingExternal           = "REQUIRES_FIELDS_MISSING_EXTERNAL"
	CodeRequiresDirectiveInFieldsArg            = "REQUIRES_DIRECTIVE_IN_FIELDS_ARG"
	CodeProvidesInvalidFields                   = "PROVIDES_INVALID_FIELDS"
	CodeProvidesFieldsMissingExternal           = "PROVIDES_FIELDS_MISSING_EXTERNAL"
	CodeProvidesFieldsHasArgs                   = "PROVIDES_FIELDS_HAS_ARGS"
	CodeProvidesOnNonObjectField                = "PROVIDES_ON_NON_OBJECT_FIELD"
	CodeProvidesDirectiveInFieldsArg            = "PROVIDES_DIRECTIVE_IN_FIELDS_ARG"
	CodeExternalOnInterface                     = "EXTERNAL_ON_INTERFACE"
	CodeExternalArgumentMissing                 = "EXTERNAL_ARGUMENT_MISSING"
	CodeExternalArgumentTypeMismatch            = "EXTERNAL_ARGUMENT_TYPE_MISMATCH"
	CodeExternalUnused                          = "EXTERNAL_UNUSED"
	CodeExternalMissingOnBase                   = "EXTERNAL_MISSING_ON_BASE"
	CodeExternalTypeMismatch                    = "EXTERNAL_TYPE_MISMATCH"
	CodeOverrideFromSelfError                   = "OVERRIDE_FROM_SELF_ERROR"
	CodeOverrideSourceHasOverride               = "OVERRIDE_SOURCE_HAS_OVERRIDE"
	CodeOverrideCollisionWithAnotherDirective   = "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE"
	CodeOverrideOnInterface                     = "OVERRIDE_ON_INTERFACE"
	CodeInterfaceFieldNoImplem                  = "INTERFACE_FIELD_NO_IMPLEM"
	CodeInterfaceKeyNotOnImplementation         = "INTERFACE_KEY_NOT_ON_IMPLEMENTATION"
	CodeInterfaceKeyMissingImplementationType   = "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE"
	CodeInterfaceObjectUsageError               = "INTERFACE_OBJECT_USAGE_ERROR"
	CodeOnlyInaccessibleChildren                = "ONLY_INACCESSIBLE_CHILDREN"
	CodeImplementedByInaccessible               = "IMPLEMENTED_BY_INACCESSIBLE"
	CodeReferencedInaccessible                  = "REFERENCED_INACCESSIBLE"
	CodeRequiredInaccessible                    = "REQUIRED_INACCESSIBLE"
	CodeSatisfiabilityError                     = "SATISFIABILITY_ERROR"
)

// Hint codes: what composition did that a subgraph's owner may want to
// know, without failing.
const (
	HintInconsistentDescription            = "INCONSISTENT_DESCRIPTION"
	HintInconsistentArgumentPresence       = "INCONSISTENT_ARGUMENT_PRESENCE"
	HintInconsistentDefaultValuePresence   = "INCONSISTENT_DEFAULT_VALUE_PRESENCE"
	HintInconsistentInputObjectField       = "INCONSISTENT_INPUT_OBJECT_FIELD"
	HintInconsistentEnumValueForInputEnum  = "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM"
	HintInconsistentEnumValueForOutputEnum = "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM"
	HintInconsistentButCompatibleFieldType = "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE"
	HintInconsistentButCompatibleArgType   = "INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE"
	HintUnusedEnumType                     = "UNUSED_ENUM_TYPE"
	HintFromSubgraphDoesNotExist           = "FROM_SUBGRAPH_DOES_NOT_EXIST"
	HintOverrideDirectiveCanBeRemoved      = "OVERRIDE_DIRECTIVE_CAN_BE_REMOVED"
	HintOverriddenFieldCanBeRemoved        = "OVERRIDDEN_FIELD_CAN_BE_REMOVED"
	HintOverrideMigrationInProgress        = "OVERRIDE_MIGRATION_IN_PROGRESS"
	HintDirectiveDropped                   = "CUSTOM_DIRECTIVE_DROPPED"
	HintUnusedExternalRemoved              = "UNUSED_EXTERNAL_REMOVED"
	HintFieldSetRemoved                    = "FIELD_SET_REMOVED"
	HintSatisfiabilityIncomplete           = "SATISFIABILITY_CHECK_INCOMPLETE"
)

// Error is one composition error.
type Error struct {
	// Code is the Apollo Federation error code, such as
	// INVALID_FIELD_SHARING.
	Code string
	// Subgraph names the subgraph the error is in. An error between
	// several subgraphs names the one whose definition conflicts with the
	// others (the message names those); it is empty when no subgraph is
	// to blame more than another.
	Subgraph string
	// Coordinate is the schema element: "Type", "Type.field" or
	// "Type.field(arg:)"; empty for a subgraph as a whole.
	Coordinate string
	// Message says what is wrong.
	Message string
	// Line and Column locate the element in the subgraph's SDL (1-based);
	// 0 when the error has no single place.
	Line, Column int
}

// Error prints the error as `subgraph "reviews": Review.author: message
// (CODE)`.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Subgraph != "" {
		fmt.Fprintf(&b, "subgraph %q: ", e.Subgraph)
	}
	if e.Coordinate != "" {
		b.WriteString(e.Coordinate)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	return b.String()
}

// Errors is every error one composition found, one per line when printed.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Codes lists the errors' codes in order, for tests and tools that match
// on them.
func (es Errors) Codes() []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Code
	}
	return out
}

// sortErrors orders errors by subgraph, then position, then text, so that
// one input always reports the same list in the same order.
func sortErrors(es Errors) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Subgraph != b.Subgraph {
			return a.Subgraph < b.Subgraph
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Error() < b.Error()
	})
}

// Hint is something composition did that a subgraph's owner may want to
// know: an argument left out of the supergraph, a description chosen
// among several, an @override that can be removed.
type Hint struct {
	Code       string
	Subgraph   string
	Coordinate string
	Message    string
}

// String prints the hint the way Error prints an error.
func (h Hint) String() string {
	e := Error{Code: h.Code, Subgraph: h.Subgraph, Coordinate: h.Coordinate, Message: h.Message}
	return e.Error()
}
