package gqlname

import (
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	tests := []struct{ in, words, camel string }{
		{"GetStock", "Get Stock", "getStock"},
		{"GetURLInfo", "Get URL Info", "getURLInfo"},
		{"URLInfo", "URL Info", "urlInfo"},
		{"get_stock", "get stock", "getStock"},
		{"ID", "ID", "id"},
		{"V1Stock2", "V1 Stock2", "v1Stock2"},
		{"__x", "x", "x"},
		{"legacy-id", "legacy id", "legacyId"},
		{"9lives", "9lives", "_9lives"},
		{"", "", "field"},
	}
	for _, tt := range tests {
		ws := Words(tt.in)
		if got := strings.Join(ws, " "); got != tt.words {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.words)
		}
		if got := LowerCamel(ws...); got != tt.camel {
			t.Errorf("LowerCamel(%q) = %q, want %q", tt.in, got, tt.camel)
		}
	}
}

func TestAssignNames(t *testing.T) {
	reqs := func() []*Request {
		return []*Request{
			{Key: "a", Cands: []string{"Stock", "AStock"}},
			{Key: "b", Cands: []string{"Stock", "BStock"}},
			{Key: "c", Cands: []string{"Item", "CItem"}},
			{Key: "d", Cands: []string{"String", "DString"}},
			{Key: "e", Cands: []string{"X", "Same"}},
			{Key: "f", Cands: []string{"X", "Same"}},
		}
	}
	want := map[string]string{"a": "AStock", "b": "BStock", "c": "Item", "d": "DString", "e": "Same", "f": "Same2"}
	// Whatever order the requests come in, the names are the same.
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 5, 0, 3, 1, 4}} {
		all := reqs()
		list := make([]*Request, len(order))
		for i, j := range order {
			list[i] = all[j]
		}
		Assign(list, NewSet("String"))
		for _, r := range all {
			if r.Name != want[r.Key] {
				t.Errorf("order %v: %s named %s, want %s", order, r.Key, r.Name, want[r.Key])
			}
		}
	}
}

// TestKinds checks which root type each method goes to, and the names
// of colliding root fields.

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "_a": true, "A9": true, "9a": false, "__a": false, "a-b": false, "": false, "é": false,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{"ACTIVE": true, "true": false, "null": false, "in-progress": false} {
		if got := ValidEnumValue(s); got != want {
			t.Errorf("ValidEnumValue(%q) = %v", s, got)
		}
	}
}

func TestNameSet(t *testing.T) {
	n := NewSet("Query")
	got := []string{n.Take("Query"), n.Take("Pet"), n.Take("Pet"), n.Take("Pet2"), n.Take("Pet")}
	if want := "Query2 Pet Pet2 Pet22 Pet3"; strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestSegments(t *testing.T) {
	for in, want := range map[string]string{
		"pet-type_id":  "pet type id",
		"getURLInfo":   "getURLInfo",
		"v1.Container": "v1 Container",
		"émoji":        "moji",
		"--":           "",
	} {
		if got := strings.Join(Segments(in), " "); got != want {
			t.Errorf("Segments(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnumValue(t *testing.T) {
	tests := map[string]string{
		"in-stock": "in_stock", "2nd-Day": "_2nd_Day", "null": "null_", "true": "true_", "false": "false_",
		"a b": "a_b", "a--b": "a_b", "-x-": "x", "+": "PLUS", "": "EMPTY", "ü": "VALUE", "__x": "_x", "1": "_1",
		"<=": "LT_EQ", "!=": "BANG_EQ", "_": "_", "__": "UNDERSCORE_UNDERSCORE", "Active": "Active",
		"in_progress": "in_progress", "a-ü": "a", "x+ü": "x",
	}
	for in, want := range tests {
		got := EnumValue(in)
		if got != want {
			t.Errorf("EnumValue(%q) = %q, want %q", in, got, want)
		}
		if !ValidEnumValue(got) {
			t.Errorf("EnumValue(%q) = %q, not a valid enum value", in, got)
		}
	}
	nums := map[string]string{"1": "NUMBER_1", "-1": "NUMBER_MINUS_1", "1.5": "NUMBER_1_5", "0": "NUMBER_0", "1e3": "NUMBER_1e3"}
	for in, want := range nums {
		if got := NumberEnumValue(in); got != want {
			t.Errorf("NumberEnumValue(%q) = %q, want %q", in, got, want)
		}
	}
}
