package envelope

import (
	"fmt"
	"strings"
)

// Namespaces of the SOAP envelopes, encodings and the XML Schema instance
// attributes.
const (
	NS11     = "http://schemas.xmlsoap.org/soap/envelope/"
	NS12     = "http://www.w3.org/2003/05/soap-envelope"
	nsEnc11  = "http://schemas.xmlsoap.org/soap/encoding/"
	nsEnc12  = "http://www.w3.org/2003/05/soap-encoding"
	nsXSI    = "http://www.w3.org/2001/XMLSchema-instance"
	nsXSD    = "http://www.w3.org/2001/XMLSchema"
	nsXML    = "http://www.w3.org/XML/1998/namespace"
	nsWSSE   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	passText = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
)

// Version11 and Version12 are the SOAP versions, as wsdl.Operation's
// SOAPVersion writes them.
const (
	Version11 = "1.1"
	Version12 = "1.2"
)

// envNS is the envelope namespace of a SOAP version ("" for an unknown
// version).
func envNS(version string) string {
	switch version {
	case Version11:
		return NS11
	case Version12:
		return NS12
	}
	return ""
}

// ContentType is the Content-Type of a request: text/xml for SOAP 1.1
// (whose action goes in the SOAPAction header, see ActionHeader), and
// application/soap+xml with the action as a parameter for SOAP 1.2.
func ContentType(version, action string) string {
	if version == Version12 {
		if action == "" {
			return "application/soap+xml; charset=utf-8"
		}
		return `application/soap+xml; charset=utf-8; action="` + quoteParam(action) + `"`
	}
	return "text/xml; charset=utf-8"
}

// ActionHeader is the value of the SOAPAction HTTP header a SOAP 1.1
// request carries: the action quoted, "" (two quotes) when the WSDL gives
// none, as SOAP 1.1 requires the header on every request. SOAP 1.2 has no
// such header: ok is false.
func ActionHeader(version, action string) (value string, ok bool) {
	if version == Version12 {
		return "", false
	}
	return `"` + quoteParam(action) + `"`, true
}

// quoteParam escapes a value for a quoted string of an HTTP header, and
// drops the characters a header cannot hold.
func quoteParam(s string) string {
	if !strings.ContainsAny(s, "\"\\\r\n\x00") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < ' ' && r != '\t':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ErrorCode says whose fault an Error is.
type ErrorCode int

// The codes of Error.
const (
	// BadRequest: the request cannot be written (a value of the wrong
	// type, a character XML cannot hold, a required value missing).
	BadRequest ErrorCode = iota + 1
	// BadResponse: the answer cannot be read (not a SOAP envelope, the
	// wrong SOAP version, malformed or truncated XML, a value of the wrong
	// type, too large, a DTD).
	BadResponse
)

func (c ErrorCode) String() string {
	switch c {
	case BadRequest:
		return "bad request"
	case BadResponse:
		return "bad response"
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// Error is a request the codec cannot write or an answer it cannot read.
type Error struct {
	Code ErrorCode
	// Path locates the value: JSON keys and indexes for a request
	// (parcels[1].weight), element names for an answer
	// (GetQuoteResponse/GetQuoteResult[2]/Price).
	Path string
	Msg  string
	// Err is the cause, if another error is.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("soap: " + e.Code.String() + ": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Fault is a SOAP Fault the upstream answered with, SOAP 1.1 or 1.2. Decode
// returns it as its error.
type Fault struct {
	// Version is the SOAP version of the envelope.
	Version string
	// Code is the fault code's local name (Client, Server, Sender,
	// Receiver, or the service's own), without its prefix; SOAP 1.1's
	// dotted codes keep their dots (Client.Authentication). Subcode is
	// SOAP 1.2's first Subcode/Value, likewise.
	Code, Subcode string
	// String is SOAP 1.1's faultstring or SOAP 1.2's Reason/Text (the
	// English one when there are several).
	String string
	// Actor is SOAP 1.1's faultactor or SOAP 1.2's Role; Node is SOAP 1.2's
	// Node.
	Actor, Node string
	// Detail is the detail element's content as JSON text (the generic
	// conversion of the JSON scalar: an object of its children by name),
	// "" when there is none.
	Detail string
}

func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("soap fault")
	if f.Code != "" {
		b.WriteString(" " + f.Code)
		if f.Subcode != "" {
			b.WriteString("/" + f.Subcode)
		}
	}
	if f.String != "" {
		b.WriteString(": " + f.String)
	}
	return b.String()
}
