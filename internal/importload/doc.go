// Package importload holds the test that loads what every importer writes
// with the gateway's own loader: an OpenAPI document, a WSDL or a .proto
// tree imported into an Upstream and a GraphQL schema must make a config
// that `weft validate` accepts, not only text that matches a golden file.
//
// The importers cannot import the loader (they sit below it), so the test
// lives here, above both. It has no code of its own.
package importload
