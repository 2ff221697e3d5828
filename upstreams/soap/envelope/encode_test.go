package envelope

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

func TestEncodeErrors(t *testing.T) {
	ops := operations(t)
	// echo is an Echo request with every required field, one of them
	// replaced.
	echo := func(field string) string {
		base := map[string]string{
			"aString": `"s"`, "aToken": `"t"`, "aURI": `"u"`, "aQName": `"q"`, "aBase64": `""`, "aHex": `""`,
			"anInt": "1", "aShort": "1", "aByte": "1", "anUnsignedShort": "1", "anUnsignedByte": "1", "anUnsignedInt": "1",
			"aLong": "1", "anUnsignedLong": "1", "anInteger": "1", "aNonNegativeInteger": "1", "aPositiveInteger": "1",
			"aNegativeInteger": "-1", "aDecimal": "1", "aFloat": "1", "aDouble": "1", "aBoolean": "true", "aDateTime": `"d"`,
			"aDate": `"d"`, "aTime": `"t"`, "aDuration": `"P1D"`, "aGYear": `"2024"`, "anything": `"x"`,
		}
		k, v, _ := strings.Cut(field, ": ")
		base[strings.Trim(k, `"`)] = v
		var parts []string
		for k, v := range base {
			parts = append(parts, `"`+k+`": `+v)
		}
		return `{"everything": {` + strings.Join(parts, ", ") + `}}`
	}
	tests := []struct {
		name, op, request string
		want              []string
	}{
		{"not an object", "ShippingPort/GetQuote", `[1]`, []string{"not a JSON object"}},
		{"not JSON", "ShippingPort/GetQuote", `{"fromZip": }`, []string{"invalid JSON"}},
		{"an unknown key", "ShippingPort/GetQuote", `{"fromZip": "1", "toZip": "2", "parcel": [], "color": "red"}`, []string{`"color" is not a field`}},
		{"a required argument missing", "ShippingPort/GetQuote", `{"toZip": "2", "parcel": []}`, []string{"fromZip: a value is required"}},
		{"a required argument null", "ShippingPort/GetQuote", `{"fromZip": null, "toZip": "2", "parcel": []}`, []string{"fromZip: a value is required"}},
		{"a null list item", "ShippingPort/GetQuote", `{"fromZip": "1", "toZip": "2", "parcel": [{"weight": 1}, null]}`, []string{"parcel[1]: a list item may not be null"}},
		{"a nested error's path", "ShippingPort/GetQuote", `{"fromZip": "1", "toZip": "2", "parcel": [{"weight": 1}, {"weight": "heavy"}]}`, []string{`parcel[1].weight: "heavy" is not an xs:decimal`}},
		{"an exponent for a decimal", "ShippingPort/GetQuote", `{"fromZip": "1", "toZip": "2", "parcel": [{"weight": 1e3}]}`, []string{"1e3 is not an xs:decimal"}},
		{"an unknown enum value", "ShippingPort/GetQuote", `{"fromZip": "1", "toZip": "2", "parcel": [], "service": "2nd-Day"}`, []string{`service: "2nd-Day" is not a value of the enumeration`}},
		{"an enum as a number", "ShippingPort/GetQuote", `{"fromZip": "1", "toZip": "2", "parcel": [], "service": 2}`, []string{"service: want an enum value"}},
		{"a string for an object", "ShippingPort/GetQuote", `{"fromZip": "1", "toZip": "2", "parcel": ["big"]}`, []string{"parcel[0]: want an object, got a JSON string"}},
		{"a number for a string", "ShippingPort/GetQuote", `{"fromZip": 12345, "toZip": "2", "parcel": []}`, []string{"fromZip: want a string, got a JSON number"}},
		{"a control character", "ShippingPort/GetQuote", `{"fromZip": "1\u0001", "toZip": "2", "parcel": []}`, []string{"fromZip", `'\x01' cannot be sent in XML`}},
		{"a lone surrogate's replacement is fine, U+FFFE is not", "ShippingPort/GetQuote", `{"fromZip": "\ufffe", "toZip": "2", "parcel": []}`, []string{"cannot be sent in XML"}},
		{"a missing required attribute", "ShippingPort/CreateShipment",
			`{"from": {"street": ["a"], "city": "b", "zip": "c"}, "to": {"street": ["a"], "city": "b", "zip": "c"}, "parcels": [{"weight": 1, "dimensions": {"length": 1, "width": 1, "height": 1}}]}`,
			[]string{"parcels[0].dimensions.unit: the attribute is required"}},
		{"an int out of range", "LegacyPort/Echo", echo(`"aByte": 128`), []string{"everything.aByte: 128: out of the type's range"}},
		{"an unsigned int below zero", "LegacyPort/Echo", echo(`"anUnsignedInt": -1`), []string{"anUnsignedInt", "out of the type's range"}},
		{"a long past 2^63", "LegacyPort/Echo", echo(`"aLong": "9223372036854775808"`), []string{"aLong", "out of the type's range"}},
		{"a fraction for an int", "LegacyPort/Echo", echo(`"anInt": 1.5`), []string{"anInt", "not an integer"}},
		{"zero for a positive integer", "LegacyPort/Echo", echo(`"aPositiveInteger": 0`), []string{"aPositiveInteger", "out of the type's range"}},
		{"a float past float32", "LegacyPort/Echo", echo(`"aFloat": 1e39`), []string{"aFloat", "out of the type's range"}},
		{"NaN", "LegacyPort/Echo", echo(`"aDouble": "NaN"`), []string{"aDouble", "no JSON form"}},
		{"a bad boolean", "LegacyPort/Echo", echo(`"aBoolean": "yes"`), []string{"aBoolean: want a boolean"}},
		{"a list in a list of open content", "LegacyPort/Echo", echo(`"anything": [[1]]`), []string{"a list inside a list"}},
		{"a bad element name in open content", "LegacyPort/Echo", echo(`"anything": {"a b": 1}`), []string{`"a b" cannot name an XML element`}},
		{"a bad attribute name in open content", "LegacyPort/Echo", echo(`"anything": {"@1x": 1}`), []string{`"1x" cannot name an XML attribute`}},
		{"an object for open text", "LegacyPort/Echo", echo(`"anything": {"#text": {}}`), []string{"want text"}},
		{"a wildcard that is not an object", "LegacyPort/Store", `{"record": {"key": "k", "createdBy": "me", "traceId": "t"}, "extra": {"id": 1, "any": [1]}, "note": {}, "pairs": {"first": [], "second": []}}`,
			[]string{"extra.any: want an object of elements by name"}},
		{"an encoded array that is not a list", "LegacyEncodedPort/Sum", `{"values": 3}`, []string{"values: want a list"}},
		{"too deep", "LegacyPort/Describe", `{"node": ` + strings.Repeat(`{"name": "x", "parent": `, 200) + `null` + strings.Repeat(`}`, 200) + `}`, []string{"nested deeper than 128"}},
		{"the one argument missing", "InventoryPort/CheckStock", `{}`, []string{"input: the argument is required"}},
		{"arguments to an operation without any", "InventoryPort/Warehouses", `{"x": 1}`, []string{"takes no argument"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Encode([]byte("keep"), ops[tt.op], []byte(tt.request), nil, EncodeOptions{})
			var e *Error
			if !errors.As(err, &e) || e.Code != BadRequest {
				t.Fatalf("error %v, want a BadRequest *Error", err)
			}
			if string(out) != "keep" {
				t.Errorf("dst changed on error: %q", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestEncodeNulls covers absent keys and nulls: absent is left out, null
// is xsi:nil for a nillable element and left out for an optional one.
func TestEncodeNulls(t *testing.T) {
	op := operations(t)["ShippingPort/CreateShipment"]
	addr := `{"street": ["s"], "city": "c", "zip": "z"}`
	base := `"from": ` + addr + `, "to": ` + strings.Replace(addr, `"zip": "z"`, `"zip": "z", "country": null, "instructions": null`, 1) + `, "parcels": [{"weight": 1, "contents": [null, "x"]}]`
	tests := []struct {
		name, request string
		has, hasNot   []string
	}{
		{"absent", `{` + base + `}`, []string{`<ns1:Contents xsi:nil="true"/><ns1:Contents>x</ns1:Contents>`, `<ns1:Instructions xsi:nil="true"/>`}, []string{"Reference", "Country", "Pickup", "DropOff"}},
		{"null nillable", `{` + base + `, "reference": null}`, []string{`<ns1:Reference xsi:nil="true"/>`}, nil},
		{"null optional", `{` + base + `, "pickup": null, "dropOff": "locker"}`, []string{`<ns1:DropOff>locker</ns1:DropOff>`}, []string{"Pickup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Encode(nil, op, []byte(tt.request), nil, EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range tt.has {
				if !bytes.Contains(out, []byte(h)) {
					t.Errorf("no %s in\n%s", h, out)
				}
			}
			for _, h := range tt.hasNot {
				if bytes.Contains(out, []byte(h)) {
					t.Errorf("%s in\n%s", h, out)
				}
			}
			// In the "to" address the schema's optional country is
			// left out even when null, and instructions is nil.
			if bytes.Contains(out, []byte("<Country")) {
				t.Errorf("a null optional element was written:\n%s", out)
			}
		})
	}
}

// TestEncodeOptions covers headers, WS-Security, the SOAP version
// override and escaping, reading the envelope back with encoding/xml.
func TestEncodeOptions(t *testing.T) {
	op := operations(t)["ShippingPort/TrackShipment"]
	hdr := op.Headers[0]
	out, err := Encode(nil, op, []byte(`{"id": 7}`), []Header{{Element: &hdr, Value: []byte(`{"username": "ann", "token": "t<&>\"'"}`)}},
		EncodeOptions{SOAPVersion: "1.2", WSSecurity: &WSSecurity{Username: "svc", Password: "p@ss]]>word"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wellFormed(out); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var env struct {
		XMLName xml.Name
		Header  struct {
			Security struct {
				MustUnderstand string `xml:"http://www.w3.org/2003/05/soap-envelope mustUnderstand,attr"`
				Token          struct {
					Username string `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd Username"`
					Password struct {
						Type  string `xml:"Type,attr"`
						Value string `xml:",chardata"`
					} `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd Password"`
				} `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd UsernameToken"`
			} `xml:"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd Security"`
			Auth struct {
				Username string `xml:"http://example.com/shipping/v1 Username"`
				Token    string `xml:"http://example.com/shipping/v1 Token"`
			} `xml:"http://example.com/shipping/v1 AuthHeader"`
		} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
		Body struct {
			Track struct {
				ID string `xml:"http://example.com/shipping/v1 Id"`
			} `xml:"http://example.com/shipping/v1 TrackShipment"`
		} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
	}
	if err := xml.Unmarshal(out, &env); err != nil {
		t.Fatal(err)
	}
	if env.XMLName.Space != NS12 {
		t.Errorf("envelope namespace %s, want SOAP 1.2's", env.XMLName.Space)
	}
	sec := env.Header.Security
	if sec.MustUnderstand != "true" || sec.Token.Username != "svc" || sec.Token.Password.Value != "p@ss]]>word" || sec.Token.Password.Type != passText {
		t.Errorf("security header %+v", sec)
	}
	if env.Header.Auth.Username != "ann" || env.Header.Auth.Token != `t<&>"'` {
		t.Errorf("auth header %+v", env.Header.Auth)
	}
	if env.Body.Track.ID != "7" {
		t.Errorf("body %+v", env.Body)
	}

	// SOAP 1.1 marks mustUnderstand with 1.
	out, err = Encode(nil, op, []byte(`{"id": 7}`), nil, EncodeOptions{WSSecurity: &WSSecurity{Username: "u", Password: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`soap:mustUnderstand="1"`)) || !bytes.Contains(out, []byte(NS11)) {
		t.Errorf("SOAP 1.1 security header:\n%s", out)
	}
	if _, err := Encode(nil, op, []byte(`{"id": 7}`), nil, EncodeOptions{WSSecurity: &WSSecurity{Username: "\x00"}}); err == nil {
		t.Error("a NUL in the username was sent")
	}
	if _, err := Encode(nil, op, []byte(`{"id": 7}`), []Header{{Value: []byte(`{}`)}}, EncodeOptions{}); err == nil {
		t.Error("a header without an element was sent")
	}
	if _, err := Encode(nil, op, []byte(`{"id": 7}`), nil, EncodeOptions{SOAPVersion: "3"}); err == nil {
		t.Error("SOAP 3 was written")
	}
	if _, err := Encode(nil, nil, nil, nil, EncodeOptions{}); err == nil {
		t.Error("no operation was encoded")
	}
}

// TestEncodeSOAP12Array writes a SOAP 1.2 encoded array with
// itemType and arraySize.
func TestEncodeSOAP12Array(t *testing.T) {
	op := *operations(t)["LegacyEncodedPort/Sum"]
	out, err := Encode(nil, &op, []byte(`{"values": [5, 6]}`), nil, EncodeOptions{SOAPVersion: "1.2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := wellFormed(out); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{`soapenc:itemType="xsd:int"`, `soapenc:arraySize="2"`, `xmlns:soapenc="` + nsEnc12 + `"`, `<item xsi:type="xsd:int">5</item>`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		version, action, want, header string
		ok                            bool
	}{
		{"1.1", "http://example.com/GetQuote", "text/xml; charset=utf-8", `"http://example.com/GetQuote"`, true},
		{"1.1", "", "text/xml; charset=utf-8", `""`, true},
		{"1.2", "urn:x#Get", `application/soap+xml; charset=utf-8; action="urn:x#Get"`, "", false},
		{"1.2", "", "application/soap+xml; charset=utf-8", "", false},
		{"1.2", "a\"b\r\nc", `application/soap+xml; charset=utf-8; action="a\"bc"`, "", false},
		{"1.1", "a\"b", "text/xml; charset=utf-8", `"a\"b"`, true},
	}
	for _, tt := range tests {
		if got := ContentType(tt.version, tt.action); got != tt.want {
			t.Errorf("ContentType(%s, %q) = %q, want %q", tt.version, tt.action, got, tt.want)
		}
		got, ok := ActionHeader(tt.version, tt.action)
		if got != tt.header || ok != tt.ok {
			t.Errorf("ActionHeader(%s, %q) = %q, %v; want %q, %v", tt.version, tt.action, got, ok, tt.header, tt.ok)
		}
	}
}

// TestEncodeHandBuilt encodes an operation built by hand rather than
// imported: a runtime may describe an operation itself.
func TestEncodeHandBuilt(t *testing.T) {
	str := &wsdl.Type{Kind: wsdl.Simple, Builtin: "string", Scalar: wsdl.ScalarString}
	op := &wsdl.Operation{SOAPVersion: "1.1", Style: "document", Use: "literal",
		Request: &wsdl.Element{Name: "Hello", Namespace: "urn:hello", Min: 1, Max: 1, Type: &wsdl.Type{Kind: wsdl.Complex,
			Elements:   []*wsdl.Element{{Name: "name", Field: "name", Type: str, Min: 1, Max: 1}},
			Attributes: []*wsdl.Attribute{{Name: "lang", Namespace: "urn:attrs", Field: "lang", Type: str}},
		}}}
	out, err := Encode(nil, op, []byte(`{"lang": "en", "name": "World"}`), nil, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `<soap:Body><ns1:Hello xmlns:ns1="urn:hello" xmlns:ns2="urn:attrs" ns2:lang="en"><name>World</name></ns1:Hello></soap:Body>`
	if !bytes.Contains(out, []byte(want)) {
		t.Errorf("got\n%s\nwant it to hold\n%s", out, want)
	}
	if err := wellFormed(out); err != nil {
		t.Error(err)
	}
}
