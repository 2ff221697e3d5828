package virtualservices_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/virtualservices"
)

// memo answers each distinct request (method, URL, body) with the answer
// the wrapped upstream gave it the first time, so that benchmarks measure
// the gateway rather than the demo upstreams.
type memo struct {
	mu      sync.RWMutex
	answers map[string][]byte
	next    *http.Client
	target  string
}

func (m *memo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Method + " " + r.URL.String() + "\x00" + string(body)
	m.mu.RLock()
	ans, ok := m.answers[key]
	m.mu.RUnlock()
	if !ok {
		req, _ := http.NewRequest(r.Method, m.target+r.URL.String(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := m.next.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		ans, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		m.mu.Lock()
		m.answers[key] = ans
		m.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(ans)
}

func memoOf(t testing.TB, target string) string {
	m := &memo{answers: map[string][]byte{}, next: &http.Client{}, target: target}
	s := httptest.NewServer(m)
	t.Cleanup(s.Close)
	return s.URL
}

// benchmarkGateway serves one query through the gateway's handler (no
// client socket), against memoized upstreams, without merging in-flight
// upstream calls: the gateway's own work per request. The route merges
// identical queries in flight, as it does by default; one request at a
// time never shares, so what that costs is the merge key's work. vars,
// when given, is the request's variables object as JSON.
func benchmarkGateway(b *testing.B, products int, query string, vars ...string) {
	benchmarkGatewayRoute(b, true, products, query, vars...)
}

// benchmarkGatewayRoute is benchmarkGateway with the route's merging of
// identical queries on or off.
func benchmarkGatewayRoute(b *testing.B, routeMerge bool, products int, query string, vars ...string) {
	ups, err := demo.Start(context.Background(), zerolog.Nop(), demo.Loopback(products))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ups.Close() })
	catalog := memoOf(b, ups.CatalogURL()[:len(ups.CatalogURL())-len("/graphql")])
	reviews := memoOf(b, ups.ReviewsURL())
	cfgFiles := map[string]string{}
	fsys := demo.Config()
	for _, name := range []string{"shop.yaml", "shop.graphql", "catalog.graphql", demo.InventoryProto, "shipping.wsdl", "supergraph.graphql"} {
		data, err := fsReadFile(fsys, name)
		if err != nil {
			b.Fatal(err)
		}
		cfgFiles[name] = string(data)
	}
	if !routeMerge {
		shop := strings.Replace(cfgFiles["shop.yaml"], "exposePlan: true", "exposePlan: true\n          mergeInFlight: false", 1)
		if shop == cfgFiles["shop.yaml"] {
			b.Fatal("shop.yaml has no exposePlan line to put mergeInFlight beside")
		}
		cfgFiles["shop.yaml"] = shop
	}
	cfgFiles["upstreams.yaml"] = `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog}
spec:
  mergeInFlight: false
  graphql: {url: "` + catalog + `/graphql", schema: {file: catalog.graphql}}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews}
spec:
  mergeInFlight: false
  rest: {baseURL: "` + reviews + `"}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: inventory}
spec:
  mergeInFlight: false
  grpc: {target: "` + ups.InventoryTarget() + `", proto: {files: [inventory/v1/inventory.proto], importPaths: [protos]}}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: shipping}
spec:
  mergeInFlight: false
  soap: {wsdl: shipping.wsdl, endpoint: "` + ups.ShippingURL() + `"}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: community}
spec:
  mergeInFlight: false
  supergraph: {file: supergraph.graphql, subgraphs: {qa: "` + ups.QAURL() + `"}}
`
	dir := writeConfigTB(b, cfgFiles)
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
	snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: "."}, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := virtualservices.NewServer(zerolog.Nop())
	srv.Swap(snap)
	b.Cleanup(srv.Close)
	params := map[string]any{"query": query}
	if len(vars) > 0 {
		params["variables"] = json.RawMessage(vars[0])
	}
	body, _ := json.Marshal(params)
	do := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	if w := do(); w.Code != 200 || bytes.Contains(w.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("%d %s", w.Code, w.Body.String())
	} else {
		b.SetBytes(int64(w.Body.Len()))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		do()
	}
}

func BenchmarkGatewaySmall(b *testing.B) {
	benchmarkGateway(b, 0, `{ product(upc: "1") { upc name price } }`)
}

// BenchmarkGatewaySmallRouteMergeOff is BenchmarkGatewaySmall without the
// route's merging of identical queries: the two differ by the merge key's
// cost.
func BenchmarkGatewaySmallRouteMergeOff(b *testing.B) {
	benchmarkGatewayRoute(b, false, 0, `{ product(upc: "1") { upc name price } }`)
}

// BenchmarkGatewayVariables is BenchmarkGatewaySmall with its argument
// given in a variable, which the request's variables coerce.
func BenchmarkGatewayVariables(b *testing.B) {
	benchmarkGateway(b, 0, `query($upc: ID!) { product(upc: $upc) { upc name price } }`, `{"upc":"1"}`)
}

func BenchmarkGatewayLarge(b *testing.B) {
	benchmarkGateway(b, 395, `{ products { upc name price weight } }`)
}

func BenchmarkGatewayFanOut(b *testing.B) {
	benchmarkGateway(b, 0, `{ products { upc name reviews { rating body author { name } } } }`)
}
