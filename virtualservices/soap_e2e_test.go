package virtualservices_test

// End-to-end tests of SOAP upstreams: a gateway over the services of
// internal/soaptest, real SOAP servers written with encoding/xml that
// answer the importer's WSDL fixtures (upstreams/soap/wsdl/testdata/wsdl),
// their fields included from the upstream's import (schema: {include:
// [name]}) or bound by hand with @soap. Each case asserts the GraphQL
// answer and what the server read.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/soaptest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
	"github.com/weft-gateway/weft/virtualservices"
)

// soapFixtures is the folder of the importer's test WSDLs.
var soapFixtures = filepath.Join("..", "upstreams", "soap", "wsdl", "testdata", "wsdl")

// soapUpstream is an Upstream resource over the WSDL at wsdl (relative to
// the resource), with transport lines (indented by two spaces) and soap
// lines (indented by four).
func soapUpstream(name, wsdl, transport, soap string) string {
	return `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: ` + name + `}
spec:
` + transport + `  soap:
    wsdl: ` + wsdl + `
` + soap
}

// soapVS serves the included upstreams' generated fields, and api.graphql
// when own is set.
func soapVS(own bool, include ...string) string {
	file := ""
	if own {
		file = "            file: api.graphql\n"
	}
	return `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema:
            include: [` + strings.Join(include, ", ") + `]
` + file
}

// soapConfig writes a config directory holding the server's WSDL fixture
// under wsdl/ (its addresses at the server) and the files given.
func soapConfig(t *testing.T, s *soaptest.Server, files map[string]string) string {
	t.Helper()
	dir := writeConfig(t, files)
	if _, err := s.WriteFixture(soapFixtures, filepath.Join(dir, "wsdl")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startSOAPGateway(t *testing.T, s *soaptest.Server, files map[string]string) *gateway {
	t.Helper()
	dir := soapConfig(t, s, files)
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
}

// loadSOAPConfig loads a config as weft validate does and returns its
// error; a config that loads fails the test.
func loadSOAPConfig(t *testing.T, dir string) error {
	t.Helper()
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
	snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg", OSDir: dir}, nil)
	if err == nil {
		virtualservices.CloseSnapshot(snap)
		t.Fatal("config loaded; want an error")
	}
	return err
}

// soapError asserts that r has one error, at path, from upstream up with
// this code, and returns its extensions.
func soapError(t *testing.T, r *response, path, up, code string) map[string]any {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one error at %s, got %s", path, r.raw)
	}
	e := r.Errors[0]
	equalJSON(t, e["path"], path)
	ext, _ := e["extensions"].(map[string]any)
	if ext["code"] != code || ext["upstream"] != up {
		t.Fatalf("extensions %v, want code %s from upstream %s", ext, code, up)
	}
	if e["locations"] == nil {
		t.Error("error has no locations")
	}
	return ext
}

// checkNode asserts the text (or attribute, for a last step @name) at
// each path of a node the server read.
func checkNode(t *testing.T, what string, n *soaptest.Node, want map[string]string) {
	t.Helper()
	for path, v := range want {
		if got := n.Get(path); got != v {
			t.Errorf("%s: the server read %s = %q, want %q\n%s", what, path, got, v, n)
		}
	}
}

// checkSpace asserts the namespace of the element at each path.
func checkSpace(t *testing.T, what string, n *soaptest.Node, want map[string]string) {
	t.Helper()
	for path, ns := range want {
		f := n.Find(path)
		if f == nil {
			t.Errorf("%s: the server read no %s\n%s", what, path, n)
		} else if f.Name.Space != ns {
			t.Errorf("%s: %s is in namespace %q, want %q", what, path, f.Name.Space, ns)
		}
	}
}

// TestSOAPShipping calls every operation of the document/literal wrapped
// fixture (imported XSDs, an extension, enums renamed, lists, nested and
// simple-content types, a soap:header, a one-way operation) through both
// of its ports: the SOAP 1.1 one, and the SOAP 1.2 one that soapVersion
// picks.
func TestSOAPShipping(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	for _, v := range []struct{ port, soap string }{{"ShippingPort", ""}, {"ShippingPort12", "    soapVersion: \"1.2\"\n"}} {
		t.Run(v.port, func(t *testing.T) {
			g := startSOAPGateway(t, s, map[string]string{
				"up.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", "", v.soap+
					"    soapHeaders:\n      AuthHeader: '{\"username\": \"{headers.x-user}\", \"token\": \"{headers.x-session}\"}'\n"),
				"vs.yaml": soapVS(false, "shipping"),
			})
			op := func(name string) string { return v.port + "/" + name }

			t.Run("GetQuote", func(t *testing.T) {
				r := g.query("", `query($p: [ParcelInput!]!) {
					getQuote(fromZip: "10001", toZip: "94105", parcel: $p, service: _2nd_Day) {
						carrier { code name active } service price { value currency } transitDays expires quoteId } }`,
					map[string]any{"p": []any{
						map[string]any{"weight": "1.25", "dimensions": map[string]any{"length": 10.5, "width": 2, "height": 3, "unit": "in"}, "contents": []any{"books & <more>", nil}},
						map[string]any{"weight": 2},
					}})
				r.noErrors(t)
				// 3.25 kg at 3/2 and 7/4 a kg; transit days from the zip's
				// first digit; quote ids past 2^53.
				equalJSON(t, r.Data, `{"getQuote":[
					{"carrier":{"code":"UPS","name":"United Parcel & Co","active":true},"service":"_2nd_Day","price":{"value":"4.88","currency":"EUR"},
					 "transitDays":10,"expires":"2030-01-01T00:00:00Z","quoteId":"9007199254740993"},
					{"carrier":{"code":"DHL","name":"DHL <Express>","active":false},"service":"_2nd_Day","price":{"value":"5.69","currency":"EUR"},
					 "transitDays":11,"expires":"2030-01-01T00:00:00Z","quoteId":"9007199254740994"}]}`)
				req := s.Last(op("GetQuote"))
				checkNode(t, "GetQuote", req.Body, map[string]string{
					"FromZip": "10001", "ToZip": "94105", "Service": "2nd-Day",
					"Parcel[0]/Weight": "1.25", "Parcel[0]/Dimensions/@unit": "in", "Parcel[0]/Dimensions/Length": "10.5",
					"Parcel[0]/Dimensions/Width": "2", "Parcel[0]/Contents[0]": "books & <more>", "Parcel[0]/Contents[1]": "",
					"Parcel[1]/Weight": "2",
				})
				checkSpace(t, "GetQuote", req.Body, map[string]string{"FromZip": soaptest.NSShipping, "Parcel[0]/Dimensions/Height": soaptest.NSShipping})
				if !req.Body.Find("Parcel[0]/Contents[1]").Nil() {
					t.Error("a null list item was not sent as xsi:nil")
				}
				if req.Body.Find("Parcel[1]/Dimensions") != nil || req.Body.Find("Parcel[1]/Contents") != nil {
					t.Errorf("absent arguments were sent: %s", req.Body)
				}

				// Without the optional service, the server's default.
				r = g.query("", `{ getQuote(fromZip: "10001", toZip: "10115", parcel: [{weight: "1"}]) { service price { value } transitDays } }`, nil)
				r.noErrors(t)
				equalJSON(t, r.Data, `{"getQuote":[{"service":"Ground","price":{"value":"1.50"},"transitDays":2},{"service":"Ground","price":{"value":"1.75"},"transitDays":3}]}`)
				if s.Last(op("GetQuote")).Body.Find("Service") != nil {
					t.Error("an absent optional element was sent")
				}
			})

			t.Run("ListCarriers", func(t *testing.T) {
				r := g.query("", `{ listCarriers { code active } }`, nil)
				r.noErrors(t)
				equalJSON(t, r.Data, `{"listCarriers":[{"code":"UPS","active":true},{"code":"DHL","active":false},{"code":"ACME","active":false}]}`)
				req := s.Last(op("ListCarriers"))
				if len(req.Body.Children) != 0 || req.Body.Name.Space != soaptest.NSShipping {
					t.Errorf("ListCarriers request: %s", req.Body)
				}
			})

			t.Run("CreateShipment", func(t *testing.T) {
				r := g.query("", `mutation($from: AddressInput!, $to: AddressInput!) {
					createShipment(from: $from, to: $to, parcels: [{weight: "0.5", contents: ["x"]}], pickup: "2030-01-02T10:00:00Z", reference: null) {
						id
						from { street city zip country instructions kind verified residential }
						to { street city zip country instructions kind verified residential }
						billing { street city kind verified }
						parcels { weight dimensions { unit } contents }
						pickup dropOff status
						delivery { earliest latest level }
						label } }`,
					map[string]any{
						"from": map[string]any{"street": []any{"1 Main St", "Apt 2"}, "city": "Springfield", "zip": "12345", "country": "US",
							"instructions": nil, "kind": "po_box", "verified": true, "residential": true},
						"to": map[string]any{"street": []any{"9 Elm"}, "city": "Berlin", "zip": "10115"},
					})
				r.noErrors(t)
				equalJSON(t, r.Data, `{"createShipment":{
					"id":"18446744073709551615",
					"from":{"street":["1 Main St","Apt 2"],"city":"Springfield","zip":"12345","country":"US","instructions":null,"kind":"po_box","verified":true,"residential":true},
					"to":{"street":["9 Elm"],"city":"Berlin","zip":"10115","country":null,"instructions":null,"kind":"home","verified":null,"residential":null},
					"billing":{"street":["1 Main St","Apt 2"],"city":"Springfield","kind":"po_box","verified":true},
					"parcels":[{"weight":"0.5","dimensions":null,"contents":["x"]}],
					"pickup":"2030-01-02T10:00:00Z","dropOff":null,"status":"null_",
					"delivery":{"earliest":"2030-01-02T10:00:00Z","latest":null,"level":"_2nd_Day"},
					"label":"`+base64.StdEncoding.EncodeToString([]byte("label for Berlin"))+`"}}`)
				req := s.Last(op("CreateShipment"))
				checkNode(t, "CreateShipment", req.Body, map[string]string{
					"From/Street[0]": "1 Main St", "From/Street[1]": "Apt 2", "From/City": "Springfield", "From/Country": "US",
					"From/@kind": "po-box", "From/@residential": "true", "To/City": "Berlin", "Pickup": "2030-01-02T10:00:00Z",
				})
				// The base type's elements are unqualified (common.xsd), the
				// extension's qualified; the verified attribute is qualified.
				checkSpace(t, "CreateShipment", req.Body, map[string]string{"From": soaptest.NSShipping, "From/Street": "", "From/Instructions": soaptest.NSShipping})
				from := req.Body.Child("From")
				if v, ok := from.AttrNS(soaptest.NSCommon, "verified"); !ok || v != "true" {
					t.Errorf("verified attribute: %v %q (%s)", ok, v, from)
				}
				if !from.Child("Instructions").Nil() || !req.Body.Child("Reference").Nil() {
					t.Errorf("null nillable elements not sent as xsi:nil: %s", req.Body)
				}
				if _, ok := req.Body.Child("To").Attr("kind"); ok || req.Body.Child("DropOff") != nil {
					t.Errorf("absent values were sent: %s", req.Body)
				}
			})

			t.Run("CancelShipment", func(t *testing.T) {
				r := g.query("", `mutation { a: cancelShipment(id: "18446744073709551615", force: true) { cancelled refund { value currency } }
					b: cancelShipment(id: 43) { cancelled refund { value } } }`, nil)
				r.noErrors(t)
				equalJSON(t, r.Data, `{"a":{"cancelled":true,"refund":{"value":"12.50","currency":"USD"}},"b":{"cancelled":false,"refund":null}}`)
				reqs := s.Requests(op("CancelShipment"))
				if len(reqs) != 2 {
					t.Fatalf("%d CancelShipment calls, want 2", len(reqs))
				}
				checkNode(t, "cancel a", reqs[0].Body, map[string]string{"Id": "18446744073709551615", "@force": "true"})
				checkNode(t, "cancel b", reqs[1].Body, map[string]string{"Id": "43", "@force": ""})
			})

			t.Run("TrackShipment with a SOAP header from client headers", func(t *testing.T) {
				r := g.query("", `mutation { trackShipment(id: 7) { event { at where code } } }`, nil, "X-User", "alice", "X-Session", "s3cr&t")
				r.noErrors(t)
				equalJSON(t, r.Data, `{"trackShipment":{"event":[
					{"at":"2030-01-01T08:00:00Z","where":"depot of alice","code":100},
					{"at":"2030-01-02T08:00:00+02:00","where":"hub 7","code":200}]}}`)
				auth := s.Last(op("TrackShipment")).SOAPHeader("AuthHeader")
				if auth == nil {
					t.Fatal("no AuthHeader reached the server")
				}
				checkNode(t, "AuthHeader", auth, map[string]string{"Username": "alice", "Token": "s3cr&t"})
				checkSpace(t, "AuthHeader", auth, map[string]string{"Username": soaptest.NSShipping})
				// Other operations declare no such header: none is sent.
				g.query("", `{ listCarriers { code } }`, nil, "X-User", "alice", "X-Session", "s").noErrors(t)
				if h := s.Last(op("ListCarriers")).Headers; len(h) != 0 {
					t.Errorf("ListCarriers got SOAP headers %v", h)
				}
			})

			t.Run("Ping one-way", func(t *testing.T) {
				r := g.query("", `mutation { ping(message: "hi") }`, nil)
				r.noErrors(t)
				equalJSON(t, r.Data, `{"ping":true}`)
				checkNode(t, "Ping", s.Last(op("Ping")).Body, map[string]string{"Message": "hi"})
			})
		})
	}
}

// TestSOAPLegacy calls the rpc/literal operations (every XSD built-in,
// recursion, a cycle, attribute groups, a wildcard, a repeated group) and
// the rpc/encoded ones (SOAP-encoded arrays) of the legacy fixture.
func TestSOAPLegacy(t *testing.T) {
	s := soaptest.Start(t, soaptest.Legacy(), soaptest.Options{})
	g := startSOAPGateway(t, s, map[string]string{
		"up.yaml": soapUpstream("legacy", "wsdl/legacy.wsdl", "", ""),
		"vs.yaml": soapVS(false, "legacy"),
	})

	t.Run("Echo every built-in", func(t *testing.T) {
		everything := map[string]any{
			"aString": "  spaced\ttext & <xml> ", "aToken": "tok en", "aURI": "http://example.com/a?b=c&d", "aQName": "xsd:string",
			"aBase64": "AAEC/v8=", "aHex": "0001FEFF", "anInt": -2147483648, "aShort": -32768, "aByte": 127,
			"anUnsignedShort": 65535, "anUnsignedByte": 255, "anUnsignedInt": 4294967295,
			"aLong": "-9223372036854775808", "anUnsignedLong": "18446744073709551615",
			"anInteger": "-123456789012345678901234567890", "aNonNegativeInteger": "0", "aPositiveInteger": "98765432109876543210",
			"aNegativeInteger": "-1", "aDecimal": "12345678901234567890.000000001", "aFloat": 0.5, "aDouble": 1.5e300,
			"aBoolean": true, "aDateTime": "2024-02-29T12:34:56.789+01:00", "aDate": "2024-02-29", "aTime": "23:59:59Z",
			"aDuration": "P1Y2M3DT4H5M6.7S", "aGYear": "2024", "anything": map[string]any{"a": "1", "b": map[string]any{"c": "2"}},
			"untyped": "plain", "sizes": "1 2 3", "either": "x1", "weird": "a_b",
			"grade": map[string]any{"value": "B", "by": "teacher"}, "score": map[string]any{"value": "ninety", "by": "me"},
		}
		r := g.query("", `mutation($e: EverythingInput!) { echo(everything: $e) {
			aString aToken aURI aQName aBase64 aHex anInt aShort aByte anUnsignedShort anUnsignedByte anUnsignedInt
			aLong anUnsignedLong anInteger aNonNegativeInteger aPositiveInteger aNegativeInteger aDecimal aFloat aDouble
			aBoolean aDateTime aDate aTime aDuration aGYear anything untyped sizes either weird
			grade { value by } score { value by } } }`, map[string]any{"e": everything})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"echo":{
			"aString":"  spaced\ttext & <xml> ","aToken":"tok en","aURI":"http://example.com/a?b=c&d","aQName":"xsd:string",
			"aBase64":"AAEC/v8=","aHex":"0001FEFF","anInt":-2147483648,"aShort":-32768,"aByte":127,
			"anUnsignedShort":65535,"anUnsignedByte":255,"anUnsignedInt":4294967295,
			"aLong":"-9223372036854775808","anUnsignedLong":"18446744073709551615",
			"anInteger":"-123456789012345678901234567890","aNonNegativeInteger":"0","aPositiveInteger":"98765432109876543210",
			"aNegativeInteger":"-1","aDecimal":"12345678901234567890.000000001","aFloat":0.5,"aDouble":1.5e300,
			"aBoolean":true,"aDateTime":"2024-02-29T12:34:56.789+01:00","aDate":"2024-02-29","aTime":"23:59:59Z",
			"aDuration":"P1Y2M3DT4H5M6.7S","aGYear":"2024","anything":{"a":"1","b":{"c":"2"}},
			"untyped":"plain","sizes":"1 2 3","either":"x1","weird":"a_b",
			"grade":{"value":"B","by":"teacher"},"score":{"value":"ninety","by":"me"}}}`)
		req := s.Last("LegacyPort/Echo")
		if req.Body.Name.Space != soaptest.NSLegacy {
			t.Errorf("the rpc wrapper is in namespace %q", req.Body.Name.Space)
		}
		checkSpace(t, "Echo", req.Body, map[string]string{"everything": "", "everything/aLong": ""})
		checkNode(t, "Echo", req.Body, map[string]string{
			"everything/aString": "  spaced\ttext & <xml> ", "everything/anUnsignedLong": "18446744073709551615",
			"everything/aLong": "-9223372036854775808", "everything/anInteger": "-123456789012345678901234567890",
			"everything/aDecimal": "12345678901234567890.000000001", "everything/aBoolean": "true", "everything/aBase64": "AAEC/v8=",
			"everything/anything/b/c": "2", "everything/grade": "B+", "everything/grade/@by": "teacher", "everything/weird": "a b",
		})
		if _, ok := req.Body.Child("everything").AttrNS(soaptest.NSEnc, "encodingStyle"); ok {
			t.Error("a literal part carries an encodingStyle")
		}
	})

	t.Run("Describe a recursive type", func(t *testing.T) {
		r := g.query("", `{ describe(node: {name: "root", children: [{name: "a"}, {name: "b", children: [{name: "c"}]}], parent: {name: "up"}}) {
			name children { name children { name } } parent { name parent { name } } } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"describe":{"name":"ROOT","children":[{"name":"A","children":[]},{"name":"B","children":[{"name":"C"}]}],"parent":{"name":"UP","parent":null}}}`)
		checkNode(t, "Describe", s.Last("LegacyPort/Describe").Body, map[string]string{"node/Name": "root", "node/Children[1]/Children/Name": "c", "node/Parent/Name": "up"})
	})

	t.Run("Spin a cycle of required elements", func(t *testing.T) {
		r := g.query("", `mutation { spin(ring: {value: 1, next: {value: 2, next: {value: 3}}}) { value next { value next { value } } } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"spin":{"value":2,"next":{"value":4,"next":{"value":6}}}}`)
		checkNode(t, "Spin", s.Last("LegacyPort/Spin").Body, map[string]string{"ring/Value": "1", "ring/Next/Next/Value": "3"})
	})

	t.Run("Store several parts", func(t *testing.T) {
		r := g.query("", `mutation { store(record: {key: "k", createdBy: "me", createdAt: "2024-01-01T00:00:00Z", traceId: "t-1", sampled: true},
			extra: {id: 5, any: {Foo: "bar"}}, note: {b: "bold"}, pairs: {first: ["a", "b"], second: ["c", "d"]}) { ok id } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"store":{"ok":true,"id":"5002"}}`)
		req := s.Last("LegacyPort/Store")
		checkNode(t, "Store", req.Body, map[string]string{
			"record/Key": "k", "record/CreatedBy": "me", "record/@traceId": "t-1", "record/@sampled": "true",
			"extra/Id": "5", "extra/Foo": "bar", "note/b": "bold", "pairs/First[1]": "b", "pairs/Second[1]": "d",
		})
		if _, ok := req.Body.Child("record").Attr("spanId"); ok {
			t.Error("a prohibited attribute was sent")
		}
	})

	t.Run("Validate an element part", func(t *testing.T) {
		r := g.query("", `{ validate(validationRequest: {text: "héllo"}) }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"validate":"valid: 5 characters"}`)
		req := s.Last("LegacyPort/Validate")
		checkSpace(t, "Validate", req.Body, map[string]string{"ValidationRequest": soaptest.NSLegacyT, "ValidationRequest/Text": ""})
	})

	t.Run("Sum an encoded array", func(t *testing.T) {
		r := g.query("", `mutation { sum(values: [1, 2, 39]) }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"sum":"42"}`)
		req := s.Last("LegacyEncodedPort/Sum")
		if req.Path != "/encoded" {
			t.Errorf("sent to %s", req.Path)
		}
		if v, ok := req.Body.AttrNS(soaptest.NS11, "encodingStyle"); !ok || v != soaptest.NSEnc {
			t.Errorf("encodingStyle %q on %s", v, req.Body)
		}
		values := req.Body.Child("values")
		at, _ := values.AttrNS(soaptest.NSEnc, "arrayType")
		if q, err := values.QName(at); err != nil || q != (xml.Name{Space: soaptest.NSXSD, Local: "int[3]"}) {
			t.Errorf("arrayType %q: %v %v", at, q, err)
		}
		if len(values.Children) != 3 {
			t.Fatalf("items: %s", values)
		}
		for _, item := range values.Children {
			typ, _ := item.AttrNS(soaptest.NSXSI, "type")
			if q, err := item.QName(typ); err != nil || q != (xml.Name{Space: soaptest.NSXSD, Local: "int"}) {
				t.Errorf("item xsi:type %q: %v %v", typ, q, err)
			}
		}
	})

	t.Run("Listing an encoded answer", func(t *testing.T) {
		r := g.query("", `mutation { listing }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"listing":[3,1,2]}`)
		if req := s.Last("LegacyEncodedPort/Listing"); len(req.Body.Children) != 0 {
			t.Errorf("Listing request: %s", req.Body)
		}
	})
}

// TestSOAPInventory calls the SOAP 1.2 document/literal bare fixture: a
// simple-typed body, an answer of simple content with attributes, an
// output message without parts, and an empty input message.
func TestSOAPInventory(t *testing.T) {
	s := soaptest.Start(t, soaptest.Inventory(), soaptest.Options{})
	g := startSOAPGateway(t, s, map[string]string{
		"up.yaml": soapUpstream("inventory", "wsdl/inventory.wsdl", "", ""),
		"vs.yaml": soapVS(false, "inventory"),
	})
	r := g.query("", `{ checkStock(input: "SKU-1") { value warehouse updated } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"checkStock":{"value":35,"warehouse":"W-SKU-1","updated":"2024-05-01T12:00:00Z"}}`)
	req := s.Last("InventoryPort/CheckStock")
	if req.Version != soaptest.V12 || req.Action != "http://example.com/inventory/CheckStock" || req.Body.Text != "SKU-1" || req.Body.Name.Space != soaptest.NSInventory {
		t.Errorf("CheckStock read as %s %q: %s", req.Version, req.Action, req.Body)
	}
	if ct := req.Header.Get("Content-Type"); ct != `application/soap+xml; charset=utf-8; action="http://example.com/inventory/CheckStock"` {
		t.Errorf("Content-Type %q", ct)
	}

	r = g.query("", `mutation { a: reserveStock(sku: "A", quantity: "123456789012345678901234567890", priority: high) b: reserveStock(sku: "B", quantity: 2) }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"a":true,"b":true}`)
	reqs := s.Requests("InventoryPort/ReserveStock")
	if len(reqs) != 2 {
		t.Fatalf("%d ReserveStock calls", len(reqs))
	}
	byKey := map[string]*soaptest.Request{reqs[0].Body.Get("Sku"): reqs[0], reqs[1].Body.Get("Sku"): reqs[1]}
	checkNode(t, "reserve a", byKey["A"].Body, map[string]string{"Quantity": "123456789012345678901234567890", "@priority": "high"})
	checkNode(t, "reserve b", byKey["B"].Body, map[string]string{"Quantity": "2", "@priority": ""})

	r = g.query("", `mutation { warehouses { code open } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"warehouses":[{"code":"AMS","open":true},{"code":"BER","open":false}]}`)
	if req := s.Last("InventoryPort/Warehouses"); req.Body != nil || req.Action != "" {
		t.Errorf("Warehouses request: action %q, body %s", req.Action, req.Body)
	}
}

// TestSOAPEdge calls what the edge fixture keeps: bare bodies, two
// services whose ports share a name (each operation at its own port's
// address), a part typed rather than an element.
func TestSOAPEdge(t *testing.T) {
	s := soaptest.Start(t, soaptest.Edge(), soaptest.Options{})
	g := startSOAPGateway(t, s, map[string]string{
		"up.yaml": soapUpstream("edge", "wsdl/edge.wsdl", "", ""),
		"vs.yaml": soapVS(false, "edge"),
	})
	r := g.query("", `{ even: edgeServiceMainLookup(input: 4) odd: edgeServiceMainLookup(input: 3) checkAvailability(input: -1) otherServiceMainLookup(input: "Zed") }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"even":true,"odd":false,"checkAvailability":false,"otherServiceMainLookup":true}`)
	r = g.query("", `mutation { checkIn(input: "c1") }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"checkIn":true}`)
	for op, path := range map[string]string{"EdgeService/Main/Lookup": "/a", "EdgeService/Main/CheckAvailability": "/a", "OtherService/Main/Lookup": "/b", "EdgeService/Main/CheckIn": "/a"} {
		if req := s.Last(op); req.Path != path {
			t.Errorf("%s sent to %s, want %s", op, req.Path, path)
		}
	}
	if n := s.Calls("EdgeService/Main/Lookup"); n != 2 {
		t.Errorf("Lookup got %d calls, want 2", n)
	}
	if req := s.Last("EdgeService/Main/CheckIn"); req.Body.Name != (xml.Name{Local: "code"}) || req.Body.Text != "c1" {
		t.Errorf("CheckIn read %s", req.Body)
	}
}

// billionLaughs is the XML bomb: entities that expand a thousand-fold at
// each of nine levels.
func billionLaughs() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE lolz [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := "lol" + itoa(i)
		b.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	b.WriteString(`]>` + "\n" + `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
		`<GetQuoteResponse xmlns="http://example.com/shipping/v1"><GetQuoteResult><Carrier active="true"><Code>&` + prev + `;</Code>` +
		`</Carrier></GetQuoteResult></GetQuoteResponse></soap:Body></soap:Envelope>`)
	return []byte(b.String())
}

// TestSOAPFailures makes GetQuote fail in every way a SOAP service or
// what stands before it can, and checks the error each becomes: at the
// field, with its code and upstream (and the fault's code, string and
// detail where there is a fault), the rest of the response standing.
func TestSOAPFailures(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	files := func(version string, expose bool) map[string]string {
		transport := "  maxResponseBytes: 65536\n"
		if expose {
			transport += "  exposeErrors: true\n"
		}
		return map[string]string{
			"up.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", transport, version),
			"vs.yaml": soapVS(false, "shipping"),
		}
	}
	g11 := startSOAPGateway(t, s, files("", true))
	g12 := startSOAPGateway(t, s, files("    soapVersion: \"1.2\"\n", true))
	hidden := startSOAPGateway(t, s, files("", false))
	hidden12 := startSOAPGateway(t, s, files("    soapVersion: \"1.2\"\n", false))
	const query = `{ getQuote(fromZip: "10001", toZip: "10115", parcel: [{weight: 1}]) { quoteId } listCarriers { code } }`
	const carriers = `"listCarriers":[{"code":"UPS"},{"code":"DHL"},{"code":"ACME"}]`
	detail := []*soaptest.Node{soaptest.E("urn:errors", "ZipError", soaptest.A("", "severity", "high"),
		soaptest.E("urn:errors", "Zip", "10115"), soaptest.E("urn:errors", "Hint", "try 10117"), soaptest.E("urn:errors", "Hint", "or 10119"))}
	const detailJSON = `{"ZipError":{"@severity":"high","Zip":"10115","Hint":["try 10117","or 10119"]}}`

	tests := []struct {
		name    string
		g       *gateway
		port    string
		mode    soaptest.Mode
		code    string
		message string         // the error's message; a * stands for an element path
		ext     map[string]any // extensions beside code and upstream; nil: not checked
	}{
		{"SOAP 1.1 fault with detail", g11, "ShippingPort",
			soaptest.Mode{Fault: &soaptest.Fault{Code: "Client.Zip", String: "no such zip <10115>", Actor: "urn:zips", Detail: detail}},
			"UPSTREAM_ERROR", "upstream shipping: SOAP fault Client.Zip",
			map[string]any{"status": 500, "faultCode": "Client.Zip", "faultString": "no such zip <10115>", "detail": "no such zip <10115>",
				"faultActor": "urn:zips", "faultDetail": detailJSON}},
		{"SOAP 1.2 fault with subcode and detail", g12, "ShippingPort12",
			soaptest.Mode{Fault: &soaptest.Fault{Code: "Sender", Subcode: xml.Name{Space: "urn:errors", Local: "BadZip"}, String: "no such zip", Actor: "urn:role", Node: "urn:node", Detail: detail}},
			"UPSTREAM_ERROR", "upstream shipping: SOAP fault Sender",
			map[string]any{"status": 400, "faultCode": "Sender", "faultSubcode": "BadZip", "faultString": "no such zip", "detail": "no such zip",
				"faultActor": "urn:role", "faultDetail": detailJSON}},
		{"SOAP 1.2 Receiver fault", g12, "ShippingPort12",
			soaptest.Mode{Fault: &soaptest.Fault{Code: "Receiver", String: "database down"}},
			"UPSTREAM_ERROR", "upstream shipping: SOAP fault Receiver",
			map[string]any{"status": 500, "faultCode": "Receiver", "faultString": "database down", "detail": "database down"}},
		{"fault with HTTP 200", g11, "ShippingPort",
			soaptest.Mode{Fault: &soaptest.Fault{Code: "Server", String: "busy"}, Status: 200},
			"UPSTREAM_ERROR", "upstream shipping: SOAP fault Server",
			map[string]any{"status": 200, "faultCode": "Server", "faultString": "busy", "detail": "busy"}},
		{"fault hidden", hidden, "ShippingPort",
			soaptest.Mode{Fault: &soaptest.Fault{Code: "Client", String: "secret internals", Actor: "urn:zips", Detail: detail}},
			"UPSTREAM_ERROR", "upstream shipping failed",
			map[string]any{"status": 500, "faultCode": "Client", "requestId": "req-soap"}},
		{"SOAP 1.2 fault hidden", hidden12, "ShippingPort12",
			soaptest.Mode{Fault: &soaptest.Fault{Code: "Sender", Subcode: xml.Name{Space: "urn:errors", Local: "BadZip"}, String: "secret internals", Detail: detail}},
			"UPSTREAM_ERROR", "upstream shipping failed",
			map[string]any{"status": 400, "faultCode": "Sender", "faultSubcode": "BadZip", "requestId": "req-soap"}},
		{"HTML page hidden", hidden, "ShippingPort",
			soaptest.Mode{Raw: []byte("<!DOCTYPE html>\n<html><body>Please log in</body></html>"), ContentType: "text/html"},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping gave an answer that cannot be read",
			map[string]any{"status": 200, "requestId": "req-soap"}},
		{"HTTP 500 without a fault", g11, "ShippingPort",
			soaptest.Mode{Status: 500, Raw: []byte("java.lang.NullPointerException\n\tat com.example.Quote"), ContentType: "text/plain"},
			"UPSTREAM_ERROR", "upstream shipping: HTTP 500 Internal Server Error", map[string]any{"status": 500}},
		{"HTTP 503 HTML page", g11, "ShippingPort",
			soaptest.Mode{Status: 503, Raw: []byte("<html><body><h1>503 Service Unavailable</h1></body></html>"), ContentType: "text/html"},
			"UPSTREAM_UNAVAILABLE", "upstream shipping: HTTP 503 Service Unavailable", map[string]any{"status": 503}},
		{"HTTP 502 empty", g12, "ShippingPort12", soaptest.Mode{Status: 502, Raw: []byte{}},
			"UPSTREAM_UNAVAILABLE", "upstream shipping: HTTP 502 Bad Gateway", map[string]any{"status": 502}},
		{"HTTP 404 with an envelope", g11, "ShippingPort", soaptest.Mode{Status: 404},
			"UPSTREAM_ERROR", "upstream shipping: HTTP 404 Not Found", map[string]any{"status": 404}},
		{"HTML page with 200", g11, "ShippingPort",
			soaptest.Mode{Raw: []byte("<!DOCTYPE html>\n<html><body>Please log in</body></html>"), ContentType: "text/html"},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: soap: bad response: not a SOAP envelope: the answer is an HTML page",
			map[string]any{"status": 200}},
		{"not XML", g11, "ShippingPort", soaptest.Mode{Raw: []byte(`{"quote": 1}`), ContentType: "application/json"},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: soap: bad response: not a SOAP envelope: the answer starts with text, not XML", nil},
		{"truncated XML", g11, "ShippingPort", soaptest.Mode{Cut: true},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: soap: bad response: Envelope/Body/GetQuoteResponse/*: truncated XML: the answer ends at line 2, inside an element", nil},
		{"wrong envelope namespace", g11, "ShippingPort", soaptest.Mode{EnvelopeNS: "urn:not-soap"},
			"UPSTREAM_BAD_RESPONSE", `upstream shipping: soap: bad response: the envelope's namespace is "urn:not-soap", not SOAP 1.1's "http://schemas.xmlsoap.org/soap/envelope/"`, nil},
		{"SOAP 1.2 envelope to a SOAP 1.1 call", g11, "ShippingPort", soaptest.Mode{EnvelopeNS: soaptest.NS12},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: soap: bad response: a SOAP 1.2 envelope, but the operation speaks SOAP 1.1", nil},
		{"SOAP 1.1 envelope to a SOAP 1.2 call", g12, "ShippingPort12", soaptest.Mode{EnvelopeNS: soaptest.NS11},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: soap: bad response: a SOAP 1.1 envelope, but the operation speaks SOAP 1.2", nil},
		{"oversized", g11, "ShippingPort", soaptest.Mode{Pad: 100000},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: answer is larger than the 65536 byte limit", nil},
		{"a value of the wrong type", g11, "ShippingPort", soaptest.Mode{Raw: []byte(`<s:Envelope xmlns:s="` + soaptest.NS11 + `"><s:Body>` +
			`<GetQuoteResponse xmlns="http://example.com/shipping/v1"><GetQuoteResult><TransitDays>soon</TransitDays></GetQuoteResult></GetQuoteResponse></s:Body></s:Envelope>`)},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: soap: bad response: Envelope/Body/GetQuoteResponse/GetQuoteResult[0]/TransitDays: *", nil},
		{"another operation's answer", g11, "ShippingPort", soaptest.Mode{Raw: []byte(`<s:Envelope xmlns:s="` + soaptest.NS11 + `"><s:Body>` +
			`<ListCarriersResponse xmlns="http://example.com/shipping/v1"/></s:Body></s:Envelope>`)},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: soap: bad response: Envelope/Body: the body holds <ListCarriersResponse>, not the <GetQuoteResponse> the operation answers with", nil},
		{"XML bomb", g11, "ShippingPort", soaptest.Mode{Raw: billionLaughs()},
			"UPSTREAM_BAD_RESPONSE", "upstream shipping: soap: bad response: the answer declares a DTD, which is refused (entity declarations can expand without bound)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := tt.port + "/GetQuote"
			s.Set(op, tt.mode)
			defer s.Clear(op)
			calls := s.Calls(op)
			r := tt.g.query("", query, nil, "X-Request-Id", "req-soap")
			ext := soapError(t, r, `["getQuote"]`, "shipping", tt.code)
			equalJSON(t, r.Data, `{"getQuote":null,`+carriers+`}`)
			// A * in the message stands for an element path.
			msg, _ := r.Errors[0]["message"].(string)
			ok := msg == tt.message
			if prefix, suffix, wild := strings.Cut(tt.message, "*"); wild {
				ok = strings.HasPrefix(msg, prefix) && strings.HasSuffix(msg, suffix) && len(msg) > len(prefix)+len(suffix)
			}
			if !ok {
				t.Errorf("message %q, want %q", msg, tt.message)
			}
			if tt.ext != nil {
				want := map[string]any{"code": tt.code, "upstream": "shipping"}
				for k, v := range tt.ext {
					want[k] = v
					if s, ok := v.(string); ok && strings.HasPrefix(s, "{") {
						var j any
						if err := json.Unmarshal([]byte(s), &j); err != nil {
							t.Fatal(err)
						}
						want[k] = j
					}
				}
				w, _ := json.Marshal(want)
				equalJSON(t, ext, string(w))
			}
			if s.Calls(op) != calls+1 {
				t.Errorf("%d calls reached the server, want 1", s.Calls(op)-calls)
			}
			for _, leak := range []string{"NullPointerException", "secret internals", "urn:zips", "10117", "Please log in", "lolz"} {
				if strings.Contains(r.raw, leak) && (tt.ext == nil || !strings.Contains(string(jsonBytes(tt.ext)), leak)) {
					t.Errorf("the answer leaks %q: %s", leak, r.raw)
				}
			}
		})
	}
}

func jsonBytes(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestSOAPTimeouts: a binding's timeout and the upstream's timeout each
// cut a server that never answers; the answer comes at the deadline, with
// a timeout error at the slow field, and the rest of the response stands.
func TestSOAPTimeouts(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	const request = `request: {fromZip: "10001", toZip: "10115", parcel: [{weight: "1"}]}`
	g := startSOAPGateway(t, s, map[string]string{
		"up.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", "  timeout: 30s\n", "") + "---\n" +
			soapUpstream("hasty", "wsdl/shipping.wsdl", "  timeout: 100ms\n", ""),
		"vs.yaml": soapVS(true, "shipping"),
		"api.graphql": `extend type Query {
  slowBinding: [Quote!] @soap(upstream: "shipping", operation: "ShippingPort/GetQuote", ` + request + `, timeout: "100ms")
  slowUpstream: [Quote!] @soap(upstream: "hasty", operation: "ShippingPort/GetQuote", ` + request + `)
}
`,
	})
	s.Set("ShippingPort/GetQuote", soaptest.Mode{Hold: true})
	for _, tt := range []struct{ field, upstream string }{{"slowBinding", "shipping"}, {"slowUpstream", "hasty"}} {
		t.Run(tt.field, func(t *testing.T) {
			start := time.Now()
			r := g.query("", `{ `+tt.field+` { quoteId } listCarriers { code } }`, nil)
			elapsed := time.Since(start)
			ext := soapError(t, r, `["`+tt.field+`"]`, tt.upstream, "UPSTREAM_TIMEOUT")
			if id, _ := ext["requestId"].(string); len(ext) != 3 || id == "" {
				t.Errorf("extensions %v, want code, upstream and requestId", ext)
			}
			if msg := r.Errors[0]["message"]; msg != "upstream "+tt.upstream+" timed out" {
				t.Errorf("message %q", msg)
			}
			equalJSON(t, r.Data, `{"`+tt.field+`":null,"listCarriers":[{"code":"UPS"},{"code":"DHL"},{"code":"ACME"}]}`)
			// The server never answers: the response came at the deadline,
			// give or take a slow machine.
			if elapsed < 100*time.Millisecond || elapsed > 20*time.Second {
				t.Errorf("response after %s, want about 100ms", elapsed)
			}
		})
	}
	if n := s.Calls("ShippingPort/GetQuote"); n != 2 {
		t.Errorf("GetQuote got %d calls, want 2 (no retries)", n)
	}

	t.Run("server down", func(t *testing.T) {
		down := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
		g := startSOAPGateway(t, down, map[string]string{
			"up.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", "", ""),
			"vs.yaml": soapVS(false, "shipping"),
		})
		g.query("", `{ listCarriers { code } }`, nil).noErrors(t)
		down.Close()
		r := g.query("", `{ listCarriers { code } }`, nil)
		soapError(t, r, `["listCarriers"]`, "shipping", "UPSTREAM_UNAVAILABLE")
		equalJSON(t, r.Data, `{"listCarriers":null}`)
	})
}

// TestSOAPTransport: what reaches the server besides the body, in both
// SOAP versions: the Content-Type and action, the upstream's static
// headers, the client headers it forwards (and no others), the request
// id, and a WS-Security UsernameToken.
func TestSOAPTransport(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	for _, v := range []struct{ port, soap, envNS, contentType, soapAction string }{
		{"ShippingPort", "", soaptest.NS11, "text/xml; charset=utf-8", `"http://example.com/shipping/ListCarriers"`},
		{"ShippingPort12", "    soapVersion: \"1.2\"\n", soaptest.NS12, `application/soap+xml; charset=utf-8; action="http://example.com/shipping/ListCarriers"`, ""},
	} {
		t.Run(v.port, func(t *testing.T) {
			g := startSOAPGateway(t, s, map[string]string{
				"up.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", "  headers: {X-Static: fixed}\n  forwardHeaders: [X-Tenant]\n",
					v.soap+"    wsSecurity: {username: svc-user, password: \"p&ss <word>\"}\n"),
				"vs.yaml": soapVS(false, "shipping"),
			})
			r := g.query("", `{ listCarriers { code } }`, nil, "X-Tenant", "acme", "X-Other", "secret", "X-Request-Id", "req-7")
			r.noErrors(t)
			req := s.Last(v.port + "/ListCarriers")
			for name, want := range map[string]string{"Content-Type": v.contentType, "SOAPAction": v.soapAction,
				"X-Static": "fixed", "X-Tenant": "acme", "X-Other": "", "X-Request-Id": "req-7"} {
				if got := req.Header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			sec := req.SOAPHeader("Security")
			if sec == nil || sec.Name.Space != soaptest.NSWSSE {
				t.Fatalf("no wsse:Security header: %v", req.Headers)
			}
			if mu, _ := sec.AttrNS(v.envNS, "mustUnderstand"); mu != "1" && mu != "true" {
				t.Errorf("mustUnderstand %q, want it set in the envelope's namespace: %s", mu, sec)
			}
			checkNode(t, "Security", sec, map[string]string{"UsernameToken/Username": "svc-user", "UsernameToken/Password": "p&ss <word>"})
			if typ := sec.Get("UsernameToken/Password/@Type"); !strings.HasSuffix(typ, "#PasswordText") {
				t.Errorf("password type %q", typ)
			}
			checkSpace(t, "Security", sec, map[string]string{"UsernameToken/Username": soaptest.NSWSSE})
		})
	}
}

// TestSOAPCalls: identical calls in one request reach the server once;
// endpoint replaces the WSDL's addresses; a SOAP header whose client
// header is missing fails the field before any call.
func TestSOAPCalls(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	// The fixture as it is, its addresses at example.com: only endpoint
	// leads to the server.
	orig := map[string]string{}
	for _, f := range []string{"shipping.wsdl", "shipping-types.xsd", "shipping-enums.xsd", "common.xsd"} {
		b, err := os.ReadFile(filepath.Join(soapFixtures, "shipping", f))
		if err != nil {
			t.Fatal(err)
		}
		orig["orig/"+f] = string(b)
	}
	orig["up.yaml"] = soapUpstream("shipping", "orig/shipping.wsdl", "", "    endpoint: "+s.URL()+"/soap\n"+
		"    soapHeaders:\n      AuthHeader: '{\"username\": \"{headers.x-user}\", \"token\": \"{headers.x-session}\"}'\n")
	orig["vs.yaml"] = soapVS(false, "shipping")
	dir := writeConfig(t, orig)
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})

	t.Run("identical calls once", func(t *testing.T) {
		s.Reset()
		r := g.query("", `{ a: getQuote(fromZip: "10001", toZip: "10115", parcel: [{weight: 1}]) { quoteId }
			b: getQuote(fromZip: "10001", toZip: "10115", parcel: [{weight: 1}]) { price { value } }
			c: getQuote(fromZip: "10001", toZip: "20115", parcel: [{weight: 1}]) { transitDays } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"a":[{"quoteId":"9007199254740993"},{"quoteId":"9007199254740994"}],
			"b":[{"price":{"value":"1.50"}},{"price":{"value":"1.75"}}],"c":[{"transitDays":3},{"transitDays":4}]}`)
		if n := s.Calls("ShippingPort/GetQuote"); n != 2 {
			t.Errorf("GetQuote got %d calls for 2 distinct requests, want 2", n)
		}
		if p := s.Last("ShippingPort/GetQuote").Path; p != "/soap" {
			t.Errorf("sent to %s", p)
		}
	})

	t.Run("missing client header", func(t *testing.T) {
		r := g.query("", `mutation { trackShipment(id: 1) { event { code } } }`, nil, "X-User", "alice")
		ext := soapError(t, r, `["trackShipment"]`, "shipping", "UPSTREAM_REQUEST_INVALID")
		if len(ext) != 2 {
			t.Errorf("extensions %v", ext)
		}
		if msg, _ := r.Errors[0]["message"].(string); !strings.Contains(msg, "token") || !strings.Contains(msg, "required") {
			t.Errorf("message %q does not name the missing value", msg)
		}
		if n := s.Calls("ShippingPort/TrackShipment"); n != 0 {
			t.Errorf("%d calls reached the server", n)
		}
	})

	t.Run("a request value the schema refuses", func(t *testing.T) {
		calls := s.Calls("ShippingPort/GetQuote")
		r := g.query("", `{ getQuote(fromZip: "10001", toZip: "10115", parcel: [{weight: "1e3"}]) { quoteId } }`, nil)
		soapError(t, r, `["getQuote"]`, "shipping", "UPSTREAM_REQUEST_INVALID")
		if s.Calls("ShippingPort/GetQuote") != calls {
			t.Error("the request reached the server")
		}
	})
}

// TestSOAPConfigErrors loads configs whose SOAP upstream or bindings are
// wrong, as weft validate does: each is one error naming the file, line
// and field (for a broken WSDL, the WSDL's own file and line).
func TestSOAPConfigErrors(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	wsdlText, err := os.ReadFile(filepath.Join(soapFixtures, "shipping", "shipping.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	// The line of the portType's end tag, which the broken copy misspells.
	brokenLine := strings.Count(string(wsdlText[:strings.Index(string(wsdlText), "</wsdl:portType>")]), "\n") + 1
	tests := []struct {
		name, soap, sdl string
		broken          bool
		want            []string
	}{
		{"missing WSDL file", "", "", false, nil},
		{"malformed WSDL", "", "", true, []string{"cfg/up.yaml:6:11: spec.soap.wsdl: WSDL of upstream shipping: ", "shipping.wsdl:" + itoa(brokenLine) + ": malformed XML: <wsdl:portType> closed by </wsdl:portTyp>"}},
		{"unknown operation", "    operations: {GetQuote: Mutation, NoSuchOp: Query}\n", "", false,
			[]string{"cfg/up.yaml:7:48: spec.soap.operations.NoSuchOp: the WSDL has no operation NoSuchOp"}},
		{"operation kind", "    operations: {GetQuote: Subscription}\n", "", false,
			[]string{`cfg/up.yaml:7:28: spec.soap.operations.GetQuote: "Subscription": want Query or Mutation`}},
		{"undeclared SOAP header", "    soapHeaders: {Session: '{\"id\": \"{headers.x-session}\"}'}\n", "", false,
			[]string{"cfg/up.yaml:7:28: spec.soap.soapHeaders.Session: no operation declares a soap:header Session"}},
		{"SOAP header reading arguments", "    soapHeaders: {AuthHeader: '{\"username\": \"{args.x}\", \"token\": \"t\"}'}\n", "", false,
			[]string{"cfg/up.yaml:7:31: spec.soap.soapHeaders.AuthHeader: a SOAP header reads only the client's headers ({headers.x}), not {args.x}"}},
		{"malformed SOAP header", "    soapHeaders: {AuthHeader: '{\"username\": '}\n", "", false,
			[]string{"cfg/up.yaml:7:31: spec.soap.soapHeaders.AuthHeader: body is not JSON: "}},
		{"SOAP version", "    soapVersion: \"1.3\"\n", "", false,
			[]string{`cfg/up.yaml:7:18: spec.soap.soapVersion: "1.3": want 1.1 or 1.2`}},
		{"endpoint", "    endpoint: ftp://example.com/soap\n", "", false,
			[]string{`cfg/up.yaml:7:15: spec.soap.endpoint: "ftp://example.com/soap" is not an http or https URL`}},
		{"unknown operation in a binding", "", `extend type Query { q: [Quote!] @soap(upstream: "shipping", operation: "ShippingPort/GetQuot") }`, false,
			[]string{"cfg/api.graphql:1:", `upstream "shipping" has no operation "ShippingPort/GetQuot" (did you mean "ShippingPort/GetQuote"?)`}},
		{"request part unknown", "", `extend type Query { q(zip: String!): [Quote!] @soap(upstream: "shipping", operation: "ShippingPort/GetQuote",
  request: {fromZip: "{args.zip}", toZip: "1", parcel: [], zipCode: "{args.zip}"}) }`, false,
			[]string{"cfg/api.graphql:2:", `the request of ShippingPort/GetQuote has no part "zipCode"`}},
		{"request reads a missing argument", "", `extend type Query { q: [Quote!] @soap(upstream: "shipping", operation: "ShippingPort/GetQuote",
  request: {fromZip: "{args.zip}", toZip: "1", parcel: []}) }`, false,
			[]string{"cfg/api.graphql:2:", "{args.zip}"}},
		{"wrong result type", "", `extend type Query { q: Carrier @soap(upstream: "shipping", operation: "ShippingPort/ListCarriers") }`, false,
			[]string{"cfg/api.graphql:1:", "list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wsdl := "wsdl/shipping.wsdl"
			if tt.name == "missing WSDL file" {
				wsdl = "wsdl/nope.wsdl"
				tt.want = []string{"cfg/up.yaml:6:11: spec.soap.wsdl: WSDL of upstream shipping: ", "nope.wsdl"}
			}
			files := map[string]string{
				"up.yaml": soapUpstream("shipping", wsdl, "", tt.soap),
				"vs.yaml": soapVS(tt.sdl != "", "shipping"),
			}
			if tt.sdl != "" {
				files["api.graphql"] = tt.sdl
			}
			dir := soapConfig(t, s, files)
			if tt.broken {
				p := filepath.Join(dir, "wsdl", "shipping.wsdl")
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(strings.Replace(string(b), "</wsdl:portType>", "</wsdl:portTyp>", 1)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := loadSOAPConfig(t, dir)
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, want)
				}
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("want one error, not a cascade; got %d:\n%v", n, err)
			}
		})
	}
}

// TestDemoShippingQuote: the demo's Product.shippingQuote comes from its
// SOAP shipping service, one call per distinct (product, zip), and the
// service's fault nulls the quote alone.
func TestDemoShippingQuote(t *testing.T) {
	g := startDemo(t)
	g.ups.ResetCalls()
	r := g.query("", `{ product(upc: "1") { name shippingQuote(zip: "10001") { cost days } } }`, nil)
	r.noErrors(t)
	// Product 1 to zone 0: 495 + 1*100 cents, one day.
	equalJSON(t, r.Data, `{"product":{"name":"Table","shippingQuote":{"cost":595,"days":1}}}`)
	if n := g.ups.Calls(demo.ShippingQuotes); n != 1 {
		t.Errorf("shipping got %d quotes, want 1", n)
	}

	g.ups.ResetCalls()
	r = g.query("", `{ a: product(upc: "2") { shippingQuote(zip: "94105") { cost carrier } } b: product(upc: "2") { name shippingQuote(zip: "94105") { days } }
		products { upc shippingQuote(zip: "94105") { carrier } } }`, nil)
	r.noErrors(t)
	// The couch goes by freight to zone 3: 495 + 2*100 + 3*250 + 2500 cents, 1+3+3 days;
	// a, b and the list ask the same quote for it once.
	equalJSON(t, r.Data, `{"a":{"shippingQuote":{"cost":3945,"carrier":"FREIGHT"}},"b":{"name":"Couch","shippingQuote":{"days":7}},
		"products":[{"upc":"1","shippingQuote":{"carrier":"POST"}},{"upc":"2","shippingQuote":{"carrier":"FREIGHT"}},
		{"upc":"3","shippingQuote":{"carrier":"POST"}},{"upc":"4","shippingQuote":{"carrier":"POST"}},{"upc":"5","shippingQuote":{"carrier":"POST"}}]}`)
	if n := g.ups.Calls(demo.ShippingQuotes); n != 5 {
		t.Errorf("shipping got %d quotes for 5 distinct products, want 5", n)
	}

	g.ups.ResetCalls()
	r = g.query("", `{ product(upc: "3") { name shippingQuote(zip: "1<0") { cost } } }`, nil)
	ext := soapError(t, r, `["product","shippingQuote"]`, "shipping", "UPSTREAM_ERROR")
	equalJSON(t, r.Data, `{"product":{"name":"Chair","shippingQuote":null}}`)
	if ext["faultCode"] != "Client" || ext["faultString"] != "zip must be 5 digits" || ext["status"] != float64(500) {
		t.Errorf("extensions %v", ext)
	}
	if n := g.ups.Calls(demo.ShippingQuotes); n != 1 {
		t.Errorf("shipping got %d quotes, want 1", n)
	}
}

// TestSOAPSharedSpecs loads every WSDL of the shared spec collection (it
// sits beside the repository on the project's machines; a clone elsewhere
// has none, and the test is skipped) as an Upstream, with a VirtualService
// that includes its generated fields, through the loader: each builds,
// and serves one root field per operation the importer keeps, but the one
// broken on purpose, which fails with its file and line.
func TestSOAPSharedSpecs(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "specs"))
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Skipf("no shared spec collection at %s: %v", dir, err)
	}
	failing := map[string][]string{
		"wsdl/vpulim__node-soap/test/wsdl/default_namespace_soap12.wsdl": {"cfg/up.yaml:6:11: spec.soap.wsdl: WSDL of upstream api: ",
			"default_namespace_soap12.wsdl:30:", "prefix soap, which is not declared"},
	}
	var entries []string
	var cols map[string]int
	for _, line := range strings.Split(strings.TrimSpace(string(index)), "\n") {
		row := strings.Split(line, "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range row {
				cols[c] = i
			}
			continue
		}
		if len(row) > cols["entry"] && row[cols["kind"]] == "wsdl" {
			entries = append(entries, row[cols["entry"]])
		}
	}
	if len(entries) == 0 {
		t.Fatal("the index lists no wsdl entries")
	}
	for _, entry := range entries {
		name := strings.NewReplacer("/", "__").Replace(strings.TrimSuffix(strings.TrimPrefix(entry, "wsdl/"), ".wsdl"))
		t.Run(name, func(t *testing.T) {
			files := map[string]string{
				"up.yaml": soapUpstream("api", filepath.Join(dir, filepath.FromSlash(entry)), "", ""),
				"vs.yaml": soapVS(false, "api"),
			}
			cfg := writeConfig(t, files)
			if want, ok := failing[entry]; ok {
				err := loadSOAPConfig(t, cfg)
				for _, w := range want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error:\n%v\nwant it to contain %q", err, w)
					}
				}
				return
			}
			loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
			snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(cfg), Dir: ".", DisplayRoot: "cfg", OSDir: cfg}, nil)
			if err != nil {
				t.Fatalf("does not load:\n%v", err)
			}
			defer virtualservices.CloseSnapshot(snap)
			// As many root fields as the importer keeps operations.
			defs, err := wsdl.Load(context.Background(), filepath.Join(dir, filepath.FromSlash(entry)), wsdl.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := wsdl.Import(defs, wsdl.Options{Upstream: "api"})
			if err != nil {
				t.Fatal(err)
			}
			api := snap.API("api")
			if api == nil {
				t.Fatal("no API for the VirtualService")
			}
			n := 0
			for _, root := range []*ast.Definition{api.Schema.AST.Query, api.Schema.AST.Mutation} {
				if root == nil {
					continue
				}
				for _, f := range root.Fields {
					if strings.HasPrefix(f.Name, "__") {
						continue
					}
					n++
					if b := api.Schema.Binding(root.Name, f.Name); b == nil || b.Request == nil || b.Kind != soap.KindName {
						t.Errorf("%s.%s has no @soap binding", root.Name, f.Name)
					}
				}
			}
			if n != res.Fields || n == 0 {
				t.Errorf("the API serves %d root fields; the importer keeps %d operations", n, res.Fields)
			}
		})
	}
}

// TestSOAPVersionOfTheBinding: soapVersion chooses between two bindings
// of one port type; a port type bound in one version only is called in
// that version whatever soapVersion says.
func TestSOAPVersionOfTheBinding(t *testing.T) {
	inv := soaptest.Start(t, soaptest.Inventory(), soaptest.Options{})
	legacy := soaptest.Start(t, soaptest.Legacy(), soaptest.Options{})
	g := startSOAPGateway(t, inv, map[string]string{
		"up.yaml": soapUpstream("inventory", "wsdl/inventory.wsdl", "", "    soapVersion: \"1.1\"\n"),
		"vs.yaml": soapVS(false, "inventory"),
	})
	r := g.query("", `{ checkStock(input: "ab") { value } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"checkStock":{"value":14}}`)
	if v := inv.Last("InventoryPort/CheckStock").Version; v != soaptest.V12 {
		t.Errorf("a SOAP 1.2 binding was called in SOAP %s", v)
	}
	g = startSOAPGateway(t, legacy, map[string]string{
		"up.yaml": soapUpstream("legacy", "wsdl/legacy.wsdl", "", "    soapVersion: \"1.2\"\n"),
		"vs.yaml": soapVS(false, "legacy"),
	})
	r = g.query("", `{ validate(validationRequest: {text: "x"}) }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"validate":"valid: 1 characters"}`)
	if v := legacy.Last("LegacyPort/Validate").Version; v != soaptest.V11 {
		t.Errorf("a SOAP 1.1 binding was called in SOAP %s", v)
	}
}

// TestSOAPTLS: an https endpoint is called with the upstream's CA.
func TestSOAPTLS(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{TLS: true})
	g := startSOAPGateway(t, s, map[string]string{
		"up.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", "  tls: {caFile: ca.pem}\n", ""),
		"vs.yaml": soapVS(false, "shipping"),
		"ca.pem":  string(s.CertPEM()),
	})
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("server at %s", s.URL())
	}
	r := g.query("", `{ listCarriers { code } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"listCarriers":[{"code":"UPS"},{"code":"DHL"},{"code":"ACME"}]}`)

	// Without the CA, the certificate is refused: the service is not
	// reached.
	g = startSOAPGateway(t, s, map[string]string{
		"up.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", "", ""),
		"vs.yaml": soapVS(false, "shipping"),
	})
	calls := s.Calls("ShippingPort/ListCarriers")
	r = g.query("", `{ listCarriers { code } }`, nil)
	soapError(t, r, `["listCarriers"]`, "shipping", "UPSTREAM_UNAVAILABLE")
	if s.Calls("ShippingPort/ListCarriers") != calls {
		t.Error("a call got through an untrusted certificate")
	}
}
