package wsdl

// QName is an XML qualified name: a namespace URI and a local name.
type QName struct {
	Space, Local string
}

// String writes the name as {namespace}local, or local alone without a
// namespace.
func (q QName) String() string {
	if q.Space == "" {
		return q.Local
	}
	return "{" + q.Space + "}" + q.Local
}

// Kind is the shape of a Type's content.
type Kind uint8

// The kinds of content.
const (
	// Simple content is text: Scalar says how it maps to JSON, Enum lists
	// its allowed values when it is an enumeration.
	Simple Kind = iota + 1
	// Complex content is child elements and attributes, and text when
	// Content is set (simple content with attributes).
	Complex
	// Array is a SOAP-encoded array: repeated Item elements, whatever
	// their names.
	Array
	// Any is content of any shape (xs:anyType, a type made only of a
	// wildcard, a type the WSDL names but does not declare): it maps to
	// the JSON scalar, converted generically.
	Any
)

func (k Kind) String() string {
	switch k {
	case Simple:
		return "simple"
	case Complex:
		return "complex"
	case Array:
		return "array"
	case Any:
		return "any"
	}
	return "invalid"
}

// Scalar names: the GraphQL scalars simple content maps to. The JSON form
// of each is fixed, so that the envelope codec and the SDL agree.
const (
	ScalarString   = "String"   // a JSON string
	ScalarInt      = "Int"      // a JSON number, signed 32 bits
	ScalarFloat    = "Float"    // a JSON number
	ScalarBoolean  = "Boolean"  // true or false
	ScalarUInt32   = "UInt32"   // a JSON number, 0 to 4294967295
	ScalarInt64    = "Int64"    // a JSON string holding a signed 64-bit integer
	ScalarUInt64   = "UInt64"   // a JSON string holding an unsigned 64-bit integer
	ScalarBigInt   = "BigInt"   // a JSON string holding an integer of any size
	ScalarDecimal  = "Decimal"  // a JSON string holding an xs:decimal, digits kept
	ScalarDateTime = "DateTime" // a JSON string, xs:dateTime's form
	ScalarDate     = "Date"     // a JSON string, xs:date's form
	ScalarTime     = "Time"     // a JSON string, xs:time's form
	ScalarDuration = "Duration" // a JSON string, xs:duration's form (ISO 8601, "P1DT2H")
	ScalarJSON     = "JSON"     // any JSON value
)

// Type is the shape of an element's content. Types are shared: every
// element of one XSD type points to the same *Type, and a recursive schema
// gives a cyclic graph (walk it with a visited set).
type Type struct {
	// Name is the XSD type's name (the built-in's, such as
	// {http://www.w3.org/2001/XMLSchema}int); zero for an anonymous type.
	Name QName
	Kind Kind
	// Builtin is the local name of the XSD built-in type simple content
	// derives from ("int", "string", "dateTime"); it sets the value's
	// range (byte, short, unsignedByte...).
	Builtin string
	// Scalar is the GraphQL scalar of simple content (the Scalar*
	// constants); for an enumeration, the scalar of its base.
	Scalar string
	// Enum lists an enumeration's values, in schema order; nil otherwise.
	Enum []EnumValue

	// Content is the type of the text of a complex type with simple
	// content, and ContentField the JSON key it goes under ("value").
	Content      *Type
	ContentField string
	// Elements are the child elements, in schema order; members of a
	// choice, and of nested groups, are flattened into the list.
	Elements []*Element
	// Attributes are the attributes, base type's first.
	Attributes []*Attribute
	// Wildcard, when set, is the JSON key under which child elements that
	// match no Element (an xs:any) are kept, as a JSON object.
	Wildcard string

	// Item is an Array's item: its name (the one written; any name is
	// read) and type.
	Item *Element

	// Output and Input are the GraphQL types this type became: an object
	// type and an input type, an enum (both the same), or a scalar. Empty
	// on the side the import did not use.
	Output, Input string
}

// EnumValue is one value of an enumeration.
type EnumValue struct {
	// Value is the value in the XML.
	Value string
	// Name is the GraphQL enum value: Value when it is a valid name, else a
	// name made from it.
	Name string
}

// Unbounded is Element.Max for maxOccurs="unbounded".
const Unbounded = -1

// Element is an XML element of a message, as a value of a JSON object.
type Element struct {
	// Name is the element's local name, and Namespace its namespace on the
	// wire: the target namespace of its schema when it is qualified (a
	// global element, or a local one under elementFormDefault="qualified"
	// or form="qualified"), "" when it is not.
	Name, Namespace string
	// Field is the JSON key, and GraphQL field or argument name, of the
	// element's value in its parent.
	Field string
	Type  *Type
	// Min and Max are its occurrences; Max is Unbounded for
	// maxOccurs="unbounded". They include those of the groups around it.
	Min, Max int
	// Nillable elements may be sent and read as xsi:nil="true": null.
	Nillable bool
	// Choice is set for members of a choice: at most one of them is there.
	Choice bool
	// InputOptional is set on a required element that closes a cycle of
	// required input types: its input field is nullable, or no client
	// could fill it, so a request may leave it out.
	InputOptional bool
}

// List reports whether the element may occur more than once: its value is
// a JSON array.
func (e *Element) List() bool { return e.Max == Unbounded || e.Max > 1 }

// Optional reports whether the element may be absent.
func (e *Element) Optional() bool { return e.Min == 0 || e.Choice }

// QName returns the element's name on the wire.
func (e *Element) QName() QName { return QName{e.Namespace, e.Name} }

// Attribute is an XML attribute, as a value of a JSON object.
type Attribute struct {
	// Name is the attribute's local name and Namespace its namespace ("" for
	// an unqualified attribute, the usual case).
	Name, Namespace string
	// Field is its JSON key and GraphQL field name.
	Field string
	// Type is a simple type.
	Type     *Type
	Required bool
	// Default is the value an absent attribute has, when HasDefault (a
	// default or fixed value in the schema).
	Default    string
	HasDefault bool
}

// Operation is what a runtime needs to call one SOAP operation and to map
// its answer: the envelope package's input.
type Operation struct {
	// Name is the operation as @soap(operation:) names it: "Port/Operation".
	Name string
	// Local is the operation's name in the WSDL.
	Local string
	// Port and Service are the wsdl:port and wsdl:service it is reached
	// by; Binding and PortType the binding and port type that declare it.
	Port, Service     string
	Binding, PortType QName
	// Endpoint is the port's soap:address location.
	Endpoint string
	// SOAPAction is soap:operation's soapAction ("" when absent).
	SOAPAction string
	// SOAPVersion is "1.1" or "1.2", from the binding's namespace.
	SOAPVersion string
	// Style is "document" or "rpc"; Use is "literal" or "encoded".
	Style, Use string
	// EncodingStyle is soap:body's encodingStyle, for Use "encoded".
	EncodingStyle string
	// Wrapped is set for rpc operations, and for document operations whose
	// request is one element named after the operation (the wrapped
	// convention); informational: the codec treats every shape alike.
	Wrapped bool

	// Request is the element the request's soap:Body holds; nil for an
	// empty body. Its value is the request's JSON object: the arguments
	// are Request.Type's fields; or, when Arg is set, the one argument
	// Arg holds the whole value.
	Request *Element
	Arg     string
	// Response is the element the answer's soap:Body holds; nil for a
	// one-way operation (or an output without a body part), whose field is
	// a Boolean the codec answers true.
	Response *Element
	// Result is the element whose value is the field's: Response itself,
	// or its one child when Response holds exactly one element (and no
	// attributes or text).
	Result *Element
	// Headers are the soap:header parts of the request, which the runtime
	// fills from configuration (they are not arguments).
	Headers []Element
	// OneWay is set for operations without an output message.
	OneWay bool

	// Root ("Query" or "Mutation") and Field are the root field the
	// operation became; empty when it was skipped.
	Root, Field string
	// Skipped says why the operation has no field.
	Skipped string
}
