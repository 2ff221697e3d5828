package rest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"path"
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

// importOpenAPI loads and imports the upstream's OpenAPI document, whose
// bindings may name the upstream's named credentials (schemes). Parts
// that cannot map are logged as warnings, one per part; the rest is used.
func importOpenAPI(ctx context.Context, src *upstreams.Source, o *OpenAPIOptions, client *transport.Client, schemes []string) (*imported, error) {
	d := src.Doc
	if (o.File == "") == (o.URL == "") {
		return nil, d.Errorf("spec.rest.openapi", "set exactly one of file and url")
	}
	source, where := o.URL, "spec.rest.openapi.url"
	inMemory := false
	if o.File != "" {
		where = "spec.rest.openapi.file"
		p, onDisk, err := openAPIPath(src, o.File)
		if err != nil {
			return nil, d.Errorf(where, "%v", err)
		}
		source, inMemory = p, !onDisk
	}
	for _, l := range []struct {
		field string
		v     int64
	}{{"maxFiles", int64(o.MaxFiles)}, {"maxBytes", o.MaxBytes}, {"maxDepth", int64(o.MaxDepth)}} {
		if l.v < 0 {
			return nil, d.Errorf("spec.rest.openapi."+l.field, "%d: must not be negative (0 means the default)", l.v)
		}
	}
	for op, kind := range o.Operations {
		if kind != "Query" && kind != "Mutation" {
			return nil, d.Errorf("spec.rest.openapi.operations."+op, "%q: want Query or Mutation", kind)
		}
	}
	var doc *openapi.Document
	var err error
	if inMemory {
		// A config that is not on disk (one a registry holds in memory):
		// the document and the files its $refs name are read through the
		// config's files, named as the config names them.
		var display string
		if _, display, err = src.ReadFile(o.File); err == nil {
			doc, err = openapi.Load(ctx, path.Clean(o.File), openapi.LoadOptions{FS: src.FS(), Display: display, MaxFiles: o.MaxFiles, MaxBytes: o.MaxBytes})
			source = display
		}
	} else {
		doc, err = openapi.Load(ctx, source, openapi.LoadOptions{Client: client.HTTP(), MaxFiles: o.MaxFiles, MaxBytes: o.MaxBytes})
	}
	var le *openapi.LimitError
	if errors.As(err, &le) {
		field := map[string]string{"MaxFiles": "maxFiles", "MaxBytes": "maxBytes"}[le.Limit]
		return nil, d.Errorf("spec.rest.openapi."+field, "OpenAPI document of upstream %s: %v (raise spec.rest.openapi.%s)", d.Name, err, field)
	}
	if err != nil {
		return nil, d.Errorf(where, "OpenAPI document of upstream %s: %v", d.Name, err)
	}
	// Bindings name only the credentials the Upstream has; with none
	// named, its auth serves every call.
	named := make(map[string]bool, len(schemes))
	for _, s := range schemes {
		named[s] = true
	}
	res, err := openapi.Import(doc, openapi.Options{Upstream: d.Name, Kinds: o.Operations, Prefix: o.Prefix, MaxDepth: o.MaxDepth, AuthSchemes: named})
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

// openAPIPath returns the path on disk of the OpenAPI document a spec
// names, or, when the config is not on disk, the name to read through the
// config's files (onDisk false).
func openAPIPath(src *upstreams.Source, name string) (path string, onDisk bool, err error) {
	if src.LocalPath != nil {
		p, err := src.LocalPath(name)
		if err == nil {
			return p, true, nil
		}
		if _, dirErr := src.LocalPath("."); dirErr == nil {
			// The config is on disk: the name itself is refused (a file
			// outside the config directory).
			return "", false, err
		}
	}
	if src.ReadFile == nil {
		return "", false, fmt.Errorf("file %q: this config cannot read files", name)
	}
	return name, false, nil
}
