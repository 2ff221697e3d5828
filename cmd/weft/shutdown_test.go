package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slowUpstream is a REST upstream whose answers wait for release (or for
// the caller to go away): a request to it is in flight for as long as a
// test wants.
type slowUpstream struct {
	srv     *httptest.Server
	arrived chan struct{} // one value per request received
	gone    chan struct{} // one value per request its caller cancelled
	release chan struct{} // closed to let every request answer
}

func newSlowUpstream(t *testing.T) *slowUpstream {
	t.Helper()
	u := &slowUpstream{arrived: make(chan struct{}, 16), gone: make(chan struct{}, 16), release: make(chan struct{})}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.arrived <- struct{}{}
		select {
		case <-u.release:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`"finished"`))
		case <-r.Context().Done():
			u.gone <- struct{}{}
		}
	}))
	t.Cleanup(func() {
		u.releaseAll()
		u.srv.Close()
	})
	return u
}

func (u *slowUpstream) releaseAll() {
	select {
	case <-u.release:
	default:
		close(u.release)
	}
}

// waitArrived returns once a request has reached the upstream.
func (u *slowUpstream) waitArrived(t *testing.T) {
	t.Helper()
	select {
	case <-u.arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("no request reached the upstream")
	}
}

// slowConfig serves `{ x }` from the upstream with deadlines far beyond
// any grace period the tests set, so only the shutdown can end a request.
func slowConfig(t *testing.T, upstream string) string {
	t.Helper()
	return writeFiles(t, map[string]string{"weft.yaml": fmt.Sprintf(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: slow}
spec:
  timeout: 5m
  rest: {baseURL: %q}
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
          timeout: 5m
          schema:
            inline: "type Query { x: String @rest(upstream: \"slow\", path: \"/x\") }"
`, upstream)})
}

// answer is what a client got for a request: a status and body, or an
// error.
type answer struct {
	status int
	body   string
	err    error
}

// query sends `{ x }` in the background.
func query(base string) <-chan answer {
	c := make(chan answer, 1)
	go func() {
		resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ x }"}`))
		if err != nil {
			c <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		c <- answer{status: resp.StatusCode, body: string(body), err: err}
	}()
	return c
}

// logLine returns the fields of the JSON log line whose message starts
// with msg.
func logLine(t *testing.T, stderr, msg string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if s, _ := m["message"].(string); strings.HasPrefix(s, msg) {
			return m
		}
	}
	t.Fatalf("no log line %q in:\n%s", msg, stderr)
	return nil
}

// TestShutdownCancelsStuckRequest: SIGTERM with a request stuck on an
// upstream that never answers. The process waits the grace period, then
// cancels the request, says so, and exits 0, long before the request's own
// deadline.
func TestShutdownCancelsStuckRequest(t *testing.T) {
	up := newSlowUpstream(t)
	const grace = time.Second
	s := startServe(t, "--config", slowConfig(t, up.srv.URL), "--listen", "127.0.0.1:0", "--shutdown-grace", grace.String())
	got := query(s.base)
	up.waitArrived(t)

	start := time.Now()
	s.signal(syscall.SIGTERM)
	// A bound to catch a hang: the request's own deadline is 5 minutes.
	code := s.wait(30 * time.Second)
	took := time.Since(start)
	if code != 0 {
		t.Errorf("exit status %d, want 0\nstderr:\n%s", code, s.stderr)
	}
	if took < grace {
		t.Errorf("exited %s after SIGTERM, before the %s grace period ended", took, grace)
	}
	stderr := s.stderr.String()
	if l := logLine(t, stderr, "shutting down"); l["inFlight"] != 1.0 || l["grace"] != "1s" {
		t.Errorf("shutting down: %v", l)
	}
	if l := logLine(t, stderr, "shut down: the grace period ended"); l["cancelled"] != 1.0 || l["drained"] != 0.0 || l["level"] != "warn" {
		t.Errorf("shut down: %v", l)
	}
	if strings.Contains(stderr, "Error:") {
		t.Errorf("a shutdown within its bound printed an error:\n%s", stderr)
	}
	select {
	case a := <-got:
		if a.err == nil && strings.Contains(a.body, "finished") {
			t.Errorf("the stuck request got an answer the upstream never sent: %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Error("the client of the cancelled request still waits")
	}
	// The cancelled request's call upstream was cancelled with it.
	select {
	case <-up.gone:
	case <-time.After(10 * time.Second):
		t.Error("the upstream call of the cancelled request still runs")
	}
}

// TestShutdownDrains: a request in flight when SIGTERM comes, that
// finishes within the grace period, gets its whole answer; new
// connections are refused meanwhile; the process exits 0 once it is done.
func TestShutdownDrains(t *testing.T) {
	up := newSlowUpstream(t)
	s := startServe(t, "--config", slowConfig(t, up.srv.URL), "--listen", "127.0.0.1:0", "--shutdown-grace", "2m")
	got := query(s.base)
	up.waitArrived(t)

	s.signal(syscall.SIGTERM)
	s.waitFor(s.stderr, "shutting down", 30*time.Second)
	if resp, err := http.Get(s.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a new connection was served while draining: %s", resp.Status)
	}
	select {
	case <-s.exited:
		t.Fatalf("exited before the request in flight finished\nstderr:\n%s", s.stderr)
	default:
	}
	up.releaseAll()
	a := <-got
	if a.err != nil || a.status != 200 || a.body != `{"data":{"x":"finished"}}` {
		t.Errorf("the drained request got %+v", a)
	}
	if code := s.wait(30 * time.Second); code != 0 {
		t.Errorf("exit status %d, want 0\nstderr:\n%s", code, s.stderr)
	}
	if l := logLine(t, s.stderr.String(), "shut down: every request in flight finished"); l["drained"] != 1.0 {
		t.Errorf("shut down: %v", l)
	}
}

// TestShutdownSecondSignal: a second SIGTERM during the grace period
// cancels the request in flight and exits at once, with status 1 and one
// message saying so.
func TestShutdownSecondSignal(t *testing.T) {
	up := newSlowUpstream(t)
	s := startServe(t, "--config", slowConfig(t, up.srv.URL), "--listen", "127.0.0.1:0", "--shutdown-grace", "2m")
	got := query(s.base)
	up.waitArrived(t)

	s.signal(syscall.SIGTERM)
	s.waitFor(s.stderr, "shutting down", 30*time.Second)
	s.signal(syscall.SIGTERM)
	// A bound to catch a hang: the grace period is 2 minutes.
	if code := s.wait(30 * time.Second); code != 1 {
		t.Errorf("exit status %d, want 1\nstderr:\n%s", code, s.stderr)
	}
	const msg = "Error: second SIGTERM: stopped without draining; cancelled 1 requests in flight\n"
	if n := strings.Count(s.stderr.String(), msg); n != 1 {
		t.Errorf("stderr has %q %d times, want once:\n%s", msg, n, s.stderr)
	}
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Error("the client of the cancelled request still waits")
	}
}
