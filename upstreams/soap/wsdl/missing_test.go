package wsdl

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// TestMissingPieces loads a WSDL whose imports name files that are not
// there, from a path, an fs.FS and a URL: each missing file is one
// warning, the port and operation that need one are left out naming it,
// a field whose type it was to declare is typed JSON naming it, and the
// rest imports the same way from every source.
func TestMissingPieces(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata/wsdl")))
	defer srv.Close()
	tests := []struct {
		name   string
		source string
		opts   LoadOptions
		// dir is how warnings name the files beside the WSDL.
		dir string
	}{
		{"path", missingWSDL, LoadOptions{}, "testdata/wsdl/missing/"},
		{"fs", "missing/weather.wsdl", LoadOptions{FS: os.DirFS("testdata/wsdl")}, "missing/"},
		{"url", srv.URL + "/missing/weather.wsdl", LoadOptions{Client: srv.Client()}, srv.URL + "/missing/"},
	}
	var first string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defs, err := Load(context.Background(), tt.source, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(defs.Files, " "), tt.source+" "+tt.dir+"common.xsd"; got != want {
				t.Errorf("files %q, want %q", got, want)
			}
			res := mustImport(t, defs, Options{Upstream: "weather"})
			if res.Fields != 2 || res.Skipped != 1 {
				t.Errorf("%d fields, %d skipped; want 2 and 1", res.Fields, res.Skipped)
			}
			if op := res.Operations["WeatherPort/GetAlerts"]; !strings.Contains(op.Skipped, "the missing file "+tt.dir+"alerts.xsd") {
				t.Errorf("GetAlerts skipped for %q, want the missing alerts.xsd named", op.Skipped)
			}
			var got []string
			for _, w := range res.Warnings {
				got = append(got, w.String())
			}
			for _, want := range []string{
				"weather.wsdl:14: import: " + tt.dir + "billing.wsdl cannot be read (",
				"weather.wsdl:18: import: " + tt.dir + "alerts.xsd cannot be read (",
				"weather.wsdl:19: include: " + tt.dir + "extra.xsd cannot be read (",
				"weather.wsdl:94: port BillingPort: the binding {urn:billing}BillingSoap is not declared (the missing file " + tt.dir + "billing.wsdl was to declare it): not imported",
				"weather.wsdl:54: operation GetAlerts: input: the element {urn:alerts}GetAlerts of part parameters is not declared (the missing file " + tt.dir + "alerts.xsd was to declare it): not imported",
				"weather.wsdl:45: complexType GetStationResponse.level: (WeatherPort/GetStation) the type {urn:alerts}Level is not declared (the missing file " + tt.dir + "alerts.xsd was to declare it): typed JSON",
				"weather.wsdl:46: complexType GetStationResponse.sensor: (WeatherPort/GetStation) the type {urn:weather}Sensor is not declared (the missing file " + tt.dir + "extra.xsd was to declare it): typed JSON",
			} {
				n := 0
				for _, g := range got {
					if strings.Contains(g, want) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%d warnings with %q, want 1, in\n%s", n, want, strings.Join(got, "\n"))
				}
			}
			if len(got) != 7 {
				t.Errorf("%d warnings, want 7:\n%s", len(got), strings.Join(got, "\n"))
			}
			if first == "" {
				first = res.SDL
			} else if res.SDL != first {
				t.Errorf("the SDL differs from the first source's:\n%s", diff(first, res.SDL))
			}
		})
	}
}

// TestMissingRPCPart skips an rpc operation one of whose parts is typed
// by a missing file, and imports the other.
func TestMissingRPCPart(t *testing.T) {
	doc := `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:x="urn:x" xmlns:tns="urn:t" targetNamespace="urn:t">
  <wsdl:types><xs:schema targetNamespace="urn:t"><xs:import namespace="urn:x" schemaLocation="x.xsd"/></xs:schema></wsdl:types>
  <wsdl:message name="A"><wsdl:part name="id" type="xs:int"/><wsdl:part name="item" type="x:Item"/></wsdl:message>
  <wsdl:message name="B"><wsdl:part name="id" type="xs:int"/></wsdl:message>
  <wsdl:portType name="PT">
    <wsdl:operation name="Put"><wsdl:input message="tns:A"/><wsdl:output message="tns:B"/></wsdl:operation>
    <wsdl:operation name="Get"><wsdl:input message="tns:B"/><wsdl:output message="tns:B"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="RB" type="tns:PT"><soap:binding style="rpc"/>
    <wsdl:operation name="Put"><wsdl:input><soap:body use="literal" namespace="urn:t"/></wsdl:input><wsdl:output><soap:body use="literal" namespace="urn:t"/></wsdl:output></wsdl:operation>
    <wsdl:operation name="Get"><wsdl:input><soap:body use="literal" namespace="urn:t"/></wsdl:input><wsdl:output><soap:body use="literal" namespace="urn:t"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="S"><wsdl:port name="P" binding="tns:RB"><soap:address location="http://t.example.com/"/></wsdl:port></wsdl:service>
</wsdl:definitions>`
	defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fstest.MapFS{"main.wsdl": {Data: []byte(doc)}}})
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, defs, Options{Upstream: "u"})
	if op := res.Operations["P/Put"]; op.Skipped != "input: the type {urn:x}Item of part item is not declared (the missing file x.xsd was to declare it)" {
		t.Errorf("Put skipped for %q", op.Skipped)
	}
	if op := res.Operations["P/Get"]; op.Skipped != "" || op.Field != "get" {
		t.Errorf("Get: %+v", op)
	}
}

// TestNothingToImport: an import that gives no operation is a
// NothingError that says why, with the warnings of what was left out.
func TestNothingToImport(t *testing.T) {
	allMissing := withTypes(`<xs:import namespace="urn:x" schemaLocation="x.xsd"/>`)
	allMissing = strings.Replace(allMissing, `element="tns:Get"`, `element="x:Get" xmlns:x="urn:x"`, 1)
	noOps := withTypes("")
	noOps = noOps[:strings.Index(noOps, "<wsdl:operation name=\"Get\"><wsdl:input message")] + "</wsdl:portType>\n" + noOps[strings.Index(noOps, "<wsdl:binding"):]
	tests := []struct {
		name string
		// file is a fixture; doc, when file is empty, is main.wsdl.
		file, doc string
		opts      Options
		want      string
		warning   string
	}{
		{"no SOAP binding", noBindingWSDL, "", Options{}, "nothing to import: no wsdl:binding is a SOAP binding (HTTP, MIME or another protocol)",
			"nobinding.wsdl:31: port RatesHttpGet: the binding RatesHttpGet is not a SOAP binding"},
		{"no binding", "", `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:e"/>`, Options{}, "nothing to import: the WSDL declares no wsdl:binding", ""},
		{"no port asked for", shippingWSDL, "", Options{Ports: []string{"Nope"}}, "nothing to import: no SOAP port matches the services and ports asked for", ""},
		{"no operation", "", noOps, Options{}, "nothing to import: the port types of the SOAP ports declare no operation", ""},
		{"every operation skipped", "", allMissing, Options{}, "nothing to import: every operation was skipped (P/Get: input: the element {urn:x}Get of part p is not declared (the missing file x.xsd was to declare it)); files that could not be read: x.xsd",
			"main.wsdl:8: import: x.xsd cannot be read (file does not exist)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := LoadOptions{}
			source := tt.file
			if source == "" {
				source = "main.wsdl"
				opts.FS = fstest.MapFS{"main.wsdl": {Data: []byte(tt.doc)}}
			}
			defs, err := Load(context.Background(), source, opts)
			if err != nil {
				t.Fatal(err)
			}
			tt.opts.Upstream = "u"
			res, err := Import(defs, tt.opts)
			var nothing *NothingError
			if !errors.As(err, &nothing) {
				t.Fatalf("result %v, error %v; want a NothingError", res, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n%s\nwant\n%s", err, tt.want)
			}
			if nothing.Result == nil || nothing.Result.Fields != 0 {
				t.Fatalf("result %+v", nothing.Result)
			}
			if tt.warning == "" {
				return
			}
			found := false
			for _, w := range nothing.Result.Warnings {
				found = found || strings.Contains(w.String(), tt.warning)
			}
			if !found {
				t.Errorf("no warning %q in %v", tt.warning, nothing.Result.Warnings)
			}
		})
	}
}

// TestNothingReasonsBounded: a NothingError names a few skipped
// operations and counts the others, which the warnings list.
func TestNothingReasonsBounded(t *testing.T) {
	var ops, bops strings.Builder
	for i := range 8 {
		n := string(rune('A' + i))
		ops.WriteString(`<wsdl:operation name="Op` + n + `"><wsdl:input message="tns:Nowhere"/></wsdl:operation>`)
		bops.WriteString(`<wsdl:operation name="Op` + n + `"><wsdl:input><soap:body use="literal"/></wsdl:input></wsdl:operation>`)
	}
	doc := `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="urn:t" targetNamespace="urn:t">
  <wsdl:portType name="PT">` + ops.String() + `</wsdl:portType>
  <wsdl:binding name="B" type="tns:PT"><soap:binding style="document"/>` + bops.String() + `</wsdl:binding>
</wsdl:definitions>`
	defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fstest.MapFS{"main.wsdl": {Data: []byte(doc)}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Import(defs, Options{Upstream: "u"})
	var nothing *NothingError
	if !errors.As(err, &nothing) {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), "B/OpE: input: the message {urn:t}Nowhere is not declared; and 3 more)") || strings.Contains(err.Error(), "OpF") {
		t.Errorf("error %s", err)
	}
	// One per operation, and one for the binding that no service names.
	if n := len(nothing.Result.Warnings); n != 9 {
		t.Errorf("%d warnings, want 9: %v", n, nothing.Result.Warnings)
	}
}
