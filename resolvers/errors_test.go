package resolvers

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/upstreams"
)

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven …"},       // 7 bytes of text and the 3-byte mark
		{strings.Repeat("é", 10), 10, "ééé…"}, // 7 bytes fit: never half a character
		{strings.Repeat("é", 10), 9, "ééé…"},
		{strings.Repeat("😀", 4), 10, "😀…"}, // a 4-byte character is kept whole or not at all
	}
	for _, tt := range tests {
		got := clip(tt.in, tt.n)
		if got != tt.want || len(got) > tt.n || !utf8.ValidString(got) {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// TestClientPath: a masked error's path follows the upstream's only as
// far as the client's selection goes.
func TestClientPath(t *testing.T) {
	name := &planner.Field{ResponseKey: "name", Type: ast.NamedType("String", nil)}
	tags := &planner.Field{ResponseKey: "tags", Type: ast.ListType(ast.NamedType("String", nil), nil)}
	item := &planner.Selection{Fields: []*planner.Field{name, tags}}
	asCat := &planner.Field{ResponseKey: "meow", Type: ast.NamedType("String", nil)}
	pet := &planner.Selection{ByType: map[string][]*planner.Field{"Cat": {asCat}, "Dog": {name}}}
	items := &planner.Field{ResponseKey: "items", Type: ast.ListType(ast.NamedType("Item", nil), nil), Sel: item}
	pets := &planner.Field{ResponseKey: "pet", Type: ast.NamedType("Pet", nil), Sel: pet}
	base := ast.Path{ast.PathName("q")}
	tests := []struct {
		f    *planner.Field
		rel  []any
		want string
	}{
		{items, []any{3, "name"}, ".q.3.name"},
		{items, []any{3, "tags", 1}, ".q.3.tags.1"},
		{items, []any{3, "secret", "deeper"}, ".q.3"},
		{items, []any{"name"}, ".q"},              // a name where a list index belongs
		{items, []any{3, "name", 0}, ".q.3.name"}, // an index into a string
		{items, []any{3, 4}, ".q.3"},
		{pets, []any{"meow"}, ".q.meow"},
		{pets, []any{"name"}, ".q.name"},
		{pets, []any{"bark"}, ".q"},
		{name, []any{"x"}, ".q"},
	}
	for _, tt := range tests {
		if got := pathString(clientPath(append(ast.Path(nil), base...), tt.f, tt.rel)); got != tt.want {
			t.Errorf("clientPath(%s, %v) = %s, want %s", tt.f.ResponseKey, tt.rel, got, tt.want)
		}
	}
}

// TestErrorCapAndRewind: past the cap errors are counted; a field's
// errors that a fallback replaced are taken back, counted ones included;
// the same error at the same path is reported once.
func TestErrorCapAndRewind(t *testing.T) {
	r := &errorSet{max: 3, reqID: "req-1"}
	add := func(path string, msg string) {
		r.add(&gqlerror.Error{Message: msg, Path: ast.Path{ast.PathName(path)}, Extensions: map[string]any{"code": "X"}})
	}
	add("a", "one")
	add("a", "one") // the same: once
	add("a", "two")
	mark := r.mark()
	add("b", "three")
	add("c", "four")
	add("d", "five")
	if len(r.list) != 3 || r.dropped != 2 {
		t.Fatalf("%d errors, %d dropped; want 3 and 2", len(r.list), r.dropped)
	}
	r.rewind(mark)
	if len(r.list) != 2 || r.dropped != 0 || r.paths[".b"] {
		t.Fatalf("after the rewind: %d errors, %d dropped, paths %v", len(r.list), r.dropped, r.paths)
	}
	add("b", "three") // reported again, not taken for a duplicate
	add("e", "six")
	add("f", "seven")
	mark = r.mark()
	add("g", "eight")
	if r.dropped != 3 {
		t.Fatalf("dropped %d, want 3", r.dropped)
	}
	r.rewind(mark)
	if len(r.list) != 3 || r.dropped != 2 {
		t.Fatalf("a rewind past the cap: %d errors, %d dropped; want 3 and 2", len(r.list), r.dropped)
	}
	list := r.finish()
	last := list[len(list)-1]
	if len(list) != 4 || last.Extensions["code"] != codeTooManyErrors || last.Extensions["dropped"] != 2 || last.Extensions["requestId"] != "req-1" {
		t.Fatalf("errors %v", list)
	}
	if last.Message != "2 more errors were left out: a response carries at most 3" {
		t.Errorf("message %q", last.Message)
	}
}

func TestMaskedMessages(t *testing.T) {
	for code, want := range map[upstreams.Code]string{
		upstreams.CodeTimeout:       "upstream reviews timed out",
		upstreams.CodeUnavailable:   "upstream reviews is unavailable",
		upstreams.CodeCircuitOpen:   "upstream reviews is unavailable: its circuit breaker is open",
		upstreams.CodeOverloaded:    "upstream reviews is overloaded",
		upstreams.CodeError:         "upstream reviews failed",
		upstreams.CodeBadResponse:   "upstream reviews gave an answer that cannot be read",
		upstreams.CodeBadRequest:    "the request to upstream reviews could not be built",
		upstreams.Code("FORBIDDEN"): "upstream reviews failed",
	} {
		if got := code.Masked("reviews"); got != want {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
	for s, want := range map[string]bool{
		"INTERNAL_SERVER_ERROR": true, "Client.Zip": true, "not-found": true, "_x": true,
		"": false, "1ABC": false, "see http://x": false, "a b": false, strings.Repeat("A", 65): false, strings.Repeat("A", 64): true,
	} {
		if got := upstreams.IsCode(s); got != want {
			t.Errorf("IsCode(%q) = %v, want %v", s, got, want)
		}
	}
}
