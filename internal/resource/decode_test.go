package resource

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// header is the envelope the decode tests put in front of a spec; the
// spec's content starts on line 6.
const header = "apiVersion: weft.dev/v1\nkind: Test\nmetadata:\n  name: t\nspec:\n"

func loadOne(t *testing.T, text string, opts Options) *Document {
	t.Helper()
	docs, err := LoadBytes("t.yaml", []byte(text), opts)
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	if len(docs) != 1 {
		t.Fatalf("LoadBytes gave %d documents, want 1", len(docs))
	}
	return docs[0]
}

func TestDecodeAllFeatures(t *testing.T) {
	d := loadOne(t, header+`
  description: users service
  url: http://users
  timeout: 1m30s
  retries: 3
  enabled: true
  weight: 0.5
  port: 8080
  offset: -3
  headers:
    x-a: "1"
    x.b: 2
  routes:
  - &first
    name: a
    match:
      prefix: /a
      headers: [{name: x-user, value: "42"}]
    fallback: {value: {items: [1, "two", null]}, after: 250ms}
  - <<: *first
    name: b
  pair: [l, r]
  schema:
    file: users.graphql
  raw: [1, 2]
  level: high
  addr: 10.0.0.1
  extra: {n: 1, f: 1.5, s: x, l: [true], "null": ~}
  hidden: this key is unknown, not the unexported field
`, Options{})
	spec := testSpec{Ignored: "kept", Timeout: time.Second}
	err := d.DecodeSpec(&spec)
	wantErr := `t.yaml:34:3: spec.hidden: unknown field "hidden"; allowed fields: description, url, timeout, retries, enabled, weight, port, offset, headers, routes, pair, schema, raw, level, addr, extra`
	if err == nil || err.Error() != wantErr {
		t.Fatalf("DecodeSpec error =\n%v\nwant\n%s", err, wantErr)
	}
	three := 3
	route := testRoute{
		Name: "a",
		Match: testMatch{
			Prefix:  "/a",
			Headers: []testHeader{{Name: "x-user", Value: "42"}},
		},
		Fallback: &testFallback{Value: map[string]any{"items": []any{1, "two", nil}}, After: 250 * time.Millisecond},
	}
	routeB := route
	routeB.Name = "b"
	want := testSpec{
		testCommon: testCommon{Description: "users service"},
		URL:        "http://users",
		Timeout:    90 * time.Second,
		Retries:    &three,
		Enabled:    true,
		Weight:     0.5,
		Port:       8080,
		Offset:     -3,
		Headers:    map[string]string{"x-a": "1", "x.b": "2"},
		Routes:     []testRoute{route, routeB},
		Pair:       [2]string{"l", "r"},
		Level:      2,
		Addr:       netip.MustParseAddr("10.0.0.1"),
		Extra:      map[string]any{"n": 1, "f": 1.5, "s": "x", "l": []any{true}, "null": nil},
		Ignored:    "kept",
	}
	if spec.Schema == nil || spec.Schema.Kind != yaml.MappingNode || spec.Schema.Line != 29 {
		t.Errorf("Schema = %+v, want the raw mapping node at line 29", spec.Schema)
	}
	if spec.Raw.Kind != yaml.SequenceNode || len(spec.Raw.Content) != 2 {
		t.Errorf("Raw = %+v, want the raw list node", spec.Raw)
	}
	if spec.hidden != "" {
		t.Errorf("the unexported field was set to %q", spec.hidden)
	}
	spec.Schema, spec.Raw = nil, yaml.Node{}
	if !reflect.DeepEqual(spec, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", spec, want)
	}
}

func TestDecodeKeepsDefaultsAndNullResets(t *testing.T) {
	d := loadOne(t, header+`
  url: u
  headers: ~
  routes:
  enabled: null
`, Options{})
	spec := testSpec{
		Timeout: 5 * time.Second,
		Enabled: true,
		Headers: map[string]string{"a": "b"},
		Routes:  []testRoute{{Name: "default"}},
	}
	if err := d.DecodeSpec(&spec); err != nil {
		t.Fatal(err)
	}
	if spec.Timeout != 5*time.Second {
		t.Errorf("Timeout = %v, want the default 5s kept", spec.Timeout)
	}
	if !spec.Enabled {
		t.Errorf("Enabled = false; null must leave a non-nillable default alone")
	}
	if spec.Headers != nil || spec.Routes != nil {
		t.Errorf("Headers, Routes = %v, %v; null must reset them to nil", spec.Headers, spec.Routes)
	}
}

func TestDecodeMapAddsToExisting(t *testing.T) {
	d := loadOne(t, header+"  url: u\n  headers: {b: \"2\"}\n", Options{})
	spec := testSpec{Headers: map[string]string{"a": "1"}}
	if err := d.DecodeSpec(&spec); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"a": "1", "b": "2"}; !reflect.DeepEqual(spec.Headers, want) {
		t.Errorf("Headers = %v, want %v", spec.Headers, want)
	}
}

func TestDecodeInlineMapCollectsUnknownKeys(t *testing.T) {
	type withRest struct {
		Name string            `yaml:"name"`
		Rest map[string]string `yaml:",inline"`
	}
	type outer struct {
		withRest `yaml:",inline"`
		Age      int `yaml:"age"`
	}
	d := loadOne(t, header+"  name: n\n  age: 3\n  a: x\n  b: y\n", Options{})
	var got outer
	if err := d.DecodeSpec(&got); err != nil {
		t.Fatal(err)
	}
	want := outer{withRest: withRest{Name: "n", Rest: map[string]string{"a": "x", "b": "y"}}, Age: 3}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		spec string // indented under spec:, starts on line 6
		want string // every error, sorted, one per line
	}{
		{
			name: "unknown field with suggestion",
			spec: "  url: u\n  timout: 2s\n",
			want: `t.yaml:7:3: spec.timout: unknown field "timout" (did you mean "timeout"?); allowed fields: description, url, timeout, retries, enabled, weight, port, offset, headers, routes, pair, schema, raw, level, addr, extra`,
		},
		{
			name: "unknown field transposed letters, nested",
			spec: "  url: u\n  routes:\n  - name: a\n    mathc: {}\n",
			want: "t.yaml:8:5: spec.routes[0].match: missing required field \"match\"\n" +
				`t.yaml:9:5: spec.routes[0].mathc: unknown field "mathc" (did you mean "match"?); allowed fields: name, match, fallback, timeout`,
		},
		{
			name: "unknown field far from every name",
			spec: "  url: u\n  routes: [{name: a, match: {}, zzzzzz: 1}]\n",
			want: `t.yaml:7:33: spec.routes[0].zzzzzz: unknown field "zzzzzz"; allowed fields: name, match, fallback, timeout`,
		},
		{
			name: "missing required field",
			spec: "  timeout: 2s\n",
			want: `t.yaml:6:3: spec.url: missing required field "url"`,
		},
		{
			name: "required field null",
			spec: "  url:\n",
			want: `t.yaml:6:7: spec.url: required field "url" has no value`,
		},
		{
			name: "spec absent reports required fields",
			spec: "",
			want: `t.yaml:5:6: spec.url: missing required field "url"`,
		},
		{
			name: "deep path",
			spec: "  url: u\n  routes:\n  - {name: a, match: {}}\n  - {name: b, match: {}}\n  - name: c\n    match:\n      headers:\n      - value: v\n",
			want: `t.yaml:13:9: spec.routes[2].match.headers[0].name: missing required field "name"`,
		},
		{
			name: "string where a list is expected",
			spec: "  url: u\n  routes: /a\n",
			want: `t.yaml:7:11: spec.routes: expected a list, got a string ("/a")`,
		},
		{
			name: "list where a string is expected",
			spec: "  url: [a]\n",
			want: `t.yaml:6:8: spec.url: expected a string, got a list`,
		},
		{
			name: "mapping where a string is expected",
			spec: "  url: {a: b}\n",
			want: `t.yaml:6:8: spec.url: expected a string, got a mapping`,
		},
		{
			name: "scalar where a mapping is expected",
			spec: "  url: u\n  routes: [{name: a, match: /x}]\n",
			want: `t.yaml:7:29: spec.routes[0].match: expected a mapping, got a string ("/x")`,
		},
		{
			name: "boolean",
			spec: "  url: u\n  enabled: yes\n",
			want: `t.yaml:7:12: spec.enabled: expected a boolean (true or false), got a string ("yes")`,
		},
		{
			name: "quoted boolean",
			spec: "  url: u\n  enabled: \"true\"\n",
			want: `t.yaml:7:12: spec.enabled: expected a boolean (true or false), got a string ("true")`,
		},
		{
			name: "integer from float",
			spec: "  url: u\n  retries: 1.5\n",
			want: `t.yaml:7:12: spec.retries: expected an integer, got a number (1.5)`,
		},
		{
			name: "integer out of range",
			spec: "  url: u\n  offset: 200\n",
			want: `t.yaml:7:11: spec.offset: expected an integer between -128 and 127, got 200`,
		},
		{
			name: "unsigned negative",
			spec: "  url: u\n  port: -1\n",
			want: `t.yaml:7:9: spec.port: expected an integer between 0 and 65535, got -1`,
		},
		{
			name: "unsigned too big",
			spec: "  url: u\n  port: 70000\n",
			want: `t.yaml:7:9: spec.port: expected an integer between 0 and 65535, got 70000`,
		},
		{
			name: "float from string",
			spec: "  url: u\n  weight: heavy\n",
			want: `t.yaml:7:11: spec.weight: expected a number, got a string ("heavy")`,
		},
		{
			name: "float32 overflow",
			spec: "  url: u\n  weight: 1e300\n",
			want: `t.yaml:7:11: spec.weight: expected a number that fits in float32, got 1e300`,
		},
		{
			name: "duration without unit",
			spec: "  url: u\n  timeout: 5\n",
			want: `t.yaml:7:12: spec.timeout: expected a duration such as "250ms" or "2s", got an integer (5)`,
		},
		{
			name: "duration in words",
			spec: "  url: u\n  timeout: 2 seconds\n",
			want: `t.yaml:7:12: spec.timeout: expected a duration such as "250ms" or "2s", got a string ("2 seconds")`,
		},
		{
			name: "array length",
			spec: "  url: u\n  pair: [a, b, c]\n",
			want: `t.yaml:7:9: spec.pair: expected a list of 2 items, got 3`,
		},
		{
			name: "map of strings given a list value",
			spec: "  url: u\n  headers: {a: [x]}\n",
			want: `t.yaml:7:16: spec.headers.a: expected a string, got a list`,
		},
		{
			name: "map key that is not a string",
			spec: "  url: u\n  headers: {[a]: x}\n",
			want: `t.yaml:7:13: spec.headers: keys must be strings, got a list`,
		},
		{
			name: "duplicate key",
			spec: "  url: u\n  url: v\n",
			want: `t.yaml:7:3: spec.url: duplicate key "url" (first at line 6, column 3)`,
		},
		{
			name: "duplicate key in a map field, quoted path",
			spec: "  url: u\n  headers:\n    x.y: a\n    x.y: b\n",
			want: `t.yaml:9:5: spec.headers["x.y"]: duplicate key "x.y" (first at line 8, column 5)`,
		},
		{
			name: "unmarshaler error",
			spec: "  url: u\n  level: medium\n",
			want: `t.yaml:7:10: spec.level: level must be low or high, not "medium"`,
		},
		{
			name: "text unmarshaler error",
			spec: "  url: u\n  addr: 10.0.0.300\n",
			want: `t.yaml:7:9: spec.addr: invalid value "10.0.0.300": ParseAddr("10.0.0.300"): IPv4 field has value >255`,
		},
		{
			name: "text unmarshaler given a mapping",
			spec: "  url: u\n  addr: {ip: x}\n",
			want: `t.yaml:7:9: spec.addr: expected a string, got a mapping`,
		},
		{
			name: "long values are shortened",
			spec: "  url: u\n  weight: " + strings.Repeat("w", 60) + "\n",
			want: `t.yaml:7:11: spec.weight: expected a number, got a string ("` + strings.Repeat("w", 37) + `...")`,
		},
		{
			name: "alias to an ancestor",
			spec: "  url: u\n  routes: &r\n  - name: a\n    match: {}\n    fallback: {value: *r}\n",
			want: `t.yaml:10:23: spec.routes[0].fallback.value: alias *r refers to a value that contains it`,
		},
		{
			name: "merge of an ancestor",
			spec: "  url: u\n  routes:\n  - &r\n    name: a\n    match: {<<: *r}\n",
			want: `t.yaml:10:17: spec.routes[0].match: alias *r refers to a value that contains it`,
		},
		{
			name: "merge of a scalar",
			spec: "  url: u\n  <<: 3\n",
			want: `t.yaml:7:7: spec: merge key <<: expected a mapping or a list of mappings, got an integer (3)`,
		},
		{
			name: "merge list with a scalar",
			spec: "  url: u\n  <<: [x]\n",
			want: `t.yaml:7:8: spec: merge key <<: expected a mapping, got a string ("x")`,
		},
		{
			name: "errors inside merged content point at the anchor",
			spec: "  url: u\n  routes:\n  - &r {name: a, match: {}, timeout: soon}\n  - <<: *r\n",
			want: "t.yaml:8:38: spec.routes[0].timeout: expected a duration such as \"250ms\" or \"2s\", got a string (\"soon\")\n" +
				`t.yaml:8:38: spec.routes[1].timeout: expected a duration such as "250ms" or "2s", got a string ("soon")`,
		},
		{
			name: "every error in the document",
			spec: "  routes:\n  - name: [x]\n    match: {prefix: 1, nope: 2}\n  timeout: x\n",
			want: "t.yaml:6:3: spec.url: missing required field \"url\"\n" +
				"t.yaml:7:11: spec.routes[0].name: expected a string, got a list\n" +
				"t.yaml:8:24: spec.routes[0].match.nope: unknown field \"nope\"; allowed fields: prefix, headers\n" +
				`t.yaml:9:12: spec.timeout: expected a duration such as "250ms" or "2s", got a string ("x")`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := loadOne(t, header+tt.spec, Options{})
			var spec testSpec
			err := d.DecodeSpec(&spec)
			if err == nil {
				t.Fatalf("DecodeSpec succeeded, want\n%s", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("DecodeSpec error =\n%s\nwant\n%s", got, tt.want)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Errorf("error is %T, want Errors", err)
			}
		})
	}
}

func TestDecodeProgrammerErrors(t *testing.T) {
	d := loadOne(t, header+"  a: 1\n", Options{})
	type dupName struct {
		A int `yaml:"a"`
		B int `yaml:"a"`
	}
	type badTag struct {
		A int `yaml:"a" weft:"optional"`
	}
	type twoInlineMaps struct {
		M1 map[string]int `yaml:",inline"`
		M2 map[string]int `yaml:",inline"`
	}
	type inlineScalar struct {
		A int `yaml:",inline"`
	}
	type intKeys struct {
		A map[int]int `yaml:"a"`
	}
	type chanField struct {
		A chan int `yaml:"a"`
	}
	type iface struct {
		A error `yaml:"a"`
	}
	tests := []struct {
		name string
		into any
		want string
	}{
		{"not a pointer", testSpec{}, "resource: decode spec: need a non-nil pointer, got resource.testSpec"},
		{"nil pointer", (*testSpec)(nil), "resource: decode spec: need a non-nil pointer, got *resource.testSpec"},
		{"duplicate name", &dupName{}, `resource: decode spec: struct resource.dupName has two fields named "a"`},
		{"unknown weft tag", &badTag{}, `resource: decode spec: struct resource.badTag field A: unknown weft tag option "optional"`},
		{"two inline maps", &twoInlineMaps{}, "resource: decode spec: struct resource.twoInlineMaps has more than one inline map"},
		{"inline scalar", &inlineScalar{}, "resource: decode spec: struct resource.inlineScalar field A: inline needs a struct or a map, not int"},
		{"int map keys", &intKeys{}, "resource: decode spec.a: map key type int is not a string type"},
		{"channel", &chanField{}, "resource: decode spec.a: cannot decode into chan int"},
		{"non-empty interface", &iface{}, "resource: decode spec.a: cannot decode into interface type error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.DecodeSpec(tt.into)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("DecodeSpec error = %v, want %s", err, tt.want)
			}
			if AsErrors(err) != nil {
				t.Errorf("a bug in the Go types was reported as a config error")
			}
		})
	}
}

// aliasBomb builds the classic "billion laughs" document: each level lists
// the previous one ten times, so n levels expand to 10^n strings.
func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("  url: u\n  extra:\n    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "    l%d: &l%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestDecodeAliasBombIsStopped(t *testing.T) {
	for _, into := range []struct {
		name string
		v    any
	}{
		{"struct with an any field", &testSpec{}},
		{"typed lists", &struct {
			URL   string `yaml:"url"`
			Extra struct {
				L0 []string                   `yaml:"l0"`
				L1 [][]string                 `yaml:"l1"`
				L2 [][][]string               `yaml:"l2"`
				L3 [][][][]string             `yaml:"l3"`
				L4 [][][][][]string           `yaml:"l4"`
				L5 [][][][][][]string         `yaml:"l5"`
				L6 [][][][][][][]string       `yaml:"l6"`
				L7 [][][][][][][][]string     `yaml:"l7"`
				L8 [][][][][][][][][]string   `yaml:"l8"`
				L9 [][][][][][][][][][]string `yaml:"l9"`
			} `yaml:"extra"`
		}{}},
	} {
		t.Run(into.name, func(t *testing.T) {
			d := loadOne(t, aliasBomb(9), Options{})
			start := time.Now()
			err := d.DecodeSpec(into.v)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("decoding took %v; the alias budget should stop it early", elapsed)
			}
			es := AsErrors(err)
			if len(es) == 0 {
				t.Fatalf("DecodeSpec error = %v, want the alias limit", err)
			}
			last := es[len(es)-1]
			wantMsg := fmt.Sprintf("too much alias expansion: the document would decode more than %d nodes; use fewer or smaller aliases", aliasSlack+aliasFactor*d.nodes)
			if last.Msg != wantMsg || !strings.HasPrefix(last.Path, "spec.extra.l") {
				t.Errorf("last error = %v, want %q under spec.extra", last, wantMsg)
			}
		})
	}
}

// Ordinary anchors, many times reused, stay within the budget.
func TestDecodeAliasesWithinBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString(header + "  url: u\n  routes:\n  - &r {name: r, match: {prefix: /, headers: [{name: a}, {name: b}]}, fallback: {value: [1, 2, 3]}}\n")
	for range 500 {
		b.WriteString("  - *r\n")
	}
	d := loadOne(t, b.String(), Options{})
	var spec testSpec
	if err := d.DecodeSpec(&spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Routes) != 501 || spec.Routes[500].Match.Headers[1].Name != "b" {
		t.Errorf("decoded %d routes, last %+v", len(spec.Routes), spec.Routes[len(spec.Routes)-1])
	}
}

// Merge keys can fan out like aliases: each level merges the previous one
// ten times. Only the first copy adds keys, but the work must still be
// bounded.
func TestDecodeMergeBombIsStopped(t *testing.T) {
	var b strings.Builder
	b.WriteString(header + "  url: u\n  extra:\n    l0: &l0 {a: 1, b: 2}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "    l%d: &l%d {<<: [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]}\n")
	}
	d := loadOne(t, b.String(), Options{})
	start := time.Now()
	var spec testSpec
	err := d.DecodeSpec(&spec)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("decoding took %v", elapsed)
	}
	if es := AsErrors(err); len(es) == 0 || !strings.HasPrefix(es[len(es)-1].Msg, "too much alias expansion") {
		t.Errorf("error = %v, want the alias limit", err)
	}
	start = time.Now()
	d.Pos("spec.extra.l12.zzz")
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Pos took %v", elapsed)
	}
}

// Nesting as deep as the parser allows decodes without trouble.
func TestDecodeDeepNesting(t *testing.T) {
	const depth = 5000
	text := header + "  url: u\n  extra: " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
	d := loadOne(t, text, Options{})
	var spec testSpec
	if err := d.DecodeSpec(&spec); err != nil {
		t.Fatal(err)
	}
	n := 0
	for v := spec.Extra; ; n++ {
		l, ok := v.([]any)
		if !ok || len(l) == 0 {
			break
		}
		v = l[0]
	}
	if n != depth-1 {
		t.Errorf("decoded %d levels, want %d", n, depth-1)
	}
}

// A node tree built in code can contain itself without an alias; decoding
// must stop rather than recurse forever.
func TestDecodeNodeCycleInCode(t *testing.T) {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
	m.Content = []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "a", Line: 1, Column: 1}, m}
	d := &Document{File: "code"}
	var v any
	err := d.Decode(m, "x", &v)
	if want := "code:1:1: x.a: value contains itself"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}
