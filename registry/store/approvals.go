package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// AuditApprove is the audit action of an approval.
const AuditApprove = "approve"

// Approval lets one breaking change through the checks of one subject:
// the change of Class at Coordinate, in whichever VirtualService it shows.
// It stays until it is approved again (which replaces who and why): once
// the change is live the checks no longer see it, so a lasting approval
// lets nothing else through.
type Approval struct {
	Subject string `json:"subject"`
	// Coordinate is the change's schema coordinate (Type.field,
	// Type.field(arg:), Enum.VALUE, @directive, ...).
	Coordinate string `json:"coordinate"`
	// Class is the change's class (FIELD_REMOVED, ...).
	Class      string `json:"class"`
	ApprovedBy string `json:"approvedBy"`
	Reason     string `json:"reason"`
	// Time is when it was approved; the store sets it.
	Time time.Time `json:"time"`
}

var (
	// coordinateRe is a schema coordinate as schema/diff writes them.
	coordinateRe = regexp.MustCompile(`^@?[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)?(\([_A-Za-z][_0-9A-Za-z]*:\))?$`)
	classRe      = regexp.MustCompile(`^[A-Z][A-Z_]*$`)
)

// checkApproval checks an approval's fields.
func (s *Store) checkApproval(a Approval) error {
	if err := ValidSubject(a.Subject); err != nil {
		return &InputError{Field: "Subject", Reason: err.Error()}
	}
	if len(a.Coordinate) > 1024 || !coordinateRe.MatchString(a.Coordinate) {
		return &InputError{Field: "Coordinate", Reason: fmt.Sprintf("%s is not a schema coordinate (Type, Type.field, Type.field(arg:), Enum.VALUE, @directive)", quote(a.Coordinate))}
	}
	if len(a.Class) > 64 || !classRe.MatchString(a.Class) {
		return &InputError{Field: "Class", Reason: fmt.Sprintf("%s is not a change class (FIELD_REMOVED, ...)", quote(a.Class))}
	}
	if a.ApprovedBy == "" {
		return &InputError{Field: "ApprovedBy", Reason: "is empty"}
	}
	return s.checkTexts(map[string]string{"ApprovedBy": a.ApprovedBy, "Reason": a.Reason})
}

// Approve stores an approval, replacing one of the same subject,
// coordinate and class, and audits it in the same transaction. The
// subject must have been pushed (ErrNotFound). It returns the approval as
// stored.
func (s *Store) Approve(ctx context.Context, a Approval) (Approval, error) {
	if err := s.checkApproval(a); err != nil {
		s.auditRefusal(ctx, AuditApprove, a.ApprovedBy, a.Subject, 0, err)
		return Approval{}, fmt.Errorf("approve %s %s: %w", a.Class, a.Coordinate, err)
	}
	a.Time = s.clock()
	err := s.update(ctx, func(tx txn) error {
		var one int
		err := tx.queryRow(ctx, "SELECT 1 FROM subjects WHERE subject = $1", a.Subject).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no subject %s: %w", a.Subject, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("reading the subject: %w", err)
		}
		if _, err := tx.exec(ctx, `
			INSERT INTO approvals (subject, coordinate, class, approved_by, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (subject, coordinate, class)
			DO UPDATE SET approved_by = excluded.approved_by, reason = excluded.reason, created_at = excluded.created_at`,
			a.Subject, a.Coordinate, a.Class, a.ApprovedBy, a.Reason, a.Time); err != nil {
			return fmt.Errorf("writing the approval: %w", err)
		}
		return insertAudit(ctx, tx, AuditEntry{
			Time: a.Time, Actor: a.ApprovedBy, Action: AuditApprove, Subject: a.Subject,
			Allowed: true, Reason: cleanText(a.Class+" "+a.Coordinate+": "+a.Reason, s.limits.MaxText),
		})
	})
	if err != nil {
		s.auditRefusal(ctx, AuditApprove, a.ApprovedBy, a.Subject, 0, err)
		return Approval{}, fmt.Errorf("approve %s %s: %w", a.Class, a.Coordinate, err)
	}
	return a, nil
}

// Approvals returns the approvals of subject, by coordinate and class.
func (s *Store) Approvals(ctx context.Context, subject string) ([]Approval, error) {
	var out []Approval
	err := s.read(ctx, func(tx txn) error {
		out = nil
		rs, err := tx.query(ctx, `
			SELECT coordinate, class, approved_by, reason, created_at
			FROM approvals WHERE subject = $1 ORDER BY coordinate, class`, subject)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			a := Approval{Subject: subject}
			if err := rs.Scan(&a.Coordinate, &a.Class, &a.ApprovedBy, &a.Reason, &a.Time); err != nil {
				return err
			}
			a.Time = a.Time.UTC()
			out = append(out, a)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("approvals of %s: %w", subject, err)
	}
	return out, nil
}
