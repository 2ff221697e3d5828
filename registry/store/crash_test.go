package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The test binary runs as the crashing registry when these are set: it
// opens the store, starts a push, says so on stdout at the hook between
// the push's writes, and waits there to be killed.
const (
	envCrashKind = "WEFT_STORE_CRASH_KIND" // "sqlite" or "postgres"
	envCrashDSN  = "WEFT_STORE_CRASH_DSN"
)

// crashLine is what the child prints at the hook.
const crashLine = "in the middle of the push"

func TestMain(m *testing.M) {
	if kind := os.Getenv(envCrashKind); kind != "" {
		os.Exit(crashChild(kind, os.Getenv(envCrashDSN)))
	}
	goleak.VerifyTestMain(m)
}

// crashFiles is the half push: large enough that SQLite spills pages of the
// open transaction to its write-ahead log before the kill, which recovery
// must then ignore.
func crashFiles() map[string][]byte {
	f := map[string][]byte{}
	for i := range 100 {
		f[fmt.Sprintf("catalog/part%03d.graphql", i)] = bytes.Repeat([]byte{byte('a' + i%26)}, 100<<10)
	}
	return f
}

func crashChild(kind, dsn string) int {
	ctx := context.Background()
	opts := Options{Hooks: Hooks{AfterVersionInsert: func(string, int) {
		fmt.Println(crashLine)
		// Killed here; the sleep only bounds a child whose parent died.
		time.Sleep(2 * time.Minute)
		fmt.Fprintln(os.Stderr, "crash child: not killed within 2 minutes")
		os.Exit(3)
	}}}
	db := testDB{kind: kind, dsn: dsn}
	s, err := db.tryOpen(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	_, err = s.Push(ctx, PushRequest{Subject: "Upstream/catalog", Author: "child", Message: "never lands", Files: crashFiles()})
	fmt.Fprintln(os.Stderr, "crash child: the push returned:", err)
	return 2
}

// testKillMidPush kills (SIGKILL) a process that is between the writes of a
// push, then checks that nothing of the push is visible: the old version
// active, no new version, the revision unchanged, no audit entry; and that
// the store takes the next push as if nothing happened.
func testKillMidPush(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	v1 := files("catalog/schema.graphql", "type Query { a: Int }", "catalog/upstream.yaml", "kind: Upstream")
	push(t, s, PushRequest{Subject: "Upstream/catalog", Files: v1, Message: "v1"})
	push(t, s, PushRequest{Subject: "Upstream/users", Files: files("users.graphql", "type Query { u: Int }")})
	before, err := s.Active(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	auditBefore, err := s.AuditLog(ctx(t), AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envCrashKind+"="+db.kind, envCrashDSN+"="+db.dsn)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	reached := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != crashLine {
			err = fmt.Errorf("child said %q", line)
		}
		reached <- err
	}()
	select {
	case err := <-reached:
		if err != nil {
			t.Fatalf("the child did not reach the hook: %v; its stderr:\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the child did not reach the hook within a minute; its stderr:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	killed = true
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v; want killed by SIGKILL", err)
	}

	// What the store that stayed up sees, and what a store opened after
	// the crash sees (SQLite recovers its log on open).
	for name, st := range map[string]*Store{"running store": s, "reopened store": db.open(t, Options{})} {
		after, err := st.Active(ctx(t))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if after.Revision != before.Revision || fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%s: after the kill, Active = revision %d %+v; want as before, revision %d %+v",
				name, after.Revision, after.Versions, before.Revision, before.Versions)
		}
		if _, err := st.Version(ctx(t), "Upstream/catalog", 2); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: version 2 after the kill: error = %v; want ErrNotFound", name, err)
		}
		if h, err := st.History(ctx(t), "Upstream/catalog", 0); err != nil || len(h) != 1 {
			t.Errorf("%s: History = %+v, %v; want version 1 only", name, h, err)
		}
		auditAfter, err := st.AuditLog(ctx(t), AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(auditAfter) != fmt.Sprint(auditBefore) {
			t.Errorf("%s: audit after the kill = %+v; want as before, %+v", name, auditAfter, auditBefore)
		}
	}
	if db.kind == "sqlite" {
		var check string
		err := s.read(ctx(t), func(tx txn) error { return tx.queryRow(ctx(t), "PRAGMA integrity_check").Scan(&check) })
		if err != nil || check != "ok" {
			t.Errorf("integrity_check = %q, %v; want ok", check, err)
		}
	}

	// The next push takes the number the killed one never got. PostgreSQL
	// may hold the dead session's locks until it notices; the push waits.
	res := push(t, s, PushRequest{Subject: "Upstream/catalog", Files: crashFiles(), Message: "v2"})
	if res.Version.Number != 2 || res.Revision != before.Revision+1 {
		t.Errorf("push after the kill = version %d at revision %d; want 2 at %d", res.Version.Number, res.Revision, before.Revision+1)
	}
}
