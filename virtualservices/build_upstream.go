package virtualservices

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
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
	// still list them as allowed. A kind made of parts (a supergraph)
	// reads the resilience block itself, to give each part its own.
	kind := l.kind(kinds[0])
	var errs resource.Errors
	var blocks upstreamBlocks
	var into any = &blocks
	if kind.OwnsResilience {
		into = &blocks.fallbackBlock
	}
	kd, err := d.SplitSpec(into)
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
	fallback, err := upstreams.DecodeFallback(d, blocks.Fallback, "spec."+fallbackKey, d.Name)
	if err != nil {
		errs = append(errs, resourceErrors(err)...)
	}
	up, info, err := kind.Build(ctx, &upstreams.Source{Doc: kd, ReadFile: read, LocalPath: local, Log: l.Log, Checking: l.Checking})
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
type UpstreamFallback = upstreams.FallbackSpec

// resilienceKey is the Upstream spec block every kind shares that the
// loader, not the kind, reads: see package upstreams/resilience.
const resilienceKey = "resilience"

// upstreamBlocks are the blocks of an Upstream's spec that the loader reads
// whatever the kind (the names are resilienceKey and fallbackKey), kept as
// nodes for resilience.Decode and upstreams.DecodeFallback.
type upstreamBlocks struct {
	Resilience    *yaml.Node `yaml:"resilience"`
	fallbackBlock `yaml:",inline"`
}

// fallbackBlock is the block the loader reads of a kind that reads its
// resilience block itself (upstreams.Kind.OwnsResilience).
type fallbackBlock struct {
	Fallback *yaml.Node `yaml:"fallback"`
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
