package loadbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/demo/shipping"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/virtualservices"
)

// loader loads generated configs as `weft serve` does: the demo's shop
// serves a supergraph beside its own upstreams.
func loader() *virtualservices.Loader {
	return &virtualservices.Loader{
		Kinds: []upstreams.Kind{graphql.Kind(), rest.Kind(), grpcup.Kind(), soap.Kind(), federation.Kind()},
		Log:   zerolog.Nop(),
	}
}

// load reads a generated config the way `weft serve --config` does.
func load(t *testing.T, dir string) (*virtualservices.Snapshot, error) {
	t.Helper()
	snap, err := loader().Load(context.Background(), virtualservices.Config{
		FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir,
		Env: func(string) (string, bool) { return "", false },
	}, nil)
	if snap != nil {
		t.Cleanup(func() { virtualservices.CloseSnapshot(snap) })
	}
	return snap, err
}

var testEndpoints = Endpoints{CatalogURL: "http://127.0.0.1:4101/graphql", ReviewsURL: "http://127.0.0.1:4102", InventoryTarget: "127.0.0.1:4103"}

// TestConfigLoads generates the config of every case and merge setting and
// loads it with the gateway's own loader: it must load, set merging as
// asked, and plan the case's query against the shop API.
func TestConfigLoads(t *testing.T) {
	for _, c := range Cases() {
		if c.Supergraph {
			continue // not the shop: federation_test.go loads and serves it
		}
		for _, m := range []Merge{MergeOn, MergeOff, MergeDefault} {
			t.Run(c.Name+"/merge="+m.String(), func(t *testing.T) {
				dir := t.TempDir()
				if err := WriteConfig(dir, c, testEndpoints, m); err != nil {
					t.Fatal(err)
				}
				snap, err := load(t, dir)
				if err != nil {
					t.Fatalf("generated config does not load:\n%v", err)
				}
				if got := snap.VirtualServices(); len(got) != 1 || got[0] != "shop" {
					t.Errorf("virtual services %v, want [shop]", got)
				}
				for _, name := range []string{"catalog", "reviews"} {
					if snap.Upstream(name) == nil {
						t.Errorf("no upstream %s", name)
					}
				}
				api := snap.APIForHost("127.0.0.1")
				if api == nil {
					t.Fatal("no API for host 127.0.0.1")
				}
				if _, err := api.Plan(context.Background(), c.Query, ""); err != nil {
					t.Errorf("query %s does not plan: %v", c.Query, err)
				}
				yaml, err := os.ReadFile(filepath.Join(dir, "upstreams.yaml"))
				if err != nil {
					t.Fatal(err)
				}
				want := map[Merge]string{MergeOn: "mergeInFlight: true", MergeOff: "mergeInFlight: false"}[m]
				if n := strings.Count(string(yaml), "mergeInFlight"); (want == "" && n != 0) || (want != "" && strings.Count(string(yaml), want) != 4) {
					t.Errorf("merge %s: upstreams.yaml has %d mergeInFlight fields:\n%s", m, n, yaml)
				}
			})
		}
	}
}

// TestConfigMergeIsRead proves that the generated mergeInFlight lands in a
// field the loader reads: a value of the wrong type is an error at its line.
func TestConfigMergeIsRead(t *testing.T) {
	dir := t.TempDir()
	if err := WriteConfig(dir, Cases()[0], testEndpoints, MergeOn); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "upstreams.yaml")
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, bytes.Replace(b, []byte("mergeInFlight: true"), []byte("mergeInFlight: sometimes"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := load(t, dir); err == nil || !strings.Contains(err.Error(), "mergeInFlight") {
		t.Errorf("a bad mergeInFlight loaded, or the error does not name it: %v", err)
	}
}

func TestConfigExtras(t *testing.T) {
	base := Cases()[0]
	tests := []struct {
		name     string
		spec     string
		files    map[string]string
		writeErr string
		loadErr  string
	}{
		{"upstream spec field", "maxIdleConns: 64\n", nil, "", ""},
		{"upstream spec field is strict", "retries: 3\n", nil, "", `unknown field "retries"`},
		{"extra resource", "", map[string]string{"ping/ping.yaml": "apiVersion: weft.dev/v1\nkind: VirtualService\nmetadata: {name: ping}\nspec:\n  virtualHost:\n    domains: [ping.local]\n    routes:\n      - directResponse: {status: 200, body: pong}\n"}, "", ""},
		{"replaced schema", "", map[string]string{"shop.graphql": "extend type Query { x: Int }\n"}, "", "root field has no binding"},
		{"file outside the directory", "", map[string]string{"../evil.yaml": "x"}, "outside the config directory", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.UpstreamSpec, c.Files = tt.spec, tt.files
			dir := t.TempDir()
			err := WriteConfig(dir, c, testEndpoints, MergeDefault)
			if tt.writeErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.writeErr) {
					t.Fatalf("WriteConfig error %v, want %q", err, tt.writeErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = load(t, dir)
			if tt.loadErr == "" && err != nil {
				t.Fatalf("config does not load: %v", err)
			}
			if tt.loadErr != "" && (err == nil || !strings.Contains(err.Error(), tt.loadErr)) {
				t.Fatalf("load error %v, want one containing %q", err, tt.loadErr)
			}
		})
	}
}

// TestCasesThroughGateway serves each case's generated config in-process
// in front of the memoized demo upstreams, and checks the answer the way a
// row does. The pass-through cases must also answer the same data directly
// and through the proxy, or their baselines would compare different work.
func TestCasesThroughGateway(t *testing.T) {
	for _, c := range Cases() {
		if c.Supergraph {
			continue // not the shop: federation_test.go loads and serves it
		}
		t.Run(c.Name, func(t *testing.T) {
			cat, rev, err := UpstreamHandlers(c.Products, MemoOptions{})
			if err != nil {
				t.Fatal(err)
			}
			catSrv, revSrv := httptest.NewServer(cat), httptest.NewServer(rev)
			defer catSrv.Close()
			defer revSrv.Close()
			inv, err := demo.StartInventory(context.Background(), zerolog.Nop(), "127.0.0.1:0", c.Products)
			if err != nil {
				t.Fatal(err)
			}
			defer inv.Close()
			shipSrv := httptest.NewServer(ShippingHandler(c.Products, MemoOptions{}))
			defer shipSrv.Close()
			dir := t.TempDir()
			if err := WriteConfig(dir, c, Endpoints{CatalogURL: catSrv.URL + "/graphql", ReviewsURL: revSrv.URL, InventoryTarget: inv.Addr(), ShippingURL: shipSrv.URL + shipping.Path}, MergeOn); err != nil {
				t.Fatal(err)
			}
			snap, err := load(t, dir)
			if err != nil {
				t.Fatal(err)
			}
			gw := virtualservices.NewServer(zerolog.Nop())
			defer gw.Close()
			gw.Swap(snap)
			gwSrv := httptest.NewServer(gw)
			defer gwSrv.Close()

			body, _ := json.Marshal(map[string]string{"query": c.Query})
			viaGateway := post(t, gwSrv.URL+"/graphql", body)
			if !c.Baselines {
				return
			}
			proxySrv := httptest.NewServer(NewProxy(mustURL(t, catSrv.URL), zerolog.Nop()))
			defer proxySrv.Close()
			direct := post(t, catSrv.URL+"/graphql", body)
			viaProxy := post(t, proxySrv.URL+"/graphql", body)
			if !bytes.Equal(direct, viaProxy) {
				t.Errorf("proxy answer differs from the direct one:\n%s\n%s", clip(viaProxy, 300), clip(direct, 300))
			}
			if !sameJSON(t, direct, viaGateway) {
				t.Errorf("gateway answer differs from the direct one:\n%s\n%s", clip(viaGateway, 300), clip(direct, 300))
			}
		})
	}
}

// TestLargeCaseSize keeps the "large" case's answer near the 80 KB it is
// meant to measure.
func TestLargeCaseSize(t *testing.T) {
	c, err := SelectCases(Cases(), "large")
	if err != nil {
		t.Fatal(err)
	}
	cat, _, err := UpstreamHandlers(c[0].Products, MemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cat)
	defer srv.Close()
	body, _ := json.Marshal(map[string]string{"query": c[0].Query})
	if n := len(post(t, srv.URL+"/graphql", body)); n < 70_000 || n > 90_000 {
		t.Errorf("large answer is %d bytes, want about 80 KB", n)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// post sends a GraphQL request on a client of its own, closed afterwards,
// and checks the answer as a row does.
func post(t *testing.T, url string, body []byte) []byte {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckAnswer(resp.StatusCode, out); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return out
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// TestRouteMerge checks that a row's merge setting reaches the routes as
// well as the upstreams: a merge=off row must not merge whole operations.
func TestRouteMerge(t *testing.T) {
	for _, m := range []Merge{MergeOn, MergeOff} {
		dir := t.TempDir()
		cs, err := SelectCases(Cases(), "small")
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteConfig(dir, cs[0], Endpoints{CatalogURL: "http://127.0.0.1:1/graphql", ReviewsURL: "http://127.0.0.1:1", InventoryTarget: "127.0.0.1:1", ShippingURL: "http://127.0.0.1:1/s"}, m); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "shop.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("        graphql:\n          mergeInFlight: %t\n", m == MergeOn)
		if !strings.Contains(string(b), want) {
			t.Errorf("merge %s: shop.yaml lacks %q:\n%s", m, want, b)
		}
	}
	if got := routeMerge(FederationYAML(Case{Name: "federation"}, MergeOff), MergeOff); !strings.Contains(got, "mergeInFlight: false\n          schema: {supergraph: supergraph}") {
		t.Errorf("federation route:\n%s", got)
	}
}
