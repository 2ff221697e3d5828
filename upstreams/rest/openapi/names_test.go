package openapi

import (
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/gqlname"
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
		{"URL-info", "urlInfo", "URLInfo"},
		{"getURLInfo", "getURLInfo", "GetURLInfo"},
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
		if !gqlname.Valid(fieldName(tt.in)) || !gqlname.Valid(pascal(tt.in)) {
			t.Errorf("%q: names %q, %q are not valid", tt.in, fieldName(tt.in), pascal(tt.in))
		}
	}
}

// TestOpFieldName checks the root field names operations get: the
// operationId's words in lower camel case, a leading acronym in lower case
// whole, else the method and path's words.
func TestOpFieldName(t *testing.T) {
	tests := []struct {
		id, method, path, want string
	}{
		{"listPets", "GET", "/pets", "listPets"},
		{"ListPets", "GET", "/pets", "listPets"},
		{"GETListsFormat", "GET", "/lists.{format}", "getListsFormat"},
		{"getURLInfo", "GET", "/url", "getURLInfo"},
		{"URLInfo", "GET", "/url", "urlInfo"},
		{"pets.find_by-tag", "GET", "/pets", "petsFindByTag"},
		{"3dModels", "GET", "/models", "_3dModels"},
		{"", "GET", "/pets/{petId}/photos", "getPetsPetIdPhotos"},
		{"", "DELETE", "/v1/{name}:cancel", "deleteV1NameCancel"},
		{"", "POST", "/", "post"},
	}
	for _, tt := range tests {
		op := &operation{id: tt.id, method: tt.method, path: tt.path}
		if got := opFieldName(op); got != tt.want {
			t.Errorf("opFieldName(%q, %s %s) = %q, want %q", tt.id, tt.method, tt.path, got, tt.want)
		}
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
