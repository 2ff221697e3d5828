package tmpl

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"/p/{args.x", `at offset 3: unclosed "{"`},
		{"/p/}", `at offset 3: unmatched "}"`},
		{"{x}", `placeholder {x} must be root.path`},
		{"{env.HOME}", `unknown root "env"`},
		{"{args.1x}", `"1x" is not a valid name`},
		{"{args.a-b}", `"a-b" is not a valid name`},
		{"{headers.a.b}", `headers takes exactly one name`},
		{"{args.}", `"" is not a valid name`},
		{"{args.x*}", `at offset 0: {args.x*}: the explode modifier * is allowed only on a query parameter`},
		{"/p/{args.x*}/q", `at offset 3: {args.x*}: the explode modifier`},
		{"{args.x**}", `"x*" is not a valid name`},
		{"{args.*}", `"" is not a valid name`},
		{"{args*}", `must be root.path`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Parse(tt.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a *SyntaxError", tt.src, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) error = %q, want it to contain %q", tt.src, err, tt.want)
			}
		})
	}
}

func TestRefsAndShapes(t *testing.T) {
	tm := MustParse("/products/{parent.upc}/reviews?limit={args.first}&x={{lit}}")
	refs := tm.Refs()
	if len(refs) != 2 || refs[0].String() != "parent.upc" || refs[1].String() != "args.first" || refs[0].Offset != 10 {
		t.Fatalf("refs = %+v", refs)
	}
	if _, ok := tm.Single(); ok {
		t.Fatal("Single() = true for a mixed template")
	}
	if r, ok := MustParse("{headers.X-Tenant}").Single(); !ok || r.Path[0] != "x-tenant" {
		t.Fatalf("Single() = %v, %v; want the lowercased header", r, ok)
	}
	if lit, ok := MustParse("a{{b}}").Literal(); !ok || lit != "a{b}" {
		t.Fatalf("Literal() = %q, %v", lit, ok)
	}
}

func scope(t *testing.T) *Scope {
	t.Helper()
	parent, err := fastjson.Parse(`{"upc":"a/b","n":3,"tags":["x","y"],"obj":{"k":"v"},"nul":null,"esc":"q\"u"}`)
	if err != nil {
		t.Fatal(err)
	}
	return &Scope{
		Args:    map[string]any{"first": int64(2), "s": "hé llo", "f": 1.5, "in": map[string]any{"id": "7"}, "list": []any{"a", "b"}, "num": json.Number("12")},
		Parent:  parent,
		Headers: http.Header{"X-Tenant": {"acme"}},
		Vars:    map[string]string{"v": "2"},
	}
}

func TestAppendText(t *testing.T) {
	s := scope(t)
	pathEsc := func(dst []byte, v string) []byte { return append(dst, url.PathEscape(v)...) }
	tests := []struct {
		src, want string
		esc       Escaper
	}{
		{"/p/{parent.upc}/r", "/p/a%2Fb/r", pathEsc},
		{"{args.first}-{args.f}-{args.num}", "2-1.5-12", Raw},
		{"{args.s}", "hé llo", Raw},
		{"{args.in.id}", "7", Raw},
		{"{args.list}", "a,b", Raw},
		{"{parent.tags}", "x,y", Raw},
		{"{parent.obj}", `{"k":"v"}`, Raw},
		{"{parent.n}/{parent.esc}", `3/q"u`, Raw},
		{"{headers.x-tenant}:{vars.v}", "acme:2", Raw},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := MustParse(tt.src).AppendText(nil, s, tt.esc)
			if err != nil || string(got) != tt.want {
				t.Fatalf("AppendText(%q) = %q, %v; want %q", tt.src, got, err, tt.want)
			}
		})
	}
	for _, src := range []string{"{args.nope}", "{parent.nul}", "{headers.nope}", "{vars.nope}", "{args.in.id.deeper}"} {
		_, err := MustParse(src).AppendText(nil, s, Raw)
		var ne *NullError
		if !errors.As(err, &ne) {
			t.Errorf("AppendText(%q) error = %v, want *NullError", src, err)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	s := scope(t)
	tests := []struct{ src, want string }{
		{"{args.first}", `2`},
		{"{args.in}", `{"id":"7"}`},
		{"{parent.obj}", `{"k":"v"}`},
		{"{parent.nul}", `null`},
		{"{args.nope}", `null`},
		{"n={parent.n}", `"n=3"`},
		{"plain \"text\"", `"plain \"text\""`},
	}
	for _, tt := range tests {
		got, err := MustParse(tt.src).AppendJSON(nil, s)
		if err != nil || string(got) != tt.want {
			t.Errorf("AppendJSON(%q) = %s, %v; want %s", tt.src, got, err, tt.want)
		}
	}
	// Batch form: {parent.x} over many parents is a list.
	p1, _ := fastjson.Parse(`{"upc":"1"}`)
	p2, _ := fastjson.Parse(`{"upc":"2"}`)
	bs := &Scope{Parents: []*fastjson.Value{p1, p2}}
	if got, _ := MustParse("{parent.upc}").AppendJSON(nil, bs); string(got) != `["1","2"]` {
		t.Errorf("batch AppendJSON = %s", got)
	}
	if got, _ := MustParse("ids={parent.upc}").AppendText(nil, bs, Raw); string(got) != `ids=1,2` {
		t.Errorf("batch AppendText = %s", got)
	}
}

func TestJSONDocument(t *testing.T) {
	s := scope(t)
	doc := JSONObject(
		[]string{"upc", "qty", "note", "list"},
		[]*JSON{
			JSONString(MustParse("{parent.upc}")),
			JSONString(MustParse("{args.first}")),
			JSONString(MustParse("fixed")),
			JSONArray([]*JSON{JSONLiteral([]byte("1")), JSONString(MustParse("{vars.v}"))}),
		})
	got, err := doc.AppendJSON(nil, s)
	want := `{"upc":"a/b","qty":2,"note":"fixed","list":[1,"2"]}`
	if err != nil || string(got) != want {
		t.Fatalf("AppendJSON = %s, %v; want %s", got, err, want)
	}
	if refs := doc.Refs(); len(refs) != 3 {
		t.Fatalf("Refs() = %v", refs)
	}
}

// FuzzParse checks that any template either fails with a *SyntaxError or
// evaluates without panicking, and that its source round-trips.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"/p/{parent.upc}", "{{x}}", "{args.a.b}{headers.x-y}", "{", "}", "{vars.}", "", "{args.tag*}", "a{args.b*}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		// A query value parses wherever a template does, and may explode.
		if qt, err := ParseQueryValue(src); err == nil {
			_, _ = qt.AppendPairs(nil, &Scope{}, "q", '?', Raw)
		} else if _, perr := Parse(src); perr == nil {
			t.Fatalf("Parse(%q) succeeds but ParseQueryValue fails: %v", src, err)
		}
		tm, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T is not a *SyntaxError", src, err)
			}
			return
		}
		if tm.String() != src {
			t.Fatalf("String() = %q, want %q", tm.String(), src)
		}
		_, _ = tm.AppendText(nil, &Scope{}, Raw)
		if _, err := tm.AppendJSON(nil, &Scope{}); err != nil {
			var ne *NullError
			if !errors.As(err, &ne) {
				t.Fatalf("AppendJSON error %v", err)
			}
		}
	})
}

func TestParseJSON(t *testing.T) {
	j, err := ParseJSON(`{"pet-type": "{args.input.petType}", "n": 3, "tags": ["a", "{vars.v}"], "nested": {"ok": true, "x": null}}`)
	if err != nil {
		t.Fatal(err)
	}
	s := &Scope{Args: map[string]any{"input": map[string]any{"petType": "cat"}}, Vars: map[string]string{"v": "b"}}
	got, err := j.AppendJSON(nil, s)
	want := `{"pet-type":"cat","n":3,"tags":["a","b"],"nested":{"ok":true,"x":null}}`
	if err != nil || string(got) != want {
		t.Fatalf("AppendJSON = %s, %v; want %s", got, err, want)
	}
	n := 0
	j.EachRef(func(r *Ref) { n++ })
	if n != 2 {
		t.Fatalf("EachRef saw %d refs, want 2", n)
	}
	for _, bad := range []string{`{"a":`, `{"a": "{nope}"}`} {
		if _, err := ParseJSON(bad); err == nil {
			t.Errorf("ParseJSON(%q) succeeded", bad)
		}
	}
}

// TestFind checks that Find tells an absent value from a null one in every
// root, and that Lookup still reads both as nil.
func TestFind(t *testing.T) {
	s := scope(t)
	s.Args["nul"] = nil
	s.Args["in"].(map[string]any)["gone"] = nil
	tests := []struct {
		ref         string
		wantPresent bool
		wantNil     bool
	}{
		{"args.first", true, false},
		{"args.nul", true, true},
		{"args.nope", false, true},
		{"args.in.id", true, false},
		{"args.in.gone", true, true},
		{"args.in.nope", false, true},
		{"args.nul.below", false, true},   // below a null nothing is given
		{"args.first.below", false, true}, // nor below a scalar
		{"parent.n", true, false},
		{"parent.nul", true, true},
		{"parent.nope", false, true},
		{"parent.obj.k", true, false},
		{"parent.obj.nope", false, true},
		{"headers.x-tenant", true, false},
		{"headers.nope", false, true},
		{"vars.v", true, false},
		{"vars.nope", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			r, ok := MustParse("{" + tt.ref + "}").Single()
			if !ok {
				t.Fatal("not a single placeholder")
			}
			v, present := s.Find(r)
			if present != tt.wantPresent || (v == nil) != tt.wantNil {
				t.Errorf("Find = %v, %v; want present %v, nil %v", v, present, tt.wantPresent, tt.wantNil)
			}
			if l := s.Lookup(r); (l == nil) != tt.wantNil {
				t.Errorf("Lookup = %v; want nil %v", l, tt.wantNil)
			}
		})
	}
	if _, present := (&Scope{}).Find(Ref{Root: Parent, Path: []string{"x"}}); present {
		t.Error("Find of a parent field without a parent: present")
	}
	bs := &Scope{Parents: []*fastjson.Value{fastjson.MustParse(`{}`)}}
	if _, present := bs.Find(Ref{Root: Parent, Path: []string{"x"}}); !present {
		t.Error("Find over batch parents: absent; want a (possibly empty) list")
	}
}

// TestJSONAbsentEntries checks that an object entry whose single
// placeholder is absent is left out, and that everything else (explicit
// nulls, array items, the whole document, text around a placeholder) is
// written as before.
func TestJSONAbsentEntries(t *testing.T) {
	args := map[string]any{
		"name": "Rex",
		"tag":  nil, // given as null
		"in":   map[string]any{"a": int64(1)},
	}
	parent := fastjson.MustParse(`{"n":null}`)
	tests := []struct {
		name, src, want string
	}{
		{"absent entry left out", `{"name":"{args.name}","age":"{args.age}"}`, `{"name":"Rex"}`},
		{"null entry kept", `{"name":"{args.name}","tag":"{args.tag}"}`, `{"name":"Rex","tag":null}`},
		{"first entry absent", `{"age":"{args.age}","name":"{args.name}"}`, `{"name":"Rex"}`},
		{"every entry absent", `{"age":"{args.age}","x":"{args.in.x}"}`, `{}`},
		{"nested object", `{"o":{"a":"{args.in.a}","b":"{args.in.b}"}}`, `{"o":{"a":1}}`},
		{"literal entries kept", `{"k":1,"age":"{args.age}","z":null}`, `{"k":1,"z":null}`},
		{"array item absent is null", `["{args.age}","{args.name}"]`, `[null,"Rex"]`},
		{"whole document absent is null", `"{args.age}"`, `null`},
		{"text around an absent placeholder fails", `{"s":"age {args.age}"}`, ``},
		{"parent null kept, missing left out", `{"n":"{parent.n}","m":"{parent.m}"}`, `{"n":null}`},
		{"header and var", `{"h":"{headers.x-nope}","v":"{vars.nope}","w":"{vars.v}"}`, `{"w":"2"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := ParseJSON(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			s := &Scope{Args: args, Parent: parent, Vars: map[string]string{"v": "2"}}
			got, err := j.AppendJSON(nil, s)
			if tt.want == "" {
				var ne *NullError
				if !errors.As(err, &ne) {
					t.Fatalf("AppendJSON = %s, %v; want a *NullError", got, err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("AppendJSON = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestJSONSingle(t *testing.T) {
	tests := []struct {
		src    string
		want   string
		single bool
	}{
		{`"{args.body}"`, "args.body", true},
		{`"x {args.body}"`, "", false},
		{`{"a":"{args.body}"}`, "", false},
		{`["{args.body}"]`, "", false},
		{`null`, "", false},
	}
	for _, tt := range tests {
		j, err := ParseJSON(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := j.Single()
		if ok != tt.single || ok && r.String() != tt.want {
			t.Errorf("Single(%s) = %v, %v; want %q, %v", tt.src, r, ok, tt.want, tt.single)
		}
	}
}

func TestJSONObject(t *testing.T) {
	tests := []struct {
		src      string
		wantKeys []string
		wantOK   bool
	}{
		{`{"b": "{args.x}", "a": 1}`, []string{"b", "a"}, true},
		{`{}`, nil, true},
		{`["{args.x}"]`, nil, false},
		{`"{args.x}"`, nil, false},
		{`3`, nil, false},
	}
	for _, tt := range tests {
		j, err := ParseJSON(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		keys, values, ok := j.Object()
		if ok != tt.wantOK || strings.Join(keys, ",") != strings.Join(tt.wantKeys, ",") || len(values) != len(keys) {
			t.Errorf("%s: Object() = %q, %d values, %v; want %q, %v", tt.src, keys, len(values), ok, tt.wantKeys, tt.wantOK)
		}
	}
}

func TestParseQueryValue(t *testing.T) {
	tests := []struct {
		src         string
		wantExplode bool
		wantErr     string
	}{
		{"{args.tag*}", true, ""},
		{" {args.tag*} ", false, "at offset 1: {args.tag*}: the explode modifier * is allowed only on a query parameter whose value is that one placeholder"},
		{"{ args.tag* }", true, ""},
		{"{parent.upc*}", true, ""},
		{"{headers.X-Tag*}", true, ""},
		{"{args.tag}", false, ""},
		{"x{args.tag*}", false, "at offset 1: {args.tag*}: the explode modifier"},
		{"{args.a}{args.tag*}", false, "at offset 8: {args.tag*}: the explode modifier"},
		{"{args.tag*}{{", false, "at offset 0: {args.tag*}: the explode modifier"},
		{"{args.tag}*", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tm, err := ParseQueryValue(tt.src)
			if tt.wantErr != "" {
				var se *SyntaxError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseQueryValue(%q) error = %v, want a *SyntaxError with %q", tt.src, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r, single := tm.Single()
			if got := single && r.Explode; got != tt.wantExplode {
				t.Fatalf("exploded = %v, want %v (refs %+v)", got, tt.wantExplode, tm.Refs())
			}
			if tt.wantExplode && !strings.HasSuffix(r.String(), "*") {
				t.Errorf("String() = %q, want the modifier written", r.String())
			}
			if tm.String() != tt.src {
				t.Errorf("source %q, want %q", tm.String(), tt.src)
			}
		})
	}
}

func TestAppendPairs(t *testing.T) {
	batch := &Scope{Parents: []*fastjson.Value{
		fastjson.MustParse(`{"upc":"1"}`), fastjson.MustParse(`{"upc":2}`), fastjson.MustParse(`{"x":1}`), fastjson.MustParse(`{"upc":null}`),
	}}
	s := scope(t)
	s.Args["tags"] = []any{"a", nil, "b c", "ü&=", int64(3), []any{"x", "y"}, map[string]any{"k": "v"}}
	s.Args["empty"] = []any{}
	s.Args["null"] = nil
	tests := []struct {
		src   string
		scope *Scope
		sep   byte
		want  string
		n     int
	}{
		{"{args.tags*}", s, '?', "?tag=a&tag=b+c&tag=%C3%BC%26%3D&tag=3&tag=x,y&tag=%7B%22k%22%3A%22v%22%7D", 6},
		{"{args.tags*}", s, '&', "&tag=a&tag=b+c&tag=%C3%BC%26%3D&tag=3&tag=x,y&tag=%7B%22k%22%3A%22v%22%7D", 6},
		{"{args.list*}", s, '?', "?tag=a&tag=b", 2},
		{"{args.first*}", s, '?', "?tag=2", 1},
		{"{args.in*}", s, '?', "?tag=%7B%22id%22%3A%227%22%7D", 1},
		{"{args.empty*}", s, '?', "", 0},
		{"{args.null*}", s, '?', "", 0},
		{"{args.absent*}", s, '?', "", 0},
		{"{parent.tags*}", s, '?', "?tag=x&tag=y", 2},
		{"{parent.upc*}", s, '?', "?tag=a%2Fb", 1},
		{"{parent.nul*}", s, '?', "", 0},
		{"{headers.x-tenant*}", s, '?', "?tag=acme", 1},
		{"{vars.v*}", s, '?', "?tag=2", 1},
		{"{parent.upc*}", batch, '?', "?tag=1&tag=2", 2},
		{"{args.tags}", s, '?', "", 0}, // not exploded: the caller's plain path
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tm, err := ParseQueryValue(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, n := tm.AppendPairs(nil, tt.scope, "tag", tt.sep, func(dst []byte, v string) []byte { return append(dst, url.QueryEscape(v)...) })
			if string(got) != tt.want || n != tt.n {
				t.Errorf("AppendPairs = %q, %d; want %q, %d", got, n, tt.want, tt.n)
			}
		})
	}
}

func TestKeysRename(t *testing.T) {
	// Node renames parentId and holds Nodes below it; Meta renames only
	// below the top level.
	node := NewKeys()
	node.Set("parentId", "parent-id", nil)
	node.Set("children", "", node)
	owner := NewKeys()
	owner.Set("ownerId", "owner_id", nil)
	meta := NewKeys()
	meta.Set("owner", "owner", owner)
	meta.Set("nodes", "node list", node)

	args := map[string]any{
		"node": map[string]any{"parentId": "p", "name": "n", "children": []any{
			map[string]any{"parentId": "c1", "children": []any{}},
			nil,
			map[string]any{"name": "c2", "children": []any{map[string]any{"parentId": "gc"}}},
		}},
		"meta":  map[string]any{"owner": map[string]any{"ownerId": 7, "name": "o"}, "nodes": []any{map[string]any{"parentId": "x"}}, "other": "y"},
		"list":  []any{map[string]any{"parentId": "l1"}, map[string]any{"parentId": "l2"}},
		"plain": map[string]any{"parentId": "kept"},
		"null":  nil,
		"text":  "t",
	}
	s := &Scope{Args: args}
	tests := []struct {
		name, src string
		keys      *Keys
		json      bool
		want      string
	}{
		{"recursive", "{args.node}", node, true, `{"children":[{"children":[],"parent-id":"c1"},null,{"children":[{"parent-id":"gc"}],"name":"c2"}],"name":"n","parent-id":"p"}`},
		{"renamed below the top level only", "{args.meta}", meta, true, `{"node list":[{"parent-id":"x"}],"other":"y","owner":{"name":"o","owner_id":7}}`},
		{"a list of input objects", "{args.list}", node, true, `[{"parent-id":"l1"},{"parent-id":"l2"}]`},
		{"a field below the argument", "{args.node.children}", node, true, `[{"children":[],"parent-id":"c1"},null,{"children":[{"parent-id":"gc"}],"name":"c2"}]`},
		{"no keys, no renames", "{args.plain}", nil, true, `{"parentId":"kept"}`},
		{"null", "{args.null}", node, true, `null`},
		{"a scalar", "{args.text}", node, true, `"t"`},
		{"objects in text", "q={args.list}", node, false, `q={"parent-id":"l1"},{"parent-id":"l2"}`},
		{"an object in a JSON string", "q={args.meta.owner}", owner, true, `"q={\"name\":\"o\",\"owner_id\":7}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := MustParse(tt.src)
			tm.EachRef(func(r *Ref) { r.Keys = tt.keys })
			var got []byte
			var err error
			if tt.json {
				got, err = tm.AppendJSON(nil, s)
			} else {
				got, err = tm.AppendText(nil, s, Raw)
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("got %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}
	t.Run("object entries of a JSON document", func(t *testing.T) {
		j, err := ParseJSON(`{"n": "{args.node}", "absent": "{args.nope}", "p": "{args.plain}"}`)
		if err != nil {
			t.Fatal(err)
		}
		j.EachRef(func(r *Ref) {
			if r.Path[0] != "plain" {
				r.Keys = node
			}
		})
		got, err := j.AppendJSON(nil, &Scope{Args: map[string]any{"node": map[string]any{"parentId": "p"}, "plain": map[string]any{"parentId": "q"}}})
		if want := `{"n":{"parent-id":"p"},"p":{"parentId":"q"}}`; err != nil || string(got) != want {
			t.Errorf("got %s, %v\nwant %s", got, err, want)
		}
	})
	t.Run("nil keys", func(t *testing.T) {
		var k *Keys
		if key, sub := k.Rename("x"); key != "x" || sub != nil {
			t.Errorf("Rename on nil = %q, %v", key, sub)
		}
	})
}

func TestKeysValuesAndUnwrap(t *testing.T) {
	// Status sends IN_PROGRESS as "in-progress" and LOW as the number 1;
	// Shape is a one-of object sent as its one field's value, whose
	// Circle renames r.
	status := NewKeys()
	status.SetValue("IN_PROGRESS", []byte(`"in-progress"`))
	status.SetValue("LOW", []byte(`1`))
	circle := NewKeys()
	circle.Set("r", "radius", nil)
	circle.Set("status", "", status)
	shape := NewKeys()
	shape.Set("circle", "", circle)
	shape.SetUnwrap()

	s := &Scope{Args: map[string]any{
		"status":   "IN_PROGRESS",
		"level":    "LOW",
		"other":    "open",
		"statuses": []any{"IN_PROGRESS", "open", nil},
		"shape":    map[string]any{"circle": map[string]any{"r": 2.5, "status": "IN_PROGRESS"}},
		"shapes":   []any{map[string]any{"square": nil, "circle": map[string]any{"r": 1}}},
	}}
	tests := []struct {
		name, src string
		keys      *Keys
		json      bool
		want      string
	}{
		{"a value as JSON", "{args.status}", status, true, `"in-progress"`},
		{"a number as JSON", "{args.level}", status, true, `1`},
		{"a value as text", "/t/{args.status}", status, false, `/t/in-progress`},
		{"a number as text", "l={args.level}", status, false, `l=1`},
		{"a value without a wire form", "{args.other}", status, true, `"open"`},
		{"a list", "{args.statuses}", status, true, `["in-progress","open",null]`},
		{"a list as text", "{args.statuses}", status, false, `in-progress,open,`},
		{"a one-of object", "{args.shape}", shape, true, `{"radius":2.5,"status":"in-progress"}`},
		{"a list of one-of objects", "{args.shapes}", shape, true, `[{"radius":1}]`},
		{"a one-of object in text", "s={args.shape}", shape, false, `s={"radius":2.5,"status":"in-progress"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := MustParse(tt.src)
			tm.EachRef(func(r *Ref) { r.Keys = tt.keys })
			var got []byte
			var err error
			if tt.json {
				got, err = tm.AppendJSON(nil, s)
			} else {
				got, err = tm.AppendText(nil, s, Raw)
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("got %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}
	var pairs []byte
	tm, err := ParseQueryValue("{args.statuses*}")
	if err != nil {
		t.Fatal(err)
	}
	tm.EachRef(func(r *Ref) { r.Keys = status })
	pairs, n := tm.AppendPairs(pairs, s, "s", '?', Raw)
	if string(pairs) != "?s=in-progress&s=open" || n != 2 {
		t.Errorf("AppendPairs = %s, %d", pairs, n)
	}
}
