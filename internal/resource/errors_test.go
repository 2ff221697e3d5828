package resource

import (
	"errors"
	"io/fs"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"everything", &Error{File: "a.yaml", Line: 3, Column: 7, Path: "spec.url", Msg: "bad"}, "a.yaml:3:7: spec.url: bad"},
		{"no column", &Error{File: "a.yaml", Line: 3, Msg: "invalid YAML: oops"}, "a.yaml:3: invalid YAML: oops"},
		{"no line", &Error{File: "a.yaml", Msg: "file is too big"}, "a.yaml: file is too big"},
		{"column without line is dropped", &Error{File: "a.yaml", Column: 4, Path: "kind", Msg: "m"}, "a.yaml: kind: m"},
		{"no path", &Error{File: "a.yaml", Line: 1, Column: 1, Msg: "m"}, "a.yaml:1:1: m"},
		{"no file", &Error{Path: "spec", Msg: "m"}, "spec: m"},
		{"message only", &Error{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorsSortedOnePerLine(t *testing.T) {
	es := Errors{
		{File: "b.yaml", Line: 1, Column: 1, Msg: "b1"},
		{File: "a.yaml", Line: 10, Column: 1, Msg: "a10"},
		{File: "a.yaml", Line: 2, Column: 5, Msg: "a2c5"},
		{File: "a.yaml", Line: 2, Column: 3, Path: "z", Msg: "a2c3z"},
		{File: "a.yaml", Line: 2, Column: 3, Path: "y", Msg: "a2c3y"},
	}
	want := "a.yaml:2:3: y: a2c3y\n" +
		"a.yaml:2:3: z: a2c3z\n" +
		"a.yaml:2:5: a2c5\n" +
		"a.yaml:10:1: a10\n" +
		"b.yaml:1:1: b1"
	if got := es.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if es[0].Msg != "b1" {
		t.Errorf("Error() reordered the list it printed")
	}
	if got := es.Err().Error(); got != want {
		t.Errorf("Err().Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestErrorsErrEmptyIsNil(t *testing.T) {
	var es Errors
	if err := es.Err(); err != nil {
		t.Fatalf("empty Errors.Err() = %#v, want nil", err)
	}
}

func TestErrorsUnwrap(t *testing.T) {
	cause := fs.ErrNotExist
	var err error = Errors{{File: "a", Msg: "x"}, {File: "b", Msg: "gone", Err: cause}}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is does not see the cause of the second error")
	}
	var e *Error
	if !errors.As(err, &e) || e.File != "a" {
		t.Errorf("errors.As(*Error) = %v, want the first error", e)
	}
	if got := AsErrors(err); len(got) != 2 {
		t.Errorf("AsErrors(Errors) has %d errors, want 2", len(got))
	}
	if got := AsErrors(&Error{Msg: "one"}); len(got) != 1 || got[0].Msg != "one" {
		t.Errorf("AsErrors(*Error) = %v, want the error itself", got)
	}
	if got := AsErrors(errors.New("plain")); got != nil {
		t.Errorf("AsErrors(plain) = %v, want nil", got)
	}
}

func TestErrorfWrapsWithW(t *testing.T) {
	d := &Document{File: "a.yaml", Line: 1, Column: 1}
	e := d.Errorf("spec.url", "cannot resolve: %w", fs.ErrNotExist)
	if !errors.Is(e, fs.ErrNotExist) {
		t.Errorf("%%w cause lost")
	}
	if want := "a.yaml:1:1: spec.url: cannot resolve: file does not exist"; e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if plain := d.Errorf("spec", "no cause %d", 1); plain.Err != nil {
		t.Errorf("Err = %v, want nil without %%w", plain.Err)
	}
}
