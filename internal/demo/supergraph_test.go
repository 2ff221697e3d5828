package demo_test

import (
	"io/fs"
	"testing"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/demo/qa"
	"github.com/weft-gateway/weft/schema/compose"
)

// TestSupergraphIsComposed checks that the demo config's supergraph is
// what composition makes of the qa subgraph's schema today, at the
// default address: edit the schema, and this fails until the file is
// composed again (the command is in upstreams.yaml and the README).
func TestSupergraphIsComposed(t *testing.T) {
	got, err := fs.ReadFile(demo.Config(), "supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	res, err := compose.Compose([]compose.Subgraph{{Name: qa.Name, URL: "http://" + demo.DefaultQAAddr + demo.QAPath, SDL: qa.SDL()}})
	if err != nil {
		t.Fatalf("the qa subgraph does not compose: %v", err)
	}
	if string(got) != res.Supergraph {
		t.Errorf("internal/demo/config/supergraph.graphql differs from a fresh composition; run\n"+
			"  go run ./cmd/weft compose --url qa=http://%s%s qa=internal/demo/qa/schema.graphqls -o internal/demo/config/supergraph.graphql\n"+
			"--- want\n%s", demo.DefaultQAAddr, demo.QAPath, res.Supergraph)
	}
	for _, h := range res.Hints {
		t.Logf("hint: %v", h)
	}
}
