package wsdl

import (
	"context"
	"errors"
	"os"
	"testing"
	"testing/fstest"
	"time"
)

// fuzzTypes is the schema the fuzzed WSDLs of FuzzLoad may import.
const fuzzTypes = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:f" xmlns:f="urn:f">
  <xs:complexType name="T"><xs:sequence><xs:element name="a" type="xs:int"/><xs:element name="t" type="f:T" minOccurs="0"/></xs:sequence></xs:complexType>
  <xs:element name="E" type="f:T"/>
</xs:schema>`

// fuzzWSDL is the WSDL FuzzImport reads the fuzzed schema with: its
// operation sends Req and answers Resp of namespace urn:f.
const fuzzWSDL = `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:f="urn:f" xmlns:tns="urn:w" targetNamespace="urn:w">
  <wsdl:types><xs:schema><xs:import namespace="urn:f" schemaLocation="types.xsd"/></xs:schema></wsdl:types>
  <wsdl:message name="In"><wsdl:part name="p" element="f:Req"/></wsdl:message>
  <wsdl:message name="Out"><wsdl:part name="p" element="f:Resp"/></wsdl:message>
  <wsdl:message name="RpcIn"><wsdl:part name="a" type="f:T"/><wsdl:part name="b" type="f:U"/></wsdl:message>
  <wsdl:portType name="PT">
    <wsdl:operation name="GetIt"><wsdl:input message="tns:In"/><wsdl:output message="tns:Out"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:portType name="RPT">
    <wsdl:operation name="Call"><wsdl:input message="tns:RpcIn"/><wsdl:output message="tns:RpcIn"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="B" type="tns:PT"><soap:binding style="document"/>
    <wsdl:operation name="GetIt"><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="RB" type="tns:RPT"><soap:binding style="rpc"/>
    <wsdl:operation name="Call"><wsdl:input><soap:body use="literal" namespace="urn:w"/></wsdl:input><wsdl:output><soap:body use="encoded" namespace="urn:w"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
</wsdl:definitions>`

// run calls f in a goroutine, failing when it takes too long: a loop in
// the importer shows as a timeout rather than a stuck fuzzer.
func run[T any](t *testing.T, data []byte, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no answer after 10s for %q", data)
	}
	panic("unreachable")
}

// checkImport imports defs twice: the same SDL each time, a valid schema
// with consistent bindings, or, when nothing imports, a NothingError that
// says why each time.
func checkImport(t *testing.T, defs *Definitions) {
	t.Helper()
	imp := func() *Result {
		res, err := Import(defs, Options{Upstream: "u"})
		var nothing *NothingError
		switch {
		case errors.As(err, &nothing):
			if nothing.Result.Fields != 0 || len(nothing.Reasons) == 0 {
				t.Fatalf("nothing to import with %d fields, reasons %q", nothing.Result.Fields, nothing.Reasons)
			}
			return nothing.Result
		case err != nil:
			t.Fatal(err)
		case res.Fields == 0:
			t.Fatal("an import of no operation gave no NothingError")
		}
		return res
	}
	res := imp()
	if res.Fields > 0 {
		s := parseSDL(t, "fuzz.graphql", res.SDL)
		checkBindings(t, s, res, "u")
		checkFragment(t, res)
	}
	if again := imp(); again.SDL != res.SDL {
		t.Fatalf("second import differs:\n%s", diff(res.SDL, again.SDL))
	}
}

// FuzzLoad feeds arbitrary bytes to the loader as a WSDL (which may
// import a fixed schema or itself): it may not panic or hang, and what
// loads must import into a valid schema.
func FuzzLoad(f *testing.F) {
	for _, file := range []string{shippingWSDL, legacyWSDL, inventoryWSDL, edgeWSDL, "testdata/wsdl/shipping/shipping-types.xsd"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(withTypes(`<xs:import namespace="urn:f" schemaLocation="types.xsd"/><xs:include schemaLocation="main.wsdl"/>`)))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY a "&a;&a;">]><a>&a;</a>`))
	f.Add([]byte(`<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"><wsdl:import location="main.wsdl"/></wsdl:definitions>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		fsys := fstest.MapFS{"main.wsdl": {Data: data}, "types.xsd": {Data: []byte(fuzzTypes)}}
		defs := run(t, data, func() *Definitions {
			defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fsys})
			if err != nil {
				return nil
			}
			return defs
		})
		if defs == nil {
			return
		}
		run(t, data, func() bool { checkImport(t, defs); return true })
	})
}

// FuzzImport feeds arbitrary bytes as the schema a fixed WSDL imports:
// the schema interpretation may not panic or hang, and what loads must
// import into a valid schema.
func FuzzImport(f *testing.F) {
	seeds := []string{
		fuzzTypes,
		`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:f" xmlns:f="urn:f" elementFormDefault="qualified">
  <xs:element name="Req"><xs:complexType><xs:sequence><xs:element name="id" type="xs:long"/><xs:element name="tags" type="xs:string" maxOccurs="unbounded"/></xs:sequence><xs:attribute name="x" type="f:E"/></xs:complexType></xs:element>
  <xs:element name="Resp"><xs:complexType><xs:choice><xs:element name="a" type="f:T"/><xs:any/></xs:choice></xs:complexType></xs:element>
  <xs:complexType name="T"><xs:complexContent><xs:extension base="f:U"><xs:sequence><xs:element name="t" type="f:T" minOccurs="0"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>
  <xs:complexType name="U"><xs:simpleContent><xs:extension base="xs:decimal"><xs:attribute name="u" type="xs:string"/></xs:extension></xs:simpleContent></xs:complexType>
  <xs:simpleType name="E"><xs:restriction base="xs:string"><xs:enumeration value="a-b"/><xs:enumeration value="a_b"/></xs:restriction></xs:simpleType>
</xs:schema>`,
		`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:f" xmlns:f="urn:f">
  <xs:group name="G"><xs:sequence><xs:group ref="f:G"/></xs:sequence></xs:group>
  <xs:attributeGroup name="A"><xs:attributeGroup ref="f:A"/></xs:attributeGroup>
  <xs:complexType name="T"><xs:complexContent><xs:extension base="f:T"/></xs:complexContent></xs:complexType>
  <xs:complexType name="U"><xs:complexContent><xs:restriction base="soapenc:Array" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"><xs:attribute ref="soapenc:arrayType" wsdl:arrayType="f:T[][]" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"/></xs:restriction></xs:complexContent></xs:complexType>
  <xs:element name="Req"><xs:complexType><xs:sequence maxOccurs="unbounded"><xs:group ref="f:G"/><xs:element ref="f:Req"/></xs:sequence><xs:attributeGroup ref="f:A"/></xs:complexType></xs:element>
  <xs:element name="Resp" type="f:U"/>
</xs:schema>`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		fsys := fstest.MapFS{"main.wsdl": {Data: []byte(fuzzWSDL)}, "types.xsd": {Data: data}}
		defs := run(t, data, func() *Definitions {
			defs, err := Load(context.Background(), "main.wsdl", LoadOptions{FS: fsys})
			if err != nil {
				return nil
			}
			return defs
		})
		if defs == nil {
			return
		}
		run(t, data, func() bool { checkImport(t, defs); return true })
	})
}
