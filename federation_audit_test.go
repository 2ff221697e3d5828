package weft_test

// TestFederationAudit runs the federation gateway audit against Weft: for
// each suite, `weft serve --supergraph` serves the suite's supergraph, whose
// subgraphs the audit's server runs, and every case's query is sent to it
// and its response judged by fedaudit.Check. The cases Weft does not pass
// yet are listed in testdata/federation-audit/known-failures, a ratchet: a
// listed case that fails is skipped with its reason, a listed case that
// passes fails the test until its line is deleted, and an unlisted case
// that fails fails the test.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/fedaudit"
)

// knownFailuresFile lists the audit's cases that Weft fails, with why.
const knownFailuresFile = "testdata/federation-audit/known-failures"

// Bounds that catch a hang; none is a speed target.
const (
	// buildTimeout bounds building the weft binary (a cold build cache
	// on a small machine takes a few minutes).
	buildTimeout = 10 * time.Minute
	// gatewayStartTimeout bounds weft's start, until it answers HTTP.
	gatewayStartTimeout = time.Minute
	// gatewayStopTimeout bounds weft's drain after SIGTERM, before it is
	// killed.
	gatewayStopTimeout = 10 * time.Second
	// caseTimeout bounds one case's request.
	caseTimeout = 30 * time.Second
	// gatewayAttempts is how many free ports a suite's weft tries: another
	// process can take a port between the moment it is found free and
	// weft's listen.
	gatewayAttempts = 3
)

func TestFederationAudit(t *testing.T) {
	if _, err := fedaudit.Dir(); errors.Is(err, fedaudit.ErrNotFound) {
		t.Skip(err)
	}
	// weft builds while the audit's server starts.
	weft := buildWeftAsync(t)
	srv := fedaudit.Start(t)

	ids, err := srv.IDs()
	if err != nil {
		t.Fatal(err)
	}
	suites := map[string][]fedaudit.Case{}
	for _, id := range ids {
		if suites[id], err = srv.Tests(id); err != nil {
			t.Fatal(err)
		}
	}
	known, err := readKnownFailures(knownFailuresFile, suites)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := weft()
	if err != nil {
		t.Fatal(err)
	}

	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			runSuite(t, srv, bin, id, suites[id], known)
		})
	}
}

// runSuite serves the suite's supergraph with weft and runs its cases.
func runSuite(t *testing.T, srv *fedaudit.Server, bin, id string, cases []fedaudit.Case, known map[string]string) {
	sdl, err := srv.Supergraph(id)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "supergraph.graphql")
	if err := os.WriteFile(file, []byte(sdl), 0o644); err != nil {
		t.Fatal(err)
	}
	// A weft that does not start fails every case of the suite, each
	// saying why.
	gw, startErr := startGateway(bin, file)
	if gw != nil {
		t.Cleanup(func() {
			if err := gw.stop(); err != nil {
				t.Error(err)
			}
			// A weft built with -race reports a race on its stderr and
			// goes on serving: the suite fails on it.
			if out := gw.out.String(); strings.Contains(out, "WARNING: DATA RACE") {
				t.Errorf("weft reported a data race while serving %s:\n%s", id, out)
			}
		})
	}
	for i, c := range cases {
		name := id + "/" + strconv.Itoa(i)
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			problem := ""
			if startErr != nil {
				problem = startErr.Error()
			} else {
				problem = gw.play(c)
			}
			ratchet(t, name, problem, known)
		})
	}
}

// ratchet reports a case's outcome against the known failures: see
// TestFederationAudit.
func ratchet(t testing.TB, name, problem string, known map[string]string) {
	t.Helper()
	reason, listed := known[name]
	switch {
	case problem == "" && listed:
		t.Errorf("%s passes now: delete its line from %s", name, knownFailuresFile)
	case problem == "":
	case listed:
		t.Skipf("known failure (%s): %s\n%s", knownFailuresFile, reason, problem)
	default:
		t.Errorf("%s fails (add it to %s only with a reason Weft cannot pass it yet):\n%s", name, knownFailuresFile, problem)
	}
}

// readKnownFailures reads the ratchet file: lines of `suite/index  reason`,
// blank lines and #-comments. Every line must name a case of the audit,
// once, with a reason.
func readKnownFailures(path string, suites map[string][]fedaudit.Case) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	known := map[string]string{}
	lineOf := map[string]int{}
	var problems []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := strings.Fields(line)[0]
		reason := strings.TrimSpace(line[len(name):])
		at := fmt.Sprintf("%s:%d", path, n)
		suite, index, ok := strings.Cut(name, "/")
		i, err := strconv.Atoi(index)
		switch {
		case !ok || err != nil:
			problems = append(problems, fmt.Sprintf("%s: %q is not suite/index", at, name))
			continue
		case suites[suite] == nil:
			problems = append(problems, fmt.Sprintf("%s: the audit has no suite %q", at, suite))
			continue
		case i < 0 || i >= len(suites[suite]):
			problems = append(problems, fmt.Sprintf("%s: suite %s has no case %d (it has %d)", at, suite, i, len(suites[suite])))
			continue
		case reason == "":
			problems = append(problems, fmt.Sprintf("%s: %s has no reason", at, name))
			continue
		}
		if first, dup := lineOf[name]; dup {
			problems = append(problems, fmt.Sprintf("%s: %s is listed already, on line %d", at, name, first))
			continue
		}
		lineOf[name] = n
		known[name] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return known, nil
}

// buildWeftAsync starts building the weft binary and returns a function
// that waits for it. The binary has the race detector when the tests do:
// it then catches races in the gateway too, and its packages are built
// already.
func buildWeftAsync(t *testing.T) func() (string, error) {
	bin := filepath.Join(t.TempDir(), "weft")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/weft")...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if runErr := cmd.Run(); runErr != nil {
			err = fmt.Errorf("go %s ./cmd/weft: %w\n%s", strings.Join(args, " "), runErr, &out)
		}
	}()
	// A test that ends early (the audit's server fails) stops the build.
	t.Cleanup(func() { cancel(); <-done })
	return func() (string, error) {
		<-done
		return bin, err
	}
}

// raceEnabled tells whether this test binary was built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// gateway is one `weft serve` process.
type gateway struct {
	base   string // http://127.0.0.1:PORT
	cmd    *exec.Cmd
	out    *lockedBuffer // stdout and stderr
	exited chan struct{} // closed once the process is reaped
	err    error         // cmd.Wait's result, set before exited is closed
	client *http.Client
}

// startGateway runs `weft serve --supergraph file` on a free loopback
// port and waits until it answers HTTP. When weft does not start, the
// error holds its exit status and output; a gateway is returned with it if
// one still runs, to be stopped.
func startGateway(bin, file string) (*gateway, error) {
	var err error
	for range gatewayAttempts {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		args := []string{"serve", "--supergraph", file, "--listen", "127.0.0.1:" + strconv.Itoa(port)}
		g := &gateway{
			base:   "http://127.0.0.1:" + strconv.Itoa(port),
			cmd:    exec.Command(bin, args...),
			out:    &lockedBuffer{},
			exited: make(chan struct{}),
			client: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		}
		// The environment less WEFT_ variables (a Redis URL, say), so weft
		// sees only the flags.
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "WEFT_") {
				g.cmd.Env = append(g.cmd.Env, kv)
			}
		}
		g.cmd.Stdout, g.cmd.Stderr = g.out, g.out
		g.cmd.SysProcAttr = gatewayProcAttr()
		g.cmd.WaitDelay = gatewayStopTimeout
		if err := g.cmd.Start(); err != nil {
			return nil, fmt.Errorf("starting %s: %w", bin, err)
		}
		go func() {
			g.err = g.cmd.Wait()
			close(g.exited)
		}()
		err = g.waitReady()
		if err == nil {
			return g, nil
		}
		if stopErr := g.stop(); stopErr != nil {
			return g, errors.Join(err, stopErr)
		}
		if !strings.Contains(g.out.String(), "another process listens there") {
			return nil, fmt.Errorf("weft %s: %w", strings.Join(args, " "), err)
		}
	}
	return nil, fmt.Errorf("weft found no free port in %d attempts: %w", gatewayAttempts, err)
}

// waitReady waits until weft answers HTTP on /graphql, whatever it
// answers, or exits.
func (g *gateway) waitReady() error {
	deadline := time.Now().Add(gatewayStartTimeout)
	for {
		select {
		case <-g.exited:
			return fmt.Errorf("weft exited at start (%v); its output:\n%s", g.err, g.out)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, _, err := g.post(ctx, "{ __typename }")
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("weft did not answer within %v (%v); its output:\n%s", gatewayStartTimeout, err, g.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// play sends a case's query and judges the response; it returns what is
// wrong, or "".
func (g *gateway) play(c fedaudit.Case) string {
	ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
	defer cancel()
	status, body, err := g.post(ctx, c.Query)
	if err != nil {
		return fmt.Sprintf("query:%s\n%v", c.Query, err)
	}
	if err := fedaudit.Check(body, c); err != nil {
		return fmt.Sprintf("query:%s\nHTTP %d: %s\n%v", c.Query, status, body, err)
	}
	return ""
}

// post sends a GraphQL query to weft as the audit does.
func (g *gateway) post(ctx context.Context, query string) (int, []byte, error) {
	payload, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+"/graphql", bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("weft did not answer: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// stop sends weft SIGTERM, kills it if it has not drained in time, and
// waits for it.
func (g *gateway) stop() error {
	defer g.client.CloseIdleConnections()
	_ = g.cmd.Process.Signal(syscall.SIGTERM) // an error means it has exited
	timer := time.NewTimer(gatewayStopTimeout)
	defer timer.Stop()
	select {
	case <-g.exited:
		return nil
	case <-timer.C:
	}
	_ = g.cmd.Process.Kill()
	select {
	case <-g.exited:
		return fmt.Errorf("weft did not exit within %v of SIGTERM; killed. Its output:\n%s", gatewayStopTimeout, g.out)
	case <-time.After(gatewayStopTimeout):
		return fmt.Errorf("weft (pid %d) did not exit after SIGKILL", g.cmd.Process.Pid)
	}
}

// freePort returns a loopback port that nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer is a buffer a process writes while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
