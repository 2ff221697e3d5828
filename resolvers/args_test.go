package resolvers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	upgraphql "github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
	"github.com/weft-gateway/weft/upstreams/soap"

	"github.com/99designs/gqlgen/graphql"
	"github.com/rs/zerolog"
	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
)

const argsSchema = `type Query {
  f(i: Int, i64: Int64, u64: UInt64, u32: UInt32, fl: Float, j: JSON, id: ID, s: String, b: Boolean, e: Color,
    l: [Int], in: In, ins: [In!], d: D): Int @rest(upstream: "api", path: "/f")
  g(d: Int = 5, dj: JSON = {n: 123456789012345678901234567890}): Int @rest(upstream: "api", path: "/g")
  h: Int @rest(upstream: "api", path: "/h")
  k(nn: Int! = 1): Int @rest(upstream: "api", path: "/k")
}
input In { n: Int big: Int64 inner: In list: [Int] j: JSON }
input D { n: Int = 3 nn: Int! = 2 l: [In] }
enum Color { RED GREEN }
scalar JSON
scalar Int64
scalar UInt64
scalar UInt32`

func argsSchemaBuild(t testing.TB, upstreamInfo schema.UpstreamInfo) *schema.Schema {
	t.Helper()
	s, err := schema.Build(schema.Source{File: "args.graphql", Input: argsSchema}, schema.Options{Binders: testBinders(), Upstreams: map[string]schema.UpstreamInfo{"api": upstreamInfo}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// coercedVars coerces the variables object text as the gateway does; a
// value coercion refuses is the first error's message.
func coercedVars(t testing.TB, s *ast.Schema, op *ast.OperationDefinition, text string) (map[string]any, string) {
	t.Helper()
	vars, errs := CoerceVariables(s, op, jsonVariables(t, text), CoerceOptions{})
	if len(errs) > 0 {
		return nil, errs[0].Message
	}
	return vars, ""
}

// jsonVariables looks variables up in the JSON object text ("" for none).
func jsonVariables(t testing.TB, text string) VariableValue {
	t.Helper()
	var obj *fastjson.Object
	if text != "" {
		v, err := fastjson.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		if obj, err = v.Object(); err != nil {
			t.Fatal(err)
		}
	}
	return func(name string) (*fastjson.Value, bool, error) {
		if obj == nil {
			return nil, false, nil
		}
		v := obj.Get(name)
		return v, v != nil, nil
	}
}

const big = "123456789012345678901234567890"

func TestArguments(t *testing.T) {
	s := argsSchemaBuild(t, schema.UpstreamInfo{Name: "api", Kind: rest.KindName})
	tests := []struct {
		name, query, vars string
		// coerced, when set, stands for the coerced variables.
		coerced map[string]any
		want    map[string]any
		wantErr string
	}{
		// Literals.
		{"Int", `{ f(i: 7) }`, "", nil, map[string]any{"i": int64(7)}, ""},
		{"Int at its bounds", `{ f(i: 2147483647, l: [-2147483648]) }`, "", nil, map[string]any{"i": int64(2147483647), "l": []any{int64(-2147483648)}}, ""},
		{"Int beyond 32 bits", `{ f(i: 2147483648) }`, "", nil, nil, "argument i: Int cannot represent non 32-bit signed integer value: 2147483648"},
		{"Int below 32 bits", `{ f(i: -2147483649) }`, "", nil, nil, "argument i: Int cannot represent non 32-bit signed integer value: -2147483649"},
		{"Int64 at its bound", `{ f(i64: 9223372036854775807) }`, "", nil, map[string]any{"i64": int64(9223372036854775807)}, ""},
		{"Int64 beyond 64 bits", `{ f(i64: 9223372036854775808) }`, "", nil, nil, "argument i64: Int64 cannot represent non 64-bit signed integer value: 9223372036854775808"},
		{"Int64 far beyond", `{ f(i64: -` + big + `) }`, "", nil, nil, "argument i64: Int64 cannot represent non 64-bit signed integer value: -" + big},
		{"UInt64 beyond int64 keeps its text", `{ f(u64: 18446744073709551615) }`, "", nil, map[string]any{"u64": json.Number("18446744073709551615")}, ""},
		{"UInt64 negative", `{ f(u64: -1) }`, "", nil, nil, "argument u64: UInt64 cannot represent non 64-bit unsigned integer value: -1"},
		{"UInt64 beyond 64 bits", `{ f(u64: 18446744073709551616) }`, "", nil, nil, "argument u64: UInt64 cannot represent non 64-bit unsigned integer value: 18446744073709551616"},
		{"UInt32", `{ f(u32: 4294967295) }`, "", nil, map[string]any{"u32": int64(4294967295)}, ""},
		{"UInt32 beyond", `{ f(u32: 4294967296) }`, "", nil, nil, "argument u32: UInt32 cannot represent non 32-bit unsigned integer value: 4294967296"},
		{"JSON keeps a huge integer's text", `{ f(j: ` + big + `) }`, "", nil, map[string]any{"j": json.Number(big)}, ""},
		{"JSON keeps huge numbers inside", `{ f(j: {a: [1, ` + big + `, 1e400, 2.5], b: "x", c: null, d: true, e: RED}) }`, "", nil,
			map[string]any{"j": map[string]any{"a": []any{int64(1), json.Number(big), json.Number("1e400"), 2.5}, "b": "x", "c": nil, "d": true, "e": "RED"}}, ""},
		{"Float", `{ f(fl: 1.5) }`, "", nil, map[string]any{"fl": 1.5}, ""},
		{"Float given an integer", `{ f(fl: 3) }`, "", nil, map[string]any{"fl": int64(3)}, ""},
		{"ID, String, Boolean, enum", `{ f(id: 12, s: "x", b: false, e: GREEN) }`, "", nil, map[string]any{"id": int64(12), "s": "x", "b": false, "e": "GREEN"}, ""},
		{"null", `{ f(i: null, in: null) }`, "", nil, map[string]any{"i": nil, "in": nil}, ""},
		{"list item beyond", `{ f(l: [1, 2147483648]) }`, "", nil, nil, "argument l[1]: Int cannot represent non 32-bit signed integer value: 2147483648"},
		{"one value for a list", `{ f(l: 3) }`, "", nil, map[string]any{"l": []any{int64(3)}}, ""},
		{"one value for a list in an input", `{ f(in: {list: 3}) }`, "", nil, map[string]any{"in": map[string]any{"list": []any{int64(3)}}}, ""},
		{"input defaults in a literal", `{ f(d: {l: {n: 1}}) }`, "", nil, map[string]any{"d": map[string]any{"n": int64(3), "nn": int64(2), "l": []any{map[string]any{"n": int64(1)}}}}, ""},
		{"input field given null over its default", `{ f(d: {n: null}) }`, "", nil, map[string]any{"d": map[string]any{"n": nil, "nn": int64(2)}}, ""},
		// Validation refuses an integer beyond int64 anywhere in an input
		// object literal, custom scalar fields included; only variables
		// bring one there.
		{"input object", `{ f(in: {n: 1, inner: {list: [2]}, j: {x: 9223372036854775807}, big: -9223372036854775808}) }`, "", nil,
			map[string]any{"in": map[string]any{"n": int64(1), "inner": map[string]any{"list": []any{int64(2)}}, "j": map[string]any{"x": int64(9223372036854775807)}, "big": int64(-9223372036854775808)}}, ""},
		{"input field beyond", `{ f(in: {inner: {n: 3000000000}}) }`, "", nil, nil, "argument in.inner.n: Int cannot represent non 32-bit signed integer value: 3000000000"},
		{"deep in a list of inputs", `{ f(ins: [{n: 1}, {list: [1, 2, 2147483648]}]) }`, "", nil, nil, "argument ins[1].list[2]: Int cannot represent non 32-bit signed integer value: 2147483648"},
		{"defaults", `{ g }`, "", nil, map[string]any{"d": int64(5), "dj": map[string]any{"n": json.Number(big)}}, ""},
		{"null over a default", `{ g(d: null, dj: 1) }`, "", nil, map[string]any{"d": nil, "dj": int64(1)}, ""},
		{"no arguments", `{ h }`, "", nil, nil, ""},

		// Variables.
		{"Int variable", `query($i: Int) { f(i: $i) }`, `{"i": 7}`, nil, map[string]any{"i": int64(7)}, ""},
		{"Int variable beyond 32 bits", `query($i: Int) { f(i: $i) }`, `{"i": 3000000000}`, nil, nil, `Variable "$i" got invalid value 3000000000; Int cannot represent non 32-bit signed integer value: 3000000000`},
		// gqlparser refuses 3000000000.0 for Int itself; what it lets
		// through, a whole float64 (variables decoded without UseNumber),
		// is checked here.
		{"Int variable as a whole float", `query($i: Int) { f(i: $i) }`, ``, map[string]any{"i": 3000000000.0}, nil, "argument i: Int cannot represent non 32-bit signed integer value: 3000000000"},
		{"Int64 variable as a float at 2^63", `query($x: Int64) { f(i64: $x) }`, ``, map[string]any{"x": 9223372036854775808.0}, nil, "argument i64: Int64 cannot represent non 64-bit signed integer value: 9223372036854775808"},
		{"Int variable as a fraction", `query($i: Int) { f(i: $i) }`, ``, map[string]any{"i": 1.5}, map[string]any{"i": 1.5}, ""},
		{"variable not given", `query($i: Int) { f(i: $i) }`, ``, nil, map[string]any{}, ""},
		{"variable's default", `query($i: Int = 4) { f(i: $i) }`, ``, nil, map[string]any{"i": int64(4)}, ""},
		{"variable null", `query($i: Int) { f(i: $i) }`, `{"i": null}`, nil, map[string]any{"i": nil}, ""},
		{"variable not given, argument's default", `query($d: Int) { g(d: $d) }`, ``, nil, map[string]any{"d": int64(5), "dj": map[string]any{"n": json.Number(big)}}, ""},
		{"Int64 variable keeps its text", `query($x: Int64) { f(i64: $x) }`, `{"x": 9007199254740993}`, nil, map[string]any{"i64": json.Number("9007199254740993")}, ""},
		{"Int64 variable beyond", `query($x: Int64) { f(i64: $x) }`, `{"x": ` + big + `}`, nil, nil, "argument i64: Int64 cannot represent non 64-bit signed integer value: " + big},
		{"Int64 variable as a string beyond", `query($x: Int64) { f(i64: $x) }`, `{"x": "` + big + `"}`, nil, nil, "argument i64: Int64 cannot represent non 64-bit signed integer value: " + big},
		{"Int64 variable as a string", `query($x: Int64) { f(i64: $x) }`, `{"x": "12"}`, nil, map[string]any{"i64": "12"}, ""},
		{"JSON variable keeps its numbers", `query($j: JSON) { f(j: $j) }`, `{"j": {"n": ` + big + `}}`, nil, map[string]any{"j": map[string]any{"n": json.Number(big)}}, ""},
		{"input variable beyond", `query($in: In) { f(in: $in) }`, `{"in": {"inner": {"n": 3000000000}}}`, nil, nil, `Variable "$in" got invalid value 3000000000 at "in.inner.n"; Int cannot represent non 32-bit signed integer value: 3000000000`},
		{"Int64 input variable beyond", `query($in: In) { f(in: $in) }`, `{"in": {"big": ` + big + `}}`, nil, nil, "argument in.big: Int64 cannot represent non 64-bit signed integer value: " + big},
		{"input variable", `query($in: In) { f(in: $in) }`, `{"in": {"n": 1, "j": ` + big + `}}`, nil, map[string]any{"in": map[string]any{"n": int64(1), "j": json.Number(big)}}, ""},
		{"list variable beyond", `query($l: [Int]) { f(l: $l) }`, `{"l": [1, 3000000000]}`, nil, nil, `Variable "$l" got invalid value 3000000000 at "l[1]"; Int cannot represent non 32-bit signed integer value: 3000000000`},
		{"one value for a list variable, beyond", `query($l: [Int]) { f(l: $l) }`, `{"l": 3000000000}`, nil, nil, `Variable "$l" got invalid value 3000000000; Int cannot represent non 32-bit signed integer value: 3000000000`},
		{"one value for a list variable", `query($l: [Int]) { f(l: $l) }`, `{"l": 3}`, nil, map[string]any{"l": []any{int64(3)}}, ""},
		{"list of inputs variable beyond", `query($ins: [In!]) { f(ins: $ins) }`, `{"ins": [{"n": 1}, {"list": [2147483648]}]}`, nil, nil, `Variable "$ins" got invalid value 2147483648 at "ins[1].list[0]"; Int cannot represent non 32-bit signed integer value: 2147483648`},
		{"Int64 variable in a list of inputs beyond", `query($ins: [In!]) { f(ins: $ins) }`, `{"ins": [{"n": 1}, {"big": ` + big + `}]}`, nil, nil, "argument ins[1].big: Int64 cannot represent non 64-bit signed integer value: " + big},
		{"variable inside a literal", `query($n: Int) { f(in: {n: $n, big: 1}) }`, `{"n": 3000000000}`, nil, nil, `Variable "$n" got invalid value 3000000000; Int cannot represent non 32-bit signed integer value: 3000000000`},
		{"null variable over an argument's default", `query($n: Int = 1) { g(d: $n) }`, `{"n": null}`, nil, map[string]any{"d": nil, "dj": map[string]any{"n": json.Number(big)}}, ""},
		{"null variable for a non-null argument", `query($n: Int = 1) { k(nn: $n) }`, `{"n": null}`, nil, nil, `Argument "nn" of non-null type "Int!" must not be null.`},
		{"variable not given for a non-null argument", `query($n: Int) { k(nn: $n) }`, `{}`, nil, map[string]any{"nn": int64(1)}, ""},
		{"null variable for a non-null input field", `query($n: Int = 1) { f(d: {nn: $n}) }`, `{"n": null}`, nil, nil, `argument d.nn: Expected non-nullable type "Int!" not to be null.`},
		{"input defaults in a variable", `query($d: D) { f(d: $d) }`, `{"d": {"l": {"n": 1}}}`, nil, map[string]any{"d": map[string]any{"n": int64(3), "nn": int64(2), "l": []any{map[string]any{"n": int64(1)}}}}, ""},
		{"unset variable inside a literal is absent", `query($n: Int) { f(in: {n: $n, big: 1}) }`, ``, nil, map[string]any{"in": map[string]any{"big": int64(1)}}, ""},
		{"unset variable in a list is null", `query($n: Int) { f(l: [$n, 1]) }`, ``, nil, map[string]any{"l": []any{nil, int64(1)}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, gerr := gqlparser.LoadQuery(s.AST, tt.query)
			if gerr != nil {
				t.Fatalf("query: %v", gerr)
			}
			op := doc.Operations[0]
			vars := tt.coerced
			if vars == nil {
				var msg string
				if vars, msg = coercedVars(t, s.AST, op, tt.vars); msg != "" {
					if msg != tt.wantErr {
						t.Fatalf("variables: %s; want %q", msg, tt.wantErr)
					}
					return
				}
			}
			field := op.SelectionSet[0].(*ast.Field)
			got, err := arguments(s.AST, field, vars)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("arguments = %v, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("arguments: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("arguments = %#v\nwant        %#v", got, tt.want)
			}
		})
	}
}

// TestIntLiteral covers literals validation lets through only for custom
// scalars, and the Float literal out of float64's range it refuses.
func TestIntLiteral(t *testing.T) {
	tests := []struct {
		scalar, raw string
		want        any
		wantErr     bool
	}{
		{"JSON", "9223372036854775807", int64(9223372036854775807), false},
		{"JSON", "9223372036854775808", json.Number("9223372036854775808"), false},
		{"JSON", "-" + big, json.Number("-" + big), false},
		{"ID", big, json.Number(big), false},
		{"Float", big, json.Number(big), false},
		{"Int", "0", int64(0), false},
		{"Int", big, nil, true},
		{"UInt32", "-0", int64(0), false},
		{"UInt64", "9223372036854775808", json.Number("9223372036854775808"), false},
	}
	for _, tt := range tests {
		got, err := intLiteral(tt.scalar, tt.raw)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("intLiteral(%s, %s) = %#v, %v; want %#v, error %v", tt.scalar, tt.raw, got, err, tt.want, tt.wantErr)
		}
	}
	s := &ast.Schema{Types: map[string]*ast.Definition{}}
	for _, raw := range []string{"1e400", "-1e400"} {
		v := &ast.Value{Kind: ast.FloatValue, Raw: raw}
		if got, err := literal(s, ast.NamedType("JSON", nil), v, nil); err != nil || got != json.Number(raw) {
			t.Errorf("JSON literal %s = %#v, %v; want its text", raw, got, err)
		}
		if _, err := literal(s, ast.NamedType("Float", nil), v, nil); err == nil {
			t.Errorf("Float literal %s: no error", raw)
		}
	}
}

// TestArgumentErrorResponse runs operations whose arguments are out of
// range against a REST server: each is a field error at the field's path
// with extensions.code BAD_USER_INPUT, nothing is sent upstream, and the
// rest of the response stands.
func TestArgumentErrorResponse(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `7`)
	}))
	t.Cleanup(srv.Close)
	docs, err := resource.LoadBytes("api.yaml", []byte("apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: api\nspec:\n  rest:\n    baseURL: "+srv.URL+"\n"), resource.Options{})
	if err != nil {
		t.Fatal(err)
	}
	up, info, err := rest.Build(context.Background(), &upstreams.Source{
		Doc:      docs[0],
		ReadFile: func(name string) ([]byte, string, error) { return nil, name, errors.New("no files") },
		Log:      zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.(*rest.Upstream).Close)
	s := argsSchemaBuild(t, info)
	e, err := New(s, Options{Upstreams: map[string]upstreams.Upstream{"api": up}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query, vars string
		wantData          string
		wantMessage       string
		wantCalls         int64
		// wantColumn, when set, is the error's column: the argument's
		// value, not the field.
		wantColumn int
	}{
		{"literal beyond int64 for a custom scalar", `{ a: f(i64: ` + big + `) h }`, ``,
			`{"a":null,"h":7}`, "argument i64: Int64 cannot represent non 64-bit signed integer value: " + big, 1, 0},
		{"Int literal beyond 32 bits", `{ f(in: {n: 3000000000}) h }`, ``,
			`{"f":null,"h":7}`, "argument in.n: Int cannot represent non 32-bit signed integer value: 3000000000", 1, 0},
		{"Int64 variable beyond 64 bits", `query($i: Int64) { f(i64: $i) }`, `{"i": ` + big + `}`,
			`{"f":null}`, "argument i64: Int64 cannot represent non 64-bit signed integer value: " + big, 0, 0},
		{"JSON literal beyond int64 is sent", `{ f(j: ` + big + `) }`, ``, `{"f":7}`, "", 1, 0},
		{"null variable for a non-null argument", `query($n: Int = 1) { f: k(nn: $n) }`, `{"n": null}`,
			`{"f":null}`, `Argument "nn" of non-null type "Int!" must not be null.`, 0, 31},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			doc, gerr := gqlparser.LoadQuery(s.AST, tt.query)
			if gerr != nil {
				t.Fatalf("query: %v", gerr)
			}
			p, err := planner.Build(context.Background(), s, doc, "", planner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			vars, msg := coercedVars(t, s.AST, doc.Operations[0], tt.vars)
			if msg != "" {
				t.Fatal(msg)
			}
			opCtx := &graphql.OperationContext{Variables: vars, Headers: http.Header{}}
			resp := e.execute(context.Background(), opCtx, p, nil)
			if string(resp.Data) != tt.wantData {
				t.Errorf("data = %s, want %s", resp.Data, tt.wantData)
			}
			if n := calls.Load(); n != tt.wantCalls {
				t.Errorf("%d calls upstream, want %d", n, tt.wantCalls)
			}
			if tt.wantMessage == "" {
				if len(resp.Errors) != 0 {
					t.Fatalf("errors: %v", resp.Errors)
				}
				return
			}
			if len(resp.Errors) != 1 {
				t.Fatalf("errors: %v", resp.Errors)
			}
			ge := resp.Errors[0]
			key := "f"
			if strings.HasPrefix(tt.query, "{ a:") {
				key = "a"
			}
			if ge.Message != tt.wantMessage || len(ge.Path) != 1 || ge.Path[0] != ast.PathName(key) ||
				ge.Extensions["code"] != codeBadUserInput || len(ge.Locations) != 1 ||
				tt.wantColumn != 0 && ge.Locations[0].Column != tt.wantColumn {
				t.Errorf("error = %q at %v, extensions %v, locations %v", ge.Message, ge.Path, ge.Extensions, ge.Locations)
			}
		})
	}
}

// FuzzArguments checks that no valid operation and variables make variable
// coercion or argument evaluation panic, as gqlparser's ArgumentMap did.
func FuzzArguments(f *testing.F) {
	s := argsSchemaBuild(f, schema.UpstreamInfo{Name: "api", Kind: rest.KindName})
	f.Add(`{ f(j: `+big+`, i64: 1, in: {n: 1}) }`, ``)
	f.Add(`query($x: JSON, $i: [Int]) { f(j: [$x, 1e400], l: $i) }`, `{"x": `+big+`, "i": 3000000000}`)
	f.Add(`query($in: [In!]) { f(ins: $in, u64: 18446744073709551616) g }`, `{"in": {"inner": {"big": "`+big+`"}}}`)
	f.Fuzz(func(t *testing.T, query, vars string) {
		doc, gerr := gqlparser.LoadQuery(s.AST, query)
		if gerr != nil || len(doc.Operations) != 1 {
			return
		}
		var obj *fastjson.Object
		if vars != "" {
			v, err := fastjson.Parse(vars)
			if err != nil {
				return
			}
			if obj, err = v.Object(); err != nil {
				return
			}
		}
		op := doc.Operations[0]
		coerced, errs := CoerceVariables(s.AST, op, func(name string) (*fastjson.Value, bool, error) {
			if obj == nil {
				return nil, false, nil
			}
			v := obj.Get(name)
			return v, v != nil, nil
		}, CoerceOptions{Suggest: true})
		if errs != nil {
			return
		}
		for _, sel := range op.SelectionSet {
			if field, ok := sel.(*ast.Field); ok {
				_, _ = arguments(s.AST, field, coerced)
			}
		}
	})
}

// testBinders are the binding directives of the gateway's kinds, as the
// gateway registers them.
func testBinders() []schema.Binder {
	return []schema.Binder{upgraphql.Binder{}, restbind.Binder{}, grpcup.Binder{}, soap.Binder{}}
}
