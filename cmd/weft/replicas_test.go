package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/pgtest"
	"github.com/weft-gateway/weft/internal/redistest"
)

// TestReplicasFollowTheStore runs three gateways on one PostgreSQL store,
// each as its own process: a config imported into the store is served by
// all three, and a change imported later reaches every one within five
// seconds (LISTEN/NOTIFY; each swaps its snapshot as a file reload does).
func TestReplicasFollowTheStore(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	dir := writeFiles(t, petsConfig)
	if r := weft(t, "registry", "import", "--config", dir, "--store", dsn); r.code != 0 ||
		r.stdout != "Upstream/pets: version 1 (revision 1)\nVirtualService/api: version 1 (revision 1)\n" {
		t.Fatalf("import: %+v", r)
	}
	const petFields = `{ __type(name: "Pet") { fields { name } } }`
	var replicas []*server
	for range 3 {
		s := startServe(t, "--store", dsn, "--listen", "127.0.0.1:0")
		if code, body := post(t, s.base+"/graphql", "", petFields); code != 200 || !strings.Contains(body, `"tag"`) || strings.Contains(body, `"age"`) {
			t.Fatalf("a replica serves %d %s", code, body)
		}
		replicas = append(replicas, s)
	}

	spec := strings.Replace(petsSpec, `"tag": {"type": "string"}`, `"tag": {"type": "string"}, "age": {"type": "integer"}`, 1)
	if err := os.WriteFile(filepath.Join(dir, "specs/pets.json"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := weft(t, "registry", "import", "--config", dir, "--store", dsn); r.code != 0 ||
		r.stdout != "Upstream/pets: version 2 (revision 2)\nVirtualService/api: unchanged (version 1)\n" {
		t.Fatalf("second import: %+v", r)
	}
	imported := time.Now()
	for i, s := range replicas {
		for {
			_, body := post(t, s.base+"/graphql", "", petFields)
			if strings.Contains(body, `"age"`) {
				break
			}
			if time.Since(imported) > 5*time.Second {
				t.Fatalf("replica %d still serves the old config 5 s after the import: %s\nits log:\n%s", i, body, s.stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("every replica served the new config %v after the import", time.Since(imported).Round(time.Millisecond))
}

// TestServeFromAnEmptyStore: a gateway told to serve a store that holds
// nothing says how to fill it, and exits 1. With --registry too: only the
// embedded store is ever given the demo, never a store named by --store.
func TestServeFromAnEmptyStore(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--listen", "127.0.0.1:0"},
		{"serve", "--registry", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"},
	} {
		db := filepath.Join(t.TempDir(), "registry.db")
		r := weft(t, append(args, "--store", db)...)
		want := "Error: the store " + db + " holds no config yet: put one there with weft registry import --config DIR --store " + db +
			", or seed it with weft serve --registry --config DIR\n"
		if r.code != 1 || !strings.HasSuffix(r.stderr, want) {
			t.Fatalf("%v: exit %d, stderr:\n%s\nwant it to end:\n%s", args, r.code, r.stderr, want)
		}
	}
}

// TestRegistryOnEveryReplica runs three gateways as `weft serve --registry`
// on one PostgreSQL store and one Redis, as the README's replica set-up
// does. Started together on an empty store, they seed it once. A push
// through one replica's API is served by all three within five seconds; a
// breaking push through another is refused with its report and changes
// nothing; a rollback through the third goes live on all three.
func TestRegistryOnEveryReplica(t *testing.T) {
	dsn := pgtest.Start(t).NewDatabase(t)
	rdb := redistest.Start(t)
	dir := writeFiles(t, petsConfig)
	ci := createToken(t, dsn, "ci-pets", "push:Upstream/pets")

	var replicas []*server
	for range 3 {
		replicas = append(replicas, spawn(t, "serve", "--registry", "--store", dsn, "--redis", rdb.URL(), "--config", dir,
			"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"))
	}
	apis := make([]string, len(replicas))
	for i, s := range replicas {
		s.listening("Weft is listening on ")
		line := s.waitFor(s.stdout, "Registry API: ", time.Minute)
		apis[i] = strings.Fields(strings.TrimPrefix(line, "Registry API: "))[0]
		s.waitFor(s.stderr, "shared stale values in Redis", time.Minute)
	}
	// One seeded the store; the others found it seeded.
	seeds := 0
	for _, s := range replicas {
		seeds += strings.Count(s.stderr.String(), "seeded it")
	}
	if h := weft(t, "history", "--registry", apis[0], "--token", ci, "Upstream/pets"); seeds != 1 || h.code != 0 || strings.Count(h.stdout, "\n") != 2 {
		t.Fatalf("%d replicas seeded the store; history:\n%+v", seeds, h)
	}

	const petType = `{ __type(name: "Pet") { fields { name type { name } } } }`
	// served waits until every replica's Pet type holds want, failing past
	// 5 s.
	served := func(want string, since time.Time) {
		t.Helper()
		for i, s := range replicas {
			for {
				_, body := post(t, s.base+"/graphql", "", petType)
				if strings.Contains(body, want) {
					break
				}
				if time.Since(since) > 5*time.Second {
					t.Fatalf("replica %d does not serve %s 5 s after the change: %s\nits log:\n%s", i, want, body, s.stderr)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		t.Logf("every replica serves %s %v after the change", want, time.Since(since).Round(time.Millisecond))
	}
	served(`{"name":"tag","type":{"name":"String"}}`, time.Now())

	push := func(api, old, new string) result {
		t.Helper()
		return weft(t, "push", "--registry", api, "--token", ci, "--upstream", "pets", specFile(t, old, new))
	}
	if r := push(apis[0], `"tag": {"type": "string"}`, `"tag": {"type": "string"}, "age": {"type": "integer"}`); r.code != 0 ||
		!strings.HasSuffix(r.stdout, "pushed Upstream/pets version 2 (revision 2)\n") {
		t.Fatalf("safe push through replica 0: %+v", r)
	}
	served(`{"name":"age","type":{"name":"Int"}}`, time.Now())

	// A breaking push is refused with its report, and nothing changes.
	r := push(apis[1], `"tag": {"type": "string"}`, `"tag": {"type": "integer"}, "age": {"type": "integer"}`)
	if r.code != 1 || !strings.Contains(r.stdout, "BREAKING FIELD_TYPE_CHANGED Pet.tag") || !strings.Contains(r.stderr, "not approved: FIELD_TYPE_CHANGED Pet.tag in api") {
		t.Fatalf("breaking push through replica 1: %+v", r)
	}
	time.Sleep(time.Second) // longer than a replica takes to follow
	served(`{"name":"tag","type":{"name":"String"}}`, time.Now())

	if r := weft(t, "rollback", "--registry", apis[2], "--token", ci, "Upstream/pets"); r.code != 0 ||
		!strings.HasSuffix(r.stdout, "activated Upstream/pets version 1 (revision 3)\n") {
		t.Fatalf("rollback through replica 2: %+v", r)
	}
	start := time.Now()
	for i, s := range replicas {
		for {
			_, body := post(t, s.base+"/graphql", "", petType)
			if !strings.Contains(body, `"age"`) && strings.Contains(body, `"tag"`) {
				break
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("replica %d still serves age 5 s after the rollback: %s", i, body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
