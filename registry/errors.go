package registry

import (
	"errors"
	"strings"

	"github.com/weft-gateway/weft/registry/store"
)

// Code classifies a refusal of the Service, for clients: the API sends it
// as a GraphQL error's extensions.code.
type Code string

// The codes of the Service's refusals.
const (
	// CodeUnauthenticated: no token, or one the store does not know, or
	// a revoked one.
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	// CodeForbidden: the token lacks the scope.
	CodeForbidden Code = "FORBIDDEN"
	// CodeBuildFailed: the config with the change does not build.
	CodeBuildFailed Code = "BUILD_FAILED"
	// CodeBreakingChanges: the change breaks a VirtualService's schema
	// and no approval, nor AllowBreaking, lets it through.
	CodeBreakingChanges Code = "BREAKING_CHANGES"
	// CodeConflict: the store moved on while the change was checked,
	// twice, or a path belongs to another subject.
	CodeConflict Code = "CONFLICT"
	// CodeNotFound: no such subject, version, upstream or token.
	CodeNotFound Code = "NOT_FOUND"
	// CodeBadInput: the request breaks a rule.
	CodeBadInput Code = "BAD_INPUT"
)

// Error is a refusal of the Service: what a client did wrong or may not
// do. Any other error the Service returns is a failure of its own (the
// store unreachable, say), which a client should be told no more about.
type Error struct {
	Code    Code
	Message string
	// Problems are the build's errors, one per entry, each at its file and
	// line (CodeBuildFailed).
	Problems []string
	// Report is the check that refused the change (CodeBreakingChanges).
	Report *Report
	// Err is the cause, for errors.Is; not for clients.
	Err error
}

func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return e.Message
	}
	return e.Message + ":\n" + strings.Join(e.Problems, "\n")
}

func (e *Error) Unwrap() error { return e.Err }

// refusal returns an Error of code with a message.
func refusal(code Code, msg string, cause error) *Error {
	return &Error{Code: code, Message: msg, Err: cause}
}

// fromStore turns a store's refusal into the Service's; other errors pass
// unchanged.
func fromStore(err error) error {
	if err == nil {
		return nil
	}
	var code Code
	switch {
	case errors.Is(err, store.ErrNotFound):
		code = CodeNotFound
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrTokenExists):
		code = CodeBadInput
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrPathOwned):
		code = CodeConflict
	default:
		return err
	}
	return refusal(code, err.Error(), err)
}

// buildProblems splits a builder's error into its lines.
func buildProblems(err error) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(err.Error(), "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
