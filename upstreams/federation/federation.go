// Package federation is the supergraph upstream kind: an Apollo Federation
// v2 supergraph, whose subgraphs the gateway calls itself. Its Upstream
// resource names the composed supergraph SDL (a file, inline text or a
// URL); each subgraph is a GraphQL server at the URL join__Graph gives it,
// called with the resource's transport options. The planner writes every
// call (root operations and _entities fetches); the operation says which
// subgraph it goes to.
package federation

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/schema/supergraph"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/graphql"
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// KindName is the kind's name: the key of its block in an Upstream's spec.
const KindName schema.Kind = "supergraph"

// Kind returns the supergraph kind, for the CLI's wiring.
func Kind() upstreams.Kind { return upstreams.Kind{Build: Build, Binder: Binder{}} }

// Spec is the spec of a supergraph Upstream resource.
type Spec struct {
	transport.Options `yaml:",inline"`
	Supergraph        Options `yaml:"supergraph" weft:"required"`
}

// Options say where the supergraph comes from.
type Options struct {
	// File is the supergraph SDL, relative to the resource's file.
	File string `yaml:"file"`
	// Inline is the supergraph SDL itself.
	Inline string `yaml:"inline"`
	// URL serves the supergraph SDL (GET), read at load.
	URL string `yaml:"url"`
	// Subgraphs replace the URLs join__Graph gives subgraphs, by subgraph
	// name: where the gateway reaches them differs from where composition
	// was told they are.
	Subgraphs map[string]string `yaml:"subgraphs"`
}

// Upstream is a supergraph's subgraphs, each a GraphQL upstream.
type Upstream struct {
	name      string
	subgraphs map[string]*graphql.Upstream
}

var (
	_ upstreams.Upstream     = (*Upstream)(nil)
	_ resilience.Idempotency = (*Upstream)(nil)
)

// Build is the upstreams.Builder of the supergraph kind.
func Build(ctx context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
	d := src.Doc
	var spec Spec
	if err := d.DecodeSpec(&spec); err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
	spec.Options.ReadFile = transport.FileReader(src.ReadFile)
	spec.Options.NoProbes = src.Checking
	sdl, display, err := load(ctx, src, spec)
	if err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
	sg, err := supergraph.Parse(display, sdl)
	if err != nil {
		var at *supergraph.Error
		if errors.As(err, &at) && at.Line > 0 {
			return nil, schema.UpstreamInfo{}, d.Errorf("spec.supergraph", "%s:%d:%d: %s", display, at.Line, at.Column, at.Msg)
		}
		return nil, schema.UpstreamInfo{}, d.Errorf("spec.supergraph", "%s: %v", display, err)
	}
	for name := range spec.Supergraph.Subgraphs {
		if sg.Graph(name) == nil {
			return nil, schema.UpstreamInfo{}, d.Errorf("spec.supergraph.subgraphs."+name, "the supergraph has no subgraph %q", name)
		}
	}
	up := &Upstream{name: d.Name, subgraphs: map[string]*graphql.Upstream{}}
	for _, g := range sg.Graphs {
		addr := g.URL
		if o := spec.Supergraph.Subgraphs[g.Name]; o != "" {
			addr = o
		}
		if u, err := url.Parse(addr); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			up.Close()
			return nil, schema.UpstreamInfo{}, d.Errorf("spec.supergraph", "subgraph %s: %q is not an http or https URL", g.Name, addr)
		}
		name := d.Name + "/" + g.Name
		client, err := transport.New(name, spec.Options)
		if err != nil {
			up.Close()
			return nil, schema.UpstreamInfo{}, d.Errorf(transport.OptionPath(err), "%v", err)
		}
		if err := client.SetURL(addr); err != nil {
			client.Close()
			up.Close()
			return nil, schema.UpstreamInfo{}, d.Errorf("spec.supergraph", "subgraph %s: %v", g.Name, err)
		}
		up.subgraphs[g.Name] = graphql.New(name, addr, client)
	}
	v := version(sdl, spec.Supergraph.Subgraphs)
	fed := &schema.Federation{Upstream: d.Name, Kind: KindName, Supergraph: sg, Version: v}
	return up, schema.UpstreamInfo{Name: d.Name, Kind: KindName, Version: v, Federation: fed}, nil
}

// load reads the supergraph's SDL from the one source the spec names.
func load(ctx context.Context, src *upstreams.Source, spec Spec) (sdl, display string, err error) {
	d := src.Doc
	o := spec.Supergraph
	n := 0
	for _, set := range []bool{o.File != "", o.Inline != "", o.URL != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", "", d.Errorf("spec.supergraph", "set exactly one of file, inline or url")
	}
	switch {
	case o.File != "":
		data, path, err := src.ReadFile(o.File)
		if err != nil {
			return "", "", d.Errorf("spec.supergraph.file", "%v", err)
		}
		return string(data), path, nil
	case o.Inline != "":
		return o.Inline, d.File + " (supergraph " + d.Name + ")", nil
	}
	client, err := transport.New(d.Name, spec.Options)
	if err != nil {
		return "", "", d.Errorf(transport.OptionPath(err), "%v", err)
	}
	defer client.Close()
	if err := client.SetURL(o.URL); err != nil {
		return "", "", d.Errorf("spec.supergraph.url", "%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, client.Options().Timeout)
	defer cancel()
	ans, err := client.Exchange(ctx, http.MethodGet, o.URL, http.Header{"Accept": {"text/plain, application/graphql, */*"}}, nil, "")
	if err != nil {
		return "", "", d.Errorf("spec.supergraph.url", "reading the supergraph: %v", err)
	}
	defer ans.Release()
	if ans.Status/100 != 2 {
		return "", "", d.Errorf("spec.supergraph.url", "reading the supergraph: HTTP %d", ans.Status)
	}
	return string(ans.Body()), o.URL, nil
}

func version(sdl string, overrides map[string]string) string {
	h := fnv.New64a()
	h.Write([]byte(sdl))
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "\x00%s=%s", n, overrides[n])
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// Name returns the upstream's name.
func (u *Upstream) Name() string { return u.name }

// Close closes every subgraph's client.
func (u *Upstream) Close() {
	for _, s := range u.subgraphs {
		s.Close()
	}
}

// ExposeErrors reports whether the subgraphs' error messages reach
// clients (the resource's exposeErrors).
func (u *Upstream) ExposeErrors() bool {
	for _, s := range u.subgraphs {
		return s.ExposeErrors()
	}
	return false
}

func (u *Upstream) subgraph(c *upstreams.Call) (*graphql.Upstream, error) {
	if c.Operation == nil {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "no operation planned")
	}
	s := u.subgraphs[c.Operation.Subgraph]
	if s == nil {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "the supergraph has no subgraph %q", c.Operation.Subgraph)
	}
	return s, nil
}

// Prepare writes the call's request for its subgraph.
func (u *Upstream) Prepare(c *upstreams.Call) error {
	s, err := u.subgraph(c)
	if err != nil {
		return err
	}
	return s.Prepare(c)
}

// Do sends the call to its subgraph.
func (u *Upstream) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	s, err := u.subgraph(c)
	if err != nil {
		return nil, err
	}
	return s.Do(ctx, c)
}

// Idempotent reports whether c is a query, which retries may resend.
func (u *Upstream) Idempotent(c *upstreams.Call) bool {
	return c.Operation != nil && !c.Operation.Mutation
}

// String describes the upstream.
func (u *Upstream) String() string {
	return fmt.Sprintf("supergraph %s (%d subgraphs)", u.name, len(u.subgraphs))
}

// Binder is the kind's schema.Binder. A supergraph's fields are resolved
// by its subgraphs, as the supergraph says, so its directive binds
// nothing: a VirtualService serves the supergraph with
// `schema: {supergraph: NAME}`.
type Binder struct{}

var _ schema.Binder = Binder{}

// Kind implements schema.Binder.
func (Binder) Kind() schema.Kind { return KindName }

// Directive implements schema.Binder.
func (Binder) Directive() string {
	return `directive @supergraph(upstream: String!, timeout: String) repeatable on FIELD_DEFINITION`
}

// Bind implements schema.Binder: it reports that the supergraph's fields
// need no binding.
func (Binder) Bind(c *schema.BindContext) {
	c.Errorf(c.Field().Position, "a supergraph's fields are resolved by its subgraphs and take no binding: serve the supergraph with the route's schema: {supergraph: %s}", c.Binding().Upstream)
}
