package envelope

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzOps are the operations the fuzz targets use: wrapped, bare,
// recursive, open content, encoded arrays, both SOAP versions, one-way.
var fuzzOps = []string{
	"ShippingPort/GetQuote", "ShippingPort/CreateShipment", "ShippingPort12/ListCarriers", "ShippingPort/Ping",
	"InventoryPort/CheckStock", "LegacyPort/Echo", "LegacyPort/Describe", "LegacyPort/Store", "LegacyEncodedPort/Listing",
}

// FuzzDecode feeds arbitrary answers to Decode for several operations:
// it may not panic, and what it accepts is valid JSON; what it refuses is
// a *Fault or an *Error.
func FuzzDecode(f *testing.F) {
	ops := operations(f)
	f.Add(uint8(0), typicalAnswer())
	f.Add(uint8(2), []byte(env12+`<s:ListCarriersResponse xmlns:s="http://example.com/shipping/v1"><s:Carrier active="1"><s:Code>x</s:Code></s:Carrier></s:ListCarriersResponse>`+end12))
	f.Add(uint8(5), []byte(env11+`<ns:EchoResponse xmlns:ns="urn:example:legacy"><result><anything a="1"><x>1</x><x>2</x></anything><aFloat>1e3</aFloat></result></ns:EchoResponse>`+end11))
	f.Add(uint8(8), []byte(env11+`<r><items><i>1</i><i xsi:nil="true"/></items></r>`+end11))
	f.Add(uint8(1), []byte(env11+`<soap:Fault><faultcode>a:b</faultcode><detail><x y="z">t</x></detail></soap:Fault>`+end11))
	f.Add(uint8(3), []byte(``))
	f.Add(uint8(0), []byte(`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		op := ops[fuzzOps[int(which)%len(fuzzOps)]]
		out, err := Decode([]byte("x"), bytes.NewReader(data), op, DecodeOptions{MaxBytes: 1 << 16})
		if err != nil {
			var fault *Fault
			var e *Error
			if !errors.As(err, &fault) && !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if fault != nil && fault.Detail != "" {
				if _, jerr := decodeJSON(fault.Detail); jerr != nil {
					t.Fatalf("fault detail %q is not JSON: %v", fault.Detail, jerr)
				}
			}
			return
		}
		if _, jerr := decodeJSON(string(out[1:])); jerr != nil {
			t.Fatalf("output %q is not JSON: %v", out, jerr)
		}
	})
}

// FuzzEncode feeds arbitrary requests to Encode for several operations:
// it may not panic, and what it writes is well-formed XML that Decode
// reads back (as the mirrored operation) without panicking.
func FuzzEncode(f *testing.F) {
	ops := operations(f)
	f.Add(uint8(1), []byte(typicalRequest))
	f.Add(uint8(0), []byte(`{"fromZip": "1", "toZip": "2", "parcel": [{"weight": "1.5", "contents": [null, "x&y"]}], "service": "_2nd_Day"}`))
	f.Add(uint8(4), []byte(`{"input": "SKU"}`))
	f.Add(uint8(5), []byte(`{"everything": {"anything": {"@a": "1", "b": ["c", {"d": 1}], "#text": "t"}, "aLong": "9007199254740993"}}`))
	f.Add(uint8(6), []byte(`{"node": {"name": "a", "children": [{"name": "b", "parent": {"name": "c"}}]}}`))
	f.Add(uint8(7), []byte(`{"record": {"key": "k", "createdBy": "me", "traceId": "t"}, "extra": {"id": 1, "any": {"x": "y"}}, "note": {}, "pairs": {"first": ["a"], "second": ["b"]}}`))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		op := ops[fuzzOps[int(which)%len(fuzzOps)]]
		out, err := Encode(nil, op, data, nil, EncodeOptions{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != BadRequest {
				t.Fatalf("error %v, want a BadRequest *Error", err)
			}
			return
		}
		if err := wellFormed(out); err != nil {
			t.Fatalf("%v\n%s\nfrom %s", err, out, data)
		}
		if op.Request != nil {
			if _, err := Decode(nil, bytes.NewReader(out), mirror(op), DecodeOptions{}); err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("decoding the request back: %v", err)
				}
			}
		}
	})
}
