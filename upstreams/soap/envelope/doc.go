// Package envelope is the SOAP codec: it writes the envelope of a request
// from the JSON of a field's arguments, and reads an answer into the JSON
// of the field's value, both driven by an operation of the WSDL importer's
// index (upstreams/soap/wsdl). It does no I/O of its own beyond reading
// the answer it is given.
//
//	op := res.Operations["ShippingPort/GetQuote"]
//	body, err := envelope.Encode(buf[:0], &op, args, headers, envelope.EncodeOptions{})
//	req.Header.Set("Content-Type", envelope.ContentType(op.SOAPVersion, op.SOAPAction))
//	if v, ok := envelope.ActionHeader(op.SOAPVersion, op.SOAPAction); ok {
//		req.Header.Set("SOAPAction", v)
//	}
//	// ... POST body to op.Endpoint, then, whatever the HTTP status:
//	value, err := envelope.Decode(out[:0], resp.Body, &op, envelope.DecodeOptions{MaxBytes: limit})
//
// # Requests
//
// The request is a JSON object whose keys are the field's arguments as the
// importer named them: the fields of op.Request's type (child elements,
// attributes, a simple-content value, a wildcard), or op.Arg alone, whose
// value is the whole request element. A key that names nothing is an
// error, so that a mismatch between schema and binding shows at the first
// call rather than as a silently dropped value.
//
// The envelope uses the prefix soap for the envelope namespace (SOAP 1.1's
// or 1.2's, from the operation or EncodeOptions.SOAPVersion) and declares
// xsi beside it; every other namespace gets a prefix ns1, ns2... declared
// on the first element that needs it. The default namespace is never
// used, so that unqualified elements (elementFormDefault="unqualified",
// rpc parts) stay in no namespace wherever they are. Child elements are
// written in schema order, whatever the order of the JSON keys.
//
// Values: a list is written as the element repeated (a single value where
// a list is expected is one occurrence); an absent key is left out; null
// is xsi:nil="true" for a nillable element and left out for an optional
// one; an element or attribute the schema requires that is absent or null
// (and not nillable) is an error. Scalars are checked against their XSD
// type: integers for range (Int64, UInt64 and BigInt as strings or
// numbers), decimals for their lexical form (no exponent), floats for
// range, enum values mapped from their GraphQL names to the XML values.
// Text is escaped (&, <, > and, in attributes, quotes; carriage returns,
// and tabs and newlines in attributes, as character references so that
// they arrive as sent); a character XML 1.0 cannot hold is an error.
// Open content (the JSON scalar) is written generically: an object's
// members are child elements, "@name" members attributes and "#text" its
// text; an array repeats its element.
//
// For encoded use (rpc/encoded), simple values carry xsi:type, the body
// element soap:encodingStyle, and an encoded array its soapenc:arrayType
// (SOAP 1.1) or soapenc:itemType and soapenc:arraySize (SOAP 1.2).
//
// Headers: each Header is written in soap:Header, in the shape of its
// element; EncodeOptions.WSSecurity adds a wsse:Security header with a
// UsernameToken and the password in clear text (PasswordText), marked
// mustUnderstand.
//
// # Answers
//
// Decode streams the answer through encoding/xml's tokenizer, bounded in
// bytes (DecodeOptions.MaxBytes) and element depth (MaxDepth), and refuses
// a DTD (the way to an XML bomb; SOAP forbids them). The root must be the
// Envelope of the operation's SOAP version; the Header is skipped; the
// Body holds a Fault, whatever the HTTP status was, or the response
// element. For document style its name must be the response element's
// (a different element is an error, not a silently empty answer); for rpc
// style any name is read, as WSDL 1.1 leaves the wrapper's name open, and
// a sole part is read whatever its name.
//
// The JSON written is the value of op.Result: the response element, or
// its one child when the importer unwrapped it (a list when that child
// repeats). It follows the GraphQL types the importer wrote, with their
// field names as keys and every field present: an absent element or
// attribute is null (an attribute with a default or fixed value reads as
// that value), an absent list []. Lists are arrays even of one item.
// Int and UInt32 values are JSON numbers, Float a number (INF and NaN,
// which JSON cannot hold, are errors), Int64, UInt64, BigInt and Decimal
// strings holding the digits exactly (a decimal as the upstream wrote it),
// Boolean true or false (from true, false, 1 or 0), enum values their
// GraphQL names, dates, times and durations strings as sent, xsi:nil null.
// Whitespace is handled as XSD says: kept for xs:string, collapsed for
// other types, removed from base64. Elements and attributes the schema
// does not declare are skipped, and elements are matched by local name
// when their namespace differs from the schema's (a tolerant reader: the
// upstream may add to its answers, or qualify them loosely); a value of
// the wrong type is an error naming its element path. A complex type with
// a wildcard keeps the unknown children under its wildcard field. Open
// content becomes JSON generically, the inverse of the writing above.
//
// A SOAP 1.1 Fault (faultcode, faultstring, faultactor, detail) or SOAP
// 1.2 Fault (Code/Value, Subcode, Reason/Text, Node, Role, Detail) is
// returned as a *Fault, its detail converted to JSON text. Every other
// failure is an *Error: Code BadRequest for a request that cannot be
// written, BadResponse for an answer that cannot be read (not XML, an
// HTML error page, the wrong SOAP version, truncated, too large, too deep,
// a DTD, an rpc/encoded multi-reference value, a value of the wrong type).
// The runtime maps BadResponse to UPSTREAM_BAD_RESPONSE, a Fault to
// UPSTREAM_ERROR with its code and string, and BadRequest to an error of
// the field's arguments.
//
// A one-way operation's answer (usually HTTP 202 with no body), or an
// answer to an operation without a response element, decodes to true.
package envelope
