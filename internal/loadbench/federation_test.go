package loadbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/accounts"
	"github.com/weft-gateway/weft/internal/fedbench/fedbenchtest"
	fedinventory "github.com/weft-gateway/weft/internal/fedbench/inventory"
	"github.com/weft-gateway/weft/internal/fedbench/products"
	fedreviews "github.com/weft-gateway/weft/internal/fedbench/reviews"
	"github.com/weft-gateway/weft/virtualservices"
)

func federationCase(t *testing.T) Case {
	t.Helper()
	cs, err := SelectCases(Cases(), "federation")
	if err != nil {
		t.Fatal(err)
	}
	return cs[0]
}

// TestFederationCase: the case sends the deep query to a supergraph, with
// no baselines, and expects the subgraphs' stitched answer.
func TestFederationCase(t *testing.T) {
	c := federationCase(t)
	if !c.Supergraph || c.Baselines || c.Query != fedbench.DeepQuery {
		t.Errorf("federation case: %+v", c)
	}
	if err := SameAnswer(fedbench.DeepAnswer(), c.Answer); err != nil {
		t.Error(err)
	}
	opts := Options{Duration: time.Second, Connections: 1, Threads: 1, Merges: []Merge{MergeOn}, Cases: []Case{c}}
	if err := opts.check(); err != nil {
		t.Errorf("the federation case does not pass the options' check: %v", err)
	}
	c.Baselines = true
	opts.Cases = []Case{c}
	if err := opts.check(); err == nil || !strings.Contains(err.Error(), "case federation: a supergraph case has no baselines") {
		t.Errorf("a supergraph case with baselines: %v", err)
	}
}

// federationLoader loads generated configs as `weft serve` does, with
// the supergraph kind (as loader does).
func federationLoader() *virtualservices.Loader { return loader() }

func loadFederation(t *testing.T, dir string) *virtualservices.Snapshot {
	t.Helper()
	snap, err := federationLoader().Load(context.Background(), virtualservices.Config{
		FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir,
		Env: func(string) (string, bool) { return "", false },
	}, nil)
	if snap != nil {
		t.Cleanup(func() { virtualservices.CloseSnapshot(snap) })
	}
	if err != nil {
		t.Fatalf("generated config does not load:\n%v", err)
	}
	return snap
}

// TestFederationConfig generates the federation case's config for each
// merge setting: the supergraph points each subgraph at its endpoint, the
// config loads with the gateway's own loader, sets merging as asked, and
// plans the case's query.
func TestFederationConfig(t *testing.T) {
	c := federationCase(t)
	ep := Endpoints{Subgraphs: map[string]string{}}
	for i, name := range fedbench.SubgraphNames() {
		ep.Subgraphs[name] = fmt.Sprintf("http://127.0.0.1:%d/graphql", 4201+i)
	}
	for _, m := range []Merge{MergeOn, MergeOff, MergeDefault} {
		t.Run("merge="+m.String(), func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteConfig(dir, c, ep, m); err != nil {
				t.Fatal(err)
			}
			sg, err := os.ReadFile(filepath.Join(dir, SupergraphFile))
			if err != nil {
				t.Fatal(err)
			}
			for name, url := range ep.Subgraphs {
				if !strings.Contains(string(sg), `@join__graph(name: "`+name+`", url: "`+url+`")`) {
					t.Errorf("the supergraph does not point %s at %s", name, url)
				}
			}
			snap := loadFederation(t, dir)
			if got := snap.VirtualServices(); len(got) != 1 || got[0] != "federation" {
				t.Errorf("virtual services %v, want [federation]", got)
			}
			if snap.Upstream("supergraph") == nil {
				t.Error("no upstream supergraph")
			}
			api := snap.APIForHost("127.0.0.1")
			if api == nil {
				t.Fatal("no API for host 127.0.0.1")
			}
			if _, err := api.Plan(context.Background(), c.Query, ""); err != nil {
				t.Errorf("the case's query does not plan: %v", err)
			}
			yaml := FederationYAML(c, m)
			want := map[Merge]string{MergeOn: "mergeInFlight: true", MergeOff: "mergeInFlight: false"}[m]
			if n := strings.Count(yaml, "mergeInFlight"); (want == "" && n != 0) || (want != "" && strings.Count(yaml, want) != 1) {
				t.Errorf("merge %s: %d mergeInFlight fields:\n%s", m, n, yaml)
			}
		})
	}
	if err := WriteConfig(t.TempDir(), c, Endpoints{}, MergeOn); err == nil || !strings.Contains(err.Error(), `no URL for subgraph "accounts"`) {
		t.Errorf("a federation config without subgraph URLs: %v", err)
	}
}

// TestFederationMergeIsRead proves that the generated mergeInFlight lands
// in a field the loader reads: a value of the wrong type is an error.
func TestFederationMergeIsRead(t *testing.T) {
	c := federationCase(t)
	_, urls := fedbenchtest.ServeAll(t)
	dir := t.TempDir()
	if err := WriteConfig(dir, c, Endpoints{Subgraphs: urls}, MergeOn); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "federation.yaml")
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, bytes.Replace(b, []byte("mergeInFlight: true"), []byte("mergeInFlight: sometimes"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := federationLoader().Load(context.Background(), virtualservices.Config{
		FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: func(string) (string, bool) { return "", false },
	}, nil)
	if snap != nil {
		virtualservices.CloseSnapshot(snap)
	}
	if err == nil || !strings.Contains(err.Error(), "mergeInFlight") {
		t.Errorf("a bad mergeInFlight loaded, or the error does not name it: %v", err)
	}
}

// TestFederationThroughGateway serves the federation case's config
// in-process in front of the four subgraphs, for each merge setting, and
// checks the answer the way a row does: HTTP 200, no errors, and the
// subgraphs' stitched answer. It reports the subgraph calls a request
// made.
func TestFederationThroughGateway(t *testing.T) {
	c := federationCase(t)
	for _, m := range []Merge{MergeOn, MergeOff} {
		t.Run("merge="+m.String(), func(t *testing.T) {
			subs, urls := fedbenchtest.ServeAll(t)
			dir := t.TempDir()
			if err := WriteConfig(dir, c, Endpoints{Subgraphs: urls}, m); err != nil {
				t.Fatal(err)
			}
			snap := loadFederation(t, dir)
			gw := virtualservices.NewServer(zerolog.Nop())
			defer gw.Close()
			gw.Swap(snap)
			gwSrv := httptest.NewServer(gw)
			defer gwSrv.Close()

			body, _ := json.Marshal(map[string]string{"query": c.Query})
			got := post(t, gwSrv.URL+"/graphql", body)
			if err := SameAnswer(got, c.Answer); err != nil {
				t.Error(err)
			}
			var calls []string
			for _, name := range fedbench.SubgraphNames() {
				calls = append(calls, fmt.Sprintf("%s %d", name, subs[name].Requests()))
			}
			t.Logf("subgraph calls for one request: %s", strings.Join(calls, ", "))
		})
	}
}

func freeTestAddr(t *testing.T) string {
	t.Helper()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestServeUpstreamsSubgraphs serves the federation subgraphs beside the
// demo upstreams, as `weft-bench upstream` does: each answers its own SDL
// where the row's Endpoints say, and the harness reads their counters.
func TestServeUpstreamsSubgraphs(t *testing.T) {
	subgraphs := map[string]string{}
	ep := Endpoints{Subgraphs: map[string]string{}}
	for _, name := range fedbench.SubgraphNames() {
		subgraphs[name] = freeTestAddr(t)
		ep.Subgraphs[name] = "http://" + subgraphs[name] + fedbench.GraphQLPath
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- ServeUpstreams(ctx, zerolog.Nop(), UpstreamOptions{
			CatalogAddr: freeTestAddr(t), ReviewsAddr: freeTestAddr(t), Subgraphs: subgraphs,
		})
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("ServeUpstreams: %v", err)
		}
	}()
	for _, addr := range subgraphs {
		waitDial(t, addr, errc)
	}
	sdls := map[string]string{"accounts": accounts.SDL(), "inventory": fedinventory.SDL(), "products": products.SDL(), "reviews": fedreviews.SDL()}
	for name, url := range ep.Subgraphs {
		if got := fedbenchtest.ServiceSDL(t, url); got != sdls[name] {
			t.Errorf("%s at %s answers another SDL:\n%s", name, url, got)
		}
	}
	fedbenchtest.Post(t, ep.Subgraphs["accounts"], `{ users { id } }`, nil)

	b := &bench{client: &http.Client{Transport: &http.Transport{}}}
	defer b.client.CloseIdleConnections()
	if n, err := b.subgraphRequests(context.Background(), ep); err != nil || n != 5 {
		t.Errorf("subgraphRequests = %d, %v; want 5 (4 SDLs, 1 query)", n, err)
	}
	down := Endpoints{Subgraphs: map[string]string{}}
	for name := range ep.Subgraphs {
		down.Subgraphs[name] = "http://127.0.0.1:1/graphql"
	}
	if _, err := b.subgraphRequests(context.Background(), down); err == nil || !strings.Contains(err.Error(), "subgraph accounts:") {
		t.Errorf("subgraphRequests with the subgraphs down: %v", err)
	}
}

// waitDial waits until addr accepts connections, or fails the test when
// the server returned.
func waitDial(t *testing.T, addr string, errc chan error) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		select {
		case err := <-errc:
			errc <- err
			t.Fatalf("the upstreams stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s", addr)
		}
	}
}

func TestServeUpstreamsUnknownSubgraph(t *testing.T) {
	err := ServeUpstreams(context.Background(), zerolog.Nop(), UpstreamOptions{
		CatalogAddr: "127.0.0.1:0", ReviewsAddr: "127.0.0.1:0", Subgraphs: map[string]string{"shipping": "127.0.0.1:0"},
	})
	if err == nil || !strings.Contains(err.Error(), `no federation subgraph "shipping"`) {
		t.Errorf("ServeUpstreams with an unknown subgraph: %v", err)
	}
}

func TestSameAnswer(t *testing.T) {
	tests := []struct {
		got, want, err string
	}{
		{`{"data":{"a":1,"b":[true,null]}}`, `{"data":{"b":[true,null],"a":1.0}}`, ""},
		{`{"data":{"a":1}}`, `{"data":{"a":2}}`, "is not the expected one"},
		{`{"data":{"a":[1,2]}}`, `{"data":{"a":[2,1]}}`, "is not the expected one"},
		{`{"data":{"a":1}}`, `{"data":{"a":1,"b":null}}`, "is not the expected one"},
		{`<html>`, `{}`, "the answer is not JSON"},
		{`{}`, `{`, "the expected answer is not JSON"},
	}
	for _, tt := range tests {
		err := SameAnswer([]byte(tt.got), []byte(tt.want))
		if (tt.err == "" && err != nil) || (tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err))) {
			t.Errorf("SameAnswer(%s, %s) = %v, want %q", tt.got, tt.want, err, tt.err)
		}
	}
}

// TestCheckAnswerExpected: a row whose answer is not the expected one
// fails before any load, naming the URL.
func TestCheckAnswerExpected(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"data":{"users":[{"id":"u1"}]}}`))
	}))
	defer srv.Close()
	b := &bench{client: &http.Client{Transport: &http.Transport{}}}
	defer b.client.CloseIdleConnections()
	if _, err := b.checkAnswer(context.Background(), srv.URL, []byte(`{}`), []byte(`{"data":{"users":[{"id":"u1"}]}}`)); err != nil {
		t.Errorf("the expected answer: %v", err)
	}
	if _, err := b.checkAnswer(context.Background(), srv.URL, []byte(`{}`), []byte(`{"data":{"users":[]}}`)); err == nil ||
		!strings.Contains(err.Error(), "checking the answer from "+srv.URL+": the answer (32 bytes) is not the expected one") {
		t.Errorf("another answer: %v", err)
	}
}

// TestWriteTableSubgraphCalls: rows of a supergraph case report their
// subgraph calls per request below the table.
func TestWriteTableSubgraphCalls(t *testing.T) {
	rep := sampleReport()
	on := row("federation", TargetWeft, "on", false, 87_912, wrkResult(4_000, 50_000, 80_000, 90_000, WrkErrors{}), 60_000, 8.0, 3.1, 0.2, 0)
	on.SetSubgraphCalls(24_000, on.Wrk.Requests)
	off := row("federation", TargetWeft, "off", false, 87_912, wrkResult(3_000, 60_000, 90_000, 99_000, WrkErrors{}), 61_000, 8.0, 3.5, 0.2, 0)
	off.SetSubgraphCalls(27_000, off.Wrk.Requests)
	none := row("federation", TargetWeft, "default", false, 87_912, wrkResult(0, 0, 0, 0, WrkErrors{}), 61_000, 8.0, 3.5, 0.2, 0)
	none.SetSubgraphCalls(0, 0)
	rep.Rows = append(rep.Rows, on, off, none)
	rep.Compare()
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "table-federation.golden", b.String())
	if none.SubgraphCallsPerRequest != nil {
		t.Error("calls per request over no request")
	}
	if lines := strings.Count(b.String(), "CALLS federation"); lines != 2 {
		t.Errorf("%d CALLS lines, want 2", lines)
	}

	plain := sampleReport()
	b.Reset()
	if err := plain.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "CALLS") {
		t.Error("a run without supergraph cases explains CALLS")
	}
}
