package wsdl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

// minimal is a one-operation WSDL; %s is replaced by what a case adds
// to wsdl:types.
const minimal = `<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="urn:t" targetNamespace="urn:t">
  <wsdl:types>
    <xs:schema targetNamespace="urn:t" elementFormDefault="qualified">
      %s
      <xs:element name="Get"><xs:complexType><xs:sequence><xs:element name="id" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="GetResponse"><xs:complexType><xs:sequence><xs:element name="name" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="In"><wsdl:part name="p" element="tns:Get"/></wsdl:message>
  <wsdl:message name="Out"><wsdl:part name="p" element="tns:GetResponse"/></wsdl:message>
  <wsdl:portType name="PT"><wsdl:operation name="Get"><wsdl:input message="tns:In"/><wsdl:output message="tns:Out"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="B" type="tns:PT">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Get"><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="S"><wsdl:port name="P" binding="tns:B"><soap:address location="http://t.example.com/"/></wsdl:port></wsdl:service>
</wsdl:definitions>
`

func withTypes(extra string) string { return strings.Replace(minimal, "%s", extra, 1) }

// TestLoadURL serves the shipping fixture over HTTP: the WSDL and the
// schemas it imports are fetched relative to its URL, each once, and the
// import is the one the files give.
func TestLoadURL(t *testing.T) {
	var fetches atomic.Int32
	files := http.FileServer(http.Dir("testdata/wsdl"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	source := srv.URL + "/shipping/shipping.wsdl"
	defs, err := Load(context.Background(), source, LoadOptions{Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if got := fetches.Load(); got != 4 {
		t.Errorf("%d fetches, want 4 (the WSDL and three schemas)", got)
	}
	want := []string{source, srv.URL + "/shipping/shipping-types.xsd", srv.URL + "/shipping/common.xsd", srv.URL + "/shipping/shipping-enums.xsd"}
	if strings.Join(defs.Files, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", defs.Files, want)
	}
	remote := mustImport(t, defs, Options{Upstream: "shipping"})
	local := mustImport(t, load(t, shippingWSDL), Options{Upstream: "shipping"})
	if remote.SDL != local.SDL {
		t.Errorf("the SDL from the URL differs from the file's:\n%s", diff(local.SDL, remote.SDL))
	}
	if !strings.Contains(remote.UpstreamYAML("shipping"), `wsdl: "`+source+`"`) {
		t.Errorf("the Upstream does not name the URL:\n%s", remote.UpstreamYAML("shipping"))
	}

	if _, err := Load(context.Background(), srv.URL+"/shipping/none.wsdl", LoadOptions{Client: srv.Client()}); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("a missing URL: %v", err)
	}
	if _, err := Load(context.Background(), source, LoadOptions{Client: srv.Client(), MaxFiles: 2}); err == nil || !strings.Contains(err.Error(), "more than 2 files") {
		t.Errorf("too many files: %v", err)
	}
	if _, err := Load(context.Background(), source, LoadOptions{Client: srv.Client(), MaxBytes: 12000}); err == nil || !strings.Contains(err.Error(), "larger than the limit of 12000 bytes") {
		t.Errorf("too many bytes: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, source, LoadOptions{Client: srv.Client()}); err == nil {
		t.Error("a cancelled context loaded")
	}
}

// TestLoadFS reads the fixtures from an fs.FS, and resolves references
// inside it.
func TestLoadFS(t *testing.T) {
	fsys := os.DirFS("testdata/wsdl")
	defs, err := Load(context.Background(), "shipping/shipping.wsdl", LoadOptions{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	want := "shipping/shipping.wsdl shipping/shipping-types.xsd shipping/common.xsd shipping/shipping-enums.xsd"
	if got := strings.Join(defs.Files, " "); got != want {
		t.Errorf("files %s, want %s", got, want)
	}
	escape := fstest.MapFS{"a/main.wsdl": {Data: []byte(withTypes(`<xs:include schemaLocation="../../outside.xsd"/>`))}}
	if _, err := Load(context.Background(), "a/main.wsdl", LoadOptions{FS: escape}); err == nil || !strings.Contains(err.Error(), "leaves the file system") {
		t.Errorf("an include out of the FS: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"malformed", map[string]string{"main.wsdl": "<?xml version=\"1.0\"?>\n<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\">\n<a></b>\n</wsdl:definitions>"},
			[]string{"main.wsdl:3:", "malformed XML"}},
		{"undeclared element prefix", map[string]string{"main.wsdl": strings.Replace(minimal, `xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"`, "", 1)},
			[]string{"main.wsdl:17:", "prefix soap, which is not declared"}},
		{"undeclared attribute prefix", map[string]string{"main.wsdl": withTypes(`<xs:element name="x" q:a="1"/>`)},
			[]string{"main.wsdl:8:", "attribute q:a", "prefix q"}},
		{"DTD", map[string]string{"main.wsdl": "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n" + minimal[strings.Index(minimal, "<wsdl:definitions"):]},
			[]string{"main.wsdl:2:", "DTD, which is refused"}},
		{"DTD in an import", map[string]string{"main.wsdl": withTypes(`<xs:import namespace="urn:x" schemaLocation="x.xsd"/>`), "x.xsd": "<!DOCTYPE x SYSTEM \"http://example.com/x.dtd\">\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>"},
			[]string{"x.xsd:1:", "DTD"}},
		{"import of something else", map[string]string{"main.wsdl": withTypes(`<xs:include schemaLocation="x.xml"/>`), "x.xml": "<html/>"},
			[]string{"main.wsdl:8:", "x.xml is not an XML Schema"}},
		{"a schema, not a WSDL", map[string]string{"main.wsdl": `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>`},
			[]string{"main.wsdl:1:", "not a WSDL 1.1 document"}},
		{"WSDL 2.0", map[string]string{"main.wsdl": `<description xmlns="http://www.w3.org/ns/wsdl"/>`},
			[]string{"main.wsdl:1:", "WSDL 2.0"}},
		{"empty", map[string]string{"main.wsdl": "  \n"}, []string{"main.wsdl:1:", "no XML element"}},
		{"not closed", map[string]string{"main.wsdl": "<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\">\n<wsdl:types>\n"},
			[]string{"main.wsdl:", "wsdl:types"}},
		{"two roots", map[string]string{"main.wsdl": "<a/>\n<b/>"}, []string{"main.wsdl:2:", "second root"}},
		{"unknown encoding", map[string]string{"main.wsdl": "<?xml version=\"1.0\" encoding=\"EBCDIC\"?><a/>"}, []string{"main.wsdl:1:", "EBCDIC"}},
		{"too deep", map[string]string{"main.wsdl": strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300)}, []string{"main.wsdl:1:", "nested deeper than 256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(context.Background(), filepath.Join(dir, "main.wsdl"), LoadOptions{})
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := Load(context.Background(), "testdata/none.wsdl", LoadOptions{}); err == nil || !strings.Contains(err.Error(), "testdata/none.wsdl") {
		t.Errorf("a missing file: %v", err)
	}
}

// TestLoadWarnings covers what Load reads with a warning: an import of a
// URL from a local file (not fetched), a redefine, an include of another
// namespace, a duplicate declaration.
func TestLoadWarnings(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	fsys := fstest.MapFS{
		"main.wsdl": {Data: []byte(withTypes(`<xs:import namespace="urn:remote" schemaLocation="` + srv.URL + `/x.xsd"/>
      <xs:redefine schemaLocation="other.xsd"/>
      <xs:element name="Get"/>`))},
		"other.xsd": {Data: []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:other"/>`)},
	}
	defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 {
		t.Error("a local WSDL fetched a URL")
	}
	res := mustImport(t, defs, Options{Upstream: "u"})
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.String())
	}
	for _, want := range []string{
		"main.wsdl:8: import: " + srv.URL + "/x.xsd is not read: a local document reads local files only",
		"main.wsdl:9: redefine: xs:redefine is read as xs:include",
		`main.wsdl:9: redefine: includes other.xsd, whose target namespace "urn:other" is not this schema's "urn:t"`,
		"main.wsdl:11: element Get: declared twice in namespace \"urn:t\" (first at main.wsdl:10)",
	} {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, want)
		}
		if !found {
			t.Errorf("no warning %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
}

// TestLoadLatin1 reads an ISO-8859-1 file: its documentation arrives as
// UTF-8.
func TestLoadLatin1(t *testing.T) {
	doc := strings.Replace(withTypes(""), `<?xml version="1.0"?>`, `<?xml version="1.0" encoding="ISO-8859-1"?>`, 1)
	doc = strings.Replace(doc, `<wsdl:portType name="PT"><wsdl:operation name="Get">`, "<wsdl:portType name=\"PT\"><wsdl:operation name=\"Get\"><wsdl:documentation>Gr\xfc\xdfe</wsdl:documentation>", 1)
	defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fstest.MapFS{"main.wsdl": {Data: []byte(doc)}}})
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, defs, Options{Upstream: "u"})
	if !strings.Contains(res.SDL, "Grüße") {
		t.Errorf("the documentation was not decoded:\n%s", res.SDL)
	}
}

// TestNoService imports the SOAP bindings of a WSDL without wsdl:service,
// as ports of their own without an endpoint.
func TestNoService(t *testing.T) {
	doc := withTypes("")
	doc = doc[:strings.Index(doc, "<wsdl:service")] + "</wsdl:definitions>\n"
	defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fstest.MapFS{"main.wsdl": {Data: []byte(doc)}}})
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, defs, Options{Upstream: "u"})
	op, ok := res.Operations["B/Get"]
	if !ok || op.Endpoint != "" || op.Skipped != "" || res.Fields != 1 {
		t.Fatalf("operations %+v", res.Operations)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Msg, "no wsdl:service names this binding") {
		t.Errorf("warnings %v", res.Warnings)
	}
	if !strings.Contains(res.UpstreamYAML("u"), `endpoint: "${U_ENDPOINT}"`) {
		t.Errorf("no endpoint variable:\n%s", res.UpstreamYAML("u"))
	}
}

// TestEscapedLocation reads a schema whose location is percent-encoded.
func TestEscapedLocation(t *testing.T) {
	fsys := fstest.MapFS{
		"main.wsdl":    {Data: []byte(withTypes(`<xs:import namespace="urn:a" schemaLocation="my%20types.xsd"/>`))},
		"my types.xsd": {Data: []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a"/>`)},
	}
	defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(defs.Files, " "); got != "main.wsdl my types.xsd" {
		t.Errorf("files %s", got)
	}
}

// TestCyclicImports loads two schemas that import each other: each once.
func TestCyclicImports(t *testing.T) {
	fsys := fstest.MapFS{
		"main.wsdl": {Data: []byte(withTypes(`<xs:import namespace="urn:a" schemaLocation="a.xsd"/>`))},
		"a.xsd":     {Data: []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a"><xs:import namespace="urn:b" schemaLocation="b.xsd"/></xs:schema>`)},
		"b.xsd":     {Data: []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b"><xs:import namespace="urn:a" schemaLocation="a.xsd"/></xs:schema>`)},
	}
	defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(defs.Files, " "); got != "main.wsdl a.xsd b.xsd" {
		t.Errorf("files %s", got)
	}
}
