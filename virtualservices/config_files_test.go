package virtualservices_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/virtualservices"
)

// loadDir loads the config directory dir as weft serve and weft validate
// do, naming it display in errors.
func loadDir(t *testing.T, dir, display string) (*virtualservices.Snapshot, error) {
	t.Helper()
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop(), Checking: true}
	snap, err := loader.Load(context.Background(), virtualservices.Config{
		FS: os.DirFS(dir), Dir: ".", DisplayRoot: display, OSDir: dir,
		Env: func(string) (string, bool) { return "", false },
	}, nil)
	if snap != nil {
		t.Cleanup(func() { virtualservices.CloseSnapshot(snap) })
	}
	return snap, err
}

// writeFile writes a file, making its directory.
func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const outsideWhy = "must be inside it, since it is what weft watches for changes and what weft validate checks"

// A file that a resource names outside the config directory is refused at
// the place that names it, whatever kind of file it is.
func TestFilesOutsideTheConfigDirectory(t *testing.T) {
	const vsHead = "apiVersion: weft.dev/v1\nkind: VirtualService\nmetadata: {name: api}\nspec:\n  virtualHost:\n    domains: [\"*\"]\n    routes:\n      - graphql:\n"
	const upHead = "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: up}\nspec:\n"
	tests := []struct {
		name string
		file string // in cfg/
		text string
		// want is the one error: position and message after "cfg/<file>:".
		want string
	}{
		{
			name: "VirtualService schema file",
			file: "api.yaml",
			text: vsHead + "          schema: {file: ../outside.graphql}\n",
			want: `9:26: spec.virtualHost.routes[0].graphql.schema.file: file "../outside.graphql" is outside the config directory cfg: files a config names ` + outsideWhy,
		},
		{
			name: "schema file by an absolute path",
			file: "api.yaml",
			text: vsHead + "          schema:\n            file: /etc/weft/api.graphql\n",
			want: `10:19: spec.virtualHost.routes[0].graphql.schema.file: file "/etc/weft/api.graphql" is an absolute path: name files relative to cfg/api.yaml, inside the config directory cfg, which is what weft watches for changes and what weft validate checks`,
		},
		{
			name: "schema file leaving a subdirectory twice",
			file: "apis/api.yaml",
			text: vsHead + "          schema: {file: ../../outside.graphql}\n",
			want: `9:26: spec.virtualHost.routes[0].graphql.schema.file: file "../../outside.graphql" is outside the config directory cfg: files a config names ` + outsideWhy,
		},
		{
			name: "graphql upstream schema file",
			file: "up.yaml",
			text: upHead + "  graphql:\n    url: http://127.0.0.1:1/graphql\n    schema: {file: ../outside.graphql}\n",
			want: `7:20: spec.graphql.schema.file: file "../outside.graphql" is outside the config directory cfg: files a config names ` + outsideWhy,
		},
		{
			name: "OpenAPI document",
			file: "up.yaml",
			text: upHead + "  rest:\n    openapi: {file: ../petstore.json}\n",
			want: `6:21: spec.rest.openapi.file: file "../petstore.json" is outside the config directory cfg: files a config names ` + outsideWhy,
		},
		{
			name: "WSDL",
			file: "up.yaml",
			text: upHead + "  soap:\n    wsdl: ../shipping.wsdl\n",
			want: `6:11: spec.soap.wsdl: WSDL of upstream up: file "../shipping.wsdl" is outside the config directory cfg: files a config names ` + outsideWhy,
		},
		{
			name: "proto import path",
			file: "up.yaml",
			text: upHead + "  grpc:\n    target: 127.0.0.1:1\n    proto:\n      files: [" + grpctest.ProtoFile + "]\n      importPaths: [protos, ../protos]\n",
			want: `9:29: spec.grpc.proto.importPaths[1]: file "../protos" is outside the config directory cfg: files a config names ` + outsideWhy,
		},
		{
			name: "proto file leaving its import path",
			file: "up.yaml",
			text: upHead + "  grpc:\n    target: 127.0.0.1:1\n    proto:\n      files: [../shop.proto]\n",
			want: `8:15: spec.grpc.proto.files[0]: "../shop.proto": name files relative to an import path, without ".." (import paths are inside the config directory, and so are the files)`,
		},
		{
			name: "descriptor set",
			file: "up.yaml",
			text: upHead + "  grpc:\n    target: 127.0.0.1:1\n    descriptorSet: ../shop.pb\n",
			want: `7:20: spec.grpc.descriptorSet: file "../shop.pb" is outside the config directory cfg: files a config names ` + outsideWhy,
		},
		{
			name: "TLS file by a relative path",
			file: "up.yaml",
			text: upHead + "  tls: {caFile: ../ca.pem}\n  rest: {baseURL: \"https://127.0.0.1:1\"}\n",
			want: `5:8: spec.tls: upstream up: tls: caFile: file "../ca.pem" is outside the config directory cfg: files a config names ` + outsideWhy,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			cfg := filepath.Join(root, "cfg")
			// The files exist, beside the config directory: reading them
			// would work, and must not be tried.
			for _, name := range []string{"outside.graphql", "petstore.json", "shipping.wsdl", "shop.proto", "shop.pb", "ca.pem", "protos/x.proto"} {
				writeFile(t, filepath.Join(root, name), "type Query { a: Int }\n")
			}
			writeFile(t, filepath.Join(cfg, tt.file), tt.text)
			writeFile(t, filepath.Join(cfg, "protos", grpctest.ProtoFile), "syntax = \"proto3\";\n")
			_, err := loadDir(t, cfg, "cfg")
			es := resource.AsErrors(err)
			if len(es) != 1 {
				t.Fatalf("errors:\n%v\nwant one", err)
			}
			want := filepath.Join("cfg", tt.file) + ":" + tt.want
			if got := es[0].Error(); got != want {
				t.Errorf("error\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// Inside the directory, a file may be named from a subdirectory with "..",
// and DisplayRoot may be written as a user writes --config.
func TestFilesInsideTheConfigDirectory(t *testing.T) {
	sdl := "type Query { a: String @rest(upstream: \"reviews\", path: \"/a\") }\n"
	for _, display := range []string{"cfg", "./cfg", "cfg/", "./cfg/"} {
		t.Run(display, func(t *testing.T) {
			root := t.TempDir()
			cfg := filepath.Join(root, "cfg")
			writeFile(t, filepath.Join(cfg, "upstreams.yaml"), restUpstream)
			writeFile(t, filepath.Join(cfg, "apis", "api.yaml"), strings.Replace(vsYAML("x"), "inline: |\n              x\n", "file: ../schemas/api.graphql\n", 1))
			writeFile(t, filepath.Join(cfg, "schemas", "api.graphql"), sdl)
			snap, err := loadDir(t, cfg, display)
			if err != nil {
				t.Fatal(err)
			}
			if got := snap.VirtualServices(); len(got) != 1 {
				t.Errorf("virtual services %v", got)
			}
		})
	}
}

// A symlink in the config directory is followed wherever it points: the
// rule is on the names a config writes.
func TestSymlinkedFileOutsideIsFollowed(t *testing.T) {
	root := t.TempDir()
	cfg := filepath.Join(root, "cfg")
	writeFile(t, filepath.Join(root, "shared", "api.graphql"), "type Query { a: String @rest(upstream: \"reviews\", path: \"/a\") }\n")
	writeFile(t, filepath.Join(cfg, "upstreams.yaml"), restUpstream)
	writeFile(t, filepath.Join(cfg, "api.yaml"), strings.Replace(vsYAML("x"), "inline: |\n              x\n", "file: api.graphql\n", 1))
	if err := os.Symlink(filepath.Join(root, "shared", "api.graphql"), filepath.Join(cfg, "api.graphql")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	if _, err := loadDir(t, cfg, "cfg"); err != nil {
		t.Fatal(err)
	}
}

// A YAML syntax error in the second document of a file is reported as
// weft validate prints it: the file as named, the line in the file and the
// column of the problem.
func TestSyntaxErrorInAConfigDirectory(t *testing.T) {
	root := t.TempDir()
	cfg := filepath.Join(root, "cfg")
	// The VirtualService starts on line 7; the graphql block's keys start
	// at column 11 (schema, line 16), and the key on line 19 is indented
	// one column further.
	text := restUpstream + "---\n" + vsYAML(`type Query { r: String @rest(upstream: "reviews", path: "/r") }`) + "           timeout: 2s\n"
	writeFile(t, filepath.Join(cfg, "apis", "all.yaml"), text)
	_, err := loadDir(t, cfg, "cfg")
	want := "cfg/apis/all.yaml:19:12: invalid YAML: did not find expected key (while parsing a block mapping at line 16, column 11)"
	if err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
}
