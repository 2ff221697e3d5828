package openapi

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestEachRef checks which $refs the loader follows: those into other
// files, but none inside a vendor extension, while a property, header or
// schema that a document names x-something is a name, whose $ref counts.
func TestEachRef(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string // target#fragment, in document order
	}{
		{"local refs are not files", `a: {$ref: "#/components/schemas/A"}`, ""},
		{"a file and a fragment", `a: {$ref: "parts/a.yaml#/A"}` + "\n" + `b: {$ref: other.json}`, "parts/a.yaml#/A other.json#"},
		{"an extension is opaque", "info:\n  x-docs: {$ref: guide.md}\nx-changelog:\n  nested: {$ref: missing.yaml}\npaths:\n  x-codegen: {$ref: codegen.md}\n", ""},
		{"an extension inside a schema", "schema:\n  type: object\n  x-links: [{$ref: links.yaml}]\n  properties: {a: {$ref: a.yaml}}\n", "a.yaml#"},
		{"names that start with x-", "properties:\n  x-rate: {$ref: rate.yaml}\nheaders:\n  x-trace: {$ref: trace.yaml}\nschemas:\n  x-thing: {type: object, x-note: {$ref: note.md}, properties: {x-part: {$ref: part.yaml}}}\n", "rate.yaml# trace.yaml# part.yaml#"},
		{"a property named properties is a name", "properties:\n  properties: {type: object, x-ext: {$ref: no.yaml}, properties: {p: {$ref: yes.yaml}}}\n", "yes.yaml#"},
		{"aliases are walked once", "a: &a {$ref: once.yaml}\nb: *a\nc: [*a, *a]\n", "once.yaml#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var root yaml.Node
			if err := yaml.Unmarshal([]byte(tt.doc), &root); err != nil {
				t.Fatal(err)
			}
			var got []string
			if err := eachRef(&root, func(_ *yaml.Node, target, fragment string) error {
				got = append(got, target+"#"+fragment)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("refs %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
}

// TestStandIn checks the document that stands in for a file that cannot
// be read: a marker at each place the $refs point at, the whole file for
// a $ref without a fragment.
func TestStandIn(t *testing.T) {
	c := newClosure(LoadOptions{}, nil, nil)
	c.broken["/d/a.yaml"] = "the file does not exist"
	c.pointers["/d/a.yaml"] = map[string]bool{"/components/schemas/A": true, "/components/schemas/A~1B": true, "": true}
	var got map[string]any
	if err := yaml.Unmarshal(c.standIn("/d/a.yaml"), &got); err != nil {
		t.Fatal(err)
	}
	marker := func(p string) map[string]any {
		return map[string]any{unresolvedKey: map[string]any{"file": "/d/a.yaml", "pointer": p, "why": "the file does not exist"}}
	}
	schemas := got["components"].(map[string]any)["schemas"].(map[string]any)
	for _, tt := range []struct {
		at   any
		want map[string]any
	}{{got[unresolvedKey], marker("")[unresolvedKey].(map[string]any)}, {schemas["A"], marker("/components/schemas/A")}, {schemas["A/B"], marker("/components/schemas/A~1B")}} {
		if !equalYAML(tt.at, tt.want) {
			t.Errorf("stand-in %v, want %v there", tt.at, tt.want)
		}
	}
}

func equalYAML(a, b any) bool {
	x, _ := yaml.Marshal(a)
	y, _ := yaml.Marshal(b)
	return string(x) == string(y)
}
