package soap_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/internal/soaptest"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/soap"
)

// Every test closes the servers and upstreams it opens.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fixtures is the folder of the importer's test WSDLs.
var fixtures = filepath.Join("wsdl", "testdata", "wsdl")

// upstreamYAML is an Upstream resource; transport lines are indented by
// two spaces, soap lines by four.
func upstreamYAML(name, wsdl, transport, soapLines string) string {
	return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: " + name + "}\nspec:\n" + transport +
		"  soap:\n    wsdl: " + wsdl + "\n" + soapLines
}

// buildIn builds the upstream the resource up.yaml in dir describes, files
// relative to dir; on success it is closed when the test ends.
func buildIn(t *testing.T, dir, yamlText string) (*soap.Upstream, schema.UpstreamInfo, error) {
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
		LocalPath: func(name string) (string, error) {
			if filepath.IsAbs(name) {
				return name, nil
			}
			return filepath.Join(dir, name), nil
		},
		Log: zerolog.Nop(),
	}
	up, info, err := soap.Build(context.Background(), src)
	if err != nil {
		return nil, info, err
	}
	u := up.(*soap.Upstream)
	t.Cleanup(u.Close)
	return u, info, nil
}

// buildServer builds an upstream over a running soaptest server: its
// fixture copied into a new directory, addresses at the server.
func buildServer(t *testing.T, s *soaptest.Server, name, transport, soapLines string) (*soap.Upstream, schema.UpstreamInfo) {
	t.Helper()
	dir := t.TempDir()
	p, err := s.WriteFixture(fixtures, filepath.Join(dir, "wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	u, info, err := buildIn(t, dir, upstreamYAML(name, filepath.Join("wsdl", filepath.Base(p)), transport, soapLines))
	if err != nil {
		t.Fatalf("upstream does not build: %v", err)
	}
	return u, info
}

// bindGenerated builds a VirtualService schema that includes the
// upstream's generated fields and nothing else, as schema: {include:
// [name]} does.
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

// prepare makes the call of typ.field with these arguments and client
// headers (name, value pairs).
func prepare(t *testing.T, u *soap.Upstream, s *schema.Schema, typ, field string, args map[string]any, header ...string) (*upstreams.Call, error) {
	t.Helper()
	b := s.Binding(typ, field)
	if b == nil {
		t.Fatalf("%s.%s has no binding", typ, field)
	}
	c := &upstreams.Call{Binding: b, Scope: &tmpl.Scope{Args: args}, ClientHeader: map[string][]string{}}
	for i := 0; i+1 < len(header); i += 2 {
		c.ClientHeader.Set(header[i], header[i+1])
	}
	c.Scope.Headers = c.ClientHeader
	return c, u.Prepare(c)
}

// mustPrepare is prepare that fails the test on an error.
func mustPrepare(t *testing.T, u *soap.Upstream, s *schema.Schema, typ, field string, args map[string]any, header ...string) *upstreams.Call {
	t.Helper()
	c, err := prepare(t, u, s, typ, field, args, header...)
	if err != nil {
		t.Fatalf("prepare %s.%s: %v", typ, field, err)
	}
	return c
}

// do makes a prepared call and returns its answer as JSON text.
func do(t *testing.T, u *soap.Upstream, c *upstreams.Call) string {
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

// testBinders are the binding directives of the gateway's kinds, as the
// gateway registers them.
func testBinders() []schema.Binder {
	return []schema.Binder{graphql.Binder{}, restbind.Binder{}, grpcup.Binder{}, soap.Binder{}}
}
