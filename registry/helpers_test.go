package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/pgtest"
	"github.com/weft-gateway/weft/internal/registrytest"
	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
)

// backends runs fn once per kind of database, each as a subtest given a
// maker of fresh stores (opened with opts and the test's log). PostgreSQL's
// subtest skips without a server (unless WEFT_REQUIRE_POSTGRES=1).
func backends(t *testing.T, fn func(t *testing.T, newStore func(t testing.TB, opts store.Options) *store.Store)) {
	open := func(t testing.TB, s *store.Store, err error) *store.Store {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t testing.TB, opts store.Options) *store.Store {
			opts.Log = testLog(t)
			s, err := store.OpenSQLite(ctx(t), filepath.Join(t.TempDir(), "registry.db"), opts)
			return open(t, s, err)
		})
	})
	t.Run("postgres", func(t *testing.T) {
		srv := pgtest.Start(t)
		fn(t, func(t testing.TB, opts store.Options) *store.Store {
			opts.Log = testLog(t)
			s, err := store.OpenPostgres(ctx(t), srv.NewDatabase(t), opts)
			return open(t, s, err)
		})
	})
}

func testLog(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)
}

// ctx returns a context for one test step, bounded so a hang fails the
// test instead of stalling it.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// newFixture returns a Service over a store seeded with the pets config,
// and a token of each kind: admin on everything, push on the pets
// upstream and read on everything, check only, read only.
type fixture struct {
	st                        *store.Store
	svc                       *registry.Service
	admin, pusher, checker    string
	reader, revoked, stranger string
}

func newFixture(t testing.TB, st *store.Store) *fixture {
	t.Helper()
	registrytest.Seed(t, ctx(t), st, "testdata/pets")
	f := &fixture{st: st, svc: registry.NewService(st, registrytest.Builder{}, registry.ServiceOptions{Log: testLog(t)})}
	t.Cleanup(f.svc.Close)
	mk := func(name string, scopes ...string) string {
		var sc []store.Scope
		for _, s := range scopes {
			a, subj, _ := strings.Cut(s, ":")
			sc = append(sc, store.Scope{Action: store.Action(a), Subject: subj})
		}
		secret, err := st.CreateToken(ctx(t), store.TokenSpec{Name: name, Scopes: sc})
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	f.admin = mk("admin", "admin:*")
	f.pusher = mk("ci-pets", "push:Upstream/pets", "read:*")
	f.checker = mk("pr-bot", "check:Upstream/pets")
	f.reader = mk("dashboard", "read:Upstream/pets")
	f.revoked = mk("old", "admin:*")
	if err := st.RevokeToken(ctx(t), "old"); err != nil {
		t.Fatal(err)
	}
	// Well formed, never issued.
	f.stranger = store.SecretPrefix + strings.Repeat("A", len(f.admin)-len(store.SecretPrefix))
	return f
}

// petsSpec returns the pets OpenAPI document with old replaced by new.
func petsSpec(t testing.TB, old, new string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/pets/specs/pets.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("the spec has no %q", old)
	}
	return []byte(strings.Replace(string(b), old, new, 1))
}

const tagString = `"tag": {"type": "string"}`
