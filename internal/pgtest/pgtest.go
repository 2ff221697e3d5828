// Package pgtest runs a real PostgreSQL server for tests: a throw-away
// cluster made by initdb in a temporary directory, served on a unix socket
// in that directory and on a free loopback TCP port, so tests of the
// PostgreSQL stores talk to the server they will meet in production and
// never to a shared one:
//
//	srv := pgtest.Start(t)
//	url := srv.NewDatabase(t) // a fresh database, dropped when t ends
//	store, err := store.OpenPostgres(ctx, url, opts)
//	...
//	srv.Stop()    // PostgreSQL goes down: connections break, new ones are refused
//	srv.Restart() // and comes back on the same port and socket, data kept
//
// One server serves many tests: a test that starts one gives each of its
// parallel subtests its own database with NewDatabase. There is no server
// shared by the whole test binary (no package state to tear down); a
// cluster takes about a second to make, so a package starts one per test
// that needs a server of its own (one it stops and restarts, say) and
// shares one between the rest through subtests.
//
// The cluster is made for speed, not durability: fsync and full-page
// writes are off, so what a test writes survives Stop (a crash of the
// server, which writes its log to the kernel at each commit) but would not
// survive a crash of the machine. Synchronous commit stays on: without it
// Stop would lose the last commits, which a test of reconnection relies on. It ends when the test ends, and with the
// test binary should that die first (the kernel kills the postmaster, whose
// backends then exit).
//
// PostgreSQL refuses to run as root. When the test runs as root (CI does),
// initdb and postgres run as the unprivileged user "postgres" that Debian's
// package creates (or "nobody" where there is none), and the directory is
// handed to that user.
//
// The binaries come from $WEFT_POSTGRES_BIN (a directory holding initdb and
// postgres), else Debian's /usr/lib/postgresql/<version>/bin (the newest
// version), else PATH. scripts/install-test-deps.sh installs Debian's
// postgresql package. Without the binaries the tests skip, unless
// WEFT_REQUIRE_POSTGRES=1, which CI sets so that a missing server fails
// instead of passing quietly.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by Start.
const (
	// EnvBin names the directory holding initdb and postgres, ahead of
	// Debian's and PATH.
	EnvBin = "WEFT_POSTGRES_BIN"
	// EnvRequire, set to 1, makes missing PostgreSQL binaries fail the test
	// instead of skipping it.
	EnvRequire = "WEFT_REQUIRE_POSTGRES"
)

// User is the superuser of every cluster Start makes; it needs no password
// (trust authentication: the server listens on loopback and a private
// socket only).
const User = "weft"

// debianBinGlob is where Debian's postgresql packages put their binaries,
// one directory per major version.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// Time limits. A test must end even when the server hangs, so every step
// that waits has one; each is far above what the step takes, for loaded
// CI machines.
const (
	initdbTimeout  = 2 * time.Minute
	startTimeout   = time.Minute
	connectTimeout = 2 * time.Second
	stopTimeout    = 30 * time.Second
	pollInterval   = 20 * time.Millisecond
)

// maxSocketPath is the longest unix socket path every platform accepts
// (sun_path is 108 bytes on Linux, 104 on the BSDs, including the NUL).
const maxSocketPath = 103

// Server is a PostgreSQL cluster started for one test. Its methods that
// change the server's state end the test on failure, so they must be called
// from the test's goroutine; URL, SocketDir and NewDatabase may be called
// from any goroutine (NewDatabase ends the test it is given).
type Server struct {
	t    testing.TB
	bin  string // directory of initdb and postgres
	dir  string // socket directory; the cluster is dir/data
	port int
	cred *syscall.Credential // nil unless running as root

	dbs atomic.Int64 // databases made by NewDatabase, for unique names

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of postgres.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has been reaped
	err    error         // cmd.Wait's result, set before exited is closed
}

// Start makes a cluster for t, starts it and waits until it accepts
// connections. The server is stopped and its files removed when t ends.
//
// If no PostgreSQL binaries are found, Start skips t, or fails it when
// WEFT_REQUIRE_POSTGRES is 1.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := findBin(os.Getenv, filepath.Glob, exec.LookPath)
	if err != nil {
		msg := fmt.Sprintf("test needs PostgreSQL: %v; run scripts/install-test-deps.sh or set %s", err, EnvBin)
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s (%s=1 makes this a failure)", msg, EnvRequire)
		}
		t.Skip(msg)
	}
	s := &Server{t: t, bin: bin}
	if err := s.init(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(s.cleanup)
	if err := s.start(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return s
}

// findBin returns the directory holding initdb and postgres:
// $WEFT_POSTGRES_BIN, else the newest Debian version, else the one on PATH.
func findBin(getenv func(string) string, glob func(string) ([]string, error), lookPath func(string) (string, error)) (string, error) {
	if d := getenv(EnvBin); d != "" {
		if err := hasBinaries(d); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvBin, d, err)
		}
		return d, nil
	}
	dirs, _ := glob(debianBinGlob) // the pattern is valid, so no error
	// Newest major version first; "9.6" sorts below "10".
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if hasBinaries(d) == nil {
			return d, nil
		}
	}
	p, err := lookPath("initdb")
	if err != nil {
		return "", fmt.Errorf("no initdb in %s or on PATH", debianBinGlob)
	}
	d := filepath.Dir(p)
	if err := hasBinaries(d); err != nil {
		return "", fmt.Errorf("initdb on PATH at %s, but %w", p, err)
	}
	return d, nil
}

// versionOf reads the major version out of a Debian bin directory
// (/usr/lib/postgresql/15/bin is 15.0, 9.6 is 9.6), for sorting.
func versionOf(dir string) float64 {
	v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
	if err != nil {
		return -1
	}
	return v
}

// hasBinaries says why dir cannot serve, or nil when it holds executable
// initdb and postgres.
func hasBinaries(dir string) error {
	for _, name := range []string{"initdb", "postgres"} {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("no %s: %w", name, err)
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return fmt.Errorf("%s is not an executable file", p)
		}
	}
	return nil
}

// init makes the directory and the cluster in it.
func (s *Server) init() error {
	cred, err := serverCredential()
	if err != nil {
		return err
	}
	s.cred = cred
	// Not t.TempDir: its parent is private to the test's user, and the
	// server's user must reach the directory.
	dir, err := os.MkdirTemp("", "pgtest")
	if err != nil {
		return err
	}
	s.dir = dir
	if len(filepath.Join(dir, ".s.PGSQL.65535")) > maxSocketPath {
		os.RemoveAll(dir)
		return fmt.Errorf("temporary directory %s is too long for a unix socket; set TMPDIR to a shorter one", dir)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("handing %s to uid %d: %w", dir, cred.Uid, err)
		}
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	s.port = port

	ctx, cancel := context.WithTimeout(context.Background(), initdbTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "initdb"),
		"--pgdata", s.dataDir(),
		"--username", User,
		"--auth", "trust",
		"--encoding", "UTF8",
		"--no-locale",
		"--no-sync",
		"--no-instructions",
	)
	cmd.Dir = dir
	cmd.Env = s.env()
	cmd.SysProcAttr = sysProcAttr(cred)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("initdb: %w; its output:\n%s", err, out)
	}
	return nil
}

// serverCredential returns the user to run PostgreSQL as: nil (the current
// one) unless that is root, which PostgreSQL refuses.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err := errors.Join(err1, err2); err != nil {
			errs = append(errs, fmt.Errorf("user %s: %w", name, err))
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, fmt.Errorf("running as root, and PostgreSQL refuses root, but no unprivileged user to run it as: %w", errors.Join(errs...))
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *Server) logFile() string { return filepath.Join(s.dir, "postgres.log") }

// env is the environment of initdb and postgres: nothing of the test's
// but PATH, so a PG* variable or a locale of the caller changes nothing.
func (s *Server) env() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
}

// URL returns a pgx connection string for the server's "postgres" database
// over TCP on loopback. It stays the same across Stop and Restart.
func (s *Server) URL() string { return s.databaseURL("postgres") }

// SocketURL returns a pgx connection string for the "postgres" database over
// the server's unix socket.
func (s *Server) SocketURL() string {
	q := url.Values{"host": {s.dir}, "port": {strconv.Itoa(s.port)}, "user": {User}, "sslmode": {"disable"}}
	return "postgres:///postgres?" + q.Encode()
}

// SocketDir returns the directory of the server's unix socket.
func (s *Server) SocketDir() string { return s.dir }

// Port returns the server's loopback TCP port.
func (s *Server) Port() int { return s.port }

func (s *Server) databaseURL(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(User),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// NewDatabase creates an empty database for t and returns its URL (TCP, as
// URL). It is dropped when t ends, so parallel tests can each have one on a
// single server.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := databaseName(s.dbs.Add(1), t.Name())
	if err := s.admin(fmt.Sprintf("CREATE DATABASE %s", pgx.Identifier{name}.Sanitize())); err != nil {
		t.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if !s.running() {
			return // its files go with the cluster
		}
		// FORCE ends connections a test left open, which would otherwise
		// make the drop fail.
		if err := s.admin(fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", pgx.Identifier{name}.Sanitize())); err != nil {
			t.Errorf("pgtest: dropping database %s: %v", name, err)
		}
	})
	return s.databaseURL(name)
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// databaseName makes a database name from a test's, readable in the
// server's log and within PostgreSQL's 63 bytes.
func databaseName(n int64, test string) string {
	name := fmt.Sprintf("t%d_%s", n, unsafeName.ReplaceAllString(strings.ToLower(test), "_"))
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// admin runs one statement on the "postgres" database.
func (s *Server) admin(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// Stop shuts the server down at once (an immediate shutdown, as a crash
// would: no checkpoint, and the next start recovers from the log):
// connections break and new ones are refused. Stopping a stopped server
// does nothing.
func (s *Server) Stop() {
	s.t.Helper()
	if err := s.stop(); err != nil {
		s.t.Fatalf("pgtest: %v", err)
	}
}

// Restart starts the server again on the same port and socket, with the
// data it had, and waits until it accepts connections. Restarting a running
// server stops it first.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.stop(); err != nil {
		s.t.Fatalf("pgtest: %v", err)
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("pgtest: %v", err)
	}
}

func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("server is already running")
	}
	logf, err := os.OpenFile(s.logFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(filepath.Join(s.bin, "postgres"),
		"-D", s.dataDir(),
		"-p", strconv.Itoa(s.port),
		"-k", s.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off",
		"-c", "full_page_writes=off",
		// Parallel tests each hold a pool; the default 100 is tight.
		"-c", "max_connections=300",
		"-c", "shared_buffers=32MB",
		"-c", "logging_collector=off",
	)
	cmd.Dir = s.dir
	cmd.Env = s.env()
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr(s.cred)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	// The reaper is the process's owner: it ends when the process does,
	// which stop guarantees by the end of the test.
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
			return fmt.Errorf("postgres exited at start (%v); its log:\n%s", p.err, tail(s.logFile()))
		default:
		}
		if lastErr = ping(s.URL()); lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections on port %d within %v: %v; its log:\n%s",
				s.port, startTimeout, lastErr, tail(s.logFile()))
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
	// SIGQUIT is PostgreSQL's immediate shutdown: the postmaster ends its
	// backends and waits for them, so a restart finds no stray process
	// holding the shared memory, which SIGKILL would leave behind.
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopTimeout):
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.exited:
		return fmt.Errorf("postgres (pid %d) ignored SIGQUIT for %v and was killed", p.cmd.Process.Pid, stopTimeout)
	case <-time.After(stopTimeout):
		return fmt.Errorf("postgres (pid %d) did not exit within %v of SIGKILL", p.cmd.Process.Pid, stopTimeout)
	}
}

// cleanup stops the server and removes its files, reporting a failure
// without ending the test, which has ended.
func (s *Server) cleanup() {
	if err := s.stop(); err != nil {
		s.t.Errorf("pgtest: %v", err)
	}
	if err := os.RemoveAll(s.dir); err != nil {
		s.t.Errorf("pgtest: %v", err)
	}
}

// ping connects and runs a trivial query.
func ping(connString string) error {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
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
