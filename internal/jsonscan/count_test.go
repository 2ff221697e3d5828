package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// countValues counts the values in a JSON text as SkipCounting does, from
// encoding/json's tokens (a decoded map would merge duplicate keys): every
// token but the closing brackets and the object keys.
func countValues(b []byte) (int, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // 1e700 is JSON, though no float64
	n := 0
	var inObject []bool // per open container
	wantKey := false    // the next string is a key
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		top := len(inObject) > 0 && inObject[len(inObject)-1]
		switch tok {
		case json.Delim('{'), json.Delim('['):
			n++
			inObject = append(inObject, tok == json.Delim('{'))
			wantKey = tok == json.Delim('{')
		case json.Delim('}'), json.Delim(']'):
			inObject = inObject[:len(inObject)-1]
			wantKey = len(inObject) > 0 && inObject[len(inObject)-1]
		default:
			if top && wantKey {
				wantKey = false
				continue
			}
			n++
			wantKey = top
		}
	}
}

func TestSkipCounting(t *testing.T) {
	for _, tt := range []struct {
		in           string
		next, values int
	}{
		{`0`, 1, 1},
		{` -12.5e+3 ,`, 9, 1},
		{`"a\"b\\c\u00e9\ud83d\ude00"x`, 27, 1},
		{`[]`, 2, 1},
		{`{}`, 2, 1},
		{`[1,[2,[]],{"a":{"b":null}}]`, 27, 8},
		{` { "a" : [ true , false ] , "b" : "c" } `, 39, 5},
	} {
		next, values, err := SkipCounting([]byte(tt.in), 0, 100)
		if err != nil || next != tt.next || values != tt.values {
			t.Errorf("SkipCounting(%q) = %d, %d values, %v; want %d, %d values", tt.in, next, values, err, tt.next, tt.values)
		}
	}
	for _, s := range []string{``, `[1,]`, `[1 2]`, `{"a"}`, `{"a":1,}`, `{a:1}`, `{"a":1]`, `"abc`, `"a\qb"`, "\"\xff\"", `-`, `1.`, `tru`, `[`, `{"a":[}`, `]`} {
		if next, _, err := SkipCounting([]byte(s), 0, 100); err == nil {
			t.Errorf("SkipCounting(%q) accepted invalid JSON (next %d)", s, next)
		}
	}
	// The budget stops the scan at the first value past it.
	if next, values, err := SkipCounting([]byte(`[1,2,3,4,5]`), 0, 3); !errors.Is(err, ErrTooManyValues) || values != 4 || next != 5 {
		t.Errorf("budget 3: next %d, %d values, %v", next, values, err)
	}
	// As deep as MaxDepth is fine, deeper is refused.
	for depth, ok := range map[int]bool{MaxDepth: true, MaxDepth + 1: false} {
		b := []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
		if _, values, err := SkipCounting(b, 0, len(b)); (err == nil) != ok || (ok && values != depth) {
			t.Errorf("depth %d: %d values, %v", depth, values, err)
		}
	}
	if _, _, err := SkipCounting([]byte(`[1, x]`), 0, 100); err == nil || err.Error() != `invalid JSON at offset 4: unexpected 'x'` {
		t.Errorf("error: %v", err)
	}
}

// FuzzSkipCounting checks SkipCounting against Skip (the same values are
// JSON, ending at the same place) and against encoding/json (the same
// number of values).
func FuzzSkipCounting(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"c":"d\u00e9\n"}`, `[true,false,-0.5E-7]`, `"\ud800x"`, `{"a":1,}`, `[[[]]] 1`, `1e700`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		next, values, err := SkipCounting(b, 0, len(b)+1)
		want, werr := Skip(b, 0)
		if (err == nil) != (werr == nil) || (err == nil && next != want) {
			t.Fatalf("SkipCounting(%q) = %d, %v; Skip = %d, %v", b, next, err, want, werr)
		}
		if err != nil || SkipSpace(b, next) != len(b) || !utf8.Valid(b) {
			return
		}
		n, err := countValues(b)
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		if n != values {
			t.Fatalf("SkipCounting(%q) counts %d values, encoding/json %d", b, values, n)
		}
	})
}
