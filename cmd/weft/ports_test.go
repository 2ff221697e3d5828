package main

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// everyUpstream touches each demo upstream: the product from the catalog,
// its reviews from the REST service, its stock over gRPC, a shipping quote
// over SOAP, its questions and its reviews' helpful votes from the qa
// subgraph (by the catalog's upc and the REST reviews' ids).
const everyUpstream = `{ product(upc: "1") { name reviews { rating helpfulVotes } stock { quantity } shippingQuote(zip: "10001") { cost } questions { text } } }`

// checkEveryUpstream asks a demo for everyUpstream and checks that each
// upstream answered: no errors, no fallback, every part present.
func checkEveryUpstream(t *testing.T, base string) {
	t.Helper()
	status, body := post(t, base+"/graphql", "", everyUpstream)
	var resp struct {
		Data struct {
			Product *struct {
				Name    string
				Reviews []struct {
					Rating       int
					HelpfulVotes *int
				}
				Stock     *struct{ Quantity int }
				Quote     *struct{ Cost int } `json:"shippingQuote"`
				Questions []struct{ Text string }
			}
		}
		Errors     []json.RawMessage
		Extensions map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatalf("%s: status %d, body %s: %v", base, status, body, err)
	}
	p := resp.Data.Product
	if status != 200 || len(resp.Errors) > 0 || resp.Extensions["fallbacks"] != nil || p == nil ||
		p.Name != "Table" || len(p.Reviews) != 2 || p.Reviews[0].HelpfulVotes == nil || p.Stock == nil || p.Quote == nil || p.Quote.Cost <= 0 ||
		len(p.Questions) != 2 || p.Questions[0].Text != "Does it extend to seat ten?" {
		t.Fatalf("%s: not every upstream answered: status %d\n%s", base, status, body)
	}
}

// demoAddr returns the address the banner printed for a demo upstream.
func (s *server) demoAddr(upstream string) string {
	s.t.Helper()
	line := s.waitFor(s.stdout, "  "+upstream+" ", time.Second)
	f := strings.Fields(line)
	if len(f) < 2 {
		s.t.Fatalf("banner line %q has no address", line)
	}
	addr := strings.TrimPrefix(f[1], "http://")
	if i := strings.IndexByte(addr, '/'); i >= 0 {
		addr = addr[:i]
	}
	return addr
}

// TestTwoDemos runs two demos side by side with only --listen set: their
// upstreams take free ports, and each demo answers a query that reaches
// all of its upstreams. The inventory address one prints is what
// `weft import grpc` takes, as the README's tour does.
func TestTwoDemos(t *testing.T) {
	a := startServe(t, "--listen", "127.0.0.1:0")
	b := startServe(t, "--listen", "127.0.0.1:0")
	for _, up := range []string{"catalog", "reviews", "inventory", "shipping", "qa"} {
		if x, y := a.demoAddr(up), b.demoAddr(up); x == y {
			t.Errorf("both demos run %s on %s", up, x)
		}
	}
	checkEveryUpstream(t, a.base)
	checkEveryUpstream(t, b.base)

	r := weft(t, "import", "grpc", "--name", "inventory", b.demoAddr("inventory"))
	if r.code != 0 || !strings.Contains(r.stdout, `method: "inventory.v1.Inventory/GetStocks"`) {
		t.Errorf("import grpc from the printed inventory address: %+v", r)
	}
	// validate and plan run beside them.
	if r := weft(t, "validate", "--demo-upstreams"); r.code != 0 {
		t.Errorf("validate --demo-upstreams beside two demos: %+v", r)
	}
	if r := weft(t, "plan", "--query", everyUpstream); r.code != 0 || !strings.Contains(r.stdout, "shipping (soap)") {
		t.Errorf("plan beside two demos: %+v", r)
	}
	for _, s := range []*server{a, b} {
		s.signal(syscall.SIGTERM)
		if code := s.wait(30 * time.Second); code != 0 {
			t.Errorf("exit status %d after SIGTERM\nstderr:\n%s", code, s.stderr)
		}
	}
}

// freeBase returns a port p such that p to p+4 are free on loopback now.
func freeBase(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		lns := []net.Listener{ln}
		for i := 1; i <= 4 && base+4 <= 65535; i++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+i)))
			if err != nil {
				break
			}
			lns = append(lns, l)
		}
		for _, l := range lns {
			_ = l.Close()
		}
		if len(lns) == 5 {
			return base
		}
	}
	t.Fatal("found no five free ports in a row")
	return 0
}

// TestFixedDemoPorts: --demo-base-port puts the demo upstreams on fixed
// ports; a second demo asking for the same ports fails with one message
// naming the address taken.
func TestFixedDemoPorts(t *testing.T) {
	base := freeBase(t)
	flag := strconv.Itoa(base)
	s := startServe(t, "--listen", "127.0.0.1:0", "--demo-base-port", flag)
	for i, up := range []string{"catalog", "reviews", "inventory", "shipping", "qa"} {
		want := net.JoinHostPort("127.0.0.1", strconv.Itoa(base+i))
		if got := s.demoAddr(up); got != want {
			t.Errorf("%s on %s, want %s", up, got, want)
		}
	}
	checkEveryUpstream(t, s.base)

	taken := net.JoinHostPort("127.0.0.1", flag)
	for _, args := range [][]string{
		{"serve", "--listen", "127.0.0.1:0", "--demo-base-port", flag},
		{"validate", "--demo-upstreams", "--demo-base-port", flag},
	} {
		r := weft(t, args...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("weft %s: exit status %d, stdout %q; want 1 and nothing", strings.Join(args, " "), r.code, r.stdout)
		}
		for _, want := range []string{"Error: --demo-base-port " + flag + ": ", "start catalog upstream on " + taken, "address already in use", "without --demo-base-port the demo upstreams take free ports"} {
			if n := strings.Count(r.stderr, want); n != 1 {
				t.Errorf("weft %s: stderr has %q %d times, want once:\n%s", strings.Join(args, " "), want, n, r.stderr)
			}
		}
	}
}

// TestListenTaken: an address in use for --listen or --admin-listen is one
// message naming it, before anything starts.
func TestListenTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	for _, tt := range []struct {
		flag string
		args []string
	}{
		{"--listen", []string{"serve", "--listen", taken}},
		{"--admin-listen", []string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", taken}},
	} {
		r := weft(t, tt.args...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("%s taken: exit status %d, stdout %q; want 1 and nothing", tt.flag, r.code, r.stdout)
		}
		if n := strings.Count(r.stderr, "Error: "+tt.flag+" "+taken+": listen tcp "+taken+": bind: address already in use (another process listens there; choose another address with "+tt.flag+")\n"); n != 1 {
			t.Errorf("%s taken: the message is there %d times, want once:\n%s", tt.flag, n, r.stderr)
		}
		// Nothing started, so nothing else was said.
		if strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s taken: stderr holds more than the error:\n%s", tt.flag, r.stderr)
		}
	}
}
