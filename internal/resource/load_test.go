package resource

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

const upstreamUsers = "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users\nspec:\n  url: http://users\n"

func TestLoadBytesEnvelope(t *testing.T) {
	tests := []struct {
		name string
		text string
		opts Options
		want string // every error, one per line; empty means none
	}{
		{
			name: "valid",
			text: upstreamUsers,
		},
		{
			name: "missing apiVersion",
			text: "kind: Upstream\nmetadata: {name: users}\n",
			want: `t.yaml:1:1: apiVersion: missing required field "apiVersion"`,
		},
		{
			name: "unsupported apiVersion",
			text: "apiVersion: weft.dev/v2\nkind: Upstream\nmetadata: {name: users}\n",
			want: `t.yaml:1:13: apiVersion: unsupported apiVersion "weft.dev/v2"; supported: weft.dev/v1`,
		},
		{
			name: "apiVersion accepted by option",
			text: "apiVersion: weft.dev/v2\nkind: Upstream\nmetadata: {name: users}\n",
			opts: Options{APIVersions: []string{APIVersion, "weft.dev/v2"}},
		},
		{
			name: "apiVersion rejected by option",
			text: upstreamUsers,
			opts: Options{APIVersions: []string{"weft.dev/v2", "weft.dev/v3"}},
			want: `t.yaml:1:13: apiVersion: unsupported apiVersion "weft.dev/v1"; supported: weft.dev/v2, weft.dev/v3`,
		},
		{
			name: "missing kind",
			text: "apiVersion: weft.dev/v1\nmetadata: {name: users}\n",
			want: `t.yaml:1:1: kind: missing required field "kind"`,
		},
		{
			name: "empty kind",
			text: "apiVersion: weft.dev/v1\nkind: \"\"\nmetadata: {name: users}\n",
			want: `t.yaml:2:7: kind: kind is empty`,
		},
		{
			name: "kind as a list",
			text: "apiVersion: weft.dev/v1\nkind: [Upstream]\nmetadata: {name: users}\n",
			want: `t.yaml:2:7: kind: expected a string, got a list`,
		},
		{
			name: "unknown kind",
			text: "apiVersion: weft.dev/v1\nkind: Upstraem\nmetadata: {name: users}\n",
			opts: Options{Kinds: []string{"Upstream", "VirtualService"}},
			want: `t.yaml:2:7: kind: unknown kind "Upstraem" (did you mean "Upstream"?); known kinds: Upstream, VirtualService`,
		},
		{
			name: "missing metadata",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nspec: {}\n",
			want: `t.yaml:1:1: metadata: missing required field "metadata"`,
		},
		{
			name: "metadata as a string",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: users\n",
			want: `t.yaml:3:11: metadata: expected a mapping, got a string ("users")`,
		},
		{
			name: "missing name",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  namespace: shop\n",
			want: `t.yaml:4:3: metadata.name: missing required field "name"`,
		},
		{
			name: "null name",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name:\n",
			want: `t.yaml:4:8: metadata.name: required field "name" has no value`,
		},
		{
			name: "invalid name",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: Users_API\n",
			want: `t.yaml:4:9: metadata.name: invalid name "Users_API": use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
		},
		{
			name: "name ending in a dash",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users-\n",
			want: `t.yaml:4:9: metadata.name: invalid name "users-": use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
		},
		{
			name: "name too long",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: " + strings.Repeat("a", 254) + "\n",
			want: `t.yaml:4:9: metadata.name: invalid name "` + strings.Repeat("a", 37) + `...": use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
		},
		{
			name: "dotted name",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users.v1\n",
		},
		{
			name: "invalid namespace",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users\n  namespace: shop.eu\n",
			want: `t.yaml:5:14: metadata.namespace: invalid namespace "shop.eu": use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit`,
		},
		{
			name: "unknown top-level key",
			text: upstreamUsers + "status: {}\n",
			want: `t.yaml:7:1: status: unknown field "status"; allowed fields: apiVersion, kind, metadata, spec`,
		},
		{
			name: "unknown metadata key",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users\n  lables: {a: b}\n",
			want: `t.yaml:5:3: metadata.lables: unknown field "lables" (did you mean "labels"?); allowed fields: name, namespace, labels, annotations`,
		},
		{
			name: "labels and annotations",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users\n" +
				"  labels: {app.kubernetes.io/name: users, tier: \"\", v: 1}\n" +
				"  annotations: {weft.dev/owner: \"any text: at all\"}\n",
		},
		{
			name: "invalid labels and annotations",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users\n" +
				"  labels:\n    -bad: x\n    good: -bad-\n    Not_A.Domain/x: y\n" +
				"  annotations:\n    a/b/c: x\n",
			want: "t.yaml:6:11: metadata.labels[\"-bad\"]: invalid label key \"-bad\": use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit\n" +
				"t.yaml:7:11: metadata.labels.good: invalid label value \"-bad-\": use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit\n" +
				"t.yaml:8:21: metadata.labels[\"Not_A.Domain/x\"]: invalid label key \"Not_A.Domain/x\": use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit\n" +
				"t.yaml:10:12: metadata.annotations[\"a/b/c\"]: invalid annotation key \"a/b/c\": use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
		},
		{
			name: "labels as a list",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users\n  labels: [a]\n",
			want: `t.yaml:5:11: metadata.labels: expected a mapping, got a list`,
		},
		{
			name: "document is a list",
			text: "- apiVersion: weft.dev/v1\n",
			want: `t.yaml:1:1: expected a resource, a mapping with apiVersion, kind, metadata and spec; got a list`,
		},
		{
			name: "document is a string",
			text: "---\nhello\n",
			want: `t.yaml:2:1: expected a resource, a mapping with apiVersion, kind, metadata and spec; got a string ("hello")`,
		},
		{
			name: "syntax error",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\n  metadata: x\n",
			want: `t.yaml:3:11: invalid YAML: mapping values are not allowed in this context`,
		},
		{
			name: "tab indentation",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n\tname: users\n",
			want: `t.yaml:4:1: invalid YAML: found character that cannot start any token: a tab (indent YAML with spaces)`,
		},
		{
			name: "unknown anchor",
			text: upstreamUsers + "  x: *nope\n",
			want: `t.yaml:7:6: invalid YAML: unknown anchor 'nope' referenced`,
		},
		{
			name: "duplicate in one file",
			text: upstreamUsers + "---\n" + upstreamUsers,
			want: `t.yaml:11:9: metadata.name: duplicate Upstream "users": already defined at t.yaml:4:9`,
		},
		{
			name: "same name in other namespaces and kinds",
			text: upstreamUsers + "---\n" + strings.Replace(upstreamUsers, "name: users", "name: users\n  namespace: a", 1) +
				"---\n" + strings.Replace(upstreamUsers, "Upstream", "VirtualService", 1),
		},
		{
			name: "duplicate in a namespace",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: users, namespace: a}\n---\n" +
				"apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: users, namespace: a}\n",
			want: `t.yaml:7:18: metadata.name: duplicate Upstream "a/users": already defined at t.yaml:3:18`,
		},
		{
			name: "every error in every document",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: Bad}\n---\n" +
				"kind: Upstream\nmetadata: {name: ok}\nextra: 1\n",
			want: "t.yaml:3:18: metadata.name: invalid name \"Bad\": use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit\n" +
				"t.yaml:5:1: apiVersion: missing required field \"apiVersion\"\n" +
				"t.yaml:7:1: extra: unknown field \"extra\"; allowed fields: apiVersion, kind, metadata, spec",
		},
		{
			name: "file too large",
			text: upstreamUsers,
			opts: Options{MaxFileSize: 10},
			want: "t.yaml: file is larger than the limit of 10 bytes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := LoadBytes("t.yaml", []byte(tt.text), tt.opts)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("LoadBytes error =\n%s\nwant\n%s", got, tt.want)
			}
			if tt.want == "" && len(docs) == 0 {
				t.Errorf("LoadBytes returned no documents")
			}
		})
	}
}

func TestLoadBytesDocuments(t *testing.T) {
	text := "# leading comment\n---\n---\n# only a comment\n---\n" + upstreamUsers +
		"---\napiVersion: weft.dev/v1\nkind: VirtualService\nmetadata:\n  name: web\n  namespace: shop\n  labels: {team: web}\n  annotations: {note: hi}\n"
	docs, err := LoadBytes("t.yaml", []byte(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("got %d documents, want 2", len(docs))
	}
	u, v := docs[0], docs[1]
	if u.APIVersion != APIVersion || u.Kind != "Upstream" || u.Name != "users" || u.File != "t.yaml" ||
		u.Line != 6 || u.Column != 1 || u.Index != 0 || u.Spec == nil || u.Spec.Line != 11 {
		t.Errorf("first document = %+v", u)
	}
	if v.Kind != "VirtualService" || v.Name != "web" || v.Namespace != "shop" || v.Line != 13 || v.Index != 1 ||
		!reflect.DeepEqual(v.Labels, map[string]string{"team": "web"}) ||
		!reflect.DeepEqual(v.Annotations, map[string]string{"note": "hi"}) || v.Spec != nil {
		t.Errorf("second document = %+v", v)
	}
	if got := v.Ref(); got != "VirtualService shop/web" {
		t.Errorf("Ref() = %q", got)
	}
	if got := u.Ref(); got != "Upstream users" {
		t.Errorf("Ref() = %q", got)
	}
}

// Documents before a syntax error load; the error stops the file.
func TestLoadBytesSyntaxErrorKeepsEarlierDocuments(t *testing.T) {
	text := upstreamUsers + "---\nkind: [\n---\n" + strings.Replace(upstreamUsers, "users", "other", 1)
	docs, err := LoadBytes("t.yaml", []byte(text), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "t.yaml:9:1: invalid YAML: ") {
		t.Errorf("error = %v, want a syntax error at line 9, column 1", err)
	}
	if len(docs) != 1 || docs[0].Name != "users" {
		t.Errorf("documents = %v, want the one before the error", docs)
	}
}

func names(docs []*Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.File + ":" + d.Name
	}
	return out
}

func upstream(name string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(strings.Replace(upstreamUsers, "users", name, 1))}
}

func symlink(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink}
}

func TestLoadDir(t *testing.T) {
	fsys := fstest.MapFS{
		"conf/b.yaml":              upstream("b"),
		"conf/a.yml":               upstream("a"),
		"conf/C.YAML":              upstream("c"),
		"conf/readme.md":           {Data: []byte("not config")},
		"conf/.hidden.yaml":        upstream("hidden"),
		"conf/.git/x.yaml":         upstream("git"),
		"conf/sub/z.yaml":          upstream("z"),
		"conf/sub/deeper/y.yaml":   upstream("y"),
		"conf/sub/deeper/e.yaml":   {Data: []byte("# nothing yet\n")},
		"conf/linked.yaml":         symlink("../shared/l.yaml"),
		"conf/linkdir":             symlink("../shared/dir"),
		"shared/l.yaml":            upstream("l"),
		"shared/dir/m.yaml":        upstream("m"),
		"conf/yaml.d":              {Mode: fs.ModeDir},
		"conf/a.yaml.bak":          upstream("bak"),
		"conf/sub/deeper/.x/q.yml": upstream("q"),
	}
	docs, err := LoadDir(fsys, "conf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"conf/C.YAML:c", "conf/a.yml:a", "conf/b.yaml:b", "conf/linkdir/m.yaml:m",
		"conf/linked.yaml:l", "conf/sub/deeper/y.yaml:y", "conf/sub/z.yaml:z",
	}
	if got := names(docs); !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %v\nwant %v", got, want)
	}
}

// A ConfigMap mounted as a volume: the files live in a timestamped
// directory, ..data links to it, and each file is linked at the top.
// Each resource must load once, named by its top-level path.
func TestLoadDirConfigMapLayout(t *testing.T) {
	const ts = "..2024_05_01_12_00_00.123456789"
	fsys := fstest.MapFS{
		"config/" + ts + "/upstreams.yaml": upstream("users"),
		"config/" + ts + "/routes.yaml":    upstream("web"),
		"config/..data":                    symlink(ts),
		"config/upstreams.yaml":            symlink("..data/upstreams.yaml"),
		"config/routes.yaml":               symlink("..data/routes.yaml"),
	}
	docs, err := LoadDir(fsys, "config", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"config/routes.yaml:web", "config/upstreams.yaml:users"}
	if got := names(docs); !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %v, want %v", got, want)
	}
}

func TestLoadDirDuplicatesAcrossFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml":     upstream("users"),
		"sub/b.yaml": {Data: []byte("# users again\n" + upstreamUsers)},
		"c.yaml":     upstream("other"),
	}
	docs, err := LoadDir(fsys, ".", Options{})
	want := `sub/b.yaml:5:9: metadata.name: duplicate Upstream "users": already defined at a.yaml:4:9`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	// Both copies loaded cleanly on their own; a validator may still
	// look at them.
	if len(docs) != 3 {
		t.Errorf("got %d documents, want 3", len(docs))
	}
}

func TestLoadDirCollectsErrorsFromEveryFile(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml":   {Data: []byte("kind: [\n")},
		"b.yaml":   {Data: []byte(strings.Replace(upstreamUsers, "weft.dev/v1", "v1", 1))},
		"c.yaml":   upstream("fine"),
		"big.yaml": {Data: []byte(upstreamUsers + strings.Repeat("#", 100))},
	}
	limit := len(upstreamUsers) + 10
	docs, err := LoadDir(fsys, ".", Options{MaxFileSize: int64(limit)})
	want := "a.yaml:2:1: invalid YAML: did not find expected node content\n" +
		`b.yaml:1:13: apiVersion: unsupported apiVersion "v1"; supported: weft.dev/v1` + "\n" +
		"big.yaml: file is larger than the limit of " + strconv.Itoa(limit) + " bytes"
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
	if got := names(docs); !reflect.DeepEqual(got, []string{"c.yaml:fine"}) {
		t.Errorf("loaded %v, want only the clean file", got)
	}
}

// YAML files that are not resources (an OpenAPI document and its
// fragments, kept beside the config for a rest Upstream to read) are not
// read as config, however large; a file that tries to be a resource still
// fails.
func TestLoadDirSkipsFilesThatAreNotResources(t *testing.T) {
	fsys := fstest.MapFS{
		"pets.yaml":             upstream("pets"),
		"specs/pets.yaml":       {Data: []byte("# The pet store.\nopenapi: 3.0.3\ninfo: {title: Pets, version: '1'}\npaths: {}\n")},
		"specs/docker.yml":      {Data: []byte("info: {title: Docker}\nswagger: \"2.0\"\npaths: {}\n" + strings.Repeat("# padding\n", 1<<19))},
		"specs/parameters.yaml": {Data: []byte("limit:\n  name: limit\n  in: query\n")},
		"specs/confused.yml":    {Data: []byte("openapi: 3.0.0\nkind: Upstream\n")},
		"no-kind.yaml":          {Data: []byte("metadata: {name: x}\nspec: {}\n")},
		"as-json.yaml":          {Data: []byte(`{"kind": "Upstream"}`)},
	}
	docs, err := LoadDir(fsys, ".", Options{})
	if got := names(docs); !reflect.DeepEqual(got, []string{"pets.yaml:pets"}) {
		t.Errorf("loaded %v, want only the resource", got)
	}
	msg := fmt.Sprint(err)
	for _, skipped := range []string{"specs/pets.yaml", "specs/docker.yml", "specs/parameters.yaml"} {
		if strings.Contains(msg, skipped) {
			t.Errorf("%s is not a resource file, yet it was read as one: %v", skipped, err)
		}
	}
	for _, failed := range []string{"specs/confused.yml", "no-kind.yaml", "as-json.yaml"} {
		if !strings.Contains(msg, failed) {
			t.Errorf("%s tries to be a resource and must fail; error = %v", failed, err)
		}
	}
}

func TestLoadDirSingleFileAndDisplayRoot(t *testing.T) {
	fsys := fstest.MapFS{"conf/users.txt": upstream("users")}
	docs, err := LoadDir(fsys, "conf/users.txt", Options{DisplayRoot: "/etc/weft"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(docs); !reflect.DeepEqual(got, []string{filepath.FromSlash("/etc/weft/conf/users.txt") + ":users"}) {
		t.Errorf("loaded %v", got)
	}
}

func TestLoadDirMissing(t *testing.T) {
	_, err := LoadDir(fstest.MapFS{}, "nope", Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error = %v, want one that wraps fs.ErrNotExist", err)
	}
	if want := "nope: cannot read config: open nope: file does not exist"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestLoadDirEmpty(t *testing.T) {
	docs, err := LoadDir(fstest.MapFS{"conf/x.txt": {}}, "conf", Options{})
	if err != nil || len(docs) != 0 {
		t.Errorf("LoadDir = %v, %v; want nothing and no error", docs, err)
	}
}

// The same checks on a real directory, where symlinks are the operating
// system's.
func TestLoadDirOS(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Skipf("symlinks not available: %v", err)
		}
	}
	const ts = "..2024_05_01_12_00_00.1"
	write("cm/"+ts+"/users.yaml", upstreamUsers)
	write("cm/"+ts+"/sub/deep.yaml", strings.Replace(upstreamUsers, "users", "deep", 1))
	link(ts, "cm/..data")
	link("..data/users.yaml", "cm/users.yaml")
	link("..data/sub", "cm/sub")

	docs, err := LoadDir(os.DirFS(root), "cm", Options{DisplayRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(root, "cm", "sub", "deep.yaml") + ":deep",
		filepath.Join(root, "cm", "users.yaml") + ":users",
	}
	if got := names(docs); !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %v\nwant %v", got, want)
	}

	t.Run("symlink loop", func(t *testing.T) {
		write("loop/a/x.yaml", upstreamUsers)
		link("..", "loop/a/up")
		docs, err := LoadDir(os.DirFS(root), "loop", Options{})
		if want := "loop/a/up: symlink loop: the directory contains itself"; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
		if len(docs) != 1 {
			t.Errorf("got %d documents, want the one file outside the loop", len(docs))
		}
	})

	t.Run("broken symlink", func(t *testing.T) {
		link("missing.yaml", "cm/broken.yaml")
		_, err := LoadDir(os.DirFS(root), "cm", Options{})
		if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "cm/broken.yaml: cannot follow symlink: ") {
			t.Errorf("error = %v, want a broken symlink error", err)
		}
	})

	t.Run("size limit from stat", func(t *testing.T) {
		write("big/big.yaml", upstreamUsers+strings.Repeat("#", 1000))
		_, err := LoadDir(os.DirFS(root), "big", Options{MaxFileSize: 100})
		if want := "big/big.yaml: file is larger than the limit of 100 bytes"; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
}

// A symlink back up is caught from the link's target where the file system
// can read links, and by the depth limit where it cannot.
func TestLoadDirSymlinkLoop(t *testing.T) {
	fsys := fstest.MapFS{
		"c/a.yaml":     upstream("a"),
		"c/self":       symlink("."),
		"c/sub/parent": symlink("../../c"),
		"c/sub/b.yaml": upstream("b"),
	}
	docs, err := LoadDir(fsys, "c", Options{})
	want := "c/self: symlink loop: the directory contains itself\n" +
		"c/sub/parent: symlink loop: the directory contains itself"
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
	if got := names(docs); !reflect.DeepEqual(got, []string{"c/a.yaml:a", "c/sub/b.yaml:b"}) {
		t.Errorf("loaded %v", got)
	}

	// Hiding ReadLink leaves only the depth limit. The resource is
	// found again at every level, so duplicates are reported too.
	_, err = LoadDir(struct{ fs.FS }{fstest.MapFS{"c/a.yaml": upstream("a"), "c/self": symlink(".")}}, "c", Options{})
	var depth int
	for _, e := range AsErrors(err) {
		if strings.HasSuffix(e.Msg, "is there a symlink loop?") {
			depth++
		}
	}
	if depth == 0 {
		t.Errorf("error = %v, want the depth limit", err)
	}
}
