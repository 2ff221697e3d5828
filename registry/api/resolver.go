package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
)

// Resolver answers the API's fields through a registry.Service, with the
// token the request carried (see withToken).
type Resolver struct {
	svc *registry.Service
}

var _ ResolverRoot = (*Resolver)(nil)

// Approval implements ResolverRoot.
func (r *Resolver) Approval() ApprovalResolver { return approvalResolver{} }

// Change implements ResolverRoot.
func (r *Resolver) Change() ChangeResolver { return changeResolver{} }

// Mutation implements ResolverRoot.
func (r *Resolver) Mutation() MutationResolver { return mutationResolver{r} }

// Query implements ResolverRoot.
func (r *Resolver) Query() QueryResolver { return queryResolver{r} }

// Report implements ResolverRoot.
func (r *Resolver) Report() ReportResolver { return reportResolver{} }

// Scope implements ResolverRoot.
func (r *Resolver) Scope() ScopeResolver { return scopeResolver{} }

// Token implements ResolverRoot.
func (r *Resolver) Token() TokenResolver { return tokenResolver{} }

// Version implements ResolverRoot.
func (r *Resolver) Version() VersionResolver { return versionResolver{r} }

// errBeforeService marks a refusal the API made before calling the
// Service, which the API audits since the Service never saw it.
var errBeforeService = errors.New("refused before the registry service was called")

// badInput is a refusal of what the client sent, found before the service
// sees it.
func badInput(format string, a ...any) error {
	return &registry.Error{Code: registry.CodeBadInput, Message: fmt.Sprintf(format, a...), Err: errBeforeService}
}

type queryResolver struct{ *Resolver }

func (q queryResolver) Revision(ctx context.Context) (int, error) {
	rev, err := q.svc.Revision(ctx, tokenFrom(ctx))
	return int(rev), err
}

func (q queryResolver) Subjects(ctx context.Context) ([]*store.Version, error) {
	_, vs, err := q.svc.Subjects(ctx, tokenFrom(ctx))
	return pointers(vs), err
}

func (q queryResolver) History(ctx context.Context, subject string, limit *int) ([]*store.Version, error) {
	n := 20
	if limit != nil {
		n = *limit
	}
	if n < 1 || n > store.MaxListLimit {
		return nil, badInput("limit %d: want 1 to %d", n, store.MaxListLimit)
	}
	vs, err := q.svc.History(ctx, tokenFrom(ctx), subject, n)
	return pointers(vs), err
}

func (q queryResolver) Version(ctx context.Context, subject string, number int) (*store.Version, error) {
	v, err := q.svc.Version(ctx, tokenFrom(ctx), subject, number)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func (q queryResolver) Diff(ctx context.Context, subject string, from, to int) (*registry.Report, error) {
	return q.svc.Diff(ctx, tokenFrom(ctx), subject, from, to)
}

func (q queryResolver) AuditLog(ctx context.Context, filter *AuditFilter) ([]*store.AuditEntry, error) {
	var f store.AuditFilter
	if filter != nil {
		f = store.AuditFilter{Subject: deref(filter.Subject), Actor: deref(filter.Actor), Action: deref(filter.Action), Allowed: filter.Allowed}
		if filter.Since != nil {
			f.Since = *filter.Since
		}
		if filter.Limit != nil {
			if *filter.Limit < 1 || *filter.Limit > store.MaxListLimit {
				return nil, badInput("filter.limit %d: want 1 to %d", *filter.Limit, store.MaxListLimit)
			}
			f.Limit = *filter.Limit
		}
	}
	entries, err := q.svc.AuditLog(ctx, tokenFrom(ctx), f)
	return pointers(entries), err
}

func (q queryResolver) Usage(ctx context.Context, virtualService string, coordinates []string, since *time.Time) ([]*store.OperationUsage, error) {
	from := time.Now().Add(-registry.DefaultUsageWindow)
	if since != nil {
		from = *since
	}
	ops, err := q.svc.Usage(ctx, tokenFrom(ctx), virtualService, coordinates, from)
	return pointers(ops), err
}

func (q queryResolver) Approvals(ctx context.Context, subject string) ([]*store.Approval, error) {
	as, err := q.svc.Approvals(ctx, tokenFrom(ctx), subject)
	return pointers(as), err
}

func (q queryResolver) Tokens(ctx context.Context) ([]*store.Token, error) {
	ts, err := q.svc.Tokens(ctx, tokenFrom(ctx))
	return pointers(ts), err
}

type mutationResolver struct{ *Resolver }

func (m mutationResolver) Check(ctx context.Context, in ChangeInput) (*registry.Report, error) {
	req, err := checkRequest("input", in.Subject, in.Files, in.Replace, in.Upstream, in.Source, in.UsageWindow)
	if err != nil {
		return nil, err
	}
	return m.svc.Check(ctx, tokenFrom(ctx), req)
}

func (m mutationResolver) Push(ctx context.Context, in PushInput) (*registry.PushResult, error) {
	req, err := checkRequest("input", in.Subject, in.Files, in.Replace, in.Upstream, in.Source, in.UsageWindow)
	if err != nil {
		return nil, err
	}
	return m.svc.Push(ctx, tokenFrom(ctx), registry.PushRequest{
		CheckRequest: req, Author: deref(in.Author), Message: deref(in.Message),
		AllowBreaking: in.AllowBreaking != nil && *in.AllowBreaking,
	})
}

// checkRequest decodes the fields ChangeInput and PushInput share.
func checkRequest(at string, subject *string, files []*FileInput, replace *bool, upstream *string, source *FileInput, window *string) (registry.CheckRequest, error) {
	req := registry.CheckRequest{Subject: deref(subject), Upstream: deref(upstream), Replace: replace != nil && *replace}
	if len(files) > 0 {
		req.Files = make(map[string][]byte, len(files))
	}
	for i, f := range files {
		data, err := decode(f)
		if err != nil {
			return req, badInput("%s.files[%d] (%s): %v", at, i, f.Path, err)
		}
		if _, dup := req.Files[f.Path]; dup {
			return req, badInput("%s.files[%d]: path %s is given twice", at, i, f.Path)
		}
		req.Files[f.Path] = data
	}
	if source != nil {
		data, err := decode(source)
		if err != nil {
			return req, badInput("%s.source (%s): %v", at, source.Path, err)
		}
		req.Source = &registry.SourceFile{Name: source.Path, Content: data}
	}
	if window != nil {
		d, err := time.ParseDuration(*window)
		if err != nil || d <= 0 {
			return req, badInput("%s.usageWindow %q: want a positive duration such as 168h", at, *window)
		}
		req.UsageWindow = d
	}
	return req, nil
}

// decode returns a file's bytes.
func decode(f *FileInput) ([]byte, error) {
	if f.Encoding != nil && *f.Encoding == EncodingBase64 {
		b, err := base64.StdEncoding.DecodeString(f.Content)
		if err != nil {
			return nil, fmt.Errorf("content is not standard base64: %w", err)
		}
		return b, nil
	}
	return []byte(f.Content), nil
}

func (m mutationResolver) Rollback(ctx context.Context, subject string, to *int, message *string) (*registry.RollbackResult, error) {
	n := 0
	if to != nil {
		if *to < 1 {
			return nil, badInput("to %d: versions count from 1", *to)
		}
		n = *to
	}
	return m.svc.Rollback(ctx, tokenFrom(ctx), subject, n, deref(message))
}

func (m mutationResolver) Approve(ctx context.Context, in ApprovalInput) (*store.Approval, error) {
	var ttl time.Duration
	if in.ExpiresIn != nil {
		d, err := time.ParseDuration(*in.ExpiresIn)
		if err != nil || d <= 0 || d > store.MaxApprovalTTL {
			return nil, badInput("input.expiresIn %q: want a duration such as 168h, more than 0 and at most %s (90 days)", *in.ExpiresIn, store.MaxApprovalTTL)
		}
		ttl = d
	}
	a, err := m.svc.Approve(ctx, tokenFrom(ctx), store.Approval{Subject: in.Subject, Coordinate: in.Coordinate, Class: in.Class, Reason: deref(in.Reason)}, ttl)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (m mutationResolver) CreateToken(ctx context.Context, name string, scopes []*ScopeInput) (*CreatedToken, error) {
	spec := store.TokenSpec{Name: name}
	for _, s := range scopes {
		spec.Scopes = append(spec.Scopes, store.Scope{Action: store.Action(s.Action), Subject: s.Subject})
	}
	secret, tok, err := m.svc.CreateToken(ctx, tokenFrom(ctx), spec)
	if err != nil {
		return nil, err
	}
	return &CreatedToken{Token: &tok, Secret: secret}, nil
}

func (m mutationResolver) RevokeToken(ctx context.Context, name string) (bool, error) {
	if err := m.svc.RevokeToken(ctx, tokenFrom(ctx), name); err != nil {
		return false, err
	}
	return true, nil
}

type versionResolver struct{ *Resolver }

func (v versionResolver) Composed(_ context.Context, obj *store.Version) (*string, error) {
	if obj.Composed == nil {
		return nil, nil
	}
	s := string(obj.Composed)
	return &s, nil
}

// Files returns the version's files; a version read without them (in
// history, subjects) reads them now, with the request's token.
func (v versionResolver) Files(ctx context.Context, obj *store.Version) ([]*File, error) {
	files := obj.Files
	if files == nil {
		full, err := v.svc.Version(ctx, tokenFrom(ctx), obj.Subject, obj.Number)
		if err != nil {
			return nil, err
		}
		files = full.Files
	}
	out := make([]*File, 0, len(files))
	for _, p := range slices.Sorted(maps.Keys(files)) {
		data := files[p]
		f := &File{Path: p, Content: string(data), Encoding: EncodingUTF8}
		if !utf8.Valid(data) {
			f.Content, f.Encoding = base64.StdEncoding.EncodeToString(data), EncodingBase64
		}
		out = append(out, f)
	}
	return out, nil
}

type reportResolver struct{}

func (reportResolver) Replaced(_ context.Context, obj *registry.Report) ([]*Replacement, error) {
	out := make([]*Replacement, 0, len(obj.Replaced))
	for _, p := range slices.Sorted(maps.Keys(obj.Replaced)) {
		out = append(out, &Replacement{Path: p, Source: obj.Replaced[p]})
	}
	return out, nil
}

func (reportResolver) VirtualServices(_ context.Context, obj *registry.Report) ([]*VirtualServiceChanges, error) {
	out := make([]*VirtualServiceChanges, 0, len(obj.VirtualServices))
	for _, name := range slices.Sorted(maps.Keys(obj.VirtualServices)) {
		out = append(out, &VirtualServiceChanges{Name: name, Changes: pointers(obj.VirtualServices[name])})
	}
	return out, nil
}

type changeResolver struct{}

func (changeResolver) Class(_ context.Context, obj *registry.Change) (string, error) {
	return string(obj.Class), nil
}

func (changeResolver) Old(_ context.Context, obj *registry.Change) (*string, error) {
	return nonEmpty(obj.Old), nil
}

func (changeResolver) New(_ context.Context, obj *registry.Change) (*string, error) {
	return nonEmpty(obj.New), nil
}

type approvalResolver struct{}

func (approvalResolver) State(_ context.Context, obj *store.Approval) (ApprovalState, error) {
	switch obj.State {
	case store.ApprovalActive:
		return ApprovalStateActive, nil
	case store.ApprovalExpired:
		return ApprovalStateExpired, nil
	case store.ApprovalSpent:
		return ApprovalStateSpent, nil
	}
	return "", fmt.Errorf("approval of %s %s: unknown state %q", obj.Class, obj.Coordinate, obj.State)
}

func (approvalResolver) SpentVersion(_ context.Context, obj *store.Approval) (*int, error) {
	if obj.SpentVersion == 0 {
		return nil, nil
	}
	return &obj.SpentVersion, nil
}

func (approvalResolver) SpentAt(_ context.Context, obj *store.Approval) (*time.Time, error) {
	if obj.SpentAt.IsZero() {
		return nil, nil
	}
	return &obj.SpentAt, nil
}

type scopeResolver struct{}

func (scopeResolver) Action(_ context.Context, obj *store.Scope) (string, error) {
	return string(obj.Action), nil
}

type tokenResolver struct{}

func (tokenResolver) Revoked(_ context.Context, obj *store.Token) (*time.Time, error) {
	if obj.Revoked.IsZero() {
		return nil, nil
	}
	return &obj.Revoked, nil
}

// pointers returns pointers to s's elements, as gqlgen's lists want them.
func pointers[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
