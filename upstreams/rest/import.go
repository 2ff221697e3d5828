package rest

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest/openapi"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// imported is what an OpenAPI document gives an upstream.
type imported struct {
	fields  *schema.Source
	scalars map[string]string
	version string
	baseURL string
}

// importOpenAPI loads and imports the upstream's OpenAPI document. Parts
// that cannot map are logged as warnings, one per part; the rest is used.
func importOpenAPI(ctx context.Context, src *upstreams.Source, o *OpenAPIOptions, client *transport.Client) (*imported, error) {
	d := src.Doc
	if (o.File == "") == (o.URL == "") {
		return nil, d.Errorf("spec.rest.openapi", "set exactly one of file and url")
	}
	source, where := o.URL, "spec.rest.openapi.url"
	if o.File != "" {
		where = "spec.rest.openapi.file"
		if src.LocalPath == nil {
			return nil, d.Errorf(where, "this config cannot open files by path")
		}
		p, err := src.LocalPath(o.File)
		if err != nil {
			return nil, d.Errorf(where, "%v", err)
		}
		source = p
	}
	for op, kind := range o.Operations {
		if kind != "Query" && kind != "Mutation" {
			return nil, d.Errorf("spec.rest.openapi.operations."+op, "%q: want Query or Mutation", kind)
		}
	}
	doc, err := openapi.Load(ctx, source, openapi.LoadOptions{Client: client.HTTP()})
	if err != nil {
		return nil, d.Errorf(where, "OpenAPI document of upstream %s: %v", d.Name, err)
	}
	res, err := openapi.Import(doc, openapi.Options{Upstream: d.Name, Kinds: o.Operations, Prefix: o.Prefix})
	if err != nil {
		return nil, d.Errorf(where, "OpenAPI document of upstream %s: %v", d.Name, err)
	}
	for _, w := range res.Warnings {
		src.Log.Warn().Str("upstream", d.Name).Msg(w.String())
	}
	src.Log.Info().Str("upstream", d.Name).Int("operations", res.Operations).Int("skipped", res.Skipped).
		Int("warnings", len(res.Warnings)).Msg("OpenAPI document imported")
	h := fnv.New64a()
	h.Write([]byte(res.Fragment))
	scalars := make(map[string]string, len(res.Scalars))
	for _, name := range res.Scalars {
		scalars[name] = openapi.ScalarDef(name)
	}
	return &imported{
		fields:  &schema.Source{File: fmt.Sprintf("%s (upstream %s, imported)", source, d.Name), Input: res.Fragment},
		scalars: scalars,
		version: strconv.FormatUint(h.Sum64(), 16),
		baseURL: res.BaseURL,
	}, nil
}
