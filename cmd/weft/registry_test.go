package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/pgtest"
	"github.com/weft-gateway/weft/internal/registrytest"
	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
)

// startRegistry starts `weft registry serve args...` and returns once it
// listens; the process is killed at the end of the test if it still runs.
func startRegistry(t *testing.T, args ...string) *server {
	t.Helper()
	s := spawn(t, append([]string{"registry", "serve"}, args...)...)
	s.listening("Weft registry is listening on ")
	return s
}

// weftEnv runs weft with extra environment variables.
func weftEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := command(t, ctx, args...)
	cmd.Env = append(cmd.Env, env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(interface{ ExitCode() int })
		if !ok {
			t.Fatalf("weft %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// seededStore makes a SQLite store holding the pets config, one subject
// per resource, and returns its path.
func seededStore(t *testing.T) string {
	t.Helper()
	dir := writeFiles(t, petsConfig)
	db := filepath.Join(t.TempDir(), "registry.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.OpenSQLite(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	registrytest.Seed(t, ctx, st, dir)
	return db
}

// createToken creates a token with the CLI and returns its secret.
func createToken(t *testing.T, db, name string, scopes ...string) string {
	t.Helper()
	args := []string{"registry", "token", "create", "--store", db, "--name", name}
	for _, s := range scopes {
		args = append(args, "--scope", s)
	}
	r := weft(t, args...)
	secret := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(secret, store.SecretPrefix) || strings.Count(r.stdout, "\n") != 1 ||
		r.stderr != "token "+name+" created; keep its secret now: it is not shown again\n" {
		t.Fatalf("token create: %+v", r)
	}
	return secret
}

// specFile writes the pets spec with old replaced by new and returns its
// path.
func specFile(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(petsSpec, old) {
		t.Fatalf("the spec has no %q", old)
	}
	p := filepath.Join(t.TempDir(), "pets.json")
	if err := os.WriteFile(p, []byte(strings.Replace(petsSpec, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readStore opens the store in this process to look at it.
func readStore(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestRegistryCLI drives the registry's commands as processes: tokens made
// on the store, `weft registry serve`, and the client verbs against it.
func TestRegistryCLI(t *testing.T) {
	db := seededStore(t)
	ci := createToken(t, db, "ci-pets", "push:Upstream/pets", "read:*")
	reader := createToken(t, db, "dashboard", "read:*")
	reg := startRegistry(t, "--store", db, "--listen", "127.0.0.1:0")
	url := reg.base
	st := readStore(t, db)
	rev := func() int64 {
		t.Helper()
		r, err := st.Revision(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	safe := specFile(t, `"tag": {"type": "string"}`, `"tag": {"type": "string"}, "age": {"type": "integer"}`)
	breaking := specFile(t, `"tag": {"type": "string"}`, `"tag": {"type": "integer"}, "age": {"type": "integer"}`)

	t.Run("check", func(t *testing.T) {
		r := weft(t, "check", "--registry", url, "--token", ci, "--upstream", "pets", breaking)
		if r.code != 1 || !strings.Contains(r.stdout, "virtual service api: 2 change(s)\n  SAFE FIELD_ADDED Pet.age: Field Pet.age was added.\n  BREAKING FIELD_TYPE_CHANGED Pet.tag:") ||
			r.stderr != "Error: 1 breaking change(s); pass --allow-breaking to accept them\n" {
			t.Fatalf("online check of a breaking change: %+v", r)
		}
		r = weft(t, "check", "--registry", url, "--token", ci, "--upstream", "pets", safe)
		if r.code != 0 || !strings.Contains(r.stdout, "SAFE FIELD_ADDED Pet.age") || !strings.HasSuffix(r.stdout, "no breaking change\n") {
			t.Fatalf("online check of a safe change: %+v", r)
		}
		r = weft(t, "check", "--registry", url, "--token", ci, "--upstream", "pets", safe, "--format", "json")
		if r.code != 0 || !strings.Contains(r.stdout, `"subject": "Upstream/pets"`) || !strings.Contains(r.stdout, `"Coordinate": "Pet.age"`) {
			t.Fatalf("online check as JSON: %+v", r)
		}
		if rev() != 2 {
			t.Errorf("a check moved the revision")
		}
	})

	t.Run("push safe", func(t *testing.T) {
		r := weft(t, "push", "--registry", url, "--token", ci, "--upstream", "pets", safe, "-m", "pets have an age")
		if r.code != 0 || !strings.Contains(r.stdout, "SAFE FIELD_ADDED Pet.age") || !strings.HasSuffix(r.stdout, "pushed Upstream/pets version 2 (revision 3)\n") || r.stderr != "" {
			t.Fatalf("push: %+v", r)
		}
		if rev() != 3 {
			t.Errorf("revision = %d after the push; want 3", rev())
		}
		r = weft(t, "push", "--registry", url, "--token", ci, "--upstream", "pets", safe)
		if r.code != 0 || !strings.HasSuffix(r.stdout, "unchanged: Upstream/pets version 2 is active (revision 3)\n") {
			t.Fatalf("the same push again: %+v", r)
		}
	})

	t.Run("push breaking", func(t *testing.T) {
		r := weft(t, "push", "--registry", url, "--token", ci, "--upstream", "pets", breaking)
		if r.code != 1 || !strings.Contains(r.stdout, "BREAKING FIELD_TYPE_CHANGED Pet.tag") ||
			r.stderr != "Error: 1 breaking change(s) not approved: FIELD_TYPE_CHANGED Pet.tag in api; approve them with weft approve, or pass --allow-breaking\n" {
			t.Fatalf("breaking push: %+v", r)
		}
		if rev() != 3 {
			t.Errorf("a refused push moved the revision")
		}
		// Approved, the check passes and the push goes live; the token
		// and URL from the environment this time.
		env := []string{"WEFT_REGISTRY=" + url, "WEFT_TOKEN=" + ci}
		r = weftEnv(t, env, "approve", "Upstream/pets", "FIELD_TYPE_CHANGED", "Pet.tag", "-m", "no client reads tag")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "approved FIELD_TYPE_CHANGED Pet.tag for Upstream/pets (by ci-pets) until ") {
			t.Fatalf("approve: %+v", r)
		}
		r = weftEnv(t, env, "check", "--upstream", "pets", breaking)
		if r.code != 0 || !strings.Contains(r.stdout, "    approved by ci-pets: no client reads tag\n") || !strings.HasSuffix(r.stdout, "1 breaking change(s), each approved\n") {
			t.Fatalf("check of an approved change: %+v", r)
		}
		// With --config, the check is offline whatever $WEFT_REGISTRY says:
		// the approval is the registry's, so the change breaks.
		r = weftEnv(t, env, "check", "--config", writeFiles(t, petsConfig), "--upstream", "pets", breaking)
		if r.code != 1 || !strings.Contains(r.stdout, "BREAKING FIELD_TYPE_CHANGED Pet.tag") || strings.Contains(r.stdout, "approved") {
			t.Fatalf("offline check with $WEFT_REGISTRY set: %+v", r)
		}
		r = weftEnv(t, env, "push", "--upstream", "pets", breaking, "-m", "tag is a number")
		if r.code != 0 || !strings.HasSuffix(r.stdout, "pushed Upstream/pets version 3 (revision 4)\n") {
			t.Fatalf("approved push: %+v", r)
		}
	})

	t.Run("history diff rollback", func(t *testing.T) {
		r := weft(t, "history", "--registry", url, "--token", reader, "Upstream/pets")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[0], "VERSION  ACTIVE  TIME") ||
			!strings.HasPrefix(lines[1], "3        *       ") || !strings.HasSuffix(lines[1], "ci-pets  tag is a number") ||
			!strings.Contains(lines[3], "  seed  ") {
			t.Fatalf("history:\n%s\n%+v", r.stdout, r)
		}
		r = weft(t, "diff", "--registry", url, "--token", reader, "Upstream/pets", "1", "3")
		if r.code != 0 || !strings.Contains(r.stdout, "BREAKING FIELD_TYPE_CHANGED Pet.tag") || !strings.Contains(r.stdout, "SAFE FIELD_ADDED Pet.age") {
			t.Fatalf("diff 1 3: %+v", r)
		}
		r = weft(t, "rollback", "--registry", url, "--token", ci, "Upstream/pets", "-m", "tag broke the app")
		if r.code != 0 || !strings.Contains(r.stdout, "BREAKING FIELD_TYPE_CHANGED Pet.tag") || !strings.HasSuffix(r.stdout, "activated Upstream/pets version 2 (revision 5)\n") {
			t.Fatalf("rollback: %+v", r)
		}
		r = weft(t, "rollback", "--registry", url, "--token", ci, "Upstream/pets", "--to", "9")
		if r.code != 1 || r.stderr != "Error: Upstream/pets version 9: no version 9 of Upstream/pets: not found\n" {
			t.Fatalf("rollback to a version that does not exist: %+v", r)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			args   []string
			stderr string
			actor  string
		}{
			{"no token", []string{"push", "--registry", url, "--upstream", "pets", safe},
				"Error: a token is required: send it as Authorization: Bearer <token> (give the token with --token or $WEFT_TOKEN)\n", registry.Anonymous},
			{"wrong token", []string{"push", "--registry", url, "--token", ci + "x", "--upstream", "pets", safe},
				"Error: invalid token (give the token with --token or $WEFT_TOKEN)\n", registry.Anonymous},
			{"out of scope", []string{"push", "--registry", url, "--token", reader, "--upstream", "pets", safe},
				"Error: token dashboard may not push Upstream/pets (its scopes: read:*)\n", "dashboard"},
			{"rollback out of scope", []string{"rollback", "--registry", url, "--token", reader, "Upstream/pets"},
				"Error: token dashboard may not push Upstream/pets (its scopes: read:*)\n", "dashboard"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := weft(t, tt.args...)
				if r.code != 1 || r.stderr != tt.stderr || r.stdout != "" {
					t.Fatalf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, tt.stderr)
				}
				no := false
				log, err := st.AuditLog(t.Context(), store.AuditFilter{Allowed: &no, Limit: 1})
				if err != nil || len(log) != 1 || log[0].Actor != tt.actor || log[0].Subject != "Upstream/pets" {
					t.Errorf("audit = %+v, %v; want the refusal, by %q", log, err, tt.actor)
				}
			})
		}
		if rev() != 5 {
			t.Errorf("refusals moved the revision to %d", rev())
		}
		for _, tt := range []struct {
			args   []string
			stderr string
		}{
			{[]string{"push", "--token", ci, "--upstream", "pets", safe}, "Error: --registry is required (or $WEFT_REGISTRY): the registry's URL\n"},
			{[]string{"push", "--registry", url, "--upstream", "pets"}, "Error: --upstream pets needs the new source file as an argument\n"},
			{[]string{"push", "--registry", url, "--subject", "Upstream/pets"}, "Error: --subject Upstream/pets: give its files with --file PATH=FILE\n"},
			{[]string{"check", "--registry", url, "--config", ".", "--upstream", "pets", safe}, "Error: --config and --registry exclude each other"},
			{[]string{"diff", "--registry", url, "Upstream/pets", "1", "x"}, `Error: version "x": want a number from 1`},
			{[]string{"push", "--registry", "http://127.0.0.1:1", "--upstream", "pets", safe}, "Error: registry http://127.0.0.1:1/graphql: Post"},
		} {
			r := weft(t, tt.args...)
			if r.code != 1 || !strings.HasPrefix(r.stderr, tt.stderr) {
				t.Errorf("weft %s: exit %d, stderr %q; want 1 and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.stderr)
			}
		}
	})

	t.Run("push subject files", func(t *testing.T) {
		// The VirtualService's YAML, by its path relative to the subject.
		v, err := st.Version(t.Context(), "VirtualService/api", 1)
		if err != nil {
			t.Fatal(err)
		}
		var rel string
		for p := range v.Files {
			rel = strings.TrimPrefix(p, "VirtualService/api/")
		}
		p := filepath.Join(t.TempDir(), "vs.yaml")
		if err := os.WriteFile(p, []byte(strings.Replace(string(v.Files["VirtualService/api/"+rel]), `domains: ["*"]`, `domains: ["api.example"]`, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		admin := createToken(t, db, "admin", "admin:*")
		r := weft(t, "push", "--registry", url, "--token", admin, "--subject", "VirtualService/api", "--file", rel+"="+p)
		if r.code != 0 || !strings.Contains(r.stdout, "virtual service api: no change") || !strings.HasSuffix(r.stdout, "pushed VirtualService/api version 2 (revision 6)\n") {
			t.Fatalf("push of a subject's file: %+v", r)
		}
	})

	t.Run("tokens", func(t *testing.T) {
		r := weft(t, "registry", "token", "list", "--store", db)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[1], "ci-pets    push:Upstream/pets,read:*  ") || !strings.HasSuffix(lines[1], "  -") {
			t.Fatalf("token list:\n%s", r.stdout)
		}
		r = weft(t, "registry", "token", "revoke", "--store", db, "dashboard")
		if r.code != 0 || r.stdout != "token dashboard revoked\n" {
			t.Fatalf("token revoke: %+v", r)
		}
		if r := weft(t, "history", "--registry", url, "--token", reader, "Upstream/pets"); r.code != 1 || !strings.HasPrefix(r.stderr, "Error: invalid token") {
			t.Errorf("a revoked token still reads: %+v", r)
		}
		for _, tt := range []struct {
			args   []string
			stderr string
		}{
			{[]string{"registry", "token", "create", "--store", db, "--name", "x", "--scope", "push"}, `Error: --scope "push": want ACTION:SUBJECT`},
			{[]string{"registry", "token", "create", "--store", db, "--name", "x", "--scope", "own:*"}, `Error: create token: Scopes[0].Action: unknown action "own"`},
			{[]string{"registry", "token", "create", "--store", db, "--name", "ci-pets", "--scope", "read:*"}, `Error: create token: "ci-pets": token name in use`},
			{[]string{"registry", "token", "revoke", "--store", db, "nobody"}, `Error: revoke token: no live token "nobody": not found`},
			{[]string{"registry", "token", "list"}, "Error: --store is required"},
		} {
			r := weft(t, tt.args...)
			if r.code != 1 || !strings.HasPrefix(r.stderr, tt.stderr) {
				t.Errorf("weft %s: exit %d, stderr %q; want 1 and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.stderr)
			}
		}
		log, err := st.AuditLog(t.Context(), store.AuditFilter{Action: "token.revoke"})
		if err != nil || len(log) != 1 || !strings.HasPrefix(log[0].Actor, "local") || log[0].Reason != "token dashboard" {
			t.Errorf("audit of the revoke = %+v, %v", log, err)
		}
	})

	t.Run("playground and health", func(t *testing.T) {
		for path, want := range map[string]string{"/": "<title>Weft registry</title>", "/healthz": "ok"} {
			req, _ := http.NewRequest(http.MethodGet, url+path, nil)
			req.Header.Set("Accept", "text/html")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Errorf("GET %s = %d %.200s; want %q", path, resp.StatusCode, body, want)
			}
		}
	})

	reg.signal(syscall.SIGTERM)
	if code := reg.wait(30 * time.Second); code != 0 {
		t.Fatalf("registry exit status %d after SIGTERM\nstderr:\n%s", code, reg.stderr)
	}
}

// TestKillRegistryMidPush kills `weft registry serve` with SIGKILL in the
// middle of a push, after the new version is written and before it is
// active, on each store. The store is left as it was: the old version
// active, the revision where it was, no trace of the new version; a
// registry started again takes the same push.
func TestKillRegistryMidPush(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "registry.db")
			if kind == "postgres" {
				dsn = pgtest.Start(t).NewDatabase(t)
			}
			if r := weft(t, "registry", "import", "--config", writeFiles(t, petsConfig), "--store", dsn); r.code != 0 {
				t.Fatalf("import: %+v", r)
			}
			ci := createToken(t, dsn, "ci-pets", "push:Upstream/pets", "read:*")
			spec := specFile(t, `"tag": {"type": "string"}`, `"tag": {"type": "string"}, "age": {"type": "integer"}`)

			marker := filepath.Join(t.TempDir(), "hung")
			reg := spawnEnv(t, []string{hangPushEnv + "=" + marker}, "registry", "serve", "--store", dsn, "--listen", "127.0.0.1:0")
			reg.listening("Weft registry is listening on ")
			pusher := spawn(t, "push", "--registry", reg.base, "--token", ci, "--upstream", "pets", spec)
			deadline := time.Now().Add(time.Minute)
			for {
				b, err := os.ReadFile(marker)
				if err == nil && len(b) > 0 {
					if string(b) != "Upstream/pets 2\n" {
						t.Fatalf("the push hung at %q; want Upstream/pets 2", b)
					}
					break
				}
				select {
				case <-pusher.exited:
					t.Fatalf("the push ended before it hung: %v\nstdout:\n%s\nstderr:\n%s\nregistry:\n%s", pusher.state, pusher.stdout, pusher.stderr, reg.stderr)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("the push did not reach the hook in a minute; registry:\n%s", reg.stderr)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := reg.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			reg.wait(30 * time.Second)
			if code := pusher.wait(time.Minute); code != 1 || !strings.Contains(pusher.stderr.String(), "Error: ") {
				t.Errorf("push whose registry was killed: exit %d, stderr:\n%s", code, pusher.stderr)
			}

			reg = startRegistry(t, "--store", dsn, "--listen", "127.0.0.1:0")
			if r := weft(t, "history", "--registry", reg.base, "--token", ci, "Upstream/pets"); r.code != 0 ||
				strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, "\n1        *") {
				t.Fatalf("history after the kill: want only version 1, active: %+v", r)
			}
			if r := weft(t, "push", "--registry", reg.base, "--token", ci, "--upstream", "pets", spec); r.code != 0 ||
				!strings.HasSuffix(r.stdout, "pushed Upstream/pets version 2 (revision 2)\n") {
				t.Fatalf("the same push on a registry started again: %+v", r)
			}
		})
	}
}
