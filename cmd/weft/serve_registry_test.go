package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// demoFile returns the embedded demo's config file name with old replaced
// by new, written to a temporary file.
func demoFile(t *testing.T, name, old, new string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "demo", "config", name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServeRegistryDemo follows the README's registry step: the demo with
// --registry and no --store seeds an embedded store in the user's state
// directory; the check refuses a catalog SDL the VirtualServices cannot
// build on, and a VirtualService change that removes a field an operation
// used, naming the operation; an allowed change goes live and rolls back;
// a restart keeps what was pushed.
func TestServeRegistryDemo(t *testing.T) {
	state := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + state}
	args := []string{"serve", "--registry", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--usage-flush", "50ms"}
	s := spawnEnv(t, env, args...)
	s.listening("Weft is listening on ")
	db := filepath.Join(state, "weft", "registry.db")
	line := s.waitFor(s.stdout, "Registry API: ", time.Minute)
	api, ok := strings.CutSuffix(strings.TrimPrefix(line, "Registry API: "), " (store "+db+")")
	if !ok || !strings.HasSuffix(api, "/registry/graphql") {
		t.Fatalf("banner line %q: want the API's URL and the store %s", line, db)
	}
	const weights = `query Weights { products { name weight } }`
	if code, body := post(t, s.base+"/graphql", "", weights); code != 200 || !strings.Contains(body, `"weight":25000`) {
		t.Fatalf("demo query: %d %s", code, body)
	}
	tok := createToken(t, db, "me", "push:*")
	push := func(args ...string) result {
		t.Helper()
		return weft(t, append([]string{"push", "--registry", api, "--token", tok}, args...)...)
	}

	// The catalog without price: both VirtualServices bind Product.price.
	r := push("--upstream", "catalog", demoFile(t, "catalog.graphql", "  \"Price in cents.\"\n  price: Int!\n", ""))
	if r.code != 1 || !strings.Contains(r.stderr, "the config does not build with the change to Upstream/catalog") ||
		!strings.Contains(r.stderr, `VirtualService/shop/shop.graphql:31:3: Product.price: has no binding, and upstream "catalog"'s type Product has no field "price"`) {
		t.Fatalf("push of a catalog without price: %+v", r)
	}

	// The shop without weight, which Weights read.
	noWeight := demoFile(t, "shop.graphql", "  \"Shipping weight in grams, when known.\"\n  weight: Int\n", "")
	var last result
	deadline := time.Now().Add(30 * time.Second)
	for {
		last = push("--subject", "VirtualService/shop", "--file", "shop.graphql="+noWeight)
		if strings.Contains(last.stdout, "used by operation Weights (") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // the gateway's next flush
	}
	if last.code != 1 || !strings.Contains(last.stdout, "BREAKING FIELD_REMOVED Product.weight") ||
		!strings.Contains(last.stdout, "): 1 run(s)") || !strings.Contains(last.stderr, "not approved: FIELD_REMOVED Product.weight in shop") {
		t.Fatalf("push of a shop without weight: %+v", last)
	}
	if code, body := post(t, s.base+"/graphql", "", weights); code != 200 || !strings.Contains(body, `"weight":25000`) {
		t.Fatalf("after the refused pushes: %d %s", code, body)
	}

	// Allowed, it goes live; rolled back, weight is back.
	if r := push("--subject", "VirtualService/shop", "--file", "shop.graphql="+noWeight, "--allow-breaking"); r.code != 0 {
		t.Fatalf("allowed push: %+v", r)
	}
	waitBody(t, s.base+"/graphql", weights, `Cannot query field \"weight\" on type \"Product\"`)
	if r := weft(t, "rollback", "--registry", api, "--token", tok, "VirtualService/shop"); r.code != 0 {
		t.Fatalf("rollback: %+v", r)
	}
	waitBody(t, s.base+"/graphql", weights, `"weight":25000`)
	if r := push("--subject", "VirtualService/shop", "--file", "shop.graphql="+noWeight, "--allow-breaking"); r.code != 0 {
		t.Fatalf("allowed push: %+v", r)
	}

	// A restart serves what was pushed, not the demo as embedded, and
	// says that a --config it was given is not served.
	s.signal(os.Interrupt)
	if code := s.wait(time.Minute); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, s.stderr)
	}
	s = spawnEnv(t, env, append(args, "--config", filepath.Join("..", "..", "internal", "demo", "config"), "--demo-upstreams")...)
	s.listening("Weft is listening on ")
	s.waitFor(s.stderr, "--config is not served: the registry's store holds a config already", time.Minute)
	waitBody(t, s.base+"/graphql", weights, `Cannot query field \"weight\" on type \"Product\"`)
	if strings.Contains(s.stderr.String(), "seeded it") {
		t.Errorf("the restart seeded the store again:\n%s", s.stderr)
	}
}

// waitBody posts query to url until the answer holds want, for at most 5
// s.
func waitBody(t *testing.T, url, query, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := post(t, url, "", query)
		if strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer %s with %s within 5 s: %s", url, query, want, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
