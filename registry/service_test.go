package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/registrytest"
	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
)

// TestService runs the service's suite against both stores.
func TestService(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, st *store.Store)
	}{
		{"Refusals", testRefusals},
		{"CheckSafe", testCheckSafe},
		{"PushSafeGoesLive", testPushSafeGoesLive},
		{"PushBreakingRefused", testPushBreakingRefused},
		{"ApprovedBreakingPasses", testApprovedBreakingPasses},
		{"AllowBreaking", testAllowBreaking},
		{"BuildFailed", testBuildFailed},
		{"SubjectFiles", testSubjectFiles},
		{"CheckNamesRecordedOperations", testCheckUsage},
		{"RollbackHistoryDiff", testRollbackHistoryDiff},
		{"RollbackRefusedWhenItDoesNotBuild", testRollbackDoesNotBuild},
		{"ConflictChecksAgain", testConflictChecksAgain},
		{"ReadsAndTokens", testReadsAndTokens},
	}
	backends(t, func(t *testing.T, newStore func(testing.TB, store.Options) *store.Store) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, newStore(t, store.Options{}))
			})
		}
	})
}

// code returns err's registry code, or "" when it has none.
func code(err error) registry.Code {
	var e *registry.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// lastRefusal returns the newest refusal in the audit log.
func lastRefusal(t *testing.T, st *store.Store) store.AuditEntry {
	t.Helper()
	no := false
	log, err := st.AuditLog(ctx(t), store.AuditFilter{Allowed: &no, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 {
		t.Fatal("no refusal in the audit log")
	}
	return log[0]
}

func testRefusals(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	safe := registry.CheckRequest{Upstream: "pets", Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, tagString+`, "age": {"type": "integer"}`)}}
	calls := []struct {
		name    string
		action  string
		subject string
		call    func(token string) error
	}{
		{"check", registry.AuditCheck, "Upstream/pets", func(tok string) error { _, err := f.svc.Check(ctx(t), tok, safe); return err }},
		{"push", store.AuditPush, "Upstream/pets", func(tok string) error {
			_, err := f.svc.Push(ctx(t), tok, registry.PushRequest{CheckRequest: safe})
			return err
		}},
		{"rollback", registry.AuditRollback, "VirtualService/api", func(tok string) error {
			_, err := f.svc.Rollback(ctx(t), tok, "VirtualService/api", 1, "")
			return err
		}},
		{"history", registry.AuditRead, "VirtualService/api", func(tok string) error {
			_, err := f.svc.History(ctx(t), tok, "VirtualService/api", 0)
			return err
		}},
		{"diff", registry.AuditRead, "VirtualService/status", func(tok string) error {
			_, err := f.svc.Diff(ctx(t), tok, "VirtualService/status", 1, 1)
			return err
		}},
		{"approve", store.AuditApprove, "VirtualService/api", func(tok string) error {
			_, err := f.svc.Approve(ctx(t), tok, store.Approval{Subject: "VirtualService/api", Coordinate: "Pet.tag", Class: "FIELD_REMOVED"}, 0)
			return err
		}},
		{"audit log", registry.AuditRead, "*", func(tok string) error {
			_, err := f.svc.AuditLog(ctx(t), tok, store.AuditFilter{})
			return err
		}},
		{"create token", registry.AuditTokenCreate, "*", func(tok string) error {
			_, _, err := f.svc.CreateToken(ctx(t), tok, store.TokenSpec{Name: "x", Scopes: []store.Scope{{Action: store.ActionRead, Subject: "*"}}})
			return err
		}},
	}
	tokens := []struct {
		name   string
		secret string
		code   registry.Code
		actor  string
		reason string
	}{
		{"no token", "", registry.CodeUnauthenticated, registry.Anonymous, "no token"},
		{"malformed", "letmein", registry.CodeUnauthenticated, registry.Anonymous, "malformed secret"},
		{"unknown", f.stranger, registry.CodeUnauthenticated, registry.Anonymous, "unknown secret"},
		{"revoked", f.revoked, registry.CodeUnauthenticated, registry.Anonymous, `token "old" is revoked`},
		{"out of scope", f.reader, registry.CodeForbidden, "dashboard", "token dashboard may not"},
	}
	rev, err := st.Revision(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		for _, tok := range tokens {
			t.Run(c.name+"/"+tok.name, func(t *testing.T) {
				err := c.call(tok.secret)
				if code(err) != tok.code {
					t.Fatalf("error = %v (code %q); want code %s", err, code(err), tok.code)
				}
				if tok.code == registry.CodeUnauthenticated && err.Error() != "invalid token" && tok.secret != "" {
					t.Errorf("the client is told %q; want no more than \"invalid token\"", err)
				}
				e := lastRefusal(t, st)
				if e.Action != c.action || e.Subject != c.subject || e.Actor != tok.actor || !strings.Contains(e.Reason, tok.reason) {
					t.Errorf("audited %+v; want action %s on %s by %q, reason with %q", e, c.action, c.subject, tok.actor, tok.reason)
				}
			})
		}
	}
	// The pusher may push pets, and check it, but not another subject.
	_, err = f.svc.Push(ctx(t), f.pusher, registry.PushRequest{CheckRequest: registry.CheckRequest{Subject: "VirtualService/api", Files: map[string][]byte{"vs.yaml": nil}}})
	if code(err) != registry.CodeForbidden || !strings.Contains(err.Error(), "token ci-pets may not push VirtualService/api (its scopes: push:Upstream/pets, read:*)") {
		t.Errorf("push outside the token's subject: %v", err)
	}
	if after, _ := st.Revision(ctx(t)); after != rev {
		t.Errorf("the revision moved from %d to %d through refused calls", rev, after)
	}
}

func testCheckSafe(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	rep, err := f.svc.Check(ctx(t), f.checker, registry.CheckRequest{Upstream: "pets", Source: &registry.SourceFile{Name: "pets.json",
		Content: petsSpec(t, tagString, tagString+`, "age": {"type": "integer"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Breaking != 0 || rep.Subject != "Upstream/pets" || rep.Revision != 3 || rep.Replaced["Upstream/pets/specs/pets.json"] != "pets.json" {
		t.Fatalf("report = %+v", rep)
	}
	if ch := rep.VirtualServices["api"]; len(ch) != 1 || ch[0].Class != "FIELD_ADDED" || ch[0].Coordinate != "Pet.age" {
		t.Errorf("api's changes = %+v; want Pet.age added", ch)
	}
	if ch, ok := rep.VirtualServices["status"]; !ok || len(ch) != 0 {
		t.Errorf("status's changes = %+v; want none, listed", ch)
	}
	// A check changes nothing.
	if rev, _ := st.Revision(ctx(t)); rev != 3 {
		t.Errorf("revision after a check = %d; want 3", rev)
	}
}

func testPushSafeGoesLive(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	spec := petsSpec(t, tagString, tagString+`, "age": {"type": "integer"}`)
	res, err := f.svc.Push(ctx(t), f.pusher, registry.PushRequest{
		CheckRequest: registry.CheckRequest{Upstream: "pets", Source: &registry.SourceFile{Name: "pets.json", Content: spec}},
		Message:      "pets: age",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged || res.Revision != 4 || res.Version.Number != 2 || res.Version.Author != "ci-pets" || res.Report.Breaking != 0 {
		t.Fatalf("push = %+v", res)
	}
	state, err := st.Active(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if state.Revision != 4 || string(state.Files()["Upstream/pets/specs/pets.json"]) != string(spec) {
		t.Fatalf("after the push, Active is at revision %d with the old spec", state.Revision)
	}
	// Every file of the subject but the one replaced is kept.
	if state.Files()["Upstream/pets/up.yaml"] == nil {
		t.Error("the upstream's YAML went with the push of its spec")
	}
	var composed map[string]string
	if err := json.Unmarshal(res.Version.Composed, &composed); err != nil {
		t.Fatalf("composed %q: %v", res.Version.Composed, err)
	}
	if !strings.Contains(composed["api"], "age: Int") || !strings.Contains(composed["status"], "ok: Boolean") {
		t.Errorf("composed = %v; want each VirtualService's SDL", composed)
	}
	log, err := st.AuditLog(ctx(t), store.AuditFilter{Subject: "Upstream/pets", Action: store.AuditPush, Limit: 1})
	if err != nil || len(log) != 1 || !log[0].Allowed || log[0].Actor != "ci-pets" || log[0].Reason != "pets: age" || log[0].Version != 2 {
		t.Errorf("audit = %+v, %v; want the push by ci-pets", log, err)
	}
	// The same push again changes nothing.
	res, err = f.svc.Push(ctx(t), f.pusher, registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "pets", Source: &registry.SourceFile{Name: "pets.json", Content: spec}}, Author: "Dana"})
	if err != nil || !res.Unchanged || res.Revision != 4 || len(res.Report.VirtualServices["api"]) != 0 {
		t.Errorf("the same push again = %+v, %v; want unchanged", res, err)
	}
	log, _ = st.AuditLog(ctx(t), store.AuditFilter{Subject: "Upstream/pets", Action: store.AuditPush, Limit: 1})
	if len(log) != 1 || log[0].Actor != "Dana (token ci-pets)" {
		t.Errorf("audit of a push with an author = %+v; want the author with the token", log)
	}
}

func testPushBreakingRefused(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	_, err := f.svc.Push(ctx(t), f.pusher, registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "pets",
		Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, `"tag": {"type": "integer"}`)}}})
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.CodeBreakingChanges || e.Report == nil {
		t.Fatalf("breaking push: error = %v; want BREAKING_CHANGES with the report", err)
	}
	if e.Report.Breaking != 1 || e.Report.VirtualServices["api"][0].Coordinate != "Pet.tag" || e.Report.VirtualServices["api"][0].Class != "FIELD_TYPE_CHANGED" {
		t.Errorf("report = %+v", e.Report)
	}
	if want := "1 breaking change(s) not approved: FIELD_TYPE_CHANGED Pet.tag in api"; e.Message != want {
		t.Errorf("message = %q; want %q", e.Message, want)
	}
	if rev, _ := st.Revision(ctx(t)); rev != 3 {
		t.Errorf("revision after a refused push = %d; want 3", rev)
	}
	r := lastRefusal(t, st)
	if r.Action != store.AuditPush || r.Actor != "ci-pets" || r.Subject != "Upstream/pets" || r.Reason != "refused: "+e.Message {
		t.Errorf("audited %+v", r)
	}
}

func testApprovedBreakingPasses(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	req := registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "pets",
		Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, `"tag": {"type": "integer"}`)}}}
	// An approval of another class, or on another subject, does not do.
	for _, a := range []store.Approval{
		{Subject: "Upstream/pets", Coordinate: "Pet.tag", Class: "FIELD_REMOVED"},
		{Subject: "VirtualService/api", Coordinate: "Pet.tag", Class: "FIELD_TYPE_CHANGED"},
	} {
		tok := f.pusher
		if a.Subject != "Upstream/pets" {
			tok = f.admin
		}
		if _, err := f.svc.Approve(ctx(t), tok, a, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Push(ctx(t), f.pusher, req); code(err) != registry.CodeBreakingChanges {
			t.Fatalf("with approval %+v: error = %v; want BREAKING_CHANGES", a, err)
		}
	}
	a, err := f.svc.Approve(ctx(t), f.pusher, store.Approval{Subject: "Upstream/pets", Coordinate: "Pet.tag", Class: "FIELD_TYPE_CHANGED", Reason: "no client reads tag"}, 0)
	if err != nil || a.ApprovedBy != "ci-pets" {
		t.Fatalf("Approve = %+v, %v", a, err)
	}
	res, err := f.svc.Push(ctx(t), f.pusher, req)
	if err != nil {
		t.Fatalf("approved breaking push: %v", err)
	}
	c := res.Report.VirtualServices["api"][0]
	if res.Report.Breaking != 1 || res.Report.Approved != 1 || c.Approval == nil || c.Approval.Reason != "no client reads tag" || res.Revision != 4 {
		t.Errorf("push = %+v, change %+v", res, c)
	}
}

func testAllowBreaking(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	res, err := f.svc.Push(ctx(t), f.pusher, registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "pets",
		Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, `"tag": {"type": "integer"}`)}}, AllowBreaking: true})
	if err != nil || res.Report.Unapproved() != 1 || res.Revision != 4 {
		t.Fatalf("push with AllowBreaking = %+v, %v", res, err)
	}
	log, err := st.AuditLog(ctx(t), store.AuditFilter{Action: registry.AuditAllowBreaking})
	if err != nil || len(log) != 1 || log[0].Actor != "ci-pets" || log[0].Version != 2 || !strings.Contains(log[0].Reason, "FIELD_TYPE_CHANGED Pet.tag in api") {
		t.Errorf("audit of the breaking changes allowed = %+v, %v", log, err)
	}
}

func testBuildFailed(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	_, err := f.svc.Push(ctx(t), f.pusher, registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "pets",
		Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, `"openapi": "3.0.3",`, `"openapi": "3.0.3"`)}}})
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.CodeBuildFailed || len(e.Problems) == 0 ||
		!strings.HasPrefix(e.Problems[0], "Upstream/pets/up.yaml:") || !strings.Contains(e.Problems[0], "Upstream/pets/specs/pets.json: not an OpenAPI") {
		t.Fatalf("push of a spec that does not parse: error = %v; want BUILD_FAILED at the spec's path", err)
	}
	if rev, _ := st.Revision(ctx(t)); rev != 3 {
		t.Errorf("revision = %d; want 3: a config that does not build never goes live", rev)
	}
	r := lastRefusal(t, st)
	if r.Action != store.AuditPush || r.Actor != "ci-pets" || !strings.Contains(r.Reason, "does not build") || !strings.Contains(r.Reason, "pets.json") {
		t.Errorf("audited %+v", r)
	}
	// Input errors are refusals too.
	for _, tt := range []struct {
		req  registry.CheckRequest
		code registry.Code
		msg  string
	}{
		{registry.CheckRequest{Upstream: "cats", Source: &registry.SourceFile{Name: "x"}}, registry.CodeForbidden, "may not push Upstream/cats"},
		{registry.CheckRequest{Upstream: "pets"}, registry.CodeBadInput, "give its new source file"},
		{registry.CheckRequest{}, registry.CodeBadInput, "nothing to check"},
		{registry.CheckRequest{Subject: "Upstream/pets", Files: map[string][]byte{"../x": nil}}, registry.CodeBadInput, `file "../x"`},
		{registry.CheckRequest{Subject: "upstream pets", Files: map[string][]byte{"x": nil}}, registry.CodeBadInput, "invalid subject"},
	} {
		_, err := f.svc.Push(ctx(t), f.pusher, registry.PushRequest{CheckRequest: tt.req})
		if code(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("push %+v: error = %v; want %s with %q", tt.req, err, tt.code, tt.msg)
		}
		if r := lastRefusal(t, st); r.Action != store.AuditPush || r.Actor != "ci-pets" || !strings.Contains(r.Reason, tt.msg) {
			t.Errorf("push %+v: audited %+v; want the refusal, by ci-pets", tt.req, r)
		}
	}
	_, err = f.svc.Push(ctx(t), f.admin, registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "cats", Source: &registry.SourceFile{Name: "x"}}})
	if code(err) != registry.CodeNotFound || !strings.Contains(err.Error(), "no such upstream (it has pets)") {
		t.Errorf("push to an unknown upstream: %v", err)
	}
	// A check's refusals are audited as a push's are.
	_, err = f.svc.Check(ctx(t), f.admin, registry.CheckRequest{Upstream: "cats", Source: &registry.SourceFile{Name: "x"}})
	if r := lastRefusal(t, st); code(err) != registry.CodeNotFound || r.Action != registry.AuditCheck || r.Actor != "admin" || r.Subject != "Upstream/cats" {
		t.Errorf("check of an unknown upstream: %v, audited %+v; want NOT_FOUND, audited as admin's check", err, r)
	}
	_, err = f.svc.Check(ctx(t), "", registry.CheckRequest{Upstream: "pets"})
	if r := lastRefusal(t, st); code(err) != registry.CodeBadInput || r.Action != registry.AuditCheck || r.Actor != registry.Anonymous || !strings.Contains(r.Reason, "give its new source file") {
		t.Errorf("check of nothing, with no token: %v, audited %+v; want BAD_INPUT, audited as an anonymous check", err, r)
	}
}

func testSubjectFiles(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	// A route's domain changes: the files of a VirtualService subject, by
	// path relative to its prefix.
	v, err := st.Version(ctx(t), "VirtualService/api", 1)
	if err != nil {
		t.Fatal(err)
	}
	var yamlPath string
	for p := range v.Files {
		yamlPath = strings.TrimPrefix(p, "VirtualService/api/")
	}
	old := v.Files["VirtualService/api/"+yamlPath]
	nw := []byte(strings.Replace(string(old), "api.example", "api2.example", 1))
	res, err := f.svc.Push(ctx(t), f.admin, registry.PushRequest{CheckRequest: registry.CheckRequest{Subject: "VirtualService/api", Files: map[string][]byte{yamlPath: nw}}})
	if err != nil || res.Version.Number != 2 || len(res.Report.VirtualServices["api"]) != 0 || res.Report.Replaced["VirtualService/api/"+yamlPath] != yamlPath {
		t.Fatalf("push of the VirtualService's YAML = %+v, %v", res, err)
	}
	// With Replace, the files are the whole version: a VirtualService
	// without its YAML is gone, which breaks it.
	_, err = f.svc.Push(ctx(t), f.admin, registry.PushRequest{CheckRequest: registry.CheckRequest{Subject: "VirtualService/api", Replace: true,
		Files: map[string][]byte{"VirtualService/api/notes.txt": []byte("hello")}}})
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.CodeBreakingChanges || len(e.Report.Removed) != 1 || e.Report.Removed[0] != "api" {
		t.Errorf("a push that removes a VirtualService: %v; want BREAKING_CHANGES with api removed", err)
	}
}

func testCheckUsage(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	now := time.Now()
	if err := st.RecordUsage(ctx(t), []store.UsageRecord{
		{Signature: "sig-tag", OperationName: "PetTag", VirtualService: "api", Coordinates: []string{"Query.getPet", "Pet.tag"}, Count: 7, Time: now},
		{Signature: "sig-name", OperationName: "PetName", VirtualService: "api", Coordinates: []string{"Query.getPet", "Pet.name"}, Count: 3, Time: now},
		{Signature: "sig-old", OperationName: "Old", VirtualService: "api", Coordinates: []string{"Pet.tag"}, Count: 1, Time: now.Add(-30 * 24 * time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Check(ctx(t), f.checker, registry.CheckRequest{Upstream: "pets",
		Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, `"tag": {"type": "integer"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	ops := rep.VirtualServices["api"][0].Operations
	if len(ops) != 1 || ops[0].Name != "PetTag" || ops[0].Count != 7 || ops[0].Signature != "sig-tag" {
		t.Errorf("operations = %+v; want PetTag's 7 runs only (PetName reads no tag, Old ran before the window)", ops)
	}
	// A wider window finds the old one.
	rep, err = f.svc.Check(ctx(t), f.checker, registry.CheckRequest{Upstream: "pets", UsageWindow: 60 * 24 * time.Hour,
		Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, `"tag": {"type": "integer"}`)}})
	if err != nil || len(rep.VirtualServices["api"][0].Operations) != 2 {
		t.Errorf("with a 60-day window: %+v, %v; want two operations", rep, err)
	}
}

func testRollbackHistoryDiff(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	for _, add := range []string{`"age": {"type": "integer"}`, `"age": {"type": "integer"}, "color": {"type": "string"}`} {
		if _, err := f.svc.Push(ctx(t), f.pusher, registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "pets",
			Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, tagString+", "+add)}}, Message: add}); err != nil {
			t.Fatal(err)
		}
	}
	hist, err := f.svc.History(ctx(t), f.reader, "Upstream/pets", 0)
	if err != nil || len(hist) != 3 || hist[0].Number != 3 || !hist[0].Active || hist[2].Author != "seed" {
		t.Fatalf("History = %+v, %v", hist, err)
	}
	d, err := f.svc.Diff(ctx(t), f.reader, "Upstream/pets", 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range d.VirtualServices["api"] {
		got = append(got, string(c.Class)+" "+c.Coordinate)
	}
	if strings.Join(got, ", ") != "FIELD_ADDED Pet.age, FIELD_ADDED Pet.color" || d.Breaking != 0 {
		t.Errorf("Diff(1, 3) = %v", got)
	}
	d, err = f.svc.Diff(ctx(t), f.reader, "Upstream/pets", 3, 1)
	if err != nil || d.Breaking != 2 {
		t.Errorf("Diff(3, 1) = %+v, %v; want two fields removed", d, err)
	}
	if _, err := f.svc.Diff(ctx(t), f.reader, "Upstream/pets", 1, 9); code(err) != registry.CodeNotFound {
		t.Errorf("Diff to a version that does not exist: %v; want NOT_FOUND", err)
	}

	// Back one version: 2 is active, and the report says what went.
	rb, err := f.svc.Rollback(ctx(t), f.pusher, "Upstream/pets", 0, "color is wrong")
	if err != nil {
		t.Fatal(err)
	}
	if rb.Version.Number != 2 || rb.Revision != 6 || rb.Report.Breaking != 1 || rb.Report.VirtualServices["api"][0].Coordinate != "Pet.color" {
		t.Errorf("Rollback = %+v", rb)
	}
	state, _ := st.Active(ctx(t))
	for _, v := range state.Versions {
		if v.Subject == "Upstream/pets" && v.Number != 2 {
			t.Errorf("active version of pets = %d; want 2", v.Number)
		}
	}
	// To a named version.
	if rb, err := f.svc.Rollback(ctx(t), f.pusher, "Upstream/pets", 1, ""); err != nil || rb.Version.Number != 1 || rb.Revision != 7 {
		t.Errorf("Rollback to 1 = %+v, %v", rb, err)
	}
	if _, err := f.svc.Rollback(ctx(t), f.pusher, "Upstream/pets", 0, ""); code(err) != registry.CodeBadInput || !strings.Contains(err.Error(), "first") {
		t.Errorf("Rollback before the first version: %v; want BAD_INPUT", err)
	}
	if _, err := f.svc.Rollback(ctx(t), f.pusher, "Upstream/pets", 9, ""); code(err) != registry.CodeNotFound {
		t.Errorf("Rollback to a version that does not exist: %v; want NOT_FOUND", err)
	}
	log, _ := st.AuditLog(ctx(t), store.AuditFilter{Action: store.AuditActivate, Limit: 1})
	if len(log) != 1 || log[0].Actor != "ci-pets" || log[0].Version != 1 {
		t.Errorf("audit of the rollback = %+v", log)
	}
}

func testRollbackDoesNotBuild(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	// A version that does not build, written past the service (as an old
	// store might hold one), then a good one over it.
	if _, err := st.Push(ctx(t), store.PushRequest{Subject: "Upstream/pets", Author: "x",
		Files: map[string][]byte{"Upstream/pets/up.yaml": []byte("kind: Upstream\n")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Rollback(ctx(t), f.pusher, "Upstream/pets", 1, ""); err != nil {
		t.Fatalf("rolling back to the good version: %v", err)
	}
	rev, _ := st.Revision(ctx(t))
	_, err := f.svc.Rollback(ctx(t), f.pusher, "Upstream/pets", 2, "")
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.CodeBuildFailed || !strings.Contains(e.Message, "with version 2 of Upstream/pets") || len(e.Problems) == 0 {
		t.Fatalf("rollback to a version that does not build: %v; want BUILD_FAILED", err)
	}
	if now, _ := st.Revision(ctx(t)); now != rev {
		t.Errorf("the revision moved on a refused rollback")
	}
	if r := lastRefusal(t, st); r.Action != registry.AuditRollback || r.Version != 2 || r.Actor != "ci-pets" {
		t.Errorf("audited %+v", r)
	}
}

// movingBuilder pushes another subject straight to the store while it
// builds, the first `moves` times: a change that lands during a check.
type movingBuilder struct {
	registry.Builder
	st    *store.Store
	moves atomic.Int32
}

func (b *movingBuilder) Inspect(ctx context.Context, fsys fs.FS) (*registry.Inspection, error) {
	if b.moves.Add(-1) >= 0 {
		n := b.moves.Load()
		if _, err := b.st.Push(ctx, store.PushRequest{Subject: "Upstream/other", Author: "x",
			Files: map[string][]byte{"Upstream/other/notes.txt": []byte{byte('a' + n)}}}); err != nil {
			return nil, err
		}
	}
	return b.Builder.Inspect(ctx, fsys)
}

func testConflictChecksAgain(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	b := &movingBuilder{Builder: registrytest.Builder{}, st: st}
	svc := registry.NewService(st, b, registry.ServiceOptions{Log: testLog(t)})
	t.Cleanup(svc.Close)
	req := registry.PushRequest{CheckRequest: registry.CheckRequest{Upstream: "pets",
		Source: &registry.SourceFile{Name: "pets.json", Content: petsSpec(t, tagString, tagString+`, "age": {"type": "integer"}`)}}}
	// Two builds per check: one move makes the first push conflict, and
	// the second check passes.
	b.moves.Store(1)
	res, err := svc.Push(ctx(t), f.pusher, req)
	if err != nil || res.Version.Number != 2 || res.Revision != 5 || res.Report.Revision != 4 {
		t.Fatalf("push with one change landing during its check = %+v, %v; want version 2 at revision 5, checked at 4", res, err)
	}
	// A store that moves during every check: the second conflict is the
	// client's to retry.
	b.moves.Store(10)
	req.Source.Content = petsSpec(t, tagString, tagString+`, "age": {"type": "integer"}, "size": {"type": "integer"}`)
	_, err = svc.Push(ctx(t), f.pusher, req)
	if code(err) != registry.CodeConflict || !strings.Contains(err.Error(), "revision conflict") {
		t.Fatalf("push with changes landing during both checks: %v; want CONFLICT", err)
	}
	// A rollback too builds against a revision.
	f.svc = svc
	b.moves.Store(1)
	if rb, err := svc.Rollback(ctx(t), f.pusher, "Upstream/pets", 1, ""); err != nil || rb.Version.Number != 1 {
		t.Fatalf("rollback with a change landing during its build = %+v, %v", rb, err)
	}
}

func testReadsAndTokens(t *testing.T, st *store.Store) {
	f := newFixture(t, st)
	rev, subjects, err := f.svc.Subjects(ctx(t), f.reader)
	if err != nil || rev != 3 || len(subjects) != 1 || subjects[0].Subject != "Upstream/pets" || subjects[0].Files != nil {
		t.Errorf("Subjects for a reader of pets = %d, %+v, %v; want pets alone, without files", rev, subjects, err)
	}
	if _, subjects, _ := f.svc.Subjects(ctx(t), f.admin); len(subjects) != 3 {
		t.Errorf("Subjects for admin = %+v; want all 3", subjects)
	}
	if r, err := f.svc.Revision(ctx(t), f.checker); err != nil || r != 3 {
		t.Errorf("Revision = %d, %v", r, err)
	}
	v, err := f.svc.Version(ctx(t), f.reader, "Upstream/pets", 1)
	if err != nil || len(v.Files) != 2 {
		t.Errorf("Version = %+v, %v; want its two files", v, err)
	}
	if _, err := f.svc.Version(ctx(t), f.reader, "Upstream/pets", 5); code(err) != registry.CodeNotFound {
		t.Errorf("Version 5: %v; want NOT_FOUND", err)
	}
	if r := lastRefusal(t, st); r.Action != registry.AuditRead || r.Actor != "dashboard" || r.Subject != "Upstream/pets" || !strings.Contains(r.Reason, "no version 5") {
		t.Errorf("audited %+v; want the read of version 5 refused", r)
	}
	// The log of one subject needs read on it; the whole log, admin.
	if log, err := f.svc.AuditLog(ctx(t), f.reader, store.AuditFilter{Subject: "Upstream/pets"}); err != nil || len(log) == 0 {
		t.Errorf("AuditLog of pets for its reader = %+v, %v", log, err)
	}
	if log, err := f.svc.AuditLog(ctx(t), f.admin, store.AuditFilter{}); err != nil || len(log) < 3 {
		t.Errorf("AuditLog for admin = %+v, %v", log, err)
	}
	if err := st.RecordUsage(ctx(t), []store.UsageRecord{{Signature: "s", OperationName: "Op", VirtualService: "api", Coordinates: []string{"Query.getPet"}, Count: 2}}); err != nil {
		t.Fatal(err)
	}
	if ops, err := f.svc.Usage(ctx(t), f.pusher, "api", nil, time.Now().Add(-time.Hour)); err != nil || len(ops) != 1 || ops[0].Count != 2 {
		t.Errorf("Usage = %+v, %v", ops, err)
	}
	if _, err := f.svc.Usage(ctx(t), f.reader, "api", nil, time.Time{}); code(err) != registry.CodeForbidden {
		t.Errorf("Usage of a VirtualService the token may not read: %v", err)
	}

	secret, created, err := f.svc.CreateToken(ctx(t), f.admin, store.TokenSpec{Name: "new", Scopes: []store.Scope{{Action: store.ActionCheck, Subject: "*"}}})
	if err != nil || !strings.HasPrefix(secret, store.SecretPrefix) || created.Name != "new" || created.Scopes[0].Action != store.ActionCheck {
		t.Fatalf("CreateToken = %q, %+v, %v", secret, created, err)
	}
	if _, _, err := f.svc.CreateToken(ctx(t), f.admin, store.TokenSpec{Name: "new", Scopes: []store.Scope{{Action: store.ActionCheck, Subject: "*"}}}); code(err) != registry.CodeBadInput {
		t.Errorf("a second token named new: %v; want BAD_INPUT", err)
	}
	if _, err := f.svc.Check(ctx(t), secret, registry.CheckRequest{Subject: "VirtualService/status", Files: map[string][]byte{"x.txt": []byte("x")}}); err != nil {
		t.Errorf("the new token checks: %v", err)
	}
	if err := f.svc.RevokeToken(ctx(t), f.admin, "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Revision(ctx(t), secret); code(err) != registry.CodeUnauthenticated {
		t.Errorf("a revoked token: %v; want UNAUTHENTICATED", err)
	}
	toks, err := f.svc.Tokens(ctx(t), f.admin)
	if err != nil || len(toks) != 6 {
		t.Errorf("Tokens = %+v, %v; want 6", toks, err)
	}
	log, _ := st.AuditLog(ctx(t), store.AuditFilter{Actor: "admin", Allowed: ptr(true)})
	var acts []string
	for _, e := range log {
		acts = append(acts, e.Action)
	}
	if strings.Join(acts, ",") != "token.revoke,token.create" {
		t.Errorf("admin's allowed actions audited = %v; want the revoke and the create", acts)
	}
}

func ptr[T any](v T) *T { return &v }
