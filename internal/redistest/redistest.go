// Package redistest runs a real redis-server for one test, on a unix socket
// in the test's temporary directory, so tests of the Redis stores talk to the
// server they will meet in production and never to a shared one:
//
//	srv := redistest.Start(t)
//	store, err := redisstale.New(redisstale.Options{URL: srv.URL()}, log)
//	...
//	srv.Stop()    // Redis goes down: connections are refused
//	srv.Restart() // and comes back on the same socket
//
// The server keeps nothing on disk (no RDB snapshots, no append-only file)
// and listens on no TCP port. It ends when the test ends, and with the test
// binary should that die first.
//
// redis-server comes from Debian's redis-server package
// (scripts/install-test-deps.sh installs it). Without it the tests skip,
// unless WEFT_REQUIRE_REDIS=1, which CI sets so that a missing server fails
// instead of passing quietly.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Environment variables read by Start.
const (
	// EnvServer names the redis-server binary to run, ahead of PATH.
	EnvServer = "WEFT_REDIS_SERVER"
	// EnvRequire, set to 1, makes a missing redis-server fail the test
	// instead of skipping it.
	EnvRequire = "WEFT_REQUIRE_REDIS"
)

// Time limits. A test must end even when the server hangs, so every step
// that waits has one.
const (
	// startTimeout bounds how long a fresh server may take to answer PING;
	// it is far above the few milliseconds it takes, for loaded CI machines.
	startTimeout = 15 * time.Second
	// pingTimeout bounds one PING round trip while waiting for the server.
	pingTimeout = time.Second
	// stopTimeout bounds waiting for a killed server to be reaped.
	stopTimeout = 10 * time.Second
	// pollInterval is how often Start tries PING.
	pollInterval = 5 * time.Millisecond
)

// maxSocketPath is the longest unix socket path every platform accepts
// (sun_path is 108 bytes on Linux, 104 on the BSDs, including the NUL).
const maxSocketPath = 103

// Server is a redis-server started for one test. Its methods that change
// the server's state end the test on failure, so they must be called from
// the test's goroutine.
type Server struct {
	t      testing.TB
	bin    string
	dir    string
	socket string

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of redis-server.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been reaped
	err    error         // cmd.Wait's result, set before exited is closed
}

// Start starts a redis-server for t and waits until it answers PING. The
// server is killed and its files removed when t ends.
//
// If no redis-server is found, Start skips t, or fails it when
// WEFT_REQUIRE_REDIS is 1.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := findServer(os.Getenv, exec.LookPath)
	if err != nil {
		msg := fmt.Sprintf("test needs redis-server: %v; run scripts/install-test-deps.sh or set %s", err, EnvServer)
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s (%s=1 makes this a failure)", msg, EnvRequire)
		}
		t.Skip(msg)
	}
	dir := socketDir(t)
	s := &Server{t: t, bin: bin, dir: dir, socket: filepath.Join(dir, "redis.sock")}
	t.Cleanup(s.kill)
	if err := s.start(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return s
}

// findServer returns the redis-server to run: $WEFT_REDIS_SERVER, else the
// one on PATH.
func findServer(getenv func(string) string, lookPath func(string) (string, error)) (string, error) {
	if p := getenv(EnvServer); p != "" {
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvServer, p, err)
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s=%s is not an executable file", EnvServer, p)
		}
		return p, nil
	}
	p, err := lookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("redis-server is not on PATH: %w", err)
	}
	return p, nil
}

// socketDir returns a directory for the server's socket, log and working
// files, removed when t ends. It is t.TempDir unless that path is too long
// for a unix socket (a long test name under a long TMPDIR).
func socketDir(t testing.TB) string {
	dir := t.TempDir()
	if len(filepath.Join(dir, "redis.sock")) <= maxSocketPath {
		return dir
	}
	dir, err := os.MkdirTemp("", "redistest")
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// URL returns the server's address as the Redis clients' URL form
// (unix:///path/to/redis.sock). It stays the same across Stop and Restart.
func (s *Server) URL() string { return "unix://" + s.socket }

// Socket returns the path of the server's unix socket.
func (s *Server) Socket() string { return s.socket }

// Stop kills the server, as a crash or a lost host would: connections
// break and new ones are refused. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.t.Helper()
	if err := s.stop(); err != nil {
		s.t.Fatalf("redistest: %v", err)
	}
}

// Restart starts the server again on the same socket, empty (it keeps
// nothing on disk), and waits until it answers PING. Restarting a running
// server stops it first.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.stop(); err != nil {
		s.t.Fatalf("redistest: %v", err)
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: %v", err)
	}
}

// Pause stops the server's process without ending it (SIGSTOP), as a hung
// or overloaded server looks: the kernel still accepts connections on its
// socket, but nothing answers. Resume undoes it.
func (s *Server) Pause() {
	s.t.Helper()
	if err := s.signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("redistest: pause: %v", err)
	}
}

// Resume continues a paused server (SIGCONT); what was sent to it meanwhile
// is then answered.
func (s *Server) Resume() {
	s.t.Helper()
	if err := s.signal(syscall.SIGCONT); err != nil {
		s.t.Fatalf("redistest: resume: %v", err)
	}
}

func (s *Server) signal(sig os.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return errors.New("server is stopped")
	}
	return s.proc.cmd.Process.Signal(sig)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("server is already running")
	}
	logFile := filepath.Join(s.dir, "redis.log")
	cmd := exec.Command(s.bin,
		"--port", "0",
		"--unixsocket", s.socket,
		"--unixsocketperm", "700",
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--dir", s.dir,
		"--logfile", logFile,
	)
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	// The reaper is the process's owner: it ends when the process does,
	// which kill guarantees by the end of the test.
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	s.proc = p

	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for {
		select {
		case <-p.exited:
			s.proc = nil
			return fmt.Errorf("%s exited at start (%v); its log:\n%s", s.bin, p.err, tail(logFile))
		default:
		}
		if lastErr = ping(s.socket); lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer PING on %s within %v: %v; its log:\n%s",
				s.bin, s.socket, startTimeout, lastErr, tail(logFile))
		}
		time.Sleep(pollInterval)
	}
}

func (s *Server) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return nil
	}
	s.proc = nil
	// SIGKILL ends a paused process too; an error means it already exited,
	// which the wait below sees.
	_ = p.cmd.Process.Kill()
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("%s (pid %d) did not exit within %v of SIGKILL", s.bin, p.cmd.Process.Pid, stopTimeout)
	}
}

// kill is the cleanup: it stops the server and reports a failure without
// ending the test, which has ended.
func (s *Server) kill() {
	if err := s.stop(); err != nil {
		s.t.Errorf("redistest: %v", err)
	}
}

// ping sends PING on the socket and reads the answer.
func ping(socket string) error {
	c, err := net.DialTimeout("unix", socket, pingTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(pingTimeout)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	// A loading server answers -LOADING; only PONG means it serves.
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// tail returns the end of the server's log, for a failure message.
func tail(path string) string {
	const max = 4 << 10
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}
