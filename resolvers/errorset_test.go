package resolvers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/upstreams"
)

const errorsSDL = `
type Query {
  flaky: String @mem(upstream: "m", request: {flaky: true})
  products: [Product!]! @mem(upstream: "m", request: {all: true})
  reviews: [Review!] @graphql(upstream: "g")
}
type Product { id: ID! maker: Maker @mem(upstream: "m", request: {maker: "{parent.makerId}"}) makerId: ID }
type Maker { name: String! }
type Review { id: ID! body: String author: Author }
type Author { name: String! secret: String }
`

const errorsGraphQLSDL = `type Query { reviews: [Review!] }
type Review { id: ID! body: String author: Author }
type Author { name: String! secret: String }`

// richFailure is a failed call with everything an upstream can say.
func richFailure() *upstreams.Error {
	e := &upstreams.Error{
		Code: upstreams.CodeError, Upstream: "m", Status: 500, Msg: "HTTP 500 Internal Server Error",
		Detail: "db password rejected", Extensions: map[string]any{"grpcCode": "INTERNAL"}, Err: errors.New("dial tcp: refused"),
	}
	e.Relay("fault", json.RawMessage(`{"code":"X1"}`))
	e.Relay("huge", json.RawMessage(`"`+strings.Repeat("x", maxRelayedBytes)+`"`))
	return e
}

// reviewErrors is a GraphQL upstream's answer with a value and errors
// below it.
const reviewErrors = `{"data":{"reviews":[{"id":"1","body":null,"author":null}]},"errors":[
  {"message":"secret store down","path":["reviews",0,"author","secret"],"extensions":{"code":"FORBIDDEN","trace":"t-1","upstream":"spoof","requestId":"spoof"}},
  {"message":"weird","path":["reviews",0,"body"],"extensions":{"code":"see http://x","big":"` + "%s" + `"}},
  {"message":"no path"}]}`

// TestErrorMasking checks what a client sees of a failed call and of a
// GraphQL upstream's errors, by default and when the upstream exposes
// its errors.
func TestErrorMasking(t *testing.T) {
	badRequest := &upstreams.Error{Code: upstreams.CodeBadRequest, Upstream: "m", Msg: "header X-Tenant is missing", Detail: "from the template"}
	long := &upstreams.Error{Code: upstreams.CodeUnavailable, Upstream: "m", Msg: strings.Repeat("é", maxMessageBytes)}
	reviews := map[string]answer{"query{reviews{id body author{name}}}": {json: fmt.Sprintf(reviewErrors, strings.Repeat("y", maxRelayedBytes))}}
	tests := []struct {
		name    string
		expose  bool
		answers map[string]answer
		query   string
		errors  string
	}{{
		name:    "a failed call, masked: the code's message, facts for programs, the request id",
		answers: map[string]answer{`{"flaky":true}`: {err: richFailure()}},
		query:   `{ flaky }`,
		errors: `[{"message":"upstream m failed","path":["flaky"],"locations":[{"line":1,"column":3}],
		  "extensions":{"code":"UPSTREAM_ERROR","upstream":"m","status":500,"grpcCode":"INTERNAL","requestId":"req-1"}}]`,
	}, {
		name:    "a failed call, exposed: its message, detail and relayed words, bounded",
		expose:  true,
		answers: map[string]answer{`{"flaky":true}`: {err: richFailure()}},
		query:   `{ flaky }`,
		errors: `[{"message":"upstream m: HTTP 500 Internal Server Error","path":["flaky"],"locations":[{"line":1,"column":3}],
		  "extensions":{"code":"UPSTREAM_ERROR","upstream":"m","status":500,"grpcCode":"INTERNAL","detail":"db password rejected","fault":{"code":"X1"}}}]`,
	}, {
		name:    "a request that could not be built is explained, masked or not",
		answers: map[string]answer{`{"flaky":true}`: {err: badRequest}},
		query:   `{ flaky }`,
		errors: `[{"message":"upstream m: header X-Tenant is missing","path":["flaky"],"locations":[{"line":1,"column":3}],
		  "extensions":{"code":"UPSTREAM_REQUEST_INVALID","upstream":"m","detail":"from the template"}}]`,
	}, {
		name:    "the client's own input, as an upstream found it: the gateway's words only",
		answers: map[string]answer{`{"flaky":true}`: {err: &upstreams.Error{Code: upstreams.CodeBadUserInput, Upstream: "m", Msg: "argument id: not a UUID", Detail: "internal"}}},
		query:   `{ flaky }`,
		errors:  `[{"message":"argument id: not a UUID","path":["flaky"],"locations":[{"line":1,"column":3}],"extensions":{"code":"BAD_USER_INPUT"}}]`,
	}, {
		name:    "an exposed message is clipped",
		expose:  true,
		answers: map[string]answer{`{"flaky":true}`: {err: long}},
		query:   `{ flaky }`,
		errors: `[{"message":"upstream m: ` + strings.Repeat("é", (maxMessageBytes-3)/2) + `…","path":["flaky"],"locations":[{"line":1,"column":3}],
		  "extensions":{"code":"UPSTREAM_UNAVAILABLE","upstream":"m"}}]`,
	}, {
		name:    "a GraphQL upstream's errors, masked: paths as deep as the selection, codes that read as codes",
		answers: reviews,
		query:   `{ reviews { id body author { name } } }`,
		errors: `[
		  {"message":"upstream g failed","path":["reviews",0,"author"],"locations":[{"line":1,"column":21}],"extensions":{"code":"FORBIDDEN","upstream":"g","requestId":"req-1"}},
		  {"message":"upstream g failed","path":["reviews",0,"body"],"locations":[{"line":1,"column":16}],"extensions":{"code":"UPSTREAM_ERROR","upstream":"g","requestId":"req-1"}},
		  {"message":"upstream g failed","path":["reviews"],"locations":[{"line":1,"column":3}],"extensions":{"code":"UPSTREAM_ERROR","upstream":"g","requestId":"req-1"}}]`,
	}, {
		name:    "a GraphQL upstream's errors, exposed: as it gave them, but the gateway's keys and what is too large",
		expose:  true,
		answers: reviews,
		query:   `{ reviews { id body author { name } } }`,
		errors: `[
		  {"message":"secret store down","path":["reviews",0,"author","secret"],"locations":[{"line":1,"column":21}],"extensions":{"code":"FORBIDDEN","upstream":"g","trace":"t-1"}},
		  {"message":"weird","path":["reviews",0,"body"],"locations":[{"line":1,"column":16}],"extensions":{"code":"see http://x","upstream":"g"}},
		  {"message":"no path","path":["reviews"],"locations":[{"line":1,"column":3}],"extensions":{"code":"UPSTREAM_ERROR","upstream":"g"}}]`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, errorsSDL, []memUp{
				{name: "m", answers: tt.answers, expose: tt.expose},
				{name: "g", sdl: errorsGraphQLSDL, answers: tt.answers, expose: tt.expose},
			}, Options{Log: zerolog.Nop()})
			r := fx.run(tt.query, "")
			got, _ := json.Marshal(r.errors)
			if !equalJSON(string(got), tt.errors) {
				t.Errorf("errors\n got %s\nwant %s", got, tt.errors)
			}
		})
	}
}

// logLines parses what a zerolog logger wrote, a JSON object a line.
func logLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestMaskedErrorsLog checks what the log says of the errors masking hid:
// all of it, with the request id, once per failed call, in a bounded
// number of lines per request.
func TestMaskedErrorsLog(t *testing.T) {
	products := func(makers ...string) string {
		var items []string
		for i, m := range makers {
			items = append(items, fmt.Sprintf(`{"id":"%d","makerId":"%s"}`, i, m))
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	many := map[string]answer{}
	var makers []string
	for i := range maxLoggedFailures + 2 {
		makers = append(makers, fmt.Sprint("k", i))
		many[fmt.Sprintf(`{"maker":"k%d"}`, i)] = answer{fail: upstreams.CodeTimeout}
	}
	many[`{"all":true}`] = answer{json: products(makers...)}
	tests := []struct {
		name    string
		expose  bool
		answers map[string]answer
		query   string
		// lines are the log lines' messages; fields, what the first
		// holds (JSON).
		lines  []string
		fields map[string]string
	}{{
		name:    "a masked failure: everything the client did not see",
		answers: map[string]answer{`{"flaky":true}`: {err: richFailure()}},
		query:   `{ flaky }`,
		lines:   []string{"upstream call failed; the client got a masked error"},
		fields: map[string]string{
			"level": `"warn"`, "requestId": `"req-1"`, "upstream": `"m"`, "code": `"UPSTREAM_ERROR"`, "path": `["flaky"]`,
			"failure": `"HTTP 500 Internal Server Error"`, "status": `500`, "detail": `"db password rejected"`,
			"fault": `{"code":"X1"}`, "huge": fmt.Sprintf(`"(%d bytes, not logged)"`, maxRelayedBytes+2), "error": `"dial tcp: refused"`,
		},
	}, {
		name:    "an exposed failure is not logged",
		expose:  true,
		answers: map[string]answer{`{"flaky":true}`: {err: richFailure()}},
		query:   `{ flaky }`,
	}, {
		name: "one line per failed call, however many fields it failed",
		answers: map[string]answer{
			`{"all":true}`:  {json: products("a", "a", "a")},
			`{"maker":"a"}`: {fail: upstreams.CodeUnavailable},
		},
		query:  `{ products { maker { name } } }`,
		lines:  []string{"upstream call failed; the client got a masked error"},
		fields: map[string]string{"path": `["products",0,"maker"]`, "code": `"UPSTREAM_UNAVAILABLE"`},
	}, {
		name:    "at most 10 lines per request, then how many more",
		answers: many,
		query:   `{ products { maker { name } } }`,
		lines: append(slices.Repeat([]string{"upstream call failed; the client got a masked error"}, maxLoggedFailures),
			"more upstream failures were masked than the log describes per request"),
	}, {
		name:    "a GraphQL upstream's errors: how many, and the first as given",
		answers: map[string]answer{"query{reviews{id body author{name}}}": {json: fmt.Sprintf(reviewErrors, "y")}},
		query:   `{ reviews { id body author { name } } }`,
		lines:   []string{"upstream answered errors; the client got masked errors"},
		fields: map[string]string{
			"requestId": `"req-1"`, "upstream": `"g"`, "path": `["reviews"]`, "errors": `3`,
			"first": `[{"message":"secret store down","path":["reviews",0,"author","secret"],"extensions":{"code":"FORBIDDEN","trace":"t-1","upstream":"spoof","requestId":"spoof"}},
			  {"message":"weird","path":["reviews",0,"body"],"extensions":{"code":"see http://x","big":"y"}},{"message":"no path","path":null}]`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			fx := newFixture(t, errorsSDL, []memUp{
				{name: "m", answers: tt.answers, expose: tt.expose},
				{name: "g", sdl: errorsGraphQLSDL, answers: tt.answers, expose: tt.expose},
			}, Options{Log: zerolog.New(&buf)})
			fx.run(tt.query, "")
			lines := logLines(t, &buf)
			var msgs []string
			for _, l := range lines {
				msgs = append(msgs, l["message"].(string))
			}
			if !slices.Equal(msgs, tt.lines) {
				t.Fatalf("log lines\n got %q\nwant %q\n%s", msgs, tt.lines, buf.String())
			}
			for k, want := range tt.fields {
				got, _ := json.Marshal(lines[0][k])
				if !equalJSON(string(got), want) {
					t.Errorf("%s: %s, want %s", k, got, want)
				}
			}
			if n := len(lines); n > maxLoggedFailures {
				if last := lines[n-1]; last["notLogged"] != float64(2) || last["requestId"] != "req-1" {
					t.Errorf("last line %v", last)
				}
			}
		})
	}
}

// TestErrorCap: a response carries at most MaxErrors errors, then one
// that counts the rest; the access log counts them all.
func TestErrorCap(t *testing.T) {
	answers := map[string]answer{`{"all":true}`: {json: `[{"id":"1","makerId":"a"},{"id":"2","makerId":"b"},{"id":"3","makerId":"c"},{"id":"4","makerId":"d"}]`}}
	for _, m := range []string{"a", "b", "c", "d"} {
		answers[`{"maker":"`+m+`"}`] = answer{fail: upstreams.CodeUnavailable}
	}
	tests := []struct {
		max    int
		errors []string
	}{
		{0, []string{"products.0.maker UPSTREAM_UNAVAILABLE", "products.1.maker UPSTREAM_UNAVAILABLE", "products.2.maker UPSTREAM_UNAVAILABLE", "products.3.maker UPSTREAM_UNAVAILABLE"}},
		{4, []string{"products.0.maker UPSTREAM_UNAVAILABLE", "products.1.maker UPSTREAM_UNAVAILABLE", "products.2.maker UPSTREAM_UNAVAILABLE", "products.3.maker UPSTREAM_UNAVAILABLE"}},
		{3, []string{"products.0.maker UPSTREAM_UNAVAILABLE", "products.1.maker UPSTREAM_UNAVAILABLE", "products.2.maker UPSTREAM_UNAVAILABLE", " TOO_MANY_ERRORS"}},
		{1, []string{"products.0.maker UPSTREAM_UNAVAILABLE", " TOO_MANY_ERRORS"}},
	}
	for _, tt := range tests {
		fx := newFixture(t, errorsSDL, []memUp{{name: "m", answers: answers}, {name: "g", sdl: errorsGraphQLSDL}}, Options{MaxErrors: tt.max})
		if tt.max == 0 && fx.e.opts.MaxErrors != DefaultMaxErrors {
			t.Errorf("MaxErrors 0 caps at %d", fx.e.opts.MaxErrors)
		}
		r := fx.run(`{ products { id maker { name } } }`, "")
		if !equalJSON(r.data, `{"products":[{"id":"1","maker":null},{"id":"2","maker":null},{"id":"3","maker":null},{"id":"4","maker":null}]}`) {
			t.Errorf("max %d: data %s", tt.max, r.data)
		}
		if got := r.codes(); !slices.Equal(got, tt.errors) {
			t.Errorf("max %d: errors\n got %q\nwant %q", tt.max, got, tt.errors)
		}
		if r.stats.Errors != 4 {
			t.Errorf("max %d: %d errors counted, want 4", tt.max, r.stats.Errors)
		}
		if len(tt.errors) < 4 {
			last := r.errors[len(r.errors)-1]
			dropped := 4 - (len(tt.errors) - 1)
			want := fmt.Sprintf(`{"message":"%d more errors were left out: a response carries at most %d","extensions":{"code":"TOO_MANY_ERRORS","dropped":%d,"requestId":"req-1"}}`, dropped, tt.max, dropped)
			if got, _ := json.Marshal(last); !equalJSON(string(got), want) {
				t.Errorf("max %d: last error\n got %s\nwant %s", tt.max, got, want)
			}
		}
	}
}

// TestErrorCapGraphQL: a GraphQL upstream's errors count against the cap
// like any other.
func TestErrorCapGraphQL(t *testing.T) {
	answers := map[string]answer{"query{reviews{id body author{name}}}": {json: fmt.Sprintf(reviewErrors, "y")}}
	fx := newFixture(t, errorsSDL, []memUp{{name: "m"}, {name: "g", sdl: errorsGraphQLSDL, answers: answers}}, Options{MaxErrors: 1})
	r := fx.run(`{ reviews { id body author { name } } }`, "")
	if got := r.codes(); !slices.Equal(got, []string{"reviews.0.author FORBIDDEN", " TOO_MANY_ERRORS"}) {
		t.Errorf("errors %q", got)
	}
	if ext := r.errors[1]["extensions"].(map[string]any); ext["dropped"] != float64(2) {
		t.Errorf("dropped %v, want 2", ext["dropped"])
	}
}

// wrapped is an upstream behind a policy (resilience, say).
type wrapped struct{ upstreams.Upstream }

func (w wrapped) Unwrap() upstreams.Upstream { return w.Upstream }

// opaque is an upstream wrapper that does not say what it wraps.
type opaque struct{ upstreams.Upstream }

// TestExposes: whether an upstream exposes its errors is read through
// the wrappers around it.
func TestExposes(t *testing.T) {
	open, closed := &memUpstream{name: "open", expose: true}, &memUpstream{name: "closed"}
	tests := []struct {
		name string
		up   upstreams.Upstream
		want bool
	}{
		{"exposing", open, true},
		{"not exposing", closed, false},
		{"wrapped", wrapped{open}, true},
		{"wrapped twice", wrapped{wrapped{open}}, true},
		{"wrapped, not exposing", wrapped{closed}, false},
		{"behind a wrapper that does not unwrap", opaque{open}, false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		if got := exposes(tt.up); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	got := exposed(map[string]upstreams.Upstream{"a": wrapped{open}, "b": closed, "c": open})
	if len(got) != 2 || !got["a"] || !got["c"] {
		t.Errorf("exposed %v", got)
	}
}
