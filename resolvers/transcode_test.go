package resolvers

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
)

const transcodeSchema = `type Query { products: [Product] @rest(upstream: "api", path: "/p") one: Product! @rest(upstream: "api", path: "/one") }
type Product { id: ID! name: String! price: Int ratio: Float ok: Boolean color: Color meta: JSON tags: [String!] dims: Dims label: String @from(key: "the-label") }
type Dims { w: Int! h: Int }
enum Color { RED GREEN }
scalar JSON`

const transcodeQuery = `{ products { id name price ratio ok color meta tags __typename dims { w h } label } one { id dims { w } } }`

func transcodePlan(t testing.TB) (*Executable, *planner.Plan) {
	s, err := schema.Build(schema.Source{File: "t.graphql", Input: transcodeSchema}, schema.Options{Binders: testBinders(), Upstreams: map[string]schema.UpstreamInfo{
		"api": {Name: "api", Kind: rest.KindName},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc, gerr := gqlparser.LoadQuery(s.AST, transcodeQuery)
	if gerr != nil {
		t.Fatal(gerr)
	}
	p, err := planner.Build(context.Background(), s, doc, "", planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Fetches {
		if !f.Raw {
			t.Fatalf("fetch %d is not Raw", f.ID)
		}
	}
	return e, p
}

// renderBoth renders the same answers through the tree and in one pass over
// the bytes.
func renderBoth(t testing.TB, e *Executable, p *planner.Plan, answers [2][]byte) (tree, raw []byte, treeErrs, rawErrs []string) {
	run := func(useRaw bool) ([]byte, []string) {
		r := newParts(e, p, nil)
		defer r.t.release()
		var parsers [2]fastjson.Parser
		for i, f := range p.Fetches {
			res := &upstreams.Result{Status: 200}
			if useRaw {
				res.Raw = answers[i]
			} else {
				v, err := parsers[i].ParseBytes(answers[i])
				if err != nil {
					t.Fatalf("fastjson refuses %q: %v", answers[i], err)
				}
				res.Value = v
			}
			r.l.store(f, &job{res: res, parents: []*fastjson.Value{r.t.root}})
		}
		out := append([]byte(nil), r.r.render(nil)...)
		var errs []string
		for _, e := range r.errs.list {
			code, _ := e.Extensions["code"].(string)
			errs = append(errs, pathString(e.Path)+" "+code+" "+e.Message)
		}
		sort.Strings(errs)
		return out, errs
	}
	tree, treeErrs = run(false)
	raw, rawErrs = run(true)
	return
}

func sameJSON(t testing.TB, a, b []byte) bool {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("tree output is not JSON: %s", a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("raw output is not JSON: %s", b)
	}
	return reflect.DeepEqual(x, y)
}

func TestTranscodeMatchesTree(t *testing.T) {
	e, p := transcodePlan(t)
	tests := [][2]string{
		{`[{"id":"1","name":"a","price":3,"ratio":1.5,"ok":true,"color":"RED","meta":{"x":[1,{"y":null}]},"tags":["t"],"dims":{"w":1,"h":2},"the-label":"L"}]`, `{"id":7,"dims":{"w":3}}`},
		// Keys out of order, missing and extra keys, duplicates.
		{`[{"dims":{"h":null,"w":5},"name":"b","id":"2","extra":[1,2],"name":"dup"}, null]`, `{"dims":{"w":1},"id":"x"}`},
		// Coercions and errors: non-null nulls, wrong types, out of range.
		{`[{"id":null,"name":"x"},{"id":"3","name":4,"price":"12","ratio":"2.5","color":"BLUE"},{"id":1.5,"name":"n","price":3000000000,"ok":1,"tags":["a",null]}]`, `{"id":"1","dims":{"w":null}}`},
		{`[{"id":"1","name":"é😀 \"q\" \u00e9","price":7.0,"ratio":-0,"tags":[],"dims":"no"}]`, `[]`},
		{`{}`, `null`},
	}
	for _, tt := range tests {
		tree, raw, te, re := renderBoth(t, e, p, [2][]byte{[]byte(tt[0]), []byte(tt[1])})
		if !sameJSON(t, tree, raw) {
			t.Errorf("answers %s / %s:\ntree %s\nraw  %s", tt[0], tt[1], tree, raw)
		}
		if !reflect.DeepEqual(te, re) {
			t.Errorf("answers %s / %s: errors differ:\ntree %q\nraw  %q", tt[0], tt[1], te, re)
		}
	}
}

// FuzzTranscode checks that copying an answer in one pass gives the same
// response and errors as parsing it into a tree and rendering that.
func FuzzTranscode(f *testing.F) {
	e, p := transcodePlan(f)
	f.Add([]byte(`[{"id":"1","name":"a","dims":{"w":1}}]`), []byte(`{"id":"2","dims":{"w":2}}`))
	f.Add([]byte(`[{"name":"a","id":"1","meta":[1,2],"tags":null}]`), []byte(`null`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		for _, in := range [][]byte{a, b} {
			if !json.Valid(in) || !utf8.Valid(in) || len(in) > 4096 {
				return
			}
			if _, err := fastjson.ParseBytes(in); err != nil {
				return
			}
		}
		tree, raw, te, re := renderBoth(t, e, p, [2][]byte{a, b})
		if !sameJSON(t, tree, raw) {
			t.Fatalf("answers %s / %s:\ntree %s\nraw  %s", a, b, tree, raw)
		}
		if !reflect.DeepEqual(te, re) {
			t.Fatalf("answers %s / %s: errors differ:\ntree %q\nraw  %q", a, b, te, re)
		}
	})
}

// BenchmarkRenderRaw is BenchmarkRender in one pass over the answer bytes.
func BenchmarkRenderRaw(b *testing.B) { benchRenderRaw(b, false) }

// BenchmarkRenderVerbatim is BenchmarkRenderRaw with the upstream trusted:
// the answer's products are copied as they are.
func BenchmarkRenderVerbatim(b *testing.B) { benchRenderRaw(b, true) }

func benchRenderRaw(b *testing.B, trusted bool) {
	e, p := benchPlanOf(b, `{ products { upc name price weight } }`, trusted)
	answer := catalogAnswer(400)
	f := p.Fetches[0]
	if !f.Raw || f.Fields[0].Verbatim != trusted {
		b.Fatalf("fetch Raw %v, verbatim %v", f.Raw, f.Fields[0].Verbatim)
	}
	buf := make([]byte, 0, 128<<10)
	b.ReportAllocs()
	for b.Loop() {
		r := newParts(e, p, nil)
		r.l.store(f, &job{res: &upstreams.Result{Raw: answer}, parents: []*fastjson.Value{r.t.root}})
		buf = r.r.render(buf[:0])
		r.t.release()
	}
	b.SetBytes(int64(len(buf)))
}
