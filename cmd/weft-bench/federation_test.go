package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/accounts"
	"github.com/weft-gateway/weft/internal/fedbench/inventory"
	"github.com/weft-gateway/weft/internal/fedbench/products"
	"github.com/weft-gateway/weft/internal/fedbench/reviews"
)

func subgraphArgs(addrs map[string]string) []string {
	var args []string
	for name, addr := range addrs {
		args = append(args, "--subgraph-"+name+"-listen", addr)
	}
	return args
}

// TestUpstreamSubgraphs: with their flags, the upstream subcommand serves
// the four federation subgraphs, each at its own address, answering its
// SDL and its request count.
func TestUpstreamSubgraphs(t *testing.T) {
	addrs := freeUpstreamAddrs(t)
	subs := map[string]string{"accounts": freePort(t), "inventory": freePort(t), "products": freePort(t), "reviews": freePort(t)}
	args := append(append([]string{"upstream"}, addrs.args()...), subgraphArgs(subs)...)
	stop := serveUntilCancelled(t, subs["reviews"], args...)
	c := &http.Client{Transport: &http.Transport{}}

	sdls := map[string]string{"accounts": accounts.SDL(), "inventory": inventory.SDL(), "products": products.SDL(), "reviews": reviews.SDL()}
	for name, addr := range subs {
		url := "http://" + addr + fedbench.GraphQLPath
		status, body := post(t, c, url, `{"query":"{ _service { sdl } }"}`)
		if status != http.StatusOK || !strings.Contains(body, `"sdl":`) || !strings.Contains(body, firstLine(sdls[name])) {
			t.Errorf("%s at %s: %d %s", name, addr, status, body)
		}
		st, err := fedbench.ReadStats(context.Background(), c, url)
		if err != nil || st.Requests != 1 {
			t.Errorf("%s stats: %+v, %v; want 1 request", name, st, err)
		}
	}
	// The demo upstreams are served as ever beside them.
	if status, body := post(t, c, "http://"+addrs.catalog+"/graphql", `{"query":"{ product(upc: \"1\") { upc } }"}`); status != http.StatusOK {
		t.Errorf("catalog: %d %s", status, body)
	}
	c.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Errorf("upstream: %v", err)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestUpstreamSubgraphBusyPort: a subgraph whose address is taken fails the
// subcommand with an error naming it, and leaves nothing running.
func TestUpstreamSubgraphBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	args := append(append([]string{"upstream"}, freeUpstreamAddrs(t).args()...),
		"--subgraph-accounts-listen", freePort(t), "--subgraph-inventory-listen", busy)
	_, err = execute(context.Background(), args...)
	if err == nil || !strings.Contains(err.Error(), "subgraph inventory upstream") || !strings.Contains(err.Error(), busy) {
		t.Errorf("upstream with the inventory subgraph on a busy port: %v", err)
	}
	goleak.VerifyNone(t)
}
