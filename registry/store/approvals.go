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

// Bounds of an approval's life.
const (
	// DefaultApprovalTTL is how long an approval lasts unless told
	// otherwise: long enough for a change to be reviewed and pushed, short
	// enough that a forgotten approval does not let the same break through
	// months later.
	DefaultApprovalTTL = 7 * 24 * time.Hour
	// MaxApprovalTTL is the longest an approval may last.
	MaxApprovalTTL = 90 * 24 * time.Hour
)

// ApprovalState is what an approval is at the moment it is read.
type ApprovalState string

// The states of an approval.
const (
	// ApprovalActive lets its change through the subject's checks.
	ApprovalActive ApprovalState = "active"
	// ApprovalExpired has passed its ExpiresAt unspent.
	ApprovalExpired ApprovalState = "expired"
	// ApprovalSpent let its change through a push, which made version
	// SpentVersion.
	ApprovalSpent ApprovalState = "spent"
)

// Approval lets one breaking change through the checks of one subject:
// the change of Class at Coordinate, in whichever VirtualService it shows.
// It applies until it expires or a push it lets through spends it, so
// that it lets one change through once: the same break coming back later
// (after a rollback, say) needs a new look. Approving again replaces it,
// fresh: who, why, when, and a new expiry.
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
	// ExpiresAt is when it stops applying; the store sets it from the
	// time to live Approve is given.
	ExpiresAt time.Time `json:"expiresAt"`
	// SpentVersion is the version of Subject that the push it let through
	// made, and SpentAt when; 0 and zero while it is unspent.
	SpentVersion int       `json:"spentVersion,omitempty"`
	SpentAt      time.Time `json:"spentAt,omitzero"`
	// State is what the approval was when the store read it.
	State ApprovalState `json:"state"`
}

// stateAt returns what a is at now.
func (a Approval) stateAt(now time.Time) ApprovalState {
	switch {
	case a.SpentVersion != 0:
		return ApprovalSpent
	case !now.Before(a.ExpiresAt):
		return ApprovalExpired
	}
	return ApprovalActive
}

var (
	// coordinateRe is a schema coordinate as schema/diff writes them.
	coordinateRe = regexp.MustCompile(`^@?[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)?(\([_A-Za-z][_0-9A-Za-z]*:\))?$`)
	classRe      = regexp.MustCompile(`^[A-Z][A-Z_]*$`)
)

// checkChange checks the coordinate and class an approval names.
func checkChange(coordinate, class string) *InputError {
	if len(coordinate) > 1024 || !coordinateRe.MatchString(coordinate) {
		return &InputError{Field: "Coordinate", Reason: fmt.Sprintf("%s is not a schema coordinate (Type, Type.field, Type.field(arg:), Enum.VALUE, @directive)", quote(coordinate))}
	}
	if len(class) > 64 || !classRe.MatchString(class) {
		return &InputError{Field: "Class", Reason: fmt.Sprintf("%s is not a change class (FIELD_REMOVED, ...)", quote(class))}
	}
	return nil
}

// checkApproval checks an approval's fields and its time to live.
func (s *Store) checkApproval(a Approval, ttl time.Duration) error {
	if err := ValidSubject(a.Subject); err != nil {
		return &InputError{Field: "Subject", Reason: err.Error()}
	}
	if ie := checkChange(a.Coordinate, a.Class); ie != nil {
		return ie
	}
	if a.ApprovedBy == "" {
		return &InputError{Field: "ApprovedBy", Reason: "is empty"}
	}
	if ttl < 0 || ttl > MaxApprovalTTL {
		return &InputError{Field: "ttl", Reason: fmt.Sprintf("%s: an approval lasts more than 0 and at most %s (90 days)", ttl, MaxApprovalTTL)}
	}
	return s.checkTexts(map[string]string{"ApprovedBy": a.ApprovedBy, "Reason": a.Reason})
}

// Approve stores an approval that lasts ttl (DefaultApprovalTTL when 0,
// at most MaxApprovalTTL), replacing one of the same subject, coordinate
// and class whatever its state, and audits it in the same transaction.
// The subject must have been pushed (ErrNotFound). It returns the
// approval as stored.
func (s *Store) Approve(ctx context.Context, a Approval, ttl time.Duration) (Approval, error) {
	if err := s.checkApproval(a, ttl); err != nil {
		s.auditRefusal(ctx, AuditApprove, a.ApprovedBy, a.Subject, 0, err)
		return Approval{}, fmt.Errorf("approve %s %s: %w", a.Class, a.Coordinate, err)
	}
	if ttl == 0 {
		ttl = DefaultApprovalTTL
	}
	a.Time = s.clock()
	a.ExpiresAt = normTime(a.Time.Add(ttl))
	a.SpentVersion, a.SpentAt, a.State = 0, time.Time{}, ApprovalActive
	err := s.update(ctx, func(tx txn) error {
		var one int
		err := tx.queryRow(ctx, "SELECT 1 FROM subjects WHERE subject = $1", a.Subject).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no subject %s: %w", a.Subject, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("reading the subject: %w", err)
		}
		if _, err := tx.exec(ctx, `
			INSERT INTO approvals (subject, coordinate, class, approved_by, reason, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (subject, coordinate, class)
			DO UPDATE SET approved_by = excluded.approved_by, reason = excluded.reason, created_at = excluded.created_at,
				expires_at = excluded.expires_at, spent_version = NULL, spent_at = NULL`,
			a.Subject, a.Coordinate, a.Class, a.ApprovedBy, a.Reason, a.Time, a.ExpiresAt); err != nil {
			return fmt.Errorf("writing the approval: %w", err)
		}
		return insertAudit(ctx, tx, AuditEntry{
			Time: a.Time, Actor: a.ApprovedBy, Action: AuditApprove, Subject: a.Subject, Allowed: true,
			Reason: cleanText(fmt.Sprintf("%s %s until %s: %s", a.Class, a.Coordinate, a.ExpiresAt.Format(time.RFC3339), a.Reason), s.limits.MaxText),
		})
	})
	if err != nil {
		s.auditRefusal(ctx, AuditApprove, a.ApprovedBy, a.Subject, 0, err)
		return Approval{}, fmt.Errorf("approve %s %s: %w", a.Class, a.Coordinate, err)
	}
	return a, nil
}

// Approvals returns the approvals of subject, by coordinate and class,
// in every state: each with its State at the store's present.
func (s *Store) Approvals(ctx context.Context, subject string) ([]Approval, error) {
	var out []Approval
	now := s.clock()
	err := s.read(ctx, func(tx txn) error {
		out = nil
		rs, err := tx.query(ctx, `
			SELECT coordinate, class, approved_by, reason, created_at, expires_at, spent_version, spent_at
			FROM approvals WHERE subject = $1 ORDER BY coordinate, class`, subject)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			a := Approval{Subject: subject}
			var spentVersion *int64
			var spentAt *time.Time
			if err := rs.Scan(&a.Coordinate, &a.Class, &a.ApprovedBy, &a.Reason, &a.Time, &a.ExpiresAt, &spentVersion, &spentAt); err != nil {
				return err
			}
			a.Time, a.ExpiresAt = a.Time.UTC(), a.ExpiresAt.UTC()
			if spentVersion != nil && spentAt != nil {
				a.SpentVersion, a.SpentAt = int(*spentVersion), spentAt.UTC()
			}
			a.State = a.stateAt(now)
			out = append(out, a)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("approvals of %s: %w", subject, err)
	}
	return out, nil
}

// ApprovalLapsedError is a push that would spend an approval which no
// longer applies: it expired, or another push spent it, or it is gone,
// since the check that counted on it.
type ApprovalLapsedError struct {
	Subject, Coordinate, Class string
}

func (e *ApprovalLapsedError) Error() string {
	return fmt.Sprintf("the approval of %s %s for %s no longer applies (it expired or was spent since the check)", e.Class, e.Coordinate, e.Subject)
}

// Is makes errors.Is(err, ErrConflict) hold: the check is to be made
// again.
func (e *ApprovalLapsedError) Is(target error) bool { return target == ErrConflict }

// spendApprovals marks each approval of subject that approvals names (by
// coordinate and class) spent by version, at now, in tx; one that is not
// active is an *ApprovalLapsedError.
func spendApprovals(ctx context.Context, tx txn, subject string, version int, now time.Time, approvals []Approval) error {
	for _, a := range approvals {
		n, err := tx.exec(ctx, `
			UPDATE approvals SET spent_version = $4, spent_at = $5
			WHERE subject = $1 AND coordinate = $2 AND class = $3 AND spent_version IS NULL AND expires_at > $5`,
			subject, a.Coordinate, a.Class, version, now)
		if err != nil {
			return fmt.Errorf("spending the approval of %s %s: %w", a.Class, a.Coordinate, err)
		}
		if n == 0 {
			return &ApprovalLapsedError{Subject: subject, Coordinate: a.Coordinate, Class: a.Class}
		}
	}
	return nil
}
