package virtualservices_test

// End-to-end tests of fallbacks and resilience against every fault of
// internal/faults, for every protocol: a gateway over a healthy upstream
// and a flaky one of the same kind (REST, GraphQL, gRPC, SOAP), the flaky
// one a real server behind a faults.Injector. Each row sets a fault and
// asks for a field of the flaky upstream with a static fallback, one
// without, and one of the healthy upstream.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/weft-gateway/weft/internal/faults"
	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/internal/soaptest"
	"github.com/weft-gateway/weft/virtualservices"
)

// faultTimeout is the flaky upstream's timeout in the rows of slow and
// hanging upstreams: what such an upstream costs a request.
const faultTimeout = 200 * time.Millisecond

// faultPatience is the flaky upstream's timeout in the other rows: long
// enough that a busy machine never meets it, so each row sees its own
// fault's failure.
const faultPatience = 10 * time.Second

// faultMargin is how long a request may take on a slow, busy machine (the
// race detector, two cores, parallel tests) past the timeout it waits for,
// if any.
const faultMargin = 4 * time.Second

// faultLimit is the flaky upstream's answer size limit (maxResponseBytes,
// or gRPC's maxMessageBytes), which Huge answers pass.
const faultLimit = 65536

// The reason codes a fault can give.
const (
	codeTimeout     = "UPSTREAM_TIMEOUT"
	codeUnavailable = "UPSTREAM_UNAVAILABLE"
	codeError       = "UPSTREAM_ERROR"
	codeBadResponse = "UPSTREAM_BAD_RESPONSE"
	codeCircuitOpen = "UPSTREAM_CIRCUIT_OPEN"
	codeOverloaded  = "UPSTREAM_OVERLOADED"
)

// expect is a reason code per protocol.
type expect struct{ rest, graphql, grpc, soap string }

func (e expect) of(protocol string) string {
	return map[string]string{"rest": e.rest, "graphql": e.graphql, "grpc": e.grpc, "soap": e.soap}[protocol]
}

func every(code string) expect { return expect{code, code, code, code} }

// faultRow is a fault, and the reason code it gives per protocol.
type faultRow struct {
	name  string
	fault faults.Fault
	// timeout is the flaky upstream's timeout, which the request waits
	// for; zero: faultPatience, which it must not wait for.
	timeout time.Duration
	// want is the reason code of the fallback, and the code of the error
	// of the field without one, unless bare says otherwise.
	want expect
	bare *expect
	// bugs holds, per protocol, a gateway bug the row exposes: there the
	// row is skipped when it fails, saying what it saw.
	bugs map[string]string
}

// faultRows are the faults and the codes they give: the table of the
// suite.
func faultRows() []faultRow {
	return []faultRow{
		{name: "slow", fault: faults.Slow(30 * time.Second), timeout: faultTimeout, want: every(codeTimeout)},
		{name: "hang", fault: faults.Hang(), timeout: faultTimeout, want: every(codeTimeout)},
		{name: "down", fault: faults.Down(), want: every(codeUnavailable)},
		{name: "reset", fault: faults.Reset(), want: every(codeUnavailable)},
		// A SOAP 500 is a SOAP Fault; a GraphQL 5xx or 429 without data is
		// the call failing, whatever errors its body holds.
		{name: "status 500", fault: faults.Status(500, 0), want: every(codeError)},
		{name: "status 502", fault: faults.Status(502, 0), want: every(codeUnavailable)},
		{name: "status 503 retry-after", fault: faults.Status(503, time.Second), want: every(codeUnavailable)},
		{name: "status 504", fault: faults.Status(504, 0), want: every(codeUnavailable)},
		// gRPC: RESOURCE_EXHAUSTED, with a RetryInfo.
		{name: "status 429 retry-after", fault: faults.Status(429, time.Second), want: every(codeError)},
		{name: "malformed", fault: faults.Malformed(), want: every(codeBadResponse)},
		// GraphQL's result coercion takes a number for a String and a numeric
		// string for an Int, and the gateway does: the Boolean field, sent as
		// a string, is what cannot fit.
		{name: "wrong types", fault: faults.WrongTypes(), want: every(codeBadResponse)},
		{name: "huge", fault: faults.Huge(1 << 20), want: every(codeBadResponse)},
	}
}

// faultProtocol is one kind of upstream: how to start a healthy server and
// a flaky one of it, and the config of a gateway over them.
type faultProtocol struct {
	name string
	// healthy starts the server the healthy upstream (and the replica)
	// call; it serves every row of the protocol.
	healthy func(t *testing.T) string
	// flaky starts a server behind inj, for one row.
	flaky func(t *testing.T, inj *faults.Injector) string
	// config writes the config: upstreams healthy and replica at h, flaky
	// at f with spec lines (indented by two spaces) added; a VirtualService
	// whose Query has good (healthy), faulty (flaky, with the static
	// fallback value), bare (flaky, no fallback), stale (flaky, a stale
	// fallback) and replica (flaky, a replica fallback).
	config func(t *testing.T, h, f, spec string) virtualservices.Config
	// sel selects the fields of each.
	sel string
	// value is faulty's fallback value, as the response has it.
	value string
}

func faultProtocols() []faultProtocol {
	return []faultProtocol{restFaults(), graphQLFaults(), grpcFaults(), soapFaults()}
}

// itemSDL is the Query of the REST and GraphQL gateways; binding makes a
// field's binding to an upstream for an item id.
func itemSDL(binding func(upstream, id string) string) string {
	return `type Query {
  good: Item ` + binding("healthy", "good") + `
  faulty: Item ` + binding("flaky", "faulty") + ` @fallback(value: {id: "fallback", name: "fallback", price: 0, inStock: false})
  bare: Item ` + binding("flaky", "bare") + `
  stale: Item ` + binding("flaky", "stale") + ` @fallback(stale: "1m")
  replica: Item ` + binding("flaky", "replica") + ` @fallback(upstream: "replica")
}
type Item { id: ID! name: String! price: Int! inStock: Boolean! }
`
}

// upstreamYAML is an Upstream resource with spec lines and a kind block.
func upstreamYAML(name, spec, kind string) string {
	return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: " + name + "}\nspec:\n" + spec + kind + "---\n"
}

func dirConfig(dir string) virtualservices.Config {
	return virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir}
}

// restItems answers GET /items/{id} with the item.
func restItems() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, "/items/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": %q, "name": "Lamp %s", "price": %d, "inStock": true}`, id, id, 10*len(id))
	})
}

// startHTTPUpstream serves h on loopback, behind inj when it is not nil.
func startHTTPUpstream(t *testing.T, h http.Handler, p faults.Protocol, inj *faults.Injector) string {
	t.Helper()
	if inj != nil {
		h = inj.HTTP(h, p)
	}
	s := httptest.NewUnstartedServer(h)
	if inj != nil {
		s.Listener = inj.Listener(s.Listener)
	}
	s.Start()
	t.Cleanup(s.Close)
	return s.URL
}

func restFaults() faultProtocol {
	return faultProtocol{
		name:    "rest",
		healthy: func(t *testing.T) string { return startHTTPUpstream(t, restItems(), faults.JSON, nil) },
		flaky: func(t *testing.T, inj *faults.Injector) string {
			return startHTTPUpstream(t, restItems(), faults.JSON, inj)
		},
		config: func(t *testing.T, h, f, spec string) virtualservices.Config {
			rest := func(url string) string { return "  rest: {baseURL: \"" + url + "\"}\n" }
			sdl := itemSDL(func(up, id string) string { return `@rest(upstream: "` + up + `", path: "/items/` + id + `")` })
			return dirConfig(writeConfig(t, map[string]string{
				"upstreams.yaml": upstreamYAML("healthy", "", rest(h)) + upstreamYAML("replica", "", rest(h)) +
					upstreamYAML("flaky", fmt.Sprintf("  maxResponseBytes: %d\n", faultLimit)+spec, rest(f)),
				"api.yaml": vsYAML(sdl),
			}))
		},
		sel:   "id name price inStock",
		value: `{"id": "fallback", "name": "fallback", "price": 0, "inStock": false}`,
	}
}

// graphQLItems is a GraphQL server of the schema graphQLItemsSDL: each
// root field item(id) answers the item, under its alias.
func graphQLItems() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		doc, err := parser.ParseQuery(&ast.Source{Input: req.Query})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		data := map[string]any{}
		for _, op := range doc.Operations {
			for _, sel := range op.SelectionSet {
				f, ok := sel.(*ast.Field)
				if !ok || f.Name != "item" {
					continue
				}
				id := ""
				if a := f.Arguments.ForName("id"); a != nil {
					v, _ := a.Value.Value(req.Variables)
					id = fmt.Sprint(v)
				}
				item := map[string]any{"id": id, "name": "Lamp " + id, "price": 10 * len(id), "inStock": true, "__typename": "Item"}
				out := map[string]any{}
				for _, s := range f.SelectionSet {
					if sf, ok := s.(*ast.Field); ok {
						out[sf.Alias] = item[sf.Name]
					}
				}
				data[f.Alias] = out
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	})
}

const graphQLItemsSDL = "type Query { item(id: ID!): Item } type Item { id: ID! name: String! price: Int! inStock: Boolean! }"

func graphQLFaults() faultProtocol {
	return faultProtocol{
		name:    "graphql",
		healthy: func(t *testing.T) string { return startHTTPUpstream(t, graphQLItems(), faults.GraphQL, nil) },
		flaky: func(t *testing.T, inj *faults.Injector) string {
			return startHTTPUpstream(t, graphQLItems(), faults.GraphQL, inj)
		},
		config: func(t *testing.T, h, f, spec string) virtualservices.Config {
			gql := func(url string) string {
				return "  graphql: {url: \"" + url + "\", schema: {inline: \"" + graphQLItemsSDL + "\"}}\n"
			}
			sdl := itemSDL(func(up, id string) string {
				return `@graphql(upstream: "` + up + `", field: "item", args: {id: "` + id + `"})`
			})
			return dirConfig(writeConfig(t, map[string]string{
				"upstreams.yaml": upstreamYAML("healthy", "", gql(h)) + upstreamYAML("replica", "", gql(h)) +
					upstreamYAML("flaky", fmt.Sprintf("  maxResponseBytes: %d\n", faultLimit)+spec, gql(f)),
				"api.yaml": vsYAML(sdl),
			}))
		},
		sel:   "id name price inStock",
		value: `{"id": "fallback", "name": "fallback", "price": 0, "inStock": false}`,
	}
}

func grpcFaults() faultProtocol {
	return faultProtocol{
		name: "grpc",
		healthy: func(t *testing.T) string {
			return startKitchen(t, grpctest.Options{}).Addr()
		},
		flaky: func(t *testing.T, inj *faults.Injector) string {
			return startKitchen(t, grpctest.Options{ServerOptions: inj.GRPCOptions(), Listener: inj.Listener}).Addr()
		},
		config: func(t *testing.T, h, f, spec string) virtualservices.Config {
			get := func(up, id string) string {
				return `@grpc(upstream: "` + up + `", method: "weft.test.v1.Kitchen/GetItem", request: {id: "` + id + `"})`
			}
			return dirConfig(kitchenConfig(t, map[string]string{
				"upstreams.yaml": kitchenUpstream("kitchen", h, "") + "---\n" + kitchenUpstream("replica", h, "") + "---\n" +
					kitchenUpstream("flaky", f, spec) + fmt.Sprintf("    maxMessageBytes: %d\n", faultLimit),
				"vs.yaml": includeVS(true),
				"api.graphql": `extend type Query {
  good: Item ` + get("kitchen", "good") + `
  faulty: Item ` + get("flaky", "faulty") + ` @fallback(value: {id: "fallback", name: "fallback", price: "0"})
  bare: Item ` + get("flaky", "bare") + `
  stale: Item ` + get("flaky", "stale") + ` @fallback(stale: "1m")
  replica: Item ` + get("flaky", "replica") + ` @fallback(upstream: "replica")
}
`,
			}))
		},
		sel:   "id name price",
		value: `{"id": "fallback", "name": "fallback", "price": "0"}`,
	}
}

// soapQuoteRequest is the GetQuote request every SOAP field sends.
const soapQuoteRequest = `request: {fromZip: "10001", toZip: "10115", parcel: [{weight: "1"}]}`

func soapFaults() faultProtocol {
	return faultProtocol{
		name: "soap",
		healthy: func(t *testing.T) string {
			return soaptest.Start(t, soaptest.Shipping(), soaptest.Options{}).URL()
		},
		flaky: func(t *testing.T, inj *faults.Injector) string {
			wrap := func(h http.Handler) http.Handler { return inj.HTTP(h, faults.SOAP) }
			return soaptest.Start(t, soaptest.Shipping(), soaptest.Options{Handler: wrap, Listener: inj.Listener}).URL()
		},
		config: func(t *testing.T, h, f, spec string) virtualservices.Config {
			quote := func(up string) string {
				return `@soap(upstream: "` + up + `", operation: "ShippingPort/GetQuote", ` + soapQuoteRequest + `)`
			}
			// Each upstream's endpoint replaces the fixture's addresses.
			endpoint := func(url string) string { return "    endpoint: " + url + "/soap\n" }
			dir := writeConfig(t, map[string]string{
				"upstreams.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", "", endpoint(h)) + "---\n" +
					soapUpstream("replica", "wsdl/shipping.wsdl", "", endpoint(h)) + "---\n" +
					soapUpstream("flaky", "wsdl/shipping.wsdl", fmt.Sprintf("  maxResponseBytes: %d\n", faultLimit)+spec, endpoint(f)),
				"vs.yaml": soapVS(true, "shipping"),
				"api.graphql": `extend type Query {
  good: [Quote!] ` + quote("shipping") + `
  faulty: [Quote!] ` + quote("flaky") + ` @fallback(value: [])
  bare: [Quote!] ` + quote("flaky") + `
  stale: [Quote!] ` + quote("flaky") + ` @fallback(stale: "1m")
  replica: [Quote!] ` + quote("flaky") + ` @fallback(upstream: "replica")
}
`,
			})
			if err := os.CopyFS(filepath.Join(dir, "wsdl"), os.DirFS(filepath.Join(soapFixtures, "shipping"))); err != nil {
				t.Fatal(err)
			}
			return dirConfig(dir)
		},
		sel:   "quoteId transitDays service carrier { code active }",
		value: `[]`,
	}
}

// faultWorld is one row's gateway, over the protocol's healthy server and
// a flaky server of its own.
type faultWorld struct {
	inj *faults.Injector
	g   *gateway
	p   faultProtocol
}

// start runs a flaky server and a gateway whose flaky upstream has this
// timeout and more spec lines.
func (p faultProtocol) start(t *testing.T, healthy string, timeout time.Duration, spec string) *faultWorld {
	t.Helper()
	inj := faults.New(faults.OK())
	f := p.flaky(t, inj)
	g := startGateway(t, p.config(t, healthy, f, "  timeout: "+timeout.String()+"\n"+spec))
	return &faultWorld{inj: inj, g: g, p: p}
}

// query asks for the fields named, each with the protocol's selection, and
// says how long the answer took.
func (w *faultWorld) query(t *testing.T, fields ...string) (*response, time.Duration) {
	t.Helper()
	start := time.Now()
	r := w.g.query("", w.text(fields...), nil)
	return r, time.Since(start)
}

func (w *faultWorld) text(fields ...string) string {
	var q strings.Builder
	q.WriteString("{")
	for _, f := range fields {
		q.WriteString(" " + f + " { " + w.p.sel + " }")
	}
	q.WriteString(" }")
	return q.String()
}

// field returns a field of a response's data.
func (r *response) field(t *testing.T, name string) any {
	t.Helper()
	data, ok := r.Data.(map[string]any)
	if !ok {
		t.Fatalf("no data: %s", r.raw)
	}
	return data[name]
}

// observed sums up what a fault row saw, for -v: the fallback's reason,
// the error's code and the time taken.
func observed(r *response, took time.Duration) string {
	reason, code := "-", "-"
	if notes, _ := r.Extensions["fallbacks"].([]any); len(notes) > 0 {
		n, _ := notes[0].(map[string]any)
		reason = fmt.Sprint(n["reason"])
	}
	if len(r.Errors) > 0 {
		ext, _ := r.Errors[0]["extensions"].(map[string]any)
		code = fmt.Sprint(ext["code"])
	}
	return fmt.Sprintf("fallback reason %s, error code %s, %s", reason, code, took.Round(time.Millisecond))
}

// findings collects what a row found wrong, so that a row whose failure is
// a gateway bug noted in the table is skipped, saying what it saw, rather
// than failed.
type findings []string

func (f *findings) add(format string, args ...any) { *f = append(*f, fmt.Sprintf(format, args...)) }

// json notes a value that is not the JSON want.
func (f *findings) json(what string, got any, want string) {
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		f.add("bad expectation %s: %v", want, err)
		return
	}
	if g, _ := json.Marshal(got); !reflect.DeepEqual(got, w) {
		f.add("%s: got %s, want %s", what, g, want)
	}
}

// field notes a response without data, and returns the data's field.
func (f *findings) field(r *response, name string) any {
	data, ok := r.Data.(map[string]any)
	if !ok {
		f.add("%s: no data", name)
		return nil
	}
	return data[name]
}

// noErrors notes errors in a response.
func (f *findings) noErrors(r *response) {
	if len(r.Errors) > 0 || r.status != http.StatusOK {
		f.add("status %d, errors %v", r.status, r.Errors)
	}
}

// fallback notes unless the response's only fallback note is for field,
// served by fallback for reason from the flaky upstream; it returns the
// note.
func (f *findings) fallback(r *response, field, reason, fallback string) map[string]any {
	notes, _ := r.Extensions["fallbacks"].([]any)
	if len(notes) != 1 {
		f.add("want one fallback note, for %s; got %v", field, r.Extensions["fallbacks"])
		return nil
	}
	n, _ := notes[0].(map[string]any)
	f.json("the note's path", n["path"], `["`+field+`"]`)
	if n["reason"] != reason || n["upstream"] != "flaky" || n["fallback"] != fallback {
		f.add("note %v: want reason %s, upstream flaky, fallback %s", n, reason, fallback)
	}
	return n
}

// fieldError notes unless the response's only error is at field (or
// below it: a value that does not fit is reported where it is), with code,
// from the flaky upstream, and the field is null.
func (f *findings) fieldError(r *response, field, code string) {
	if len(r.Errors) != 1 {
		f.add("want one error, at %s; got %v", field, r.Errors)
		return
	}
	if path, _ := r.Errors[0]["path"].([]any); len(path) == 0 || path[0] != field {
		f.add("the error's path %v is not at %s", r.Errors[0]["path"], field)
	}
	if ext, _ := r.Errors[0]["extensions"].(map[string]any); ext["code"] != code || ext["upstream"] != "flaky" {
		f.add("error %v: want code %s from upstream flaky", r.Errors[0], code)
	}
	if v := f.field(r, field); v != nil {
		f.add("%s is %v, want null", field, v)
	}
}

// report fails the test with the findings; where the row notes a gateway
// bug, it skips it instead, and fails it once the bug is gone.
func (f findings) report(t *testing.T, r *response, bug string) {
	t.Helper()
	switch {
	case bug != "" && len(f) > 0:
		t.Skipf("gateway bug: %s\nseen: %s\nresponse: %s", bug, strings.Join(f, "; "), r.raw)
	case bug != "":
		t.Errorf("the gateway bug noted for this row is gone (%s): drop the note", bug)
	case len(f) > 0:
		t.Errorf("%s\nresponse: %s", strings.Join(f, "\n"), r.raw)
	}
}

// TestFaults: for every protocol and every fault, the faulty field is
// served its fallback value, a field without a fallback is null with the
// fault's code, the healthy upstream's field stands, and the request ends
// within the flaky upstream's timeout (and a margin). Then fallbacks to a
// stale value and to a replica, and each resilience mechanism, against the
// Injector.
func TestFaults(t *testing.T) {
	t.Parallel()
	for _, p := range faultProtocols() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			healthy := p.healthy(t)
			for _, row := range faultRows() {
				t.Run(row.name, func(t *testing.T) {
					t.Parallel()
					code := row.want.of(p.name)
					timeout, limit := row.timeout, row.timeout+faultMargin
					if timeout == 0 {
						timeout, limit = faultPatience, faultMargin
					}
					w := p.start(t, healthy, timeout, "")
					// Healthy first: the flaky fields answer too (and leave
					// connections open for Down to break), unless the
					// timeout is short enough for a busy machine to miss.
					prime := []string{"good", "faulty", "bare"}
					if row.timeout != 0 {
						prime = prime[:1]
					}
					before, _ := w.query(t, prime...)
					before.noErrors(t)
					if before.Extensions["fallbacks"] != nil {
						t.Fatalf("fallbacks while healthy: %s", before.raw)
					}

					w.inj.Set(row.fault)
					r, took := w.query(t, "good", "faulty", "bare")
					t.Logf("%s observed: %s", t.Name(), observed(r, took))
					var f findings
					if took > limit {
						f.add("the request took %s, past %s (the upstream's timeout is %s)", took, limit, timeout)
					}
					f.json("good", f.field(r, "good"), mustJSON(t, before.field(t, "good")))
					f.json("faulty", f.field(r, "faulty"), p.value)
					f.fallback(r, "faulty", code, "value")
					if row.bare != nil {
						code = row.bare.of(p.name)
					}
					f.fieldError(r, "bare", code)
					f.report(t, r, row.bugs[p.name])
				})
			}

			t.Run("stale", func(t *testing.T) {
				t.Parallel()
				w := p.start(t, healthy, faultPatience, "")
				before, _ := w.query(t, "good", "stale")
				before.noErrors(t)
				w.inj.Set(faults.Status(500, 0))
				r, _ := w.query(t, "good", "stale")
				var f findings
				f.noErrors(r)
				f.json("data", r.Data, mustJSON(t, before.Data))
				if n := f.fallback(r, "stale", codeError, "stale"); n != nil && n["age"] == nil {
					f.add("note %v has no age", n)
				}
				f.report(t, r, "")
			})

			t.Run("replica", func(t *testing.T) {
				t.Parallel()
				w := p.start(t, healthy, faultPatience, "")
				// The flaky server and the replica answer alike.
				before, _ := w.query(t, "good", "replica")
				before.noErrors(t)
				w.inj.Set(faults.Down())
				r, _ := w.query(t, "good", "replica")
				var f findings
				f.noErrors(r)
				f.json("data", r.Data, mustJSON(t, before.Data))
				if n := f.fallback(r, "replica", codeUnavailable, "upstream"); n != nil && n["via"] != "replica" {
					f.add("note %v: want via replica", n)
				}
				f.report(t, r, "")
			})

			for _, m := range resilienceRows() {
				t.Run(m.name, func(t *testing.T) {
					t.Parallel()
					m.run(t, p, healthy, m.bugs[p.name])
				})
			}
		})
	}
}

// resilienceRow checks a resilience mechanism against a fault.
type resilienceRow struct {
	name string
	run  func(t *testing.T, p faultProtocol, healthy, bug string)
	bugs map[string]string
}

func resilienceRows() []resilienceRow {
	return []resilienceRow{
		{name: "retry after a 503", run: retryRow(faults.Status(503, 0))},
		{name: "retry after a reset", run: retryRow(faults.Reset())},
		{name: "circuit breaker on 503s", run: breakerRow(faults.Status(503, 0), codeUnavailable)},
		{name: "circuit breaker on resets", run: breakerRow(faults.Reset(), codeUnavailable)},
		{name: "load shedding", run: sheddingRow},
		{name: "hedging past a hung call", run: hedgeRow},
	}
}

// retryRow: with retries on, a fault that clears after one call is
// retried, and the field is the upstream's answer: two calls, no fallback.
func retryRow(fault faults.Fault) func(t *testing.T, p faultProtocol, healthy, bug string) {
	return func(t *testing.T, p faultProtocol, healthy, bug string) {
		w := p.start(t, healthy, faultPatience, "  resilience:\n    retries: {attempts: 3, backoff: {initial: 1ms, max: 5ms}}\n")
		before, _ := w.query(t, "faulty")
		before.noErrors(t)
		calls := w.inj.Calls()
		w.inj.SetFor(fault, 1)
		r, _ := w.query(t, "faulty")
		var f findings
		f.noErrors(r)
		if r.Extensions["fallbacks"] != nil {
			f.add("a fallback served what a retry should: %v", r.Extensions["fallbacks"])
		}
		f.json("data", r.Data, mustJSON(t, before.Data))
		if n := w.inj.Calls() - calls; n != 2 {
			f.add("the upstream got %d calls, want 2: the failed one and the retry", n)
		}
		f.report(t, r, bug)
	}
}

// hedgeRow: with hedging after 20ms, a read whose first call hangs is
// answered by its hedge, long before the upstream's timeout, with no
// fallback: the upstream counts both calls.
func hedgeRow(t *testing.T, p faultProtocol, healthy, bug string) {
	w := p.start(t, healthy, faultPatience, "  resilience:\n    hedging: {after: 20ms, max: 1}\n")
	before, _ := w.query(t, "faulty")
	before.noErrors(t)
	calls := w.inj.Calls()
	w.inj.SetFor(faults.Hang(), 1)
	r, took := w.query(t, "faulty")
	var f findings
	f.noErrors(r)
	if r.Extensions["fallbacks"] != nil {
		f.add("a fallback served what the hedge should: %v", r.Extensions["fallbacks"])
	}
	f.json("data", r.Data, mustJSON(t, before.Data))
	if n := w.inj.Calls() - calls; n != 2 {
		f.add("the upstream got %d calls, want 2: the hung one and its hedge", n)
	}
	if took >= faultPatience/2 {
		f.add("the request took %v: the hedge did not answer it", took)
	}
	f.report(t, r, bug)
}

// breakerRow: with a circuit breaker that opens after two failures, the
// third request is refused without a call, and served its fallback for
// UPSTREAM_CIRCUIT_OPEN.
func breakerRow(fault faults.Fault, code string) func(t *testing.T, p faultProtocol, healthy, bug string) {
	return func(t *testing.T, p faultProtocol, healthy, bug string) {
		w := p.start(t, healthy, faultPatience, "  resilience:\n    circuitBreaker: {minRequests: 2, failureRatio: 1, openFor: 1m}\n")
		w.inj.Set(fault)
		var f findings
		for range 2 {
			r, _ := w.query(t, "good", "faulty")
			f.fallback(r, "faulty", code, "value")
		}
		r, _ := w.query(t, "good", "faulty")
		f.noErrors(r)
		f.fallback(r, "faulty", codeCircuitOpen, "value")
		if f.field(r, "good") == nil {
			f.add("good is null")
		}
		if n := w.inj.Calls(); n != 2 {
			f.add("the upstream got %d calls, want 2: the open circuit refused the third", n)
		}
		f.report(t, r, bug)
	}
}

// sheddingRow: with one call allowed in flight and that call hanging, a
// second call is shed at once: UPSTREAM_OVERLOADED, no call made, while
// the first still holds its slot.
func sheddingRow(t *testing.T, p faultProtocol, healthy, bug string) {
	// A long timeout: the first call holds the only slot until the test
	// lets it go.
	w := p.start(t, healthy, time.Minute, "  mergeInFlight: false\n  resilience:\n    concurrency: {max: 1}\n")
	w.inj.Set(faults.Hang())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := make(chan error, 1)
	go func() { held <- queryCtx(ctx, w.g, w.text("faulty")) }()
	waitFor(t, func() bool { return w.inj.Calls() == 1 })

	r, took := w.query(t, "good", "bare")
	var f findings
	if f.field(r, "good") == nil {
		f.add("good is null")
	}
	f.fieldError(r, "bare", codeOverloaded)
	select {
	case err := <-held:
		f.add("the held request ended (%v) before the second was shed", err)
	default:
	}
	if n := w.inj.Calls(); n != 1 {
		f.add("the upstream got %d calls, want 1: the second was shed", n)
	}
	if took > faultMargin {
		f.add("the shed request took %s", took)
	}
	cancel()
	<-held
	f.report(t, r, bug)
}

// queryCtx sends a query that ctx can cancel, and reads its answer.
func queryCtx(ctx context.Context, g *gateway, query string) error {
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.http.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.http.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
