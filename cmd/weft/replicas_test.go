package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/pgtest"
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
		r.stdout != "Upstream/pets: version 1 (revision 1)\nVirtualService/api: version 1 (revision 2)\n" {
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
		r.stdout != "Upstream/pets: version 2 (revision 3)\nVirtualService/api: unchanged (version 1)\n" {
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
// nothing says how to fill it, and exits 1.
func TestServeFromAnEmptyStore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "registry.db")
	r := weft(t, "serve", "--store", db, "--listen", "127.0.0.1:0")
	want := "Error: the store " + db + " holds no config yet: put one there with weft registry import --config DIR --store " + db + "\n"
	if r.code != 1 || r.stderr != want {
		t.Fatalf("exit %d, stderr:\n%s\nwant:\n%s", r.code, r.stderr, want)
	}
}
