package soap_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/soaptest"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/upstreams/soap/envelope"
	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

// checkBuilds builds a VirtualService schema from the upstream's whole
// generated SDL and another that includes only its fragment, and checks
// that every operation the importer kept is a bound root field of each.
func checkBuilds(t *testing.T, info schema.UpstreamInfo, sdl string) {
	t.Helper()
	ups := map[string]schema.UpstreamInfo{info.Name: info}
	whole, err := schema.Build(schema.Source{File: "whole.graphql", Input: sdl}, schema.Options{Binders: testBinders(), Upstreams: ups})
	if err != nil {
		t.Fatalf("the generated SDL as a VirtualService schema does not build:\n%v", err)
	}
	for _, s := range []*schema.Schema{whole, bindGenerated(t, info)} {
		n := 0
		for _, root := range []*ast.Definition{s.AST.Query, s.AST.Mutation} {
			if root == nil {
				continue
			}
			for _, f := range root.Fields {
				if strings.HasPrefix(f.Name, "__") {
					continue
				}
				n++
				b := s.Binding(root.Name, f.Name)
				sb, _ := b.Request.(*soap.Binding)
				if b == nil || sb == nil {
					t.Errorf("%s.%s has no @soap binding", root.Name, f.Name)
					continue
				}
				if m, ok := info.Methods[sb.Operation]; !ok || m.Field != f.Name {
					t.Errorf("%s.%s is bound to %s, which the upstream knows as %+v", root.Name, f.Name, sb.Operation, m)
				}
			}
		}
		if n != len(info.Methods) || n == 0 {
			t.Errorf("%d bound root fields, %d operations", n, len(info.Methods))
		}
	}
}

// generatedSDL is the whole SDL the importer writes, as Build gives it
// its name.
func generatedSDL(t *testing.T, file string, opts wsdl.Options) string {
	t.Helper()
	defs, err := wsdl.Load(context.Background(), file, wsdl.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := wsdl.Import(defs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.SDL
}

// TestFixturesBuild builds an upstream over each WSDL fixture and a
// VirtualService schema over it, whole and included.
func TestFixturesBuild(t *testing.T) {
	dir, err := filepath.Abs(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, file, soapLines string
		opts                  wsdl.Options
	}{
		{"shipping", "shipping/shipping.wsdl", "", wsdl.Options{}},
		{"shipping12", "shipping/shipping.wsdl", "    soapVersion: \"1.2\"\n", wsdl.Options{SOAPVersion: "1.2"}},
		{"prefixed", "shipping/shipping.wsdl", "    prefix: Ship\n    operations: {GetQuote: Mutation, ShippingPort/CancelShipment: Query}\n",
			wsdl.Options{Prefix: "Ship", Kinds: map[string]string{"GetQuote": "Mutation", "ShippingPort/CancelShipment": "Query"}}},
		{"legacy", "legacy/legacy.wsdl", "", wsdl.Options{}},
		{"inventory", "inventory/inventory.wsdl", "", wsdl.Options{}},
		{"edge", "edge/edge.wsdl", "", wsdl.Options{}},
		{"edge-other", "edge/edge.wsdl", "    services: [OtherService]\n", wsdl.Options{Services: []string{"OtherService"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, filepath.FromSlash(tt.file))
			_, info, err := buildIn(t, t.TempDir(), upstreamYAML("api", file, "", tt.soapLines))
			if err != nil {
				t.Fatal(err)
			}
			tt.opts.Upstream = "api"
			checkBuilds(t, info, generatedSDL(t, file, tt.opts))
			if tt.name == "prefixed" {
				if m := info.Methods["ShippingPort/GetQuote"]; m.Operation != ast.Mutation {
					t.Errorf("GetQuote is a %s field", m.Operation)
				}
				if m := info.Methods["ShippingPort/CancelShipment"]; m.Operation != ast.Query {
					t.Errorf("CancelShipment is a %s field", m.Operation)
				}
				if info.Schema.Types["ShipQuote"] == nil {
					t.Error("no prefixed type ShipQuote")
				}
			}
		})
	}
}

// sharedSpecs lists the WSDL entries of the shared spec collection, which
// sits beside the repository on the project's machines; a clone elsewhere
// has none, and the test is skipped.
func sharedSpecs(t *testing.T) (string, []string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "specs"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Skipf("no shared spec collection at %s: %v", dir, err)
	}
	defer f.Close()
	var entries []string
	var cols map[string]int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		row := strings.Split(sc.Text(), "\t")
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
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatalf("%s lists no wsdl entries", f.Name())
	}
	return dir, entries
}

// TestSharedSpecs builds an upstream over every WSDL of the shared
// collection, and a VirtualService schema over it; the one broken on
// purpose fails at the resource's line, naming the WSDL's file and line.
func TestSharedSpecs(t *testing.T) {
	dir, entries := sharedSpecs(t)
	failing := map[string][]string{
		"wsdl/vpulim__node-soap/test/wsdl/default_namespace_soap12.wsdl": {"up.yaml:6:11: spec.soap.wsdl: WSDL of upstream api: ",
			"default_namespace_soap12.wsdl:30:", "prefix soap, which is not declared"},
	}
	for _, entry := range entries {
		name := strings.NewReplacer("/", "__").Replace(strings.TrimSuffix(strings.TrimPrefix(entry, "wsdl/"), ".wsdl"))
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, filepath.FromSlash(entry))
			_, info, err := buildIn(t, t.TempDir(), upstreamYAML("api", file, "", ""))
			if want, ok := failing[entry]; ok {
				if err == nil {
					t.Fatal("built; want an error")
				}
				for _, w := range want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkBuilds(t, info, generatedSDL(t, file, wsdl.Options{Upstream: "api"}))
		})
	}
}

// TestBuildErrors: what Build refuses, each at its spec field's line.
func TestBuildErrors(t *testing.T) {
	abs, err := filepath.Abs(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	shipping := filepath.Join(abs, "shipping", "shipping.wsdl")
	inventory, err := os.ReadFile(filepath.Join(abs, "inventory", "inventory.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	// The inventory WSDL without its service: no address to call.
	text := string(inventory)
	noService := text[:strings.Index(text, "<wsdl:service")] + "</wsdl:definitions>\n"
	tests := []struct {
		name, wsdl, transport, soap, want string
	}{
		{"no address", "noservice.wsdl", "", "", "up.yaml:5:3: spec.soap.endpoint: the WSDL names no soap:address; set endpoint"},
		{"unknown operation", shipping, "", "    operations: {ShippingPort/Nope: Query}\n", "up.yaml:7:37: spec.soap.operations.ShippingPort/Nope: the WSDL has no operation ShippingPort/Nope"},
		{"bad kind", shipping, "", "    operations: {Ping: query}\n", `up.yaml:7:24: spec.soap.operations.Ping: "query": want Query or Mutation`},
		{"bad transport option", shipping, "  tls: {caFile: missing.pem}\n", "", "up.yaml:5:8: spec.tls: upstream api: tls: caFile: "},
		{"missing wsdl", "", "", "", "spec.soap.wsdl"},
		{"no such port", shipping, "", "    ports: [ShippingPort, NoPort]\n", "up.yaml:7:27: spec.soap.ports[1]: the WSDL imports no SOAP port NoPort ("},
		{"port of a port type imported", shipping, "", "    ports: [ShippingPort, ShippingPort12]\n", "up.yaml:7:27: spec.soap.ports[1]: the WSDL imports no SOAP port ShippingPort12 ("},
		{"HTTP port", filepath.Join(abs, "edge", "edge.wsdl"), "", "    ports: [Web]\n", "up.yaml:7:13: spec.soap.ports[0]: the WSDL imports no SOAP port Web ("},
		{"no such service", shipping, "", "    services: [ShippingService, Shipping]\n", "up.yaml:7:33: spec.soap.services[1]: the WSDL imports no SOAP port of a service Shipping"},
		{"too many files", shipping, "", "    wsdlMaxFiles: 1\n", "the document spans more than 1 files (raise spec.soap.wsdlMaxFiles)"},
		{"too many bytes", shipping, "", "    wsdlMaxBytes: 100\n", "the document's files are larger than the limit of 100 bytes (raise spec.soap.wsdlMaxBytes)"},
		{"negative limit", shipping, "", "    wsdlMaxBytes: -1\n", "spec.soap.wsdlMaxBytes: -1: must not be negative (0 means the default)"},
		{"no operation", "empty.wsdl", "", "    endpoint: http://127.0.0.1:9/\n", "up.yaml:6:11: spec.soap.wsdl: the WSDL of upstream api: nothing to import: the WSDL declares no wsdl:binding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "noservice.wsdl"), []byte(noService), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "empty.wsdl"), []byte(`<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:empty"/>`), 0o644); err != nil {
				t.Fatal(err)
			}
			y := upstreamYAML("api", tt.wsdl, tt.transport, tt.soap)
			if tt.wsdl == "" {
				y = "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n  soap: {endpoint: \"http://127.0.0.1:9/\"}\n"
			}
			_, _, err := buildIn(t, dir, y)
			if err == nil {
				t.Fatal("built; want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestWSDLFromURL: a WSDL named by URL is read over HTTP with the
// upstream's client, its imports with it.
func TestWSDLFromURL(t *testing.T) {
	files := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(fixtures, "shipping"))))
	defer files.Close()
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	u, info, err := buildIn(t, t.TempDir(), upstreamYAML("shipping", files.URL+"/shipping.wsdl", "", "    endpoint: "+s.URL()+"/soap\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Methods) != 6 {
		t.Errorf("%d operations, want 6", len(info.Methods))
	}
	sch := bindGenerated(t, info)
	got := do(t, u, mustPrepare(t, u, sch, "Query", "listCarriers", nil))
	if !strings.Contains(got, `"code":"ACME"`) {
		t.Errorf("listCarriers: %s", got)
	}
	files.CloseClientConnections()
}

// TestPrepare: the envelope, headers and key of a call, before any I/O.
func TestPrepare(t *testing.T) {
	s := soaptest.Start(t, soaptest.Legacy(), soaptest.Options{})
	u, info := buildServer(t, s, "legacy", "  forwardHeaders: [X-Tenant]\n", "")
	sch := bindGenerated(t, info)
	ring := map[string]any{"ring": map[string]any{"value": 1, "next": map[string]any{"value": 2}}}

	t.Run("key", func(t *testing.T) {
		a := mustPrepare(t, u, sch, "Mutation", "spin", ring, "X-Tenant", "acme")
		b := mustPrepare(t, u, sch, "Mutation", "spin", ring, "X-Tenant", "acme", "X-Other", "x")
		c := mustPrepare(t, u, sch, "Mutation", "spin", ring, "X-Tenant", "globex")
		d := mustPrepare(t, u, sch, "Mutation", "spin", map[string]any{"ring": map[string]any{"value": 3}}, "X-Tenant", "acme")
		e := mustPrepare(t, u, sch, "Query", "describe", map[string]any{"node": map[string]any{"name": "x"}}, "X-Tenant", "acme")
		if a.Key != b.Key {
			t.Error("a header the upstream does not forward changed the key")
		}
		for name, other := range map[string]string{"forwarded header": c.Key, "arguments": d.Key, "operation": e.Key} {
			if other == a.Key {
				t.Errorf("calls that differ in their %s share a key", name)
			}
		}
	})

	t.Run("a cycle of required input", func(t *testing.T) {
		// RingInput.next is nullable so that a client can end the ring:
		// the request leaves it out.
		c := mustPrepare(t, u, sch, "Mutation", "spin", ring)
		got := do(t, u, c)
		if got != `{"value":2,"next":{"value":4,"next":null}}` {
			t.Errorf("spin: %s", got)
		}
		if n := s.Last("LegacyPort/Spin").Body.Find("ring/Next/Next"); n != nil {
			t.Errorf("sent %s", n)
		}
	})

	t.Run("bad request", func(t *testing.T) {
		calls := s.Calls("LegacyPort/Echo")
		_, err := prepare(t, u, sch, "Mutation", "echo", map[string]any{"everything": map[string]any{"aString": "x"}})
		ue := upstreamError(t, err, upstreams.CodeBadRequest)
		var ee *envelope.Error
		if !errors.As(ue, &ee) || ee.Code != envelope.BadRequest {
			t.Errorf("error %v does not wrap the codec's", ue)
		}
		if !strings.HasPrefix(ue.Msg, "cannot build the request: soap: bad request: everything.") {
			t.Errorf("message %q", ue.Msg)
		}
		if s.Calls("LegacyPort/Echo") != calls {
			t.Error("a call was made")
		}
	})
}

// TestDoErrors: the error Do returns for each way a call fails, with the
// facts the GraphQL error shows (Extensions always, Msg, Detail and
// Relayed where the upstream exposes its errors), and the cause for logs.
func TestDoErrors(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	u, info := buildServer(t, s, "shipping", "  maxResponseBytes: 4096\n", "")
	sch := bindGenerated(t, info)
	args := map[string]any{"fromZip": "10001", "toZip": "10115", "parcel": []any{map[string]any{"weight": "1"}}}
	detail := soaptest.E("urn:e", "Why", soaptest.E("urn:e", "Code", "7"))
	tests := []struct {
		name    string
		mode    soaptest.Mode
		code    upstreams.Code
		status  int
		msg     string
		detail  string
		ext     map[string]any
		relayed map[string]any
		cause   any // the type Err holds, if any
	}{
		{"fault", soaptest.Mode{Fault: &soaptest.Fault{Code: "Server", String: "boom", Actor: "urn:a", Detail: []*soaptest.Node{detail}}},
			upstreams.CodeError, 500, "SOAP fault Server", "boom",
			map[string]any{"faultCode": "Server"},
			map[string]any{"faultString": "boom", "faultActor": "urn:a", "faultDetail": map[string]any{"Why": map[string]any{"Code": "7"}}},
			&envelope.Fault{}},
		{"fault code that is not a code", soaptest.Mode{Fault: &soaptest.Fault{Code: "zip 10115 is unknown", String: "no"}},
			upstreams.CodeError, 500, "SOAP fault zip 10115 is unknown", "no",
			nil, map[string]any{"faultCode": "zip 10115 is unknown", "faultString": "no"}, &envelope.Fault{}},
		{"HTTP 500", soaptest.Mode{Status: 500, Raw: []byte("oops"), ContentType: "text/plain"},
			upstreams.CodeError, 500, "HTTP 500 Internal Server Error", "", nil, nil, nil},
		{"HTTP 503", soaptest.Mode{Status: 503, Raw: []byte("<html/>"), ContentType: "text/html"},
			upstreams.CodeUnavailable, 503, "HTTP 503 Service Unavailable", "", nil, nil, nil},
		{"HTTP 504", soaptest.Mode{Status: 504, Raw: []byte{}},
			upstreams.CodeUnavailable, 504, "HTTP 504 Gateway Timeout", "", nil, nil, nil},
		{"wrong version", soaptest.Mode{EnvelopeNS: soaptest.NS12},
			upstreams.CodeBadResponse, 200, "soap: bad response: a SOAP 1.2 envelope, but the operation speaks SOAP 1.1", "", nil, nil, &envelope.Error{}},
		{"too large", soaptest.Mode{Pad: 5000},
			upstreams.CodeBadResponse, 200, "answer is larger than the 4096 byte limit", "", nil, nil, nil},
	}
	sameJSON := func(t *testing.T, what string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		var gv, wv any
		_ = json.Unmarshal(g, &gv)
		_ = json.Unmarshal(w, &wv)
		if !reflect.DeepEqual(gv, wv) {
			t.Errorf("%s %s, want %s", what, g, w)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Set("ShippingPort/GetQuote", tt.mode)
			defer s.Clear("ShippingPort/GetQuote")
			c := mustPrepare(t, u, sch, "Query", "getQuote", args)
			_, err := u.Do(context.Background(), c)
			ue := upstreamError(t, err, tt.code)
			if ue.Upstream != "shipping" || ue.Status != tt.status || ue.Msg != tt.msg || ue.Detail != tt.detail {
				t.Errorf("error %+v", ue)
			}
			if tt.ext != nil || len(ue.Extensions) > 0 {
				sameJSON(t, "extensions", ue.Extensions, tt.ext)
			}
			if tt.relayed != nil || len(ue.Relayed) > 0 {
				sameJSON(t, "relayed", ue.Relayed, tt.relayed)
			}
			if tt.cause != nil {
				target := reflect.New(reflect.TypeOf(tt.cause)).Interface()
				if !errors.As(ue, target) {
					t.Errorf("error %v does not wrap a %T", ue, tt.cause)
				}
			}
		})
	}
}

// TestExposeErrors: the upstream tells the executor whether clients see
// what it says when a call fails; by default they do not.
func TestExposeErrors(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	for spec, want := range map[string]bool{"": false, "  exposeErrors: false\n": false, "  exposeErrors: true\n": true} {
		u, _ := buildServer(t, s, "shipping", spec, "")
		if got := u.ExposeErrors(); got != want {
			t.Errorf("spec %q: ExposeErrors() = %v, want %v", spec, got, want)
		}
	}
}
