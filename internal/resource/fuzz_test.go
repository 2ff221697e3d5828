package resource

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var fuzzSeeds = []string{
	upstreamUsers,
	posDoc,
	header + "  url: ${URL:-http://x}\n  timeout: ${T:-2s}\n  port: ${P}\n",
	header + "  url: u\n  routes:\n  - &r {name: a, match: {prefix: /}}\n  - <<: *r\n  - *r\n",
	header + "  url: u\n  routes: &r\n  - name: a\n    match: {}\n    fallback: {value: *r}\n",
	header + "  <<: [*x]\n",
	aliasBomb(4),
	"---\n---\n# c\n",
	"a: [\n",
	"- 1\n- 2\n",
	"apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: a, labels: {\"x/y\": z}}\n---\n" + upstreamUsers + "---\n" + upstreamUsers,
	"apiVersion: !!binary aGVsbG8=\nkind: !custom X\nmetadata: {name: ~}\nspec: !!str 1\n",
	"? [complex, key]\n: value\n",
	"&a a: *a\n",
}

// fuzzEnv has a few variables set, one of them empty, so fuzzing reaches
// both the set and the unset branches.
var fuzzEnv = mapEnv(map[string]string{"A": "1", "URL": "http://x", "E": "", "T": "250ms", "Y": "{a: [1]}"})

func checkErrors(t *testing.T, err error, file string) {
	t.Helper()
	if err == nil {
		return
	}
	es := AsErrors(err)
	if es == nil {
		t.Fatalf("error is not Errors: %T %v", err, err)
	}
	for _, e := range es {
		if e.File != file || e.Line < 0 || e.Column < 0 || e.Msg == "" {
			t.Fatalf("malformed error %#v", e)
		}
		if _, ok := parsePath(e.Path); !ok {
			t.Fatalf("error path %q does not parse", e.Path)
		}
	}
	if s := err.Error(); strings.Count(s, "\n") != len(es)-1 {
		t.Fatalf("Error() has %d lines for %d errors", strings.Count(s, "\n")+1, len(es))
	}
}

func FuzzLoadBytes(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := LoadBytes("f.yaml", data, Options{Env: fuzzEnv, MaxFileSize: 1 << 16})
		checkErrors(t, err, "f.yaml")
		for _, d := range docs {
			if d.Kind == "" || d.Name == "" || d.File != "f.yaml" || d.Root == nil {
				t.Fatalf("document without identity: %+v", d)
			}
			var spec testSpec
			if err := d.DecodeSpec(&spec); err != nil {
				checkErrors(t, err, "f.yaml")
			}
			for _, p := range []string{"", "spec", "spec.routes[0].match", "metadata.name"} {
				if line, col := d.Pos(p); line < 1 || col < 1 {
					t.Fatalf("Pos(%q) = %d:%d", p, line, col)
				}
			}
		}
	})
}

// FuzzDecode decodes any YAML into the representative nested spec, with
// no envelope in the way.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("url: u\nroutes: [{name: a, match: {headers: [{name: x}]}}]\nextra: {a: [1, 2.5, ~, true]}\n")
	f.Fuzz(func(t *testing.T, text string) {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(text), &root); err != nil || len(root.Content) == 0 {
			return
		}
		d := &Document{File: "f.yaml", Root: root.Content[0], Line: 1, Column: 1}
		var spec testSpec
		err := d.Decode(d.Root, "spec", &spec)
		checkErrors(t, err, "f.yaml")
		var generic any
		checkErrors(t, d.Decode(d.Root, "spec", &generic), "f.yaml")
	})
}

func FuzzPos(f *testing.F) {
	paths := []string{"", "spec", "spec.routes[1].timeout", `spec.headers["x.trace"]`, "a..b", "[0]", `["`, "spec[99999999999999999999]"}
	for i, s := range fuzzSeeds {
		f.Add(s, paths[i%len(paths)])
	}
	f.Fuzz(func(t *testing.T, text, path string) {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(text), &root); err != nil || len(root.Content) == 0 {
			return
		}
		d := &Document{File: "f.yaml", Root: root.Content[0], Line: 1, Column: 1}
		if line, col := d.Pos(path); line < 1 || col < 1 {
			t.Fatalf("Pos(%q) = %d:%d", path, line, col)
		}
		d.Node(path)
	})
}

func FuzzExpandEnv(f *testing.F) {
	for _, s := range []string{"", "$", "$$", "${A}", "${A:-b}", "${E:-x}", "${", "${}", "$${A}", "a$b", "${A:-${B}}", "${Z}"} {
		f.Add(s)
	}
	empty := func(string) (string, bool) { return "", true }
	f.Fuzz(func(t *testing.T, s string) {
		got, err := expandEnv(s, empty)
		if err != nil {
			return
		}
		if !strings.Contains(s, "$") && got != s {
			t.Fatalf("expandEnv(%q) = %q; text without $ must not change", s, got)
		}
		// With every variable set and empty, output comes only from the
		// input: defaults and literal text.
		if len(got) > len(s) {
			t.Fatalf("expandEnv(%q) = %q grew with empty variables", s, got)
		}
		if _, err := expandEnv(s, fuzzEnv); err != nil && !strings.Contains(err.Error(), "is not set") {
			t.Fatalf("expandEnv(%q) failed with one lookup and not another: %v", s, err)
		}
	})
}

// FuzzParsePath checks that every path that parses prints back, through
// JoinField and JoinIndex, to a path with the same steps.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"spec.routes[0].match", `a["b.c"][1]`, "", "a..b", `["x"]`, "a[-1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		steps, ok := parsePath(path)
		if !ok {
			return
		}
		again := ""
		for _, s := range steps {
			if s.isIndex {
				again = JoinIndex(again, s.index)
			} else {
				again = JoinField(again, s.key)
			}
		}
		steps2, ok := parsePath(again)
		if !ok || len(steps2) != len(steps) {
			t.Fatalf("parsePath(%q) = %v, printed %q, parsed back as %v, %v", path, steps, again, steps2, ok)
		}
		for i := range steps {
			if steps[i] != steps2[i] {
				t.Fatalf("step %d of %q: %v became %v via %q", i, path, steps[i], steps2[i], again)
			}
		}
	})
}
