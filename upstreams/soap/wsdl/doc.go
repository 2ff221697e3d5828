// Package wsdl imports SOAP services described by WSDL 1.1 as GraphQL SDL
// whose root fields carry @soap bindings, plus the operation index the
// runtime needs to call each operation and to map its answer (the input of
// the envelope codec, upstreams/soap/envelope), and the skeleton of the
// Upstream resource. It is the SOAP sibling of the OpenAPI and gRPC
// importers (upstreams/rest/openapi, upstreams/grpc/protoschema).
//
//	defs, err := wsdl.Load(ctx, "shipping.wsdl", wsdl.LoadOptions{})
//	res, err := wsdl.Import(defs, wsdl.Options{Upstream: "shipping"})
//	// res.SDL, res.Warnings, res.Operations, res.UpstreamYAML("shipping")
//
// # Loading
//
// Load reads a WSDL 1.1 file or http(s) URL and every file it imports:
// wsdl:import, and xs:import, xs:include and xs:redefine with a
// schemaLocation, each relative to the file that names it; schemas
// embedded in wsdl:types are read in place. An included schema without a
// target namespace takes its includer's (a chameleon include). A local
// WSDL reads local files only: an import of a URL is not followed, with a
// warning, so that loading a file never reaches the network; a WSDL loaded
// from a URL reads URLs only. An imported file that is not there, or a URL
// that does not answer, is a warning too, not an error: what it was to
// declare is missing, so a field whose type it was to declare is JSON, and
// a port or an operation whose binding, message, or message part's element
// or type it was to declare is skipped; each of their warnings names the
// file. The files together are bounded in number and bytes.
//
// The XML is read with encoding/xml's raw tokens, checking what they leave
// out: an undeclared namespace prefix, a mismatched end tag, text outside
// the root. Each is an error naming the file and line, as is malformed
// XML; a WSDL is never half-read. A DTD is refused outright: neither WSDL
// nor XML Schema needs one, and entity declarations are how an XML bomb
// expands. UTF-8 and ISO-8859-1 are read.
//
// # Ports and operations
//
// Each wsdl:port of each wsdl:service (Options.Services and Options.Ports
// narrow them) whose binding is a SOAP binding is a candidate; ports bound
// otherwise (HTTP, MIME) are left out with a warning. The SOAP version is
// the binding's namespace: .../wsdl/soap/ is SOAP 1.1, .../wsdl/soap12/ is
// SOAP 1.2. One port type is imported once: when several ports bind it (an
// ASMX or WCF service publishes a SOAP 1.1 and a SOAP 1.2 port of the same
// operations), the first port in the version Options.SOAPVersion names
// (1.1 by default, the one every SOAP stack speaks) is imported and the
// others are left out with a warning, so that no operation gives two
// fields. A WSDL without wsdl:service has its SOAP bindings imported as
// ports named after them, without an endpoint.
//
// Operations are imported in the port type's order and named
// "Port/Operation", the name @soap(operation:) and Result.Operations use
// (with the service's name in front, "Service/Port/Operation", when two
// services' ports share a name). An overloaded operation (a second
// operation of one name), an operation the binding does not bind, and a
// solicit-response or notification operation (the service speaks first,
// which a gateway cannot do) are skipped with a warning. A one-way
// operation (input only), and one whose output message puts no part in
// the body, is a field of type Boolean: the codec answers true once the
// upstream accepted the message.
//
// # Message shapes
//
// The style is soap:operation's, else soap:binding's, else document; the
// use is soap:body's (literal by default). The body holds the parts
// soap:body names, or every part the soap:header entries of the same
// message do not take.
//
// Document style: the body is the one part's element (a part with a type
// rather than an element is sent as an unqualified element named after
// the part, with a warning; WS-I allows no more than one part, so a body
// of several is skipped). When the element's type is complex, each of its
// fields (child elements and attributes) is one argument, whether the
// operation follows the wrapped convention (the element is named after
// the operation; Operation.Wrapped) or not: the shape to send is the same,
// and flat arguments read better than one input object. An element of
// simple or open type is one argument, input.
//
// Rpc style: the body is a wrapper element named after the operation in
// soap:body's namespace (the WSDL's target namespace, with a warning, when
// soap:body has none), and each part is one unqualified child and one
// argument; the answer's wrapper is named after the operation with
// Response (the codec reads any name, as WSDL 1.1 leaves it open).
//
// Encoded use (rpc/encoded, SOAP encoding): imported as far as it maps,
// with one warning per binding. Types from the SOAP-encoding namespaces
// (soapenc:string, soapenc:int...) are read as the XSD built-ins of the
// same names; a restriction of soapenc:Array is a list of the type its
// wsdl:arrayType names (or of its one declared element). The codec sends
// encoded requests as literal XML with xsi:type on simple values and the
// soap:encodingStyle attribute, and refuses answers that use multi-
// reference values (href).
//
// The answer: the field's value is Operation.Result, the response element
// itself or, when that element holds exactly one child element (and no
// attribute or text), that child: GetQuoteResponse/GetQuoteResult gives a
// field of GetQuoteResult's type, a JAX-WS getStockResponse/return one of
// return's. This unwraps the wrapper every wrapped and rpc operation has
// without losing anything, since the wrapper holds nothing else; the
// binding's result: argument is never written, since the codec hands back
// the field's value directly. A response of several children is an object
// type of its own (the wrapper's type).
//
// soap:header parts of the request are listed in Operation.Headers; they
// are not arguments (headers carry credentials and sessions that belong to
// the Upstream's configuration, not to a client's query). Header parts of
// the answer are not read. wsdl:fault messages are not mapped to types:
// the codec returns any SOAP Fault as an error with its detail as JSON.
//
// # Root types
//
// An operation's field is a Query or a Mutation: Options.Kinds' entry for
// it (keyed by "Port/Operation" or by the operation's name); else its
// name's first word: Get, List, Search, Find, Query, Lookup, Fetch, Read,
// Retrieve, Check (but not Check In, Check Out), Count, Describe, Is,
// Are, Has, Exists, Validate, Verify, Calculate, Compute and Estimate are
// queries, names that read without side effects (Validate, Calculate and
// Estimate compute an answer from the arguments and store nothing);
// anything else is a Mutation. Quote is left out on purpose: many services
// store the quote they make (CreateQuote, Quote), and a mutation that is
// in truth a read costs only parallelism, where a query that writes could
// be retried or cached. Words split at case changes and underscores
// (GetQuote, get_quote, getQuote all start with get). The field is the
// operation's name in lower camel case; when several operations of one
// root type want one name, each gets its port's name in front, then its
// service's too, then a number. A field is always nullable, so that a
// failed call nulls its own field and the rest of the response stands.
// wsdl:documentation becomes the description.
//
// Bindings:
//
//	getQuote(zip: String!, upc: String!): Quote @soap(upstream: "shipping",
//	  operation: "ShippingPort/GetQuote", request: {zip: "{args.zip}", upc: "{args.upc}"})
//
// request is a GraphQL object whose keys are the field's arguments, each
// the template of its own argument; an operation without arguments has no
// request. The runtime evaluates it into a JSON object and hands it to the
// codec, which writes the request element from it: the keys are the
// request element's fields (Operation.Request.Type), or Operation.Arg.
//
// # Types
//
// XSD complex types become object types and, where they are used as
// input, input types named with the suffix Input. A named type keeps its
// name with an upper-case first letter; an anonymous one is named after
// its element, behind its parent type's name (Order's anonymous Line:
// OrderLine). When two types want one name (two namespaces' Address, a
// type named like a built-in scalar or like another's input), each gets a
// prefix made from its namespace (http://acme.com/shipping/v2: ShippingV2;
// http://tempuri.org/: Tempuri), then a number. Options.Prefix goes in
// front of every type name. Names never start with __.
//
// Fields are the element and attribute names in lower camel case
// (RecordSequenceID: recordSequenceID, Time_Stamp: timeStamp), in this
// order: a simple-content type's text (value), the child elements in
// schema order, the attributes, the wildcard (any). When two want one
// name, the later one gets a number, with a warning. The codec writes and
// reads JSON under these names, so no @from is needed.
//
// Content models: sequence and all give fields in order; a choice's
// members are all nullable, and described ("Part of a choice: at most one
// of a, b is set"); nested groups and group references are flattened into
// the type. minOccurs="0" makes a field nullable, maxOccurs above 1 or
// unbounded a list [T!], itself nullable only when the element may be
// absent; a repeated group makes each member a list (with a warning: which
// items went together is lost). nillable="true" makes a value nullable
// ([T] for list items). An element declared twice in one content model is
// read as one list. Attributes are fields too, nullable unless
// use="required" (a default or fixed value is described, and the codec
// reads it when the attribute is absent); use="prohibited" removes an
// inherited one. simpleContent gives a value field holding the text beside
// the attributes. complexContent extension puts the base type's fields
// first, then the type's own; restriction keeps the base's attributes and
// restates the content. Mixed content is read without its text, with a
// warning. A complex type without any field (GraphQL types may not be
// empty) is the JSON scalar, holding {}; a type made only of a wildcard is
// JSON too; xs:any beside other fields is a JSON field, any, holding the
// extra children by name. xs:anyType, and an element without a type,
// are JSON. Output types are separate from input types, even for one XSD
// type, as GraphQL requires. A cycle of required input fields (which no
// client could fill) is broken by making the field that closes it
// nullable, with a warning.
//
// Simple types: a restriction with enumerations of a string-valued base is
// a GraphQL enum, shared by input and output. Values that are valid enum
// values keep their spelling; others are renamed (in-stock: in_stock; 1st:
// _1st; true: true_; a value with no letter or digit after its symbols,
// <= LT_EQ, + PLUS, and the empty value EMPTY), with a warning, and the
// codec maps the names to the XML values and back. An enumeration of numbers stays a number (a
// GraphQL enum value is a name), with its values described. A restriction
// without enumerations is its base's scalar; list and union types are
// String, with a warning (the codec passes the text through).
//
// Built-in types, chosen so that JSON holds every value without loss:
//
//	string, normalizedString, token, language, Name, NCName, NMTOKEN(S),
//	  ID, IDREF(S), ENTITY, ENTITIES, anyURI, QName, NOTATION, gYear,
//	  gYearMonth, gMonth, gMonthDay, gDay, anySimpleType       String
//	base64Binary                                               String (base64, as in the XML)
//	hexBinary                                                  String (hex, as in the XML)
//	int, short, byte, unsignedShort, unsignedByte              Int
//	unsignedInt                                                UInt32 (a JSON number; above Int's range)
//	long                                                       Int64 (a JSON string)
//	unsignedLong                                               UInt64 (a JSON string)
//	integer, nonNegativeInteger, positiveInteger,
//	  nonPositiveInteger, negativeInteger                      BigInt (a JSON string of digits)
//	decimal                                                    Decimal (a JSON string, digits kept)
//	float, double                                              Float
//	boolean                                                    Boolean
//	dateTime, dateTimeStamp                                    DateTime (xs:dateTime's text)
//	date                                                       Date
//	time                                                       Time
//	duration, dayTimeDuration, yearMonthDuration               Duration (ISO 8601, "P1D")
//	anyType                                                    JSON
//
// 64-bit and unbounded integers and decimals are strings, as the gRPC
// importer writes Int64: a JSON number is read as a float64 by most
// clients, which keeps 53 bits. The custom scalars used are declared in
// the SDL (ScalarDef); Result.Scalars lists them, and the Fragment leaves
// them out, for whoever merges several imports to declare once. A type the
// WSDL names but does not declare is JSON, with a warning.
//
// # Warnings
//
// Whatever cannot be mapped as it is gives one Warning with the file and
// line of the part, its kind and name, and the operation being imported;
// the part is degraded (typed String or JSON, renamed, left out) or its
// operation skipped, and the rest is imported. Import fails on bad
// options, and with a *NothingError, which says why, when no operation is
// left: no SOAP binding, no port, or every operation skipped.
//
// # What the runtime does
//
// For a field, the runtime finds Result.Operations[operation], evaluates
// the request template into a JSON object, and calls envelope.Encode with
// the operation, that object and the header values its configuration
// holds; it POSTs the envelope to the operation's Endpoint (or the
// Upstream's) with envelope.ContentType and, for SOAP 1.1, the SOAPAction
// header; whatever the HTTP status, it hands the body to envelope.Decode,
// whose JSON is the field's value, or whose error (a *envelope.Fault or an
// *envelope.Error) becomes the field's error.
package wsdl
