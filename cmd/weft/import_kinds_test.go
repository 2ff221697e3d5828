package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
)

// Fixtures of the importer packages, relative to this package.
const (
	wsdlFixtures  = "../../upstreams/soap/wsdl/testdata/wsdl"
	protoFixtures = "../../upstreams/grpc/protoschema/testdata"
)

// weftIn runs the weft process to its end in the directory dir.
func weftIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := command(t, ctx, args...)
	cmd.Dir = dir
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("weft %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// abs returns the absolute path of a file relative to this package.
func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// validateOut serves the SDL an import wrote into dir with a
// VirtualService beside it, and checks that the config loads.
func validateOut(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "vs.yaml"), []byte(vsFor(name+".graphql")), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := weft(t, "validate", "--config", dir); r.code != 0 {
		up, _ := os.ReadFile(filepath.Join(dir, name+".upstream.yaml"))
		t.Fatalf("validate the imported config: %+v\nupstream:\n%s", r, up)
	}
}

// stderrLines checks that stderr holds each of want on a line of its own
// beginning with it, once, in that order.
func stderrLines(t *testing.T, stderr string, want []string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	at := 0
	for _, w := range want {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("stderr has %d lines starting with %q, want 1:\n%s", n, w, stderr)
			continue
		}
		for at < len(lines) && !strings.HasPrefix(lines[at], w) {
			at++
		}
		if at == len(lines) {
			t.Errorf("stderr has %q out of order:\n%s", w, stderr)
			return
		}
	}
}

// TestImportPartial: an import that skips parts exits 0, prints each part
// skipped and why on stderr, one line each, then the summary, and writes a
// config that loads.
func TestImportPartial(t *testing.T) {
	src := filepath.Join(wsdlFixtures, "missing", "weather.wsdl")
	out := t.TempDir()
	r := weft(t, "import", "wsdl", "--name", "weather", "--out", out, src)
	if r.code != 0 {
		t.Fatalf("import wsdl: %+v", r)
	}
	stderrLines(t, r.stderr, []string{
		"warning: " + src + ":14: import: " + filepath.Join(wsdlFixtures, "missing", "billing.wsdl") + " cannot be read (no such file or directory)",
		"warning: " + src + ":18: import: ",
		"warning: " + src + ":19: include: ",
		"warning: " + src + ":94: port BillingPort: the binding {urn:billing}BillingSoap is not declared",
		"warning: " + src + ":54: operation GetAlerts: input: the element {urn:alerts}GetAlerts of part parameters is not declared (the missing file " + filepath.Join(wsdlFixtures, "missing", "alerts.xsd") + " was to declare it): not imported",
		"warning: " + src + ":45: complexType GetStationResponse.level: (WeatherPort/GetStation) ",
		"warning: " + src + ":46: complexType GetStationResponse.sensor: (WeatherPort/GetStation) ",
		"2 operations imported, 1 skipped, 7 warnings",
	})
	if strings.Contains(r.stderr, "Error") {
		t.Errorf("a partial import reports an error:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "wrote "+filepath.Join(out, "weather.graphql")) {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	validateOut(t, out, "weather")
}

// TestImportNothing: an import of any kind that yields no operation
// prints what it skipped and the summary, then says why nothing was
// imported, writes nothing, and exits 1.
func TestImportNothing(t *testing.T) {
	inv, err := demo.StartInventory(context.Background(), zerolog.Nop(), "127.0.0.1:0", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	nobinding := filepath.Join(wsdlFixtures, "nobinding", "nobinding.wsdl")
	tests := []struct {
		name string
		args []string
		want []string // stderr lines, in order
	}{
		{"wsdl without SOAP binding", []string{"import", "wsdl", nobinding}, []string{
			"warning: " + nobinding + ":31: port RatesHttpGet: the binding RatesHttpGet is not a SOAP binding (HTTP, MIME or another protocol): not imported",
			"0 operations imported, 0 skipped, 1 warnings",
			"Error: nothing to import: no wsdl:binding is a SOAP binding (HTTP, MIME or another protocol)",
		}},
		{"proto without method", []string{"import", "proto", "-I", protoFixtures, "nomethod/nomethod.proto"}, []string{
			"1 services, 0 methods imported, 0 skipped, 0 warnings",
			"Error: nothing to import: the services nomethod.v1.Placeholder declare no method",
		}},
		{"reflection of no service asked for", []string{"import", "grpc", "--service", "nope.v1.Nope", inv.Addr()}, []string{
			"warning: nope.v1.Nope: the server does not list this service",
			"warning: nope.v1.Nope: Services names this, which is not a service of the descriptors",
			"0 services, 0 methods imported, 0 skipped, 2 warnings",
			"Error: nothing to import: no service of the descriptors is one of the services asked for (nope.v1.Nope)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := weft(t, append(tt.args, "--out", out)...)
			if r.code != 1 {
				t.Errorf("exit status %d, want 1", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r.stdout)
			}
			stderrLines(t, r.stderr, tt.want)
			if !strings.HasSuffix(r.stderr, tt.want[len(tt.want)-1]+"\n") {
				t.Errorf("stderr does not end with the error:\n%s", r.stderr)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("--out %s was made: %v", out, err)
			}
		})
	}
}

// TestImportProtoPaths imports .proto files from a directory that is not
// theirs: given by absolute and climbing paths without -I, under a virtual
// import path, and outside every import path. What imports writes a
// config that loads.
func TestImportProtoPaths(t *testing.T) {
	outside := abs(t, filepath.Join(protoFixtures, "outside", "weather.proto"))
	virtual := abs(t, filepath.Join(protoFixtures, "virtual"))
	cwd := t.TempDir()
	climbing, err := filepath.Rel(cwd, outside)
	if err != nil || !strings.HasPrefix(climbing, "..") {
		t.Fatalf("no climbing path from %s: %q %v", cwd, climbing, err)
	}
	tests := []struct {
		name string
		args []string
		// code is the exit status; want are lines of stderr, in order;
		// paths is what the Upstream's importPaths must hold.
		code  int
		want  []string
		paths string
	}{
		{"absolute path, no -I", []string{outside}, 0,
			[]string{"1 services, 1 methods imported, 0 skipped, 0 warnings"}, `importPaths: ["` + filepath.Dir(outside) + `"]`},
		{"climbing path, no -I", []string{climbing}, 0,
			[]string{"1 services, 1 methods imported, 0 skipped, 0 warnings"}, `importPaths: ["` + filepath.Dir(outside) + `"]`},
		{"virtual import path", []string{"-I", filepath.Join(virtual, "api"), "-I", "acme/geo=" + filepath.Join(virtual, "geo-src"), "weather/v1/weather.proto"}, 0,
			[]string{"1 services, 1 methods imported, 0 skipped, 0 warnings"}, `importPaths: ["` + filepath.Join(virtual, "api") + `", "acme/geo=` + filepath.Join(virtual, "geo-src") + `"]`},
		{"file under a virtual import path", []string{"-I", "acme=" + filepath.Join(virtual, "api"), "-I", "acme/geo=" + filepath.Join(virtual, "geo-src"), filepath.Join(virtual, "api", "weather", "v1", "weather.proto")}, 0,
			[]string{"1 services, 1 methods imported, 0 skipped, 0 warnings"}, `files: ["acme/weather/v1/weather.proto"]`},
		{"virtual root not given", []string{"-I", filepath.Join(virtual, "api"), "weather/v1/weather.proto"}, 1,
			[]string{"Error: " + filepath.Join(virtual, "api", "weather", "v1", "weather.proto") + ":8:8: acme/geo/v1/geo.proto: file does not exist in " + filepath.Join(virtual, "api")}, ""},
		{"outside every -I", []string{"-I", filepath.Join(virtual, "api"), outside}, 1,
			[]string{"Error: " + outside + " is outside every import path (" + filepath.Join(virtual, "api") + "): add the directory"}, ""},
		{"bad virtual name", []string{"-I", "../x=" + virtual, outside}, 1,
			[]string{`Error: import path "../x=` + virtual + `": the name before = (../x) must be a relative path without ".."`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"import", "proto", "--name", "weather", "--target", "127.0.0.1:1", "--out", out}, tt.args...)
			r := weftIn(t, cwd, args...)
			if r.code != tt.code {
				t.Fatalf("exit status %d, want %d: %+v", r.code, tt.code, r)
			}
			stderrLines(t, r.stderr, tt.want)
			if tt.code != 0 {
				if r.stdout != "" {
					t.Errorf("stdout is not empty:\n%s", r.stdout)
				}
				return
			}
			up, err := os.ReadFile(filepath.Join(out, "weather.upstream.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(up), tt.paths) {
				t.Errorf("the Upstream lacks %s:\n%s", tt.paths, up)
			}
			validateOut(t, out, "weather")
		})
	}
}

// TestImportPathsInOut: files inside --out are named relative to it, so
// that the config directory holds them; printed, an Upstream names them
// relative to the current directory.
func TestImportPathsInOut(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"api/weather/v1/weather.proto", "geo-src/v1/geo.proto"} {
		data, err := os.ReadFile(filepath.Join(protoFixtures, "virtual", filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "protos", filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wsdlDir := filepath.Join(dir, "wsdl")
	if err := os.MkdirAll(wsdlDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"weather.wsdl", "common.xsd"} {
		data, err := os.ReadFile(filepath.Join(wsdlFixtures, "missing", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(wsdlDir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, upstream string
		args           []string
		want           string
	}{
		{"proto", "weather", []string{"import", "proto", "--name", "weather", "--target", "127.0.0.1:1", "-I", "protos/api", "-I", "acme/geo=protos/geo-src", "weather/v1/weather.proto"},
			`importPaths: ["protos/api", "acme/geo=protos/geo-src"]`},
		{"wsdl", "weather", []string{"import", "wsdl", "--name", "weather", "wsdl/weather.wsdl"}, `wsdl: "wsdl/weather.wsdl"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Printed: relative to the current directory, dir.
			r := weftIn(t, dir, tt.args...)
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) {
				t.Fatalf("printed Upstream lacks %s: %+v", tt.want, r)
			}
			// Written into dir: as printed.
			r = weftIn(t, dir, append(tt.args, "--out", ".")...)
			if r.code != 0 || strings.Contains(r.stderr, "note:") {
				t.Fatalf("import: %+v", r)
			}
			up, err := os.ReadFile(filepath.Join(dir, tt.upstream+".upstream.yaml"))
			if err != nil || !strings.Contains(string(up), tt.want) {
				t.Fatalf("the Upstream lacks %s (%v):\n%s", tt.want, err, up)
			}
			validateOut(t, dir, tt.upstream)
			for _, f := range []string{"vs.yaml", tt.upstream + ".upstream.yaml", tt.upstream + ".graphql"} {
				if err := os.Remove(filepath.Join(dir, f)); err != nil {
					t.Fatal(err)
				}
			}
			// Written into dir/out: relative to it, they would climb out
			// with "..", which a config refuses, so they are absolute.
			r = weftIn(t, dir, append(tt.args, "--out", "out")...)
			if r.code != 0 {
				t.Fatalf("import: %+v", r)
			}
			if !strings.Contains(r.stderr, "note: the Upstream names "+dir) {
				t.Errorf("no note of an absolute path:\n%s", r.stderr)
			}
			validateOut(t, filepath.Join(dir, "out"), tt.upstream)
			if err := os.RemoveAll(filepath.Join(dir, "out")); err != nil {
				t.Fatal(err)
			}
		})
	}
}
