package fedaudit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Time limits: every wait has one, so a test ends even when the server
// hangs. Each is far above what the step takes (the server starts in about
// three seconds), for loaded CI machines.
const (
	// startTimeout bounds the server's start: compiling its TypeScript,
	// binding its port and loading every suite.
	startTimeout = 2 * time.Minute
	// stopTimeout bounds waiting for the killed server's processes to go.
	stopTimeout = 10 * time.Second
	// startAttempts is how many free ports Start tries: another process
	// can take a port between the moment it is found free and the server's
	// bind.
	startAttempts = 5
	// maxOutput is how much of the server's output is kept for messages.
	maxOutput = 64 << 10
)

// errRetry marks a start that failed because the port was taken.
var errRetry = errors.New("port taken")

// Server is the audit's server, run for one test from a temporary copy of
// the audit's folder.
type Server struct {
	// URL is the server's base address, http://127.0.0.1:PORT. The
	// supergraphs and subgraph lists it serves name subgraphs below it.
	URL string

	dir    string // the temporary copy
	client *http.Client
	proc   *process

	stopOnce sync.Once
	stopErr  error
}

// process is one run of the server.
type process struct {
	cmd    *exec.Cmd
	out    *output
	exited chan struct{} // closed when the process has been reaped
	err    error         // cmd.Wait's result, set before exited is closed
}

// Start starts the audit's server for t and waits until it serves every
// suite. It stops, with every process it started, when t ends (after t's
// subtests).
//
// Start skips t when the audit is not in its default place (see Dir). With
// the audit present, it fails t when Node.js 20.12+ or npm is missing: the
// test command installs them, so a missing one is a broken machine, not a
// reason to pass quietly.
func Start(t testing.TB) *Server {
	t.Helper()
	dir, err := Dir()
	if errors.Is(err, ErrNotFound) {
		t.Skip(err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tl, err := findTools(ctx)
	if err != nil {
		t.Fatalf("fedaudit: the federation audit at %s needs Node.js and npm: %v", dir, err)
	}
	modules, err := installModules(ctx, tl.npm, dir, cacheRoot())
	if err != nil {
		t.Fatalf("fedaudit: installing the audit's packages: %v", err)
	}
	// The audit's folder is read-only and its code stays out of the
	// repository: the server runs from a copy, with the cached packages
	// linked in.
	copyDir := t.TempDir()
	if err := copyTree(dir, copyDir); err != nil {
		t.Fatalf("fedaudit: copying %s: %v", dir, err)
	}
	if err := os.Symlink(modules, filepath.Join(copyDir, "node_modules")); err != nil {
		t.Fatalf("fedaudit: %v", err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	s := &Server{dir: copyDir, client: &http.Client{Transport: transport}}
	// Registered after t.TempDir, so it runs before the copy is removed.
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("fedaudit: %v", err)
		}
	})
	if err := s.start(tl.node); err != nil {
		t.Fatalf("fedaudit: %v", err)
	}
	return s
}

// Stop stops the server: it kills its process group and waits until no
// process of it is left. Start arranges for it to run when the test ends;
// calling it earlier, or again, is safe.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.proc != nil {
			s.stopErr = s.proc.kill()
		}
		s.client.CloseIdleConnections()
	})
	return s.stopErr
}

// start runs the server on a free port, trying another when the port is
// taken before the server binds it.
func (s *Server) start(node string) error {
	var last error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return err
		}
		p, err := launch(node, s.dir, port)
		if err != nil {
			return err
		}
		base := "http://127.0.0.1:" + strconv.Itoa(port)
		err = p.waitReady(s.client, base, port)
		if err == nil {
			s.proc, s.URL = p, base
			return nil
		}
		if kerr := p.kill(); kerr != nil {
			return errors.Join(err, kerr)
		}
		if !errors.Is(err, errRetry) {
			return err
		}
		last = err
	}
	return fmt.Errorf("no free port after %d attempts: %w", startAttempts, last)
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

// launch starts the server in dir on port.
//
// Node runs the TypeScript through tsx's loader (--import tsx) in its own
// process. The tsx command would instead fork a second node process that
// outlives it when it is killed; with one process, the kernel's
// parent-death signal ends the server even when the test binary dies.
func launch(node, dir string, port int) (*process, error) {
	polyfill := url.URL{Scheme: "file", Path: filepath.Join(dir, "polyfill.mjs")}
	cmd := exec.Command(node, "--import", "tsx", filepath.Join("src", "cli.ts"), "serve", "--port", strconv.Itoa(port))
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NODE_OPTIONS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// polyfill.mjs adds Promise.withResolvers, which Node 20 lacks.
	cmd.Env = append(cmd.Env, "NODE_OPTIONS=--import="+polyfill.String())
	out := newOutput()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	// The pipes close when every process holding them has ended; a
	// process that escaped the group must not hang Wait.
	cmd.WaitDelay = stopTimeout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", node, err)
	}
	p := &process{cmd: cmd, out: out, exited: make(chan struct{})}
	// The reaper is the process's owner: it ends when the process does,
	// which kill guarantees by the end of the test.
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// waitReady waits until the server has bound port and serves every suite.
func (p *process) waitReady(client *http.Client, base string, port int) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	// The server prints this once it listens. Waiting for it, rather than
	// for an answer on the port, makes sure the answer comes from it and
	// not from whatever else took the port first.
	marker := fmt.Sprintf("Server started on port %d", port)
	for !strings.Contains(p.out.String(), marker) {
		select {
		case <-p.exited:
			out := p.out.String()
			if strings.Contains(out, "EADDRINUSE") {
				return fmt.Errorf("%w: port %d is in use:\n%s", errRetry, port, out)
			}
			return fmt.Errorf("the audit's server exited at start (%v); its output:\n%s", p.err, out)
		case <-p.out.changed:
		case <-ctx.Done():
			return fmt.Errorf("the audit's server did not start within %v; its output:\n%s", startTimeout, p.out.String())
		}
	}
	// /_health answers at once; /ids only once every suite is loaded and
	// routed, which happens after the server listens.
	for _, path := range []string{"/_health", "/ids"} {
		if _, err := getBody(ctx, client, base+path); err != nil {
			return fmt.Errorf("the audit's server does not serve: %w; its output:\n%s", err, p.out.String())
		}
	}
	return nil
}

// kill kills the process's group and waits until none of it is left.
func (p *process) kill() error {
	pgid := p.cmd.Process.Pid // the leader of its own group (Setpgid)
	// An error means the group is gone already, which the waits see.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		return fmt.Errorf("the audit's server (pid %d) did not exit within %v of SIGKILL", pgid, stopTimeout)
	}
	for groupAlive(pgid) {
		select {
		case <-timer.C:
			return fmt.Errorf("processes of the audit's server (group %d) still run %v after SIGKILL", pgid, stopTimeout)
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// output keeps the end of what the server prints, and signals each write.
type output struct {
	mu      sync.Mutex
	buf     []byte
	changed chan struct{}
}

func newOutput() *output { return &output{changed: make(chan struct{}, 1)} }

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	o.buf = append(o.buf, b...)
	if len(o.buf) > maxOutput {
		o.buf = append(o.buf[:0], o.buf[len(o.buf)-maxOutput:]...)
	}
	o.mu.Unlock()
	select {
	case o.changed <- struct{}{}:
	default:
	}
	return len(b), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.buf)
}
