package protoschema

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n%s", file, diff(string(want), got))
	}
}

// diff shows the first lines where want and got part.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, a, b)
		}
	}
	return "(same lines, different endings)"
}

// directiveDecls declares the binding directives with every argument the
// importer writes, so that gqlparser can check the SDL by itself.
const directiveDecls = `
scalar _Value
directive @grpc(upstream: String!, method: String!, request: _Value, result: String, timeout: String) on FIELD_DEFINITION
directive @from(key: String!) on FIELD_DEFINITION
`

// parseSDL checks that sdl is a valid GraphQL schema.
func parseSDL(t testing.TB, name, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "directives", Input: directiveDecls, BuiltIn: true}, &ast.Source{Name: name, Input: sdl})
	if err != nil {
		t.Fatalf("%s: the SDL does not parse: %v\n%s", name, err, sdl)
	}
	return s
}

// fixtureFiles are the test .proto files, relative to testdata/proto.
var fixtureFiles = []string{
	"inventory/v1/inventory.proto",
	"warehouse/v1/warehouse.proto",
	"legacy/v1/legacy.proto",
	"catalog/v1/catalog.proto",
}

func compileFixtures(t testing.TB, files ...string) *Files {
	t.Helper()
	if len(files) == 0 {
		files = fixtureFiles
	}
	f, err := Compile(context.Background(), files, CompileOptions{ImportPaths: []string{"testdata/proto"}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustImport(t testing.TB, files *Files, opts Options) *Result {
	t.Helper()
	res, err := Import(files, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// report is the text golden beside an SDL: the warnings and the method
// index.
func report(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "fields %d, skipped %d, scalars %s\n", res.Fields, res.Skipped, strings.Join(res.Scalars, ", "))
	b.WriteString("\nwarnings:\n")
	for _, w := range res.Warnings {
		b.WriteString(w.String() + "\n")
	}
	b.WriteString("\nmethods:\n")
	names := make([]string, 0, len(res.Methods))
	for n := range res.Methods {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := res.Methods[n]
		if m.Skipped != "" {
			fmt.Fprintf(&b, "%s [%s] skipped: %s\n", m.Name, m.Streaming, m.Skipped)
			continue
		}
		fmt.Fprintf(&b, "%s [%s] %s.%s (%s) -> %s\n", m.Name, m.Streaming, m.Root, m.Field, m.Request, m.Response)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		opts  Options
	}{
		{"all", nil, Options{Upstream: "shop"}},
		{"warehouse", nil, Options{Upstream: "shop", Services: []string{"warehouse.v1.Warehouse", "nope.v1.Missing"}}},
		{"kinds", []string{"inventory/v1/inventory.proto"}, Options{Upstream: "inv", Kinds: map[string]string{
			"inventory.v1.Inventory/GetStock":     "mutation",
			"inventory.v1.Inventory.Probe":        "Query",
			"inventory.v1.Inventory/WatchStock":   "Query",
			"inventory.v1.Inventory/Ping":         "Subscription",
			"inventory.v1.Inventory/Echo":         "Sometimes",
			"inventory.v1.Inventory/NoSuchMethod": "Query",
		}}},
		{"prefix", []string{"warehouse/v1/warehouse.proto"}, Options{Upstream: "wh", Prefix: "Wh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := compileFixtures(t, tt.files...)
			res := mustImport(t, files, tt.opts)
			golden(t, "testdata/golden/"+tt.name+".graphql", res.SDL)
			golden(t, "testdata/golden/"+tt.name+".txt", report(res))
			s := parseSDL(t, tt.name, res.SDL)
			checkBindings(t, s, res)
			checkFragment(t, res)
			again := mustImport(t, compileFixtures(t, tt.files...), tt.opts)
			if again.SDL != res.SDL || report(again) != report(res) {
				t.Errorf("a second import differs:\n%s", diff(res.SDL, again.SDL))
			}
		})
	}
}

// checkFragment parses the fragment with the scalars it lists declared and
// root types to extend.
func checkFragment(t *testing.T, res *Result) {
	t.Helper()
	var b strings.Builder
	b.WriteString("type Query { _base: Int }\ntype Mutation { _base: Int }\ntype Subscription { _base: Int }\n")
	for _, s := range res.Scalars {
		b.WriteString(ScalarDef(s) + "\n")
	}
	parseSDL(t, "fragment", b.String()+res.Fragment)
	if strings.Contains(res.Fragment, "\nscalar ") {
		t.Error("the fragment declares a scalar")
	}
}

func TestWarningsPoint(t *testing.T) {
	res := mustImport(t, compileFixtures(t), Options{Upstream: "shop"})
	if len(res.Warnings) == 0 {
		t.Fatal("no warnings")
	}
	for _, w := range res.Warnings {
		if w.File == "" || w.Line == 0 || w.Column == 0 || w.Element == "" {
			t.Errorf("imprecise warning: %+v", w)
			continue
		}
		data, err := os.ReadFile(w.File)
		if err != nil {
			t.Errorf("%s: %v", w, err)
			continue
		}
		lines := strings.Split(string(data), "\n")
		if w.Line > len(lines) {
			t.Errorf("%s: past the end of the file", w)
			continue
		}
		// The line declares the element: it holds its last name.
		parts := strings.FieldsFunc(w.Element, func(r rune) bool { return r == '.' || r == '/' })
		if last := parts[len(parts)-1]; !strings.Contains(lines[w.Line-1], last) {
			t.Errorf("%s: line %d is %q, which does not declare %s", w, w.Line, lines[w.Line-1], last)
		}
	}
}

// descriptorSet builds a FileDescriptorSet of every file in files, as
// protoc --include_imports would; strip leaves out the source info and
// the well-known types, as a set built without them.
func descriptorSet(t testing.TB, files *Files, strip bool) []byte {
	t.Helper()
	set := &descriptorpb.FileDescriptorSet{}
	files.Registry.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strip && standardFiles[fd.Path()] {
			return true
		}
		fdp := protodesc.ToFileDescriptorProto(fd)
		if strip {
			fdp.SourceCodeInfo = nil
		}
		set.File = append(set.File, fdp)
		return true
	})
	sort.Slice(set.File, func(i, j int) bool { return set.File[i].GetName() < set.File[j].GetName() })
	data, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDescriptorSet imports the fixtures from a FileDescriptorSet: the SDL
// is the one the .proto files give.
func TestDescriptorSet(t *testing.T) {
	compiled := compileFixtures(t)
	want := mustImport(t, compiled, Options{Upstream: "shop"})
	file := filepath.Join(t.TempDir(), "shop.binpb")
	if err := os.WriteFile(file, descriptorSet(t, compiled, false), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := ReadDescriptorSet(file, SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := mustImport(t, files, Options{Upstream: "shop"})
	if got.SDL != want.SDL {
		t.Errorf("the descriptor set's SDL differs from the .proto files':\n%s", diff(want.SDL, got.SDL))
	}
	// The set holds the dependencies too, but their services (none here)
	// and the named files' are the same.
	if fmt.Sprint(got.Services) != fmt.Sprint(want.Services) {
		t.Errorf("services %v, want %v", got.Services, want.Services)
	}
	if !strings.Contains(got.UpstreamYAML("shop", "shop:50051"), `descriptorSet: "`+file+`"`) {
		t.Errorf("the Upstream does not name the set:\n%s", got.UpstreamYAML("shop", "shop:50051"))
	}

	// Without source info and without the well-known types: the same
	// schema but its descriptions, and warnings without lines.
	stripped, err := DescriptorSet(descriptorSet(t, compiled, true), SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bare := mustImport(t, stripped, Options{Upstream: "shop"})
	if a, b := withoutDescriptions(t, want.SDL), withoutDescriptions(t, bare.SDL); a != b {
		t.Errorf("the set without source info gives another schema:\n%s", diff(a, b))
	}
	if len(bare.Warnings) != len(want.Warnings) {
		t.Errorf("%d warnings, want %d", len(bare.Warnings), len(want.Warnings))
	}
	for _, w := range bare.Warnings {
		if w.Line != 0 || w.File == "" {
			t.Errorf("warning %+v: want a file and no line", w)
		}
	}
}

// withoutDescriptions prints a schema without its descriptions.
func withoutDescriptions(t *testing.T, sdl string) string {
	t.Helper()
	doc, err := gqlparser.LoadSchema(&ast.Source{Name: "directives", Input: directiveDecls, BuiltIn: true}, &ast.Source{Name: "x", Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	for _, def := range doc.Types {
		def.Description = ""
		for _, f := range def.Fields {
			f.Description = ""
			for _, a := range f.Arguments {
				a.Description = ""
			}
		}
		for _, v := range def.EnumValues {
			v.Description = ""
		}
	}
	var b strings.Builder
	formatter.NewFormatter(&b).FormatSchema(doc)
	return b.String()
}

func TestDescriptorSetErrors(t *testing.T) {
	compiled := compileFixtures(t, "warehouse/v1/warehouse.proto")
	fd, err := compiled.Registry.FindFileByPath("warehouse/v1/warehouse.proto")
	if err != nil {
		t.Fatal(err)
	}
	lonely, err := proto.Marshal(&descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{protodesc.ToFileDescriptorProto(fd)}})
	if err != nil {
		t.Fatal(err)
	}
	whole := descriptorSet(t, compiled, false)
	tests := []struct {
		name string
		data []byte
		opts SetOptions
		want string
	}{
		{"not a set", []byte("syntax = \"proto3\";"), SetOptions{}, "not a FileDescriptorSet"},
		{"empty", nil, SetOptions{}, "holds no file"},
		{"missing dependency", lonely, SetOptions{}, "imports common/v1/money.proto, which is missing"},
		{"too many files", whole, SetOptions{MaxFiles: 1}, "more than the limit of 1"},
		{"too many bytes", whole, SetOptions{MaxBytes: 10}, "larger than 10 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DescriptorSet(tt.data, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
	if _, err := ReadDescriptorSet("testdata/none.binpb", SetOptions{}); err == nil || !strings.Contains(err.Error(), "none.binpb") {
		t.Errorf("a missing file: %v", err)
	}
}

func TestImportErrors(t *testing.T) {
	files := compileFixtures(t, "warehouse/v1/warehouse.proto")
	tests := []struct {
		name  string
		files *Files
		opts  Options
		want  string
	}{
		{"no files", nil, Options{Upstream: "u"}, "no descriptors"},
		{"no upstream", files, Options{}, "Upstream is required"},
		{"bad prefix", files, Options{Upstream: "u", Prefix: "a-b"}, `prefix "a-b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import(tt.files, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestUpstreamYAML(t *testing.T) {
	compiled := compileFixtures(t, "warehouse/v1/warehouse.proto")
	res := mustImport(t, compiled, Options{Upstream: "warehouse"})
	tests := []struct {
		name   string
		origin Origin
		target string
		want   map[string]any
	}{
		{"proto", compiled.Origin, "warehouse:50051", map[string]any{
			"target": "warehouse:50051",
			"proto":  map[string]any{"files": []any{"warehouse/v1/warehouse.proto"}, "importPaths": []any{"testdata/proto"}},
		}},
		{"reflection", Origin{Kind: OriginReflection, Target: "10.0.0.1:1"}, "", map[string]any{
			"target": "${WAREHOUSE_TARGET}", "reflection": true,
		}},
		{"set", Origin{Kind: OriginDescriptorSet, DescriptorSet: "specs/wh.binpb"}, "wh:1", map[string]any{
			"target": "wh:1", "descriptorSet": "specs/wh.binpb",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := *res
			r.Origin = tt.origin
			text := r.UpstreamYAML("warehouse", tt.target)
			var doc struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string
				Metadata   struct{ Name string }
				Spec       struct{ GRPC map[string]any }
			}
			if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if doc.Kind != "Upstream" || doc.Metadata.Name != "warehouse" || doc.APIVersion != "weft.dev/v1" {
				t.Errorf("envelope %+v", doc)
			}
			if fmt.Sprint(doc.Spec.GRPC) != fmt.Sprint(tt.want) {
				t.Errorf("spec.grpc = %v, want %v\n%s", doc.Spec.GRPC, tt.want, text)
			}
		})
	}
}

// TestDeterminism imports the same descriptors many times: Go randomizes
// map iteration, so an order that leaked from a map would show here.
func TestDeterminism(t *testing.T) {
	files := compileFixtures(t)
	first := mustImport(t, files, Options{Upstream: "shop"})
	for i := 0; i < 20; i++ {
		res := mustImport(t, files, Options{Upstream: "shop"})
		if res.SDL != first.SDL || res.Fragment != first.Fragment {
			t.Fatalf("import %d differs:\n%s", i, diff(first.SDL, res.SDL))
		}
		if a, b := report(first), report(res); a != b {
			t.Fatalf("import %d reports otherwise:\n%s", i, diff(a, b))
		}
	}
}
