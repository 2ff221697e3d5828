package resource

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is one configuration error, located in a file.
//
// Line and Column are 1-based; zero means unknown (a file that could not be
// read has neither). Path is the field path
// inside the document, such as spec.routes[2].match.headers[0].name; it is
// empty for errors that concern the file or the document as a whole.
type Error struct {
	File   string
	Line   int
	Column int
	Path   string
	Msg    string
	// Err is the underlying cause, if any, so that errors.Is and errors.As
	// see through a config error to, say, fs.ErrNotExist.
	Err error
}

// Error formats the error as "file:line:col: path: msg", leaving out the
// parts that are unknown, so editors and CI annotations can jump to it.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(oneLine(e.Msg))
	return b.String()
}

// oneLine keeps a message on one line, so that Errors prints one error per
// line even when a message quotes multi-line text from elsewhere.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errors is a list of configuration errors. Loading and decoding collect
// every error they find instead of stopping at the first, so that one run
// of `weft validate` shows everything that needs fixing.
type Errors []*Error

// Error prints one error per line, ordered by file, line and column.
func (es Errors) Error() string {
	sorted := slices.Clone(es)
	sorted.Sort()
	lines := make([]string, len(sorted))
	for i, e := range sorted {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each error to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Sort orders the errors by file, line, column, path and message.
func (es Errors) Sort() {
	slices.SortStableFunc(es, compareErrors)
}

// Err returns nil when the list is empty and the sorted list otherwise. It
// exists because returning an empty Errors as an error gives a non-nil
// interface holding nothing.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	es.Sort()
	return es
}

func compareErrors(a, b *Error) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	if a.Column != b.Column {
		return a.Column - b.Column
	}
	if c := strings.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	return strings.Compare(a.Msg, b.Msg)
}

// AsErrors returns the configuration errors inside err: the list itself when
// err holds an Errors, a one-item list when it holds a single *Error, and nil
// otherwise.
func AsErrors(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return Errors{e}
	}
	return nil
}

// newError builds an *Error whose message is formatted like fmt.Errorf, so a
// %w verb keeps its cause reachable through Unwrap.
func newError(file string, line, col int, path, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	e := &Error{File: file, Line: line, Column: col, Path: path, Msg: err.Error()}
	if hasWrapped(err) {
		e.Err = err
	}
	return e
}

func hasWrapped(err error) bool {
	switch w := err.(type) {
	case interface{ Unwrap() error }:
		return w.Unwrap() != nil
	case interface{ Unwrap() []error }:
		return len(w.Unwrap()) > 0
	}
	return false
}
