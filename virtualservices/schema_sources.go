package virtualservices

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/schema"
)

// includedFields returns the generated SDL of each included upstream.
func includedFields(d *resource.Document, p string, src SchemaSource, infos map[string]schema.UpstreamInfo) ([]schema.Source, error) {
	var out []schema.Source
	var errs resource.Errors
	for i, name := range src.Include {
		info, ok := infos[name]
		switch {
		case info.Failed:
			// Its own errors are reported.
		case !ok:
			errs = append(errs, d.Errorf(fmt.Sprintf("%s[%d]", p, i), "unknown upstream %q", name))
		case info.Fields == nil:
			errs = append(errs, d.Errorf(fmt.Sprintf("%s[%d]", p, i), "upstream %q generates no fields to include (a rest upstream with an openapi document does)", name))
		default:
			out = append(out, *info.Fields)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// scalarDecls declares, once, the custom scalars included fields use that
// the VirtualService's own SDL does not declare.
func scalarDecls(own string, include []string, infos map[string]schema.UpstreamInfo) []schema.Source {
	declared := map[string]bool{}
	if doc, err := parser.ParseSchema(&ast.Source{Input: own}); err == nil {
		for _, def := range doc.Definitions {
			if def.Kind == ast.Scalar {
				declared[def.Name] = true
			}
		}
	}
	var names []string
	decls := map[string]string{}
	for _, up := range include {
		for name, decl := range infos[up].Scalars {
			if !declared[name] && decls[name] == "" {
				decls[name] = decl
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(decls[name] + "\n")
	}
	return []schema.Source{{File: "(scalars of included upstreams)", Input: b.String()}}
}

// supergraphOf returns the supergraph a route's schema serves, if any.
func supergraphOf(d *resource.Document, p, name string, infos map[string]schema.UpstreamInfo) (*schema.Federation, error) {
	if name == "" {
		return nil, nil
	}
	info, ok := infos[name]
	switch {
	case info.Failed:
		return nil, resource.Errors{} // its own errors are reported
	case !ok:
		return nil, d.Errorf(p, "unknown upstream %q", name)
	case info.Federation == nil:
		return nil, d.Errorf(p, "upstream %q is a %s upstream, not a supergraph", name, info.Kind)
	}
	return info.Federation, nil
}
