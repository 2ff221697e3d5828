package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteBusyTimeout is how long a write waits for another process's write
// to end before it fails with SQLITE_BUSY. Pushes are short; this covers a
// large one and a slow disk.
const sqliteBusyTimeout = 30 * time.Second

// sqliteReaders caps the connections that read at once.
const sqliteReaders = 4

// OpenSQLite opens the SQLite store in the file at path, creating it if
// needed, and brings its tables up to date. Any number of processes may
// open one file (on a local disk: SQLite's locks do not work over NFS);
// their writes take turns.
//
// The database is in WAL mode, so reads never wait for a write, with
// synchronous=FULL, so a committed push survives a power cut. Each Store
// writes through one connection, so its own writers queue in Go rather
// than spin on SQLite's lock, and reads through up to four more.
func OpenSQLite(ctx context.Context, path string, opts Options) (*Store, error) {
	switch {
	case path == "":
		return nil, fmt.Errorf("open SQLite store: the path is empty")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return nil, fmt.Errorf("open SQLite store %s: give a file's path (an in-memory database is not shared between connections)", quote(path))
	case strings.ContainsAny(path, "?#"):
		return nil, fmt.Errorf("open SQLite store %s: the path may not hold '?' or '#'", quote(path))
	}
	pragmas := url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()),
			"foreign_keys(1)",
		},
		// Times are stored as microseconds and read back as times from
		// the columns declared TIMESTAMP.
		"_time_integer_format": {"unix_micro"},
		"_inttotime":           {"1"},
	}
	writerDSN := withPragmas(pragmas, "journal_mode(WAL)", "synchronous(FULL)")
	writerDSN.Set("_txlock", "immediate") // take the write lock at BEGIN: no upgrade deadlocks
	readerDSN := withPragmas(pragmas, "query_only(1)")

	writer, err := sql.Open("sqlite", path+"?"+writerDSN.Encode())
	if err != nil {
		return nil, fmt.Errorf("open SQLite store %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	b := &sqliteBackend{writer: writer}
	if err := b.migrate(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open SQLite store %s: %w", path, err)
	}
	b.reader, err = sql.Open("sqlite", path+"?"+readerDSN.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open SQLite store %s: %w", path, err)
	}
	b.reader.SetMaxOpenConns(sqliteReaders)
	b.reader.SetMaxIdleConns(sqliteReaders)
	return newStore(b, opts, 500*time.Millisecond), nil
}

func withPragmas(base url.Values, pragmas ...string) url.Values {
	v := url.Values{}
	for k, vs := range base {
		v[k] = append([]string(nil), vs...)
	}
	v["_pragma"] = append(v["_pragma"], pragmas...)
	return v
}

// sqliteBackend is the SQLite store's database: one connection that
// writes, a few that read.
type sqliteBackend struct {
	writer, reader *sql.DB
}

var _ backend = (*sqliteBackend)(nil)

func (b *sqliteBackend) beginWrite(ctx context.Context) (txn, error) {
	tx, err := b.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return sqlTxn{tx}, nil
}

func (b *sqliteBackend) beginRead(ctx context.Context) (txn, error) {
	tx, err := b.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return sqlTxn{tx}, nil
}

// lockState is empty: the write transaction holds the database's write
// lock from BEGIN IMMEDIATE on.
func (b *sqliteBackend) lockState() string { return "" }

func (b *sqliteBackend) isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// notify does nothing: SQLite has no notifications; watchers poll.
func (b *sqliteBackend) notify(context.Context, txn, int64) error { return nil }

func (b *sqliteBackend) watch(ctx context.Context, s *Store, emit func(int64)) {
	s.pollRevisions(ctx, s.poll, emit)
}

func (b *sqliteBackend) migrate(ctx context.Context) error {
	migrations, err := loadMigrations(migrationFiles, "sqlite")
	if err != nil {
		return err
	}
	// BEGIN IMMEDIATE makes this the only migration running on the file.
	tx, err := b.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer tx.rollback(ctx)
	if _, err := applyMigrations(ctx, tx, migrations, "TIMESTAMP"); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

func (b *sqliteBackend) close() error {
	var errs []error
	if b.reader != nil {
		errs = append(errs, b.reader.Close())
	}
	return errors.Join(append(errs, b.writer.Close())...)
}

// sqlTxn is a database/sql transaction as a txn.
type sqlTxn struct{ tx *sql.Tx }

func (t sqlTxn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTxn) query(ctx context.Context, q string, args ...any) (rows, error) {
	rs, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rs}, nil
}

func (t sqlTxn) queryRow(ctx context.Context, q string, args ...any) row {
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t sqlTxn) commit(context.Context) error { return t.tx.Commit() }

func (t sqlTxn) rollback(context.Context) error {
	if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// sqlRows adapts *sql.Rows, whose Close returns an error that Err also
// reports.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }
