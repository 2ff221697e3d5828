// Package protoschema imports gRPC services as GraphQL SDL whose root fields
// carry @grpc bindings to the upstream, plus the method index the runtime
// needs and the skeleton of the Upstream resource. It is the gRPC sibling
// of the OpenAPI importer (upstreams/rest/openapi).
//
//	files, err := protoschema.Compile(ctx, []string{"inventory/v1/inventory.proto"},
//		protoschema.CompileOptions{ImportPaths: []string{"protos"}})
//	// or protoschema.ReadDescriptorSet("inventory.binpb", protoschema.SetOptions{})
//	// or protoschema.Reflect(ctx, conn, protoschema.ReflectOptions{Upstream: "inventory"})
//	res, err := protoschema.Import(files, protoschema.Options{Upstream: "inventory"})
//	// res.SDL, res.Warnings, res.Methods, res.UpstreamYAML("inventory", "inventory:50051")
//
// # Descriptors
//
// Three sources give the same *Files (a protoregistry.Files and the services
// to import):
//
// Compile compiles .proto files at run time with
// github.com/bufbuild/protocompile (no protoc). Files and imports are
// searched in the import paths, as protoc's -I, each a directory or a
// directory seen under another name (VIRTUAL=DIR: the import
// "VIRTUAL/x.proto" reads DIR/x.proto); the well-known types
// (google/protobuf/*.proto) resolve without being there. A file is named
// relative to an import path (as an import statement names it), or by its
// path inside one, which gives it its name there; a path outside every
// import path is an error naming them, but without import paths (the
// current directory by default) a file outside the current directory has
// its own directory for import path. A path to a file that an earlier
// import path's file of the same name hides is refused, as protoc does.
// Imports never climb out of the import paths. Errors (syntax,
// a missing import, an unknown type) are a *CompileError whose diagnostics
// carry file:line:col, the file being the path it was read from. The
// descriptors keep their source info: comments become descriptions, and
// warnings have lines. The services of the files named are imported.
//
// DescriptorSet and ReadDescriptorSet read a binary FileDescriptorSet
// (protoc --include_imports -o, buf build -o). Every file's services are
// imported; a dependency the set lacks is an error, except the well-known
// types.
//
// Reflect asks a server with gRPC server reflection, grpc.reflection.v1
// first and v1alpha when the server has only that one (their messages are
// the same, field for field, so one client speaks both). It lists the
// services, leaves out the reflection and health services unless
// ReflectOptions.Internal, fetches each service's file and every file it
// imports, and builds the registry. A failure is an error naming the
// upstream and its target; the exchange is bounded by a timeout (10s by
// default, within the caller's context), and every source by a number of
// files and of bytes.
//
// # Mapping
//
// Services are imported in the order of their full names, each one's
// methods in declaration order, so the same services give the same SDL
// whatever their source.
//
// Methods. A unary method becomes a Query or Mutation field; a
// server-streaming method a Subscription field with the same binding, each
// message the stream sends being one value of the field. Client-streaming
// and bidirectional methods have no GraphQL form: they are skipped, with a
// warning. A unary method's root type is, first, Options.Kinds' entry for
// it (keyed by "pkg.Service/Method"); else its idempotency_level option:
// NO_SIDE_EFFECTS is a Query, IDEMPOTENT a Mutation (idempotent, but it
// changes something); else its name: a method whose first word is Get,
// List, Search, Find, Count, Lookup, Describe, Fetch, Read, Query, Check or
// Exists, or whose first two words are Batch Get, is a Query (GetStock,
// ListStocks, BatchGetStocks; not Getaway), and any other a Mutation. Words
// are split at underscores and case changes.
//
// Field names are the method's name in lower camel case (GetStock:
// getStock; GetURL: getURL; get_stock: getStock). When several methods of
// one root type want the same name, each of them gets its service's name
// in front (inventoryGetStock, warehouseGetStock), then its package's too,
// then a number; which names collide does not depend on the order
// anything is read in. A method's field is always nullable, so a failed
// call nulls its own field and the rest of the response stands. Its leading
// comment is the field's description, and deprecated = true its
// @deprecated.
//
// Bindings. Each field's binding names the upstream and the method's full
// name, and writes the request message from the arguments as a protojson
// template:
//
//	stock(upc: String!, warehouse: String): Stock @grpc(upstream: "inventory",
//	  method: "inventory.v1.Inventory/GetStock", request: {upc: "{args.upc}", warehouse: "{args.warehouse}"})
//
// Each top-level field of the request message is one argument, named as
// in output types (below), and one key of the template; a message-typed
// argument is an input object, passed whole ("{args.page}"). A template
// whose keys are all GraphQL names is a GraphQL object, else a string
// holding the JSON text. A request of type google.protobuf.Empty, or a
// message without fields, gives no arguments and no request. A request of
// another well-known type, whose JSON form is a bare value, is one
// argument, input, and request: "{args.input}". The response is the
// field's value as a whole; the importer never writes result:.
//
// Messages become object types and, where they are used as input, input
// types named with the suffix Input. A top-level message keeps its name;
// a nested one is named after the messages it is nested in
// (Stock.Location: StockLocation). When two types want the same name
// (two packages' Stock, a message named like another's input type, a
// message named String or Query), each of them gets its package's name in
// front (InventoryV1Stock), then a number. Options.Prefix goes in front of
// every type name the descriptors give. Fields are in declaration order.
// A field's name is its JSON name (the one protojson writes); when that is
// not a GraphQL name (a json_name such as "legacy-id"), its proto name,
// which protojson reads too; when two fields want one name, the later one
// gets a number. On object types, a field named otherwise than its JSON
// name reads it with @from(key: "legacy-id"); on input types, the field
// name is one protojson reads, so an input object passed whole is a valid
// message. Those renamings are warnings. A message without fields (no
// GraphQL object or input type may be empty) is the JSON scalar;
// google.protobuf.Empty too. Fields marked (google.api.field_behavior) =
// OUTPUT_ONLY are left out of input types and arguments. Comments become
// descriptions; a field's deprecated = true is its @deprecated on object
// types. Extensions are not mapped (protojson writes them only when set,
// under bracketed names).
//
// Nullability follows what protojson writes with EmitUnpopulated. On object
// types, a field without presence (a proto3 scalar or enum, an edition's
// IMPLICIT field) is always written: non-null. A field with presence (a
// message, proto3 optional, a oneof member, proto2 optional, an edition's
// EXPLICIT field) is written as null or left out: nullable. A proto2
// required field (an edition's LEGACY_REQUIRED) is non-null. Repeated
// fields are non-null lists of non-null values (a list of
// google.protobuf.Value holds nulls: [JSON]!). As arguments and input
// fields: a field without presence is non-null with its zero value as the
// default (pageSize: Int! = 0, status: StockStatus! = STOCK_STATUS_UNSPECIFIED),
// so a client may leave it out and the upstream reads the same zero; a
// required field (proto2 required, LEGACY_REQUIRED, or
// (google.api.field_behavior) = REQUIRED) is non-null without default; a
// field with presence is nullable; a repeated field is a non-null list
// defaulting to [].
//
// Oneofs: on object types, each member is a nullable field (protojson
// writes only the member that is set; a union would need a wrapper type
// per member for scalars). On input, a oneof is one field or argument,
// named after the oneof, of an @oneOf input type named after its message
// and itself (ListStocksRequest's oneof origin: origin:
// ListStocksRequestOriginInput @oneOf { supplier: String, fromWarehouse:
// String }), so GraphQL validation itself allows exactly one member.
// protojson has the members side by side in the message, without that
// level: Result.Oneofs says, per message, which fields stand for oneofs,
// and the runtime lifts the member out of each before decoding.
//
// Enums become GraphQL enums with the proto value names, shared by input
// and output. The zero value (STOCK_STATUS_UNSPECIFIED) is kept: protojson
// writes it for an unset field, so output needs it, and as input it means
// the same as leaving the field out. Aliases are values of their own.
// An enum with a value name GraphQL cannot hold (true, false, null, or
// starting with __) is typed String, with a warning. google.protobuf.NullValue,
// whose JSON form is null, is JSON.
//
// Scalars:
//
//	double, float                      Float (protojson writes NaN and Infinity as strings, which a Float cannot hold)
//	int32, sint32, sfixed32            Int
//	uint32, fixed32                    UInt32 (a JSON number; Int is signed 32-bit)
//	int64, sint64, sfixed64            Int64 (a JSON string: protojson's form, no precision lost)
//	uint64, fixed64                    UInt64 (a JSON string)
//	bool                               Boolean
//	string                             String
//	bytes                              String holding base64 (protojson's form; as input, standard or URL-safe)
//	map<K, V>                          JSON (protojson writes an object keyed by the keys' text)
//
// Well-known types:
//
//	google.protobuf.Timestamp          DateTime (RFC 3339, @specifiedBy scalars.graphql.org date-time)
//	google.protobuf.Duration           Duration ("1.5s")
//	google.protobuf.*Value wrappers    the wrapped type's scalar, nullable (StringValue: String)
//	google.protobuf.Struct, Value,     JSON
//	  ListValue, Any
//	google.protobuf.Empty              JSON: a method returning Empty is a nullable JSON field
//	                                   whose value is {} (JSON rather than Boolean: the runtime
//	                                   passes the answer through, with no special case)
//	google.protobuf.FieldMask          String ("a.b,c": protojson's comma-joined camel-case paths)
//
// The custom scalars used (JSON, Int64, UInt64, UInt32, DateTime, Duration)
// are declared in the SDL (ScalarDef); Result.Scalars lists them, and the
// Fragment leaves them out, for whoever merges several imports to declare
// once. Names never start with __ and never take a built-in name.
//
// Result.Methods indexes every method: its full name, streaming kind, root
// type and field, request and response message names, or why it was
// skipped.
//
// # Warnings
//
// Whatever cannot be mapped as it is gives one Warning, with the file,
// line and column of the part (when the descriptors carry source info),
// its full name, and the method being imported; the part is degraded
// (typed String, renamed, left out) or its method skipped, and the rest is
// imported. Import fails on bad options, and with a *NothingError, which
// says why, when no method is left: no service, services without methods,
// or every method skipped.
//
// # What the runtime does
//
// For the SDL to hold, the runtime reads requests with protojson.Unmarshal
// and writes answers with protojson.MarshalOptions{EmitUnpopulated: true}
// (JSON names, enums as names, 64-bit integers as strings, bytes as base64,
// well-known types in their JSON forms), with a type resolver that knows
// every message of the registry (dynamicpb.NewTypes) so that Any works;
// reads @from(key:) on object types; passes the custom scalars through;
// and applies argument defaults before filling templates.
package protoschema
