package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/weft-gateway/weft/registry/store"
)

// Builder builds a config's VirtualServices without serving them. Weft's
// CLI implements it over virtualservices.Loader; the registry knows no
// upstream kind.
type Builder interface {
	// Inspect builds the config directory config (its root is the config
	// root). An error means the config does not build: every problem, one
	// per line, at its file and line.
	Inspect(ctx context.Context, config fs.FS) (*Inspection, error)
}

// Inspection is what a Builder learns of a config.
type Inspection struct {
	// Schemas are the VirtualServices' unified schemas, by name.
	Schemas map[string]*ast.Schema
	// Sources are the files of each resource, by "Kind/name": its own
	// file first, then the files it read.
	Sources map[string][]string
	// Warnings are the config's warnings.
	Warnings []string
}

// DefaultUsageWindow is how far back a check counts recorded operations
// unless told otherwise.
const DefaultUsageWindow = 7 * 24 * time.Hour

// Audit actions of what the Service refuses or allows itself (the store
// audits pushes, activations and approvals it makes).
const (
	AuditCheck          = "check"
	AuditRollback       = "rollback"
	AuditRead           = "read"
	AuditAllowBreaking  = "allow-breaking"
	AuditTokenCreate    = "token.create"
	AuditTokenRevoke    = "token.revoke"
	AuditTokenList      = "token.list"
	auditApproveRefusal = store.AuditApprove
)

// ServiceOptions configure a Service; the zero value is ready to use.
type ServiceOptions struct {
	Log zerolog.Logger
	// UsageWindow is how far back checks count recorded operations
	// (default DefaultUsageWindow).
	UsageWindow time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Refusals caps the refusals of anonymous requests written to the
	// audit log (DefaultRefusalRate a second, DefaultRefusalBurst at
	// once, by default).
	Refusals RefusalLimit
}

// Service is the registry: checks, pushes, rollbacks, history and diffs
// of the config's subjects in a store, each call made with a token whose
// scopes allow it. A config that does not build never becomes active
// through it.
type Service struct {
	store    *store.Store
	builder  Builder
	log      zerolog.Logger
	window   time.Duration
	now      func() time.Time
	refusals *refusalGate
}

// NewService returns the registry over st, building configs with b. Close
// it before closing st.
func NewService(st *store.Store, b Builder, opts ServiceOptions) *Service {
	s := &Service{store: st, builder: b, log: opts.Log, window: opts.UsageWindow, now: opts.Now}
	if s.window <= 0 {
		s.window = DefaultUsageWindow
	}
	if s.now == nil {
		s.now = time.Now
	}
	// The cap protects the store, so it runs on the wall clock whatever
	// clock the checks are given.
	s.refusals = newRefusalGate(opts.Refusals, time.Now, s.writeDropped)
	return s
}

// SourceFile is a new source file of an upstream: its name picks which of
// the upstream's files it replaces.
type SourceFile struct {
	Name    string
	Content []byte
}

// CheckRequest is a change to one subject: either Subject with Files, or
// Upstream with Source (as `weft check --upstream NAME FILE` has it).
type CheckRequest struct {
	// Subject is "Kind/name" ("Upstream/catalog"); with Upstream it may
	// be left empty.
	Subject string
	// Files are the subject's new files by path: relative to the
	// subject's prefix ("catalog.graphql"), or from the config root
	// ("Upstream/catalog/catalog.graphql"). They replace the active
	// version's files of the same paths and keep the others, unless
	// Replace.
	Files map[string][]byte
	// Replace makes Files the whole of the subject's new version.
	Replace bool
	// Upstream names the upstream ("catalog", or "team-a/catalog") whose
	// source file Source replaces: the file of the upstream named like
	// Source, or its only one.
	Upstream string
	Source   *SourceFile
	// UsageWindow is how far back recorded operations count; 0 means the
	// Service's window.
	UsageWindow time.Duration
}

// subject returns the subject the request changes.
func (r CheckRequest) subject() (string, error) {
	switch {
	case r.Upstream != "" && r.Source == nil:
		return "", refusal(CodeBadInput, fmt.Sprintf("upstream %s: give its new source file", r.Upstream), nil)
	case r.Upstream == "" && r.Source != nil:
		return "", refusal(CodeBadInput, "a source file needs the upstream it is the source of", nil)
	case r.Upstream != "" && len(r.Files) > 0:
		return "", refusal(CodeBadInput, "give either an upstream's source file or a subject's files, not both", nil)
	case r.Upstream != "":
		subject := "Upstream/" + r.Upstream
		if r.Subject != "" && r.Subject != subject {
			return "", refusal(CodeBadInput, fmt.Sprintf("subject %s is not upstream %s's (%s)", r.Subject, r.Upstream, subject), nil)
		}
		if err := store.ValidSubject(subject); err != nil {
			return "", refusal(CodeBadInput, fmt.Sprintf("upstream %q: %v", r.Upstream, err), nil)
		}
		return subject, nil
	case r.Subject == "":
		return "", refusal(CodeBadInput, "nothing to check: give a subject and its files, or an upstream and its source file", nil)
	case len(r.Files) == 0:
		return "", refusal(CodeBadInput, fmt.Sprintf("subject %s: no files", r.Subject), nil)
	}
	if err := store.ValidSubject(r.Subject); err != nil {
		return "", refusal(CodeBadInput, err.Error(), nil)
	}
	return r.Subject, nil
}

// rawSubject is the subject a request names, as it named it, for the
// audit of a refusal of it.
func (r CheckRequest) rawSubject() string {
	if r.Upstream != "" {
		return "Upstream/" + r.Upstream
	}
	return r.Subject
}

// checked is a check's outcome with what a push needs.
type checked struct {
	report   *Report
	subject  string
	files    map[string][]byte // the subject's new version
	revision int64             // the store's, when the check read it
	after    *Inspection
}

// Check checks a change without making it: it builds the active config
// and the config with the change, compares every VirtualService's schema,
// names the recorded operations each risky change concerns, and marks
// the breaking changes an approval lets through. The token needs the
// check scope on the subject. A change that does not build is an *Error
// with CodeBuildFailed and the build's problems.
func (s *Service) Check(ctx context.Context, token string, req CheckRequest) (*Report, error) {
	subject, err := req.subject()
	if err != nil {
		return nil, s.refuseInput(ctx, token, AuditCheck, req.rawSubject(), err)
	}
	tok, err := s.authorize(ctx, token, store.ActionCheck, subject, AuditCheck)
	if err != nil {
		return nil, err
	}
	c, err := s.check(ctx, subject, req)
	if err != nil {
		return nil, s.refused(ctx, tok.Name, AuditCheck, subject, err)
	}
	return c.report, nil
}

func (s *Service) check(ctx context.Context, subject string, req CheckRequest) (*checked, error) {
	st, err := s.store.Active(ctx)
	if err != nil {
		return nil, err
	}
	active := activeFiles(st, subject)
	before, beforeErr := s.builder.Inspect(ctx, ConfigFS(st.Files()))
	if beforeErr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The change may be what mends it; compared with nothing, every
		// VirtualService it builds is new.
		s.log.Warn().Err(beforeErr).Int64("revision", st.Revision).Msg("registry: the active config does not build")
		before = &Inspection{}
	}

	replaced := map[string]string{}
	var files map[string][]byte
	if req.Upstream != "" {
		if beforeErr != nil {
			return nil, refusal(CodeBadInput, fmt.Sprintf("the active config does not build, so upstream %s's source file cannot be told: push the subject's files by path", req.Upstream), beforeErr)
		}
		p, err := UpstreamSource(before.Sources, req.Upstream, req.Source.Name)
		if err != nil {
			var se *SourceError
			if errors.As(err, &se) && se.Problem == NoSuchUpstream {
				return nil, refusal(CodeNotFound, err.Error(), err)
			}
			return nil, refusal(CodeBadInput, err.Error()+": push the subject's files by path", err)
		}
		if active[p] == nil {
			return nil, refusal(CodeConflict, fmt.Sprintf("upstream %s reads %s, which is not a file of subject %s", req.Upstream, p, subject), nil)
		}
		files = maps.Clone(active)
		files[p] = req.Source.Content
		replaced[p] = req.Source.Name
	} else {
		if req.Replace || active == nil {
			files = make(map[string][]byte, len(req.Files))
		} else {
			files = maps.Clone(active)
		}
		for _, p := range slices.Sorted(maps.Keys(req.Files)) {
			full := p
			if !strings.HasPrefix(p, subject+"/") {
				full = subject + "/" + p
			}
			if err := store.ValidPath(full); err != nil {
				return nil, refusal(CodeBadInput, fmt.Sprintf("file %q: %v", p, err), err)
			}
			files[full] = req.Files[p]
			replaced[full] = p
		}
	}

	after, err := s.builder.Inspect(ctx, ConfigFS(Replace(st, map[string]map[string][]byte{subject: files})))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e := refusal(CodeBuildFailed, fmt.Sprintf("the config does not build with the change to %s", subject), err)
		e.Problems = buildProblems(err)
		return nil, e
	}
	rep := Compare(before.Schemas, after.Schemas)
	rep.Subject, rep.Revision, rep.Replaced = subject, st.Revision, replaced
	window := req.UsageWindow
	if window <= 0 {
		window = s.window
	}
	if err := rep.AddUsage(ctx, s.store, s.now().Add(-window)); err != nil {
		return nil, err
	}
	approvals, err := s.store.Approvals(ctx, subject)
	if err != nil {
		return nil, err
	}
	rep.applyApprovals(approvals)
	return &checked{report: rep, subject: subject, files: files, revision: st.Revision, after: after}, nil
}

// PushRequest is a change to check and, if it passes, make active.
type PushRequest struct {
	CheckRequest
	// Author is who wrote the change; empty means the token's name. An
	// author other than the token's name is kept with the name beside it.
	Author  string
	Message string
	// AllowBreaking pushes a change whose breaking changes no approval
	// lets through; the push's audit says so.
	AllowBreaking bool
}

// PushResult is what a push did.
type PushResult struct {
	// Report is the check the push passed.
	Report *Report
	// Version is the subject's active version after the push.
	Version store.Version
	// Revision is the store's revision after the push.
	Revision int64
	// Unchanged is set when the files equal the active version's.
	Unchanged bool
}

// Push checks a change and makes it active: a new version of the subject,
// stored and activated in one transaction, against the revision the check
// read (a change that landed meanwhile makes it check again, once). It
// refuses, and audits the refusal, a change that does not build
// (CodeBuildFailed) and one with breaking changes that neither an approval
// nor req.AllowBreaking lets through (CodeBreakingChanges, with the
// report). The token needs the push scope on the subject. The version's
// composed text is the SDL of every VirtualService's schema, as JSON.
func (s *Service) Push(ctx context.Context, token string, req PushRequest) (*PushResult, error) {
	subject, err := req.subject()
	if err != nil {
		return nil, s.refuseInput(ctx, token, store.AuditPush, req.rawSubject(), err)
	}
	tok, err := s.authorize(ctx, token, store.ActionPush, subject, store.AuditPush)
	if err != nil {
		return nil, err
	}
	author := authorName(tok, req.Author)
	for attempt := 0; ; attempt++ {
		c, err := s.check(ctx, subject, req.CheckRequest)
		if err != nil {
			if e := (*Error)(nil); errors.As(err, &e) {
				s.audit(ctx, store.AuditEntry{Actor: author, Action: store.AuditPush, Subject: subject, Reason: e.Error()})
			}
			return nil, err
		}
		if c.report.Unapproved() > 0 && !req.AllowBreaking {
			summary := c.report.Summary()
			s.audit(ctx, store.AuditEntry{Actor: author, Action: store.AuditPush, Subject: subject, Reason: "refused: " + summary})
			return nil, &Error{Code: CodeBreakingChanges, Message: summary, Report: c.report}
		}
		composed, err := composedSDL(c.after)
		if err != nil {
			return nil, err
		}
		res, err := s.store.Push(ctx, store.PushRequest{
			Subject: subject, Files: c.files, Author: author, Message: req.Message,
			Composed: composed, ExpectRevision: &c.revision, Approvals: c.report.approvalsUsed(),
		})
		if errors.Is(err, store.ErrConflict) && attempt == 0 {
			// Another change landed, or an approval the check counted on
			// lapsed: the next check sees which.
			s.log.Info().Err(err).Str("subject", subject).Int64("revision", c.revision).Msg("registry: the store moved on during the check; checking again")
			continue
		}
		if err != nil {
			return nil, fromStore(err)
		}
		if c.report.Unapproved() > 0 && !res.Unchanged {
			s.audit(ctx, store.AuditEntry{Actor: author, Action: AuditAllowBreaking, Subject: subject, Version: res.Version.Number,
				Allowed: true, Reason: c.report.Summary()})
		}
		return &PushResult{Report: c.report, Version: res.Version, Revision: res.Revision, Unchanged: res.Unchanged}, nil
	}
}

// authorName is who a change is by: the token, and the author the client
// named if that is someone else, so that the audit log never holds a name
// no token vouched for alone.
func authorName(tok store.Token, author string) string {
	if author == "" || author == tok.Name {
		return tok.Name
	}
	return fmt.Sprintf("%s (token %s)", author, tok.Name)
}

// composedSDL is what a version built: each VirtualService's schema as SDL,
// by name, in JSON.
func composedSDL(in *Inspection) ([]byte, error) {
	out := make(map[string]string, len(in.Schemas))
	for name, sch := range in.Schemas {
		var b strings.Builder
		formatter.NewFormatter(&b).FormatSchema(sch)
		out[name] = b.String()
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("composed schemas: %w", err)
	}
	return data, nil
}

// RollbackResult is what a rollback did.
type RollbackResult struct {
	// Report compares the config before and after the rollback.
	Report *Report
	// Version is the version made active.
	Version store.Version
	// Revision is the store's revision after it.
	Revision int64
}

// Rollback makes version to of subject active again (0: the version
// before the active one), once the config with it builds; the token needs
// the push scope. What changes in the VirtualServices' schemas is
// reported, not refused: going back is the way out of a bad change.
func (s *Service) Rollback(ctx context.Context, token, subject string, to int, message string) (*RollbackResult, error) {
	if err := store.ValidSubject(subject); err != nil {
		return nil, s.refuseInput(ctx, token, AuditRollback, subject, refusal(CodeBadInput, err.Error(), err))
	}
	tok, err := s.authorize(ctx, token, store.ActionPush, subject, AuditRollback)
	if err != nil {
		return nil, err
	}
	refuse := func(err error) error {
		if e := (*Error)(nil); errors.As(err, &e) {
			s.audit(ctx, store.AuditEntry{Actor: tok.Name, Action: AuditRollback, Subject: subject, Version: to, Reason: e.Error()})
		}
		return err
	}
	if to < 0 {
		return nil, refuse(refusal(CodeBadInput, fmt.Sprintf("version %d: versions count from 1", to), nil))
	}
	if to == 0 {
		hist, err := s.store.History(ctx, subject, store.MaxListLimit)
		if err != nil {
			return nil, refuse(fromStore(err))
		}
		active := 0
		for _, v := range hist {
			if v.Active {
				active = v.Number
			}
		}
		switch {
		case active == 0:
			return nil, refuse(refusal(CodeBadInput, fmt.Sprintf("%s has no active version: name the version to activate", subject), nil))
		case active == 1:
			return nil, refuse(refusal(CodeBadInput, fmt.Sprintf("%s's active version is its first: there is none before it", subject), nil))
		}
		to = active - 1
	}
	for attempt := 0; ; attempt++ {
		target, err := s.store.Version(ctx, subject, to)
		if err != nil {
			return nil, refuse(fromStore(err))
		}
		st, err := s.store.Active(ctx)
		if err != nil {
			return nil, err
		}
		rep, err := s.compareWith(ctx, st, subject, nil, target.Files, true)
		if err != nil {
			if e := (*Error)(nil); errors.As(err, &e) && e.Code == CodeBuildFailed {
				e.Message = fmt.Sprintf("the config does not build with version %d of %s", to, subject)
			}
			return nil, refuse(err)
		}
		rep.Subject, rep.Revision = subject, st.Revision
		v, rev, err := s.store.ActivateVersion(ctx, store.ActivateRequest{
			Subject: subject, Version: to, Author: tok.Name, Message: message, ExpectRevision: &st.Revision,
		})
		if errors.Is(err, store.ErrConflict) && attempt == 0 {
			continue
		}
		if err != nil {
			return nil, fromStore(err)
		}
		return &RollbackResult{Report: rep, Version: v, Revision: rev}, nil
	}
}

// compareWith builds the active config st with subject's files replaced
// by a (nil: as they are) and then by b, and compares the two. With
// anyBefore, a first config that does not build counts as one without
// VirtualServices: a rollback may be what mends the active config.
func (s *Service) compareWith(ctx context.Context, st store.State, subject string, a, b map[string][]byte, anyBefore bool) (*Report, error) {
	with := func(files map[string][]byte) map[string][]byte {
		return Replace(st, map[string]map[string][]byte{subject: files})
	}
	if a == nil {
		a = activeFiles(st, subject)
	}
	build := func(files map[string][]byte, which string) (*Inspection, error) {
		in, err := s.builder.Inspect(ctx, ConfigFS(with(files)))
		if err == nil {
			return in, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e := refusal(CodeBuildFailed, fmt.Sprintf("the config does not build with %s of %s", which, subject), err)
		e.Problems = buildProblems(err)
		return nil, e
	}
	before, err := build(a, "the first version")
	if err != nil && anyBefore && ctx.Err() == nil {
		s.log.Warn().Err(err).Str("subject", subject).Msg("registry: the active config does not build")
		before, err = &Inspection{}, nil
	}
	if err != nil {
		return nil, err
	}
	after, err := build(b, "the second version")
	if err != nil {
		return nil, err
	}
	return Compare(before.Schemas, after.Schemas), nil
}

// Diff reports the schema changes between versions a and b of subject:
// the active config built with version a, then with version b, each
// VirtualService compared. The token needs the read scope.
func (s *Service) Diff(ctx context.Context, token, subject string, a, b int) (*Report, error) {
	tok, err := s.authorize(ctx, token, store.ActionRead, subject, AuditRead)
	if err != nil {
		return nil, err
	}
	rep, err := s.diff(ctx, subject, a, b)
	return rep, s.refused(ctx, tok.Name, AuditRead, subject, err)
}

func (s *Service) diff(ctx context.Context, subject string, a, b int) (*Report, error) {
	va, err := s.store.Version(ctx, subject, a)
	if err != nil {
		return nil, fromStore(err)
	}
	vb, err := s.store.Version(ctx, subject, b)
	if err != nil {
		return nil, fromStore(err)
	}
	st, err := s.store.Active(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := s.compareWith(ctx, st, subject, va.Files, vb.Files, false)
	if err != nil {
		if e := (*Error)(nil); errors.As(err, &e) && e.Code == CodeBuildFailed {
			e.Message = strings.NewReplacer("the first version", fmt.Sprintf("version %d", a),
				"the second version", fmt.Sprintf("version %d", b)).Replace(e.Message)
		}
		return nil, err
	}
	rep.Subject, rep.Revision = subject, st.Revision
	return rep, nil
}

// History returns subject's versions, newest first, without files: at
// most limit (store.History's bounds). The token needs the read scope.
func (s *Service) History(ctx context.Context, token, subject string, limit int) ([]store.Version, error) {
	tok, err := s.authorize(ctx, token, store.ActionRead, subject, AuditRead)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.History(ctx, subject, limit)
	return vs, s.refused(ctx, tok.Name, AuditRead, subject, fromStore(err))
}

// Version returns version n of subject with its files. The token needs
// the read scope.
func (s *Service) Version(ctx context.Context, token, subject string, n int) (store.Version, error) {
	tok, err := s.authorize(ctx, token, store.ActionRead, subject, AuditRead)
	if err != nil {
		return store.Version{}, err
	}
	v, err := s.store.Version(ctx, subject, n)
	return v, s.refused(ctx, tok.Name, AuditRead, subject, fromStore(err))
}

// Introspect lets a request read the API's own schema (__schema, __type,
// __typename at its root) when its token authenticates, as Revision
// does, whatever its scopes: the schema is no secret, but nothing answers
// a request without a token. Any other token is refused and audited.
func (s *Service) Introspect(ctx context.Context, token string) error {
	_, err := s.authenticate(ctx, token, AuditRead, "")
	return err
}

// Revision returns the store's revision; any valid token may read it.
func (s *Service) Revision(ctx context.Context, token string) (int64, error) {
	if _, err := s.authenticate(ctx, token, AuditRead, ""); err != nil {
		return 0, err
	}
	return s.store.Revision(ctx)
}

// Subjects returns the revision and the active version of each subject
// the token may read, without files.
func (s *Service) Subjects(ctx context.Context, token string) (int64, []store.Version, error) {
	tok, err := s.authenticate(ctx, token, AuditRead, "")
	if err != nil {
		return 0, nil, err
	}
	st, err := s.store.Active(ctx)
	if err != nil {
		return 0, nil, err
	}
	out := []store.Version{}
	for _, v := range st.Versions {
		if tok.Allows(store.ActionRead, v.Subject) {
			v.Files = nil
			out = append(out, v)
		}
	}
	return st.Revision, out, nil
}

// AuditLog returns the audit entries f selects. Entries of one subject
// need the read scope on it; the whole log needs admin on every subject.
func (s *Service) AuditLog(ctx context.Context, token string, f store.AuditFilter) ([]store.AuditEntry, error) {
	action, subject := store.ActionRead, f.Subject
	if subject == "" {
		action, subject = store.ActionAdmin, store.AnySubject
	}
	tok, err := s.authorize(ctx, token, action, subject, AuditRead)
	if err != nil {
		return nil, err
	}
	entries, err := s.store.AuditLog(ctx, f)
	return entries, s.refused(ctx, tok.Name, AuditRead, subject, fromStore(err))
}

// Usage returns the recorded operations of a VirtualService that touched
// any of coordinates (every one, with none) since then. The token needs
// the read scope on "VirtualService/<name>".
func (s *Service) Usage(ctx context.Context, token, virtualService string, coordinates []string, since time.Time) ([]store.OperationUsage, error) {
	subject := "VirtualService/" + virtualService
	tok, err := s.authorize(ctx, token, store.ActionRead, subject, AuditRead)
	if err != nil {
		return nil, err
	}
	ops, err := s.store.Usage(ctx, virtualService, coordinates, since)
	return ops, s.refused(ctx, tok.Name, AuditRead, subject, fromStore(err))
}

// Approve lets the breaking change of a.Class at a.Coordinate through the
// checks of a.Subject, once, for ttl (store.DefaultApprovalTTL when 0, at
// most store.MaxApprovalTTL): the push it lets through spends it. The
// token needs the push scope on the subject, and is who approved.
func (s *Service) Approve(ctx context.Context, token string, a store.Approval, ttl time.Duration) (store.Approval, error) {
	tok, err := s.authorize(ctx, token, store.ActionPush, a.Subject, auditApproveRefusal)
	if err != nil {
		return store.Approval{}, err
	}
	a.ApprovedBy = tok.Name
	// The store audits its refusals of an approval itself.
	out, err := s.store.Approve(ctx, a, ttl)
	return out, fromStore(err)
}

// Approvals returns the approvals of subject, in every state; the token
// needs the read scope.
func (s *Service) Approvals(ctx context.Context, token, subject string) ([]store.Approval, error) {
	tok, err := s.authorize(ctx, token, store.ActionRead, subject, AuditRead)
	if err != nil {
		return nil, err
	}
	out, err := s.store.Approvals(ctx, subject)
	return out, s.refused(ctx, tok.Name, AuditRead, subject, fromStore(err))
}
