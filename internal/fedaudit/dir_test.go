package fedaudit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeFiles creates files (path: content) below dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindDir(t *testing.T) {
	// root/repo is a module; root/shared/federation-audit the audit.
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"repo/go.mod":                                  "module example.com/x\n",
		"repo/internal/pkg/x.go":                       "package pkg\n",
		"shared/federation-audit/package-lock.json":    "{}",
		"shared/federation-audit/src/cli.ts":           "",
		"other/audit/package-lock.json":                "{}",
		"other/audit/src/cli.ts":                       "",
		"deeper/bare/go.mod":                           "module example.com/bare\n",
		"shared-incomplete/federation-audit/README.md": "",
	})
	audit := filepath.Join(root, "shared", "federation-audit")
	tests := []struct {
		name, env, wd string
		want          string
		wantErr       string
		notFound      bool // the error is ErrNotFound: tests skip
	}{
		{name: "beside the module, from a package folder", wd: "repo/internal/pkg", want: audit},
		{name: "beside the module, from its root", wd: "repo", want: audit},
		{name: "named by the variable", env: "other/audit", wd: "repo", want: filepath.Join(root, "other", "audit")},
		{
			name: "absent beside the module", wd: "deeper/bare", notFound: true,
			wantErr: "federation audit not found at " + filepath.Join(root, "deeper", "shared", "federation-audit") + " (",
		},
		{
			name: "named by the variable but absent", env: "nowhere", wd: "repo",
			wantErr: EnvDir + "=" + filepath.Join(root, "nowhere") + ": stat " + filepath.Join(root, "nowhere", "package-lock.json"),
		},
		{
			name: "named by the variable but not the audit", env: "shared-incomplete/federation-audit", wd: "repo",
			wantErr: "package-lock.json: no such file",
		},
		{name: "no module", wd: ".", wantErr: "no go.mod in " + root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env != "" {
				env = filepath.Join(root, env)
			}
			wantErr := tt.wantErr
			got, err := findDir(env, filepath.Join(root, tt.wd))
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("findDir = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Fatalf("findDir = %q, %v; want an error containing %q", got, err, wantErr)
			}
			if errors.Is(err, ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
		})
	}
}

func TestParseNodeVersion(t *testing.T) {
	tests := []struct {
		in           string
		major, minor int
		ok           bool
	}{
		{"v20.20.2", 20, 20, true},
		{"v20.12.0", 20, 12, true},
		{"v18.20.4", 18, 20, true},
		{"v22.1.0-nightly2024", 22, 1, true},
		{"20.1.0", 0, 0, false},
		{"v20", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		major, minor, err := parseNodeVersion(tt.in)
		if (err == nil) != tt.ok || major != tt.major || minor != tt.minor {
			t.Errorf("parseNodeVersion(%q) = %d, %d, %v; want %d, %d, ok %v", tt.in, major, minor, err, tt.major, tt.minor, tt.ok)
		}
	}
}

// fakeTB stands in for a test to see how Start ends it. Its Fatal and Skip
// stop Start with a panic, as the real ones stop the goroutine.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

type stopped struct{}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatal(args ...any) {
	f.fatal = fmt.Sprint(args...)
	panic(stopped{})
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(stopped{})
}
func (f *fakeTB) Skip(args ...any) {
	f.skip = fmt.Sprint(args...)
	panic(stopped{})
}

// runStart runs Start on tb, which must end it before it starts anything.
func runStart(t *testing.T, tb *fakeTB) {
	defer func() {
		if r := recover(); r != nil && r != (stopped{}) {
			panic(r)
		}
	}()
	Start(tb)
	t.Fatal("Start returned; want it to skip or fail")
}

// requireAudit skips t when the audit is absent: the checks that need it
// present cannot run.
func requireAudit(t *testing.T) string {
	t.Helper()
	dir, err := Dir()
	if errors.Is(err, ErrNotFound) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestStartWithoutTheAudit: Start skips, naming the folder it looked at.
func TestStartWithoutTheAudit(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"repo/go.mod": "module example.com/x\n"})
	t.Chdir(filepath.Join(dir, "repo"))
	t.Setenv(EnvDir, "")
	var tb fakeTB
	runStart(t, &tb)
	want := "federation audit not found at " + filepath.Join(dir, "shared", "federation-audit")
	if tb.fatal != "" || !strings.Contains(tb.skip, want) {
		t.Errorf("skip %q, fatal %q; want a skip containing %q", tb.skip, tb.fatal, want)
	}
}

// TestStartWithoutNode: with the audit present, a missing or old Node.js
// or a missing npm fails the test, saying what installs them; it never
// skips.
func TestStartWithoutNode(t *testing.T) {
	requireAudit(t)
	tests := []struct {
		name  string
		tools map[string]string // programs on PATH, as shell scripts
		want  []string
	}{
		{name: "no node", want: []string{"node is not on PATH", "`make test` installs"}},
		{
			name:  "no npm",
			tools: map[string]string{"node": "echo v20.20.2"},
			want:  []string{"npm is not on PATH", "`make test` installs"},
		},
		{
			name:  "node too old",
			tools: map[string]string{"node": "echo v18.20.4", "npm": "exit 0"},
			want:  []string{"is Node.js v18.20.4", "needs 20.12 or newer", "`make test` installs", "Debian 12 ships 18"},
		},
		{
			name:  "node says no version",
			tools: map[string]string{"node": "echo hello", "npm": "exit 0"},
			want:  []string{`version "hello" is not vMAJOR.MINOR.PATCH`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			for name, script := range tt.tools {
				p := filepath.Join(bin, name)
				if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("PATH", bin)
			var tb fakeTB
			runStart(t, &tb)
			if tb.skip != "" {
				t.Fatalf("Start skipped (%q); want a failure", tb.skip)
			}
			for _, w := range append([]string{"needs Node.js and npm"}, tt.want...) {
				if !strings.Contains(tb.fatal, w) {
					t.Errorf("the failure lacks %q:\n%s", w, tb.fatal)
				}
			}
		})
	}
}

// fakeNPM writes an npm that installs a stand-in tsx after a pause, so that
// installs overlap, and counts its runs in a file beside it.
func fakeNPM(t *testing.T, script string) string {
	t.Helper()
	bin := t.TempDir()
	p := filepath.Join(bin, "npm")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho run >>"+filepath.Join(bin, "runs")+"\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInstallModules: the packages are installed once per lock file, by
// one of the processes that ask at once, then taken from the cache; no
// unfinished install folder is left.
func TestInstallModules(t *testing.T) {
	audit := t.TempDir()
	writeFiles(t, audit, map[string]string{"package.json": `{"name": "a"}`, "package-lock.json": `{"lockfileVersion": 3}`})
	npm := fakeNPM(t, `test "$1 $2 $3" = "ci --no-audit --no-fund" || exit 2
sleep 0.3
mkdir -p node_modules/tsx && echo "$$" > node_modules/tsx/package.json`)
	root := filepath.Join(t.TempDir(), "cache")

	const n = 4
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { got[i], errs[i] = installModules(context.Background(), npm, audit, root) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("install %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("installs answered %q and %q", got[0], got[i])
		}
	}
	if !installed(got[0]) {
		t.Fatalf("%s holds no tsx", got[0])
	}
	if filepath.Dir(filepath.Dir(got[0])) != root {
		t.Errorf("the packages are in %s, not in the cache %s", got[0], root)
	}
	left, _ := filepath.Glob(filepath.Join(root, "install-*"))
	if len(left) > 0 {
		t.Errorf("install folders left in the cache: %q", left)
	}

	// Cached: npm does not run again.
	runs := filepath.Join(filepath.Dir(npm), "runs")
	before, _ := os.ReadFile(runs)
	again, err := installModules(context.Background(), npm, audit, root)
	if err != nil || again != got[0] {
		t.Fatalf("second install: %q, %v", again, err)
	}
	if after, _ := os.ReadFile(runs); string(after) != string(before) {
		t.Errorf("npm ran again with the packages cached")
	}

	// A cached install damaged by hand is installed again, and an install
	// folder that a dead process left is removed.
	if err := os.RemoveAll(filepath.Join(got[0], "tsx")); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, "install-1")
	if err := os.Mkdir(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * staleInstall)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if again, err := installModules(context.Background(), npm, audit, root); err != nil || again != got[0] || !installed(again) {
		t.Fatalf("install over a damaged one: %q, %v", again, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stale install folder is still there: %v", err)
	}

	// Another lock file is another install.
	writeFiles(t, audit, map[string]string{"package-lock.json": `{"lockfileVersion": 3, "x": 1}`})
	other, err := installModules(context.Background(), npm, audit, root)
	if err != nil || other == got[0] {
		t.Fatalf("install for a changed lock file: %q, %v", other, err)
	}
}

// TestInstallModulesFailure: a failed npm ci says what npm printed and
// leaves nothing in the cache.
func TestInstallModulesFailure(t *testing.T) {
	audit := t.TempDir()
	writeFiles(t, audit, map[string]string{"package.json": `{}`, "package-lock.json": `{}`})
	npm := fakeNPM(t, `echo "npm error code E404" >&2; exit 1`)
	root := filepath.Join(t.TempDir(), "cache")
	_, err := installModules(context.Background(), npm, audit, root)
	if err == nil || !strings.Contains(err.Error(), "npm error code E404") || !strings.Contains(err.Error(), "npm ci --no-audit --no-fund") {
		t.Fatalf("err = %v; want npm's output", err)
	}
	if left, _ := os.ReadDir(root); len(left) > 0 {
		t.Errorf("the cache holds %d entries after a failed install", len(left))
	}
}
