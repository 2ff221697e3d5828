package envelope

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n- %s\n+ %s", file, want, got)
	}
}

// The importer's test WSDLs, which the codec's tests use the operations of.
var fixtures = []struct {
	file string
	opts wsdl.Options
}{
	{"../wsdl/testdata/wsdl/shipping/shipping.wsdl", wsdl.Options{Upstream: "shipping"}},
	{"../wsdl/testdata/wsdl/shipping/shipping.wsdl", wsdl.Options{Upstream: "shipping", SOAPVersion: "1.2"}},
	{"../wsdl/testdata/wsdl/legacy/legacy.wsdl", wsdl.Options{Upstream: "legacy"}},
	{"../wsdl/testdata/wsdl/inventory/inventory.wsdl", wsdl.Options{Upstream: "inventory"}},
}

// operations imports the fixtures and returns their operations by name
// (ShippingPort/GetQuote, ShippingPort12/GetQuote, LegacyPort/Echo...).
func operations(t testing.TB) map[string]*wsdl.Operation {
	t.Helper()
	ops := map[string]*wsdl.Operation{}
	for _, f := range fixtures {
		defs, err := wsdl.Load(context.Background(), f.file, wsdl.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := wsdl.Import(defs, f.opts)
		if err != nil {
			t.Fatal(err)
		}
		for name, op := range res.Operations {
			if op.Skipped == "" {
				op := op
				ops[name] = &op
			}
		}
	}
	return ops
}

// mirror is op answering with its own request element: decoding a
// request's envelope with it gives back the request's JSON.
func mirror(op *wsdl.Operation) *wsdl.Operation {
	m := *op
	m.Response, m.Result = op.Request, op.Request
	if op.Arg != "" {
		// The request is {arg: value}; the mirror answers the value.
		return &m
	}
	return &m
}

// sameJSON compares two JSON texts as values, numbers by their digits.
func sameJSON(t testing.TB, got, want string) bool {
	t.Helper()
	g, err := decodeJSON(got)
	if err != nil {
		t.Errorf("invalid JSON %s: %v", got, err)
		return false
	}
	w, err := decodeJSON(want)
	if err != nil {
		t.Fatalf("invalid expected JSON %s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

func decodeJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the value")
	}
	return v, nil
}

// wellFormed checks XML with encoding/xml, namespaces and all: every
// prefix declared, every tag closed.
func wellFormed(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	depth := 0
	var stack []string
	var decls []map[string]bool
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return fmt.Errorf("%d elements not closed", depth)
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			m := map[string]bool{"xml": true}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					m[a.Name.Local] = true
				}
			}
			decls = append(decls, m)
			declared := func(p string) bool {
				if p == "" {
					return true
				}
				for i := len(decls) - 1; i >= 0; i-- {
					if decls[i][p] {
						return true
					}
				}
				return false
			}
			if !declared(t.Name.Space) {
				return fmt.Errorf("prefix %s of <%s:%s> not declared", t.Name.Space, t.Name.Space, t.Name.Local)
			}
			for _, a := range t.Attr {
				if a.Name.Space != "" && a.Name.Space != "xmlns" && !declared(a.Name.Space) {
					return fmt.Errorf("prefix %s of attribute %s not declared", a.Name.Space, a.Name.Local)
				}
				// An attribute value naming a type carries a prefix too.
				if a.Name.Local == "type" || a.Name.Local == "arrayType" || a.Name.Local == "itemType" {
					if p, _, ok := strings.Cut(a.Value, ":"); ok && !declared(p) {
						return fmt.Errorf("prefix %s of %s=%q not declared", p, a.Name.Local, a.Value)
					}
				}
			}
			stack = append(stack, t.Name.Space+":"+t.Name.Local)
			depth++
		case xml.EndElement:
			if depth == 0 || stack[len(stack)-1] != t.Name.Space+":"+t.Name.Local {
				return fmt.Errorf("</%s> does not close the open element", t.Name.Local)
			}
			stack, decls = stack[:len(stack)-1], decls[:len(decls)-1]
			depth--
		}
	}
}
