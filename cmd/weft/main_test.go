package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary run main instead of the tests, so that
// tests drive the CLI as the process a user runs.
const runMainEnv = "WEFT_CLI_TEST_RUN_MAIN"

// hangPushEnv, set to a file's path in a weft process's environment, makes
// its store hang in the middle of every push, once the new version is
// written and before it is active, after creating the file: the moment a
// test kills the process at.
const hangPushEnv = "WEFT_CLI_TEST_HANG_PUSH"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		if marker := os.Getenv(hangPushEnv); marker != "" {
			storeHooks.AfterVersionInsert = func(subject string, version int) {
				_ = os.WriteFile(marker, []byte(fmt.Sprintf("%s %d\n", subject, version)), 0o644)
				select {} // until killed
			}
		}
		main() // exits
	}
	os.Exit(m.Run())
}

// result is what a finished weft process left.
type result struct {
	stdout, stderr string
	code           int
}

// command returns the weft process for args. The environment is the
// test's minus WEFT_ variables (a Redis URL, the demo's upstream URLs), so
// each test says what the process sees.
func command(t *testing.T, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WEFT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, runMainEnv+"=1")
	return cmd
}

// weft runs the weft process to its end.
func weft(t *testing.T, args ...string) result {
	t.Helper()
	// A bound to catch a hang, not a speed target.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := command(t, ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("weft %s did not finish in time\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), &out, &errb)
	}
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("weft %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// syncBuffer is a buffer a process writes while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running `weft serve` process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string // http://host:port
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{} // closed once the process has ended
	state  *os.ProcessState
}

// startServe starts `weft serve args...` and returns once it listens. The
// process is killed at the end of the test if it still runs.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	s := spawn(t, append([]string{"serve"}, args...)...)
	s.listening("Weft is listening on ")
	return s
}

// spawn starts `weft args...` and returns at once; the process is killed
// at the end of the test if it still runs.
func spawn(t *testing.T, args ...string) *server {
	t.Helper()
	return spawnEnv(t, nil, args...)
}

// spawnEnv is spawn with extra environment variables.
func spawnEnv(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	cmd := command(t, context.Background(), args...)
	cmd.Env = append(cmd.Env, env...)
	s := &server{t: t, cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		s.state = cmd.ProcessState
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
	})
	return s
}

// listening waits for the stdout line that starts with banner and sets
// s.base to the URL after it.
func (s *server) listening(banner string) {
	s.t.Helper()
	line := s.waitFor(s.stdout, banner, time.Minute)
	s.base = strings.TrimSpace(strings.TrimPrefix(line, banner))
}

// waitFor returns the first line of the stream holding want, failing the
// test if the process ends first or the time runs out.
func (s *server) waitFor(stream *syncBuffer, want string, d time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, line := range strings.Split(stream.String(), "\n") {
			if strings.Contains(line, want) {
				return line
			}
		}
		select {
		case <-s.exited:
			s.t.Fatalf("weft serve ended (%v) before printing %q\nstdout:\n%s\nstderr:\n%s", s.state, want, s.stdout, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("weft serve did not print %q in %s\nstdout:\n%s\nstderr:\n%s", want, d, s.stdout, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signal sends the process sig.
func (s *server) signal(sig os.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

// wait returns the exit status once the process has ended, failing the
// test if that takes longer than d.
func (s *server) wait(d time.Duration) int {
	s.t.Helper()
	select {
	case <-s.exited:
		return s.state.ExitCode()
	case <-time.After(d):
		s.t.Fatalf("weft serve still runs after %s\nstderr:\n%s", d, s.stderr)
		return -1
	}
}

// post sends a GraphQL query and returns the status and body.
func post(t *testing.T, url, host, query string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":`+quote(query)+`}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeFiles writes name → content into a fresh directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestValidateDemo(t *testing.T) {
	r := weft(t, "validate")
	if r.code != 0 || !strings.Contains(r.stdout, "config is valid") || r.stderr != "" {
		t.Fatalf("validate of the demo: %+v", r)
	}
	// The demo's folder on disk is the same config.
	r = weft(t, "validate", "--config", "../../internal/demo/config")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("validate --config internal/demo/config: %+v", r)
	}
	// With its upstreams running, on free ports.
	r = weft(t, "validate", "--demo-upstreams")
	if r.code != 0 || !strings.Contains(r.stdout, "config is valid") || r.stderr != "" {
		t.Fatalf("validate --demo-upstreams: %+v", r)
	}
}

// badConfig has three errors: two in the SDL, one in the YAML.
var badConfig = map[string]string{
	"weft.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews}
spec:
  rest: {baseURL: "http://127.0.0.1:1"}
  retries: 3
---
apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {file: api.graphql}
`,
	"api.graphql": "type Query {\n  a: String @rest(upstream: \"nope\", path: \"/a\")\n  b: String\n}\n",
}

func TestValidateReportsEveryError(t *testing.T) {
	dir := writeFiles(t, badConfig)
	r := weft(t, "validate", "--config", dir)
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("exit code %d, want 1, and nothing on stdout: %+v", r.code, r)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 4 || lines[0] != "Error: config "+dir+" has 3 errors:" {
		t.Fatalf("want a heading and 3 errors, one per line:\n%s", r.stderr)
	}
	for _, want := range []string{
		filepath.Join(dir, "api.graphql") + ":2:",
		filepath.Join(dir, "api.graphql") + ":3:",
		filepath.Join(dir, "weft.yaml") + ":6:",
	} {
		if n := strings.Count(r.stderr, want); n != 1 {
			t.Errorf("stderr has %q %d times, want once:\n%s", want, n, r.stderr)
		}
	}
}

func TestPlanCommand(t *testing.T) {
	r := weft(t, "plan", "--query", `{ products { name reviews { rating } } }`)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, want := range []string{"Fetch #0 catalog (graphql)", "query{products{name upc}}", "Fetch #1 reviews (rest) at products[]", "GET /products/{parent.upc}/reviews"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	r = weft(t, "plan", "--host", "mobile.localhost", "--json", "--query", `{ products { rating { count } } }`)
	if r.code != 0 || !strings.Contains(r.stdout, `"request":"GET /products/{parent.upc}/reviews/summary"`) {
		t.Fatalf("mobile plan: %+v", r)
	}
}

// TestServe runs `weft serve` on a free port, queries it, and stops it
// with SIGTERM.
func TestServe(t *testing.T) {
	dir := writeFiles(t, map[string]string{"weft.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: echo}
spec:
  rest: {baseURL: "http://127.0.0.1:1"}
---
apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{exact: /ping}]
        directResponse: {status: 200, body: pong}
      - matchers: [{prefix: /graphql}]
        graphql:
          schema:
            inline: "type Query { x: String @rest(upstream: \"echo\", path: \"/x\") }"
`})
	s := startServe(t, "--config", dir, "--listen", "127.0.0.1:0")
	resp, err := http.Get(s.base + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "pong" {
		t.Fatalf("GET /ping = %q", body)
	}
	if _, body := post(t, s.base+"/graphql", "", "{ x }"); !strings.Contains(body, `"UPSTREAM_UNAVAILABLE"`) {
		t.Fatalf("query against a dead upstream: %s", body)
	}
	s.signal(syscall.SIGTERM)
	if code := s.wait(30 * time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM\nstderr:\n%s", code, s.stderr)
	}
	if strings.Contains(s.stderr.String(), "Error:") {
		t.Errorf("a clean stop printed an error:\n%s", s.stderr)
	}
}
