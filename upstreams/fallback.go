package upstreams

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/schema"
)

// FallbackSpec is an Upstream's fallback block (spec.fallback, and a
// supergraph's spec.supergraph.subgraphs.NAME.fallback): what serves a
// field that declares no fallback of its own (nor its type) when its call
// fails.
type FallbackSpec struct {
	// Upstream replays each call against this replica, of the same kind.
	Upstream string `yaml:"upstream"`
	// Stale serves the last good value of the same call, at most this old.
	Stale time.Duration `yaml:"stale"`
	// On are the failures that fall back (default: all but
	// UPSTREAM_REQUEST_INVALID).
	On []string `yaml:"on"`
}

// DecodeFallback reads a fallback block (node, at field path path of d,
// such as "spec.fallback") strictly; nil for none. self is the name of the
// upstream the block belongs to, which cannot be its own replica. Every
// error names its file, line and field path.
func DecodeFallback(d *resource.Document, node *yaml.Node, path, self string) (*schema.Fallback, error) {
	if node == nil {
		return nil, nil
	}
	var f FallbackSpec
	if err := d.Decode(node, path, &f); err != nil {
		return nil, err
	}
	if f.Upstream == "" && f.Stale <= 0 {
		return nil, d.Errorf(path, "say what serves the fields: upstream (a replica), stale (a maximum age), or both; a static value belongs to each field, with @fallback")
	}
	if f.Upstream == self {
		return nil, d.Errorf(path+".upstream", "%q is this upstream; name a replica", f.Upstream)
	}
	fb := &schema.Fallback{Upstream: f.Upstream, Stale: f.Stale}
	for i, code := range f.On {
		if !schema.FallbackCode(code) {
			return nil, d.Errorf(fmt.Sprintf("%s.on[%d]", path, i), "%q is not a failure a fallback serves", code)
		}
		fb.On = append(fb.On, code)
	}
	line, col := d.Pos(path)
	fb.Pos = schema.Pos{File: d.File, Line: line, Col: col}
	return fb, nil
}
