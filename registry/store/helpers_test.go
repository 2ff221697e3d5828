package store

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/pgtest"
)

// registryStore is the method set the registry will use; the guard keeps
// the one concrete type honest until the interface moves beside its users.
type registryStore interface {
	Push(ctx context.Context, req PushRequest) (PushResult, error)
	Activate(ctx context.Context, subject string, version int, author, message string) (Version, int64, error)
	ActivateVersion(ctx context.Context, req ActivateRequest) (Version, int64, error)
	Approve(ctx context.Context, a Approval, ttl time.Duration) (Approval, error)
	Approvals(ctx context.Context, subject string) ([]Approval, error)
	Delete(ctx context.Context, subject, author, message string) (int64, error)
	Active(ctx context.Context) (State, error)
	Revision(ctx context.Context) (int64, error)
	History(ctx context.Context, subject string, limit int) ([]Version, error)
	Version(ctx context.Context, subject string, n int) (Version, error)
	CreateToken(ctx context.Context, spec TokenSpec) (string, error)
	Authenticate(ctx context.Context, secret string) (Token, error)
	RevokeToken(ctx context.Context, name string) error
	ListTokens(ctx context.Context) ([]Token, error)
	Audit(ctx context.Context, e AuditEntry) error
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	RecordUsage(ctx context.Context, records []UsageRecord) error
	Usage(ctx context.Context, virtualService string, coordinates []string, since time.Time) ([]OperationUsage, error)
	PruneUsage(ctx context.Context, before time.Time) (int64, error)
	Watch(ctx context.Context) <-chan int64
	Close() error
}

var _ registryStore = (*Store)(nil)

// testDB is one empty database of either kind, which tests may open any
// number of stores on, as replicas would.
type testDB struct {
	kind string // "sqlite" or "postgres"
	dsn  string // the file's path, or the connection string
	srv  *pgtest.Server
}

// open opens a store on the database, closed when t ends.
func (d testDB) open(t testing.TB, opts Options) *Store {
	t.Helper()
	opts.Log = zerolog.New(zerolog.NewTestWriter(t)).With().Str("store", d.kind).Logger()
	s, err := d.tryOpen(t.Context(), opts)
	if err != nil {
		t.Fatalf("opening the %s store: %v", d.kind, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing the %s store: %v", d.kind, err)
		}
	})
	return s
}

func (d testDB) tryOpen(ctx context.Context, opts Options) (*Store, error) {
	if d.kind == "sqlite" {
		return OpenSQLite(ctx, d.dsn, opts)
	}
	return OpenPostgres(ctx, d.dsn, opts)
}

// backends runs fn once per kind of database, each as a subtest given a
// maker of fresh databases. PostgreSQL's subtest skips without a server
// (unless WEFT_REQUIRE_POSTGRES=1); one server serves all its databases.
func backends(t *testing.T, fn func(t *testing.T, newDB func(t testing.TB) testDB)) {
	t.Run("sqlite", func(t *testing.T) {
		var n atomic.Int64
		fn(t, func(t testing.TB) testDB {
			dir := t.TempDir()
			return testDB{kind: "sqlite", dsn: filepath.Join(dir, "registry"+strconv.FormatInt(n.Add(1), 10)+".db")}
		})
	})
	t.Run("postgres", func(t *testing.T) {
		srv := pgtest.Start(t)
		fn(t, func(t testing.TB) testDB {
			return testDB{kind: "postgres", dsn: srv.NewDatabase(t), srv: srv}
		})
	})
}

// ctx returns a context for one test step, bounded so a hang fails the
// test instead of stalling it.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// files builds a version's files from path, content pairs.
func files(kv ...string) map[string][]byte {
	m := make(map[string][]byte, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = []byte(kv[i+1])
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// push pushes or ends the test.
func push(t testing.TB, s *Store, req PushRequest) PushResult {
	t.Helper()
	if req.Author == "" {
		req.Author = "alice"
	}
	res, err := s.Push(ctx(t), req)
	if err != nil {
		t.Fatalf("Push(%s): %v", req.Subject, err)
	}
	return res
}

// receive waits for the next revision from ch at most d.
func receive(t testing.TB, ch <-chan int64, d time.Duration) (int64, bool) {
	t.Helper()
	select {
	case rev, ok := <-ch:
		return rev, ok
	case <-time.After(d):
		t.Fatalf("no revision within %v", d)
		return 0, false
	}
}

// waitFor receives revisions from ch until one is at least want, within d.
func waitFor(t testing.TB, ch <-chan int64, want int64, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case rev, ok := <-ch:
			if !ok {
				t.Fatalf("watch closed before revision %d", want)
			}
			if rev >= want {
				return
			}
		case <-deadline:
			t.Fatalf("revision %d not seen within %v", want, d)
		}
	}
}
