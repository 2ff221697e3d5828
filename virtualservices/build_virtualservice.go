package virtualservices

import (
	"fmt"
	"net/http"

	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/resolvers"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// snapshotBuild is what building a snapshot's VirtualServices reads and
// where it keeps what the next snapshot may reuse.
type snapshotBuild struct {
	// infos describe the upstreams to the schema builder, live are their
	// instances, prints their digests (upstreamPrint), by name.
	infos  map[string]schema.UpstreamInfo
	live   map[string]upstreams.Upstream
	prints map[string]string
	// prev is the snapshot served before, if any, whose schemas and
	// caches next may keep.
	prev, next *Snapshot
}

func (l *Loader) buildVirtualService(d *resource.Document, b *snapshotBuild, read func(string) ([]byte, string, error)) (*vhost, []string, []domainRef, error) {
	var spec VirtualServiceSpec
	if err := d.DecodeSpec(&spec); err != nil {
		return nil, nil, nil, err
	}
	var errs resource.Errors
	vh := &vhost{name: d.Name}
	var drefs []domainRef
	for i := range spec.VirtualHost.Domains {
		drefs = append(drefs, domainRef{doc: d, path: fmt.Sprintf("spec.virtualHost.domains[%d]", i)})
	}
	if len(spec.VirtualHost.Domains) == 0 {
		errs = append(errs, d.Errorf("spec.virtualHost.domains", "list at least one domain (\"*\" for any)"))
	}
	if len(spec.VirtualHost.Routes) == 0 {
		errs = append(errs, d.Errorf("spec.virtualHost.routes", "list at least one route"))
	}
	for i, r := range spec.VirtualHost.Routes {
		rp := fmt.Sprintf("spec.virtualHost.routes[%d]", i)
		rt := &route{name: r.Name}
		if rt.name == "" {
			rt.name = fmt.Sprintf("%s/%d", d.Name, i)
		}
		for j, m := range r.Matchers {
			cm, merrs := compileMatcher(d, fmt.Sprintf("%s.matchers[%d]", rp, j), m)
			errs = append(errs, merrs...)
			rt.matchers = append(rt.matchers, cm)
		}
		switch {
		case r.GraphQL != nil && r.DirectResponse != nil:
			errs = append(errs, d.Errorf(rp, "a route has one action: graphql or directResponse, not both"))
		case r.GraphQL != nil:
			api, err := l.buildAPI(d, rp+".graphql", rt.name, r.GraphQL, spec.Vars, b, read)
			if err != nil {
				errs = append(errs, resourceErrors(err)...)
				continue
			}
			rt.handler = api
		case r.DirectResponse != nil:
			dr := r.DirectResponse
			if dr.Status < 100 || dr.Status > 599 {
				errs = append(errs, d.Errorf(rp+".directResponse.status", "%d is not an HTTP status", dr.Status))
			}
			rt.handler = directResponse(dr)
		default:
			errs = append(errs, d.Errorf(rp, "a route needs an action: graphql or directResponse"))
		}
		vh.routes = append(vh.routes, rt)
	}
	if len(errs) > 0 {
		return nil, nil, nil, errs
	}
	return vh, spec.VirtualHost.Domains, drefs, nil
}

// buildAPI builds a route's API. Its schema and caches are the previous
// snapshot's when what they are built from did not change (see caches.go).
func (l *Loader) buildAPI(d *resource.Document, p, route string, action *GraphQLAction, vars map[string]string, b *snapshotBuild, read func(string) ([]byte, string, error)) (*API, error) {
	infos := b.infos
	action.withDefaults()
	src := action.Schema
	if src.File != "" && src.Inline != "" || src.File == "" && src.Inline == "" && len(src.Include) == 0 && src.Supergraph == "" {
		return nil, d.Errorf(p+".schema", "set one of file and inline, and/or include, and/or supergraph")
	}
	includes, err := includedFields(d, p+".schema.include", src, infos)
	if err != nil {
		return nil, err
	}
	fed, err := supergraphOf(d, p+".schema.supergraph", src.Supergraph, infos)
	if err != nil {
		return nil, err
	}
	if fed != nil {
		includes = append(includes, schema.Source{File: fed.Supergraph.APIName, Input: fed.Supergraph.APISDL})
	}
	ss := schema.Source{File: d.File}
	switch {
	case src.File != "":
		data, display, err := read(src.File)
		if err != nil {
			return nil, d.Errorf(p+".schema.file", "%v", err)
		}
		ss = schema.Source{File: display, Input: string(data)}
	case src.Inline != "":
		n := d.Node(p + ".schema.inline")
		ss = schema.Source{File: d.File, Input: src.Inline}
		if n != nil {
			ss.Line, ss.Col = n.Line, n.Column-1
			if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				// A block scalar's text starts on the line after its indicator,
				// indented one level below its key.
				_, keyCol := d.Pos(p + ".schema")
				ss.Line, ss.Col = n.Line+1, keyCol+1
			}
		}
	}
	includes = append(includes, scalarDecls(ss.Input, src.Include, infos)...)
	skey := schemaKey(ss, includes, vars, b.prints)
	s := b.next.schemas[skey]
	if s == nil && b.prev != nil {
		s = b.prev.schemas[skey]
	}
	if s == nil {
		if s, err = schema.Build(ss, schema.Options{Binders: upstreams.Binders(l.Kinds), Upstreams: infos, Vars: vars, Includes: includes, Federation: fed}); err != nil {
			return nil, err
		}
	}
	b.next.schemas[skey] = s
	ckey := cacheKey(skey, d.Name, route, action)
	caches := b.next.caches[ckey]
	if caches == nil && b.prev != nil {
		caches = b.prev.caches[ckey]
	}
	if caches == nil {
		if caches, err = newAPICaches(s, action); err != nil {
			return nil, fmt.Errorf("virtual service %s: %w", d.Name, err)
		}
	}
	b.next.caches[ckey] = caches
	var stale *resolvers.StaleCache
	if s.HasStaleFallbacks() {
		stale = l.staleCache()
	}
	return newAPI(d.Name, route, s, *action, caches, b.live, vars, stale, l.Log)
}

func directResponse(dr *DirectResponse) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(dr.Status)
		_, _ = w.Write([]byte(dr.Body))
	})
}
