package jsonwrite

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"q\"b\\", `"q\"b\\"`},
		{"\n\r\t\x01\b\f", `"\n\r\t\u0001\b\f"`},
		{"<a>&", `"<a>&"`},
		{"é😀", `"é😀"`},
		{"bad\xffbyte", `"bad\ufffdbyte"`},
		{"ls\u2028ps\u2029", `"ls\u2028ps\u2029"`},
	}
	for _, tt := range tests {
		if got := string(String(nil, tt.in)); got != tt.want {
			t.Errorf("String(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAny(t *testing.T) {
	fv := fastjson.MustParse(`{"a":[1,"x"]}`)
	tests := []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{true, `true`},
		{int64(-3), `-3`},
		{3, `3`},
		{1.5, `1.5`},
		{1e21, `1e+21`},
		{math.NaN(), `null`},
		{json.Number("12.50"), `12.50`},
		{[]any{"a", nil, 2.0}, `["a",null,2]`},
		{map[string]any{"b": 1, "a": "x"}, `{"a":"x","b":1}`},
		{fv, `{"a":[1,"x"]}`},
		{struct{ X int }{1}, `{"X":1}`},
	}
	for _, tt := range tests {
		if got := string(Any(nil, tt.in)); got != tt.want {
			t.Errorf("Any(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzString checks that the output is valid JSON that decodes back to the
// input (with invalid UTF-8 replaced).
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\xff", "\u2028<script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("String(%q) = %s is not valid JSON: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); back != want && utf8.ValidString(s) {
			t.Fatalf("round trip of %q gave %q", s, back)
		}
	})
}

func TestValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"x\u0001y","b":[1,-2.5e3,true,null],"c\"d":{}}`, `{"a":"x\u0001y","b":[1,-2.5e3,true,null],"c\"d":{}}`},
		{`"😀 \ud83d\ude00"`, `"😀 😀"`},
		{`NaN`, `null`},
	}
	for _, tt := range tests {
		v, err := fastjson.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(Value(nil, v)); got != tt.want {
			t.Errorf("Value(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, n := range []string{"0", "-1", "1.5", "1e9", "-0.0E-1"} {
		if !validNumber(n) {
			t.Errorf("validNumber(%q) = false", n)
		}
	}
	for _, n := range []string{"", "-", "01", "1.", ".5", "1e", "NaN", "inf", "+1"} {
		if validNumber(n) {
			t.Errorf("validNumber(%q) = true", n)
		}
	}
}

// FuzzValue checks that whatever fastjson accepts, Value writes valid JSON.
func FuzzValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b"]}`, `"\u0000"`, `NaN`, `[1e400]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := fastjson.Parse(s)
		if err != nil {
			return
		}
		out := Value(nil, v)
		if !json.Valid(out) {
			t.Fatalf("Value(%q) = %s is not valid JSON", s, out)
		}
	})
}

// encodingJSON is the reference String matches byte for byte.
func encodingJSON(t testing.TB, s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// FuzzStringMatchesEncodingJSON holds String to encoding/json's output.
func FuzzStringMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "a\"b\\", "\b\f\n\r\t\x00\x1f\x7f", "<&>", "\u2028\u2029", "\xff\xe2\x82", "日本 🚀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := String(nil, s), encodingJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("String(%q) = %s, want %s", s, got, want)
		}
	})
}
