// Package openapi imports OpenAPI documents (Swagger 2.0, OpenAPI 3.0 and
// 3.1) as GraphQL SDL whose Query and Mutation fields carry @rest bindings
// to the upstream, plus the skeleton of the Upstream resource.
//
//	doc, err := openapi.Load(ctx, "petstore.yaml", openapi.LoadOptions{})
//	res, err := openapi.Import(doc, openapi.Options{Upstream: "petstore"})
//	// res.SDL, res.Warnings, res.UpstreamYAML("petstore")
//
// # Parser
//
// The parser is github.com/pb33f/libopenapi, chosen over
// github.com/getkin/kin-openapi for three reasons. It reads Swagger 2.0,
// OpenAPI 3.0 and 3.1 natively into one schema model (kin-openapi reads 2.0
// through a conversion to 3.0, which drops x-nullable and reshapes formData
// parameters); its maps keep document order, so names are handed out in the
// order a reader meets them; and every part keeps its YAML node, with line
// and column, while its rolodex knows which file of a multi-file document
// a node came from, so warnings point at file:line:col. Its costs: the
// model is built lazily (a malformed document can fail deep inside it, so
// Load and Import turn a parser panic into an error), a reference it
// cannot resolve drops the whole section that holds it, and it keeps some
// caches of its own.
//
// # Loading
//
// Load reads a file or an http(s) URL, with every file its $refs reach,
// before the parser runs; the parser then reads those bytes only, never
// the disk or the network by itself. $refs to other files resolve
// relative to the file that holds them; a local document reaches local
// files only, a remote one http(s) URLs only. Every file counts against
// LoadOptions.MaxBytes and MaxFiles (defaults DefaultMaxBytes and
// DefaultMaxFiles, which a description of thousands of files fits in);
// past one, Load fails with a *LimitError that names it.
//
// Vendor extensions (x-...) are opaque: a $ref inside one (often to a page
// of documentation) is never followed. A $ref to a file that is missing,
// cannot be fetched, or is not a JSON or YAML document (a Markdown page),
// or to a URL from a local document, fails only what uses it: a schema is
// typed JSON, a parameter left out, a request body skips its operation, a
// response is typed JSON, a path item's operations are not imported, each
// with a warning that names the $ref and why. (The parser is given a
// stand-in for such a file, so that it keeps the sections that hold the
// reference.) Parse reads one document from bytes and follows no file
// references: one outside an extension is an error.
//
// # Mapping
//
// Operations. Paths are read in document order, and each path item's
// operations in the order get, put, post, delete, options, head, patch,
// trace. GET operations become Query fields and the others Mutation fields,
// unless Options.Kinds says otherwise (keyed by operationId or
// "METHOD /path"). HEAD, OPTIONS and TRACE are skipped: @rest cannot send
// them. A field is named after the operationId in camel case (get_author
// becomes getAuthor, GETListsFormat getListsFormat: a leading acronym is
// lower-cased whole), else after the method and path (getPetsPetId); names
// taken in the same root type get a suffix 2, 3, ... Summary and
// description become the field's description, deprecated: true its
// @deprecated.
//
// Parameters become arguments, path parameters first in path order, then
// the others in declaration order (an operation's parameter overrides the
// path item's of the same name and location). An argument is named after
// the parameter when that is a GraphQL name, else after its camel-case
// form, and is non-null when the parameter is required; the binding uses
// the original name:
//
//	@rest(upstream: "x", method: "GET", path: "/pets/{args.petId}?limit={args.limit}",
//	  headers: ["X-Trace: {args.xTrace}"], cookies: ["session: {args.session}"])
//
// Header parameters named Accept, Content-Type or Authorization are left
// out, as OpenAPI says. A path parameter the path does not declare skips
// the operation; a parameter whose name a binding cannot write (a query
// name with & or =, a header name that is not a token) is left out, or
// skips the operation when required. A query array that the document
// sends as one parameter per item (OpenAPI 3's form style, which explodes
// unless explode: false says otherwise; Swagger 2.0's collectionFormat
// multi) is written exploded, ?tag={args.tag*} (tag=a&tag=b); other arrays
// are written comma-joined (a,b), {args.tag}, and one whose document asks
// for yet another serialization (spaceDelimited, pipes, ...) is imported
// comma-joined, with a warning. An object parameter is sent as JSON text,
// with a warning.
//
// Request bodies. The body is read as JSON, else as
// application/x-www-form-urlencoded, else as multipart/form-data (Swagger
// 2.0 formData parameters make a form body), else as text (a text/* type
// whose schema is a string: the argument input is a String, sent as the
// body as it is, text/* itself as text/plain), else under a media range
// (*/*, application/*, with parameters such as q=0.8 or not) whose schema
// is an object or an array, which is sent as JSON, with a warning. Any
// other media type (XML, binary) skips the operation when the body is
// required and is left out otherwise, with a warning. The body is the
// argument input, of an input type, and the binding sends it whole, body:
// "{args.input}": the value keeps its type, and fields the client left
// out stay out. An input field whose JSON key is not its GraphQL name
// carries @from(key:), and the runtime sends it under that key, at any
// depth:
//
//	input PetInput { petType: String @from(key: "pet-type") }
//
// A media type other than application/json is named in contentType:
// "...". A GET's body is left out, with a warning.
//
// Responses. The lowest 2xx status whose answer a field can hold gives
// the field's type (a later one, with a warning that the first cannot be
// held); among its media types, application/json, then any other JSON
// type (+json), then text/* (String), then a media range (*/*) whose
// schema is an object or an array, read as JSON, with a warning. A 2xx
// response without content is typed JSON: the runtime reads an empty body
// as null, and JSON still carries a body the document did not declare.
// When no 2xx answer is one of those (binary, XML), the operation is
// skipped. No 2xx response at all: the field is typed JSON, with a
// warning. Non-2xx statuses need nothing: the runtime maps them to
// UPSTREAM_ERROR with the status. Root fields are always nullable, so that
// a failed call nulls its own field and the rest of the response stands;
// this covers a GET that declares a 404.
//
// Schemas. An object schema with properties becomes an object type, and,
// where it is used as input, an input type named with the suffix Input.
// A schema reached through a $ref is named after the reference (its last
// pointer token, else the file name); an inline one after where it is
// (ListBooksResult for a response, ListBooksResultItems for a property,
// CreateBookInput for a body). Every $ref to one schema, from any file,
// gives one type, so recursive schemas give types that refer to
// themselves. readOnly properties are left out of input types, writeOnly
// ones out of output types. Properties are fields in document order;
// a property whose name is not a GraphQL name, or would clash, gets a
// derived name and @from(key: "original-name"), on output types (the key
// answers are read from) and input types (the key bodies are sent under)
// alike. A property whose name no key can carry (the empty name, which
// @from(key:) refuses, or one holding a NUL) is left out, with a warning.
// allOf
// members are merged (members first, then the schema's own properties).
// A field is non-null when the property is required and not nullable (3.0
// nullable, 3.1 type: [x, "null"], 2.0 x-nullable); input fields with a
// default stay nullable. Objects without properties (free-form, maps
// through additionalProperties) are the JSON scalar.
//
// oneOf and anyOf: a single member besides null is that member, made
// nullable; members that are all one plain scalar are that scalar; members
// that are all objects are a union of their object types (null among them
// makes it nullable), whose @typeBy tells the runtime which member a value
// is: the discriminator's propertyName and the values of its mapping (a
// member the mapping leaves out is named by its schema's name, and then the
// members' required properties decide when the value names none); without
// a discriminator, a property every member requires and lists its own
// values of (an enum or a const: type: redirect, type: await); else the
// required properties of each member (the member with the most of them
// present; members that require the same ones get a warning, and the
// first of them is read). As input, where GraphQL has no unions, the same
// oneOf is a @oneOf input object with a field per member (named after it),
// sent as the member given (@unwrap). Members of different kinds (an
// object and an array, say) are the JSON scalar, with a warning.
//
// Enums of strings and of integers become enum types shared by inputs and
// outputs. A string value that is a GraphQL enum value keeps its spelling;
// any other gets a name (gqlname.EnumValue: in-progress in_progress, 1st
// _1st, true true_, "" EMPTY, <= LT_EQ; a name a kept value holds gets a
// suffix 2, 3, ...), and integers NUMBER_1, NUMBER_MINUS_1, or the names
// x-enum-varnames (x-enumNames) gives, with x-enum-descriptions as the
// values' descriptions. @from(value:) on a renamed value says what the API
// writes, so the runtime reads it back as the name and sends arguments as
// that value. Enums of other numbers or of booleans are Float and Boolean;
// one mixing types is JSON, with a warning.
//
// Security. Each operation's security requirements (its own, else the
// document's; security: [] means none) pick its credentials: the first
// alternative whose schemes Weft can all send (an API key in a header,
// query or cookie, HTTP basic or bearer, OAuth 2 client credentials) is
// named in the binding, @rest(auth: ["api_key"]), all its schemes
// together; an empty alternative or security: [] is auth: []. The Upstream
// resource (Result.UpstreamYAML) has those schemes as named credentials
// under spec.authSchemes, their secrets read from environment variables
// named after the upstream and the scheme (${PETSTORE_API_KEY},
// ${PETSTORE_PARTNER_CLIENT_ID}, ...). An operation whose every
// alternative needs a scheme Weft cannot send (OAuth 2 flows other than
// client credentials, openIdConnect, mutualTLS, an undeclared scheme) is
// imported without auth, and each such scheme gets one warning listing
// those operations and what to do (forward the client's Authorization
// header; give mutualTLS's certificate in spec.tls). Imported at load
// (spec.rest.openapi), bindings name only the Upstream's own authSchemes,
// and none at all when it has none, so that its auth serves every call.
//
// Scalars: integer is Int, or Int64 for format int64 (and uint32, uint64);
// number is Float; boolean is Boolean; string is String, with format
// date-time the DateTime scalar (@specifiedBy the scalars.graphql.org
// date-time spec), date the Date scalar, uuid the ID type (an identifier,
// written as a string), byte a String holding base64, and binary a String
// holding base64 too: in a multipart/form-data body a top-level binary
// property (or a list of them, or a Swagger 2.0 formData parameter of type
// file) is a file part, named in the binding's files: [...], whose bytes
// the runtime decodes from that base64; binary anywhere else is imported
// with a warning, since raw bytes cannot travel in JSON. A schema without a
// type, or with several, is the JSON scalar. The custom scalars (JSON,
// Int64, DateTime, Date) are declared when used; the runtime passes their
// values through as the upstream sent them.
//
// Names are valid GraphQL names, never start with __, and never take a
// built-in name (String, Query, the custom scalars, ...): a clash gets a
// suffix 2, 3, ... Options.Prefix goes in front of every type name the
// document gives, for several imports in one schema. The same document
// and options always give the same SDL.
//
// # Warnings
//
// Whatever cannot be mapped as it is gives one Warning, with the file,
// line and column, the JSON pointer of the part within that file, and the
// operation being imported; the part is degraded (typed JSON, left out) or
// its operation skipped, and the rest is imported. Schemas nested deeper
// than Options.MaxDepth (default DefaultMaxDepth) are typed JSON. Import
// fails when there is no document to map, and with a *NoOperationsError,
// which lists why, when no operation can be imported (a document of
// webhooks only, or one whose every operation is skipped): a config
// without an operation serves nothing.
package openapi
