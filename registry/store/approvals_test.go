package store

import (
	"errors"
	"strings"
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

	got, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: "Product.weight", Class: "FIELD_REMOVED", ApprovedBy: "erin", Reason: "no client reads it"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(now.Truncate(time.Microsecond)) || got.ApprovedBy != "erin" {
		t.Errorf("Approve = %+v; want it stamped now", got)
	}
	if _, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: "Query.product(upc:)", Class: "ARG_TYPE_CHANGED", ApprovedBy: "erin"}); err != nil {
		t.Fatal(err)
	}
	// Approving again replaces who and why.
	now = now.Add(time.Hour)
	if _, err := s.Approve(ctx(t), Approval{Subject: "Upstream/a", Coordinate: "Product.weight", Class: "FIELD_REMOVED", ApprovedBy: "frank", Reason: "checked again"}); err != nil {
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
		field string
		is    error
	}{
		{"unknown subject", Approval{Subject: "Upstream/b", Coordinate: "A.b", Class: "FIELD_REMOVED", ApprovedBy: "erin"}, "", ErrNotFound},
		{"bad subject", Approval{Subject: "upstream", Coordinate: "A.b", Class: "FIELD_REMOVED", ApprovedBy: "erin"}, "Subject", ErrInvalid},
		{"bad coordinate", Approval{Subject: "Upstream/a", Coordinate: "A.b c", Class: "FIELD_REMOVED", ApprovedBy: "erin"}, "Coordinate", ErrInvalid},
		{"bad class", Approval{Subject: "Upstream/a", Coordinate: "A.b", Class: "removed", ApprovedBy: "erin"}, "Class", ErrInvalid},
		{"nobody", Approval{Subject: "Upstream/a", Coordinate: "A.b", Class: "FIELD_REMOVED"}, "ApprovedBy", ErrInvalid},
		{"NUL in reason", Approval{Subject: "Upstream/a", Coordinate: "A.b", Class: "FIELD_REMOVED", ApprovedBy: "erin", Reason: "a\x00b"}, "Reason", ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Approve(ctx(t), tt.a)
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
	if allowed != 3 || refused != 6 || log[len(log)-1].Reason != "FIELD_REMOVED Product.weight: no client reads it" || log[len(log)-1].Actor != "erin" {
		t.Errorf("audit of approvals = %+v; want 3 allowed (the first by erin, with class, coordinate and reason) and 6 refused", log)
	}
}
