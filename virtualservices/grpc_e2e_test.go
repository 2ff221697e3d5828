package virtualservices_test

// End-to-end tests of gRPC upstreams: a gateway over the Kitchen service
// of internal/grpctest, a real grpc-go server on loopback, its fields
// included from the upstream's import (schema: {include: [kitchen]}) or
// bound by hand with @grpc. Each case asserts the GraphQL answer and, where
// it matters, what reached the server.

import (
	"bytes"
	"context"
	"encoding/base64"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/virtualservices"
)

// kitchenUpstream is an Upstream resource over the Kitchen server at
// target, from kitchen.proto in protos/; spec holds more spec lines.
func kitchenUpstream(name, target, spec string) string {
	return `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: ` + name + `}
spec:
` + spec + `  grpc:
    target: "` + target + `"
    proto:
      files: [` + grpctest.ProtoFile + `]
      importPaths: [protos]
`
}

// includeVS serves the kitchen upstream's generated fields, and the SDL
// in api.graphql when there is one.
func includeVS(own bool) string {
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
            include: [kitchen]
` + file
}

// kitchenConfig writes a config directory: kitchen.proto under protos/,
// and the files given.
func kitchenConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := writeConfig(t, files)
	if _, err := grpctest.WriteProto(filepath.Join(dir, "protos")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startKitchenGateway(t *testing.T, files map[string]string) *gateway {
	t.Helper()
	dir := kitchenConfig(t, files)
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
}

func startKitchen(t *testing.T, opts grpctest.Options) *grpctest.Server {
	t.Helper()
	s, err := grpctest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// everythingFields selects every field of Everything.
const everythingFields = `int32Val sint32Val sfixed32Val uint32Val fixed32Val int64Val sint64Val sfixed64Val
	uint64Val fixed64Val doubleVal floatVal boolVal stringVal bytesVal color colors tags
	inners { id level child { id } } counts byId name number innerChoice { id } maybeInt maybeText
	inner { id level child { id level } } at took wDouble wFloat wInt64 wUint64 wInt32 wUint32 wBool
	wString wBytes structVal valueVal listVal emptyVal mask anyVal`

// echoQuery sends every argument of echo as a variable of its type.
const echoQuery = `query Echo($int32Val: Int!, $sint32Val: Int!, $sfixed32Val: Int!, $uint32Val: UInt32!, $fixed32Val: UInt32!,
	$int64Val: Int64!, $sint64Val: Int64!, $sfixed64Val: Int64!, $uint64Val: UInt64!, $fixed64Val: UInt64!,
	$doubleVal: Float!, $floatVal: Float!, $boolVal: Boolean!, $stringVal: String!, $bytesVal: String!,
	$color: Color!, $colors: [Color!]!, $tags: [String!]!, $inners: [InnerInput!]!, $counts: JSON, $byId: JSON,
	$choice: EverythingChoiceInput, $maybeInt: Int, $maybeText: String, $inner: InnerInput,
	$at: DateTime, $took: Duration, $wDouble: Float, $wFloat: Float, $wInt64: Int64, $wUint64: UInt64,
	$wInt32: Int, $wUint32: UInt32, $wBool: Boolean, $wString: String, $wBytes: String,
	$structVal: JSON, $valueVal: JSON, $listVal: JSON, $emptyVal: JSON, $mask: String, $anyVal: JSON) {
  echo(int32Val: $int32Val, sint32Val: $sint32Val, sfixed32Val: $sfixed32Val, uint32Val: $uint32Val, fixed32Val: $fixed32Val,
    int64Val: $int64Val, sint64Val: $sint64Val, sfixed64Val: $sfixed64Val, uint64Val: $uint64Val, fixed64Val: $fixed64Val,
    doubleVal: $doubleVal, floatVal: $floatVal, boolVal: $boolVal, stringVal: $stringVal, bytesVal: $bytesVal,
    color: $color, colors: $colors, tags: $tags, inners: $inners, counts: $counts, byId: $byId,
    choice: $choice, maybeInt: $maybeInt, maybeText: $maybeText, inner: $inner,
    at: $at, took: $took, wDouble: $wDouble, wFloat: $wFloat, wInt64: $wInt64, wUint64: $wUint64,
    wInt32: $wInt32, wUint32: $wUint32, wBool: $wBool, wString: $wString, wBytes: $wBytes,
    structVal: $structVal, valueVal: $valueVal, listVal: $listVal, emptyVal: $emptyVal, mask: $mask, anyVal: $anyVal) {
    ` + everythingFields + `
  }
}`

// zeroEcho is every non-null argument of echo at its zero value.
func zeroEcho() map[string]any {
	return map[string]any{
		"int32Val": 0, "sint32Val": 0, "sfixed32Val": 0, "uint32Val": 0, "fixed32Val": 0,
		"int64Val": "0", "sint64Val": "0", "sfixed64Val": "0", "uint64Val": "0", "fixed64Val": "0",
		"doubleVal": 0, "floatVal": 0, "boolVal": false, "stringVal": "", "bytesVal": "",
		"color": "COLOR_UNSPECIFIED", "colors": []any{}, "tags": []any{}, "inners": []any{},
	}
}

// TestGRPCMapping round-trips every row of the protobuf mapping through a
// GraphQL query, the gateway, protobuf's binary form and back: echo
// answers the message it was sent. The server's decoded request is checked
// too, for the values JSON could round-trip wrongly on its own (64-bit
// integers past 2^53, bytes, enum numbers).
func TestGRPCMapping(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	g := startKitchenGateway(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), ""),
		"vs.yaml": includeVS(false),
	})

	t.Run("every value set", func(t *testing.T) {
		vars := map[string]any{
			"int32Val": math.MinInt32, "sint32Val": -7, "sfixed32Val": math.MaxInt32,
			"uint32Val": uint32(math.MaxUint32), "fixed32Val": 3000000000,
			"int64Val": "-9223372036854775808", "sint64Val": "9007199254740993", "sfixed64Val": "-9007199254740993",
			"uint64Val": "18446744073709551615", "fixed64Val": "9007199254740993",
			"doubleVal": 1.5e300, "floatVal": 0.25, "boolVal": true, "stringVal": "héllo ✓ \"q\"",
			"bytesVal": base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xfe, 0xff}),
			"color":    "COLOR_GREEN", "colors": []any{"COLOR_RED", "COLOR_UNSPECIFIED", "COLOR_GREEN"},
			"tags": []any{"a", "b"}, "inners": []any{map[string]any{"id": "x", "level": 1, "child": map[string]any{"id": "y"}}},
			"counts": map[string]any{"a": "9007199254740993", "b": 7}, "byId": map[string]any{"3": map[string]any{"id": "three"}},
			"choice": map[string]any{"name": "chosen"}, "maybeInt": 0, "maybeText": "",
			"inner": map[string]any{"id": "in", "level": 2, "child": map[string]any{"id": "deep", "level": 3}},
			"at":    "2024-02-29T12:34:56.789Z", "took": "1.5s",
			"wDouble": 2.5, "wFloat": 0.5, "wInt64": "-9007199254740993", "wUint64": "18446744073709551615",
			"wInt32": -1, "wUint32": 4294967295, "wBool": false, "wString": "", "wBytes": "AQ==",
			"structVal": map[string]any{"a": []any{1, "x", nil, true}, "b": map[string]any{"c": 1.5}},
			"valueVal":  []any{1, "two"}, "listVal": []any{1, "two", nil}, "emptyVal": map[string]any{},
			"mask": "fooBar,baz.qux", "anyVal": map[string]any{"@type": "type.googleapis.com/weft.test.v1.Inner", "id": "any", "level": 9},
		}
		r := g.query("", echoQuery, vars)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"echo":{
			"int32Val":-2147483648,"sint32Val":-7,"sfixed32Val":2147483647,"uint32Val":4294967295,"fixed32Val":3000000000,
			"int64Val":"-9223372036854775808","sint64Val":"9007199254740993","sfixed64Val":"-9007199254740993",
			"uint64Val":"18446744073709551615","fixed64Val":"9007199254740993",
			"doubleVal":1.5e300,"floatVal":0.25,"boolVal":true,"stringVal":"héllo ✓ \"q\"","bytesVal":"AAEC/v8=",
			"color":"COLOR_GREEN","colors":["COLOR_RED","COLOR_UNSPECIFIED","COLOR_GREEN"],"tags":["a","b"],
			"inners":[{"id":"x","level":1,"child":{"id":"y"}}],
			"counts":{"a":"9007199254740993","b":"7"},"byId":{"3":{"id":"three","level":0,"child":null}},
			"name":"chosen","number":null,"innerChoice":null,"maybeInt":0,"maybeText":"",
			"inner":{"id":"in","level":2,"child":{"id":"deep","level":3}},
			"at":"2024-02-29T12:34:56.789Z","took":"1.500s",
			"wDouble":2.5,"wFloat":0.5,"wInt64":"-9007199254740993","wUint64":"18446744073709551615",
			"wInt32":-1,"wUint32":4294967295,"wBool":false,"wString":"","wBytes":"AQ==",
			"structVal":{"a":[1,"x",null,true],"b":{"c":1.5}},"valueVal":[1,"two"],"listVal":[1,"two",null],"emptyVal":{},
			"mask":"fooBar,baz.qux","anyVal":{"@type":"type.googleapis.com/weft.test.v1.Inner","id":"any","level":9,"child":null}}}`)

		req := s.LastRequest("Echo")
		get := func(name string) any {
			return req.Get(req.Descriptor().Fields().ByName(protoreflectName(name))).Interface()
		}
		checks := []struct {
			field string
			want  any
		}{
			{"uint64_val", uint64(math.MaxUint64)},
			{"fixed64_val", uint64(9007199254740993)},
			{"sint64_val", int64(9007199254740993)},
			{"int64_val", int64(math.MinInt64)},
			{"uint32_val", uint32(math.MaxUint32)},
			{"double_val", 1.5e300},
			{"float_val", float32(0.25)},
			{"bytes_val", []byte{0, 1, 2, 0xfe, 0xff}},
			{"string_val", "héllo ✓ \"q\""},
		}
		for _, c := range checks {
			if got := get(c.field); !equalValue(got, c.want) {
				t.Errorf("server read %s = %v, want %v", c.field, got, c.want)
			}
		}
		if n := enumNumber(get("color")); n != 2 {
			t.Errorf("server read color %d, want 2 (COLOR_GREEN)", n)
		}
	})

	t.Run("zero values and unset presence", func(t *testing.T) {
		// Nothing set: fields without presence answer their zero values
		// (the enum its UNSPECIFIED value), fields with presence null.
		r := g.query("", `{ echo { `+everythingFields+` } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"echo":{
			"int32Val":0,"sint32Val":0,"sfixed32Val":0,"uint32Val":0,"fixed32Val":0,
			"int64Val":"0","sint64Val":"0","sfixed64Val":"0","uint64Val":"0","fixed64Val":"0",
			"doubleVal":0,"floatVal":0,"boolVal":false,"stringVal":"","bytesVal":"",
			"color":"COLOR_UNSPECIFIED","colors":[],"tags":[],"inners":[],"counts":{},"byId":{},
			"name":null,"number":null,"innerChoice":null,"maybeInt":null,"maybeText":null,"inner":null,
			"at":null,"took":null,"wDouble":null,"wFloat":null,"wInt64":null,"wUint64":null,"wInt32":null,
			"wUint32":null,"wBool":null,"wString":null,"wBytes":null,"structVal":null,"valueVal":null,
			"listVal":null,"emptyVal":null,"mask":null,"anyVal":null}}`)
	})

	t.Run("oneof", func(t *testing.T) {
		// A oneof is one @oneOf argument; its member goes to the message
		// itself, where protojson has it.
		for _, tt := range []struct{ args, want string }{
			{`choice: {number: 0}`, `{"name":null,"number":0,"innerChoice":null}`},
			{`choice: {innerChoice: {id: "c"}}`, `{"name":null,"number":null,"innerChoice":{"id":"c"}}`},
			{`choice: {name: ""}`, `{"name":"","number":null,"innerChoice":null}`},
			{``, `{"name":null,"number":null,"innerChoice":null}`},
		} {
			q := `{ echo { name number innerChoice { id } } }`
			if tt.args != "" {
				q = `{ echo(` + tt.args + `) { name number innerChoice { id } } }`
			}
			r := g.query("", q, nil)
			r.noErrors(t)
			equalJSON(t, r.Data, `{"echo":`+tt.want+`}`)
		}
		// Two members: GraphQL validation refuses it, before any call.
		calls := s.Calls("Echo")
		r := g.query("", `{ echo(choice: {name: "a", number: 1}) { name } }`, nil)
		if len(r.Errors) != 1 || !strings.Contains(r.raw, "GRAPHQL_VALIDATION_FAILED") || r.Data != nil {
			t.Fatalf("want a validation error: %s", r.raw)
		}
		if s.Calls("Echo") != calls {
			t.Error("a request with two oneof members reached the server")
		}
	})

	t.Run("input coercion", func(t *testing.T) {
		// Values out of a scalar's range are refused by the gateway or by
		// the upstream's JSON form: never sent wrapped around.
		calls := s.Calls("Echo")
		for _, q := range []string{
			`{ echo(uint32Val: 4294967296) { uint32Val } }`,
			`{ echo(uint32Val: -1) { uint32Val } }`,
		} {
			// The gateway knows the range of the integer scalars the
			// importer declares.
			r := g.query("", q, nil)
			if len(r.Errors) != 1 {
				t.Fatalf("%s: want one error, got %s", q, r.raw)
			}
			equalJSON(t, r.Errors[0]["path"], `["echo"]`)
			if ext, _ := r.Errors[0]["extensions"].(map[string]any); ext["code"] != "BAD_USER_INPUT" {
				t.Errorf("%s: extensions %v, want code BAD_USER_INPUT", q, ext)
			}
		}
		for _, q := range []string{
			`{ echo(uint64Val: "18446744073709551616") { uint64Val } }`,
			`{ echo(int64Val: "9223372036854775808") { int64Val } }`,
			`{ echo(bytesVal: "not base64!") { bytesVal } }`,
			`{ echo(at: "yesterday") { at } }`,
		} {
			r := g.query("", q, nil)
			e := oneErrorCode(t, r, `["echo"]`, "UPSTREAM_REQUEST_INVALID")
			if msg, _ := e["message"].(string); !strings.HasPrefix(msg, "upstream kitchen: cannot build the weft.test.v1.Everything request: ") {
				t.Errorf("%s: message %q", q, msg)
			}
		}
		if s.Calls("Echo") != calls {
			t.Errorf("%d bad requests reached the server", s.Calls("Echo")-calls)
		}
	})
}

// oneErrorCode asserts that r has one error, at path, with this code and
// the kitchen upstream.
func oneErrorCode(t *testing.T, r *response, path, code string) map[string]any {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one error at %s, got %s", path, r.raw)
	}
	e := r.Errors[0]
	equalJSON(t, e["path"], path)
	ext, _ := e["extensions"].(map[string]any)
	if ext["code"] != code || ext["upstream"] != "kitchen" {
		t.Fatalf("extensions %v, want code %s from upstream kitchen", ext, code)
	}
	return e
}

// TestGRPCOddAnswers: answers a well-behaved server never sends are bad
// responses at the field that holds them; the rest of the response stands.
func TestGRPCOddAnswers(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	g := startKitchenGateway(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), ""),
		"vs.yaml": includeVS(false),
	})
	tests := []struct {
		what, field, path, message string
	}{
		{"unknown_enum", "color", `["odd","color"]`, "Enum Color cannot represent value 99"},
		{"nan", "doubleVal", `["odd","doubleVal"]`, `Float cannot represent value "NaN"`},
		{"infinity", "floatVal", `["odd","floatVal"]`, `Float cannot represent value "Infinity"`},
		{"negative_infinity", "doubleVal", `["odd","doubleVal"]`, `Float cannot represent value "-Infinity"`},
		{"bad_utf8", "stringVal", `["odd"]`, "upstream kitchen gave an answer that cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			r := g.query("", `{ odd(what: "`+tt.what+`") { `+tt.field+` } getItem(id: "ok") { id } }`, nil)
			e := oneErrorCode(t, r, tt.path, "UPSTREAM_BAD_RESPONSE")
			if e["message"] != tt.message {
				t.Errorf("message %q, want %q", e["message"], tt.message)
			}
			equalJSON(t, r.Data, `{"odd":null,"getItem":{"id":"ok"}}`)
		})
	}
}

// TestGRPCMetadata: the upstream's static headers, the client headers it
// forwards and the request id reach the server as metadata; other client
// headers do not.
func TestGRPCMetadata(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	g := startKitchenGateway(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), "  headers: {x-static: fixed, X-Mixed-Case: kept}\n  forwardHeaders: [X-Tenant, x-locale]\n"),
		"vs.yaml": includeVS(false),
	})
	r := g.query("", `{ whoAmI { metadata } }`, nil, "X-Tenant", "acme", "X-Locale", "de", "X-Other", "secret", "X-Request-Id", "req-42")
	r.noErrors(t)
	md := r.Data.(map[string]any)["whoAmI"].(map[string]any)["metadata"].(map[string]any)
	for k, want := range map[string]string{"x-static": "fixed", "x-mixed-case": "kept", "x-tenant": "acme", "x-locale": "de", "x-request-id": "req-42"} {
		if md[k] != want {
			t.Errorf("metadata %s = %v, want %q (all: %v)", k, md[k], want, md)
		}
	}
	if _, ok := md["x-other"]; ok {
		t.Errorf("a header the upstream does not forward reached it: %v", md)
	}
	if ua, _ := md["user-agent"].(string); !strings.HasPrefix(ua, "weft") {
		t.Errorf("user-agent %q", ua)
	}
	// Without a client request id, the gateway makes one and sends it.
	r = g.query("", `{ whoAmI { metadata } }`, nil)
	r.noErrors(t)
	md = r.Data.(map[string]any)["whoAmI"].(map[string]any)["metadata"].(map[string]any)
	if id, _ := md["x-request-id"].(string); id == "" {
		t.Errorf("no x-request-id: %v", md)
	}
}

// TestGRPCStatusCodes fails a call with each gRPC status code and checks
// the GraphQL error it becomes, with the upstream's error details exposed
// and not.
func TestGRPCStatusCodes(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	own := `extend type Query {
  "Not null: a NOT_FOUND is an error here."
  mustGetItem(id: String!): Item! @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{args.id}"})
}
`
	gateway := func(expose bool) *gateway {
		spec := ""
		if expose {
			spec = "  exposeErrors: true\n"
		}
		return startKitchenGateway(t, map[string]string{
			"up.yaml":     kitchenUpstream("kitchen", s.Addr(), spec),
			"vs.yaml":     includeVS(true),
			"api.graphql": own,
		})
	}
	exposed, hidden := gateway(true), gateway(false)
	tests := []struct {
		code     int
		grpcCode string
		want     string // extensions.code
	}{
		{1, "CANCELLED", "UPSTREAM_UNAVAILABLE"},
		{2, "UNKNOWN", "UPSTREAM_ERROR"},
		{3, "INVALID_ARGUMENT", "UPSTREAM_ERROR"},
		{4, "DEADLINE_EXCEEDED", "UPSTREAM_TIMEOUT"},
		{6, "ALREADY_EXISTS", "UPSTREAM_ERROR"},
		{7, "PERMISSION_DENIED", "UPSTREAM_ERROR"},
		{8, "RESOURCE_EXHAUSTED", "UPSTREAM_ERROR"},
		{9, "FAILED_PRECONDITION", "UPSTREAM_ERROR"},
		{10, "ABORTED", "UPSTREAM_UNAVAILABLE"},
		{11, "OUT_OF_RANGE", "UPSTREAM_ERROR"},
		{12, "UNIMPLEMENTED", "UPSTREAM_ERROR"},
		{13, "INTERNAL", "UPSTREAM_ERROR"},
		{14, "UNAVAILABLE", "UPSTREAM_UNAVAILABLE"},
		{15, "DATA_LOSS", "UPSTREAM_ERROR"},
		{16, "UNAUTHENTICATED", "UPSTREAM_ERROR"},
	}
	query := `query ($code: Int!) { fail(code: $code, message: "the server says no", details: true) { id } getItem(id: "ok") { id } }`
	for _, tt := range tests {
		t.Run(tt.grpcCode, func(t *testing.T) {
			r := exposed.query("", query, map[string]any{"code": tt.code})
			e := oneErrorCode(t, r, `["fail"]`, tt.want)
			equalJSON(t, r.Data, `{"fail":null,"getItem":{"id":"ok"}}`)
			ext := e["extensions"].(map[string]any)
			if ext["grpcCode"] != tt.grpcCode {
				t.Errorf("grpcCode %v, want %s", ext["grpcCode"], tt.grpcCode)
			}
			if tt.want == "UPSTREAM_TIMEOUT" {
				if e["message"] != "upstream kitchen: timed out" {
					t.Errorf("message %q", e["message"])
				}
			} else {
				if e["message"] != "upstream kitchen: "+tt.grpcCode {
					t.Errorf("message %q, want the code's name", e["message"])
				}
				if ext["detail"] != "the server says no" {
					t.Errorf("detail %v, want the status message", ext["detail"])
				}
				equalJSON(t, ext["details"], `[
					{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"KITCHEN_ON_FIRE","domain":"test.weft.dev","metadata":{"burner":"2"}},
					{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"message","description":"too hot"}]}]`)
			}

			r = hidden.query("", query, map[string]any{"code": tt.code}, "X-Request-Id", "req-"+tt.grpcCode)
			e = oneErrorCode(t, r, `["fail"]`, tt.want)
			ext = e["extensions"].(map[string]any)
			if len(ext) != 4 || ext["grpcCode"] != tt.grpcCode || ext["requestId"] != "req-"+tt.grpcCode {
				t.Errorf("extensions %v: want only code, upstream, grpcCode and requestId", ext)
			}
			if want := upstreams.Code(tt.want).Masked("kitchen"); e["message"] != want {
				t.Errorf("message %q, want %q", e["message"], want)
			}
			if strings.Contains(r.raw, "the server says no") || strings.Contains(r.raw, "KITCHEN_ON_FIRE") {
				t.Errorf("the upstream's error leaked: %s", r.raw)
			}
		})
	}

	t.Run("NOT_FOUND", func(t *testing.T) {
		// On a nullable field: null, and no error (the thing asked for
		// does not exist). On a non-null one: an error, which nulls the
		// parent.
		r := exposed.query("", `{ getItem(id: "missing-1") { id } fail(code: 5) { id } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getItem":null,"fail":null}`)
		r = exposed.query("", `{ mustGetItem(id: "missing-2") { id } }`, nil)
		e := oneErrorCode(t, r, `["mustGetItem"]`, "UPSTREAM_ERROR")
		if e["extensions"].(map[string]any)["grpcCode"] != "NOT_FOUND" {
			t.Errorf("extensions %v", e["extensions"])
		}
		if r.Data != nil {
			t.Errorf("data %v, want null", r.Data)
		}
	})

	t.Run("server down", func(t *testing.T) {
		down := startKitchen(t, grpctest.Options{})
		g := startKitchenGateway(t, map[string]string{
			"up.yaml": kitchenUpstream("kitchen", down.Addr(), ""),
			"vs.yaml": includeVS(false),
		})
		r := g.query("", `{ getItem(id: "a") { id } }`, nil)
		r.noErrors(t)
		down.Close()
		r = g.query("", `{ getItem(id: "a") { id } }`, nil)
		e := oneErrorCode(t, r, `["getItem"]`, "UPSTREAM_UNAVAILABLE")
		if e["extensions"].(map[string]any)["grpcCode"] != "UNAVAILABLE" {
			t.Errorf("extensions %v", e["extensions"])
		}
		equalJSON(t, r.Data, `{"getItem":null}`)
	})
}

// TestGRPCDeadlines: a binding's timeout and the upstream's timeout each
// cut a slow method; the answer comes at the deadline, with a timeout
// error at the slow field, and the rest of the response stands.
func TestGRPCDeadlines(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	g := startKitchenGateway(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), "  timeout: 30s\n") + "---\n" +
			kitchenUpstream("hasty", s.Addr(), "  timeout: 100ms\n"),
		"vs.yaml": includeVS(true),
		"api.graphql": `extend type Query {
  slowBinding: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/Slow", request: {millis: 60000}, timeout: "100ms")
  slowUpstream: Item @grpc(upstream: "hasty", method: "weft.test.v1.Kitchen/Slow", request: {millis: 60000})
}
`,
	})
	for _, tt := range []struct{ field, upstream string }{{"slowBinding", "kitchen"}, {"slowUpstream", "hasty"}} {
		t.Run(tt.field, func(t *testing.T) {
			start := time.Now()
			r := g.query("", `{ `+tt.field+` { id } getItem(id: "fast") { id } }`, nil, "X-Request-Id", "req-slow")
			elapsed := time.Since(start)
			if len(r.Errors) != 1 {
				t.Fatalf("want one error, got %s", r.raw)
			}
			equalJSON(t, r.Errors[0]["path"], `["`+tt.field+`"]`)
			equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_TIMEOUT","upstream":"`+tt.upstream+`","grpcCode":"DEADLINE_EXCEEDED","requestId":"req-slow"}`)
			if msg := r.Errors[0]["message"]; msg != "upstream "+tt.upstream+" timed out" {
				t.Errorf("message %q", msg)
			}
			equalJSON(t, r.Data, `{"`+tt.field+`":null,"getItem":{"id":"fast"}}`)
			// The slow method answers after a minute: the response came at
			// the deadline, give or take a slow machine.
			if elapsed < 100*time.Millisecond || elapsed > 20*time.Second {
				t.Errorf("response after %s, want about 100ms", elapsed)
			}
		})
	}
}

// TestGRPCBatching binds fields by hand: a list of parents whose item
// field has a batch form makes one call for the whole list; the same field
// without one makes one call per distinct parent; identical calls in one
// request are made once.
func TestGRPCBatching(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	g := startKitchenGateway(t, map[string]string{
		"up.yaml":     kitchenUpstream("kitchen", s.Addr(), ""),
		"vs.yaml":     includeVS(true),
		"api.graphql": handBound,
	})
	t.Run("batch form", func(t *testing.T) {
		s.ResetCalls()
		r := g.query("", `{ parents(count: 100, distinct: 100) { id item { id name } } }`, nil)
		r.noErrors(t)
		parents := r.Data.(map[string]any)["parents"].([]any)
		if len(parents) != 100 {
			t.Fatalf("%d parents", len(parents))
		}
		for i, p := range parents {
			item := p.(map[string]any)["item"].(map[string]any)
			if want := "i" + itoa(i); item["id"] != want || item["name"] != "Item "+want {
				t.Fatalf("parent %d has item %v, want %s", i, item, want)
			}
		}
		if n := s.Calls("GetItems"); n != 1 {
			t.Errorf("GetItems got %d calls for 100 parents, want 1", n)
		}
		if n := s.Calls("GetItem"); n != 0 {
			t.Errorf("GetItem got %d calls, want 0", n)
		}
		ids := s.LastRequest("GetItems")
		if n := ids.Get(ids.Descriptor().Fields().ByName("ids")).List().Len(); n != 100 {
			t.Errorf("GetItems asked for %d ids, want 100", n)
		}
	})
	t.Run("one call per distinct parent", func(t *testing.T) {
		s.ResetCalls()
		r := g.query("", `{ parents(count: 100, distinct: 10) { id single { id } } }`, nil)
		r.noErrors(t)
		parents := r.Data.(map[string]any)["parents"].([]any)
		for i, p := range parents {
			if id := p.(map[string]any)["single"].(map[string]any)["id"]; id != "i"+itoa(i%10) {
				t.Fatalf("parent %d has item %v", i, id)
			}
		}
		if n := s.Calls("GetItem"); n != 10 {
			t.Errorf("GetItem got %d calls for 10 distinct parents, want 10", n)
		}
	})
	t.Run("identical calls once", func(t *testing.T) {
		s.ResetCalls()
		r := g.query("", `{ a: getItem(id: "x") { id } b: getItem(id: "x") { name } c: getItem(id: "y") { id } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"a":{"id":"x"},"b":{"name":"Item x"},"c":{"id":"y"}}`)
		if n := s.Calls("GetItem"); n != 2 {
			t.Errorf("GetItem got %d calls, want 2", n)
		}
	})
	t.Run("batch with missing items", func(t *testing.T) {
		s.ResetCalls()
		r := g.query("", `{ namedParents { id item { id } } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"namedParents":[{"id":"p1","item":{"id":"a"}},{"id":"p2","item":null},{"id":"p3","item":{"id":"a"}}]}`)
		if n := s.Calls("GetItems"); n != 1 {
			t.Errorf("GetItems got %d calls, want 1", n)
		}
	})
}

// handBound is SDL that binds fields with @grpc by hand, beside the
// included ones: a list of parents and two ways to fetch each one's item.
const handBound = `extend type Query {
  parents(count: Int!, distinct: Int!): [Parent!]! @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/ListParents",
    request: {count: "{args.count}", distinct: "{args.distinct}"}, result: "parents")
  "Parents from the echo of an Inner list: p2's item is missing."
  namedParents: [NamedParent!]! @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/Echo",
    request: {inners: [{id: "p1", child: {id: "a"}}, {id: "p2", child: {id: "missing-b"}}, {id: "p3", child: {id: "a"}}]}, result: "inners")
}

extend type Parent {
  item: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{parent.itemId}"},
    batch: {method: "weft.test.v1.Kitchen/GetItems", request: {ids: "{parent.itemId}"}, result: "items", key: "id"})
  single: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{parent.itemId}"})
}

type NamedParent {
  id: String!
  child: NamedChild
  item: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{parent.child.id}"},
    batch: {method: "weft.test.v1.Kitchen/GetItems", request: {ids: "{parent.child.id}"}, result: "items", key: "id"})
}

type NamedChild {
  id: String!
}
`

func itoa(i int) string { return strconv.Itoa(i) }

func protoreflectName(s string) protoreflect.Name { return protoreflect.Name(s) }

// equalValue compares a protobuf field's Go value with want.
func equalValue(got, want any) bool {
	if b, ok := want.([]byte); ok {
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, b)
	}
	return got == want
}

// enumNumber is an enum field's number.
func enumNumber(v any) int {
	n, _ := v.(protoreflect.EnumNumber)
	return int(n)
}

// TestGRPCMergeOff: with mergeInFlight off, identical reads from two
// client requests at the same moment each reach the server. The route
// merges identical queries too: it is turned off, so the upstream's
// setting is what is tested.
func TestGRPCMergeOff(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	g := startKitchenGateway(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), "  mergeInFlight: false\n"),
		"vs.yaml": strings.Replace(includeVS(false), "        graphql:\n", "        graphql:\n          mergeInFlight: false\n", 1),
	})
	var wg sync.WaitGroup
	answers := make([]*response, 2)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = g.query("", `{ hold(key: "same") { id } }`, nil)
		}()
	}
	// Both are at the server before either is answered.
	<-s.Entered()
	<-s.Entered()
	s.Release(2)
	wg.Wait()
	for _, r := range answers {
		if len(r.Errors) > 0 {
			t.Errorf("errors: %s", r.raw)
		}
	}
	if n := s.Calls("Hold"); n != 2 {
		t.Errorf("Hold got %d calls, want 2", n)
	}
}

// TestGRPCLimits: an answer past maxMessageBytes is a bad response with a
// clear message; gzip and TLS work through the gateway.
func TestGRPCLimits(t *testing.T) {
	s := startKitchen(t, grpctest.Options{TLS: true})
	dir := kitchenConfig(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), "  tls: {caFile: ca.pem}\n") + "    maxMessageBytes: 65536\n    compression: gzip\n",
		"vs.yaml": includeVS(false),
		"ca.pem":  string(s.CertPEM()),
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	r := g.query("", `{ small: big(size: 60000) { data } big(size: 70000) { data } }`, nil)
	e := oneErrorCode(t, r, `["big"]`, "UPSTREAM_BAD_RESPONSE")
	if e["message"] != "upstream kitchen gave an answer that cannot be read" {
		t.Errorf("message %q", e["message"])
	}
	// The gateway's reason is in the log, under the request id.
	id, _ := e["extensions"].(map[string]any)["requestId"].(string)
	if lines := maskedLog(t, g, id); len(lines) != 1 || lines[0]["failure"] != "answer is larger than the message size limit" {
		t.Errorf("log lines %v, want one with the reason", lines)
	}
	small := r.Data.(map[string]any)["small"].(map[string]any)["data"].(string)
	if b, err := base64.StdEncoding.DecodeString(small); err != nil || len(b) != 60000 {
		t.Errorf("small answer: %d bytes, %v", len(b), err)
	}
	if enc := s.Encoding("Big"); enc != "gzip" {
		t.Errorf("calls arrive with grpc-encoding %q, want gzip", enc)
	}
}

// TestGRPCSubscription: a Subscription operation over a streaming method
// fails clearly, without a call, until a streaming transport is served.
func TestGRPCSubscription(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	g := startKitchenGateway(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), ""),
		"vs.yaml": includeVS(false),
	})
	r := g.query("", `subscription { watch(count: 2) { n } }`, nil)
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0]["message"].(string), "subscription operations need a streaming transport") {
		t.Fatalf("a subscription answered %s", r.raw)
	}
	if n := s.Calls("Watch"); n != 0 {
		t.Errorf("Watch got %d calls", n)
	}
}

// TestGRPCHandBoundErrors loads VirtualServices whose @grpc bindings are
// wrong, as weft validate does: each error names the file, line and field.
func TestGRPCHandBoundErrors(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	item := `extend type Query { x(id: String!): Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{args.id}"}) }
`
	tests := []struct {
		name, sdl string
		want      []string
	}{
		{"unknown method", `extend type Query { x: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItm") }`,
			[]string{"api.graphql:1:", `upstream "kitchen" has no method "weft.test.v1.Kitchen/GetItm" (did you mean "weft.test.v1.Kitchen/GetItem"?)`}},
		{"request field not in the message", `extend type Query { x: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {ident: "a"}) }`,
			[]string{"api.graphql:1:", `the request of weft.test.v1.Kitchen/GetItem has no field "ident"`}},
		{"missing argument", `extend type Query { x: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{args.id}"}) }`,
			[]string{"api.graphql:1:", `{args.id}`}},
		{"wrong shape", `extend type Query { x: [Item] @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "a"}) }`,
			[]string{"api.graphql:1:", "the gateway type is a list and the upstream type is not"}},
		{"unknown field of the response", `extend type Query { x: Mine @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "a"}) }
type Mine { id: String! title: String }`,
			[]string{"api.graphql:2:", `Mine.title: has no binding, and upstream "kitchen"'s Item has no field "title"`}},
		{"streaming method on a Query field", `extend type Query { x: Tick @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/Watch", request: {count: 1}) }`,
			[]string{"api.graphql:1:", "is server-streaming; it serves a Subscription field"}},
		{"batch on a root field", `extend type Query { x: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "a"},
  batch: {method: "weft.test.v1.Kitchen/GetItems", request: {ids: "a"}, result: "items", key: "id"}) }`,
			[]string{"api.graphql:2:", "root fields have no parents to batch"}},
		{"batch without key", item + `extend type Parent { it: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{parent.itemId}"},
  batch: {method: "weft.test.v1.Kitchen/GetItems", request: {ids: "{parent.itemId}"}, result: "items"}) }`,
			[]string{"api.graphql:3:", "a gRPC batch needs method, request and key"}},
		{"batch with an unknown method", item + `extend type Parent { it: Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{parent.itemId}"},
  batch: {method: "weft.test.v1.Kitchen/GetItemz", request: {ids: "{parent.itemId}"}, result: "items", key: "id"}) }`,
			[]string{"api.graphql:3:", "GetItemz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := kitchenConfig(t, map[string]string{
				"up.yaml":     kitchenUpstream("kitchen", s.Addr(), ""),
				"vs.yaml":     includeVS(true),
				"api.graphql": tt.sdl,
			})
			loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
			snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg", OSDir: dir}, nil)
			if err == nil {
				virtualservices.CloseSnapshot(snap)
				t.Fatal("config loaded; want an error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, want)
				}
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "cfg/") {
					t.Errorf("error line %q does not start with the file", line)
				}
			}
		})
	}
}

// TestGRPCUpstreamErrorsAtLoad: an Upstream that cannot read its
// descriptors fails the load with one error at its own file and line; the
// VirtualService that includes it adds none of its own.
func TestGRPCUpstreamErrorsAtLoad(t *testing.T) {
	// An address nothing listens on: one the kernel gave and took back.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	tests := []struct {
		name, upstream string
		want           []string
	}{
		{"reflection target unreachable", `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: kitchen}
spec:
  grpc: {target: "` + dead + `", reflection: true}
`, []string{"cfg/up.yaml:5:", "spec.grpc.reflection: server reflection of upstream kitchen (" + dead + "):"}},
		{"malformed proto", kitchenUpstream("kitchen", "127.0.0.1:1", ""), []string{"cfg/up.yaml:7:5: spec.grpc.proto: ", "/protos/weft/test/v1/kitchen.proto:1:9: syntax error: unexpected '{'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := kitchenConfig(t, map[string]string{"up.yaml": tt.upstream, "vs.yaml": includeVS(false)})
			if err := os.WriteFile(filepath.Join(dir, "protos", filepath.FromSlash(grpctest.ProtoFile)), []byte("message {"), 0o644); err != nil {
				t.Fatal(err)
			}
			loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
			snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg", OSDir: dir}, nil)
			if err == nil {
				virtualservices.CloseSnapshot(snap)
				t.Fatal("config loaded; want an error")
			}
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
