// Package store keeps the schema registry's data: versions of the config's
// resources, which version of each is active, the revision counter replicas
// watch, tokens, the audit log and recorded usage. It has two backends
// behind one type, Store: an embedded SQLite file (OpenSQLite, the default,
// needing no set-up) and PostgreSQL (OpenPostgres, for many replicas).
//
// A subject is one resource of the config, named "Kind/name" or
// "Kind/namespace/name" ("Upstream/catalog", "VirtualService/shop"). A
// version of a subject is a set of files, path to bytes: the resource's YAML
// and the source files it names (SDL, OpenAPI, .proto, WSDL, supergraph),
// paths relative to the config root. Versions are numbered 1, 2, 3 per
// subject and never change once written. Each subject has at most one
// active version; the union of the active versions' files is the config
// directory the gateway loads, so a path belongs to one active subject.
//
// Every change of what is active (a push, an activation, a delete) is one
// transaction that also adds one to the store's revision and appends its
// audit entry, so a reader sees all of a change or none of it, and a crash
// in the middle leaves the previous state. Replicas watch the revision
// (Watch) and load Active when it moves.
//
// docs/registry.md, section "Stores", describes the tables, migrations and
// the choices behind them.
package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Audit actions the store writes itself; callers may audit others
// ("check", "token.create", ...).
const (
	AuditPush     = "push"
	AuditActivate = "activate"
	AuditDelete   = "delete"
)

// Version is one version of a subject.
type Version struct {
	Subject string
	// Number counts the subject's versions from 1.
	Number  int
	Author  string
	Message string
	// Time is when the version was written, in UTC, to the microsecond.
	Time time.Time
	// Hash is ContentHash(Files).
	Hash string
	// Composed is what the version built (the schema of the VirtualServices
	// it affects, say), kept as given; nil when none (or an empty one) was
	// given.
	Composed []byte
	// Files maps each path to its bytes. History leaves it nil.
	Files map[string][]byte
	// Active says whether this was the subject's active version when it
	// was read (the only thing about a version that changes).
	Active bool
}

// PushRequest is a new version of a subject, to store and activate.
type PushRequest struct {
	Subject  string
	Files    map[string][]byte
	Author   string
	Message  string
	Composed []byte
	// ExpectRevision, when set, makes the push fail with a
	// *RevisionConflictError unless the store's revision is this one: the
	// revision the pusher checked its change against.
	ExpectRevision *int64
	// Approvals are the approvals of Subject (by Coordinate and Class)
	// that let the version's breaking changes through: the push marks each
	// spent by the new version, in its transaction, and fails with an
	// *ApprovalLapsedError if one is no longer active. An unchanged push
	// spends none.
	Approvals []Approval
}

// PushResult is what a push did.
type PushResult struct {
	// Version is the subject's active version after the push: the new one,
	// or the one already active when Unchanged.
	Version Version
	// Revision is the store's revision after the push.
	Revision int64
	// Unchanged is set when the files equal the active version's: nothing
	// was written but the audit entry, and the revision did not move.
	Unchanged bool
}

// State is what is active: the config the gateway serves.
type State struct {
	Revision int64
	// Versions holds each subject's active version, with its files, by
	// subject name.
	Versions []Version
}

// Files returns the union of the active versions' files: the config
// directory, path to bytes. The map shares the versions' byte slices.
func (s State) Files() map[string][]byte {
	out := make(map[string][]byte)
	for _, v := range s.Versions {
		maps.Copy(out, v.Files)
	}
	return out
}

// Action is what a token's scope allows.
type Action string

// Actions, from least to most: each allows the ones before it.
const (
	ActionRead  Action = "read"
	ActionCheck Action = "check"
	ActionPush  Action = "push"
	// ActionAdmin allows everything, managing tokens included.
	ActionAdmin Action = "admin"
)

// rank orders the actions; 0 is unknown.
func (a Action) rank() int {
	switch a {
	case ActionRead:
		return 1
	case ActionCheck:
		return 2
	case ActionPush:
		return 3
	case ActionAdmin:
		return 4
	}
	return 0
}

// AnySubject is a scope's subject that matches every subject.
const AnySubject = "*"

// Scope is one thing a token may do: an action on a subject, or on every
// subject (AnySubject).
type Scope struct {
	Action  Action `json:"action"`
	Subject string `json:"subject"`
}

// TokenSpec is a token to create.
type TokenSpec struct {
	// Name identifies the token in the audit log and for revocation; two
	// live tokens cannot share one.
	Name   string
	Scopes []Scope
}

// Token is a stored token. Its secret is not kept: only its hash.
type Token struct {
	ID      int64
	Name    string
	Scopes  []Scope
	Created time.Time
	// Revoked is when the token was revoked; zero while it is live.
	Revoked time.Time
}

// Allows says whether the token may do action on subject: when one of its
// scopes is that action or a greater one, on that subject or on every
// subject. A revoked token allows nothing.
func (t Token) Allows(action Action, subject string) bool {
	if !t.Revoked.IsZero() || action.rank() == 0 {
		return false
	}
	for _, s := range t.Scopes {
		if s.Action.rank() >= action.rank() && (s.Subject == AnySubject || s.Subject == subject) {
			return true
		}
	}
	return false
}

// AuditEntry is one line of the audit log: who did or tried what, when.
type AuditEntry struct {
	// ID orders the log; the store sets it.
	ID int64
	// Time is when it happened; zero means now.
	Time    time.Time
	Actor   string
	Action  string
	Subject string
	// Version is the subject's version acted on, or 0.
	Version int
	Allowed bool
	// Reason says why it was refused, or for what it was allowed (the
	// author's message of an allowed push, activation or delete).
	Reason string
}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	Subject string
	Actor   string
	Action  string
	// Allowed, when set, selects the allowed entries (true) or the
	// refusals (false).
	Allowed *bool
	// Since selects entries at or after it.
	Since time.Time
	// Limit caps the entries returned, newest first: 100 when 0, at most
	// MaxListLimit.
	Limit int
}

// UsageRecord counts executions of one operation in one hour.
type UsageRecord struct {
	// Signature identifies the operation (a hash of its normalized text).
	Signature      string
	OperationName  string
	VirtualService string
	// Coordinates are the schema coordinates ("Type.field",
	// "Type.field(arg:)", "Enum.VALUE") the operation touched.
	Coordinates []string
	Count       int64
	// Time places the record in its hour; zero means now.
	Time time.Time
}

// CoordinateCount is how often operations touched one coordinate.
type CoordinateCount struct {
	Coordinate string
	Count      int64
}

// OperationUsage is what Usage found for one operation.
type OperationUsage struct {
	Signature string
	// Name is the operation name last recorded for the signature.
	Name string
	// Count is how many times the operation ran in the window.
	Count int64
	// Coordinates lists the asked coordinates the operation touched in the
	// window, by name, with how many of its runs touched each.
	Coordinates []CoordinateCount
}

// Limits bound what one call may store; zero fields take the defaults.
type Limits struct {
	// MaxFiles caps the files of one version (default 1,000).
	MaxFiles int
	// MaxBytes caps a version's files and composed text together (default
	// 32 MiB).
	MaxBytes int
	// MaxText caps an author, a message, a token name or an audit field
	// (default 64 KiB).
	MaxText int
}

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = 1000
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = 32 << 20
	}
	if l.MaxText <= 0 {
		l.MaxText = 64 << 10
	}
	return l
}

// MaxListLimit caps the entries one History or AuditLog call returns.
const MaxListLimit = 10000

// Hooks are called at points inside the store's transactions. They exist for
// tests that kill a process in the middle of a write; leave them nil.
type Hooks struct {
	// AfterVersionInsert runs inside a push's transaction, after the new
	// version's row and files are written and before it is activated.
	AfterVersionInsert func(subject string, version int)
}

// Options configure a store; the zero value is ready to use.
type Options struct {
	Log zerolog.Logger
	// PollInterval is how often Watch reads the revision. It is the SQLite
	// store's only way to see another process's writes (default 500ms),
	// and the PostgreSQL store's safety net for notifications lost while
	// its listening connection was down (default 10s).
	PollInterval time.Duration
	Limits       Limits
	Hooks        Hooks
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Errors the store returns, for errors.Is. Each is wrapped with what
// failed, or is the Is target of a typed error that says more.
var (
	// ErrNotFound: no such subject, version or token.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input breaks a rule (*InputError).
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: another change landed first (*RevisionConflictError).
	ErrConflict = errors.New("revision conflict")
	// ErrPathOwned: a path belongs to another active subject
	// (*PathConflictError).
	ErrPathOwned = errors.New("path owned by another subject")
	// ErrInvalidToken: Authenticate was given a secret that is unknown,
	// malformed or revoked.
	ErrInvalidToken = errors.New("invalid token")
	// ErrTokenExists: a live token has the name already.
	ErrTokenExists = errors.New("token name in use")
	// ErrSchemaTooNew: the database was migrated by a newer Weft.
	ErrSchemaTooNew = errors.New("database schema is newer than this build")
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("store closed")
)

// InputError is input that breaks a rule, naming the field.
type InputError struct {
	// Field names the input, as a Go expression on the request
	// ("Files[\"a.graphql\"]", "Scopes[1].Action").
	Field  string
	Reason string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *InputError) Is(target error) bool { return target == ErrInvalid }

// RevisionConflictError is a change made against a revision that is no
// longer the store's.
type RevisionConflictError struct {
	Expected, Actual int64
}

func (e *RevisionConflictError) Error() string {
	return fmt.Sprintf("revision conflict: expected revision %d, the store is at %d", e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrConflict) hold.
func (e *RevisionConflictError) Is(target error) bool { return target == ErrConflict }

// PathOwner is a path and the active subject that has it.
type PathOwner struct {
	Path    string
	Subject string
}

// PathConflictError is a version whose paths other active subjects have.
type PathConflictError struct {
	Subject string
	// Paths lists each path in conflict with its owner, by path.
	Paths []PathOwner
}

func (e *PathConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.Subject)
	for i, p := range e.Paths {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "path %q belongs to %s", p.Path, p.Subject)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrPathOwned) hold.
func (e *PathConflictError) Is(target error) bool { return target == ErrPathOwned }

// Store is the registry's store, on SQLite or PostgreSQL. Its methods are
// safe for concurrent use, and for use by many processes sharing one
// database.
type Store struct {
	b      backend
	log    zerolog.Logger
	limits Limits
	hooks  Hooks
	now    func() time.Time
	poll   time.Duration

	// closing ends the watchers when Close is called; wg waits for them.
	closing   context.Context
	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	// changed is closed, and replaced, when this Store commits a change of
	// what is active, so its own watchers need not wait for a poll.
	changedMu sync.Mutex
	changed   chan struct{}
}

func newStore(b backend, opts Options, defaultPoll time.Duration) *Store {
	ctx, stop := context.WithCancel(context.Background())
	s := &Store{
		b:       b,
		log:     opts.Log,
		limits:  opts.Limits.withDefaults(),
		hooks:   opts.Hooks,
		now:     opts.Now,
		poll:    opts.PollInterval,
		closing: ctx,
		stop:    stop,
		changed: make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.poll <= 0 {
		s.poll = defaultPoll
	}
	return s
}

// Close ends the watchers, waits for them, and closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		s.wg.Wait()
		s.closeErr = s.b.close()
	})
	return s.closeErr
}

// changes returns a channel closed at this Store's next committed change.
func (s *Store) changes() <-chan struct{} {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	return s.changed
}

// committed wakes the watchers waiting on changes.
func (s *Store) committed() {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
}

// clock returns the store's time: UTC, to the microsecond, which both
// databases keep exactly.
func (s *Store) clock() time.Time { return normTime(s.now()) }

func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
