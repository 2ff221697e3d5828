package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
)

// rollbackTimeout bounds the rollback of a failed transaction, which runs
// even when the caller's context has ended.
const rollbackTimeout = 10 * time.Second

// write runs fn in a write transaction, with the state row locked so that
// changes of what is active take turns, and commits it. fn gets the
// revision as it was.
func (s *Store) write(ctx context.Context, fn func(tx txn, rev int64) error) error {
	if err := s.transact(ctx, true, fn); err != nil {
		return err
	}
	s.committed()
	return nil
}

func (s *Store) transact(ctx context.Context, lockState bool, fn func(tx txn, rev int64) error) error {
	if s.closing.Err() != nil {
		return ErrClosed
	}
	tx, err := s.b.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_ = tx.rollback(rctx) // a no-op after commit; a failed one ends with the connection
	}()
	var rev int64
	if lockState {
		if err := tx.queryRow(ctx, "SELECT revision FROM registry_state WHERE id = 1"+s.b.lockState()).Scan(&rev); err != nil {
			return fmt.Errorf("reading the revision: %w", err)
		}
	}
	if err := fn(tx, rev); err != nil {
		return err
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// update runs fn in a write transaction that leaves the state alone (a
// token, the audit log, usage), and commits it. It does not wait for the
// state row, so it never queues behind a push in PostgreSQL; SQLite
// serializes every write anyway.
func (s *Store) update(ctx context.Context, fn func(tx txn) error) error {
	return s.transact(ctx, false, func(tx txn, _ int64) error { return fn(tx) })
}

// read runs fn in a read transaction: one snapshot of the database.
func (s *Store) read(ctx context.Context, fn func(tx txn) error) error {
	if s.closing.Err() != nil {
		return ErrClosed
	}
	tx, err := s.b.beginRead(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_ = tx.rollback(rctx)
	}()
	return fn(tx)
}

// bump moves the revision on by one, in tx, and tells the watchers when tx
// commits.
func (s *Store) bump(ctx context.Context, tx txn, rev int64) (int64, error) {
	next := rev + 1
	if _, err := tx.exec(ctx, "UPDATE registry_state SET revision = $1 WHERE id = 1", next); err != nil {
		return 0, fmt.Errorf("moving the revision to %d: %w", next, err)
	}
	if err := s.b.notify(ctx, tx, next); err != nil {
		return 0, fmt.Errorf("notifying revision %d: %w", next, err)
	}
	return next, nil
}

// Push stores a new version of req.Subject and activates it, in one
// transaction that also moves the revision on and writes the audit entry:
// a reader, or a crash, sees all of it or none of it. When the files equal
// the active version's, nothing changes (the push is audited as unchanged).
//
// Push refuses, writing a refusal to the audit log, input that breaks the
// rules (ErrInvalid), a revision other than req.ExpectRevision
// (*RevisionConflictError) and a path that another active subject has
// (*PathConflictError).
func (s *Store) Push(ctx context.Context, req PushRequest) (PushResult, error) {
	res, err := s.PushAll(ctx, []PushRequest{req}, req.ExpectRevision)
	if err != nil {
		return PushResult{}, err
	}
	return res[0], nil
}

// PushAll pushes several subjects as one change: their new versions are
// written and activated in one transaction that moves the revision on
// once, so that a replica never serves some of them without the others (a
// VirtualService without the Upstream it needs). Each request is pushed as
// Push pushes it, except that its ExpectRevision is ignored for expect:
// when expect is set, the whole change fails with a
// *RevisionConflictError unless the store's revision is *expect.
//
// A subject may appear once. Paths may move between the subjects pushed
// together. The results are in the order of reqs; when every request is
// unchanged, the revision does not move.
func (s *Store) PushAll(ctx context.Context, reqs []PushRequest, expect *int64) ([]PushResult, error) {
	if len(reqs) == 0 {
		return nil, fmt.Errorf("push: %w", &InputError{Field: "reqs", Reason: "nothing to push"})
	}
	seen := make(map[string]bool, len(reqs))
	for _, req := range reqs {
		err := s.checkPush(req)
		if err == nil && seen[req.Subject] {
			err = &InputError{Field: "Subject", Reason: quote(req.Subject) + " is pushed twice in one change"}
		}
		if err != nil {
			s.auditRefusal(ctx, AuditPush, req.Author, req.Subject, 0, err)
			return nil, fmt.Errorf("push %s: %w", req.Subject, err)
		}
		seen[req.Subject] = true
	}
	now := s.clock()
	var out []PushResult
	failed := reqs[0].Subject
	err := s.write(ctx, func(tx txn, rev int64) error {
		out = make([]PushResult, len(reqs))
		failed = reqs[0].Subject
		if expect != nil && *expect != rev {
			return &RevisionConflictError{Expected: *expect, Actual: rev}
		}
		var changed []int
		for i, req := range reqs {
			failed = req.Subject
			res, err := s.writeVersion(ctx, tx, req, rev, now)
			if err != nil {
				return err
			}
			out[i] = res
			if !res.Unchanged {
				changed = append(changed, i)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		// Every pushed subject lets go of its paths before any claims
		// them, so that a file may move from one to another.
		for _, i := range changed {
			if _, err := tx.exec(ctx, "DELETE FROM active_files WHERE subject = $1", reqs[i].Subject); err != nil {
				return fmt.Errorf("releasing the active files of %s: %w", reqs[i].Subject, err)
			}
		}
		for _, i := range changed {
			failed = reqs[i].Subject
			if err := claimPaths(ctx, tx, reqs[i].Subject, sortedKeys(reqs[i].Files)); err != nil {
				return err
			}
			if err := spendApprovals(ctx, tx, reqs[i].Subject, out[i].Version.Number, now, reqs[i].Approvals); err != nil {
				return err
			}
		}
		next, err := s.bump(ctx, tx, rev)
		if err != nil {
			return err
		}
		for _, i := range changed {
			out[i].Revision = next
		}
		return nil
	})
	if err != nil {
		s.auditRefusal(ctx, AuditPush, reqs[0].Author, failed, 0, err)
		return nil, fmt.Errorf("push %s: %w", failed, err)
	}
	return out, nil
}

// writeVersion writes req as the subject's next version and marks it
// active, with its audit entry, in tx; the caller claims its paths and
// moves the revision on. Files equal to the active version's write only
// the audit entry and come back Unchanged, with the revision rev.
func (s *Store) writeVersion(ctx context.Context, tx txn, req PushRequest, rev int64, now time.Time) (PushResult, error) {
	hash := ContentHash(req.Files)
	var active, latest int
	var activeHash string
	err := tx.queryRow(ctx, `
		SELECT COALESCE(s.active_version, 0), s.latest_version, COALESCE(v.hash, '')
		FROM subjects s LEFT JOIN versions v ON v.subject = s.subject AND v.version = s.active_version
		WHERE s.subject = $1`, req.Subject).Scan(&active, &latest, &activeHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.exec(ctx, "INSERT INTO subjects (subject, active_version, latest_version) VALUES ($1, NULL, 0)", req.Subject); err != nil {
			return PushResult{}, fmt.Errorf("adding the subject: %w", err)
		}
	case err != nil:
		return PushResult{}, fmt.Errorf("reading the subject: %w", err)
	}

	if active != 0 && activeHash == hash {
		v, err := versionMeta(ctx, tx, req.Subject, active)
		if err != nil {
			return PushResult{}, err
		}
		v.Active = true
		return PushResult{Version: v, Revision: rev, Unchanged: true}, insertAudit(ctx, tx, AuditEntry{
			Time: now, Actor: req.Author, Action: AuditPush, Subject: req.Subject, Version: active,
			Allowed: true, Reason: "unchanged: the files equal the active version's",
		})
	}

	n := latest + 1
	var composed any // NULL when absent or empty, which read back alike
	if len(req.Composed) > 0 {
		composed = req.Composed
	}
	if _, err := tx.exec(ctx, `
		INSERT INTO versions (subject, version, author, message, created_at, hash, composed)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		req.Subject, n, req.Author, req.Message, now, hash, composed); err != nil {
		return PushResult{}, fmt.Errorf("writing version %d: %w", n, err)
	}
	if err := insertFiles(ctx, tx, req.Subject, n, req.Files); err != nil {
		return PushResult{}, fmt.Errorf("writing version %d: %w", n, err)
	}
	if h := s.hooks.AfterVersionInsert; h != nil {
		h(req.Subject, n)
	}
	if _, err := tx.exec(ctx, "UPDATE subjects SET active_version = $2, latest_version = $2 WHERE subject = $1", req.Subject, n); err != nil {
		return PushResult{}, fmt.Errorf("activating version %d: %w", n, err)
	}
	if err := insertAudit(ctx, tx, AuditEntry{
		Time: now, Actor: req.Author, Action: AuditPush, Subject: req.Subject, Version: n,
		Allowed: true, Reason: req.Message,
	}); err != nil {
		return PushResult{}, err
	}
	return PushResult{
		Version: Version{
			Subject: req.Subject, Number: n, Author: req.Author, Message: req.Message, Time: now,
			Hash: hash, Composed: nilIfEmpty(req.Composed), Files: maps.Clone(req.Files), Active: true,
		},
		Revision: rev,
	}, nil
}

// filesPerInsert is how many files one INSERT writes: a few round trips
// for a large version, few enough parameters for either database.
const filesPerInsert = 100

// insertFiles writes a version's files, in path order.
func insertFiles(ctx context.Context, tx txn, subject string, version int, files map[string][]byte) error {
	paths := sortedKeys(files)
	for len(paths) > 0 {
		chunk := paths[:min(len(paths), filesPerInsert)]
		paths = paths[len(chunk):]
		var q strings.Builder
		q.WriteString("INSERT INTO version_files (subject, version, path, content) VALUES ")
		args := []any{subject, version}
		for i, p := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "($1, $2, $%d, $%d)", len(args)+1, len(args)+2)
			args = append(args, p, nonNil(files[p]))
		}
		if _, err := tx.exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("writing files: %w", err)
		}
	}
	return nil
}

// nonNil returns b, or an empty slice for nil: both drivers write a nil
// []byte as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// claimPaths makes paths the active files of subject, in place of the ones
// it had, or returns a *PathConflictError naming each path another active
// subject has.
func claimPaths(ctx context.Context, tx txn, subject string, paths []string) error {
	if _, err := tx.exec(ctx, "DELETE FROM active_files WHERE subject = $1", subject); err != nil {
		return fmt.Errorf("releasing the active files: %w", err)
	}
	var conflict PathConflictError
	for _, p := range paths {
		n, err := tx.exec(ctx, "INSERT INTO active_files (path, subject) VALUES ($1, $2) ON CONFLICT (path) DO NOTHING", p, subject)
		if err != nil {
			return fmt.Errorf("claiming path %q: %w", p, err)
		}
		if n == 1 {
			continue
		}
		var owner string
		if err := tx.queryRow(ctx, "SELECT subject FROM active_files WHERE path = $1", p).Scan(&owner); err != nil {
			return fmt.Errorf("finding the owner of path %q: %w", p, err)
		}
		conflict.Paths = append(conflict.Paths, PathOwner{Path: p, Subject: owner})
	}
	if len(conflict.Paths) > 0 {
		conflict.Subject = subject
		return &conflict
	}
	return nil
}

// Activate makes version the active version of subject (a rollback, or a
// roll forward), in one transaction that moves the revision on and writes
// the audit entry. Activating the active version changes nothing.
//
// It refuses, writing a refusal to the audit log, a subject or version that
// does not exist (ErrNotFound) and a version whose paths another active
// subject has now (*PathConflictError).
func (s *Store) Activate(ctx context.Context, subject string, version int, author, message string) (Version, int64, error) {
	return s.ActivateVersion(ctx, ActivateRequest{Subject: subject, Version: version, Author: author, Message: message})
}

// ActivateRequest is a version of a subject to make active again.
type ActivateRequest struct {
	Subject string
	Version int
	Author  string
	Message string
	// ExpectRevision, when set, makes the activation fail with a
	// *RevisionConflictError unless the store's revision is this one: the
	// revision the caller built the config with this version against.
	ExpectRevision *int64
}

// ActivateVersion is Activate with a revision to expect: the registry
// builds the config a rollback makes before it activates it, and the
// activation must not land on a config it did not build.
func (s *Store) ActivateVersion(ctx context.Context, req ActivateRequest) (Version, int64, error) {
	subject, version, author, message := req.Subject, req.Version, req.Author, req.Message
	if err := s.checkAuthor(subject, author, message); err != nil {
		s.auditRefusal(ctx, AuditActivate, author, subject, version, err)
		return Version{}, 0, fmt.Errorf("activate %s version %d: %w", subject, version, err)
	}
	now := s.clock()
	var out Version
	var outRev int64
	err := s.write(ctx, func(tx txn, rev int64) error {
		if req.ExpectRevision != nil && *req.ExpectRevision != rev {
			return &RevisionConflictError{Expected: *req.ExpectRevision, Actual: rev}
		}
		var active int
		err := tx.queryRow(ctx, "SELECT COALESCE(active_version, 0) FROM subjects WHERE subject = $1", subject).Scan(&active)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no subject %s: %w", subject, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("reading the subject: %w", err)
		}
		v, err := versionMeta(ctx, tx, subject, version)
		if err != nil {
			return err
		}
		v.Active = true
		if active == version {
			out, outRev = v, rev
			return insertAudit(ctx, tx, AuditEntry{
				Time: now, Actor: author, Action: AuditActivate, Subject: subject, Version: version,
				Allowed: true, Reason: "unchanged: the version is active already",
			})
		}
		if _, err := tx.exec(ctx, "UPDATE subjects SET active_version = $2 WHERE subject = $1", subject, version); err != nil {
			return fmt.Errorf("activating: %w", err)
		}
		paths, err := versionPaths(ctx, tx, subject, version)
		if err != nil {
			return err
		}
		if err := claimPaths(ctx, tx, subject, paths); err != nil {
			return err
		}
		next, err := s.bump(ctx, tx, rev)
		if err != nil {
			return err
		}
		out, outRev = v, next
		return insertAudit(ctx, tx, AuditEntry{
			Time: now, Actor: author, Action: AuditActivate, Subject: subject, Version: version,
			Allowed: true, Reason: message,
		})
	})
	if err != nil {
		s.auditRefusal(ctx, AuditActivate, author, subject, version, err)
		return Version{}, 0, fmt.Errorf("activate %s version %d: %w", subject, version, err)
	}
	return out, outRev, nil
}

// Delete deactivates subject: it leaves the config, its paths are free, and
// its versions stay (Activate brings one back). It is one transaction that
// moves the revision on and writes the audit entry, and returns the new
// revision. A subject that does not exist or is not active is refused
// (ErrNotFound), and the refusal audited.
func (s *Store) Delete(ctx context.Context, subject, author, message string) (int64, error) {
	if err := s.checkAuthor(subject, author, message); err != nil {
		s.auditRefusal(ctx, AuditDelete, author, subject, 0, err)
		return 0, fmt.Errorf("delete %s: %w", subject, err)
	}
	now := s.clock()
	var out int64
	err := s.write(ctx, func(tx txn, rev int64) error {
		var active int
		err := tx.queryRow(ctx, "SELECT COALESCE(active_version, 0) FROM subjects WHERE subject = $1", subject).Scan(&active)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && active == 0) {
			return fmt.Errorf("no active subject %s: %w", subject, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("reading the subject: %w", err)
		}
		if _, err := tx.exec(ctx, "UPDATE subjects SET active_version = NULL WHERE subject = $1", subject); err != nil {
			return fmt.Errorf("deactivating: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM active_files WHERE subject = $1", subject); err != nil {
			return fmt.Errorf("releasing the active files: %w", err)
		}
		next, err := s.bump(ctx, tx, rev)
		if err != nil {
			return err
		}
		out = next
		return insertAudit(ctx, tx, AuditEntry{
			Time: now, Actor: author, Action: AuditDelete, Subject: subject, Version: active,
			Allowed: true, Reason: message,
		})
	})
	if err != nil {
		s.auditRefusal(ctx, AuditDelete, author, subject, 0, err)
		return 0, fmt.Errorf("delete %s: %w", subject, err)
	}
	return out, nil
}

// Revision returns the store's revision: 0 for a new store, and one more
// for each change of what is active.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.read(ctx, func(tx txn) error {
		return tx.queryRow(ctx, "SELECT revision FROM registry_state WHERE id = 1").Scan(&rev)
	})
	if err != nil {
		return 0, fmt.Errorf("revision: %w", err)
	}
	return rev, nil
}

// Active returns the revision and every active version with its files, as
// of one moment.
func (s *Store) Active(ctx context.Context) (State, error) {
	var st State
	err := s.read(ctx, func(tx txn) error {
		st = State{}
		if err := tx.queryRow(ctx, "SELECT revision FROM registry_state WHERE id = 1").Scan(&st.Revision); err != nil {
			return fmt.Errorf("reading the revision: %w", err)
		}
		rs, err := tx.query(ctx, `
			SELECT v.subject, v.version, v.author, v.message, v.created_at, v.hash, v.composed
			FROM subjects s JOIN versions v ON v.subject = s.subject AND v.version = s.active_version
			ORDER BY v.subject`)
		if err != nil {
			return fmt.Errorf("reading the active versions: %w", err)
		}
		st.Versions, err = scanVersions(rs)
		if err != nil {
			return fmt.Errorf("reading the active versions: %w", err)
		}
		byName := make(map[string]*Version, len(st.Versions))
		for i := range st.Versions {
			st.Versions[i].Active = true
			st.Versions[i].Files = map[string][]byte{}
			byName[st.Versions[i].Subject] = &st.Versions[i]
		}
		rs, err = tx.query(ctx, `
			SELECT f.subject, f.path, f.content
			FROM subjects s JOIN version_files f ON f.subject = s.subject AND f.version = s.active_version`)
		if err != nil {
			return fmt.Errorf("reading the active files: %w", err)
		}
		defer rs.Close()
		for rs.Next() {
			var subject, path string
			var content []byte
			if err := rs.Scan(&subject, &path, &content); err != nil {
				return fmt.Errorf("reading the active files: %w", err)
			}
			if v := byName[subject]; v != nil {
				v.Files[path] = nonNil(content)
			}
		}
		if err := rs.Err(); err != nil {
			return fmt.Errorf("reading the active files: %w", err)
		}
		return nil
	})
	if err != nil {
		return State{}, fmt.Errorf("active: %w", err)
	}
	return st, nil
}

// History returns subject's versions, newest first, without their files:
// at most limit (100 when limit is 0, at most MaxListLimit). A subject
// that was never pushed is ErrNotFound.
func (s *Store) History(ctx context.Context, subject string, limit int) ([]Version, error) {
	limit = listLimit(limit)
	var out []Version
	err := s.read(ctx, func(tx txn) error {
		var active int
		err := tx.queryRow(ctx, "SELECT COALESCE(active_version, 0) FROM subjects WHERE subject = $1", subject).Scan(&active)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no subject %s: %w", subject, ErrNotFound)
		} else if err != nil {
			return err
		}
		rs, err := tx.query(ctx, `
			SELECT subject, version, author, message, created_at, hash, composed
			FROM versions WHERE subject = $1 ORDER BY version DESC LIMIT $2`, subject, limit)
		if err != nil {
			return err
		}
		out, err = scanVersions(rs)
		for i := range out {
			out[i].Active = out[i].Number == active
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", subject, err)
	}
	return out, nil
}

// Version returns version n of subject with its files, or ErrNotFound.
func (s *Store) Version(ctx context.Context, subject string, n int) (Version, error) {
	var v Version
	err := s.read(ctx, func(tx txn) error {
		var err error
		if v, err = versionMeta(ctx, tx, subject, n); err != nil {
			return err
		}
		var active int
		if err := tx.queryRow(ctx, "SELECT COALESCE(active_version, 0) FROM subjects WHERE subject = $1", subject).Scan(&active); err != nil {
			return err
		}
		v.Active = active == n
		rs, err := tx.query(ctx, "SELECT path, content FROM version_files WHERE subject = $1 AND version = $2", subject, n)
		if err != nil {
			return err
		}
		defer rs.Close()
		v.Files = map[string][]byte{}
		for rs.Next() {
			var path string
			var content []byte
			if err := rs.Scan(&path, &content); err != nil {
				return err
			}
			v.Files[path] = nonNil(content)
		}
		return rs.Err()
	})
	if err != nil {
		return Version{}, fmt.Errorf("%s version %d: %w", subject, n, err)
	}
	return v, nil
}

// versionMeta reads a version without its files.
func versionMeta(ctx context.Context, tx txn, subject string, n int) (Version, error) {
	v := Version{Subject: subject, Number: n}
	err := tx.queryRow(ctx, `
		SELECT author, message, created_at, hash, composed
		FROM versions WHERE subject = $1 AND version = $2`, subject, n).
		Scan(&v.Author, &v.Message, &v.Time, &v.Hash, &v.Composed)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, fmt.Errorf("no version %d of %s: %w", n, subject, ErrNotFound)
	} else if err != nil {
		return Version{}, fmt.Errorf("reading version %d: %w", n, err)
	}
	v.Time = v.Time.UTC()
	return v, nil
}

// versionPaths reads a version's paths, in order.
func versionPaths(ctx context.Context, tx txn, subject string, n int) ([]string, error) {
	rs, err := tx.query(ctx, "SELECT path FROM version_files WHERE subject = $1 AND version = $2 ORDER BY path", subject, n)
	if err != nil {
		return nil, fmt.Errorf("reading the paths of version %d: %w", n, err)
	}
	defer rs.Close()
	var paths []string
	for rs.Next() {
		var p string
		if err := rs.Scan(&p); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, rs.Err()
}

// scanVersions reads rows of (subject, version, author, message,
// created_at, hash, composed) and closes them.
func scanVersions(rs rows) ([]Version, error) {
	defer rs.Close()
	var out []Version
	for rs.Next() {
		var v Version
		if err := rs.Scan(&v.Subject, &v.Number, &v.Author, &v.Message, &v.Time, &v.Hash, &v.Composed); err != nil {
			return nil, err
		}
		v.Time = v.Time.UTC()
		out = append(out, v)
	}
	return out, rs.Err()
}

func listLimit(limit int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > MaxListLimit:
		return MaxListLimit
	}
	return limit
}
