package virtualservices_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/virtualservices"
)

// The static kind is defined here, in a test, as a new kind's package
// would define it: its directive, the decoding and checking of its
// bindings, its upstream's Build, Prepare and Do, and one line of
// registration. Nothing in schema/, planner/ or resolvers/ knows it.
//
//	@static(upstream: "s", value: {text: "hello {args.name}"})
//
// answers the value, its templates filled in.

type staticBinder struct{}

func (staticBinder) Kind() schema.Kind { return "static" }

func (staticBinder) Directive() string {
	return `directive @static(upstream: String!, value: _WeftValue!, timeout: String) repeatable on FIELD_DEFINITION`
}

// staticBinding is the static kind's decoded binding.
type staticBinding struct{ value *tmpl.JSON }

func (s *staticBinding) Describe(bool) string { return "value " + s.value.String() }

func (staticBinder) Bind(c *schema.BindContext) {
	v := c.Value("value")
	if v == nil {
		c.Errorf(nil, "missing argument %q", "value")
		return
	}
	c.Binding().Request = &staticBinding{value: c.JSON(v)}
}

// staticSpec is the spec of a static Upstream resource.
type staticSpec struct {
	Static struct {
		// Prefix goes in front of every string the upstream answers.
		Prefix string `yaml:"prefix"`
	} `yaml:"static" weft:"required"`
}

type staticUpstream struct{ name, prefix string }

func buildStatic(_ context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
	var spec staticSpec
	if err := src.Doc.DecodeSpec(&spec); err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
	return &staticUpstream{name: src.Doc.Name, prefix: spec.Static.Prefix}, schema.UpstreamInfo{Name: src.Doc.Name, Kind: "static", Version: "1"}, nil
}

func (u *staticUpstream) Name() string { return u.name }
func (u *staticUpstream) Close()       {}

func (u *staticUpstream) Prepare(c *upstreams.Call) error {
	b, _ := c.Binding.Request.(*staticBinding)
	if b == nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "field %s has no static binding", c.Binding.FieldRef)
	}
	body, err := b.value.AppendJSON(nil, c.Scope)
	if err != nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the value")
	}
	c.Key, c.Prepared = string(body), body
	return nil
}

func (u *staticUpstream) Do(_ context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(c.Prepared.([]byte))
	if err != nil {
		return nil, upstreams.Errorf(upstreams.CodeBadResponse, u.name, err, "bad value")
	}
	if o, err := v.Object(); err == nil && u.prefix != "" {
		var keys []string
		o.Visit(func(k []byte, x *fastjson.Value) {
			if x.Type() == fastjson.TypeString {
				keys = append(keys, string(k))
			}
		})
		var a fastjson.Arena
		for _, k := range keys {
			o.Set(k, a.NewString(u.prefix+string(o.Get(k).GetStringBytes())))
		}
	}
	return upstreams.NewResult(v, 0, nil), nil
}

// TestKindAddedOutsideTheCore loads a config that uses the static kind,
// registered beside the others the way the CLI registers them, and
// queries it: root fields from arguments, a field below from its parent,
// and the plan that names the kind and says what it sends.
func TestKindAddedOutsideTheCore(t *testing.T) {
	static := upstreams.Kind{Build: buildStatic, Binder: staticBinder{}}
	dir := writeConfig(t, map[string]string{
		"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: s}\nspec:\n  static: {prefix: \"> \"}\n",
		"vs.yaml": vsYAML(`type Query {
  hello(name: String!): Greeting @static(upstream: "s", value: {text: "hello {args.name}", name: "{args.name}"})
}
type Greeting {
  text: String!
  name: String!
  shout: String! @static(upstream: "s", value: "{parent.name}!")
}
`),
	})
	loader := &virtualservices.Loader{Kinds: append(kinds(), static), Log: zerolog.Nop()}
	snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir}, nil)
	if err != nil {
		t.Fatalf("config does not load:\n%v", err)
	}
	srv := virtualservices.NewServer(zerolog.Nop())
	srv.Swap(snap)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	g := &gateway{t: t, server: srv, http: hs}
	r := g.query("", `{ hello(name: "Ada") { text shout } }`, nil)
	r.noErrors(t)
	// The parent's name came back prefixed; shout reads it as the parent holds it.
	equalJSON(t, r.Data, `{"hello":{"text":"> hello Ada","shout":"> Ada!"}}`)

	plan, err := snap.APIForHost("localhost").Plan(context.Background(), `{ hello(name: "Ada") { shout } }`, "")
	if err != nil {
		t.Fatal(err)
	}
	if s := plan.String(); !strings.Contains(s, "Fetch #0 s (static)") || !strings.Contains(s, `value {"text":"hello {args.name}"`) {
		t.Errorf("plan:\n%s", s)
	}

	// The kind's directive is checked like any other: its arguments by
	// the SDL's own rules, its templates against the field.
	for _, tt := range []struct{ field, want string }{
		{`a: String @static(upstream: "s", value: "x", colour: "red")`, `vs.yaml:13:60: Undefined argument colour for directive static.`},
		{`b: String @static(upstream: "s", value: "{args.nope}")`, `vs.yaml:13:56: Query.b @static: {args.nope}: field b has no argument "nope"`},
		{`c: String @static(upstream: "s")`, `vs.yaml:13:26: Argument value for directive static cannot be null.`},
	} {
		bad := writeConfig(t, map[string]string{
			"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: s}\nspec:\n  static: {}\n",
			"vs.yaml": vsYAML("type Query {\n  " + tt.field + "\n}\n"),
		})
		_, err = loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(bad), Dir: ".", DisplayRoot: bad}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("errors:\n%v\nwant one containing %q", err, tt.want)
		}
	}
}
