// Package introspect builds an upstream GraphQL server's schema from its
// introspection, for upstreams configured without an SDL file.
//
// Fetch sends Query, falling back to QueryOctober2021 when the server rejects
// it, and ToSource turns the answer into SDL that gqlparser loads: the
// server's types and directives in the server's order, with descriptions,
// deprecations, default values, @specifiedBy and @oneOf. Introspection does
// not carry other applied directives, so the SDL has none.
package introspect

// Query is the introspection query the gateway sends. It asks for everything
// the September 2025 edition of the spec exposes except __Type.isOneOf:
// __Schema.description, __Type.specifiedByURL, __Directive.isRepeatable, and
// deprecated arguments and input fields (includeDeprecated on args and
// inputFields, isDeprecated and deprecationReason on __InputValue).
//
// graphql-js accepts it since 16.0, and so do the servers built on it, gqlgen,
// and graphql-java since 19.0. isOneOf is left out because graphql-js before
// 16.9 rejects the whole query over it; ToSource still honours isOneOf when an
// answer carries it. TypeRef unwraps ten levels, enough for [[[[T!]!]!]!]!.
const Query = `query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      ...FullType
    }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) {
        ...InputValue
      }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) {
      ...InputValue
    }
    type {
      ...TypeRef
    }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) {
    ...InputValue
  }
  interfaces {
    ...TypeRef
  }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes {
    ...TypeRef
  }
}

fragment InputValue on __InputValue {
  name
  description
  type {
    ...TypeRef
  }
  defaultValue
  isDeprecated
  deprecationReason
}
` + typeRefFragment

// QueryOctober2021 is Query cut down to the October 2021 edition of the spec:
// no deprecated arguments or input fields. Servers from before input value
// deprecation (graphql-java before 19.0, for one) reject Query's
// includeDeprecated on args and inputFields; Fetch retries with this one.
const QueryOctober2021 = `query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      ...FullType
    }
    directives {
      name
      description
      isRepeatable
      locations
      args {
        ...InputValue
      }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args {
      ...InputValue
    }
    type {
      ...TypeRef
    }
    isDeprecated
    deprecationReason
  }
  inputFields {
    ...InputValue
  }
  interfaces {
    ...TypeRef
  }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes {
    ...TypeRef
  }
}

fragment InputValue on __InputValue {
  name
  description
  type {
    ...TypeRef
  }
  defaultValue
}
` + typeRefFragment

const typeRefFragment = `
fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
`
