package wsdl

import (
	"context"
	"fmt"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// The test WSDLs, relative to the package.
const (
	shippingWSDL  = "testdata/wsdl/shipping/shipping.wsdl"
	legacyWSDL    = "testdata/wsdl/legacy/legacy.wsdl"
	inventoryWSDL = "testdata/wsdl/inventory/inventory.wsdl"
	edgeWSDL      = "testdata/wsdl/edge/edge.wsdl"
	enumsWSDL     = "testdata/wsdl/enums/enums.wsdl"
	// missingWSDL imports files that are not there.
	missingWSDL = "testdata/wsdl/missing/weather.wsdl"
	// noBindingWSDL has no SOAP binding: nothing to import.
	noBindingWSDL = "testdata/wsdl/nobinding/nobinding.wsdl"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		name, wsdl string
		opts       Options
	}{
		{"shipping", shippingWSDL, Options{Upstream: "shipping"}},
		{"shipping12", shippingWSDL, Options{Upstream: "shipping", SOAPVersion: "1.2"}},
		{"kinds", shippingWSDL, Options{Upstream: "ship", Prefix: "Ship", Kinds: map[string]string{
			"GetQuote":                    "mutation",
			"ShippingPort/TrackShipment":  "Mutation",
			"ShippingPort/CancelShipment": "query",
			"Ping":                        "Sometimes",
			"NoSuchOperation":             "Query",
		}}},
		{"filters", shippingWSDL, Options{Upstream: "shipping", Ports: []string{"ShippingPort12"}, Services: []string{"ShippingService", "Nowhere"}}},
		{"legacy", legacyWSDL, Options{Upstream: "legacy"}},
		{"inventory", inventoryWSDL, Options{Upstream: "inventory", SOAPVersion: "1.1"}},
		{"edge", edgeWSDL, Options{Upstream: "edge"}},
		{"enums", enumsWSDL, Options{Upstream: "enums"}},
		{"missing", missingWSDL, Options{Upstream: "weather"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustImport(t, load(t, tt.wsdl), tt.opts)
			golden(t, "testdata/golden/"+tt.name+".graphql", res.SDL)
			golden(t, "testdata/golden/"+tt.name+".txt", report(res))
			s := parseSDL(t, tt.name, res.SDL)
			checkBindings(t, s, res, tt.opts.Upstream)
			checkFragment(t, res)
			again := mustImport(t, load(t, tt.wsdl), tt.opts)
			if again.SDL != res.SDL || report(again) != report(res) {
				t.Errorf("a second import differs:\n%s", diff(res.SDL, again.SDL))
			}
		})
	}
}

// TestDeterminism imports the same definitions many times: Go randomizes
// map iteration, so an order that leaked from a map would show here.
func TestDeterminism(t *testing.T) {
	for _, file := range []string{shippingWSDL, legacyWSDL, inventoryWSDL, edgeWSDL} {
		defs := load(t, file)
		first := mustImport(t, defs, Options{Upstream: "u"})
		for i := 0; i < 20; i++ {
			res := mustImport(t, defs, Options{Upstream: "u"})
			if res.SDL != first.SDL || res.Fragment != first.Fragment {
				t.Fatalf("%s: import %d differs:\n%s", file, i, diff(first.SDL, res.SDL))
			}
			if a, b := report(first), report(res); a != b {
				t.Fatalf("%s: import %d reports otherwise:\n%s", file, i, diff(a, b))
			}
		}
	}
}

func TestImportErrors(t *testing.T) {
	defs := load(t, inventoryWSDL)
	tests := []struct {
		name string
		defs *Definitions
		opts Options
		want string
	}{
		{"no definitions", nil, Options{Upstream: "u"}, "no definitions"},
		{"no upstream", defs, Options{}, "Upstream is required"},
		{"bad prefix", defs, Options{Upstream: "u", Prefix: "a-b"}, `prefix "a-b"`},
		{"bad version", defs, Options{Upstream: "u", SOAPVersion: "2"}, `SOAPVersion "2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import(tt.defs, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestUpstreamYAML(t *testing.T) {
	tests := []struct {
		name, wsdl string
		endpoint   string
		version    string
		// headers are the soap:header parts the operations declare.
		headers []string
	}{
		{"shipping", shippingWSDL, "http://shipping.example.com/soap", "1.1", []string{"AuthHeader"}},
		{"inventory", inventoryWSDL, "http://inventory.example.com/soap12", "1.2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustImport(t, load(t, tt.wsdl), Options{Upstream: tt.name})
			text := res.UpstreamYAML(tt.name)
			var doc struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string
				Metadata   struct{ Name string }
				Spec       struct{ SOAP map[string]any }
			}
			if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if doc.Kind != "Upstream" || doc.Metadata.Name != tt.name || doc.APIVersion != "weft.dev/v1" {
				t.Errorf("envelope %+v", doc)
			}
			want := map[string]any{"wsdl": tt.wsdl, "endpoint": tt.endpoint}
			if fmt.Sprint(doc.Spec.SOAP) != fmt.Sprint(want) {
				t.Errorf("spec.soap = %v, want %v\n%s", doc.Spec.SOAP, want, text)
			}
			// The commented lines become a valid block once uncommented.
			var open struct {
				Spec struct{ SOAP map[string]any }
			}
			if err := yaml.Unmarshal([]byte(strings.ReplaceAll(text, "    # ", "    ")), &open); err != nil {
				t.Fatalf("uncommented: %v\n%s", err, text)
			}
			env := strings.ToUpper(tt.name)
			wantOpen := map[string]any{"wsdl": tt.wsdl, "endpoint": tt.endpoint, "soapVersion": tt.version,
				"wsSecurity": map[string]any{"username": "${" + env + "_USERNAME}", "password": "${" + env + "_PASSWORD}"}}
			if len(tt.headers) > 0 {
				h := map[string]any{}
				for _, name := range tt.headers {
					h[name] = "{}"
				}
				wantOpen["soapHeaders"] = h
			}
			if fmt.Sprint(open.Spec.SOAP) != fmt.Sprint(wantOpen) {
				t.Errorf("uncommented spec.soap = %v, want %v", open.Spec.SOAP, wantOpen)
			}
		})
	}
	res := &Result{WSDL: "x.wsdl"}
	if text := res.UpstreamYAML("my-svc"); !strings.Contains(text, `endpoint: "${MY_SVC_ENDPOINT}"`) {
		t.Errorf("no endpoint: want an environment variable:\n%s", text)
	}
}

// TestWarningsPoint checks that every warning about the test WSDLs names a
// file and a line that declares what it is about.
func TestWarningsPoint(t *testing.T) {
	for _, file := range []string{shippingWSDL, legacyWSDL, inventoryWSDL, edgeWSDL, missingWSDL} {
		defs, err := Load(context.Background(), file, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res := mustImport(t, defs, Options{Upstream: "u"})
		for _, w := range res.Warnings {
			if w.File == "" || w.Line == 0 || w.Element == "" {
				t.Errorf("imprecise warning: %+v", w)
			}
		}
	}
}
