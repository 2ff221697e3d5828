package diff

// Severity says what a change does to the operations clients already send.
type Severity string

// Severities, from worst to harmless.
const (
	// Breaking: some valid operation becomes invalid, or gets an answer
	// its client cannot read (a null where the schema promised a value).
	Breaking Severity = "BREAKING"
	// Dangerous: every operation stays valid, but an answer may now hold
	// something its client has never seen (a new enum value, a new union
	// member), or the server may act differently on the same input (a
	// changed default).
	Dangerous Severity = "DANGEROUS"
	// Safe: no operation a client sends can tell, except by introspection.
	Safe Severity = "SAFE"
)

// Class names one kind of change. The names are stable: registries store
// them and configs allow them by name.
type Class string

// Changes to types.
const (
	TypeAdded          Class = "TYPE_ADDED"
	TypeRemoved        Class = "TYPE_REMOVED"
	TypeKindChanged    Class = "TYPE_KIND_CHANGED"
	RootTypeChanged    Class = "ROOT_TYPE_CHANGED"
	SpecifiedByChanged Class = "SPECIFIED_BY_CHANGED"
)

// Changes to the fields of objects and interfaces.
const (
	FieldAdded                 Class = "FIELD_ADDED"
	FieldRemoved               Class = "FIELD_REMOVED"
	FieldTypeChanged           Class = "FIELD_TYPE_CHANGED"
	OutputNullabilityLoosened  Class = "OUTPUT_NULLABILITY_LOOSENED"
	OutputNullabilityTightened Class = "OUTPUT_NULLABILITY_TIGHTENED"
)

// Changes to arguments, of fields and of directives alike.
const (
	RequiredArgAdded  Class = "REQUIRED_ARG_ADDED"
	OptionalArgAdded  Class = "OPTIONAL_ARG_ADDED"
	ArgRemoved        Class = "ARG_REMOVED"
	ArgTypeChanged    Class = "ARG_TYPE_CHANGED"
	ArgDefaultAdded   Class = "ARG_DEFAULT_ADDED"
	ArgDefaultChanged Class = "ARG_DEFAULT_CHANGED"
	ArgBecameRequired Class = "ARG_BECAME_REQUIRED"
)

// Changes to the type of an input value (an argument or an input field)
// that differ only in nullability.
const (
	InputNullabilityTightened Class = "INPUT_NULLABILITY_TIGHTENED"
	InputNullabilityLoosened  Class = "INPUT_NULLABILITY_LOOSENED"
)

// Changes to input object types.
const (
	RequiredInputFieldAdded  Class = "REQUIRED_INPUT_FIELD_ADDED"
	OptionalInputFieldAdded  Class = "OPTIONAL_INPUT_FIELD_ADDED"
	InputFieldRemoved        Class = "INPUT_FIELD_REMOVED"
	InputFieldTypeChanged    Class = "INPUT_FIELD_TYPE_CHANGED"
	InputFieldDefaultAdded   Class = "INPUT_FIELD_DEFAULT_ADDED"
	InputFieldDefaultChanged Class = "INPUT_FIELD_DEFAULT_CHANGED"
	InputFieldBecameRequired Class = "INPUT_FIELD_BECAME_REQUIRED"
	OneOfAdded               Class = "ONE_OF_ADDED"
	OneOfRemoved             Class = "ONE_OF_REMOVED"
)

// Changes to enums, unions and the interfaces a type implements.
const (
	EnumValueAdded             Class = "ENUM_VALUE_ADDED"
	EnumValueRemoved           Class = "ENUM_VALUE_REMOVED"
	UnionMemberAdded           Class = "UNION_MEMBER_ADDED"
	UnionMemberRemoved         Class = "UNION_MEMBER_REMOVED"
	InterfaceAddedToObject     Class = "INTERFACE_ADDED_TO_OBJECT"
	InterfaceRemovedFromObject Class = "INTERFACE_REMOVED_FROM_OBJECT"
)

// Changes to deprecations and descriptions, of any element.
const (
	DeprecationAdded         Class = "DEPRECATION_ADDED"
	DeprecationRemoved       Class = "DEPRECATION_REMOVED"
	DeprecationReasonChanged Class = "DEPRECATION_REASON_CHANGED"
	DescriptionChanged       Class = "DESCRIPTION_CHANGED"
)

// Changes to directive definitions (their arguments take the argument
// classes above).
const (
	DirectiveAdded             Class = "DIRECTIVE_ADDED"
	DirectiveRemoved           Class = "DIRECTIVE_REMOVED"
	DirectiveLocationAdded     Class = "DIRECTIVE_LOCATION_ADDED"
	DirectiveLocationRemoved   Class = "DIRECTIVE_LOCATION_REMOVED"
	DirectiveRepeatableAdded   Class = "DIRECTIVE_REPEATABLE_ADDED"
	DirectiveRepeatableRemoved Class = "DIRECTIVE_REPEATABLE_REMOVED"
)

// severities holds every class: a class has one severity, so that a
// registry can allow or refuse changes by class alone.
var severities = map[Class]Severity{
	TypeAdded:          Safe,
	TypeRemoved:        Breaking,
	TypeKindChanged:    Breaking,
	RootTypeChanged:    Breaking,
	SpecifiedByChanged: Safe,

	FieldAdded:                 Safe,
	FieldRemoved:               Breaking,
	FieldTypeChanged:           Breaking,
	OutputNullabilityLoosened:  Breaking,
	OutputNullabilityTightened: Safe,

	RequiredArgAdded:  Breaking,
	OptionalArgAdded:  Dangerous,
	ArgRemoved:        Breaking,
	ArgTypeChanged:    Breaking,
	ArgDefaultAdded:   Safe,
	ArgDefaultChanged: Dangerous,
	ArgBecameRequired: Breaking,

	InputNullabilityTightened: Breaking,
	InputNullabilityLoosened:  Safe,

	RequiredInputFieldAdded:  Breaking,
	OptionalInputFieldAdded:  Dangerous,
	InputFieldRemoved:        Breaking,
	InputFieldTypeChanged:    Breaking,
	InputFieldDefaultAdded:   Safe,
	InputFieldDefaultChanged: Dangerous,
	InputFieldBecameRequired: Breaking,
	OneOfAdded:               Breaking,
	OneOfRemoved:             Dangerous,

	EnumValueAdded:             Dangerous,
	EnumValueRemoved:           Breaking,
	UnionMemberAdded:           Dangerous,
	UnionMemberRemoved:         Breaking,
	InterfaceAddedToObject:     Dangerous,
	InterfaceRemovedFromObject: Breaking,

	DeprecationAdded:         Safe,
	DeprecationRemoved:       Safe,
	DeprecationReasonChanged: Safe,
	DescriptionChanged:       Safe,

	DirectiveAdded:             Safe,
	DirectiveRemoved:           Breaking,
	DirectiveLocationAdded:     Safe,
	DirectiveLocationRemoved:   Breaking,
	DirectiveRepeatableAdded:   Safe,
	DirectiveRepeatableRemoved: Breaking,
}

// Severity returns the class's severity; an unknown class is Breaking,
// so that a name from a newer version is never waved through.
func (c Class) Severity() Severity {
	if s, ok := severities[c]; ok {
		return s
	}
	return Breaking
}

// Classes returns every class, sorted by name.
func Classes() []Class {
	out := make([]Class, 0, len(severities))
	for c := range severities {
		out = append(out, c)
	}
	sortClasses(out)
	return out
}
