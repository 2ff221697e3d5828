package virtualservices

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/resilience"
)

func (l *Loader) buildUpstream(ctx context.Context, d *resource.Document, prev *Snapshot, read func(string) ([]byte, string, error), local func(string) (string, error), unchanged func(map[string][32]byte) bool) (*builtUpstream, error) {
	if d.Spec == nil || d.Spec.Kind != yaml.MappingNode {
		return nil, d.Errorf("spec", "an Upstream needs a spec with one of: %s", strings.Join(l.kindNames(), ", "))
	}
	var kinds []string
	for i := 0; i+1 < len(d.Spec.Content); i += 2 {
		if l.kind(d.Spec.Content[i].Value) != nil {
			kinds = append(kinds, d.Spec.Content[i].Value)
		}
	}
	if len(kinds) != 1 {
		if len(kinds) == 0 {
			return nil, d.Errorf("spec", "an Upstream spec needs one kind block: one of %s", strings.Join(l.kindNames(), ", "))
		}
		return nil, d.Errorf("spec."+kinds[1], "an Upstream has one kind; this one sets both %s and %s", kinds[0], kinds[1])
	}
	b, _ := yaml.Marshal(d.Spec)
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:])
	if prev != nil {
		if old := prev.ups[d.Name]; old != nil && old.hash == hash && unchanged(old.files) {
			return old, nil
		}
	}
	// The resilience and fallback blocks are the loader's, not the kind's:
	// kinds decode their spec strictly and would reject them. The kind
	// gets a copy of the document without them, whose unknown-field errors
	// still list them as allowed.
	var errs resource.Errors
	var blocks upstreamBlocks
	kd, err := d.SplitSpec(&blocks)
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
		if kd == nil {
			return nil, errs
		}
	}
	policy, err := resilience.Decode(d, blocks.Resilience, "spec."+resilienceKey)
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
	}
	fallback, err := decodeFallback(d, blocks.Fallback)
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
	}
	up, info, err := l.kind(kinds[0]).Build(ctx, &upstreams.Source{Doc: kd, ReadFile: read, LocalPath: local, Log: l.Log, Checking: l.Checking})
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
	}
	if len(errs) > 0 {
		if up != nil {
			up.Close()
		}
		return nil, errs
	}
	if policy != nil {
		up = resilience.Wrap(up, *policy, resilience.WithLog(l.Log))
	}
	info.Fallback = fallback
	return &builtUpstream{up: up, info: info, hash: hash, print: upstreamPrint(info)}, nil
}

// fallbackKey is the Upstream spec block that is the default fallback of
// every field bound to the upstream; the loader reads it, as resilience.
const fallbackKey = "fallback"

// UpstreamFallback is an Upstream's default fallback: what serves a field
// bound to it that declares no fallback of its own (nor its type).
type UpstreamFallback struct {
	// Upstream replays each binding against this replica, of the same kind.
	Upstream string `yaml:"upstream"`
	// Stale serves the last good value of the same call, at most this old.
	Stale time.Duration `yaml:"stale"`
	// On are the failures that fall back (default: all but
	// UPSTREAM_REQUEST_INVALID).
	On []string `yaml:"on"`
}

// decodeFallback reads spec.fallback; nil for none.
func decodeFallback(d *resource.Document, node *yaml.Node) (*schema.Fallback, error) {
	if node == nil {
		return nil, nil
	}
	const path = "spec." + fallbackKey
	var f UpstreamFallback
	if err := d.Decode(node, path, &f); err != nil {
		return nil, err
	}
	if f.Upstream == "" && f.Stale <= 0 {
		return nil, d.Errorf(path, "say what serves the fields: upstream (a replica), stale (a maximum age), or both; a static value belongs to each field, with @fallback")
	}
	if f.Upstream == d.Name {
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

// resilienceKey is the Upstream spec block every kind shares that the
// loader, not the kind, reads: see package upstreams/resilience.
const resilienceKey = "resilience"

// upstreamBlocks are the blocks of an Upstream's spec that the loader reads
// whatever the kind (the names are resilienceKey and fallbackKey), kept as
// nodes for resilience.Decode and decodeFallback.
type upstreamBlocks struct {
	Resilience *yaml.Node `yaml:"resilience"`
	Fallback   *yaml.Node `yaml:"fallback"`
}

func (l *Loader) kindNames() []string {
	out := make([]string, 0, len(l.Kinds))
	for _, k := range l.Kinds {
		out = append(out, k.Name())
	}
	sort.Strings(out)
	return out
}

// kind returns the kind named name, or nil.
func (l *Loader) kind(name string) *upstreams.Kind {
	for i := range l.Kinds {
		if l.Kinds[i].Name() == name {
			return &l.Kinds[i]
		}
	}
	return nil
}
