package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func query(t *testing.T, url, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	defer conn.Close(context.Background())
	var out string
	if err := conn.QueryRow(ctx, sql).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func execSQL(t *testing.T, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestServer(t *testing.T) {
	s := Start(t)

	t.Run("settings", func(t *testing.T) {
		for setting, want := range map[string]string{
			"fsync":            "off",
			"listen_addresses": "127.0.0.1",
			"server_encoding":  "UTF8",
		} {
			if got := query(t, s.URL(), "SHOW "+setting); got != want {
				t.Errorf("%s = %q, want %q", setting, got, want)
			}
		}
	})

	t.Run("socket", func(t *testing.T) {
		if got := query(t, s.SocketURL(), "SELECT current_user"); got != User {
			t.Errorf("current_user over the socket = %q, want %q", got, User)
		}
		sock := filepath.Join(s.SocketDir(), fmt.Sprintf(".s.PGSQL.%d", s.Port()))
		if _, err := os.Stat(sock); err != nil {
			t.Errorf("socket: %v", err)
		}
	})

	t.Run("unprivileged", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("runs as its own user when not root")
		}
		st, err := os.Stat(s.dataDir())
		if err != nil {
			t.Fatal(err)
		}
		if uid := st.Sys().(*syscall.Stat_t).Uid; uid == 0 {
			t.Errorf("data directory owned by root; want the server's own user")
		}
	})

	t.Run("databases", func(t *testing.T) {
		for i := range 3 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				url := s.NewDatabase(t)
				// Each database is its own: the same table in each.
				execSQL(t, url, "CREATE TABLE x (id int)")
				if got := query(t, url, "SELECT count(*)::text FROM x"); got != "0" {
					t.Errorf("fresh table has %s rows", got)
				}
			})
		}
		// The subtests have ended, so their databases are gone.
		got := query(t, s.URL(), "SELECT count(*)::text FROM pg_database WHERE datname ~ '^t[0-9]+_'")
		if got != "0" {
			t.Errorf("%s databases left after their tests ended", got)
		}
	})
}

func TestStopRestart(t *testing.T) {
	s := Start(t)
	url := s.NewDatabase(t)
	execSQL(t, url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')")

	s.Stop()
	if err := ping(s.URL()); err == nil {
		t.Fatal("stopped server still accepts connections")
	}
	s.Stop() // stopping a stopped server does nothing

	s.Restart()
	if got := query(t, url, "SELECT v FROM kept"); got != "before" {
		t.Errorf("after restart, kept = %q, want %q", got, "before")
	}
	s.Restart() // restarting a running server replaces it
	if err := ping(s.URL()); err != nil {
		t.Fatalf("server restarted twice does not accept connections: %v", err)
	}
}

func TestStopBreaksConnections(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	s.Stop()
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx2, "SELECT 1"); err == nil {
		t.Fatal("a connection made before Stop still works")
	} else if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("a connection made before Stop hangs; want it broken")
	}
}

func TestCleanupStopsServer(t *testing.T) {
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
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postmaster pid %d after its test ended: kill(0) = %v, want ESRCH", pid, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server directory %s after its test ended: %v, want it removed", dir, err)
	}
}

func TestFindBin(t *testing.T) {
	root := t.TempDir()
	mkbin := func(dir string, names ...string) string {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	good := mkbin(filepath.Join(root, "good"), "initdb", "postgres")
	half := mkbin(filepath.Join(root, "half"), "initdb")
	v9 := mkbin(filepath.Join(root, "9.6", "bin"), "initdb", "postgres")
	v15 := mkbin(filepath.Join(root, "15", "bin"), "initdb", "postgres")
	v17 := mkbin(filepath.Join(root, "17", "bin"), "initdb") // incomplete: skipped

	globOf := func(dirs ...string) func(string) ([]string, error) {
		return func(string) ([]string, error) { return dirs, nil }
	}
	onPath := func(dir string) func(string) (string, error) {
		return func(name string) (string, error) { return filepath.Join(dir, name), nil }
	}
	notOnPath := func(name string) (string, error) { return "", fmt.Errorf("%s: not found", name) }

	tests := []struct {
		name    string
		env     string
		glob    func(string) ([]string, error)
		look    func(string) (string, error)
		want    string
		wantErr string
	}{
		{"env", good, globOf(v15), notOnPath, good, ""},
		{"env without postgres", half, globOf(v15), notOnPath, "", "no postgres"},
		{"env missing", filepath.Join(root, "missing"), globOf(v15), notOnPath, "", "no initdb"},
		{"newest Debian version", "", globOf(v9, v15, v17), notOnPath, v15, ""},
		{"Debian ahead of PATH", "", globOf(v9), onPath(good), v9, ""},
		{"PATH", "", globOf(), onPath(good), good, ""},
		{"PATH without postgres", "", globOf(), onPath(half), "", "no postgres"},
		{"nowhere", "", globOf(), notOnPath, "", "no initdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == EnvBin {
					return tt.env
				}
				return ""
			}
			got, err := findBin(getenv, tt.glob, tt.look)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("findBin() = %q, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("findBin() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDatabaseName(t *testing.T) {
	tests := []struct {
		n    int64
		test string
		want string
	}{
		{1, "TestX", "t1_testx"},
		{2, "TestStore/postgres/Push-Twice", "t2_teststore_postgres_push_twice"},
		{3, strings.Repeat("a", 100), "t3_" + strings.Repeat("a", 60)},
	}
	for _, tt := range tests {
		if got := databaseName(tt.n, tt.test); got != tt.want {
			t.Errorf("databaseName(%d, %q) = %q, want %q", tt.n, tt.test, got, tt.want)
		}
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

func TestStartWithoutBinaries(t *testing.T) {
	t.Setenv(EnvBin, "/nonexistent/bin")

	t.Setenv(EnvRequire, "")
	var skipped fakeTB
	runStart(&skipped)
	if skipped.skip == "" || skipped.fatal != "" {
		t.Errorf("without %s: skip %q, fatal %q; want a skip", EnvRequire, skipped.skip, skipped.fatal)
	}
	if !strings.Contains(skipped.skip, "install-test-deps.sh") {
		t.Errorf("skip message %q does not say how to install PostgreSQL", skipped.skip)
	}

	t.Setenv(EnvRequire, "1")
	var failed fakeTB
	runStart(&failed)
	if failed.fatal == "" || failed.skip != "" {
		t.Errorf("with %s=1: skip %q, fatal %q; want a failure", EnvRequire, failed.skip, failed.fatal)
	}
}

func TestStartReportsServerThatExits(t *testing.T) {
	// A server that cannot start must fail with its log, not hang until
	// the timeout. Stand-ins: an initdb that makes the directory, and a
	// postgres that complains and exits.
	// Not t.TempDir, whose parent the server's user may not reach.
	dir, err := os.MkdirTemp("", "pgtest-fake")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	initdb := "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --pgdata ] && mkdir -p \"$2\"; shift; done\n"
	postgres := "#!/bin/sh\necho 'FATAL:  could not create lock file' >&2\nexit 1\n"
	for name, script := range map[string]string{"initdb": initdb, "postgres": postgres} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(EnvBin, dir)
	var tb fakeTB
	tb.TB = t
	start := time.Now()
	runStart(&tb)
	if !strings.Contains(tb.fatal, "exited at start") || !strings.Contains(tb.fatal, "could not create lock file") {
		t.Errorf("Start of a failing server: fatal %q; want it to say the server exited, with its log", tb.fatal)
	}
	if d := time.Since(start); d > startTimeout/2 {
		t.Errorf("Start took %v to see the server exit", d)
	}
}
