package virtualservices_test

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/virtualservices"
)

// A step of a path from a resource's spec to a block: a key, or the first
// item of a list.
type step struct {
	key   string
	index bool
}

// configBlock is a mapping of a resource's spec that a Go struct decodes.
type configBlock struct {
	kind string // Upstream or VirtualService
	// kindKey is an Upstream's kind block, which its spec needs.
	kindKey string
	path    []step
	typ     reflect.Type
	// extra are keys the block allows besides its struct's.
	extra []string
}

func (b configBlock) fieldPath() string {
	p := "spec"
	for _, s := range b.path {
		if s.index {
			p = resource.JoinIndex(p, 0)
		} else {
			p = resource.JoinField(p, s.key)
		}
	}
	return p
}

// yamlKeys lists the keys a struct decodes, inline fields flattened, as
// the yaml tags name them; open is set when an inline map takes any key.
func yamlKeys(t reflect.Type) (keys []string, open bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-" || !f.IsExported() && !f.Anonymous:
		case slices.Contains(strings.Split(opts, ","), "inline"):
			if f.Type.Kind() == reflect.Map {
				open = true
				continue
			}
			sub, subOpen := yamlKeys(f.Type)
			keys, open = append(keys, sub...), open || subOpen
		case f.IsExported():
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			keys = append(keys, name)
		}
	}
	return keys, open
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	nodeType     = reflect.TypeFor[yaml.Node]()
)

// blocksOf lists every struct reachable from t, which sits at path.
func blocksOf(kind, kindKey string, path []step, t reflect.Type, onPath map[reflect.Type]bool) []configBlock {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == nodeType || t == durationType || onPath[t] {
		return nil
	}
	onPath[t] = true
	defer delete(onPath, t)
	out := []configBlock{{kind: kind, kindKey: kindKey, path: path, typ: t}}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			name, opts, _ := strings.Cut(tag, ",")
			if tag == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			if slices.Contains(strings.Split(opts, ","), "inline") {
				if f.Type.Kind() == reflect.Struct {
					walk(f.Type)
				}
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			sub := append(slices.Clip(path), step{key: name})
			switch ft.Kind() {
			case reflect.Slice, reflect.Array:
				out = append(out, blocksOf(kind, kindKey, append(sub, step{index: true}), ft.Elem(), onPath)...)
			case reflect.Map:
				out = append(out, blocksOf(kind, kindKey, append(sub, step{key: "k"}), ft.Elem(), onPath)...)
			default:
				out = append(out, blocksOf(kind, kindKey, sub, ft, onPath)...)
			}
		}
	}
	walk(t)
	return out
}

// resourceWith is a resource of the block's kind whose block holds key
// with value.
func resourceWith(b configBlock, key string, value any) string {
	var spec any = map[string]any{key: value}
	for i := len(b.path) - 1; i >= 0; i-- {
		if b.path[i].index {
			spec = []any{spec}
		} else {
			spec = map[string]any{b.path[i].key: spec}
		}
	}
	if b.kindKey != "" {
		m := spec.(map[string]any)
		if _, ok := m[b.kindKey]; !ok {
			m[b.kindKey] = map[string]any{}
		}
	}
	out, err := yaml.Marshal(map[string]any{
		"apiVersion": "weft.dev/v1",
		"kind":       b.kind,
		"metadata":   map[string]any{"name": "x"},
		"spec":       spec,
	})
	if err != nil {
		panic(err)
	}
	return string(out)
}

// loadOne loads one file and returns its errors.
func loadOne(t *testing.T, text string) resource.Errors {
	t.Helper()
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop(), Checking: true}
	snap, err := loader.Load(context.Background(), virtualservices.Config{
		FS: fstest.MapFS{"a.yaml": {Data: []byte(text)}}, Dir: ".", DisplayRoot: "cfg",
	}, nil)
	if snap != nil {
		virtualservices.CloseSnapshot(snap)
	}
	es := resource.AsErrors(err)
	if err != nil && es == nil {
		t.Fatalf("load failed without config errors: %v", err)
	}
	return es
}

// Every block of every resource answers an unknown key with the list of
// every key it allows, taken from the types that decode it: an Upstream's
// spec lists its kind's keys and the resilience and fallback blocks the
// loader reads; every key listed is one the block accepts.
func TestUnknownFieldListsEveryKey(t *testing.T) {
	var blocks []configBlock
	onPath := map[reflect.Type]bool{}
	for kindKey, typ := range map[string]reflect.Type{
		"rest":    reflect.TypeFor[rest.Spec](),
		"graphql": reflect.TypeFor[graphql.Spec](),
		"grpc":    reflect.TypeFor[grpcup.Spec](),
		"soap":    reflect.TypeFor[soap.Spec](),
	} {
		spec := blocksOf("Upstream", kindKey, nil, typ, onPath)
		spec[0].extra = []string{"resilience", "fallback"}
		blocks = append(blocks, spec...)
		blocks = append(blocks, blocksOf("Upstream", kindKey, []step{{key: "resilience"}}, reflect.TypeFor[resilience.Policy](), onPath)...)
		blocks = append(blocks, blocksOf("Upstream", kindKey, []step{{key: "fallback"}}, reflect.TypeFor[virtualservices.UpstreamFallback](), onPath)...)
	}
	blocks = append(blocks, blocksOf("VirtualService", "", nil, reflect.TypeFor[virtualservices.VirtualServiceSpec](), onPath)...)
	sort.Slice(blocks, func(i, j int) bool {
		return blocks[i].kind+blocks[i].kindKey+blocks[i].fieldPath() < blocks[j].kind+blocks[j].kindKey+blocks[j].fieldPath()
	})

	// The walk must reach the blocks the loader reads itself, and the
	// VirtualService's nested ones.
	reached := map[string]bool{}
	for _, b := range blocks {
		reached[b.kind+" "+b.fieldPath()] = true
	}
	for _, want := range []string{
		"Upstream spec", "Upstream spec.resilience", "Upstream spec.resilience.retries", "Upstream spec.fallback",
		"Upstream spec.rest", "Upstream spec.graphql", "Upstream spec.grpc", "Upstream spec.soap",
		"VirtualService spec", "VirtualService spec.virtualHost", "VirtualService spec.virtualHost.routes[0]",
		"VirtualService spec.virtualHost.routes[0].matchers[0]", "VirtualService spec.virtualHost.routes[0].graphql.limits",
	} {
		if !reached[want] {
			t.Errorf("no block %s among %v", want, reached)
		}
	}

	for _, b := range blocks {
		keys, open := yamlKeys(b.typ)
		if open {
			continue // an inline map takes any key
		}
		want := append(keys, b.extra...)
		name := b.kind + "/" + b.kindKey + "/" + b.fieldPath()
		t.Run(name, func(t *testing.T) {
			text := resourceWith(b, "zzz", 1)
			path := resource.JoinField(b.fieldPath(), "zzz")
			var found *resource.Error
			for _, e := range loadOne(t, text) {
				if e.Path == path {
					found = e
				}
			}
			if found == nil {
				t.Fatalf("no error at %s for:\n%s", path, text)
			}
			// The key is on the one line that names it.
			before, _, _ := strings.Cut(text, "zzz:")
			line := strings.Count(before, "\n") + 1
			col := len(before) - strings.LastIndex(before, "\n")
			if found.File != "cfg/a.yaml" || found.Line != line || found.Column != col {
				t.Errorf("error at %s:%d:%d, want cfg/a.yaml:%d:%d", found.File, found.Line, found.Column, line, col)
			}
			msg, list, ok := strings.Cut(found.Msg, "; allowed fields: ")
			if msg != `unknown field "zzz"` || !ok {
				t.Fatalf("message %q", found.Msg)
			}
			got := strings.Split(list, ", ")
			if !sameSet(got, want) {
				t.Errorf("allowed fields %v\nwant the block's keys %v", got, want)
			}
			for _, k := range got {
				for _, e := range loadOne(t, resourceWith(b, k, nil)) {
					if e.Path == resource.JoinField(b.fieldPath(), k) && strings.Contains(e.Msg, "unknown field") {
						t.Errorf("listed key %q is refused: %v", k, e)
					}
				}
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b) && len(slices.Compact(a)) == len(a)
}

// The suggestion for a misspelt key considers the loader's blocks too.
func TestUnknownUpstreamKeySuggestsLoaderBlocks(t *testing.T) {
	text := "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: x}\nspec:\n  rest: {baseURL: \"http://127.0.0.1:1\"}\n  resilence: {retries: {attempts: 2}}\n"
	es := loadOne(t, text)
	if len(es) != 1 {
		t.Fatalf("errors %v, want one", es)
	}
	got := es[0].Error()
	wantStart := `cfg/a.yaml:6:3: spec.resilence: unknown field "resilence" (did you mean "resilience"?); allowed fields: `
	if !strings.HasPrefix(got, wantStart) || !strings.HasSuffix(got, ", rest, resilience, fallback") {
		t.Errorf("error %s\nwant %s..., rest, resilience, fallback", got, wantStart)
	}
}
