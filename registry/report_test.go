package registry

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/registry/store"
)

func mustSchema(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "t.graphql", Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReport compares schemas, applies approvals and prints the result.
func TestReport(t *testing.T) {
	old := mustSchema(t, "type Query { a: Int! b: String c: Int }")
	nw := mustSchema(t, "type Query { a: Int b: String d: Int }")
	rep := Compare(
		map[string]*ast.Schema{"shop": old, "gone": old, "same": old},
		map[string]*ast.Schema{"shop": nw, "new": nw, "same": old},
	)
	// shop: a loosened (breaking), c removed (breaking), d added; gone removed.
	if rep.Breaking != 3 || len(rep.VirtualServices["shop"]) != 3 || len(rep.VirtualServices["same"]) != 0 ||
		strings.Join(rep.Removed, ",") != "gone" || strings.Join(rep.Added, ",") != "new" {
		t.Fatalf("Compare = %+v", rep)
	}
	if got, want := rep.Summary(), "3 breaking change(s) not approved: virtual service gone no longer builds a schema; OUTPUT_NULLABILITY_LOOSENED Query.a in shop; FIELD_REMOVED Query.c in shop"; got != want {
		t.Errorf("Summary() =\n%s\nwant\n%s", got, want)
	}
	active := store.ApprovalActive
	rep.applyApprovals([]store.Approval{
		{Coordinate: "Query.a", Class: "OUTPUT_NULLABILITY_LOOSENED", ApprovedBy: "frank", State: store.ApprovalSpent, SpentVersion: 4},
		{Coordinate: "Query.c", Class: "FIELD_REMOVED", ApprovedBy: "erin", Reason: "unused", State: active},
		{Coordinate: "Query.a", Class: "FIELD_REMOVED", ApprovedBy: "erin", State: active}, // another class
		{Coordinate: "Query.d", Class: "FIELD_ADDED", ApprovedBy: "erin", State: active},   // not breaking
	})
	if rep.Approved != 1 || rep.Unapproved() != 2 {
		t.Errorf("after approvals: %d approved, %d not; want 1 and 2", rep.Approved, rep.Unapproved())
	}
	if used := rep.approvalsUsed(); len(used) != 1 || used[0].Coordinate != "Query.c" {
		t.Errorf("approvalsUsed = %+v; want the one of Query.c", used)
	}
	if got, want := rep.Summary(), "2 breaking change(s) not approved: virtual service gone no longer builds a schema; OUTPUT_NULLABILITY_LOOSENED Query.a in shop (its approval by frank was spent by version 4)"; got != want {
		t.Errorf("Summary() =\n%s\nwant\n%s", got, want)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `virtual service same: no change
virtual service shop: 3 change(s)
  BREAKING OUTPUT_NULLABILITY_LOOSENED Query.a: Field Query.a changed type from Int! to Int: it may now return null where it did not.
    not approved: its approval by frank was spent by version 4; approve it again to let it through
  BREAKING FIELD_REMOVED Query.c: Field Query.c was removed.
    approved by erin: unused
  SAFE FIELD_ADDED Query.d: Field Query.d was added.
virtual service gone: BREAKING: it no longer builds a schema
virtual service new: new
`
	if b.String() != want {
		t.Errorf("WriteText =\n%s\nwant\n%s", b.String(), want)
	}

	// Every breaking change approved: the last line says so.
	one := Compare(map[string]*ast.Schema{"shop": old}, map[string]*ast.Schema{"shop": mustSchema(t, "type Query { a: Int! b: String }")})
	one.applyApprovals([]store.Approval{{Coordinate: "Query.c", Class: "FIELD_REMOVED", ApprovedBy: "erin", State: active}})
	b.Reset()
	_ = one.WriteText(&b)
	if !strings.HasSuffix(b.String(), "    approved by erin\n1 breaking change(s), each approved\n") {
		t.Errorf("WriteText with every breaking change approved:\n%s", b.String())
	}
	// An expired approval approves nothing, and says when it lapsed.
	exp := Compare(map[string]*ast.Schema{"shop": old}, map[string]*ast.Schema{"shop": mustSchema(t, "type Query { a: Int! b: String }")})
	exp.applyApprovals([]store.Approval{{Coordinate: "Query.c", Class: "FIELD_REMOVED", ApprovedBy: "erin", State: store.ApprovalExpired,
		ExpiresAt: time.Date(2025, 3, 8, 12, 0, 0, 0, time.UTC)}})
	if got, want := exp.Summary(), "1 breaking change(s) not approved: FIELD_REMOVED Query.c in shop (its approval by erin expired at 2025-03-08T12:00:00Z)"; exp.Approved != 0 || got != want {
		t.Errorf("with an expired approval: %d approved, Summary() =\n%s\nwant\n%s", exp.Approved, got, want)
	}
}

func TestUpstreamSource(t *testing.T) {
	sources := map[string][]string{
		"Upstream/one":            {"Upstream/one/up.yaml", "Upstream/one/one.graphql"},
		"Upstream/two":            {"Upstream/two/up.yaml", "Upstream/two/a.proto", "Upstream/two/b.proto"},
		"Upstream/inline":         {"Upstream/inline/up.yaml"},
		"VirtualService/shop":     {"VirtualService/shop/vs.yaml"},
		"Upstream/team-a/catalog": {"Upstream/team-a/catalog/up.yaml", "Upstream/team-a/catalog/c.graphql"},
	}
	for _, tt := range []struct {
		name, file, want string
		problem          SourceProblem
		msg              string
	}{
		{"one", "/tmp/new.graphql", "Upstream/one/one.graphql", 0, ""},
		{"two", "b.proto", "Upstream/two/b.proto", 0, ""},
		{"two", `C:\work\a.proto`, "Upstream/two/a.proto", 0, ""},
		{"team-a/catalog", "x.graphql", "Upstream/team-a/catalog/c.graphql", 0, ""},
		{"two", "c.proto", "", AmbiguousSource, "upstream two: the upstream reads Upstream/two/a.proto, Upstream/two/b.proto, and none is named like c.proto"},
		{"inline", "x.graphql", "", NoSourceFile, "upstream inline: the upstream reads no source file (its schema is introspected or inline in Upstream/inline/up.yaml)"},
		{"cats", "x", "", NoSuchUpstream, "upstream cats: the config has no such upstream (it has inline, one, team-a/catalog, two)"},
	} {
		got, err := UpstreamSource(sources, tt.name, tt.file)
		var se *SourceError
		switch {
		case tt.problem == 0 && (err != nil || got != tt.want):
			t.Errorf("UpstreamSource(%s, %s) = %q, %v; want %q", tt.name, tt.file, got, err, tt.want)
		case tt.problem != 0 && (!errors.As(err, &se) || se.Problem != tt.problem || err.Error() != tt.msg):
			t.Errorf("UpstreamSource(%s, %s) error = %v; want problem %d:\n%s", tt.name, tt.file, err, tt.problem, tt.msg)
		}
	}
}
