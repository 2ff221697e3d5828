package envelope

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

const (
	env11 = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>`
	end11 = `</soap:Body></soap:Envelope>`
	env12 = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><env:Body>`
	end12 = `</env:Body></env:Envelope>`
)

// quote is one GetQuoteResult of the shipping service.
func quote(carrier, price, id string) string {
	return `<s:GetQuoteResult><s:Carrier active="true"><s:Code>` + carrier + `</s:Code><s:Name>` + carrier + ` Inc.</s:Name></s:Carrier>` +
		`<s:Service>2nd-Day</s:Service><s:Price currency="USD">` + price + `</s:Price><s:TransitDays>2</s:TransitDays>` +
		`<s:Expires>2024-05-01T10:00:00Z</s:Expires><s:QuoteId>` + id + `</s:QuoteId></s:GetQuoteResult>`
}

func quoteJSON(carrier, price, id string) string {
	return `{"carrier": {"code": "` + carrier + `", "name": "` + carrier + ` Inc.", "active": true}, "service": "_2nd_Day",
		"price": {"value": "` + price + `", "currency": "USD"}, "transitDays": 2, "expires": "2024-05-01T10:00:00Z", "quoteId": "` + id + `"}`
}

func TestDecode(t *testing.T) {
	ops := operations(t)
	quotes := func(body string) string {
		return env11 + `<s:GetQuoteResponse xmlns:s="http://example.com/shipping/v1">` + body + `</s:GetQuoteResponse>` + end11
	}
	tests := []struct {
		name, op, answer string
		want             string
	}{
		{"a list of one", "ShippingPort/GetQuote", quotes(quote("UPS", "12.50", "9007199254740993")),
			`[` + quoteJSON("UPS", "12.50", "9007199254740993") + `]`},
		{"a list of two", "ShippingPort/GetQuote", quotes(quote("UPS", "12.50", "1") + quote("DHL", "0.000000000000000000001", "-9223372036854775808")),
			`[` + quoteJSON("UPS", "12.50", "1") + `,` + quoteJSON("DHL", "0.000000000000000000001", "-9223372036854775808") + `]`},
		{"an empty list", "ShippingPort/GetQuote", quotes(""), `[]`},
		{"unknown elements and attributes skipped", "ShippingPort/GetQuote",
			quotes(strings.Replace(quote("UPS", "1", "2"), `<s:Service>`, `<s:Extra a="b"><s:Deep><s:Deeper/></s:Deep></s:Extra><s:Service surprise="yes">`, 1)),
			`[` + quoteJSON("UPS", "1", "2") + `]`},
		{"children qualified otherwise than the schema says", "ShippingPort/GetQuote",
			env11 + `<GetQuoteResponse xmlns="http://example.com/shipping/v1"><GetQuoteResult xmlns=""><Carrier active="1"><Code>X</Code><Name>X Inc.</Name></Carrier><Service>2nd-Day</Service><Price currency="USD">1</Price><TransitDays> +002 </TransitDays><Expires>2024-05-01T10:00:00Z</Expires><QuoteId>007</QuoteId></GetQuoteResult></GetQuoteResponse>` + end11,
			`[` + quoteJSON("X", "1", "7") + `]`},
		{"whitespace, entities, CDATA, comments", "ShippingPort/ListCarriers",
			env11 + "\n  <s:ListCarriersResponse xmlns:s=\"http://example.com/shipping/v1\">\n    <s:Carrier active=\" true \">\n      <s:Code><![CDATA[A&B <co>]]></s:Code>\n      <s:Name>Smith &amp; Sons &#x263A;<!-- note --></s:Name>\n    </s:Carrier>\n  </s:ListCarriersResponse>\n" + end11,
			`[{"code": "A&B <co>", "name": "Smith & Sons ☺", "active": true}]`},
		{"no carriers", "ShippingPort/ListCarriers",
			env11 + `<s:ListCarriersResponse xmlns:s="http://example.com/shipping/v1"/>` + end11, `[]`},
		{"nested anonymous types, numeric enumeration", "ShippingPort/TrackShipment",
			env11 + `<s:TrackShipmentResponse xmlns:s="http://example.com/shipping/v1"><s:Events><s:Event><s:At>2024-05-01T10:00:00Z</s:At><s:Where>Hub</s:Where><s:Code>200</s:Code></s:Event></s:Events></s:TrackShipmentResponse>` + end11,
			`{"event": [{"at": "2024-05-01T10:00:00Z", "where": "Hub", "code": 200}]}`},
		{"a response of two children", "ShippingPort/CancelShipment",
			env11 + `<s:CancelShipmentResponse xmlns:s="http://example.com/shipping/v1"><s:Cancelled>true</s:Cancelled></s:CancelShipmentResponse>` + end11,
			`{"cancelled": true, "refund": null}`},
		{"nil, defaults, choice, unsigned long", "ShippingPort/CreateShipment",
			env11 + `<s:CreateShipmentResponse xmlns:s="http://example.com/shipping/v1" xmlns:c="http://example.com/common/v1"><s:Shipment>
				<s:Id>18446744073709551615</s:Id>
				<s:From c:verified="false"><Street>1 Main</Street><City>X</City><Zip>12345</Zip><s:Instructions xsi:nil="true"/></s:From>
				<s:To kind="work"><Street>2 Main</Street><City>Y</City><Zip>54321</Zip></s:To>
				<s:Parcels><s:Weight>1.0</s:Weight><s:Contents xsi:nil="1"/><s:Contents>box</s:Contents></s:Parcels>
				<s:DropOff>Locker 4</s:DropOff><s:Status>null</s:Status><s:Label>
				aGVs
				bG8=
				</s:Label></s:Shipment></s:CreateShipmentResponse>` + end11,
			`{"id": "18446744073709551615",
				"from": {"street": ["1 Main"], "city": "X", "zip": "12345", "country": null, "instructions": null, "kind": "home", "verified": false, "residential": null},
				"to": {"street": ["2 Main"], "city": "Y", "zip": "54321", "country": null, "instructions": null, "kind": "work", "verified": null, "residential": null},
				"billing": null,
				"parcels": [{"weight": "1.0", "dimensions": null, "contents": [null, "box"]}],
				"pickup": null, "dropOff": "Locker 4", "status": "null_", "delivery": null, "label": "aGVsbG8="}`},
		{"the result element nil", "ShippingPort/CreateShipment",
			env11 + `<s:CreateShipmentResponse xmlns:s="http://example.com/shipping/v1"><s:Shipment xsi:nil="true"/></s:CreateShipmentResponse>` + end11,
			`null`},
		{"the result element absent", "ShippingPort/CreateShipment",
			env11 + `<s:CreateShipmentResponse xmlns:s="http://example.com/shipping/v1"/>` + end11,
			`null`},
		{"SOAP 1.2", "ShippingPort12/ListCarriers",
			env12 + `<s:ListCarriersResponse xmlns:s="http://example.com/shipping/v1"><s:Carrier active="false"><s:Code>A</s:Code><s:Name>B</s:Name></s:Carrier></s:ListCarriersResponse>` + end12,
			`[{"code": "A", "name": "B", "active": false}]`},
		{"a header is skipped", "ShippingPort12/ListCarriers",
			`<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Header><h:Session xmlns:h="urn:h">1</h:Session></env:Header><env:Body><s:ListCarriersResponse xmlns:s="http://example.com/shipping/v1"/></env:Body></env:Envelope>`,
			`[]`},
		{"simple content with attributes, bare", "InventoryPort/CheckStock",
			env12 + `<StockLevel xmlns="http://example.com/inventory" warehouse="W1" updated="2024-05-01T00:00:00Z">  42 </StockLevel>` + end12,
			`{"value": 42, "warehouse": "W1", "updated": "2024-05-01T00:00:00Z"}`},
		{"an empty output is true", "InventoryPort/ReserveStock", env12 + end12, `true`},
		{"one-way with an empty answer", "ShippingPort/Ping", ``, `true`},
		{"one-way with an envelope", "ShippingPort/Ping", env11 + `<x/>` + end11, `true`},
		{"rpc: any wrapper name, a list of encoded values", "LegacyEncodedPort/Listing",
			env11 + `<ns:ListingReturn xmlns:ns="urn:example:legacy"><items soapenc:arrayType="xsd:int[2]" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"><i>1</i><j>2</j></items></ns:ListingReturn>` + end11,
			`[1, 2]`},
		{"rpc: the part under another name", "LegacyEncodedPort/Sum",
			env11 + `<ns:SumResponse xmlns:ns="urn:example:legacy"><return xsi:type="xsd:long">12345678901234567</return></ns:SumResponse>` + end11,
			`"12345678901234567"`},
		{"rpc: two parts", "LegacyPort/Store",
			env11 + `<ns:StoreResponse xmlns:ns="urn:example:legacy"><ok>1</ok><id>-5</id></ns:StoreResponse>` + end11,
			`{"ok": true, "id": "-5"}`},
		{"rpc: floats and open content", "LegacyPort/Echo",
			env11 + `<ns:EchoResponse xmlns:ns="urn:example:legacy"><result><aFloat>.5</aFloat><aDouble>1E3</aDouble><anything a="1"><x>1</x><x>2</x><y/>tail</anything><untyped>  text  </untyped><grade by="me"> B+ </grade><score>  as is </score></result></ns:EchoResponse>` + end11,
			`{"aString": null, "aToken": null, "aURI": null, "aQName": null, "aBase64": null, "aHex": null, "anInt": null, "aShort": null, "aByte": null,
				"anUnsignedShort": null, "anUnsignedByte": null, "anUnsignedInt": null, "aLong": null, "anUnsignedLong": null, "anInteger": null,
				"aNonNegativeInteger": null, "aPositiveInteger": null, "aNegativeInteger": null, "aDecimal": null, "aFloat": 0.5, "aDouble": 1000,
				"aBoolean": null, "aDateTime": null, "aDate": null, "aTime": null, "aDuration": null, "aGYear": null,
				"anything": {"@a": "1", "x": ["1", "2"], "y": "", "#text": "tail"}, "untyped": "  text  ", "sizes": null, "either": null, "weird": null,
				"grade": {"value": "B", "by": "me"}, "score": {"value": "  as is ", "by": null}}`},
		{"the wildcard keeps unknown children", "LegacyPort/Store",
			env11 + `<ns:StoreResponse xmlns:ns="urn:example:legacy"><ok>true</ok><id>1</id></ns:StoreResponse>` + end11,
			`{"ok": true, "id": "1"}`},
		{"ISO-8859-1", "ShippingPort/ListCarriers",
			"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + env11 + "<s:ListCarriersResponse xmlns:s=\"http://example.com/shipping/v1\"><s:Carrier active=\"true\"><s:Code>M\xfc</s:Code><s:Name>\xc9lan</s:Name></s:Carrier></s:ListCarriersResponse>" + end11,
			`[{"code": "Mü", "name": "Élan", "active": true}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := ops[tt.op]
			if op == nil {
				t.Fatalf("no operation %s", tt.op)
			}
			got, err := Decode([]byte("prefix:"), strings.NewReader(tt.answer), op, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, []byte("prefix:")) {
				t.Fatalf("dst was not appended to: %s", got)
			}
			if !sameJSON(t, string(got[len("prefix:"):]), tt.want) {
				t.Errorf("got  %s\nwant %s", got[len("prefix:"):], tt.want)
			}
		})
	}
}

// TestDecodeWildcard reads an Extensible's open children, by mirroring the
// Store request (whose extra part has a wildcard).
func TestDecodeWildcard(t *testing.T) {
	op := operations(t)["LegacyPort/Store"]
	answer := env11 + `<ns:Store xmlns:ns="urn:example:legacy"><record traceId="t"><Key>k</Key><CreatedBy>me</CreatedBy></record>` +
		`<extra><Id>3</Id><color>red</color><size>S</size><size>M</size><dims w="1"><h>2</h></dims></extra><note>some <b>bold</b> text</note><pairs/></ns:Store>` + end11
	got, err := Decode(nil, strings.NewReader(answer), mirror(op), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"record": {"key": "k", "createdBy": "me", "createdAt": null, "traceId": "t", "sampled": true},
		"extra": {"id": 3, "any": {"color": "red", "size": ["S", "M"], "dims": {"@w": "1", "h": "2"}}},
		"note": {"b": "bold"}, "pairs": {"first": [], "second": []}}`
	if !sameJSON(t, string(got), want) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDecodeFault(t *testing.T) {
	ops := operations(t)
	tests := []struct {
		name, op, answer string
		want             Fault
	}{
		{"SOAP 1.1", "ShippingPort/GetQuote",
			env11 + `<soap:Fault><faultcode>soap:Client.Validation</faultcode><faultstring xml:lang="en">Zip code 00000 does not exist</faultstring>` +
				`<faultactor>http://shipping.example.com/soap</faultactor><detail><e:Invalid xmlns:e="urn:errors" field="fromZip"><e:Value>00000</e:Value><e:Hint>5 digits</e:Hint><e:Hint>not zero</e:Hint></e:Invalid></detail></soap:Fault>` + end11,
			Fault{Version: "1.1", Code: "Client.Validation", String: "Zip code 00000 does not exist", Actor: "http://shipping.example.com/soap",
				Detail: `{"Invalid":{"@field":"fromZip","Value":"00000","Hint":["5 digits","not zero"]}}`}},
		{"SOAP 1.1 without detail", "ShippingPort/GetQuote",
			env11 + `<soap:Fault><faultcode>Server</faultcode><faultstring>boom</faultstring></soap:Fault>` + end11,
			Fault{Version: "1.1", Code: "Server", String: "boom"}},
		{"SOAP 1.2", "ShippingPort12/GetQuote",
			env12 + `<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value xmlns:m="urn:m">m:BadZip</env:Value><env:Subcode><env:Value>m:Deeper</env:Value></env:Subcode></env:Subcode></env:Code>` +
				`<env:Reason><env:Text xml:lang="fr">Code postal inconnu</env:Text><env:Text xml:lang="en-US">Unknown zip code</env:Text></env:Reason>` +
				`<env:Node>http://node.example.com</env:Node><env:Role>http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver</env:Role>` +
				`<env:Detail><m:Zip xmlns:m="urn:m">00000</m:Zip></env:Detail></env:Fault>` + end12,
			Fault{Version: "1.2", Code: "Sender", Subcode: "BadZip", String: "Unknown zip code", Node: "http://node.example.com",
				Actor: "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver", Detail: `{"Zip":"00000"}`}},
		{"SOAP 1.2, text detail, one reason", "ShippingPort12/GetQuote",
			env12 + `<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="de">Fehler</env:Text></env:Reason><env:Detail>just text</env:Detail></env:Fault>` + end12,
			Fault{Version: "1.2", Code: "Receiver", String: "Fehler", Detail: `"just text"`}},
		{"a fault answering a one-way operation", "ShippingPort/Ping",
			env11 + `<soap:Fault><faultcode>soap:Server</faultcode><faultstring>down</faultstring></soap:Fault>` + end11,
			Fault{Version: "1.1", Code: "Server", String: "down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Decode(nil, strings.NewReader(tt.answer), ops[tt.op], DecodeOptions{})
			var f *Fault
			if !errors.As(err, &f) {
				t.Fatalf("error %v (%s), want a *Fault", err, out)
			}
			if *f != tt.want {
				t.Errorf("fault %+v\nwant  %+v", *f, tt.want)
			}
			if f.Detail != "" {
				if _, err := decodeJSON(f.Detail); err != nil {
					t.Errorf("detail is not JSON: %v", err)
				}
			}
			if !strings.Contains(f.Error(), tt.want.Code) || !strings.Contains(f.Error(), tt.want.String) {
				t.Errorf("the message %q says neither code nor string", f.Error())
			}
		})
	}
}

// TestDecodeErrors covers the answers Decode refuses, each with a
// BadResponse *Error saying why.
func TestDecodeErrors(t *testing.T) {
	ops := operations(t)
	bomb := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>` + env11 + `<s:GetQuoteResponse xmlns:s="http://example.com/shipping/v1">&lol2;</s:GetQuoteResponse>` + end11
	result := func(inner string) string {
		return env11 + `<s:GetQuoteResponse xmlns:s="http://example.com/shipping/v1"><s:GetQuoteResult>` + inner + `</s:GetQuoteResult></s:GetQuoteResponse>` + end11
	}
	tests := []struct {
		name, op string
		answer   string
		opts     DecodeOptions
		want     []string
	}{
		{"a wrong type", "ShippingPort/GetQuote", result(`<s:TransitDays>abc</s:TransitDays>`), DecodeOptions{},
			[]string{"Envelope/Body/GetQuoteResponse/GetQuoteResult[0]/TransitDays", `"abc" is not an xs:unsignedByte`}},
		{"out of range", "ShippingPort/GetQuote", result(`<s:TransitDays>256</s:TransitDays>`), DecodeOptions{},
			[]string{"TransitDays", "out of the type's range"}},
		{"a long too long", "ShippingPort/GetQuote", result(`<s:QuoteId>9223372036854775808</s:QuoteId>`), DecodeOptions{},
			[]string{"QuoteId", "out of the type's range"}},
		{"an attribute of the wrong type", "ShippingPort/GetQuote", result(`<s:Carrier active="yes"/>`), DecodeOptions{},
			[]string{"GetQuoteResult[0]/Carrier/@active", "not a boolean"}},
		{"not a decimal", "ShippingPort/GetQuote", result(`<s:Price currency="USD">1e5</s:Price>`), DecodeOptions{},
			[]string{"Price", "not a decimal"}},
		{"an unknown enum value", "ShippingPort/GetQuote", result(`<s:Service>Teleport</s:Service>`), DecodeOptions{},
			[]string{"Service", `"Teleport" is not one of the enumeration's values`}},
		{"infinity", "LegacyPort/Echo", env11 + `<ns:EchoResponse xmlns:ns="urn:example:legacy"><result><aDouble>INF</aDouble></result></ns:EchoResponse>` + end11, DecodeOptions{},
			[]string{"aDouble", "no JSON form"}},
		{"children in a simple element", "ShippingPort/GetQuote", result(`<s:TransitDays><b>2</b></s:TransitDays>`), DecodeOptions{},
			[]string{"TransitDays", "a child element <b> where text is expected"}},
		{"a multi-reference value", "LegacyEncodedPort/Sum", env11 + `<ns:SumResponse xmlns:ns="urn:example:legacy"><sum href="#id0"/></ns:SumResponse><multiRef id="id0">3</multiRef>` + end11, DecodeOptions{},
			[]string{"multi-reference value"}},
		{"the wrong element", "ShippingPort/GetQuote", env11 + `<s:ListCarriersResponse xmlns:s="http://example.com/shipping/v1"/>` + end11, DecodeOptions{},
			[]string{"the body holds <ListCarriersResponse>, not the <GetQuoteResponse>"}},
		{"an empty body", "ShippingPort/GetQuote", env11 + end11, DecodeOptions{}, []string{"the body is empty"}},
		{"no body", "ShippingPort/GetQuote", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/></soap:Envelope>`, DecodeOptions{}, []string{"no Body"}},
		{"SOAP 1.2 for a SOAP 1.1 operation", "ShippingPort/GetQuote", env12 + end12, DecodeOptions{}, []string{"a SOAP 1.2 envelope, but the operation speaks SOAP 1.1"}},
		{"SOAP 1.1 for a SOAP 1.2 operation", "ShippingPort12/GetQuote", env11 + end11, DecodeOptions{}, []string{"a SOAP 1.1 envelope, but the operation speaks SOAP 1.2"}},
		{"a fault of the wrong version", "ShippingPort/GetQuote", env12 + `<env:Fault/>` + end12, DecodeOptions{}, []string{"SOAP 1.2 envelope"}},
		{"another namespace", "ShippingPort/GetQuote", `<Envelope xmlns="urn:not-soap"><Body/></Envelope>`, DecodeOptions{}, []string{`namespace is "urn:not-soap"`}},
		{"an HTML error page", "ShippingPort/GetQuote", "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>", DecodeOptions{}, []string{"an HTML page"}},
		{"HTML without doctype", "ShippingPort/GetQuote", "<html><body>Service Unavailable<br></body></html>", DecodeOptions{}, []string{"root element is <html>"}},
		{"JSON", "ShippingPort/GetQuote", `{"error": "nope"}`, DecodeOptions{}, []string{"starts with text"}},
		{"plain text", "ShippingPort/GetQuote", "Internal Server Error\n", DecodeOptions{}, []string{"starts with text"}},
		{"nothing", "ShippingPort/GetQuote", "", DecodeOptions{}, []string{"holds no XML element"}},
		{"truncated in an element", "ShippingPort/GetQuote", result(`<s:TransitDays>2`)[:len(env11)+80], DecodeOptions{}, []string{"truncated XML"}},
		{"truncated after the body", "ShippingPort/GetQuote", strings.TrimSuffix(result(``), "</soap:Envelope>"), DecodeOptions{}, []string{"truncated XML"}},
		{"truncated fault", "ShippingPort/GetQuote", env11 + `<soap:Fault><faultcode>Server</faultcode>`, DecodeOptions{}, []string{"truncated XML"}},
		{"malformed", "ShippingPort/GetQuote", result(`<s:Where></s:What>`), DecodeOptions{}, []string{"malformed XML at line 1"}},
		{"an undefined entity", "ShippingPort/GetQuote", result(`<s:Where>&nbsp;</s:Where>`), DecodeOptions{}, []string{"malformed XML"}},
		{"garbage after the envelope", "ShippingPort/GetQuote", result(``) + `<more/>`, DecodeOptions{}, []string{"after the envelope"}},
		{"billion laughs", "ShippingPort/GetQuote", bomb, DecodeOptions{}, []string{"DTD, which is refused"}},
		{"an external entity", "ShippingPort/GetQuote", `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + result(`<s:Where>&xxe;</s:Where>`), DecodeOptions{}, []string{"DTD, which is refused"}},
		{"too large", "ShippingPort/GetQuote", result(strings.Repeat(`<s:Pad>xxxxxxxxxx</s:Pad>`, 100)), DecodeOptions{MaxBytes: 1000}, []string{"larger than the limit of 1000 bytes"}},
		{"too deep in skipped content", "ShippingPort/GetQuote", result(strings.Repeat("<x>", 10000) + strings.Repeat("</x>", 10000)), DecodeOptions{}, []string{"nested deeper than 128"}},
		{"too deep in open content", "LegacyPort/Echo", env11 + `<ns:EchoResponse xmlns:ns="urn:example:legacy"><result><anything>` + strings.Repeat("<x>", 200) + strings.Repeat("</x>", 200) + `</anything></result></ns:EchoResponse>` + end11, DecodeOptions{}, []string{"nested deeper than 128"}},
		{"too deep in recursive types", "LegacyPort/Describe", env11 + `<ns:DescribeResponse xmlns:ns="urn:example:legacy"><node>` + strings.Repeat("<Children>", 50) + strings.Repeat("</Children>", 50) + `</node></ns:DescribeResponse>` + end11, DecodeOptions{MaxDepth: 20}, []string{"nested deeper than 20"}},
		{"an unknown encoding", "ShippingPort/GetQuote", `<?xml version="1.0" encoding="KOI8-R"?>` + result(``), DecodeOptions{}, []string{"KOI8-R"}},
		{"a bad version override", "ShippingPort/GetQuote", result(``), DecodeOptions{SOAPVersion: "2.0"}, []string{`SOAP version "2.0"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := ops[tt.op]
			_, err := Decode(nil, strings.NewReader(tt.answer), op, tt.opts)
			var e *Error
			if !errors.As(err, &e) || e.Code != BadResponse {
				t.Fatalf("error %v, want a BadResponse *Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// endless is an answer that never ends: Decode must stop at its limit.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		e.n++
		return copy(p, env11+`<s:GetQuoteResponse xmlns:s="http://example.com/shipping/v1">`), nil
	}
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestDecodeEndless(t *testing.T) {
	op := operations(t)["ShippingPort/GetQuote"]
	done := make(chan error, 1)
	go func() {
		_, err := Decode(nil, &endless{}, op, DecodeOptions{MaxBytes: 1 << 20})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "larger than the limit") {
			t.Errorf("error %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Decode did not stop at its limit")
	}
}

// TestDecodeReaderError passes on a failing reader's error.
func TestDecodeReaderError(t *testing.T) {
	op := operations(t)["ShippingPort/GetQuote"]
	boom := errors.New("connection reset")
	_, err := Decode(nil, io.MultiReader(strings.NewReader(env11), &failing{boom}), op, DecodeOptions{})
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want one wrapping %v", err, boom)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }
