package loadbench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/virtualservices"
)

// BenchmarkGatewayFederation sends the federation case's deep query (an
// 88 KB answer, five subgraph calls) through an in-process gateway whose
// subgraphs sit behind the response memo, as in the load benchmark, one
// request at a time with merging off: the gateway's own time and
// allocations per federated request.
//
//	go test -run '^$' -bench GatewayFederation -benchmem ./internal/loadbench/
func BenchmarkGatewayFederation(b *testing.B) {
	cs, err := SelectCases(Cases(), "federation")
	if err != nil {
		b.Fatal(err)
	}
	c := cs[0]
	urls := map[string]string{}
	for name, s := range SubgraphHandlers() {
		s.WrapGraphQL(func(h http.Handler) http.Handler { return NewMemo(h, MemoOptions{}) })
		srv := httptest.NewServer(s)
		b.Cleanup(srv.Close)
		urls[name] = srv.URL + fedbench.GraphQLPath
	}
	dir := b.TempDir()
	if err := WriteConfig(dir, c, Endpoints{Subgraphs: urls}, MergeOff); err != nil {
		b.Fatal(err)
	}
	snap, err := federationLoader().Load(context.Background(), virtualservices.Config{
		FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir,
		Env: func(string) (string, bool) { return "", false },
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	gw := virtualservices.NewServer(zerolog.Nop())
	b.Cleanup(gw.Close)
	gw.Swap(snap)
	srv := httptest.NewServer(gw)
	b.Cleanup(srv.Close)
	body, _ := json.Marshal(map[string]string{"query": c.Query})
	send := func() []byte {
		resp, err := http.Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	if err := SameAnswer(send(), c.Answer); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(c.Answer)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		send()
	}
}
