package jsonscan

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestSkip(t *testing.T) {
	good := []string{`null`, ` true `, `false`, `0`, `-1.5e+3`, `"a\"b\u00e9\ud83d\ude00"`, `[]`, `[1, [2, {}]]`, `{"a": {"b": [null]}, "c": ""}`, `"é"`}
	for _, s := range good {
		end, err := Skip([]byte(s), 0)
		if err != nil || SkipSpace([]byte(s), end) != len(s) {
			t.Errorf("Skip(%q) = %d, %v", s, end, err)
		}
	}
	bad := []string{``, `nul`, `01`, `1.`, `.5`, `-`, `1e`, `"a`, `"\x"`, "\"a\x01\"", `"\u12g4"`, `[1,]`, `[1 2]`, `{"a" 1}`, `{"a":1,}`, `{1:2}`, "\"\xff\"", `tru`, `{`, `[`}
	for _, s := range bad {
		if end, err := Skip([]byte(s), 0); err == nil && SkipSpace([]byte(s), end) == len(s) {
			t.Errorf("Skip(%q) accepted invalid JSON", s)
		}
	}
	deep := make([]byte, 0, 2*MaxDepth+4)
	for range MaxDepth + 1 {
		deep = append(deep, '[')
	}
	if _, err := Skip(deep, 0); err == nil {
		t.Error("Skip accepted nesting beyond MaxDepth")
	}
}

func TestLookup(t *testing.T) {
	b := []byte(` {"a": [1, {"x": 2}], "b\u0063": "v", "d": null} `)
	i, err := Lookup(b, 0, "bc")
	if err != nil || string(b[i:i+3]) != `"v"` {
		t.Fatalf("Lookup(bc) = %d, %v", i, err)
	}
	if _, err := Lookup(b, 0, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Lookup(x) error = %v", err)
	}
	if _, err := Lookup([]byte(`[1]`), 0, "a"); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Lookup in an array: %v", err)
	}
}

func TestUnescape(t *testing.T) {
	for _, s := range []string{`"plain"`, `"q\"\\\/\b\f\n\r\t"`, `"\u00e9\ud83d\ude00 \ud800x"`} {
		b := []byte(s)
		start, end, _, err := ReadString(b, 0)
		if err != nil {
			t.Fatal(err)
		}
		var want string
		_ = json.Unmarshal(b, &want)
		if got := string(Unescape(nil, b[start:end-1])); got != want {
			t.Errorf("Unescape(%s) = %q, want %q", s, got, want)
		}
	}
}

// FuzzSkip checks Skip against encoding/json: both accept or both refuse
// (Skip also refuses invalid UTF-8, which encoding/json lets through), and
// nothing panics.
func FuzzSkip(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",null]}`, `"\ud800"`, `1e5`, `[`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		end, err := Skip(b, 0)
		ok := err == nil && SkipSpace(b, end) == len(b)
		if want := json.Valid(b) && utf8.Valid(b); ok != want {
			t.Fatalf("Skip(%q): ok=%v, want %v (%v)", b, ok, want, err)
		}
	})
}

// FuzzSkipFast checks that on valid JSON SkipFast ends where Skip does.
func FuzzSkipFast(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b\"]",null]} x`, `"\\\\"`, `[[[]]]`, `-1.5e3,`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, err := Skip(b, 0)
		if err != nil || (want < len(b) && !delim[b[want]]) {
			return // not a value followed by a delimiter: no promise
		}
		got, ferr := SkipFast(b, 0)
		if ferr != nil || got != want {
			t.Fatalf("SkipFast(%q) = %d, %v; Skip = %d", b, got, ferr, want)
		}
	})
}

// FuzzSpecialIn holds the eight-byte check to the byte table.
func FuzzSpecialIn(f *testing.F) {
	f.Add(uint64(0x6161616161616161))
	f.Add(uint64(0x2261616161616161))
	f.Add(uint64(0x1f61616161616161))
	f.Fuzz(func(t *testing.T, w uint64) {
		want := false
		for k := 0; k < 8; k++ {
			if special[byte(w>>(8*k))] {
				want = true
			}
		}
		if got := specialIn(w); got != want {
			t.Fatalf("specialIn(%#016x) = %v, want %v", w, got, want)
		}
	})
}
