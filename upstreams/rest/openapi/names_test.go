package openapi

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	tests := []struct {
		in, field, typ string
	}{
		{"petId", "petId", "PetId"},
		{"pet-type", "petType", "PetType"},
		{"pet_type", "pet_type", "PetType"},
		{"__internal", "internal", "Internal"},
		{"display name", "displayName", "DisplayName"},
		{"3toed", "_3toed", "_3toed"},
		{"@id", "id", "Id"},
		{"v1.Container", "v1Container", "V1Container"},
		{"X-Trace-Id", "xTraceId", "XTraceId"},
		{"émoji", "moji", "Moji"},
		{"---", "field", "Type"},
		{"", "field", "Type"},
	}
	for _, tt := range tests {
		if got := fieldName(tt.in); got != tt.field {
			t.Errorf("fieldName(%q) = %q, want %q", tt.in, got, tt.field)
		}
		if got := pascal(tt.in); got != tt.typ {
			t.Errorf("pascal(%q) = %q, want %q", tt.in, got, tt.typ)
		}
		if !validName(fieldName(tt.in)) || !validName(pascal(tt.in)) {
			t.Errorf("%q: names %q, %q are not valid", tt.in, fieldName(tt.in), pascal(tt.in))
		}
	}
}

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "_a": true, "A9": true, "9a": false, "__a": false, "a-b": false, "": false, "é": false,
	} {
		if got := validName(s); got != want {
			t.Errorf("validName(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{"ACTIVE": true, "true": false, "null": false, "in-progress": false} {
		if got := validEnumValue(s); got != want {
			t.Errorf("validEnumValue(%q) = %v", s, got)
		}
	}
}

func TestNameSet(t *testing.T) {
	n := newNameSet("Query")
	got := []string{n.take("Query"), n.take("Pet"), n.take("Pet"), n.take("Pet2"), n.take("Pet")}
	if want := "Query2 Pet Pet2 Pet22 Pet3"; strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestRefName(t *testing.T) {
	for ref, want := range map[string]string{
		"#/components/schemas/Pet":       "Pet",
		"#/definitions/a~1b":             "a/b",
		"../schemas/book.yaml":           "book",
		"common/Error.json#/":            "Error",
		"defs.yaml#/Pet/properties/tags": "tags",
		"http://x/y/z.json":              "z",
	} {
		if got := refName(ref); got != want {
			t.Errorf("refName(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestPathParams(t *testing.T) {
	tests := []struct {
		path string
		want string
		ok   bool
	}{
		{"/pets", "", true},
		{"/pets/{petId}/photos/{photo-id}", "petId photo-id", true},
		{"/v1/{name}:cancel", "name", true},
		{"/a/{b", "", false},
		{"/a/b}", "", false},
	}
	for _, tt := range tests {
		got, ok := pathParams(tt.path)
		if ok != tt.ok || ok && strings.Join(got, " ") != tt.want {
			t.Errorf("pathParams(%q) = %v, %v", tt.path, got, ok)
		}
	}
}

func TestStrings(t *testing.T) {
	if got := escapeTemplate("/a{b}"); got != "/a{{b}}" {
		t.Errorf("escapeTemplate = %s", got)
	}
}
