package protoschema

// Custom scalars the importer declares when it uses them.
const (
	scalarJSON     = "JSON"
	scalarInt64    = "Int64"
	scalarUInt64   = "UInt64"
	scalarUInt32   = "UInt32"
	scalarDateTime = "DateTime"
	scalarDuration = "Duration"
)

// reservedTypeNames are the names a generated type may not take: GraphQL's
// built-in types, the root types, the custom scalars and the binding
// machinery's own.
func reservedTypeNames() []string {
	return []string{
		"String", "Int", "Float", "Boolean", "ID",
		"Query", "Mutation", "Subscription",
		scalarJSON, scalarInt64, scalarUInt64, scalarUInt32, scalarDateTime, scalarDuration,
		"_WeftValue",
	}
}
