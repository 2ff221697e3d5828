package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// execute runs weft-bench with args until it returns or ctx ends.
func execute(ctx context.Context, args ...string) (string, error) {
	var out bytes.Buffer
	root := newRoot(&out, &out)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveUntilCancelled runs a serving subcommand, waits for addr to answer,
// and returns a function that stops it and reports its error.
func serveUntilCancelled(t *testing.T, addr string, args ...string) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := execute(ctx, args...)
		errc <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-errc:
			cancel()
			t.Fatalf("%s exited: %v", args[0], err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("%s not listening on %s", args[0], addr)
		}
	}
	return func() error { cancel(); return <-errc }
}

func post(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// upstreamAddrs are listen addresses for the upstream subcommand's four
// servers, free when taken, so that the tests never bind the flags'
// defaults, which a running demo or benchmark may hold.
type upstreamAddrs struct {
	catalog, reviews, inventory, shipping string
}

func freeUpstreamAddrs(t *testing.T) upstreamAddrs {
	return upstreamAddrs{freePort(t), freePort(t), freePort(t), freePort(t)}
}

// args are the upstream subcommand's listen flags.
func (a upstreamAddrs) args() []string {
	return []string{"--catalog-listen", a.catalog, "--reviews-listen", a.reviews,
		"--inventory-listen", a.inventory, "--shipping-listen", a.shipping}
}

// TestUpstreamAndProxy runs both serving subcommands: the upstream answers
// the benchmark catalog with its generated products, and the proxy in front
// of it answers the same bytes.
func TestUpstreamAndProxy(t *testing.T) {
	addrs, proxyAddr := freeUpstreamAddrs(t), freePort(t)
	catAddr, revAddr := addrs.catalog, addrs.reviews
	stopUp := serveUntilCancelled(t, catAddr, append([]string{"upstream", "--products", "7"}, addrs.args()...)...)
	stopProxy := serveUntilCancelled(t, proxyAddr, "proxy", "--target", "http://"+catAddr, "--listen", proxyAddr)
	c := &http.Client{Transport: &http.Transport{}}

	q := `{"query":"{ product(upc: \"12\") { upc name } }"}`
	status, direct := post(t, c, "http://"+catAddr+"/graphql", q)
	if status != 200 || !strings.Contains(direct, `"upc":"12"`) {
		t.Errorf("upstream: %d %s", status, direct)
	}
	status, proxied := post(t, c, "http://"+proxyAddr+"/graphql", q)
	if status != 200 || proxied != direct {
		t.Errorf("proxy: %d %s, want %s", status, proxied, direct)
	}
	resp, err := c.Get("http://" + revAddr + "/products/1/reviews")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("reviews: %d", resp.StatusCode)
	}
	// The gRPC inventory and the SOAP shipping service listen where
	// their flags say.
	for _, addr := range []string{addrs.inventory, addrs.shipping} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Errorf("nothing listens on %s: %v", addr, err)
			continue
		}
		conn.Close()
	}
	c.CloseIdleConnections()
	if err := stopProxy(); err != nil {
		t.Errorf("proxy: %v", err)
	}
	if err := stopUp(); err != nil {
		t.Errorf("upstream: %v", err)
	}
}

// TestUpstreamBusyPort: each server whose address is taken fails the
// subcommand with an error naming it, and leaves nothing running.
func TestUpstreamBusyPort(t *testing.T) {
	for _, name := range []string{"catalog", "reviews", "inventory", "shipping"} {
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			addrs := freeUpstreamAddrs(t)
			busy := ln.Addr().String()
			switch name {
			case "catalog":
				addrs.catalog = busy
			case "reviews":
				addrs.reviews = busy
			case "inventory":
				addrs.inventory = busy
			case "shipping":
				addrs.shipping = busy
			}
			_, err = execute(context.Background(), append([]string{"upstream"}, addrs.args()...)...)
			if err == nil || !strings.Contains(err.Error(), name+" upstream") || !strings.Contains(err.Error(), busy) {
				t.Errorf("upstream with %s on a busy port: %v", name, err)
			}
			goleak.VerifyNone(t)
		})
	}
}

func TestFlagErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, `required flag(s) "target"`},
		{[]string{"proxy", "--target", "ftp://x", "--listen", "127.0.0.1:0"}, "want an http or https URL"},
		{[]string{"upstream", "--products", "-1", "--catalog-listen", "127.0.0.1:0", "--reviews-listen", "127.0.0.1:0", "--inventory-listen", "", "--shipping-listen", ""}, "out of range"},
		{[]string{"run", "--weft", "/nonexistent/weft"}, "--weft"},
		{[]string{"run", "--weft", "/bin/true", "--wrk", "/nonexistent/wrk"}, "--wrk"},
		{[]string{"run", "--weft", "/bin/true", "--wrk", "/bin/true", "--cases", "tiny"}, "--cases"},
		{[]string{"run", "--weft", "/bin/true", "--wrk", "/bin/true", "--merge", "maybe"}, "--merge"},
		{[]string{"run", "--weft", "/bin/true", "--wrk", "/bin/true", "--duration", "1500ms"}, "whole seconds"},
		{[]string{"run", "--weft", "/bin/true", "--wrk", "/bin/true", "--threads", "4", "--connections", "2"}, "threads <= connections"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, err := execute(context.Background(), tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q; output:\n%s", err, tt.want, out)
			}
		})
	}
}
