package virtualservices_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// get answers status, Content-Type and body of GET url.
func get(t *testing.T, c *http.Client, url string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// warnings returns the messages of the warn-level log lines.
func warnings(t *testing.T, logs string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var ev struct{ Level, Message string }
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if ev.Level == "warn" {
			out = append(out, ev.Message)
		}
	}
	return out
}

// A config without a VirtualService loads, with a warning, and the server
// is not ready on it: it would answer every request with 404. It is ready
// once a VirtualService is served, and not ready again when the last one
// goes.
func TestReadyzWantsAVirtualService(t *testing.T) {
	const sdl = `type Query { r: String @rest(upstream: "reviews", path: "/r") }`
	const notReady = "not ready: the config has no VirtualService, so every request would get 404\n"
	dir := t.TempDir()
	logs := &logBuffer{}
	log := zerolog.New(logs)
	srv := virtualservices.NewServer(log)
	defer srv.Close()
	rl := &virtualservices.Reloader{
		Loader: &virtualservices.Loader{Kinds: kinds(), Log: log}, Server: srv,
		Config: virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg", OSDir: dir},
		Dir:    dir, Log: log,
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c := hs.Client()

	status, _, body := get(t, c, hs.URL+"/readyz")
	if status != http.StatusServiceUnavailable || body != "no config loaded\n" {
		t.Errorf("before any load: /readyz = %d %q", status, body)
	}

	steps := []struct {
		name  string
		files map[string]string // written before the reload; "" removes
		ready bool
	}{
		{"empty directory", nil, false},
		{"upstreams only", map[string]string{"upstreams.yaml": restUpstream}, false},
		{"a VirtualService", map[string]string{"api.yaml": vsYAML(sdl)}, true},
		{"the VirtualService removed", map[string]string{"api.yaml": ""}, false},
	}
	for _, st := range steps {
		for name, content := range st.files {
			p := filepath.Join(dir, name)
			if content == "" {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				continue
			}
			writeFile(t, p, content)
		}
		before := len(warnings(t, logs.String()))
		if err := rl.Reload(context.Background()); err != nil {
			t.Fatalf("%s: the config does not load: %v", st.name, err)
		}
		snap := srv.Snapshot()
		status, ctype, body := get(t, c, hs.URL+"/readyz")
		newWarnings := warnings(t, logs.String())[before:]
		if st.ready {
			if status != http.StatusOK || body != "ok\n" {
				t.Errorf("%s: /readyz = %d %q, want 200 ok", st.name, status, body)
			}
			if len(newWarnings) != 0 || len(snap.Warnings()) != 0 {
				t.Errorf("%s: warnings %v, snapshot warnings %v", st.name, newWarnings, snap.Warnings())
			}
			continue
		}
		const warning = "no VirtualService in cfg: every request will get 404"
		if status != http.StatusServiceUnavailable || body != notReady || ctype != "text/plain; charset=utf-8" {
			t.Errorf("%s: /readyz = %d %s %q, want 503 %q", st.name, status, ctype, body, notReady)
		}
		if len(newWarnings) != 1 || newWarnings[0] != warning {
			t.Errorf("%s: load logged warnings %q, want %q", st.name, newWarnings, warning)
		}
		if w := snap.Warnings(); len(w) != 1 || w[0] != warning {
			t.Errorf("%s: snapshot warnings %q, want %q", st.name, w, warning)
		}
		// What the warning says: every request is a 404.
		if status, _, _ := get(t, c, hs.URL+"/graphql"); status != http.StatusNotFound {
			t.Errorf("%s: /graphql = %d, want 404", st.name, status)
		}
	}
}
