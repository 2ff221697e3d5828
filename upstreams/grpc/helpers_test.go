package grpc_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
	"github.com/weft-gateway/weft/upstreams/soap"
)

// startKitchen runs a Kitchen server for the test.
func startKitchen(t *testing.T, opts grpctest.Options) *grpctest.Server {
	t.Helper()
	s, err := grpctest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// upstreamYAML is an Upstream resource named kitchen; spec is its spec's
// body, indented by two spaces.
func upstreamYAML(spec string) string {
	return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: kitchen}\nspec:\n" + spec
}

// buildIn builds the upstream the resource in up.yaml describes, with the
// files beside it in dir; on success it is closed when the test ends.
func buildIn(t *testing.T, dir, yamlText string) (*grpcup.Upstream, schema.UpstreamInfo, error) {
	t.Helper()
	file := filepath.Join(dir, "up.yaml")
	if err := os.WriteFile(file, []byte(yamlText), 0o644); err != nil {
		t.Fatal(err)
	}
	docs, err := resource.LoadBytes(file, []byte(yamlText), resource.Options{})
	if err != nil {
		t.Fatalf("resource does not load: %v", err)
	}
	src := &upstreams.Source{
		Doc: docs[0],
		ReadFile: func(name string) ([]byte, string, error) {
			p := filepath.Join(dir, name)
			b, err := os.ReadFile(p)
			return b, p, err
		},
		LocalPath: func(name string) (string, error) { return filepath.Join(dir, name), nil },
		Log:       zerolog.Nop(),
	}
	up, info, err := grpcup.Build(context.Background(), src)
	if err != nil {
		return nil, info, err
	}
	u := up.(*grpcup.Upstream)
	t.Cleanup(u.Close)
	return u, info, nil
}

// protoDir writes kitchen.proto into a new directory, its import path.
func protoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := grpctest.WriteProto(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// buildKitchen builds an upstream over s from kitchen.proto, with more
// spec lines (indented by two spaces, or four under grpc when they start
// with "    ").
func buildKitchen(t *testing.T, s *grpctest.Server, extra string) (*grpcup.Upstream, schema.UpstreamInfo) {
	t.Helper()
	var top, grpcExtra []string
	for _, l := range strings.Split(extra, "\n") {
		switch {
		case strings.TrimSpace(l) == "":
		case strings.HasPrefix(l, "    "):
			grpcExtra = append(grpcExtra, l)
		default:
			top = append(top, l)
		}
	}
	spec := strings.Join(top, "\n")
	if spec != "" {
		spec += "\n"
	}
	spec += "  grpc:\n    target: " + s.Addr() + "\n    proto: {files: [" + grpctest.ProtoFile + "]}\n"
	if len(grpcExtra) > 0 {
		spec += strings.Join(grpcExtra, "\n") + "\n"
	}
	u, info, err := buildIn(t, protoDir(t), upstreamYAML(spec))
	if err != nil {
		t.Fatalf("upstream does not build: %v", err)
	}
	return u, info
}

// bind builds a VirtualService schema over one upstream, so that its
// bindings can be called directly.
func bind(t *testing.T, info schema.UpstreamInfo, sdl string) *schema.Schema {
	t.Helper()
	s, err := schema.Build(schema.Source{File: "vs.graphql", Input: sdl}, schema.Options{Binders: testBinders(), Upstreams: map[string]schema.UpstreamInfo{info.Name: info}})
	if err != nil {
		t.Fatalf("schema does not build:\n%v", err)
	}
	return s
}

// prepare makes the call of typ.field with these arguments.
func prepare(t *testing.T, u *grpcup.Upstream, s *schema.Schema, typ, field string, args map[string]any) *upstreams.Call {
	t.Helper()
	b := s.Binding(typ, field)
	if b == nil {
		t.Fatalf("%s.%s has no binding", typ, field)
	}
	c := &upstreams.Call{Binding: b, Scope: &tmpl.Scope{Args: args}}
	if err := u.Prepare(c); err != nil {
		t.Fatalf("prepare %s.%s: %v", typ, field, err)
	}
	return c
}

// upstreamError asserts err is an *upstreams.Error with this code.
func upstreamError(t *testing.T, err error, code upstreams.Code) *upstreams.Error {
	t.Helper()
	ue, ok := err.(*upstreams.Error)
	if !ok {
		t.Fatalf("error %v (%T), want an *upstreams.Error", err, err)
	}
	if ue.Code != code {
		t.Fatalf("code %s (%v), want %s", ue.Code, ue, code)
	}
	return ue
}

// bindGenerated builds a VirtualService schema that includes the
// upstream's generated fields and nothing else.
func bindGenerated(t *testing.T, info schema.UpstreamInfo) *schema.Schema {
	t.Helper()
	var decls []string
	for _, name := range sortedNames(info.Scalars) {
		decls = append(decls, info.Scalars[name])
	}
	s, err := schema.Build(schema.Source{File: "vs.graphql"}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{info.Name: info},
		Includes:  []schema.Source{*info.Fields, {File: "scalars.graphql", Input: strings.Join(decls, "\n")}},
	})
	if err != nil {
		t.Fatalf("generated fields do not build:\n%v", err)
	}
	return s
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// do makes a prepared call and returns its answer as JSON text.
func do(t *testing.T, u *grpcup.Upstream, c *upstreams.Call) string {
	t.Helper()
	res, err := u.Do(context.Background(), c)
	if err != nil {
		t.Fatalf("call failed: %v", err)
	}
	defer res.Release()
	if res.Value == nil {
		return string(res.Raw)
	}
	return res.Value.String()
}

// entered waits for a Hold call to reach the server; a call that never
// comes fails the test rather than hanging it.
func entered(t *testing.T, s *grpctest.Server) string {
	t.Helper()
	select {
	case key := <-s.Entered():
		return key
	case <-time.After(20 * time.Second):
		t.Fatal("no call reached the server")
		return ""
	}
}

// testBinders are the binding directives of the gateway's kinds, as the
// gateway registers them.
func testBinders() []schema.Binder {
	return []schema.Binder{graphql.Binder{}, restbind.Binder{}, grpcup.Binder{}, soap.Binder{}}
}
