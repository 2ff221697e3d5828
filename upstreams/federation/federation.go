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
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/schema/supergraph"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/graphql"
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// KindName is the kind's name: the key of its block in an Upstream's spec.
const KindName schema.Kind = "supergraph"

// Spec is the spec of a supergraph Upstream resource. The transport
// options are every subgraph's defaults.
type Spec struct {
	transport.Options `yaml:",inline"`
	// Resilience is every subgraph's default resilience policy (see
	// package resilience); each subgraph gets its own breaker, limits,
	// retries and budget from it, so that one failing subgraph does not
	// trip the others'.
	Resilience *yaml.Node `yaml:"resilience"`
	Supergraph Options    `yaml:"supergraph" weft:"required"`
}

// Options say where the supergraph comes from, and how each subgraph is
// called.
type Options struct {
	// File is the supergraph SDL, relative to the resource's file.
	File string `yaml:"file"`
	// Inline is the supergraph SDL itself.
	Inline string `yaml:"inline"`
	// URL serves the supergraph SDL (GET), read at load.
	URL string `yaml:"url"`
	// Subgraphs are settings of single subgraphs, by subgraph name: a
	// URL, where the gateway reaches the subgraph when it differs from
	// where composition was told it is (join__Graph's), or a Subgraph
	// block.
	Subgraphs map[string]*yaml.Node `yaml:"subgraphs"`
}

// Subgraph is the settings of one subgraph. A transport option set here
// replaces the Upstream's for this subgraph (headers replace headers); a
// resilience mechanism set here replaces the default's of the same name,
// and one set to null turns it off (resilience: null turns them all off).
type Subgraph struct {
	transport.Options `yaml:",inline"`
	// URL is where the subgraph is called; join__Graph's URL by default.
	URL string `yaml:"url"`
	// Resilience tunes the subgraph's resilience policy.
	Resilience *yaml.Node `yaml:"resilience"`
	// Fallback is the default fallback of the fields this subgraph
	// resolves, in place of the Upstream's fallback block.
	Fallback *yaml.Node `yaml:"fallback"`
}

// Upstream is a supergraph's subgraphs, each a GraphQL upstream (behind
// its own resilience policy, when it has one).
type Upstream struct {
	name      string
	expose    bool
	subgraphs map[string]upstreams.Upstream
}

var (
	_ upstreams.Upstream     = (*Upstream)(nil)
	_ resilience.Idempotency = (*Upstream)(nil)
)

// Kind returns the supergraph kind, for the CLI's wiring. It reads its
// resilience block itself, to give each subgraph a policy of its own.
func Kind() upstreams.Kind {
	return upstreams.Kind{Build: Build, Binder: Binder{}, OwnsResilience: true}
}

// subgraphPath is the field path of subgraph name's settings.
func subgraphPath(name string) string {
	return resource.JoinField("spec.supergraph.subgraphs", name)
}

// Build is the upstreams.Builder of the supergraph kind.
func Build(ctx context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
	d := src.Doc
	var spec Spec
	if err := d.DecodeSpec(&spec); err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
	spec.Options.ReadFile = transport.FileReader(src.ReadFile)
	spec.Options.NoProbes = src.Checking
	policy, err := resilience.Decode(d, spec.Resilience, "spec.resilience")
	if err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
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
	var errs resource.Errors
	names := make([]string, 0, len(spec.Supergraph.Subgraphs))
	for name := range spec.Supergraph.Subgraphs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if sg.Graph(name) == nil {
			errs = append(errs, d.Errorf(subgraphPath(name), "the supergraph has no subgraph %q", name))
		}
	}
	if len(errs) > 0 {
		return nil, schema.UpstreamInfo{}, errs
	}
	up := &Upstream{name: d.Name, expose: spec.ExposeErrors, subgraphs: map[string]upstreams.Upstream{}}
	fed := &schema.Federation{Upstream: d.Name, Kind: KindName, Supergraph: sg}
	var urls []string
	for _, g := range sg.Graphs {
		set, err := subgraphSettings(d, spec, policy, g.Name, spec.Supergraph.Subgraphs[g.Name])
		if err != nil {
			errs = append(errs, resourceErrors(err)...)
			continue
		}
		if set.url == "" {
			set.url = g.URL
		}
		s, err := newSubgraph(d, g.Name, set, src)
		if err != nil {
			errs = append(errs, resourceErrors(err)...)
			continue
		}
		up.subgraphs[g.Name] = s
		urls = append(urls, g.Name+"="+set.url)
		if set.fallback != nil {
			if fed.Fallbacks == nil {
				fed.Fallbacks = map[string]*schema.Fallback{}
			}
			fed.Fallbacks[g.Name] = set.fallback
		}
	}
	if len(errs) > 0 {
		up.Close()
		errs.Sort()
		return nil, schema.UpstreamInfo{}, errs
	}
	fed.Version = version(sdl, urls, fed.Fallbacks)
	return up, schema.UpstreamInfo{Name: d.Name, Kind: KindName, Version: fed.Version, Federation: fed}, nil
}

// settings are what one subgraph is called with.
type settings struct {
	url       string
	transport transport.Options
	// policy is the subgraph's resilience policy; nil for none.
	policy   *resilience.Policy
	fallback *schema.Fallback
	// explicit says which transport options the subgraph's own block
	// sets, for errors at their lines.
	explicit map[string]bool
}

// subgraphSettings reads subgraph name's settings: node is its entry in
// spec.supergraph.subgraphs (nil for none), a URL or a Subgraph block
// over the Upstream's defaults.
func subgraphSettings(d *resource.Document, spec Spec, policy *resilience.Policy, name string, node *yaml.Node) (settings, error) {
	set := settings{transport: spec.Options, policy: policy}
	if node == nil {
		return set, nil
	}
	path := subgraphPath(name)
	n := node
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		set.url = n.Value
		return set, nil
	case n.Kind != yaml.MappingNode:
		return set, d.NodeErrorf(node, path, "expected a URL or a mapping of the subgraph's settings (url, timeout, headers, resilience, fallback, ...)")
	}
	// The subgraph's keys win over the Upstream's, which reach its block
	// as a YAML merge would bring them.
	merged := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column, Content: slices.Clip(n.Content)}
	if defaults := transportDefaults(d.Spec); defaults != nil {
		merged.Content = append(merged.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!merge", Value: "<<"}, defaults)
	}
	var sub Subgraph
	if err := d.Decode(merged, path, &sub); err != nil {
		return set, err
	}
	sub.Options.ReadFile, sub.Options.NoProbes = spec.Options.ReadFile, spec.Options.NoProbes
	set.url, set.transport = sub.URL, sub.Options
	set.explicit = map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		set.explicit[n.Content[i].Value] = true
	}
	if sub.URL == "" && set.explicit["url"] {
		return set, d.Errorf(path+".url", "empty URL: leave url out for join__Graph's")
	}
	var errs resource.Errors
	if set.explicit["resilience"] {
		p, err := subgraphPolicy(d, spec.Resilience, sub.Resilience, path+".resilience")
		if err != nil {
			errs = append(errs, resourceErrors(err)...)
		}
		set.policy = p
	}
	fb, err := upstreams.DecodeFallback(d, sub.Fallback, path+".fallback", d.Name)
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
	}
	set.fallback = fb
	return set, errs.Err()
}

// transportDefaults is the Upstream's spec without the keys that are no
// transport options, for subgraphs' blocks to merge; nil when it has no
// other key.
func transportDefaults(spec *yaml.Node) *yaml.Node {
	if spec == nil || spec.Kind != yaml.MappingNode {
		return nil
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: spec.Line, Column: spec.Column}
	for i := 0; i+1 < len(spec.Content); i += 2 {
		switch spec.Content[i].Value {
		case "supergraph", "resilience":
			continue
		}
		out.Content = append(out.Content, spec.Content[i], spec.Content[i+1])
	}
	if len(out.Content) == 0 {
		return nil
	}
	return out
}

// subgraphPolicy reads a subgraph's resilience block over the Upstream's:
// each mechanism the subgraph names replaces the default's, null turning
// it off; a null block is no policy.
func subgraphPolicy(d *resource.Document, defaults, own *yaml.Node, path string) (*resilience.Policy, error) {
	if own == nil {
		return nil, nil // resilience: null
	}
	merged := own
	if o := deref(own); o.Kind == yaml.MappingNode && defaults != nil && deref(defaults).Kind == yaml.MappingNode {
		merged = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: o.Line, Column: o.Column, Content: slices.Clip(o.Content)}
		merged.Content = append(merged.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!merge", Value: "<<"}, defaults)
	}
	return resilience.Decode(d, merged, path)
}

func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// newSubgraph builds subgraph name's client and upstream, behind its
// policy.
func newSubgraph(d *resource.Document, name string, set settings, src *upstreams.Source) (upstreams.Upstream, error) {
	path := subgraphPath(name)
	if u, err := url.Parse(set.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		at := "spec.supergraph"
		if set.explicit["url"] {
			at = path + ".url"
		} else if d.Node(path) != nil {
			at = path
		}
		return nil, d.Errorf(at, "subgraph %s: %q is not an http or https URL", name, set.url)
	}
	full := d.Name + "/" + name
	client, err := transport.New(full, set.transport)
	if err != nil {
		at := transport.OptionPath(err)
		var oe *transport.OptionError
		if errors.As(err, &oe) && set.explicit[strings.SplitN(oe.Path, ".", 2)[0]] {
			at = path + "." + oe.Path
		}
		return nil, d.Errorf(at, "subgraph %s: %v", name, err)
	}
	if err := client.SetURL(set.url); err != nil {
		client.Close()
		return nil, d.Errorf(path, "subgraph %s: %v", name, err)
	}
	var up upstreams.Upstream = graphql.New(full, set.url, client)
	if set.policy != nil {
		up = resilience.Wrap(up, *set.policy, resilience.WithLog(src.Log))
	}
	return up, nil
}

// resourceErrors flattens err into config errors.
func resourceErrors(err error) resource.Errors {
	if es := resource.AsErrors(err); es != nil {
		return es
	}
	return resource.Errors{{Msg: err.Error()}}
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

// version identifies what plans depend on: the supergraph, where its
// subgraphs are, and the fallbacks that serve their fields.
func version(sdl string, urls []string, fallbacks map[string]*schema.Fallback) string {
	h := fnv.New64a()
	h.Write([]byte(sdl))
	sort.Strings(urls)
	for _, u := range urls {
		fmt.Fprintf(h, "\x00%s", u)
	}
	names := make([]string, 0, len(fallbacks))
	for n := range fallbacks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fb := fallbacks[n]
		fmt.Fprintf(h, "\x00fallback %s %s %v %v %s:%d", n, fb.Upstream, fb.Stale, fb.On, fb.Pos.File, fb.Pos.Line)
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
// clients by default (the resource's exposeErrors); each subgraph says
// for itself, as a part (see Parts).
func (u *Upstream) ExposeErrors() bool { return u.expose }

// Parts returns the subgraphs' upstreams, sorted by name ("shop/reviews"),
// each behind its resilience policy when it has one: for the metrics of
// each, and what each exposes of its errors.
func (u *Upstream) Parts() []upstreams.Upstream {
	out := make([]upstreams.Upstream, 0, len(u.subgraphs))
	for _, s := range u.subgraphs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

func (u *Upstream) subgraph(c *upstreams.Call) (upstreams.Upstream, error) {
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
