package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Audit appends e to the audit log, on its own: for what the caller
// decided (a refused token, a check). Push, Activate and Delete audit
// themselves. A zero e.Time is now.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.Action == "" {
		return fmt.Errorf("audit: %w", &InputError{Field: "Action", Reason: "is empty"})
	}
	if err := s.checkTexts(map[string]string{
		"Actor": e.Actor, "Action": e.Action, "Subject": e.Subject, "Reason": e.Reason,
	}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if e.Time.IsZero() {
		e.Time = s.clock()
	}
	e.Time = normTime(e.Time)
	err := s.update(ctx, func(tx txn) error { return insertAudit(ctx, tx, e) })
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// insertAudit appends e in tx.
func insertAudit(ctx context.Context, tx txn, e AuditEntry) error {
	_, err := tx.exec(ctx, `
		INSERT INTO audit (at, actor, action, subject, version, allowed, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.Time, e.Actor, e.Action, e.Subject, e.Version, e.Allowed, e.Reason)
	if err != nil {
		return fmt.Errorf("writing the audit entry: %w", err)
	}
	return nil
}

// auditRefusal records that the store refused a change, in a transaction
// of its own since the change's was rolled back. Errors that are not
// refusals (a lost connection, a cancelled context) are not audited: the
// change failed, nobody refused it. A failure to audit is logged, not
// returned: the caller's error is the refusal.
func (s *Store) auditRefusal(ctx context.Context, action, actor, subject string, version int, err error) {
	if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrConflict) &&
		!errors.Is(err, ErrPathOwned) && !errors.Is(err, ErrNotFound) {
		return
	}
	max := s.limits.MaxText
	e := AuditEntry{
		Time:    s.clock(),
		Actor:   cleanText(actor, max),
		Action:  action,
		Subject: cleanText(subject, max),
		Version: version,
		Reason:  cleanText(err.Error(), max),
	}
	// The refusal is recorded even if the caller gives up right after.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	werr := s.update(actx, func(tx txn) error { return insertAudit(actx, tx, e) })
	if werr != nil {
		s.log.Error().Err(werr).Str("action", action).Str("subject", e.Subject).
			Str("refusal", e.Reason).Msg("registry store: auditing a refusal failed")
	}
}

// cleanText makes v storable whatever it holds: valid UTF-8, no NUL, at
// most max bytes.
func cleanText(v string, max int) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	v = strings.ReplaceAll(v, "\x00", "\uFFFD")
	if len(v) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut]
	}
	return v
}

// AuditLog returns the entries f selects, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Subject != "" {
		add("subject = $%d", f.Subject)
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.Allowed != nil {
		add("allowed = $%d", *f.Allowed)
	}
	if !f.Since.IsZero() {
		add("at >= $%d", normTime(f.Since))
	}
	q := "SELECT id, at, actor, action, subject, version, allowed, reason FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, listLimit(f.Limit))
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))

	var out []AuditEntry
	err := s.read(ctx, func(tx txn) error {
		out = nil
		rs, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var e AuditEntry
			if err := rs.Scan(&e.ID, &e.Time, &e.Actor, &e.Action, &e.Subject, &e.Version, &e.Allowed, &e.Reason); err != nil {
				return err
			}
			e.Time = e.Time.UTC()
			out = append(out, e)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}
