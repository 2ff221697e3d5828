package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weft-gateway/weft/internal/pgtest"
)

// TestPostgresWatchSurvivesRestart stops the server under a watcher and
// brings it back: the watcher reconnects, sees what changed meanwhile, and
// hears notifications again; the store's pool serves again.
func TestPostgresWatchSurvivesRestart(t *testing.T) {
	srv := pgtest.Start(t)
	db := testDB{kind: "postgres", dsn: srv.NewDatabase(t), srv: srv}
	// No poll within the test: what the watcher sees after the restart,
	// it sees by reconnecting and by notifications.
	watcher := db.open(t, Options{PollInterval: time.Hour})
	ch := watcher.Watch(t.Context())
	if rev, _ := receive(t, ch, 5*time.Second); rev != 0 {
		t.Fatalf("first value = %d; want 0", rev)
	}

	srv.Stop()
	c, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	_, err := watcher.Revision(c)
	cancel()
	if err == nil {
		t.Fatal("the store read the revision with the server down")
	}
	// Down long enough for the watcher to fail to reconnect a few times.
	time.Sleep(time.Second)
	srv.Restart()

	pusher := db.open(t, Options{})
	start := time.Now()
	push(t, pusher, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "1")})
	waitFor(t, ch, 1, 5*time.Second)
	t.Logf("revision 1 seen %v after the push that followed the restart", time.Since(start))
	// Now listening again: the next change comes by notification.
	push(t, pusher, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "2")})
	waitFor(t, ch, 2, 5*time.Second)

	// The watcher's own pool replaced its broken connections.
	if _, err := watcher.Push(ctx(t), PushRequest{Subject: "Upstream/a", Author: "x", Files: files("a.graphql", "3")}); err != nil {
		t.Fatalf("push through the store that lived through the restart: %v", err)
	}
	waitFor(t, ch, 3, 5*time.Second)
}

// TestPostgresWatchPolls changes the revision without a notification, as a
// change sent while the watcher was disconnected looks: the poll finds it.
func TestPostgresWatchPolls(t *testing.T) {
	srv := pgtest.Start(t)
	db := testDB{kind: "postgres", dsn: srv.NewDatabase(t), srv: srv}
	s := db.open(t, Options{PollInterval: 100 * time.Millisecond})
	ch := s.Watch(t.Context())
	receive(t, ch, 5*time.Second)

	conn, err := pgx.Connect(ctx(t), db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx(t), "UPDATE registry_state SET revision = revision + 5"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ch, 5, 5*time.Second)

	// A notification that is not a revision makes the watcher read it.
	if _, err := conn.Exec(ctx(t), "UPDATE registry_state SET revision = revision + 1; NOTIFY weft_registry_revision, 'junk'"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ch, 6, 5*time.Second)
}

func TestOpenPostgresErrors(t *testing.T) {
	srv := pgtest.Start(t)
	tests := []struct {
		name, dsn, want string
	}{
		{"bad connection string", "postgres://u:secret@[::1/x", "invalid connection string"},
		{"no such database", strings.Replace(srv.URL(), "/postgres?", "/missing?", 1), "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenPostgres(ctx(t), tt.dsn, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("OpenPostgres(%q) error = %v; want one with %q", tt.dsn, err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}
