package store

import "context"

// backend is what differs between the databases. The SQL the store runs is
// shared: both take $1-style parameters, ON CONFLICT upserts, partial
// indexes and RETURNING; times bind as time.Time (timestamptz in
// PostgreSQL, integer microseconds in SQLite, declared TIMESTAMP so the
// driver reads them back as times).
type backend interface {
	// beginWrite starts a transaction that may write. Writes are serialized
	// across every process sharing the database: SQLite takes its write
	// lock at BEGIN, PostgreSQL when lockState locks the state row.
	beginWrite(ctx context.Context) (txn, error)
	// beginRead starts a transaction that sees one snapshot of the
	// database and writes nothing.
	beginRead(ctx context.Context) (txn, error)
	// lockState is the clause that makes reading the state row lock it
	// until the transaction ends ("FOR UPDATE"), or "" where beginWrite
	// has locked the database already.
	lockState() string
	// isUniqueViolation says whether err is a unique constraint's refusal.
	isUniqueViolation(err error) bool
	// notify tells watchers, when tx commits, that the revision is rev.
	notify(ctx context.Context, tx txn, rev int64) error
	// watch calls emit with the revision as it changes until ctx ends,
	// reading it at least every s.poll.
	watch(ctx context.Context, s *Store, emit func(int64))
	// migrate applies the migrations the database lacks.
	migrate(ctx context.Context) error
	close() error
}

// txn is a transaction of either database.
type txn interface {
	exec(ctx context.Context, sql string, args ...any) (rowsAffected int64, err error)
	query(ctx context.Context, sql string, args ...any) (rows, error)
	queryRow(ctx context.Context, sql string, args ...any) row
	commit(ctx context.Context) error
	// rollback ends the transaction if it has not ended; it is safe to
	// call after commit.
	rollback(ctx context.Context) error
}

// rows is a query's result, read as database/sql's and pgx's are.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// row is a one-row result. Its Scan returns an error that errors.Is
// sql.ErrNoRows when there is no row, for both databases.
type row interface {
	Scan(dest ...any) error
}
