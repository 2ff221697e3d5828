package envelope

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// typicalRequest is a CreateShipment of two parcels: nested objects,
// lists, attributes, an enum, a nil.
const typicalRequest = `{
	"from": {"street": ["1 Main St", "Apt 2"], "city": "Springfield", "zip": "12345", "kind": "po_box", "verified": true},
	"to": {"street": ["9 Elm"], "city": "Shelbyville", "zip": "99999", "country": "US", "instructions": null},
	"parcels": [
		{"weight": "1.50", "dimensions": {"length": 10, "width": 20.5, "height": 30, "unit": "cm"}, "contents": ["books", "cd"]},
		{"weight": "0.25", "contents": ["letter"]}],
	"pickup": "2024-05-01T10:00:00Z", "reference": "order 42 <rush>"}`

// typicalAnswer is a GetQuote answer of ten quotes, about 4 KB.
func typicalAnswer() []byte {
	var b strings.Builder
	b.WriteString(env11 + `<s:GetQuoteResponse xmlns:s="http://example.com/shipping/v1">`)
	for i := 0; i < 10; i++ {
		b.WriteString(quote("CARRIER"+strconv.Itoa(i), "1"+strconv.Itoa(i)+".95", strconv.Itoa(9007199254740993+i)))
	}
	b.WriteString(`</s:GetQuoteResponse>` + end11)
	return []byte(b.String())
}

func BenchmarkEncode(b *testing.B) {
	op := operations(b)["ShippingPort/CreateShipment"]
	req := []byte(typicalRequest)
	buf, err := Encode(nil, op, req, nil, EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf, err = Encode(buf[:0], op, req, nil, EncodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	op := operations(b)["ShippingPort/GetQuote"]
	answer := typicalAnswer()
	var r bytes.Reader
	out, err := Decode(nil, bytes.NewReader(answer), op, DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Reset(answer)
		out, err = Decode(out[:0], &r, op, DecodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
}
