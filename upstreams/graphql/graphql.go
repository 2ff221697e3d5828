// Package graphql is the GraphQL upstream kind: a GraphQL server (plain, or
// later an Apollo Federation subgraph) that fields delegate to. Its schema
// comes from an SDL file, inline SDL or introspection at load; its calls are
// operations the planner wrote, sent as POST JSON.
package graphql

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/jsonscan"
	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/graphql/introspect"
	"github.com/weft-gateway/weft/upstreams/hosts"
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// Spec is the spec of a graphql Upstream resource.
type Spec struct {
	transport.Options `yaml:",inline"`
	GraphQL           Options `yaml:"graphql" weft:"required"`
}

// Options are the graphql-specific options.
type Options struct {
	// URL is the server's GraphQL endpoint.
	URL string `yaml:"url" weft:"required"`
	// Schema says where the upstream's schema comes from.
	Schema SchemaSource `yaml:"schema" weft:"required"`
	// Trusted says the server keeps the promises of its own schema: its
	// answers hold values of the declared types (integers that fit an
	// Int, an enum's own values, no null where a field is non-null) in
	// valid JSON. Where the gateway serves a selection whose types equal
	// the upstream's, the answer is then copied as it is, without a check
	// per value (see docs/config.md).
	Trusted bool `yaml:"trusted"`
}

// SchemaSource names exactly one source of an upstream's schema.
type SchemaSource struct {
	// File is an SDL file, relative to the resource's file.
	File string `yaml:"file"`
	// Inline is SDL text.
	Inline string `yaml:"inline"`
	// Introspect asks the server for its schema at load.
	Introspect bool `yaml:"introspect"`
}

// Upstream is a GraphQL upstream.
type Upstream struct {
	name   string
	url    string
	client *transport.Client
}

var (
	_ upstreams.Upstream     = (*Upstream)(nil)
	_ resilience.Idempotency = (*Upstream)(nil)
	// The metrics read the state of its hosts.
	_ hosts.Reporter = (*Upstream)(nil)
)

// Build is the upstreams.Builder of the graphql kind.
func Build(ctx context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
	d := src.Doc
	var spec Spec
	if err := d.DecodeSpec(&spec); err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
	u, err := url.Parse(spec.GraphQL.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, schema.UpstreamInfo{}, d.Errorf("spec.graphql.url", "%q is not an http or https URL", spec.GraphQL.URL)
	}
	spec.Options.ReadFile = transport.FileReader(src.ReadFile)
	spec.Options.NoProbes = src.Checking
	client, err := transport.New(d.Name, spec.Options)
	if err != nil {
		return nil, schema.UpstreamInfo{}, d.Errorf(transport.OptionPath(err), "%v", err)
	}
	if err := client.SetURL(spec.GraphQL.URL); err != nil {
		client.Close()
		return nil, schema.UpstreamInfo{}, d.Errorf("spec.graphql.url", "%v", err)
	}
	up := &Upstream{name: d.Name, url: spec.GraphQL.URL, client: client}
	sdl, err := up.loadSchema(ctx, src, spec.GraphQL.Schema)
	if err != nil {
		client.Close()
		return nil, schema.UpstreamInfo{}, err
	}
	s, gerr := gqlparser.LoadSchema(sdl)
	if gerr != nil {
		client.Close()
		return nil, schema.UpstreamInfo{}, d.Errorf("spec.graphql.schema", "schema of upstream %s is invalid: %v", d.Name, gerr)
	}
	return up, schema.UpstreamInfo{Name: d.Name, Kind: KindName, Schema: s, Version: version(sdl.Input), Trusted: spec.GraphQL.Trusted}, nil
}

// New returns a GraphQL upstream named name that sends operations to url
// with client, whose URL is set: how other kinds (a supergraph's
// subgraphs) call GraphQL servers. Closing it closes client.
func New(name, url string, client *transport.Client) *Upstream {
	return &Upstream{name: name, url: url, client: client}
}

func (u *Upstream) loadSchema(ctx context.Context, src *upstreams.Source, s SchemaSource) (*ast.Source, error) {
	d := src.Doc
	n := 0
	for _, set := range []bool{s.File != "", s.Inline != "", s.Introspect} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, d.Errorf("spec.graphql.schema", "set exactly one of file, inline or introspect: true")
	}
	switch {
	case s.File != "":
		data, path, err := src.ReadFile(s.File)
		if err != nil {
			return nil, d.Errorf("spec.graphql.schema.file", "%v", err)
		}
		return &ast.Source{Name: path, Input: string(data)}, nil
	case s.Inline != "":
		return &ast.Source{Name: d.File + " (upstream " + d.Name + ")", Input: s.Inline}, nil
	default:
		// The client's HTTP has no deadline of its own (calls get theirs in
		// Send) and a load's ctx may have none: without this bound a server
		// that never answers would hang the load, and every reload after.
		ctx, cancel := context.WithTimeout(ctx, u.client.Options().Timeout)
		defer cancel()
		out, err := introspect.Fetch(ctx, u.client.HTTP(), u.client.URL(u.url), u.client.Header(&upstreams.Call{}), u.client.Options().MaxResponseBytes)
		if err != nil {
			return nil, d.Errorf("spec.graphql.schema.introspect", "introspecting upstream %s: %v", d.Name, err)
		}
		return out, nil
	}
}

func version(sdl string) string {
	h := fnv.New64a()
	h.Write([]byte(sdl))
	return strconv.FormatUint(h.Sum64(), 16)
}

// Name returns the upstream's name.
func (u *Upstream) Name() string { return u.name }

// Close stops the health checks and releases idle connections.
func (u *Upstream) Close() { u.client.Close() }

// ExposeErrors reports whether clients see what the upstream says when a
// call fails (spec.exposeErrors).
func (u *Upstream) ExposeErrors() bool { return u.client.Options().ExposeErrors }

// HostStats returns the state of the upstream's hosts, for metrics.
func (u *Upstream) HostStats() hosts.Stats { return u.client.HostStats() }

type prepared struct {
	body   []byte
	header http.Header
	// mutation says the operation may not share an exchange with
	// identical ones in flight.
	mutation bool
}

// Prepare writes the request body: the planned document and its variables,
// forwarded from the client or computed from templates.
func (u *Upstream) Prepare(c *upstreams.Call) error {
	op := c.Operation
	if op == nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "no operation planned")
	}
	body := make([]byte, 0, len(op.Head)+64)
	body = append(body, op.Head...)
	if len(op.ForwardVariables)+len(op.Args) > 0 || op.Representations {
		body = append(body, `,"variables":{`...)
		first := true
		for _, name := range op.ForwardVariables {
			v, ok := c.Variables[name]
			if !ok {
				continue
			}
			if !first {
				body = append(body, ',')
			}
			first = false
			body = jsonwrite.String(body, name)
			body = append(body, ':')
			body = jsonwrite.Any(body, v)
		}
		for _, a := range op.Args {
			if !first {
				body = append(body, ',')
			}
			first = false
			body = jsonwrite.String(body, a.Variable)
			body = append(body, ':')
			var err error
			if body, err = a.Value.AppendJSON(body, c.Scope); err != nil {
				return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build variable %s: %v", a.Variable, err)
			}
		}
		if op.Representations {
			if !first {
				body = append(body, ',')
			}
			body = jsonwrite.String(body, schema.RepresentationsVariable)
			body = append(body, ':')
			body = append(body, c.Representations...)
		}
		body = append(body, '}')
	}
	body = append(body, '}')
	h := u.client.Header(c)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/graphql-response+json, application/json")
	c.Key = u.keyOf(body, h)
	c.Prepared = &prepared{body: body, header: h, mutation: op.Mutation}
	return nil
}

// keyOf identifies a request: the same body with the same forwarded
// headers is the same call.
func (u *Upstream) keyOf(body []byte, h http.Header) string {
	b := make([]byte, 0, len(u.name)+len(body)+32)
	b = append(b, u.name...)
	b = append(b, 0)
	b = append(b, body...)
	b = u.client.AppendKeyHeaders(b, h)
	return string(b)
}

// Idempotent reports whether c is a query: a read, which retries and
// hedges may send more than once.
func (u *Upstream) Idempotent(c *upstreams.Call) bool {
	return c.Operation != nil && !c.Operation.Mutation
}

// Do sends the operation and splits the answer into data and errors.
func (u *Upstream) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	p, ok := c.Prepared.(*prepared)
	if !ok {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "call was not prepared")
	}
	// Queries merge under the call's key as Do sees it: a hedge comes
	// with a key of its own, so it races the exchange rather than join it.
	merge := ""
	if !p.mutation {
		merge = c.Key
	}
	ans, err := u.client.Exchange(ctx, http.MethodPost, u.url, p.header, p.body, merge)
	if err != nil {
		return nil, err
	}
	if c.Raw && ans.Status/100 == 2 {
		if data, ok := rawData(ans.Body()); ok {
			return upstreams.NewRawResult(data, ans.Status, ans.Release), nil
		}
	}
	resp, err := u.client.Parse(ans)
	if err != nil {
		return nil, err
	}
	root := resp.Value
	if root == nil || root.Type() != fastjson.TypeObject {
		if resp.Status/100 != 2 {
			return nil, u.client.StatusError(resp)
		}
		resp.Release()
		return nil, &upstreams.Error{Code: upstreams.CodeBadResponse, Upstream: u.name, Status: resp.Status, Msg: "answer is not a GraphQL response object"}
	}
	data := root.Get("data")
	errs := root.GetArray("errors")
	if (data == nil || data.Type() == fastjson.TypeNull) && (resp.Status >= 500 || resp.Status == http.StatusTooManyRequests) {
		// A server error or a 429 with no data is the call failing,
		// whatever errors the body holds: the status says whether to
		// retry, trip the breaker or fall back. A 4xx with errors is the
		// upstream's answer to the request (GraphQL over HTTP answers
		// validation errors so), and its errors are forwarded.
		return nil, u.client.StatusError(resp)
	}
	if data == nil && len(errs) == 0 {
		if resp.Status/100 != 2 {
			return nil, u.client.StatusError(resp)
		}
		resp.Release()
		return nil, &upstreams.Error{Code: upstreams.CodeBadResponse, Upstream: u.name, Status: resp.Status, Msg: "answer has neither data nor errors"}
	}
	if data != nil && data.Type() != fastjson.TypeObject && data.Type() != fastjson.TypeNull {
		resp.Release()
		return nil, &upstreams.Error{Code: upstreams.CodeBadResponse, Upstream: u.name, Status: resp.Status, Msg: "data is not an object"}
	}
	if data != nil && data.Type() == fastjson.TypeNull {
		data = nil
	}
	res := upstreams.NewResult(data, resp.Status, resp.Detach())
	for _, e := range errs {
		res.Errors = append(res.Errors, upstreamError(e))
	}
	return res, nil
}

// rawData finds the data object of a GraphQL answer without parsing it. It
// reports false when the answer needs the full path: errors beside the
// data, no data object, or a structure it cannot follow. It follows only
// the structure; the data's contents are checked as they are copied into
// the response.
func rawData(body []byte) ([]byte, bool) {
	// Most answers hold no "errors" key at all: then the data needs no
	// skipping to look for one after it, which is a pass over the whole
	// answer saved. (An "errors" inside the data only sends the answer the
	// longer way.)
	clean := !bytes.Contains(body, []byte(`"errors"`))
	i := jsonscan.SkipSpace(body, 0)
	if jsonscan.KindAt(body, i) != jsonscan.Object {
		return nil, false
	}
	data := -1
	i = jsonscan.SkipSpace(body, i+1)
	for i < len(body) && body[i] != '}' {
		if jsonscan.KindAt(body, i) != jsonscan.String {
			return nil, false
		}
		ks, ke, esc, err := jsonscan.ReadString(body, i)
		if err != nil {
			return nil, false
		}
		i = jsonscan.SkipSpace(body, ke)
		if i >= len(body) || body[i] != ':' {
			return nil, false
		}
		v := jsonscan.SkipSpace(body, i+1)
		key := body[ks : ke-1]
		switch {
		case jsonscan.KeyEquals(key, esc, "data"):
			data = v
			if clean {
				i = len(body) // nothing after it can matter
				continue
			}
		case jsonscan.KeyEquals(key, esc, "errors"):
			if k := jsonscan.KindAt(body, v); k != jsonscan.Null {
				e := jsonscan.SkipSpace(body, v+1)
				if k != jsonscan.Array || e >= len(body) || body[e] != ']' {
					return nil, false // errors to report: the full path maps them
				}
			}
		}
		end, err := jsonscan.SkipFast(body, v)
		if err != nil {
			return nil, false
		}
		i = jsonscan.SkipSpace(body, end)
		if i < len(body) && body[i] == ',' {
			i = jsonscan.SkipSpace(body, i+1)
		}
	}
	if data < 0 || jsonscan.KindAt(body, data) != jsonscan.Object {
		return nil, false
	}
	return body[data:], true
}

func upstreamError(e *fastjson.Value) upstreams.GraphQLError {
	out := upstreams.GraphQLError{Message: string(e.GetStringBytes("message"))}
	if out.Message == "" {
		out.Message = "upstream error"
	}
	// A path stops at the first segment that is neither a name nor a list
	// index: skipping it, or reading 1.5 as 0, would file the error under
	// another field or element; its valid prefix is the nearest place that
	// is surely right.
segments:
	for _, seg := range e.GetArray("path") {
		switch seg.Type() {
		case fastjson.TypeString:
			out.Path = append(out.Path, string(seg.GetStringBytes()))
		case fastjson.TypeNumber:
			i, err := seg.Int()
			if err != nil || i < 0 {
				break segments
			}
			out.Path = append(out.Path, i)
		default:
			break segments
		}
	}
	if ext := e.Get("extensions"); ext != nil && ext.Type() == fastjson.TypeObject {
		out.Extensions = ext
	}
	return out
}

// String describes the upstream for plans and logs.
func (u *Upstream) String() string { return fmt.Sprintf("graphql %s (%s)", u.name, u.url) }
