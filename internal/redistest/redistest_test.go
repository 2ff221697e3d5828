package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if want := "unix://" + s.Socket(); s.URL() != want {
		t.Errorf("URL() = %q, want %q", s.URL(), want)
	}
	if err := ping(s.Socket()); err != nil {
		t.Fatalf("started server does not answer PING: %v", err)
	}

	s.Stop()
	if err := ping(s.Socket()); err == nil {
		t.Fatal("stopped server still answers PING")
	}
	s.Stop() // stopping a stopped server does nothing

	s.Restart()
	if err := ping(s.Socket()); err != nil {
		t.Fatalf("restarted server does not answer PING: %v", err)
	}
	s.Restart() // restarting a running server replaces it
	if err := ping(s.Socket()); err != nil {
		t.Fatalf("server restarted twice does not answer PING: %v", err)
	}
}

func TestPauseResume(t *testing.T) {
	s := Start(t)
	s.Pause()
	start := time.Now()
	if err := ping(s.Socket()); err == nil {
		t.Fatal("paused server answers PING")
	}
	if d := time.Since(start); d < pingTimeout/2 {
		t.Errorf("PING to a paused server failed after %v; a paused server should hang, not refuse", d)
	}
	s.Resume()
	if err := ping(s.Socket()); err != nil {
		t.Fatalf("resumed server does not answer PING: %v", err)
	}
	// A paused server is still killed at the end of the test.
	s.Pause()
}

func TestCleanupKillsServer(t *testing.T) {
	var pid int
	var dir string
	t.Run("inner", func(t *testing.T) {
		s := Start(t)
		pid = s.proc.cmd.Process.Pid
		dir = s.dir
	})
	if pid == 0 {
		t.Fatal("inner test started no server")
	}
	// The reaper has waited for the process, so its pid is gone.
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("server pid %d after its test ended: kill(0) = %v, want ESRCH", pid, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server directory %s after its test ended: %v, want it removed", dir, err)
	}
}

func TestServerKeepsNothingOnDisk(t *testing.T) {
	s := Start(t)
	if _, err := send(s.Socket(), "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	// A graceful SHUTDOWN writes a snapshot when save points are set (the
	// default) and the append-only file when it is on; this server must
	// write neither.
	p := s.proc
	if _, err := send(s.Socket(), "SHUTDOWN"); err == nil {
		t.Fatal("SHUTDOWN answered; want the connection closed")
	}
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		t.Fatal("server did not exit on SHUTDOWN")
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case "redis.sock", "redis.log":
		default:
			t.Errorf("server left %s in its directory", e.Name())
		}
	}
}

// send sends one command on the socket and returns the first line of the
// answer.
func send(socket string, args ...string) (string, error) {
	c, err := net.DialTimeout("unix", socket, pingTimeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(pingTimeout)); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestFindServer(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "redis-server")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	onPath := func(string) (string, error) { return "/usr/bin/redis-server", nil }
	notOnPath := func(name string) (string, error) { return "", fmt.Errorf("%s: not found", name) }

	tests := []struct {
		name    string
		env     string
		look    func(string) (string, error)
		want    string
		wantErr string
	}{
		{"env names an executable", exe, notOnPath, exe, ""},
		{"env wins over PATH", exe, onPath, exe, ""},
		{"env names a missing file", filepath.Join(dir, "missing"), onPath, "", "no such file"},
		{"env names a directory", dir, onPath, "", "not an executable"},
		{"env names a plain file", plain, onPath, "", "not an executable"},
		{"PATH", "", onPath, "/usr/bin/redis-server", ""},
		{"nowhere", "", notOnPath, "", "not on PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == EnvServer {
					return tt.env
				}
				return ""
			}
			got, err := findServer(getenv, tt.look)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("findServer() = %q, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("findServer() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// fakeTB stands in for a test to see how Start ends it. Its Fatalf and Skip
// stop Start with a panic, as the real ones stop the goroutine.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

type stopped struct{}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(stopped{})
}
func (f *fakeTB) Skip(args ...any) {
	f.skip = fmt.Sprint(args...)
	panic(stopped{})
}

func runStart(tb *fakeTB) {
	defer func() {
		if r := recover(); r != nil && r != (stopped{}) {
			panic(r)
		}
	}()
	Start(tb)
}

func TestStartWithoutServer(t *testing.T) {
	t.Setenv(EnvServer, "/nonexistent/redis-server")

	t.Setenv(EnvRequire, "")
	var skipped fakeTB
	runStart(&skipped)
	if skipped.skip == "" || skipped.fatal != "" {
		t.Errorf("without %s: skip %q, fatal %q; want a skip", EnvRequire, skipped.skip, skipped.fatal)
	}
	if !strings.Contains(skipped.skip, "install-test-deps.sh") {
		t.Errorf("skip message %q does not say how to install redis-server", skipped.skip)
	}

	t.Setenv(EnvRequire, "1")
	var failed fakeTB
	runStart(&failed)
	if failed.fatal == "" || failed.skip != "" {
		t.Errorf("with %s=1: skip %q, fatal %q; want a failure", EnvRequire, failed.skip, failed.fatal)
	}
}

func TestStartReportsServerThatExits(t *testing.T) {
	// A server that cannot start (a bad argument here, stood in by a
	// script) must fail with its output, not hang until the timeout.
	dir := t.TempDir()
	exe := filepath.Join(dir, "redis-server")
	// The log file is the last argument Start passes.
	script := "#!/bin/sh\nfor last; do :; done\necho 'FATAL CONFIG FILE ERROR' >> \"$last\"\nexit 1\n"
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvServer, exe)
	var tb fakeTB
	tb.TB = t
	start := time.Now()
	runStart(&tb)
	if !strings.Contains(tb.fatal, "exited at start") || !strings.Contains(tb.fatal, "FATAL CONFIG FILE ERROR") {
		t.Errorf("Start of a failing server: fatal %q; want it to say the server exited, with its log", tb.fatal)
	}
	if d := time.Since(start); d > startTimeout/2 {
		t.Errorf("Start took %v to see the server exit", d)
	}
}
