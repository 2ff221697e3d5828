package registry

// Tokens and the checks every call of the Service makes: who calls,
// whether their scope allows it, and the audit of what was refused.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/weft-gateway/weft/registry/store"
)

// CreateToken creates a token and returns its secret, with the token as
// stored; the caller's token needs admin on every subject.
func (s *Service) CreateToken(ctx context.Context, token string, spec store.TokenSpec) (string, store.Token, error) {
	tok, err := s.authorize(ctx, token, store.ActionAdmin, store.AnySubject, AuditTokenCreate)
	if err != nil {
		return "", store.Token{}, err
	}
	secret, err := s.store.CreateToken(ctx, spec)
	if err != nil {
		return "", store.Token{}, s.refused(ctx, tok.Name, AuditTokenCreate, store.AnySubject, fromStore(err))
	}
	s.audit(ctx, store.AuditEntry{Actor: tok.Name, Action: AuditTokenCreate, Allowed: true, Reason: "token " + spec.Name + ": " + scopeList(spec.Scopes)})
	created, err := s.store.Authenticate(ctx, secret)
	if err != nil {
		return "", store.Token{}, err
	}
	return secret, created, nil
}

// RevokeToken revokes the live token named name; the caller's token needs
// admin on every subject.
func (s *Service) RevokeToken(ctx context.Context, token, name string) error {
	tok, err := s.authorize(ctx, token, store.ActionAdmin, store.AnySubject, AuditTokenRevoke)
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(ctx, name); err != nil {
		return s.refused(ctx, tok.Name, AuditTokenRevoke, store.AnySubject, fromStore(err))
	}
	s.audit(ctx, store.AuditEntry{Actor: tok.Name, Action: AuditTokenRevoke, Allowed: true, Reason: "token " + name})
	return nil
}

// Tokens lists every token, revoked ones included; the caller's token
// needs admin on every subject.
func (s *Service) Tokens(ctx context.Context, token string) ([]store.Token, error) {
	if _, err := s.authorize(ctx, token, store.ActionAdmin, store.AnySubject, AuditTokenList); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx)
}

// scopeList prints scopes as the CLI takes them: action:subject, ...
func scopeList(scopes []store.Scope) string {
	parts := make([]string, len(scopes))
	for i, sc := range scopes {
		parts[i] = string(sc.Action) + ":" + sc.Subject
	}
	return strings.Join(parts, ", ")
}

// authenticate returns the live token whose secret this is, or refuses
// with CodeUnauthenticated and audits the refusal as action on subject.
func (s *Service) authenticate(ctx context.Context, secret, action, subject string) (store.Token, error) {
	if secret == "" {
		s.audit(ctx, store.AuditEntry{Actor: Anonymous, Action: action, Subject: subject, Reason: "no token"})
		return store.Token{}, refusal(CodeUnauthenticated, "a token is required: send it as Authorization: Bearer <token>", nil)
	}
	tok, err := s.store.Authenticate(ctx, secret)
	if errors.Is(err, store.ErrInvalidToken) {
		// The audit log says why; the client learns no more than that.
		s.audit(ctx, store.AuditEntry{Actor: Anonymous, Action: action, Subject: subject, Reason: err.Error()})
		return store.Token{}, refusal(CodeUnauthenticated, "invalid token", err)
	}
	if err != nil {
		return store.Token{}, err
	}
	return tok, nil
}

// authorize is authenticate, then a check that the token allows action
// on subject, refused with CodeForbidden and audited.
func (s *Service) authorize(ctx context.Context, secret string, action store.Action, subject, auditAction string) (store.Token, error) {
	tok, err := s.authenticate(ctx, secret, auditAction, subject)
	if err != nil {
		return store.Token{}, err
	}
	if !tok.Allows(action, subject) {
		what := fmt.Sprintf("token %s may not %s %s (its scopes: %s)", tok.Name, action, subject, scopeList(tok.Scopes))
		if subject == store.AnySubject {
			what = fmt.Sprintf("token %s may not do this: it needs %s on every subject (its scopes: %s)", tok.Name, action, scopeList(tok.Scopes))
		}
		s.audit(ctx, store.AuditEntry{Actor: tok.Name, Action: auditAction, Subject: subject, Reason: what})
		return store.Token{}, refusal(CodeForbidden, what, nil)
	}
	return tok, nil
}

// audit appends e to the audit log; a refusal by Anonymous only within
// the cap (RefusalLimit), which counts those over it.
func (s *Service) audit(ctx context.Context, e store.AuditEntry) {
	if !e.Allowed && e.Actor == Anonymous && !s.refusals.allow() {
		return
	}
	s.write(ctx, e)
}

// refused audits err, when it is a refusal, as actor's refusal of action
// on subject, and returns it. Other errors (the store unreachable) are
// failures, not refusals.
func (s *Service) refused(ctx context.Context, actor, action, subject string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		s.audit(ctx, store.AuditEntry{Actor: actor, Action: action, Subject: subject, Reason: e.Error()})
	}
	return err
}

// write appends e to the audit log. A refusal is recorded even when the
// caller has gone; a failure to record is logged, since the answer to the
// caller stands either way.
func (s *Service) write(ctx context.Context, e store.AuditEntry) {
	e.Subject, e.Reason = auditText(e.Subject, 1024), auditText(e.Reason, maxAuditReason)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.store.Audit(actx, e); err != nil {
		s.log.Error().Err(err).Str("action", e.Action).Str("subject", e.Subject).Str("reason", e.Reason).
			Msg("registry: writing the audit log failed")
	}
}

// maxAuditReason bounds a refusal's reason in the audit log: a build's
// every problem can be long, and the log is for finding what happened.
const maxAuditReason = 8 << 10

// auditText makes v fit the audit log whatever a client sent: valid UTF-8
// without NUL, at most max bytes.
func auditText(v string, max int) string {
	v = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD")
	if len(v) <= max {
		return v
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}
