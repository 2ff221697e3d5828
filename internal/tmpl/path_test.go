package tmpl

import (
	"errors"
	"net/url"
	"testing"

	"github.com/valyala/fastjson"
)

func TestAppendPath(t *testing.T) {
	pathEsc := func(dst []byte, v string) []byte { return append(dst, url.PathEscape(v)...) }
	parent := fastjson.MustParse(`{"upc":"..","ok":"a.b","list":[".."],"pair":["..","x"]}`)
	s := &Scope{
		Args: map[string]any{
			"dot": ".", "dots": "..", "three": "...", "empty": "", "a": "a", "pct": "%2e%2e",
			"slash": "../x", "in": map[string]any{"id": ".."}, "list": []any{"."},
		},
		Parent: parent,
		Vars:   map[string]string{"v": ".."},
	}
	good := []struct{ src, want string }{
		{"/p/{args.a}/r", "/p/a/r"},
		{"/p/{args.three}/r", "/p/.../r"},
		{"/p/{parent.ok}", "/p/a.b"},
		{"/p/x{args.dots}/r", "/p/x../r"},
		{"/p/{args.dots}x", "/p/..x"},
		{"/p/{args.a}{args.dot}", "/p/a."},
		// The client's "%2e%2e" is data: its "%" is escaped, so no server
		// decodes it to dots in one pass.
		{"/p/{args.pct}/r", "/p/%252e%252e/r"},
		// "/" in a value is escaped: "../x" is one segment, not a step up.
		{"/p/{args.slash}", "/p/..%2Fx"},
		// A list is comma-joined: "..,x" is no dot segment.
		{"/p/{parent.pair}", "/p/..,x"},
		// The template's own segments are the config's.
		{"/p/../{args.a}", "/p/../a"},
		{"/p//{args.a}", "/p//a"},
	}
	for _, tt := range good {
		t.Run(tt.src, func(t *testing.T) {
			got, err := MustParse(tt.src).AppendPath([]byte("http://h/base"), s, pathEsc)
			if err != nil || string(got) != "http://h/base"+tt.want {
				t.Fatalf("AppendPath(%q) = %q, %v; want %q", tt.src, got, err, tt.want)
			}
		})
	}
	bad := []struct{ src, ref, seg string }{
		{"/p/{args.dots}/r", "args.dots", ".."},
		{"/p/{args.dot}/r", "args.dot", "."},
		{"/p/{args.dots}", "args.dots", ".."},
		{"/p/{args.empty}/r", "args.empty", ""},
		{"/p/{args.empty}", "args.empty", ""},
		{"/p/{args.in.id}/r", "args.in.id", ".."},
		{"/p/{args.list}/r", "args.list", "."},
		{"/p/{parent.upc}/r", "parent.upc", ".."},
		{"/p/{parent.list}/r", "parent.list", ".."},
		{"/p/{vars.v}/r", "vars.v", ".."},
		// Made of two values, or of a value and the template's own dot.
		{"/p/{args.dot}{args.dot}/r", "args.dot", ".."},
		{"/p/.{args.dot}/r", "args.dot", ".."},
		{"/p/{args.dot}./r", "args.dot", ".."},
		{"/p/%2e{args.dot}/r", "args.dot", "%2e."},
		{"/p/{args.empty}{args.empty}/r", "args.empty", ""},
	}
	for _, tt := range bad {
		t.Run(tt.src, func(t *testing.T) {
			_, err := MustParse(tt.src).AppendPath([]byte("http://h"), s, pathEsc)
			var se *SegmentError
			if !errors.As(err, &se) || se.Ref.String() != tt.ref || se.Segment != tt.seg {
				t.Fatalf("AppendPath(%q) error = %v, want a *SegmentError of {%s} making %q", tt.src, err, tt.ref, tt.seg)
			}
		})
	}
	// An escaper that lets "/" through still has its segments checked.
	if _, err := MustParse("/p/{args.slash}").AppendPath(nil, s, Raw); !errors.As(err, new(*SegmentError)) {
		t.Errorf("Raw escaper: error = %v, want a *SegmentError", err)
	}
	if got, err := MustParse("/p/{args.a}/x").AppendPath(nil, s, Raw); err != nil || string(got) != "/p/a/x" {
		t.Errorf("Raw escaper: %q, %v", got, err)
	}
	var ne *NullError
	if _, err := MustParse("/p/{args.nope}").AppendPath(nil, s, pathEsc); !errors.As(err, &ne) {
		t.Errorf("absent value: error = %v, want *NullError", err)
	}
}

func TestBadSegment(t *testing.T) {
	for in, want := range map[string]bool{
		"": true, ".": true, "..": true, "%2e": true, "%2E%2e": true, ".%2E": true,
		"...": false, "a": false, ".a": false, "%2e%2e%2e": false, "%2": false, "%2f": false, "%": false,
	} {
		if got := badSegment([]byte(in)); got != want {
			t.Errorf("badSegment(%q) = %v, want %v", in, got, want)
		}
	}
}
