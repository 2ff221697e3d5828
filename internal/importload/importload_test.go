package importload_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/sharedspecs"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/grpc/protoschema"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/rest/openapi"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
	"github.com/weft-gateway/weft/virtualservices"
)

// source is one spec to import: a tree copied whole (so that relative
// references resolve) and the entry to import from it.
type source struct {
	name string
	kind string // openapi, wsdl or proto
	// tree is the directory copied; entry is the file to import, relative
	// to tree (for proto: relative to the first root).
	tree, entry string
	// roots are proto import roots, relative to tree.
	roots []string
}

// imported is what an importer wrote.
type imported struct {
	upstream, sdl string
	operations    int
}

// expectedFailures are the sources that must not import, with what the
// error must say: input that is broken on purpose.
var expectedFailures = map[string]string{
	// The soap: prefix is used but never declared.
	"shared/wsdl/vpulim__node-soap/test/wsdl/default_namespace_soap12.wsdl": "soap",
}

// expectedEmpty are the sources with nothing to import, and why.
var expectedEmpty = map[string]string{
	"shared/openapi/XeroAPI__Xero-OpenAPI/xero-webhooks.yaml":                               "webhooks only, no paths",
	"shared/proto/protocolbuffers__protobuf/src/google/protobuf/test_messages_proto2.proto": "messages only, no service",
	"upstreams/soap/wsdl/testdata/wsdl/nobinding/nobinding.wsdl":                            "an HTTP binding only, no SOAP binding",
	"upstreams/rest/openapi/testdata/nothing/webhooks.yaml":                                 "webhooks only, no paths",
	"upstreams/rest/openapi/testdata/nothing/skipped.yaml":                                  "every operation skipped",
}

// protoRoots are the .proto sources of the testdata whose tree is laid
// out under virtual import paths (protoc's -I VIRTUAL=DIR): the entry, and
// the roots, relative to the tree.
var protoRoots = map[string]struct {
	entry string
	roots []string
}{
	"upstreams/grpc/protoschema/testdata/virtual/api/weather/v1/weather.proto": {"weather/v1/weather.proto", []string{"api", "acme/geo=geo-src"}},
}

// TestImportedConfigsLoad imports every spec of every importer's testdata
// and of the shared collection, writes the Upstream and the SDL as `weft
// import --out` does beside a VirtualService that serves the SDL, and loads
// that config with the real loader: none may fail to load.
func TestImportedConfigsLoad(t *testing.T) {
	root := sharedspecs.RepoRoot(t)
	sources := append(testdataSources(t, root), sharedSources(t)...)
	if len(sources) < 10 {
		t.Fatalf("found %d sources; the importers' testdata has more", len(sources))
	}
	loaded := 0
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(filepath.Join(dir, "src"), os.DirFS(src.tree)); err != nil {
				t.Fatal(err)
			}
			// The importers write paths as they were given: relative to
			// the config directory, as a user running weft import there.
			t.Chdir(dir)
			got, err := importSource(t.Context(), src)
			if want, ok := expectedFailures[src.name]; ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("import: error = %v; want one saying %q", err, want)
				}
				return
			}
			empty := err == nil && got.operations == 0 || err != nil && strings.Contains(err.Error(), "nothing to import")
			if _, ok := expectedEmpty[src.name]; ok != empty {
				t.Fatalf("import: %d operations, error %v; expected to have nothing to import: %v", got.operations, err, ok)
			}
			if empty {
				return
			}
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			files := map[string]string{
				"api.upstream.yaml": got.upstream,
				"api.graphql":       got.sdl,
				"vs.yaml":           virtualService("api.graphql"),
			}
			for name, body := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := load(t, dir); err != nil {
				t.Fatalf("the imported config does not load:\n%v\n---- api.upstream.yaml ----\n%s", err, got.upstream)
			}
			loaded++
		})
	}
	t.Logf("%d of %d imported configs loaded", loaded, len(sources))
}

// load loads the config in dir as weft validate does: checked, with no
// call to an upstream, every placeholder set.
func load(t *testing.T, dir string) error {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	loader := &virtualservices.Loader{
		Kinds:    []upstreams.Kind{graphql.Kind(), rest.Kind(), grpcup.Kind(), soap.Kind()},
		Log:      zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		Checking: true,
	}
	// Imported configs read their secrets, and addresses the document did
	// not give, from the environment.
	env := func(name string) (string, bool) {
		if strings.HasSuffix(name, "_URL") {
			return "http://127.0.0.1:1", true
		}
		return "test-" + strings.ToLower(name), true
	}
	snap, err := loader.Load(ctx, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: env}, nil)
	if err != nil {
		return err
	}
	virtualservices.CloseSnapshot(snap)
	return nil
}

// importSource runs src's importer on the copy in the working directory.
func importSource(ctx context.Context, src source) (imported, error) {
	entry := filepath.ToSlash(filepath.Join("src", src.entry))
	switch src.kind {
	case "openapi":
		doc, err := openapi.Load(ctx, entry, openapi.LoadOptions{})
		if err != nil {
			return imported{}, err
		}
		res, err := openapi.Import(doc, openapi.Options{Upstream: "api"})
		if err != nil {
			return imported{}, err
		}
		return imported{res.UpstreamYAML("api"), res.SDL, res.Operations}, nil
	case "wsdl":
		defs, err := wsdl.Load(ctx, entry, wsdl.LoadOptions{})
		if err != nil {
			return imported{}, err
		}
		res, err := wsdl.Import(defs, wsdl.Options{Upstream: "api"})
		if err != nil {
			return imported{}, err
		}
		return imported{res.UpstreamYAML("api"), res.SDL, res.Fields}, nil
	case "proto":
		roots := make([]string, len(src.roots))
		for i, r := range src.roots {
			virtual, dir, err := protoschema.ParseImportPath(r)
			if err != nil {
				return imported{}, err
			}
			roots[i] = filepath.ToSlash(filepath.Join("src", dir))
			if virtual != "" {
				roots[i] = virtual + "=" + roots[i]
			}
		}
		files, err := protoschema.Compile(ctx, []string{src.entry}, protoschema.CompileOptions{ImportPaths: roots})
		if err != nil {
			return imported{}, err
		}
		res, err := protoschema.Import(files, protoschema.Options{Upstream: "api"})
		if err != nil {
			return imported{}, err
		}
		return imported{res.UpstreamYAML("api", "127.0.0.1:1"), res.SDL, res.Fields}, nil
	}
	return imported{}, fmt.Errorf("unknown kind %q", src.kind)
}

// virtualService serves one SDL file.
func virtualService(sdl string) string {
	return `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {file: ` + sdl + `}
`
}

var (
	// openAPIRoot finds a document's version key at the top level, in
	// YAML or JSON.
	openAPIRoot = regexp.MustCompile(`(?m)^(openapi|swagger):|^\s{0,4}"(openapi|swagger)"\s*:`)
	protoRPC    = regexp.MustCompile(`(?m)^\s*rpc\s`)
)

// testdataSources finds the specs in the importers' testdata: each OpenAPI
// document (a file with a top-level openapi or swagger key), each WSDL,
// and each .proto with an rpc, with the tree around it.
func testdataSources(t *testing.T, root string) []source {
	t.Helper()
	var out []source
	add := func(kind, base string, match func(path string, data []byte) bool, tree func(rel string) (string, string, []string)) {
		dir := filepath.Join(root, base)
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			if d.IsDir() {
				switch d.Name() {
				case "golden", "fuzz", "specs":
					return filepath.SkipDir
				}
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if !match(p, data) {
				return nil
			}
			tr, entry, roots := tree(filepath.ToSlash(rel))
			out = append(out, source{name: base + "/" + filepath.ToSlash(rel), kind: kind, tree: filepath.Join(dir, tr), entry: entry, roots: roots})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The tree of a testdata file is its top directory under testdata.
	topTree := func(rel string) (string, string, []string) {
		top, rest, ok := strings.Cut(rel, "/")
		if !ok {
			return ".", rel, nil
		}
		return top, rest, nil
	}
	add("openapi", "upstreams/rest/openapi/testdata", func(p string, data []byte) bool {
		ext := filepath.Ext(p)
		return (ext == ".json" || ext == ".yaml" || ext == ".yml") && openAPIRoot.Match(head(data))
	}, topTree)
	add("wsdl", "upstreams/soap/wsdl/testdata", func(p string, _ []byte) bool { return filepath.Ext(p) == ".wsdl" }, topTree)
	// Protos import each other by their path under testdata/proto.
	add("proto", "upstreams/grpc/protoschema/testdata", func(p string, data []byte) bool {
		return filepath.Ext(p) == ".proto" && protoRPC.Match(data)
	}, func(rel string) (string, string, []string) {
		top, rest, _ := strings.Cut(rel, "/")
		if r, ok := protoRoots["upstreams/grpc/protoschema/testdata/"+rel]; ok {
			return top, r.entry, r.roots
		}
		return top, rest, []string{"."}
	})
	return out
}

// head is the start of a file, where a document's version key is.
func head(data []byte) []byte {
	if len(data) > 4096 {
		data = data[:4096]
	}
	return data
}

// sharedSources lists the shared spec collection beside the repository;
// a clone elsewhere has none, and only the testdata is loaded.
func sharedSources(t *testing.T) []source {
	t.Helper()
	dir, entries, ok := sharedspecs.Find(t, "")
	if !ok {
		t.Logf("no shared spec collection at %s: loading the importers' testdata only", dir)
		return nil
	}
	var out []source
	for _, e := range entries {
		tree, rel := e.Tree()
		if rel == "" {
			t.Fatalf("index.tsv: entry %q has no repository folder", e.Path)
		}
		src := source{name: "shared/" + e.Path, kind: e.Kind, tree: filepath.Join(dir, tree), entry: rel}
		if e.Kind == "proto" {
			// Roots span repositories (the well-known types have their
			// own): the tree is every proto.
			src.tree, src.entry = filepath.Join(dir, e.Kind), e.Import
			for _, r := range e.Roots {
				rel, err := filepath.Rel(e.Kind, r)
				if err != nil || strings.HasPrefix(rel, "..") {
					t.Fatalf("index.tsv: root %q of %s is outside %s", r, e.Path, e.Kind)
				}
				src.roots = append(src.roots, rel)
			}
		}
		out = append(out, src)
	}
	return out
}
