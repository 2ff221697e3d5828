package virtualservices_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/virtualservices"
)

// startDemoFaults runs the embedded demo with faulty upstreams.
func startDemoFaults(t *testing.T, faults string) *gateway {
	t.Helper()
	f, err := demo.ParseFaults(faults)
	if err != nil {
		t.Fatal(err)
	}
	opts := demo.Loopback(0)
	opts.Faults = f
	ups, err := demo.Start(context.Background(), zerolog.Nop(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ups.Close() })
	g := startGateway(t, virtualservices.Config{FS: demo.Config(), Dir: ".", Env: ups.Env(nil)})
	g.ups = ups
	return g
}

const demoProductQuery = `{ product(upc: "1") { name price reviews { rating } stock { quantity } shippingQuote(zip: "10001") { cost days } } }`

// TestDemoFaults: whatever one demo upstream does, the product query
// answers whole: the catalog's data stands, and the broken upstream's
// field is served by its fallback, named in extensions.
func TestDemoFaults(t *testing.T) {
	fields := map[string]string{"reviews": "reviews", "inventory": "stock", "shipping": "shippingQuote"}
	want := map[string]string{"reviews": "[]", "inventory": "null", "shipping": "null"}
	for _, up := range []string{"reviews", "inventory", "shipping"} {
		for _, fault := range []string{"down", "error", "garbage"} {
			t.Run(up+"="+fault, func(t *testing.T) {
				g := startDemoFaults(t, up+"="+fault)
				r := g.query("", demoProductQuery, nil)
				data := r.Data.(map[string]any)["product"].(map[string]any)
				if data["name"] != "Table" || data["price"] == nil {
					t.Fatalf("catalog data lost: %s", r.raw)
				}
				field := fields[up]
				if fault == "error" && up == "shipping" {
					// A SOAP fault is the service's answer, not a failure
					// to reach it: the quote's fallback does not cover it.
					if len(r.Errors) != 1 || fmt.Sprint(r.Errors[0]["path"]) != "[product shippingQuote]" {
						t.Fatalf("want the fault at shippingQuote: %s", r.raw)
					}
					return
				}
				if len(r.Errors) != 0 {
					t.Fatalf("errors: %s", r.raw)
				}
				equalJSON(t, data[field], want[up])
				notes, _ := r.Extensions["fallbacks"].([]any)
				if len(notes) != 1 {
					t.Fatalf("want one fallback note: %s", r.raw)
				}
				n := notes[0].(map[string]any)
				if fmt.Sprint(n["path"]) != "[product "+field+"]" || n["upstream"] != up || n["fallback"] != "value" {
					t.Errorf("note %v", n)
				}
				// The other upstreams answered as ever.
				for other, f := range fields {
					if other != up && data[f] == nil {
						t.Errorf("%s is null: %s", f, r.raw)
					}
				}
			})
		}
	}
}

// TestDemoSlowUpstream: a slow upstream costs the request its own
// timeout, not more; the rest of the response stands.
func TestDemoSlowUpstream(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the inventory's 2s timeout")
	}
	g := startDemoFaults(t, "inventory=slow")
	start := time.Now()
	r := g.query("", demoProductQuery, nil)
	took := time.Since(start)
	if len(r.Errors) != 0 {
		t.Fatalf("errors: %s", r.raw)
	}
	data := r.Data.(map[string]any)["product"].(map[string]any)
	if data["name"] != "Table" || data["stock"] != nil || data["shippingQuote"] == nil {
		t.Fatalf("data: %s", r.raw)
	}
	notes, _ := r.Extensions["fallbacks"].([]any)
	if len(notes) != 1 || notes[0].(map[string]any)["reason"] != "UPSTREAM_TIMEOUT" {
		t.Fatalf("want one fallback for UPSTREAM_TIMEOUT: %s", r.raw)
	}
	// The inventory's timeout is 2s; the slow server would take 30s.
	if took < 2*time.Second || took > demo.SlowDelay/2 {
		t.Errorf("the request took %s: want about the inventory's 2s timeout", took)
	}
}

// TestDemoQAFaults: when the qa subgraph fails, the product stands; its
// questions and its reviews' helpful votes are null, each with the
// subgraph's error.
func TestDemoQAFaults(t *testing.T) {
	for _, tt := range []struct{ fault, code string }{{"down", "UPSTREAM_UNAVAILABLE"}, {"error", "UPSTREAM_ERROR"}, {"garbage", "UPSTREAM_BAD_RESPONSE"}} {
		t.Run(tt.fault, func(t *testing.T) {
			g := startDemoFaults(t, "qa="+tt.fault)
			r := g.query("", `{ product(upc: "1") { name questions { text } reviews { rating helpfulVotes } } }`, nil)
			equalJSON(t, r.Data, `{"product":{"name":"Table","questions":null,"reviews":[{"rating":5,"helpfulVotes":null},{"rating":4,"helpfulVotes":null}]}}`)
			paths := map[string]bool{}
			for _, e := range r.Errors {
				paths[fmt.Sprint(e["path"])] = true
				if ext, _ := e["extensions"].(map[string]any); ext["code"] != tt.code || ext["upstream"] != "community/qa" {
					t.Errorf("error %v, want %s from community/qa", e, tt.code)
				}
			}
			for _, p := range []string{"[product questions]", "[product reviews 0 helpfulVotes]", "[product reviews 1 helpfulVotes]"} {
				if !paths[p] {
					t.Errorf("no error at %s: %s", p, r.raw)
				}
			}
		})
	}
}
