package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStore runs one suite against both databases. Each case gets a fresh
// database; the cases run in parallel.
func TestStore(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, db testDB)
	}{
		{"PushAndRead", testPushAndRead},
		{"PushUnchanged", testPushUnchanged},
		{"History", testHistory},
		{"ActivateRollback", testActivateRollback},
		{"ActivateExpectRevision", testActivateExpectRevision},
		{"Approvals", testApprovals},
		{"ApprovalExpiry", testApprovalExpiry},
		{"PushSpendsApprovals", testPushSpendsApprovals},
		{"MigrateApprovalExpiry", testMigrateApprovalExpiry},
		{"Delete", testDelete},
		{"PathOwnedByAnotherSubject", testPathOwned},
		{"PushAllIsOneChange", testPushAllIsOneChange},
		{"ExpectRevisionOneWinner", testExpectRevisionOneWinner},
		{"ConcurrentPushesSerialize", testConcurrentPushesSerialize},
		{"InvalidPush", testInvalidPush},
		{"ReaderSeesNoHalfPush", testReaderSeesNoHalfPush},
		{"FailedPushLeavesNothing", testFailedPushLeavesNothing},
		{"KillMidPush", testKillMidPush},
		{"Tokens", testTokens},
		{"Audit", testAudit},
		{"Usage", testUsage},
		{"WatchAnotherInstance", testWatchAnotherInstance},
		{"WatchSameInstance", testWatchSameInstance},
		{"WatchEnds", testWatchEnds},
		{"MigrationsIdempotent", testMigrationsIdempotent},
		{"MigrationsConcurrent", testMigrationsConcurrent},
		{"SchemaTooNew", testSchemaTooNew},
		{"Closed", testClosed},
	}
	backends(t, func(t *testing.T, newDB func(testing.TB) testDB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, newDB(t))
			})
		}
	})
}

func testPushAndRead(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	before := time.Now().Add(-time.Second)
	catalog := files(
		"upstreams/catalog.yaml", "kind: Upstream\n",
		"upstreams/catalog.graphql", "type Query { products: [Product] }",
		"upstreams/empty.txt", "",
	)
	res := push(t, s, PushRequest{Subject: "Upstream/catalog", Files: catalog, Message: "first", Composed: []byte(`{"sdl":"..."}`)})
	if res.Unchanged || res.Revision != 1 || res.Version.Number != 1 || !res.Version.Active {
		t.Fatalf("first push = %+v; want version 1 at revision 1, active", res)
	}
	if res.Version.Hash != ContentHash(catalog) {
		t.Errorf("hash = %s, want ContentHash %s", res.Version.Hash, ContentHash(catalog))
	}
	if res.Version.Time.Before(before) || res.Version.Time.Location() != time.UTC {
		t.Errorf("time = %v; want now, in UTC", res.Version.Time)
	}
	shop := files("vs/shop.yaml", "kind: VirtualService\n", "vs/shop.graphql", "type Query { a: Int }")
	res2 := push(t, s, PushRequest{Subject: "VirtualService/shop", Files: shop, Author: "bob"})
	if res2.Revision != 2 || res2.Version.Number != 1 {
		t.Fatalf("second subject's push = rev %d, version %d; want 2 and 1", res2.Revision, res2.Version.Number)
	}

	st, err := s.Active(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Revision != 2 || len(st.Versions) != 2 {
		t.Fatalf("Active = revision %d, %d versions; want 2 and 2", st.Revision, len(st.Versions))
	}
	got := st.Versions[0]
	if got.Subject != "Upstream/catalog" || got.Number != 1 || got.Author != "alice" || got.Message != "first" ||
		!got.Time.Equal(res.Version.Time) || got.Hash != res.Version.Hash || string(got.Composed) != `{"sdl":"..."}` || !got.Active {
		t.Errorf("Active()[0] = %+v; want what was pushed: %+v", got, res.Version)
	}
	if !maps.EqualFunc(got.Files, catalog, bytes.Equal) || got.Files["upstreams/empty.txt"] == nil {
		t.Errorf("Active()[0].Files = %q; want %q (an empty file as an empty slice)", got.Files, catalog)
	}
	if st.Versions[1].Subject != "VirtualService/shop" || st.Versions[1].Composed != nil {
		t.Errorf("Active()[1] = %s with composed %q; want VirtualService/shop, none", st.Versions[1].Subject, st.Versions[1].Composed)
	}
	union := st.Files()
	if len(union) != 5 || string(union["vs/shop.graphql"]) != "type Query { a: Int }" {
		t.Errorf("State.Files() = %q; want the five files of both", union)
	}
	if rev, err := s.Revision(ctx(t)); err != nil || rev != 2 {
		t.Errorf("Revision() = %d, %v; want 2", rev, err)
	}

	// A second version replaces the files: one removed, one changed.
	catalog2 := files("upstreams/catalog.yaml", "kind: Upstream # v2\n", "upstreams/catalog.graphql", "type Query { products: [Product!]! }")
	res3 := push(t, s, PushRequest{Subject: "Upstream/catalog", Files: catalog2})
	if res3.Version.Number != 2 || res3.Revision != 3 {
		t.Fatalf("second version = %d at revision %d; want 2 at 3", res3.Version.Number, res3.Revision)
	}
	st, err = s.Active(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(st.Versions[0].Files, catalog2, bytes.Equal) {
		t.Errorf("after version 2, Active files = %q; want %q", st.Versions[0].Files, catalog2)
	}
	v1, err := s.Version(ctx(t), "Upstream/catalog", 1)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Active || !maps.EqualFunc(v1.Files, catalog, bytes.Equal) {
		t.Errorf("Version(1) = active %v, files %q; want inactive, the first files", v1.Active, v1.Files)
	}
	if _, err := s.Version(ctx(t), "Upstream/catalog", 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("Version(3) error = %v; want ErrNotFound", err)
	}
	if _, err := s.Version(ctx(t), "Upstream/none", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Version of an unknown subject: error = %v; want ErrNotFound", err)
	}
}

func testPushUnchanged(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	f := files("a.graphql", "type Query { a: Int }")
	first := push(t, s, PushRequest{Subject: "Upstream/a", Files: f, Message: "one"})
	again := push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "type Query { a: Int }"), Message: "two", Author: "bob"})
	if !again.Unchanged || again.Revision != first.Revision || again.Version.Number != 1 || again.Version.Message != "one" {
		t.Errorf("same files again = %+v; want unchanged, version 1 with its message, revision %d", again, first.Revision)
	}
	log, err := s.AuditLog(ctx(t), AuditFilter{Subject: "Upstream/a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].Actor != "bob" || !log[0].Allowed || !strings.Contains(log[0].Reason, "unchanged") {
		t.Errorf("audit = %+v; want the unchanged push audited as such, newest first", log)
	}
	// The same files as an older, inactive version make a new version:
	// only the active one counts.
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "type Query { b: Int }")})
	back := push(t, s, PushRequest{Subject: "Upstream/a", Files: f})
	if back.Unchanged || back.Version.Number != 3 {
		t.Errorf("version 1's files over version 2 = %+v; want a new version 3", back)
	}
}

func testHistory(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	for i := 1; i <= 3; i++ {
		push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", fmt.Sprint(i)), Message: fmt.Sprint("v", i)})
	}
	if _, _, err := s.Activate(ctx(t), "Upstream/a", 2, "alice", "back"); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx(t), "Upstream/a", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Number != 3 || h[1].Number != 2 {
		t.Fatalf("History(limit 2) = %+v; want versions 3 and 2", h)
	}
	if h[0].Active || !h[1].Active || h[0].Message != "v3" || h[0].Files != nil {
		t.Errorf("History = %+v; want 2 active, 3 not, messages kept, no files", h)
	}
	all, err := s.History(ctx(t), "Upstream/a", 0)
	if err != nil || len(all) != 3 {
		t.Errorf("History(limit 0) = %d versions, %v; want all 3", len(all), err)
	}
	if _, err := s.History(ctx(t), "Upstream/none", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("History of an unknown subject: error = %v; want ErrNotFound", err)
	}
}

func testActivateRollback(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	v1 := files("a.graphql", "one", "a.yaml", "kind: Upstream")
	v2 := files("a.graphql", "two")
	push(t, s, PushRequest{Subject: "Upstream/a", Files: v1})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: v2}) // revision 2

	v, rev, err := s.Activate(ctx(t), "Upstream/a", 1, "carol", "roll back: two broke checkout")
	if err != nil {
		t.Fatal(err)
	}
	if rev != 3 || v.Number != 1 || !v.Active {
		t.Errorf("Activate(1) = version %d at revision %d; want 1 at 3", v.Number, rev)
	}
	st, err := s.Active(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Revision != 3 || !maps.EqualFunc(st.Files(), v1, bytes.Equal) {
		t.Errorf("after rollback, Active = revision %d, files %q; want 3, %q", st.Revision, st.Files(), v1)
	}
	// Activating the active version changes nothing.
	if _, rev, err := s.Activate(ctx(t), "Upstream/a", 1, "carol", "again"); err != nil || rev != 3 {
		t.Errorf("Activate(active version) = revision %d, %v; want 3, nil", rev, err)
	}
	// Roll forward.
	if _, rev, err := s.Activate(ctx(t), "Upstream/a", 2, "carol", "forward"); err != nil || rev != 4 {
		t.Errorf("Activate(2) = revision %d, %v; want 4", rev, err)
	}
	// A push after a rollback numbers on from the latest version.
	if _, _, err := s.Activate(ctx(t), "Upstream/a", 1, "carol", ""); err != nil {
		t.Fatal(err)
	}
	if res := push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "three")}); res.Version.Number != 3 {
		t.Errorf("push after rollback = version %d; want 3", res.Version.Number)
	}

	for _, tt := range []struct {
		subject string
		version int
	}{{"Upstream/a", 9}, {"Upstream/none", 1}} {
		_, _, err := s.Activate(ctx(t), tt.subject, tt.version, "carol", "")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Activate(%s, %d) error = %v; want ErrNotFound", tt.subject, tt.version, err)
		}
	}
	refused, err := s.AuditLog(ctx(t), AuditFilter{Allowed: ptr(false), Action: AuditActivate})
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 2 || refused[1].Subject != "Upstream/a" || refused[1].Version != 9 || refused[1].Actor != "carol" {
		t.Errorf("refused activations audited = %+v; want both, with subject, version and actor", refused)
	}
	if rev, _ := s.Revision(ctx(t)); rev != 6 {
		t.Errorf("revision after refusals = %d; want 6", rev)
	}
}

func testDelete(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("shared.graphql", "a")})
	push(t, s, PushRequest{Subject: "Upstream/b", Files: files("b.graphql", "b")})
	rev, err := s.Delete(ctx(t), "Upstream/a", "dave", "retired")
	if err != nil || rev != 3 {
		t.Fatalf("Delete = %d, %v; want revision 3", rev, err)
	}
	st, err := s.Active(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Versions) != 1 || st.Versions[0].Subject != "Upstream/b" || st.Revision != 3 {
		t.Errorf("after delete, Active = %+v; want only Upstream/b at revision 3", st)
	}
	if h, err := s.History(ctx(t), "Upstream/a", 0); err != nil || len(h) != 1 || h[0].Active {
		t.Errorf("History after delete = %+v, %v; want the version kept, inactive", h, err)
	}
	if _, err := s.Delete(ctx(t), "Upstream/a", "dave", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting a deleted subject: error = %v; want ErrNotFound", err)
	}
	if _, err := s.Delete(ctx(t), "Upstream/none", "dave", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting an unknown subject: error = %v; want ErrNotFound", err)
	}
	// The deleted subject's path is free for another...
	push(t, s, PushRequest{Subject: "Upstream/c", Files: files("shared.graphql", "c")})
	// ...so bringing the old one back conflicts.
	_, _, err = s.Activate(ctx(t), "Upstream/a", 1, "dave", "undelete")
	var pc *PathConflictError
	if !errors.As(err, &pc) || len(pc.Paths) != 1 || pc.Paths[0] != (PathOwner{"shared.graphql", "Upstream/c"}) {
		t.Fatalf("reactivating over a taken path: error = %v; want a *PathConflictError naming Upstream/c", err)
	}
	if _, err := s.Delete(ctx(t), "Upstream/c", "dave", ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Activate(ctx(t), "Upstream/a", 1, "dave", "undelete"); err != nil {
		t.Errorf("reactivating a deleted subject: %v", err)
	}
	log, err := s.AuditLog(ctx(t), AuditFilter{Action: AuditDelete, Allowed: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[1].Subject != "Upstream/a" || log[1].Version != 1 || log[1].Reason != "retired" {
		t.Errorf("deletes audited = %+v; want two, the first of Upstream/a version 1 with its message", log)
	}
}

func testPathOwned(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.yaml", "a", "shared.graphql", "a", "z.graphql", "a")})
	_, err := s.Push(ctx(t), PushRequest{Subject: "Upstream/b", Author: "eve", Files: files("b.yaml", "b", "shared.graphql", "b", "z.graphql", "b")})
	var pc *PathConflictError
	if !errors.As(err, &pc) || !errors.Is(err, ErrPathOwned) {
		t.Fatalf("push over another subject's paths: error = %v; want a *PathConflictError", err)
	}
	want := []PathOwner{{"shared.graphql", "Upstream/a"}, {"z.graphql", "Upstream/a"}}
	if pc.Subject != "Upstream/b" || !slices.Equal(pc.Paths, want) {
		t.Errorf("conflict = %+v; want Upstream/b's paths %v", pc, want)
	}
	if !strings.Contains(err.Error(), `path "shared.graphql" belongs to Upstream/a`) {
		t.Errorf("error %q does not name the path and its owner", err)
	}
	if rev, _ := s.Revision(ctx(t)); rev != 1 {
		t.Errorf("revision after the refused push = %d; want 1", rev)
	}
	if _, err := s.History(ctx(t), "Upstream/b", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused push left Upstream/b behind: History error = %v", err)
	}
	log, err := s.AuditLog(ctx(t), AuditFilter{Subject: "Upstream/b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Allowed || log[0].Actor != "eve" || !strings.Contains(log[0].Reason, "shared.graphql") {
		t.Errorf("audit of the refused push = %+v; want one refusal by eve naming the path", log)
	}
	// A subject keeps its own paths from version to version.
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.yaml", "a2", "shared.graphql", "a2")})
	// and frees the ones it dropped.
	push(t, s, PushRequest{Subject: "Upstream/b", Files: files("b.yaml", "b", "z.graphql", "b")})
}

func testPushAllIsOneChange(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.yaml", "a", "shared.graphql", "a")})
	push(t, s, PushRequest{Subject: "Upstream/c", Files: files("c.yaml", "c")})

	// A refusal in the second subject leaves the first as it was.
	before, _ := s.Revision(ctx(t))
	_, err := s.PushAll(ctx(t), []PushRequest{
		{Subject: "VirtualService/v", Author: "eve", Files: files("v.yaml", "v")},
		{Subject: "Upstream/b", Author: "eve", Files: files("b.yaml", "b", "c.yaml", "taken")},
	}, nil)
	if !errors.Is(err, ErrPathOwned) || !strings.Contains(err.Error(), "push Upstream/b") {
		t.Fatalf("PushAll over another subject's path: error = %v; want ErrPathOwned naming Upstream/b", err)
	}
	if rev, _ := s.Revision(ctx(t)); rev != before {
		t.Errorf("revision after the refused change = %d; want %d", rev, before)
	}
	if _, err := s.History(ctx(t), "VirtualService/v", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused change left VirtualService/v behind: History error = %v", err)
	}

	// A path moves from one subject to another pushed with it, whatever
	// their order, and the revision moves once for all of them.
	res, err := s.PushAll(ctx(t), []PushRequest{
		{Subject: "Upstream/b", Files: files("b.yaml", "b", "shared.graphql", "b")},
		{Subject: "Upstream/a", Files: files("a.yaml", "a")},
		{Subject: "Upstream/c", Files: files("c.yaml", "c")},
	}, &before)
	if err != nil {
		t.Fatalf("PushAll moving shared.graphql from Upstream/a to Upstream/b: %v", err)
	}
	if len(res) != 3 || res[0].Revision != before+1 || res[1].Revision != before+1 || !res[2].Unchanged || res[2].Revision != before {
		t.Errorf("results = %+v; want two new versions at revision %d and Upstream/c unchanged", res, before+1)
	}
	if res[0].Version.Number != 1 || res[1].Version.Number != 2 {
		t.Errorf("versions = %d, %d; want Upstream/b 1 and Upstream/a 2", res[0].Version.Number, res[1].Version.Number)
	}
	state, err := s.Active(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(state.Files()["shared.graphql"]); got != "b" || state.Revision != before+1 {
		t.Errorf("active shared.graphql = %q at revision %d; want Upstream/b's at %d", got, state.Revision, before+1)
	}

	// The expected revision holds for the whole change.
	_, err = s.PushAll(ctx(t), []PushRequest{{Subject: "Upstream/d", Files: files("d.yaml", "d")}}, &before)
	if !errors.Is(err, ErrConflict) {
		t.Errorf("PushAll at a stale revision: error = %v; want ErrConflict", err)
	}
	_, err = s.PushAll(ctx(t), []PushRequest{{Subject: "Upstream/d", Files: files("d.yaml", "d")}, {Subject: "Upstream/d", Files: files("d.yaml", "e")}}, nil)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "twice") {
		t.Errorf("PushAll of one subject twice: error = %v; want ErrInvalid saying so", err)
	}
}

func testExpectRevisionOneWinner(t *testing.T, db testDB) {
	// Two stores on one database, as two replicas would be.
	stores := []*Store{db.open(t, Options{}), db.open(t, Options{})}
	push(t, stores[0], PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "0")})
	rev, err := stores[0].Revision(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	const pushers = 8
	var wg sync.WaitGroup
	errs := make([]error, pushers)
	start := make(chan struct{})
	for i := range pushers {
		wg.Go(func() {
			<-start
			// Different subjects: the revision, not the subject, decides.
			_, errs[i] = stores[i%2].Push(ctx(t), PushRequest{
				Subject:        fmt.Sprintf("Upstream/p%d", i),
				Files:          files(fmt.Sprintf("p%d.graphql", i), "x"),
				Author:         fmt.Sprint("pusher", i),
				ExpectRevision: ptr(rev),
			})
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		var rc *RevisionConflictError
		switch {
		case err == nil:
			won++
		case errors.As(err, &rc) && errors.Is(err, ErrConflict):
			if rc.Expected != rev || rc.Actual != rev+1 {
				t.Errorf("pusher %d: conflict %+v; want expected %d, actual %d", i, rc, rev, rev+1)
			}
		default:
			t.Errorf("pusher %d: error = %v; want nil or a *RevisionConflictError", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d pushes won; want exactly 1", won)
	}
	if got, _ := stores[1].Revision(ctx(t)); got != rev+1 {
		t.Errorf("revision = %d; want %d", got, rev+1)
	}
	refused, err := stores[0].AuditLog(ctx(t), AuditFilter{Allowed: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != pushers-1 || !strings.Contains(refused[0].Reason, "revision conflict") {
		t.Errorf("%d refusals audited (%+v); want %d revision conflicts", len(refused), refused, pushers-1)
	}
	// With the revision it now expects, a pusher goes through.
	push(t, stores[1], PushRequest{Subject: "Upstream/late", Files: files("late.graphql", "x"), ExpectRevision: ptr(rev + 1)})
}

func testConcurrentPushesSerialize(t *testing.T, db testDB) {
	stores := []*Store{db.open(t, Options{}), db.open(t, Options{})}
	const pushers = 10
	var wg sync.WaitGroup
	numbers := make([]int, pushers)
	for i := range pushers {
		wg.Go(func() {
			res, err := stores[i%2].Push(ctx(t), PushRequest{Subject: "Upstream/a", Author: "x", Files: files("a.graphql", fmt.Sprint(i))})
			if err != nil {
				t.Errorf("pusher %d: %v", i, err)
			}
			numbers[i] = res.Version.Number
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if !slices.Equal(numbers, want) {
		t.Errorf("version numbers = %v; want each of 1 to 10 once", numbers)
	}
	if rev, _ := stores[0].Revision(ctx(t)); rev != pushers {
		t.Errorf("revision = %d; want %d", rev, pushers)
	}
}

func testInvalidPush(t *testing.T, db testDB) {
	s := db.open(t, Options{Limits: Limits{MaxFiles: 3, MaxBytes: 100, MaxText: 20}})
	ok := files("a.graphql", "x")
	tests := []struct {
		name  string
		req   PushRequest
		field string
	}{
		{"no subject", PushRequest{Files: ok}, "Subject"},
		{"no kind", PushRequest{Subject: "catalog", Files: ok}, "Subject"},
		{"lower-case kind", PushRequest{Subject: "upstream/catalog", Files: ok}, "Subject"},
		{"upper-case name", PushRequest{Subject: "Upstream/Catalog", Files: ok}, "Subject"},
		{"too many parts", PushRequest{Subject: "Upstream/a/b/c", Files: ok}, "Subject"},
		{"no files", PushRequest{Subject: "Upstream/a"}, "Files"},
		{"absolute path", PushRequest{Subject: "Upstream/a", Files: files("/etc/passwd", "x")}, `Files["/etc/passwd"]`},
		{"dot-dot", PushRequest{Subject: "Upstream/a", Files: files("../a.graphql", "x")}, `Files["../a.graphql"]`},
		{"backslash", PushRequest{Subject: "Upstream/a", Files: files(`dir\a.graphql`, "x")}, `Files["dir\\a.graphql"]`},
		{"too many files", PushRequest{Subject: "Upstream/a", Files: files("a", "", "b", "", "c", "", "d", "")}, "Files"},
		{"too many bytes", PushRequest{Subject: "Upstream/a", Files: files("a", strings.Repeat("x", 101))}, "Files"},
		{"composed counts", PushRequest{Subject: "Upstream/a", Files: ok, Composed: bytes.Repeat([]byte("x"), 95)}, "Files"},
		{"long message", PushRequest{Subject: "Upstream/a", Files: ok, Message: strings.Repeat("m", 21)}, "Message"},
		{"NUL in author", PushRequest{Subject: "Upstream/a", Files: ok, Author: "a\x00b"}, "Author"},
	}
	for _, tt := range tests {
		_, err := s.Push(ctx(t), tt.req)
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error = %v; want an *InputError", tt.name, err)
			continue
		}
		if ie.Field != tt.field {
			t.Errorf("%s: error names %s (%v); want %s", tt.name, ie.Field, err, tt.field)
		}
	}
	if rev, _ := s.Revision(ctx(t)); rev != 0 {
		t.Errorf("revision after invalid pushes = %d; want 0", rev)
	}
	refused, err := s.AuditLog(ctx(t), AuditFilter{Allowed: ptr(false), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != len(tests) {
		t.Errorf("%d refusals audited; want %d", len(refused), len(tests))
	}
	for _, e := range refused {
		if len(e.Actor) > 20 || strings.Contains(e.Actor, "\x00") {
			t.Errorf("refusal audited with actor %q: want it cleaned", e.Actor)
		}
	}
}

// testReaderSeesNoHalfPush reads the store from another connection while a
// push is between its writes: it must see none of it.
func testReaderSeesNoHalfPush(t *testing.T, db testDB) {
	reader := db.open(t, Options{})
	var seen struct {
		rev     int64
		history int
		audit   int
		err     error
	}
	writer := db.open(t, Options{Hooks: Hooks{AfterVersionInsert: func(subject string, n int) {
		c := ctx(t)
		if seen.rev, seen.err = reader.Revision(c); seen.err != nil {
			return
		}
		h, err := reader.History(c, subject, 0)
		if seen.err = err; err != nil {
			return
		}
		seen.history = len(h)
		log, err := reader.AuditLog(c, AuditFilter{Subject: subject, Allowed: ptr(true)})
		seen.audit, seen.err = len(log), err
	}}})
	push(t, writer, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "1")})
	seen.rev, seen.history, seen.audit = -1, -1, -1
	push(t, writer, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "2")})
	if seen.err != nil {
		t.Fatalf("reading during the push: %v", seen.err)
	}
	if seen.rev != 1 || seen.history != 1 || seen.audit != 1 {
		t.Errorf("during the second push a reader saw revision %d, %d versions, %d audit entries; want 1, 1, 1",
			seen.rev, seen.history, seen.audit)
	}
}

// testFailedPushLeavesNothing fails a push after its version is written
// (a path conflict comes after): nothing of it stays.
func testFailedPushLeavesNothing(t *testing.T, db testDB) {
	var inserted []int
	s := db.open(t, Options{Hooks: Hooks{AfterVersionInsert: func(_ string, n int) { inserted = append(inserted, n) }}})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "a")})
	push(t, s, PushRequest{Subject: "Upstream/b", Files: files("b.graphql", "b")})
	_, err := s.Push(ctx(t), PushRequest{Subject: "Upstream/b", Author: "x", Files: files("b.graphql", "b2", "a.graphql", "b")})
	if !errors.Is(err, ErrPathOwned) {
		t.Fatalf("error = %v; want ErrPathOwned", err)
	}
	if !slices.Equal(inserted, []int{1, 1, 2}) {
		t.Fatalf("hook saw versions %v; want 1, 1, 2 (the refused one written, then rolled back)", inserted)
	}
	h, err := s.History(ctx(t), "Upstream/b", 0)
	if err != nil || len(h) != 1 || !h[0].Active {
		t.Errorf("History(b) = %+v, %v; want only version 1, active", h, err)
	}
	if res := push(t, s, PushRequest{Subject: "Upstream/b", Files: files("b.graphql", "b3")}); res.Version.Number != 2 {
		t.Errorf("next push = version %d; want 2: the refused one used no number", res.Version.Number)
	}
}

func testTokens(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	spec := TokenSpec{Name: "catalog-ci", Scopes: []Scope{{ActionPush, "Upstream/catalog"}, {ActionRead, AnySubject}}}
	secret, err := s.CreateToken(ctx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) != secretLen {
		t.Errorf("secret %q; want %s and %d characters", secret, SecretPrefix, secretLen)
	}
	tok, err := s.Authenticate(ctx(t), secret)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "catalog-ci" || !slices.Equal(tok.Scopes, spec.Scopes) || tok.Created.IsZero() || !tok.Revoked.IsZero() {
		t.Errorf("Authenticate = %+v; want the token as created", tok)
	}
	if !tok.Allows(ActionPush, "Upstream/catalog") || tok.Allows(ActionPush, "Upstream/users") || !tok.Allows(ActionRead, "Upstream/users") {
		t.Errorf("scopes not applied: %+v", tok.Scopes)
	}

	// The secret is not stored: only its hash.
	var stored int
	err = s.read(ctx(t), func(tx txn) error {
		return tx.queryRow(ctx(t), "SELECT count(*) FROM tokens WHERE hash = $1 AND hash <> $2", hashSecret(secret), secret).Scan(&stored)
	})
	if err != nil || stored != 1 {
		t.Errorf("stored hash rows = %d, %v; want the hash, not the secret", stored, err)
	}

	wrong := SecretPrefix + strings.Repeat("A", secretLen-len(SecretPrefix))
	for _, bad := range []string{wrong, "", "weft_short", secret + "x", strings.ToUpper(secret)} {
		if _, err := s.Authenticate(ctx(t), bad); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("Authenticate(%q) error = %v; want ErrInvalidToken", bad, err)
		}
	}
	if _, err := s.CreateToken(ctx(t), TokenSpec{Name: "catalog-ci", Scopes: spec.Scopes}); !errors.Is(err, ErrTokenExists) {
		t.Errorf("a second live token named catalog-ci: error = %v; want ErrTokenExists", err)
	}

	if err := s.RevokeToken(ctx(t), "catalog-ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx(t), secret); !errors.Is(err, ErrInvalidToken) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("Authenticate(revoked) error = %v; want ErrInvalidToken saying revoked", err)
	}
	if err := s.RevokeToken(ctx(t), "catalog-ci"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking twice: error = %v; want ErrNotFound", err)
	}
	// The name is free again; the old secret stays dead.
	secret2, err := s.CreateToken(ctx(t), TokenSpec{Name: "catalog-ci", Scopes: []Scope{{ActionCheck, "Upstream/catalog"}}})
	if err != nil {
		t.Fatal(err)
	}
	if secret2 == secret {
		t.Fatal("a new token got the old secret")
	}
	if _, err := s.Authenticate(ctx(t), secret); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("old secret after the name's reuse: error = %v; want ErrInvalidToken", err)
	}
	list, err := s.ListTokens(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Revoked.IsZero() || !list[1].Revoked.IsZero() || list[1].Scopes[0].Action != ActionCheck {
		t.Errorf("ListTokens = %+v; want the revoked one, then the live one", list)
	}

	for _, tt := range []struct {
		spec  TokenSpec
		field string
	}{
		{TokenSpec{Scopes: spec.Scopes}, "Name"},
		{TokenSpec{Name: "x"}, "Scopes"},
		{TokenSpec{Name: "x", Scopes: []Scope{{ActionRead, "*"}, {"deploy", "*"}}}, "Scopes[1].Action"},
		{TokenSpec{Name: "x", Scopes: []Scope{{ActionRead, "catalog"}}}, "Scopes[0].Subject"},
	} {
		_, err := s.CreateToken(ctx(t), tt.spec)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tt.field {
			t.Errorf("CreateToken(%+v) error = %v; want an *InputError on %s", tt.spec, err, tt.field)
		}
	}
}

func testAudit(t *testing.T, db testDB) {
	clock := time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.UTC)
	s := db.open(t, Options{Now: func() time.Time { return clock }})
	res := push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "1"), Author: "alice", Message: "add a"})
	log, err := s.AuditLog(ctx(t), AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := AuditEntry{ID: log[0].ID, Time: clock.Truncate(time.Microsecond), Actor: "alice", Action: AuditPush,
		Subject: "Upstream/a", Version: 1, Allowed: true, Reason: "add a"}
	if len(log) != 1 || log[0] != want || !res.Version.Time.Equal(want.Time) {
		t.Fatalf("audit after a push = %+v; want %+v, at the version's time %v", log, want, res.Version.Time)
	}

	// Entries the caller writes: a refused token, a check.
	for i, e := range []AuditEntry{
		{Actor: "mallory", Action: AuditPush, Subject: "Upstream/a", Reason: "token lacks push on Upstream/a"},
		{Actor: "ci", Action: "check", Subject: "Upstream/b", Allowed: true, Time: clock.Add(time.Hour)},
		{Actor: "ci", Action: "check", Subject: "Upstream/a", Allowed: true, Time: clock.Add(2 * time.Hour)},
	} {
		if err := s.Audit(ctx(t), e); err != nil {
			t.Fatalf("Audit #%d: %v", i, err)
		}
	}
	tests := []struct {
		name   string
		filter AuditFilter
		want   []string // actor/action/subject, newest first
	}{
		{"all", AuditFilter{}, []string{"ci/check/Upstream/a", "ci/check/Upstream/b", "mallory/push/Upstream/a", "alice/push/Upstream/a"}},
		{"subject", AuditFilter{Subject: "Upstream/a"}, []string{"ci/check/Upstream/a", "mallory/push/Upstream/a", "alice/push/Upstream/a"}},
		{"actor", AuditFilter{Actor: "mallory"}, []string{"mallory/push/Upstream/a"}},
		{"action", AuditFilter{Action: "check"}, []string{"ci/check/Upstream/a", "ci/check/Upstream/b"}},
		{"refused", AuditFilter{Allowed: ptr(false)}, []string{"mallory/push/Upstream/a"}},
		{"since", AuditFilter{Since: clock.Add(time.Hour)}, []string{"ci/check/Upstream/a", "ci/check/Upstream/b"}},
		{"limit", AuditFilter{Limit: 1}, []string{"ci/check/Upstream/a"}},
		{"combined", AuditFilter{Subject: "Upstream/a", Allowed: ptr(true), Action: AuditPush}, []string{"alice/push/Upstream/a"}},
	}
	for _, tt := range tests {
		log, err := s.AuditLog(ctx(t), tt.filter)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, e := range log {
			got = append(got, e.Actor+"/"+e.Action+"/"+e.Subject)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: AuditLog = %v; want %v", tt.name, got, tt.want)
		}
	}
	if err := s.Audit(ctx(t), AuditEntry{Actor: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Audit without an action: error = %v; want ErrInvalid", err)
	}
	if err := s.Audit(ctx(t), AuditEntry{Action: "x", Reason: "bad\xffutf8"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Audit with invalid UTF-8: error = %v; want ErrInvalid", err)
	}
}

func testUsage(t *testing.T, db testDB) {
	now := time.Date(2031, 5, 6, 12, 30, 0, 0, time.UTC)
	s := db.open(t, Options{Now: func() time.Time { return now }})
	earlier := now.Add(-3 * time.Hour)
	batch1 := []UsageRecord{
		{Signature: "s1", OperationName: "Products", VirtualService: "shop", Coordinates: []string{"Query.products", "Product.name"}, Count: 5},
		{Signature: "s1", OperationName: "Products", VirtualService: "shop", Coordinates: []string{"Query.products", "Product.name", "Product.name"}, Count: 2},
		{Signature: "s2", OperationName: "Price", VirtualService: "shop", Coordinates: []string{"Query.products", "Product.price"}, Count: 1, Time: now.Add(-10 * time.Minute)},
		{Signature: "s3", OperationName: "Old", VirtualService: "shop", Coordinates: []string{"Product.name"}, Count: 4, Time: earlier},
		{Signature: "s1", OperationName: "Products", VirtualService: "admin", Coordinates: []string{"Product.name"}, Count: 100},
	}
	if err := s.RecordUsage(ctx(t), batch1); err != nil {
		t.Fatal(err)
	}
	// A second batch adds to the same hour's counts and renames s1.
	if err := s.RecordUsage(ctx(t), []UsageRecord{
		{Signature: "s1", OperationName: "ProductList", VirtualService: "shop", Coordinates: []string{"Product.name"}, Count: 3},
	}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		coords []string
		since  time.Time
		want   []OperationUsage
	}{
		{"one coordinate", []string{"Product.name"}, now.Add(-time.Hour), []OperationUsage{
			{Signature: "s1", Name: "ProductList", Count: 10, Coordinates: []CoordinateCount{{"Product.name", 10}}},
		}},
		{"two coordinates", []string{"Product.price", "Query.products", "Product.price"}, now.Add(-time.Hour), []OperationUsage{
			{Signature: "s1", Name: "ProductList", Count: 10, Coordinates: []CoordinateCount{{"Query.products", 7}}},
			{Signature: "s2", Name: "Price", Count: 1, Coordinates: []CoordinateCount{{"Product.price", 1}, {"Query.products", 1}}},
		}},
		{"longer window", []string{"Product.name"}, earlier, []OperationUsage{
			{Signature: "s1", Name: "ProductList", Count: 10, Coordinates: []CoordinateCount{{"Product.name", 10}}},
			{Signature: "s3", Name: "Old", Count: 4, Coordinates: []CoordinateCount{{"Product.name", 4}}},
		}},
		{"every operation", nil, now.Add(-time.Hour), []OperationUsage{
			{Signature: "s1", Name: "ProductList", Count: 10},
			{Signature: "s2", Name: "Price", Count: 1},
		}},
		{"unused coordinate", []string{"Product.sku"}, earlier, []OperationUsage{}},
	}
	for _, tt := range tests {
		got, err := s.Usage(ctx(t), "shop", tt.coords, tt.since)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: Usage = %+v; want %+v", tt.name, got, tt.want)
		}
	}

	// Many coordinates at once are asked in several queries.
	many := []string{"Product.name"}
	for i := range 1200 {
		many = append(many, fmt.Sprintf("T.f%d", i))
	}
	if got, err := s.Usage(ctx(t), "shop", many, earlier); err != nil || len(got) != 2 {
		t.Errorf("Usage with %d coordinates = %+v, %v; want s1 and s3", len(many), got, err)
	}

	bad := []UsageRecord{{Signature: "s", VirtualService: "shop", Count: 1}, {Signature: "s", VirtualService: "shop", Count: 0}}
	var ie *InputError
	if err := s.RecordUsage(ctx(t), bad); !errors.As(err, &ie) || ie.Field != "records[1].Count" {
		t.Errorf("RecordUsage with a zero count: error = %v; want an *InputError on records[1].Count", err)
	}

	n, err := s.PruneUsage(ctx(t), now.Add(-time.Hour))
	if err != nil || n != 2 { // s3's operation row and its one coordinate row
		t.Errorf("PruneUsage = %d, %v; want 2 rows", n, err)
	}
	if got, _ := s.Usage(ctx(t), "shop", []string{"Product.name"}, earlier); len(got) != 1 {
		t.Errorf("after pruning, Usage = %+v; want only s1", got)
	}
}

func testWatchAnotherInstance(t *testing.T, db testDB) {
	// PostgreSQL must hear the notification: its poll is set beyond the
	// test's deadline. SQLite has only its poll.
	poll := time.Hour
	if db.kind == "sqlite" {
		poll = 200 * time.Millisecond
	}
	watcher := db.open(t, Options{PollInterval: poll})
	pusher := db.open(t, Options{})
	ch := watcher.Watch(t.Context())
	if rev, ok := receive(t, ch, 5*time.Second); !ok || rev != 0 {
		t.Fatalf("first value = %d, %v; want the current revision 0", rev, ok)
	}
	for want := int64(1); want <= 3; want++ {
		start := time.Now()
		push(t, pusher, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", fmt.Sprint(want))})
		waitFor(t, ch, want, 5*time.Second)
		t.Logf("revision %d seen after %v", want, time.Since(start))
	}
	// A burst while nobody reads is seen as its last revision.
	for i := range 5 {
		push(t, pusher, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", fmt.Sprint("burst", i))})
	}
	waitFor(t, ch, 8, 5*time.Second)
	select {
	case rev := <-ch:
		t.Errorf("after the burst's last revision, another value %d", rev)
	case <-time.After(600 * time.Millisecond):
	}
}

// testWatchSameInstance needs no poll to see a change made through the
// watching store itself.
func testWatchSameInstance(t *testing.T, db testDB) {
	s := db.open(t, Options{PollInterval: time.Hour})
	ch := s.Watch(t.Context())
	if rev, _ := receive(t, ch, 5*time.Second); rev != 0 {
		t.Fatalf("first value = %d; want 0", rev)
	}
	for want := int64(1); want <= 3; want++ {
		push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", fmt.Sprint(want))})
		waitFor(t, ch, want, 5*time.Second)
	}
}

func testWatchEnds(t *testing.T, db testDB) {
	s := db.open(t, Options{PollInterval: 50 * time.Millisecond})
	c, cancel := context.WithCancel(t.Context())
	ch := s.Watch(c)
	receive(t, ch, 5*time.Second)
	cancel()
	for {
		if _, ok := receive(t, ch, 5*time.Second); !ok {
			break
		}
	}
	ch2 := s.Watch(t.Context())
	receive(t, ch2, 5*time.Second)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for {
		if _, ok := receive(t, ch2, 5*time.Second); !ok {
			break
		}
	}
	if _, ok := <-s.Watch(t.Context()); ok {
		t.Error("Watch on a closed store sent a value")
	}
}

// appliedMigrations reads schema_migrations.
func appliedMigrations(t *testing.T, s *Store) []string {
	t.Helper()
	var names []string
	err := s.read(ctx(t), func(tx txn) error {
		rs, err := tx.query(ctx(t), "SELECT name FROM schema_migrations ORDER BY version")
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var n string
			if err := rs.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
		}
		return rs.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func wantMigrations(t *testing.T, kind string) []string {
	t.Helper()
	ms, err := loadMigrations(migrationFiles, kind)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.name)
	}
	return names
}

func testMigrationsIdempotent(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	push(t, s, PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "a")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s = db.open(t, Options{})
		if got, want := appliedMigrations(t, s), wantMigrations(t, db.kind); !slices.Equal(got, want) {
			t.Errorf("schema_migrations after reopening = %v; want %v once each", got, want)
		}
		if st, err := s.Active(ctx(t)); err != nil || st.Revision != 1 || len(st.Versions) != 1 {
			t.Errorf("after reopening, Active = %+v, %v; want the push kept", st, err)
		}
	}
}

func testMigrationsConcurrent(t *testing.T, db testDB) {
	const replicas = 4
	var wg sync.WaitGroup
	stores := make([]*Store, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() { stores[i], errs[i] = db.tryOpen(ctx(t), Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if t.Failed() {
		return
	}
	if got, want := appliedMigrations(t, stores[0]), wantMigrations(t, db.kind); !slices.Equal(got, want) {
		t.Errorf("schema_migrations = %v; want %v once each", got, want)
	}
	push(t, stores[replicas-1], PushRequest{Subject: "Upstream/a", Files: files("a.graphql", "a")})
}

func testSchemaTooNew(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	err := s.update(ctx(t), func(tx txn) error {
		_, err := tx.exec(ctx(t), "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', $1)", time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.tryOpen(ctx(t), Options{}); !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999_future.sql") {
		t.Errorf("opening a database from a newer build: error = %v; want ErrSchemaTooNew naming the migration", err)
	}
}

func testClosed(t *testing.T, db testDB) {
	s := db.open(t, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Push(ctx(t), PushRequest{Subject: "Upstream/a", Files: files("a", "a")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Push on a closed store: error = %v; want ErrClosed", err)
	}
	if _, err := s.Active(ctx(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("Active on a closed store: error = %v; want ErrClosed", err)
	}
}
