package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func testActivateExpectRevision(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "one")})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "two")}) // revision 2

	_, _, err := s.ActivateVersion(ctx(t), ActivateRequest{Subject: "Upstream/a", Version: 1, Author: "carol", ExpectRevision: ptr(int64(1))})
	var conflict *RevisionConflictError
	if !errors.As(err, &conflict) || conflict.Expected != 1 || conflict.Actual != 2 || !errors.Is(err, ErrConflict) {
		t.Fatalf("activation against revision 1 at revision 2: error = %v; want a *RevisionConflictError 1 vs 2", err)
	}
	if st, err := s.Active(ctx(t)); err != nil || st.Revision != 2 || st.Versions[0].Number != 2 {
		t.Fatalf("after the refused activation, Active = %+v, %v; want version 2 at revision 2", st, err)
	}
	refused, err := s.AuditLog(ctx(t), AuditFilter{Allowed: ptr(false), Action: AuditActivate})
	if err != nil || len(refused) != 1 || !strings.Contains(refused[0].Reason, "revision conflict") || refused[0].Version != 1 {
		t.Errorf("refusals audited = %+v, %v; want the conflict", refused, err)
	}
	v, rev, err := s.ActivateVersion(ctx(t), ActivateRequest{Subject: "Upstream/a", Version: 1, Author: "carol", ExpectRevision: ptr(int64(2))})
	if err != nil || rev != 3 || v.Number != 1 {
		t.Fatalf("activation against the current revision = version %d at %d, %v; want 1 at 3", v.Number, rev, err)
	}
}

func testApprovals(t *testing.T, db testDB) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	s := db.open(t, Options{Now: func() time.Time { return now }})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "one")})

	got, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: "Product.weight", Class: "FIELD_REMOVED", ApprovedBy: "erin", Reason: "no client reads it"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(now.Truncate(time.Microsecond)) || got.ApprovedBy != "erin" || got.State != ApprovalActive ||
		!got.ExpiresAt.Equal(got.Time.Add(DefaultApprovalTTL)) {
		t.Errorf("Approve = %+v; want it stamped now, active for the default week", got)
	}
	if _, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: "Query.product(upc:)", Class: "ARG_TYPE_CHANGED", ApprovedBy: "erin"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	// Approving again replaces who and why.
	now = now.Add(time.Hour)
	if _, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: "Product.weight", Class: "FIELD_REMOVED", ApprovedBy: "frank", Reason: "checked again"}, 0); err != nil {
		t.Fatal(err)
	}
	list, err := s.Approvals(ctx(t), "Upstream/a")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Coordinate != "Product.weight" || list[0].ApprovedBy != "frank" || list[0].Reason != "checked again" ||
		!list[0].Time.Equal(now.Truncate(time.Microsecond)) || list[1].Coordinate != "Query.product(upc:)" || list[1].Subject != "Upstream/a" {
		t.Errorf("Approvals = %+v; want Product.weight by frank, then Query.product(upc:)", list)
	}
	if other, err := s.Approvals(ctx(t), "Upstream/b"); err != nil || len(other) != 0 {
		t.Errorf("Approvals of another subject = %+v, %v; want none", other, err)
	}

	for _, tt := range []struct {
		name  string
		a     Approval
		ttl   time.Duration
		field string
		is    error
	}{
		{"unknown subject", Approval{Subject: "Upstream/b", Coordinate: "A.b", Class: "FIELD_REMOVED", ApprovedBy: "erin"}, 0, "", ErrNotFound},
		{"bad subject", Approval{Subject: "upstream", Coordinate: "A.b", Class: "FIELD_REMOVED", ApprovedBy: "erin"}, 0, "Subject", ErrInvalid},
		{"bad coordinate", Approval{Subject: "Upstream/a", Coordinate: "A.b c", Class: "FIELD_REMOVED", ApprovedBy: "erin"}, 0, "Coordinate", ErrInvalid},
		{"bad class", Approval{Subject: "Upstream/a", Coordinate: "A.b", Class: "removed", ApprovedBy: "erin"}, 0, "Class", ErrInvalid},
		{"nobody", Approval{Subject: "Upstream/a", Coordinate: "A.b", Class: "FIELD_REMOVED"}, 0, "ApprovedBy", ErrInvalid},
		{"NUL in reason", Approval{Subject: "Upstream/a", Coordinate: "A.b", Class: "FIELD_REMOVED", ApprovedBy: "erin", Reason: "a\x00b"}, 0, "Reason", ErrInvalid},
		{"negative life", Approval{Subject: "Upstream/a", Coordinate: "A.b", Class: "FIELD_REMOVED", ApprovedBy: "erin"}, -time.Second, "ttl", ErrInvalid},
		{"over 90 days", Approval{Subject: "Upstream/a", Coordinate: "A.b", Class: "FIELD_REMOVED", ApprovedBy: "erin"}, MaxApprovalTTL + time.Second, "ttl", ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Approve(ctx(t), tt.a, tt.ttl)
			var ie *InputError
			if !errors.Is(err, tt.is) || (tt.field != "" && (!errors.As(err, &ie) || ie.Field != tt.field)) {
				t.Errorf("Approve error = %v; want %v on field %q", err, tt.is, tt.field)
			}
		})
	}
	log, err := s.AuditLog(ctx(t), AuditFilter{Action: AuditApprove})
	if err != nil {
		t.Fatal(err)
	}
	var allowed, refused int
	for _, e := range log {
		if e.Allowed {
			allowed++
		} else {
			refused++
		}
	}
	if allowed != 3 || refused != 8 || log[len(log)-1].Reason != "FIELD_REMOVED Product.weight until 2025-03-08T12:00:00Z: no client reads it" || log[len(log)-1].Actor != "erin" {
		t.Errorf("audit of approvals = %+v; want 3 allowed (the first by erin, with class, coordinate, expiry and reason) and 8 refused", log)
	}
}

// clock is a store's clock that a test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// stateOf returns the state of subject's approval of class at coordinate,
// or "" when there is none.
func stateOf(t *testing.T, s *Store, subject, class, coordinate string) (Approval, ApprovalState) {
	t.Helper()
	list, err := s.Approvals(ctx(t), subject)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Class == class && a.Coordinate == coordinate {
			return a, a.State
		}
	}
	return Approval{}, ""
}

func testApprovalExpiry(t *testing.T, db testDB) {
	clk := newClock()
	s := db.open(t, Options{Now: clk.Now})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "one")})
	for _, tt := range []struct {
		coordinate string
		ttl        time.Duration
		want       time.Duration
	}{
		{"A.default", 0, DefaultApprovalTTL},
		{"A.hour", time.Hour, time.Hour},
		{"A.longest", MaxApprovalTTL, MaxApprovalTTL},
	} {
		a, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: tt.coordinate, Class: "FIELD_REMOVED", ApprovedBy: "erin"}, tt.ttl)
		if err != nil || !a.ExpiresAt.Equal(clk.Now().Add(tt.want)) {
			t.Fatalf("Approve with a life of %v = %+v, %v; want it to expire %v from now", tt.ttl, a, err, tt.want)
		}
	}
	for _, step := range []struct {
		by   time.Duration
		want map[string]ApprovalState
	}{
		{time.Hour - time.Microsecond, map[string]ApprovalState{"A.default": ApprovalActive, "A.hour": ApprovalActive, "A.longest": ApprovalActive}},
		// Expired at the instant of ExpiresAt, not after it.
		{time.Microsecond, map[string]ApprovalState{"A.default": ApprovalActive, "A.hour": ApprovalExpired, "A.longest": ApprovalActive}},
		{DefaultApprovalTTL, map[string]ApprovalState{"A.default": ApprovalExpired, "A.hour": ApprovalExpired, "A.longest": ApprovalActive}},
		{MaxApprovalTTL, map[string]ApprovalState{"A.default": ApprovalExpired, "A.hour": ApprovalExpired, "A.longest": ApprovalExpired}},
	} {
		clk.add(step.by)
		for coordinate, want := range step.want {
			if _, got := stateOf(t, s, "Upstream/a", "FIELD_REMOVED", coordinate); got != want {
				t.Errorf("at %s, %s is %q; want %q", clk.Now(), coordinate, got, want)
			}
		}
	}
	// Approved again, an expired approval is active anew, with a new life.
	a, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: "A.hour", Class: "FIELD_REMOVED", ApprovedBy: "frank", Reason: "still fine"}, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, state := stateOf(t, s, "Upstream/a", "FIELD_REMOVED", "A.hour"); state != ApprovalActive || got.ApprovedBy != "frank" || !got.ExpiresAt.Equal(a.ExpiresAt) {
		t.Errorf("after approving again: %+v; want active, by frank, until %s", got, a.ExpiresAt)
	}
}

func testPushSpendsApprovals(t *testing.T, db testDB) {
	clk := newClock()
	s := db.open(t, Options{Now: clk.Now})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "one")})
	approve := func(coordinate string, ttl time.Duration) {
		t.Helper()
		if _, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: coordinate, Class: "FIELD_REMOVED", ApprovedBy: "erin"}, ttl); err != nil {
			t.Fatal(err)
		}
	}
	approve("A.b", 0)
	approve("A.c", 0)
	approve("A.short", time.Minute)

	// The push that an approval lets through spends it, in its own
	// transaction: version 2 is on the approval.
	res := push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "two"), Approvals: []Approval{{Coordinate: "A.b", Class: "FIELD_REMOVED"}}})
	if a, state := stateOf(t, s, "Upstream/a", "FIELD_REMOVED", "A.b"); state != ApprovalSpent || a.SpentVersion != res.Version.Number || a.SpentVersion != 2 || !a.SpentAt.Equal(clk.Now()) {
		t.Errorf("after the push it let through, the approval is %+v; want spent by version 2, now", a)
	}
	if _, state := stateOf(t, s, "Upstream/a", "FIELD_REMOVED", "A.c"); state != ApprovalActive {
		t.Errorf("an approval the push did not name is %q; want active", state)
	}
	// An unchanged push lets nothing through and spends nothing.
	if r := push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "two"), Approvals: []Approval{{Coordinate: "A.c", Class: "FIELD_REMOVED"}}}); !r.Unchanged {
		t.Fatalf("the same files again: %+v; want unchanged", r)
	}
	if _, state := stateOf(t, s, "Upstream/a", "FIELD_REMOVED", "A.c"); state != ApprovalActive {
		t.Errorf("after an unchanged push, the approval is %q; want active", state)
	}

	// A push counting on an approval that lapsed meanwhile is refused,
	// whole, as a conflict: the check is to be made again.
	clk.add(time.Minute)
	for _, tt := range []struct {
		name       string
		approvals  []Approval
		coordinate string
	}{
		{"spent", []Approval{{Coordinate: "A.c", Class: "FIELD_REMOVED"}, {Coordinate: "A.b", Class: "FIELD_REMOVED"}}, "A.b"},
		{"expired", []Approval{{Coordinate: "A.c", Class: "FIELD_REMOVED"}, {Coordinate: "A.short", Class: "FIELD_REMOVED"}}, "A.short"},
		{"never given", []Approval{{Coordinate: "A.d", Class: "FIELD_REMOVED"}}, "A.d"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Push(ctx(t), PushRequest{Subject: "Upstream/a", Author: "alice", Files: files("a.graphql", "three"), Approvals: tt.approvals})
			var lapsed *ApprovalLapsedError
			if !errors.As(err, &lapsed) || lapsed.Coordinate != tt.coordinate || !errors.Is(err, ErrConflict) {
				t.Fatalf("push = %v; want an *ApprovalLapsedError for %s that is a conflict", err, tt.coordinate)
			}
			if v, err := s.History(ctx(t), "Upstream/a", 1); err != nil || v[0].Number != 2 {
				t.Errorf("history = %+v, %v; want version 2 the newest", v, err)
			}
			if _, state := stateOf(t, s, "Upstream/a", "FIELD_REMOVED", "A.c"); state != ApprovalActive {
				t.Errorf("the refused push spent A.c: %q", state)
			}
			if e, err := s.AuditLog(ctx(t), AuditFilter{Allowed: ptr(false), Limit: 1}); err != nil || len(e) != 1 || !strings.Contains(e[0].Reason, "no longer applies") {
				t.Errorf("audit = %+v, %v; want the refusal", e, err)
			}
		})
	}
	for i, tt := range []struct {
		a     Approval
		field string
	}{
		{Approval{Coordinate: "A b", Class: "FIELD_REMOVED"}, "Approvals[0].Coordinate"},
		{Approval{Coordinate: "A.b", Class: "removed"}, "Approvals[0].Class"},
	} {
		_, err := s.Push(ctx(t), PushRequest{Subject: "Upstream/a", Author: "alice", Files: files("a.graphql", "three"), Approvals: []Approval{tt.a}})
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tt.field {
			t.Errorf("%d: push naming %+v: %v; want an input error on %s", i, tt.a, err, tt.field)
		}
	}
}

// testMigrateApprovalExpiry opens a database as migration 0002 left it,
// with an approval, and sees migration 0003 give it the default week from
// when it was made.
func testMigrateApprovalExpiry(t *testing.T, db testDB) {
	clk := newClock()
	s := db.open(t, Options{Now: clk.Now})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "one")})
	made := clk.Now().Add(-8 * 24 * time.Hour)
	err := s.update(ctx(t), func(tx txn) error {
		for _, q := range []string{
			"ALTER TABLE approvals DROP COLUMN expires_at",
			"ALTER TABLE approvals DROP COLUMN spent_version",
			"ALTER TABLE approvals DROP COLUMN spent_at",
			"DELETE FROM schema_migrations WHERE version = 3",
		} {
			if _, err := tx.exec(ctx(t), q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		for _, a := range []struct {
			coordinate string
			at         time.Time
		}{{"A.old", made}, {"A.recent", clk.Now().Add(-time.Hour)}} {
			if _, err := tx.exec(ctx(t), `INSERT INTO approvals (subject, coordinate, class, approved_by, reason, created_at)
				VALUES ('Upstream/a', $1, 'FIELD_REMOVED', 'erin', '', $2)`, a.coordinate, a.at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = db.open(t, Options{Now: clk.Now})
	if got, want := appliedMigrations(t, s), wantMigrations(t, db.kind); !slices.Equal(got, want) {
		t.Fatalf("schema_migrations = %v; want %v", got, want)
	}
	old, state := stateOf(t, s, "Upstream/a", "FIELD_REMOVED", "A.old")
	if state != ApprovalExpired || !old.ExpiresAt.Equal(made.Add(DefaultApprovalTTL)) {
		t.Errorf("an approval made 8 days before the migration = %+v; want expired a day ago", old)
	}
	if recent, state := stateOf(t, s, "Upstream/a", "FIELD_REMOVED", "A.recent"); state != ApprovalActive || recent.SpentVersion != 0 {
		t.Errorf("an approval made an hour before the migration = %+v; want active", recent)
	}
}
