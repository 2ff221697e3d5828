package faults

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// FuzzWrongXML: rewriting never fails, and keeps a well-formed document
// well-formed.
func FuzzWrongXML(f *testing.F) {
	for _, s := range []string{
		`<a>1</a>`, `<a x="1>2"><b> true </b><!-- 3 --><![CDATA[4]]><?pi 5?></a>`,
		`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`, `<a>`, `text`, `<a b='>'>c &amp; d</a>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := wrongXML(in)
		if xmlOK(in) && !xmlOK(out) {
			t.Fatalf("%q well-formed, %q not", in, out)
		}
	})
}

func xmlOK(b []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// FuzzWrongJSON: a JSON document stays one, and no boolean is left.
func FuzzWrongJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b","c":[1,true,null,{"d":2.5e3}]}`, `"x"`, `[]`, `{"data":{"a":"b"},"errors":[]}`, `1 2`, `{`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, graphQL bool) {
		out, ok := wrongJSON(in, graphQL)
		if !ok {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("%q became %q, not JSON", in, out)
		}
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatal(err)
		}
		if !graphQL && hasBool(v) {
			t.Fatalf("%q became %q, which still holds a boolean", in, out)
		}
	})
}

// FuzzWrongWire: a valid encoding stays valid, field for field, each with
// another wire type.
func FuzzWrongWire(f *testing.F) {
	f.Add([]byte{0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i', 0x1d, 1, 2, 3, 4, 0x21, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0x0b, 0x0c})
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		out := wrongWire(in)
		if !wireOK(in) {
			return
		}
		if !wireOK(out) {
			t.Fatalf("%x is valid, %x not", in, out)
		}
		if wireOK(malformedWire(in)) {
			t.Fatalf("malformed %x parses", malformedWire(in))
		}
		if p := padWire(in, 300); !wireOK(p) || (len(in) < 250 && (len(p) > 300 || len(p) < 298)) {
			t.Fatalf("padded %d bytes to %d", len(in), len(p))
		}
	})
}

func wireOK(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return false
		}
		b = b[n+m:]
	}
	return true
}

func hasBool(v any) bool {
	switch v := v.(type) {
	case bool:
		return true
	case map[string]any:
		for _, x := range v {
			if hasBool(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasBool(x) {
				return true
			}
		}
	}
	return false
}
