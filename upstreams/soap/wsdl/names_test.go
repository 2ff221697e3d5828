package wsdl

import (
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/gqlname"
)

func TestWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GetQuote", "Get Quote"},
		{"getLatestVersion", "get Latest Version"},
		{"get_stock", "get stock"},
		{"URLInfo", "URL Info"},
		{"RecordSequenceID", "Record Sequence ID"},
		{"Time_Stamp", "Time Stamp"},
		{"ResultCode ", "Result Code"},
		{"2nd-Day", "2nd Day"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(gqlname.Words(tt.in), " "); got != tt.want {
			t.Errorf("gqlname.Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFieldAndTypeNames(t *testing.T) {
	fields := map[string]string{
		"GetQuoteResult": "getQuoteResult", "ID": "id", "TTestLimit": "tTestLimit", "return": "return",
		"2x": "_2x", "__x": "x", "a.b-c": "aBC",
	}
	for in, want := range fields {
		if got := fieldName(in); got != want || !gqlname.Valid(got) {
			t.Errorf("fieldName(%q) = %q, want %q", in, got, want)
		}
	}
	types := map[string]string{
		"getLatestVersionResponse": "GetLatestVersionResponse", "ArrayOfstring": "ArrayOfstring",
		"MNB_Rate": "MNB_Rate", "a-b": "AB", "1st": "_1st", "": "Type",
	}
	for in, want := range types {
		if got := typeName(in); got != want || !gqlname.Valid(got) {
			t.Errorf("typeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamespaceWords(t *testing.T) {
	tests := map[string]string{
		"http://example.com/shipping/v1":         "shipping v1",
		"http://example.com/common/v1/":          "common v1",
		"http://tempuri.org/":                    "tempuri",
		"http://www.mnb.hu/webservices/":         "webservices",
		"urn:acme:shipping:v2":                   "shipping v2",
		"urn:example:legacy:types":               "types",
		"http://schemas.example.com/2003/10/Foo": "Foo",
		"http://example.com/a/2003":              "a 2003",
		"http://www.dummy.com":                   "dummy",
		"":                                       "",
	}
	for in, want := range tests {
		if got := strings.Join(namespaceWords(in), " "); got != want {
			t.Errorf("namespaceWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultKind(t *testing.T) {
	tests := map[string]string{
		"GetQuote": "Query", "getLatestVersion": "Query", "ListCarriers": "Query", "areYouThere": "Query",
		"IsValid": "Query", "HasAccess": "Query", "ValidateAddress": "Query", "CalculateRate": "Query",
		"CheckAvailability": "Query", "CheckIn": "Mutation", "CheckOut": "Mutation", "check_in": "Mutation",
		"Checkout": "Mutation", "Quote": "Mutation", "CreateShipment": "Mutation", "Getaway": "Mutation",
		"Listing": "Mutation", "get": "Query", "": "Mutation", "search_items": "Query",
	}
	for in, want := range tests {
		if got := defaultKind(in); got != want {
			t.Errorf("defaultKind(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestAssignNames(t *testing.T) {
	reqs := []*gqlname.Request{
		{Key: "b", Cands: []string{"Address", "ShippingAddress"}},
		{Key: "a", Cands: []string{"Address", "CommonAddress"}},
		{Key: "c", Cands: []string{"Quote", "ShippingQuote"}},
		{Key: "d", Cands: []string{"String", "XString"}},
		{Key: "e", Cands: []string{"Twin"}},
		{Key: "f", Cands: []string{"Twin"}},
	}
	gqlname.Assign(reqs, gqlname.NewSet(reservedTypeNames()...))
	got := map[string]string{}
	for _, r := range reqs {
		got[r.Key] = r.Name
	}
	want := map[string]string{"a": "CommonAddress", "b": "ShippingAddress", "c": "Quote", "d": "XString", "e": "Twin", "f": "Twin2"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s named %s, want %s", k, got[k], v)
		}
	}
}
