package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/registrytest"
	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/api"
	"github.com/weft-gateway/weft/registry/store"
)

// env is a registry API served over HTTP on loopback, over a SQLite store
// seeded with the pets config, with tokens of each kind.
type env struct {
	t                     *testing.T
	url                   string
	st                    *store.Store
	admin, pusher, reader string
}

func newEnv(t *testing.T, opts api.Options) *env {
	t.Helper()
	st, err := store.OpenSQLite(ctx(t), filepath.Join(t.TempDir(), "registry.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	registrytest.Seed(t, ctx(t), st, "../testdata/pets")
	opts.Log = zerolog.New(zerolog.NewTestWriter(t))
	svc := registry.NewService(st, registrytest.Builder{}, registry.ServiceOptions{Log: opts.Log})
	t.Cleanup(svc.Close) // before the store closes: it writes what the cap on refusals counted
	srv := httptest.NewServer(api.NewHandler(svc, opts))
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, st: st}
	mk := func(name string, scopes ...store.Scope) string {
		s, err := st.CreateToken(ctx(t), store.TokenSpec{Name: name, Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	e.admin = mk("admin", store.Scope{Action: store.ActionAdmin, Subject: "*"})
	e.pusher = mk("ci-pets", store.Scope{Action: store.ActionPush, Subject: "Upstream/pets"}, store.Scope{Action: store.ActionRead, Subject: "*"})
	e.reader = mk("dashboard", store.Scope{Action: store.ActionRead, Subject: "Upstream/pets"})
	return e
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// gqlError is an error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	status int
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// code returns the first error's code, or "".
func (r response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// do sends an operation with an Authorization header (none when auth is
// empty) and decodes the answer.
func (e *env) do(auth, query string, vars map[string]any) response {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx(e.t), http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := response{status: resp.StatusCode}
	if err := json.Unmarshal(raw, &r); err != nil {
		e.t.Fatalf("answer %d is not JSON: %v\n%s", resp.StatusCode, err, raw)
	}
	return r
}

// ok sends an operation with token and decodes its data into out,
// failing the test on any error.
func (e *env) ok(token, query string, vars map[string]any, out any) {
	e.t.Helper()
	r := e.do("Bearer "+token, query, vars)
	if len(r.Errors) > 0 {
		e.t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		e.t.Fatalf("data: %v\n%s", err, r.Data)
	}
}

func spec(t *testing.T, old, new string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/pets/specs/pets.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("the spec has no %q", old)
	}
	return strings.Replace(string(b), old, new, 1)
}

const tagString = `"tag": {"type": "string"}`

const reportFields = `subject revision breaking approved unapproved removedVirtualServices addedVirtualServices
  replaced { path source }
  virtualServices { name changes { coordinate class severity message old new affects
    operations { signature name count } approval { approvedBy reason } } }`

const pushMutation = `mutation($in: PushInput!) { push(input: $in) {
  revision unchanged version { subject number author message active }
  report { ` + reportFields + ` } } }`

func TestAuth(t *testing.T) {
	e := newEnv(t, api.Options{})
	for _, tt := range []struct {
		name, auth, code, msg string
	}{
		{"no header", "", "UNAUTHENTICATED", "a token is required"},
		{"unknown token", "Bearer " + store.SecretPrefix + strings.Repeat("x", 43), "UNAUTHENTICATED", "invalid token"},
		{"basic auth", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "UNAUTHENTICATED", "invalid token"},
		{"out of scope", "Bearer " + e.reader, "FORBIDDEN", "token dashboard may not push Upstream/pets"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.auth, pushMutation, map[string]any{"in": map[string]any{"upstream": "pets",
				"source": map[string]any{"path": "pets.json", "content": spec(t, tagString, tagString+`, "age": {"type": "integer"}`)}}})
			if r.status != http.StatusOK || r.code() != tt.code || !strings.HasPrefix(r.Errors[0].Message, tt.msg) || string(r.Data) != "null" {
				t.Fatalf("answer %d %+v, data %s; want %s %q", r.status, r.Errors, r.Data, tt.code, tt.msg)
			}
			if p := r.Errors[0].Path; len(p) != 1 || p[0] != "push" {
				t.Errorf("path = %v; want [push]", p)
			}
			log, err := e.st.AuditLog(ctx(t), store.AuditFilter{Allowed: new(bool), Limit: 1})
			if err != nil || len(log) != 1 || log[0].Action != "push" || log[0].Subject != "Upstream/pets" {
				t.Errorf("audit = %+v, %v; want the refused push", log, err)
			}
		})
	}
	var out struct{ Revision int }
	e.ok(e.reader, `{ revision }`, nil, &out)
	if out.Revision != 3 {
		t.Errorf("revision = %d; want 3", out.Revision)
	}
}

func TestPushCheckApproveRollback(t *testing.T) {
	e := newEnv(t, api.Options{})
	breaking := map[string]any{"upstream": "pets", "source": map[string]any{"path": "pets.json", "content": spec(t, tagString, `"tag": {"type": "integer"}`)}}

	// A check answers the report as data.
	var chk struct {
		Check struct {
			Subject         string
			Revision        int
			Breaking        int
			Unapproved      int
			Replaced        []struct{ Path, Source string }
			VirtualServices []struct {
				Name    string
				Changes []struct {
					Coordinate, Class, Severity string
					Old, New                    *string
				}
			}
		}
	}
	e.ok(e.pusher, `mutation($in: ChangeInput!) { check(input: $in) { `+reportFields+` } }`, map[string]any{"in": breaking}, &chk)
	c := chk.Check
	if c.Subject != "Upstream/pets" || c.Revision != 3 || c.Breaking != 1 || c.Unapproved != 1 || len(c.Replaced) != 1 ||
		c.Replaced[0].Path != "Upstream/pets/specs/pets.json" || len(c.VirtualServices) != 2 || c.VirtualServices[0].Name != "api" {
		t.Fatalf("check = %+v", c)
	}
	ch := c.VirtualServices[0].Changes[0]
	if ch.Coordinate != "Pet.tag" || ch.Class != "FIELD_TYPE_CHANGED" || ch.Severity != "BREAKING" || *ch.Old != "String" || *ch.New != "Int" {
		t.Errorf("change = %+v", ch)
	}

	// A push of it is refused, with the report in the error.
	r := e.do("Bearer "+e.pusher, pushMutation, map[string]any{"in": breaking})
	if r.code() != "BREAKING_CHANGES" || r.Errors[0].Message != "1 breaking change(s) not approved: FIELD_TYPE_CHANGED Pet.tag in api" {
		t.Fatalf("breaking push: %+v", r.Errors)
	}
	raw, _ := json.Marshal(r.Errors[0].Extensions["report"])
	var rep registry.Report
	if err := json.Unmarshal(raw, &rep); err != nil || rep.Breaking != 1 || rep.VirtualServices["api"][0].Coordinate != "Pet.tag" {
		t.Errorf("extensions.report = %s (%v); want the check's report as weft check --format json writes it", raw, err)
	}

	// Approved, it passes.
	var ap struct{ Approve store.Approval }
	e.ok(e.pusher, `mutation { approve(input: {subject: "Upstream/pets", coordinate: "Pet.tag", class: "FIELD_TYPE_CHANGED", reason: "tag was never set"}) { subject coordinate class approvedBy reason time } }`, nil, &ap)
	if ap.Approve.ApprovedBy != "ci-pets" || ap.Approve.Time.IsZero() {
		t.Errorf("approve = %+v", ap.Approve)
	}
	var push struct {
		Push struct {
			Revision  int
			Unchanged bool
			Version   struct {
				Subject string
				Number  int
				Author  string
				Message string
				Active  bool
			}
			Report struct {
				Approved        int
				VirtualServices []struct {
					Changes []struct {
						Approval *struct{ ApprovedBy, Reason string }
					}
				}
			}
		}
	}
	in := map[string]any{"upstream": "pets", "source": breaking["source"], "message": "tag is a number"}
	e.ok(e.pusher, pushMutation, map[string]any{"in": in}, &push)
	p := push.Push
	if p.Revision != 4 || p.Unchanged || p.Version.Number != 2 || p.Version.Author != "ci-pets" || p.Version.Message != "tag is a number" ||
		!p.Version.Active || p.Report.Approved != 1 || p.Report.VirtualServices[0].Changes[0].Approval.Reason != "tag was never set" {
		t.Fatalf("push = %+v", p)
	}

	// The push spent the approval: it shows as such, and lets nothing
	// more through.
	var approvals struct {
		Approvals []struct {
			State        string
			SpentVersion *int
			SpentAt      *time.Time
			ExpiresAt    time.Time
			Time         time.Time
		}
	}
	e.ok(e.reader, `{ approvals(subject: "Upstream/pets") { state spentVersion spentAt expiresAt time } }`, nil, &approvals)
	if a := approvals.Approvals; len(a) != 1 || a[0].State != "SPENT" || a[0].SpentVersion == nil || *a[0].SpentVersion != 2 ||
		a[0].SpentAt == nil || !a[0].ExpiresAt.Equal(a[0].Time.Add(store.DefaultApprovalTTL)) {
		t.Errorf("approvals after the push = %+v; want it spent by version 2, a week's life", a)
	}

	// History, a version's files, a diff.
	var hist struct {
		History []struct {
			Number   int
			Active   bool
			Composed *string
			Files    []struct{ Path, Content, Encoding string }
		}
	}
	e.ok(e.reader, `{ history(subject: "Upstream/pets") { number active composed files { path content encoding } } }`, nil, &hist)
	if len(hist.History) != 2 || hist.History[0].Number != 2 || !hist.History[0].Active || hist.History[0].Composed == nil ||
		len(hist.History[1].Files) != 2 || hist.History[1].Files[0].Path != "Upstream/pets/specs/pets.json" || hist.History[1].Files[0].Encoding != "UTF8" {
		t.Fatalf("history = %+v", hist.History)
	}
	var diff struct {
		Diff struct {
			Breaking        int
			VirtualServices []struct {
				Name    string
				Changes []struct{ Coordinate, Class string }
			}
		}
	}
	e.ok(e.reader, `{ diff(subject: "Upstream/pets", from: 2, to: 1) { breaking virtualServices { name changes { coordinate class } } } }`, nil, &diff)
	if diff.Diff.Breaking != 1 || diff.Diff.VirtualServices[0].Changes[0].Class != "FIELD_TYPE_CHANGED" {
		t.Errorf("diff = %+v", diff.Diff)
	}

	// Back to the first version.
	var rb struct {
		Rollback struct {
			Revision int
			Version  struct{ Number int }
			Report   struct{ Breaking int }
		}
	}
	e.ok(e.pusher, `mutation { rollback(subject: "Upstream/pets", message: "a number broke the app") { revision version { number } report { breaking } } }`, nil, &rb)
	if rb.Rollback.Revision != 5 || rb.Rollback.Version.Number != 1 || rb.Rollback.Report.Breaking != 1 {
		t.Errorf("rollback = %+v", rb.Rollback)
	}
	var subjects struct {
		Subjects []struct {
			Subject string
			Number  int
		}
	}
	e.ok(e.reader, `{ subjects { subject number } }`, nil, &subjects)
	if len(subjects.Subjects) != 1 || subjects.Subjects[0].Number != 1 {
		t.Errorf("subjects for a reader of pets = %+v; want pets at version 1", subjects.Subjects)
	}

	// The audit log of the subject holds all of it.
	var audit struct {
		AuditLog []struct {
			Action, Actor string
			Allowed       bool
		}
	}
	e.ok(e.reader, `{ auditLog(filter: {subject: "Upstream/pets"}) { action actor allowed } }`, nil, &audit)
	var got []string
	for _, a := range audit.AuditLog {
		got = append(got, a.Action+"/"+a.Actor)
	}
	if want := "activate/ci-pets,push/ci-pets,approve/ci-pets,push/ci-pets,push/seed"; strings.Join(got, ",") != want {
		t.Errorf("audit log = %v; want %s", got, want)
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t, api.Options{MaxBodyBytes: 64 << 10, MaxComplexity: 40})
	for _, tt := range []struct {
		name, query string
		vars        map[string]any
		code, msg   string
	}{
		{"build failed", pushMutation, map[string]any{"in": map[string]any{"upstream": "pets",
			"source": map[string]any{"path": "pets.json", "content": "{"}}}, "BUILD_FAILED", "the config does not build with the change to Upstream/pets"},
		{"not found", `{ version(subject: "Upstream/pets", number: 9) { number } }`, nil, "NOT_FOUND", "Upstream/pets version 9: no version 9 of Upstream/pets: not found"},
		{"bad base64", pushMutation, map[string]any{"in": map[string]any{"subject": "Upstream/pets",
			"files": []any{map[string]any{"path": "x.bin", "content": "!!", "encoding": "BASE64"}}}}, "BAD_INPUT", "input.files[0] (x.bin): content is not standard base64"},
		{"bad window", `mutation { check(input: {subject: "Upstream/pets", files: [{path: "a", content: ""}], usageWindow: "a week"}) { breaking } }`, nil, "BAD_INPUT", `input.usageWindow "a week"`},
		{"bad limit", `{ history(subject: "Upstream/pets", limit: 0) { number } }`, nil, "BAD_INPUT", "limit 0"},
		{"two changes", `mutation { check(input: {upstream: "pets", source: {path: "a", content: ""}, files: [{path: "a", content: ""}]}) { breaking } }`, nil, "BAD_INPUT", "give either"},
		{"conflicting scope", `mutation { createToken(name: "x", scopes: [{action: "own", subject: "*"}]) { secret } }`, nil, "BAD_INPUT", "create token: Scopes[0].Action: unknown action"},
		{"validation", `{ nope }`, nil, "GRAPHQL_VALIDATION_FAILED", "Cannot query field"},
		{"complexity", `{ a: revision b: revision c: subjects { subject number author message time hash active composed }
			d: tokens { name created revoked scopes { action subject } } e: approvals(subject: "Upstream/pets") { subject coordinate class approvedBy reason time }
			f: history(subject: "Upstream/pets") { subject number author message time hash active composed files { path content encoding } }
			g: auditLog { id time actor action subject version allowed reason } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", "operation has complexity"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("Bearer "+e.admin, tt.query, tt.vars)
			if r.code() != tt.code || !strings.HasPrefix(r.Errors[0].Message, tt.msg) {
				t.Fatalf("errors = %+v; want %s %q", r.Errors, tt.code, tt.msg)
			}
			if tt.code == "BUILD_FAILED" {
				probs, _ := r.Errors[0].Extensions["problems"].([]any)
				if len(probs) == 0 || !strings.Contains(probs[0].(string), "Upstream/pets/specs/pets.json") {
					t.Errorf("extensions.problems = %v; want the build's errors at their files", r.Errors[0].Extensions["problems"])
				}
			}
		})
	}
	// The body is bounded.
	big := strings.Repeat("x", 80<<10)
	r := e.do("Bearer "+e.admin, pushMutation, map[string]any{"in": map[string]any{"subject": "Upstream/pets", "files": []any{map[string]any{"path": "big", "content": big}}}})
	if r.status != http.StatusRequestEntityTooLarge || r.code() != "BAD_INPUT" || !strings.Contains(r.Errors[0].Message, "larger than the limit of 65536 bytes") {
		t.Errorf("an 80 KiB body against a 64 KiB limit: %d %+v", r.status, r.Errors)
	}
	if rev, _ := e.st.Revision(ctx(t)); rev != 3 {
		t.Errorf("revision = %d after refusals; want 3", rev)
	}
}

func TestTokensAndFiles(t *testing.T) {
	e := newEnv(t, api.Options{})
	var created struct {
		CreateToken struct {
			Secret string
			Token  struct {
				Name   string
				Scopes []struct{ Action, Subject string }
			}
		}
	}
	e.ok(e.admin, `mutation { createToken(name: "ops", scopes: [{action: "push", subject: "*"}]) { secret token { name scopes { action subject } } } }`, nil, &created)
	if !strings.HasPrefix(created.CreateToken.Secret, store.SecretPrefix) || created.CreateToken.Token.Scopes[0].Action != "push" {
		t.Fatalf("createToken = %+v", created)
	}
	ops := created.CreateToken.Secret
	// A binary file goes in base64 and comes back so.
	bin := []byte{0xff, 0xfe, 0, 1, 2}
	var push struct {
		Push struct{ Version struct{ Number int } }
	}
	e.ok(ops, pushMutation, map[string]any{"in": map[string]any{"subject": "Upstream/pets",
		"files": []any{map[string]any{"path": "logo.bin", "content": base64.StdEncoding.EncodeToString(bin), "encoding": "BASE64"}}}}, &push)
	var v struct {
		Version struct {
			Author string
			Files  []struct{ Path, Content, Encoding string }
		}
	}
	e.ok(e.reader, `{ version(subject: "Upstream/pets", number: 2) { author files { path content encoding } } }`, nil, &v)
	var found bool
	for _, f := range v.Version.Files {
		if f.Path == "Upstream/pets/logo.bin" {
			found = f.Encoding == "BASE64" && f.Content == base64.StdEncoding.EncodeToString(bin)
		}
	}
	if !found || len(v.Version.Files) != 3 || v.Version.Author != "ops" {
		t.Errorf("version 2 = %+v; want the two files kept and the binary one in base64, by ops", v.Version)
	}
	var revoked struct{ RevokeToken bool }
	e.ok(e.admin, `mutation { revokeToken(name: "ops") }`, nil, &revoked)
	if r := e.do("Bearer "+ops, `{ revision }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Errorf("a revoked token: %+v", r.Errors)
	}
	var toks struct {
		Tokens []struct {
			Name    string
			Revoked *time.Time
		}
	}
	e.ok(e.admin, `{ tokens { name revoked } }`, nil, &toks)
	if len(toks.Tokens) != 4 || toks.Tokens[3].Name != "ops" || toks.Tokens[3].Revoked == nil || toks.Tokens[0].Revoked != nil {
		t.Errorf("tokens = %+v", toks.Tokens)
	}
	// Usage of a VirtualService the token may read.
	if err := e.st.RecordUsage(ctx(t), []store.UsageRecord{{Signature: "s1", OperationName: "PetTag", VirtualService: "api", Coordinates: []string{"Pet.tag"}, Count: 4}}); err != nil {
		t.Fatal(err)
	}
	var usage struct {
		Usage []struct {
			Name        string
			Count       int
			Coordinates []struct {
				Coordinate string
				Count      int
			}
		}
	}
	e.ok(e.admin, `{ usage(virtualService: "api", coordinates: ["Pet.tag"]) { name count coordinates { coordinate count } } }`, nil, &usage)
	if len(usage.Usage) != 1 || usage.Usage[0].Count != 4 || usage.Usage[0].Coordinates[0].Coordinate != "Pet.tag" {
		t.Errorf("usage = %+v", usage.Usage)
	}
}
