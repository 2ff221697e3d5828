package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"time"
)

// migrationFiles holds each database's migrations, applied in the order of
// their numbers: migrations/<dialect>/NNNN_what.sql. A migration, once
// released, is never edited: a change is a new file.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migration is one file of migrationFiles.
type migration struct {
	version int
	name    string // the file's name
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// loadMigrations reads dialect's migrations from fsys: numbered from 1
// without gaps, in order.
func loadMigrations(fsys fs.FS, dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	var out []migration
	for _, e := range entries { // ReadDir sorts by name
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("%s/%s: a migration is a file named NNNN_what.sql", dir, e.Name())
		}
		v, _ := strconv.Atoi(m[1]) // four digits
		if want := len(out) + 1; v != want {
			return nil, fmt.Errorf("%s/%s: migration %d follows %d; want %04d", dir, e.Name(), v, want-1, want)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no migrations", dir)
	}
	return out, nil
}

// applyMigrations brings the database up to date in tx, which the caller
// has made the only one doing so (PostgreSQL: an advisory lock; SQLite:
// the write lock). Several replicas starting at once each run it in turn:
// the first applies what is missing, the others find nothing to do. A
// database migrated by a newer build (a version this one does not know)
// is refused with ErrSchemaTooNew, since this build would misread it.
func applyMigrations(ctx context.Context, tx txn, migrations []migration, timeType string) (applied int, err error) {
	if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text    NOT NULL,
		applied_at `+timeType+` NOT NULL
	)`); err != nil {
		return 0, fmt.Errorf("creating schema_migrations: %w", err)
	}
	rs, err := tx.query(ctx, "SELECT version, name FROM schema_migrations ORDER BY version")
	if err != nil {
		return 0, fmt.Errorf("reading schema_migrations: %w", err)
	}
	done := map[int]string{}
	newest := 0
	for rs.Next() {
		var v int
		var name string
		if err := rs.Scan(&v, &name); err != nil {
			rs.Close()
			return 0, fmt.Errorf("reading schema_migrations: %w", err)
		}
		done[v] = name
		newest = max(newest, v)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return 0, fmt.Errorf("reading schema_migrations: %w", err)
	}
	if known := len(migrations); newest > known {
		return 0, fmt.Errorf("the database has migration %d (%s), this build knows %d: %w", newest, done[newest], known, ErrSchemaTooNew)
	}
	for _, m := range migrations {
		if name, ok := done[m.version]; ok {
			if name != m.name {
				return 0, fmt.Errorf("migration %d was applied as %s, this build has %s", m.version, name, m.name)
			}
			continue
		}
		if _, err := tx.exec(ctx, m.sql); err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
			m.version, m.name, normTime(time.Now())); err != nil {
			return applied, fmt.Errorf("recording migration %s: %w", m.name, err)
		}
		applied++
	}
	return applied, nil
}
