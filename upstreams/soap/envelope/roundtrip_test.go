package envelope

import (
	"bytes"
	"strings"
	"testing"
)

// TestRoundTrip encodes requests of every shape, checks the envelope
// (golden, well-formed), and decodes it back as if the request element
// were the answer: the JSON that comes back is the request's, with every
// field present (null, or [] for lists) and values in their canonical
// forms.
func TestRoundTrip(t *testing.T) {
	ops := operations(t)
	tests := []struct {
		name, op string
		request  string
		want     string
	}{
		{
			name: "wrapped", op: "ShippingPort/GetQuote",
			request: `{"fromZip": "12345", "toZip": "54321", "parcel": [{"weight": "2.5"}], "service": "_2nd_Day"}`,
			want:    `{"fromZip": "12345", "toZip": "54321", "parcel": [{"weight": "2.5", "dimensions": null, "contents": []}], "service": "_2nd_Day"}`,
		},
		{
			name: "wrapped soap12", op: "ShippingPort12/GetQuote",
			request: `{"fromZip": "12345", "toZip": "54321", "parcel": [{"weight": 2}, {"weight": "0.001", "contents": ["books"]}]}`,
			want:    `{"fromZip": "12345", "toZip": "54321", "parcel": [{"weight": "2", "dimensions": null, "contents": []}, {"weight": "0.001", "dimensions": null, "contents": ["books"]}], "service": null}`,
		},
		{
			name: "nested with attributes and nil", op: "ShippingPort/CreateShipment",
			request: `{
				"from": {"street": ["1 Main St", "Apt 2"], "city": "Springfield", "zip": "12345", "kind": "po_box", "verified": true, "residential": false, "instructions": null},
				"to": {"street": ["9 Elm"], "city": "Shelbyville", "zip": "99999", "country": "US"},
				"parcels": [{"weight": "1.50", "dimensions": {"length": 1, "width": 2.5, "height": 3e2, "unit": "cm"}, "contents": ["a", null, "<b> & \"c\""]}],
				"pickup": "2024-05-01T10:00:00Z",
				"reference": null}`,
			want: `{
				"from": {"street": ["1 Main St", "Apt 2"], "city": "Springfield", "zip": "12345", "country": null, "instructions": null, "kind": "po_box", "verified": true, "residential": false},
				"to": {"street": ["9 Elm"], "city": "Shelbyville", "zip": "99999", "country": "US", "instructions": null, "kind": "home", "verified": null, "residential": null},
				"parcels": [{"weight": "1.50", "dimensions": {"length": 1, "width": 2.5, "height": 300, "unit": "cm"}, "contents": ["a", null, "<b> & \"c\""]}],
				"pickup": "2024-05-01T10:00:00Z", "dropOff": null,
				"reference": null}`,
		},
		{
			name: "attribute on the body element", op: "ShippingPort/CancelShipment",
			request: `{"id": "18446744073709551615", "force": true}`,
			want:    `{"id": "18446744073709551615", "reason": null, "force": true}`,
		},
		{
			name: "no arguments", op: "ShippingPort/ListCarriers",
			request: `{}`,
			want:    `{}`,
		},
		{
			name: "one-way", op: "ShippingPort/Ping",
			request: `{"message": "line one\r\nline two\ttabbed"}`,
			want:    `{"message": "line one\r\nline two\ttabbed"}`,
		},
		{
			name: "bare simple element", op: "InventoryPort/CheckStock",
			request: `{"input": "SKU-1"}`,
			want:    `"SKU-1"`,
		},
		{
			name: "bare with an enum attribute", op: "InventoryPort/ReserveStock",
			request: `{"sku": "SKU-1", "quantity": "123456789012345678901234567890", "priority": "high"}`,
			want:    `{"sku": "SKU-1", "quantity": "123456789012345678901234567890", "priority": "high"}`,
		},
		{
			name: "attribute default", op: "InventoryPort/ReserveStock",
			request: `{"sku": "SKU-1", "quantity": 7}`,
			want:    `{"sku": "SKU-1", "quantity": "7", "priority": "low"}`,
		},
		{
			name: "rpc every built-in", op: "LegacyPort/Echo",
			request: `{"everything": {
				"aString": "  keeps  spaces ", "aToken": "a token", "aURI": "http://example.com/?a=1&b=2", "aQName": "x:y",
				"aBase64": "aGVsbG8=", "aHex": "CAFE", "anInt": -2147483648, "aShort": 32767, "aByte": -128,
				"anUnsignedShort": 65535, "anUnsignedByte": 255, "anUnsignedInt": 4294967295,
				"aLong": "9007199254740993", "anUnsignedLong": "18446744073709551615",
				"anInteger": "-123456789012345678901234567890", "aNonNegativeInteger": "0", "aPositiveInteger": 1,
				"aNegativeInteger": "-1", "aDecimal": "-0001234567890.1234567890123456789", "aFloat": 3.4e38, "aDouble": -1.7976931348623157e308,
				"aBoolean": false, "aDateTime": "2024-05-01T10:00:00.123+02:00", "aDate": "2024-05-01", "aTime": "23:59:60",
				"aDuration": "P1Y2M3DT4H5M6.7S", "aGYear": "2024",
				"anything": {"@id": "7", "name": "x", "tags": ["a", "b"]}, "untyped": "plain",
				"sizes": "1 2 3", "either": "abc", "weird": "PLUS", "grade": {"value": "B", "by": "me"}, "score": {"value": " x "}}}`,
			want: `{"everything": {
				"aString": "  keeps  spaces ", "aToken": "a token", "aURI": "http://example.com/?a=1&b=2", "aQName": "x:y",
				"aBase64": "aGVsbG8=", "aHex": "CAFE", "anInt": -2147483648, "aShort": 32767, "aByte": -128,
				"anUnsignedShort": 65535, "anUnsignedByte": 255, "anUnsignedInt": 4294967295,
				"aLong": "9007199254740993", "anUnsignedLong": "18446744073709551615",
				"anInteger": "-123456789012345678901234567890", "aNonNegativeInteger": "0", "aPositiveInteger": "1",
				"aNegativeInteger": "-1", "aDecimal": "-0001234567890.1234567890123456789", "aFloat": 3.4e+38, "aDouble": -1.7976931348623157e+308,
				"aBoolean": false, "aDateTime": "2024-05-01T10:00:00.123+02:00", "aDate": "2024-05-01", "aTime": "23:59:60",
				"aDuration": "P1Y2M3DT4H5M6.7S", "aGYear": "2024",
				"anything": {"@id": "7", "name": "x", "tags": ["a", "b"]}, "untyped": "plain",
				"sizes": "1 2 3", "either": "abc", "weird": "PLUS", "grade": {"value": "B", "by": "me"}, "score": {"value": " x ", "by": null}}}`,
		},
		{
			name: "rpc recursion", op: "LegacyPort/Describe",
			request: `{"node": {"name": "root", "children": [{"name": "a", "children": [{"name": "a1"}]}, {"name": "b"}]}}`,
			want:    `{"node": {"name": "root", "children": [{"name": "a", "children": [{"name": "a1", "children": [], "parent": null}], "parent": null}, {"name": "b", "children": [], "parent": null}], "parent": null}}`,
		},
		{
			name: "rpc groups, restriction, wildcard", op: "LegacyPort/Store",
			request: `{"record": {"key": "k", "createdBy": "me", "traceId": "t-1"}, "extra": {"id": 1, "any": {"color": "red", "size": ["S", "M"]}}, "note": {"b": "bold"}, "pairs": {"first": ["a", "b"], "second": ["1", "2"]}}`,
			want:    `{"record": {"key": "k", "createdBy": "me", "createdAt": null, "traceId": "t-1", "sampled": true}, "extra": {"id": 1, "any": {"color": "red", "size": ["S", "M"]}}, "note": {"b": "bold"}, "pairs": {"first": ["a", "b"], "second": ["1", "2"]}}`,
		},
		{
			name: "rpc element part", op: "LegacyPort/Validate",
			request: `{"validationRequest": {"text": "ok?"}}`,
			want:    `{"validationRequest": {"text": "ok?"}}`,
		},
		{
			name: "rpc encoded array", op: "LegacyEncodedPort/Sum",
			request: `{"values": [1, 2, 3]}`,
			want:    `{"values": [1, 2, 3]}`,
		},
		{
			name: "rpc encoded array of one", op: "LegacyEncodedPort/Sum",
			request: `{"values": [42]}`,
			want:    `{"values": [42]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := ops[tt.op]
			if op == nil {
				t.Fatalf("no operation %s", tt.op)
			}
			env, err := Encode(nil, op, []byte(tt.request), nil, EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := wellFormed(env); err != nil {
				t.Fatalf("the envelope is not well-formed: %v\n%s", err, env)
			}
			golden(t, "testdata/golden/"+strings.ReplaceAll(tt.name, " ", "_")+".xml", string(env)+"\n")
			got, err := Decode(nil, bytes.NewReader(env), mirror(op), DecodeOptions{})
			if err != nil {
				t.Fatalf("decoding the request back: %v\n%s", err, env)
			}
			if !sameJSON(t, string(got), tt.want) {
				t.Errorf("got  %s\nwant %s\nfrom %s", got, tt.want, env)
			}
		})
	}
}
