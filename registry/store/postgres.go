package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// notifyChannel is the channel a change's transaction notifies with the new
// revision. Channels are per database, so stores in different databases of
// one server do not hear each other.
const notifyChannel = "weft_registry_revision"

// migrationLock is the key of the advisory lock that makes one process at a
// time migrate a database; any constant no other user of the database
// takes will do ("weftmigr" in ASCII).
const migrationLock int64 = 0x776566746d696772

// Time limits of the PostgreSQL watcher.
const (
	// pgConnectTimeout bounds connecting the listening connection.
	pgConnectTimeout = 10 * time.Second
	// pgQueryTimeout bounds the watcher's read of the revision, so a
	// connection to a server that vanished without a word is given up.
	pgQueryTimeout = 10 * time.Second
	// pgBackoffMin and pgBackoffMax bound the wait between reconnections.
	pgBackoffMin = 100 * time.Millisecond
	pgBackoffMax = 10 * time.Second
)

// OpenPostgres opens the PostgreSQL store in the database connString names
// (a URL or key=value string, as pgx takes it, including pool settings
// such as pool_max_conns) and brings its tables up to date. Any number of
// replicas may open one database at once: migrations take an advisory
// lock, and writes of what is active take turns on the state row.
func OpenPostgres(ctx context.Context, connString string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx's error repeats the connection string, password included.
		return nil, fmt.Errorf("open PostgreSQL store: invalid connection string")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL store: %w", err)
	}
	b := &pgBackend{pool: pool, connConfig: cfg.ConnConfig}
	if err := b.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open PostgreSQL store on %s/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return newStore(b, opts, 10*time.Second), nil
}

// pgBackend is the PostgreSQL store's database: a pool, and for each
// watcher a connection of its own.
type pgBackend struct {
	pool       *pgxpool.Pool
	connConfig *pgx.ConnConfig
}

var _ backend = (*pgBackend)(nil)

func (b *pgBackend) beginWrite(ctx context.Context) (txn, error) {
	tx, err := b.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, err
	}
	return pgTxn{tx}, nil
}

// beginRead reads one snapshot: under READ COMMITTED each statement would
// see its own, and Active's versions and files could come from two.
func (b *pgBackend) beginRead(ctx context.Context) (txn, error) {
	tx, err := b.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	return pgTxn{tx}, nil
}

// lockState locks the state row, so changes of what is active run one at a
// time, across every replica, and each sees the one before.
func (b *pgBackend) lockState() string { return " FOR UPDATE" }

func (b *pgBackend) isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// notify queues the notification in tx: PostgreSQL sends it when, and
// only if, tx commits.
func (b *pgBackend) notify(ctx context.Context, tx txn, rev int64) error {
	_, err := tx.exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, strconv.FormatInt(rev, 10))
	return err
}

func (b *pgBackend) migrate(ctx context.Context) error {
	migrations, err := loadMigrations(migrationFiles, "postgres")
	if err != nil {
		return err
	}
	tx, err := b.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer tx.rollback(context.WithoutCancel(ctx))
	// Held to the end of the transaction: replicas starting together
	// migrate one after the other, and the later ones find nothing to do.
	if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("migrations: taking the lock: %w", err)
	}
	if _, err := applyMigrations(ctx, tx, migrations, "timestamptz"); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}

func (b *pgBackend) close() error {
	b.pool.Close()
	return nil
}

// watch listens for notifications on a connection of its own, and
// reconnects with backoff when it breaks, until ctx ends.
func (b *pgBackend) watch(ctx context.Context, s *Store, emit func(int64)) {
	bo := backoff{min: pgBackoffMin, max: pgBackoffMax}
	for {
		err := b.listen(ctx, s.poll, emit, bo.reset)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn().Err(err).Msg("registry store: listening for revisions failed; reconnecting")
		if !bo.wait(ctx) {
			return
		}
	}
}

// listen connects, listens, and emits revisions until the connection
// fails or ctx ends. It calls connected once listening.
func (b *pgBackend) listen(ctx context.Context, poll time.Duration, emit func(int64), connected func()) error {
	cctx, cancel := context.WithTimeout(ctx, pgConnectTimeout)
	conn, err := pgx.ConnectConfig(cctx, b.connConfig.Copy())
	cancel()
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pgConnectTimeout)
		defer cancel()
		conn.Close(cctx)
	}()
	lctx, cancel := context.WithTimeout(ctx, pgQueryTimeout)
	_, err = conn.Exec(lctx, "LISTEN "+pgx.Identifier{notifyChannel}.Sanitize())
	cancel()
	if err != nil {
		return fmt.Errorf("LISTEN: %w", err)
	}
	connected()
	// Read the revision after LISTEN: a change committed in between is
	// seen by this read or notified, and nothing missed while
	// disconnected stays missed.
	readRevision := func() error {
		qctx, cancel := context.WithTimeout(ctx, pgQueryTimeout)
		defer cancel()
		var rev int64
		if err := conn.QueryRow(qctx, "SELECT revision FROM registry_state WHERE id = 1").Scan(&rev); err != nil {
			return fmt.Errorf("reading the revision: %w", err)
		}
		emit(rev)
		return nil
	}
	if err := readRevision(); err != nil {
		return err
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, poll)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			rev, perr := strconv.ParseInt(n.Payload, 10, 64)
			if n.Channel != notifyChannel || perr != nil {
				// Not ours: read the revision rather than trust it.
				if err := readRevision(); err != nil {
					return err
				}
				continue
			}
			emit(rev)
		case pgconn.Timeout(err) && !conn.IsClosed():
			// The safety net: a quiet poll interval.
			if err := readRevision(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("waiting for notifications: %w", err)
		}
	}
}

// pgTxn is a pgx transaction as a txn.
type pgTxn struct{ tx pgx.Tx }

func (t pgTxn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (t pgTxn) query(ctx context.Context, q string, args ...any) (rows, error) {
	rs, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rs, nil
}

func (t pgTxn) queryRow(ctx context.Context, q string, args ...any) row {
	return t.tx.QueryRow(ctx, q, args...)
}

func (t pgTxn) commit(ctx context.Context) error { return t.tx.Commit(ctx) }

func (t pgTxn) rollback(ctx context.Context) error {
	if err := t.tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return nil
}
