package resource

import (
	"testing"
)

const posDoc = `apiVersion: weft.dev/v1
kind: VirtualService
metadata:
  name: web
spec:
  defaults: &d
    timeout: 2s
  routes:
  - match: {prefix: /a}
    upstream: users
    graphql:
      schema:
        file: users.graphql
  - <<: *d
    upstream: posts
  headers:
    x.trace: "on"
  list: [a, b]
`

func TestPos(t *testing.T) {
	d := loadOne(t, posDoc, Options{})
	tests := []struct {
		path      string
		line, col int
	}{
		{"", 1, 1},
		{"apiVersion", 1, 13},
		{"metadata", 3, 1},
		{"metadata.name", 4, 9},
		{"spec.defaults", 6, 3},
		{"spec.routes", 8, 3},
		{"spec.routes[0]", 9, 5},
		{"spec.routes[0].match", 9, 12},
		{"spec.routes[0].match.prefix", 9, 21},
		{"spec.routes[0].upstream", 10, 15},
		{"spec.routes[0].graphql.schema.file", 13, 15},
		{"spec.routes[1].upstream", 15, 15},
		{`spec.headers["x.trace"]`, 17, 14},
		{"spec.list", 18, 9},
		{"spec.list[1]", 18, 13},
		// Through a merge key, to where the value is written.
		{"spec.routes[1].timeout", 7, 14},
		// Missing parts fall back to the nearest ancestor.
		{"spec.routes[0].graphql.schema.missing", 12, 7},
		{"spec.routes[5].upstream", 8, 3},
		{"spec.list.x", 18, 9},
		{"spec.list[7]", 18, 9},
		{"spec.routes[0].upstream.x", 10, 15},
		{"spec.headers.x", 16, 3},
		{"nosuch", 1, 1},
		// A malformed path resolves as far as it parses.
		{"spec..bad", 5, 1},
		{"spec.routes[x]", 8, 3},
	}
	for _, tt := range tests {
		line, col := d.Pos(tt.path)
		if line != tt.line || col != tt.col {
			t.Errorf("Pos(%q) = %d:%d, want %d:%d", tt.path, line, col, tt.line, tt.col)
		}
	}
}

func TestNode(t *testing.T) {
	d := loadOne(t, posDoc, Options{})
	tests := []struct {
		path, want string
		found      bool
	}{
		{"spec.routes[1].timeout", "2s", true},
		{"spec.routes[0].graphql.schema.file", "users.graphql", true},
		{`spec.headers["x.trace"]`, "on", true},
		{"spec.routes[9]", "", false},
		{"spec.routes[0].nope", "", false},
		{"spec..bad", "", false},
	}
	for _, tt := range tests {
		n := d.Node(tt.path)
		switch {
		case !tt.found && n != nil:
			t.Errorf("Node(%q) = %v, want nil", tt.path, n)
		case tt.found && (n == nil || n.Value != tt.want):
			t.Errorf("Node(%q) = %v, want %q", tt.path, n, tt.want)
		}
	}
	if n := d.Node(""); n != d.Root {
		t.Errorf("Node(\"\") = %v, want the root", n)
	}
}

func TestDocumentErrorf(t *testing.T) {
	d := loadOne(t, posDoc, Options{})
	tests := []struct {
		got  *Error
		want string
	}{
		{d.Errorf("spec.routes[0].upstream", "unknown upstream %q", "users"),
			`t.yaml:10:15: spec.routes[0].upstream: unknown upstream "users"`},
		{d.Errorf("spec.routes[0].graphql.schema.file", "cannot read %s", "users.graphql"),
			`t.yaml:13:15: spec.routes[0].graphql.schema.file: cannot read users.graphql`},
		{d.Errorf("spec.routes[1].graphql", "missing"),
			`t.yaml:14:5: spec.routes[1].graphql: missing`},
		{d.NodeErrorf(d.Node("spec.list[0]"), "spec.list[0]", "bad item"),
			`t.yaml:18:10: spec.list[0]: bad item`},
		{d.NodeErrorf(nil, "spec.list", "no node"),
			`t.yaml:18:9: spec.list: no node`},
	}
	for _, tt := range tests {
		if tt.got.Error() != tt.want {
			t.Errorf("got %q, want %q", tt.got.Error(), tt.want)
		}
	}
}

// A Document built by hand, without a root, still reports at its own place.
func TestPosWithoutRoot(t *testing.T) {
	d := &Document{File: "x.yaml", Line: 3, Column: 1}
	if line, col := d.Pos("spec.a"); line != 3 || col != 1 {
		t.Errorf("Pos = %d:%d, want 3:1", line, col)
	}
	if d.Node("spec") != nil {
		t.Errorf("Node found something in an empty document")
	}
}
