package resource

import (
	"reflect"
	"testing"
)

func TestJoin(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{JoinField("", "spec"), "spec"},
		{JoinField("spec", "routes"), "spec.routes"},
		{JoinIndex("spec.routes", 2), "spec.routes[2]"},
		{JoinField("spec.headers", "x-api-key"), "spec.headers.x-api-key"},
		{JoinField("spec.headers", "x.trace"), `spec.headers["x.trace"]`},
		{JoinField("spec.codes", "200"), `spec.codes["200"]`},
		{JoinField("spec.m", ""), `spec.m[""]`},
		{JoinField("spec.m", `a"]b`), `spec.m["a\"]b"]`},
		{JoinField("", "x y"), `["x y"]`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		path string
		want []pathStep
		ok   bool
	}{
		{"", nil, true},
		{"spec", []pathStep{{key: "spec"}}, true},
		{"spec.routes[12].match", []pathStep{{key: "spec"}, {key: "routes"}, {index: 12, isIndex: true}, {key: "match"}}, true},
		{`spec.m["a\"]b"].x`, []pathStep{{key: "spec"}, {key: "m"}, {key: `a"]b`}, {key: "x"}}, true},
		{"spec..x", []pathStep{{key: "spec"}}, false},
		{"spec.", []pathStep{{key: "spec"}}, false},
		{".spec", nil, false},
		{"spec[x]", []pathStep{{key: "spec"}}, false},
		{"spec[-1]", []pathStep{{key: "spec"}}, false},
		{"spec[1", []pathStep{{key: "spec"}}, false},
		{`spec["x`, []pathStep{{key: "spec"}}, false},
		{`spec["x"`, []pathStep{{key: "spec"}}, false},
		{"spec[0]x", []pathStep{{key: "spec"}, {index: 0, isIndex: true}}, false},
	}
	for _, tt := range tests {
		got, ok := parsePath(tt.path)
		if !reflect.DeepEqual(got, tt.want) || ok != tt.ok {
			t.Errorf("parsePath(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

// Every path JoinField and JoinIndex build must parse back to its steps.
func TestJoinParseRoundTrip(t *testing.T) {
	keys := []string{"spec", "x.y", "a b", `q"]`, "", "ünï", "200", "_a-b"}
	path := ""
	var want []pathStep
	for i, k := range keys {
		path = JoinField(path, k)
		want = append(want, pathStep{key: k})
		path = JoinIndex(path, i)
		want = append(want, pathStep{index: i, isIndex: true})
	}
	got, ok := parsePath(path)
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("parsePath(%q) = %+v, %v; want %+v", path, got, ok, want)
	}
}
