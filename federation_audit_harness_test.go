package weft_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/fedaudit"
)

// TestKnownFailuresFile: the ratchet file's mistakes are reported with
// their line, all at once.
func TestKnownFailuresFile(t *testing.T) {
	suites := map[string][]fedaudit.Case{"a": make([]fedaudit.Case, 2), "b": make([]fedaudit.Case, 1)}
	tests := []struct {
		name, text string
		want       map[string]string
		wantErr    []string
	}{
		{
			name: "good",
			text: "# comment\n\na/0  not yet\n  a/1\treason with  spaces  \nb/0 x\n",
			want: map[string]string{"a/0": "not yet", "a/1": "reason with  spaces", "b/0": "x"},
		},
		{name: "empty", text: "# nothing fails\n", want: map[string]string{}},
		{
			name: "mistakes",
			text: "a/0 ok\nc/0 no such suite\na/2 no such case\na/x bad index\nab reason\nb/0\na/0 again\n",
			wantErr: []string{
				`:2: the audit has no suite "c"`,
				`:3: suite a has no case 2 (it has 2)`,
				`:4: "a/x" is not suite/index`,
				`:5: "ab" is not suite/index`,
				`:6: b/0 has no reason`,
				`:7: a/0 is listed already, on line 1`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "known-failures")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readKnownFailures(path, suites)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error; read %v", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), path+w) {
						t.Errorf("the error lacks %q:\n%v", path+w, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("read %v, want %v", got, tt.want)
			}
		})
	}
}

// ratchetTB records how ratchet ends a case.
type ratchetTB struct {
	testing.TB
	errors, skips []string
}

type skipped struct{}

func (r *ratchetTB) Helper() {}
func (r *ratchetTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *ratchetTB) Skipf(format string, args ...any) {
	r.skips = append(r.skips, fmt.Sprintf(format, args...))
	panic(skipped{}) // as the real one stops the goroutine
}

// TestRatchet: a listed failing case skips with its reason and problem, a
// listed passing case fails, an unlisted failing case fails, an unlisted
// passing case passes.
func TestRatchet(t *testing.T) {
	known := map[string]string{"s/0": "not built yet"}
	tests := []struct {
		name, problem string
		wantError     []string
		wantSkip      []string
	}{
		{name: "s/0", problem: "unknown flag", wantSkip: []string{"known failure", "not built yet", "unknown flag"}},
		{name: "s/0", wantError: []string{"s/0 passes now: delete its line from " + knownFailuresFile}},
		{name: "s/1", problem: "data.a: got 1, want 2", wantError: []string{"s/1 fails", "data.a: got 1, want 2"}},
		{name: "s/1"},
	}
	for _, tt := range tests {
		var tb ratchetTB
		func() {
			defer func() {
				if r := recover(); r != nil && r != (skipped{}) {
					panic(r)
				}
			}()
			ratchet(&tb, tt.name, tt.problem, known)
		}()
		check := func(what string, got []string, want []string) {
			all := strings.Join(got, "\n")
			if (len(got) > 0) != (len(want) > 0) {
				t.Errorf("%s with problem %q: %s %q, want %q", tt.name, tt.problem, what, got, want)
			}
			for _, w := range want {
				if !strings.Contains(all, w) {
					t.Errorf("%s with problem %q: %s lack %q: %q", tt.name, tt.problem, what, w, got)
				}
			}
		}
		check("errors", tb.errors, tt.wantError)
		check("skips", tb.skips, tt.wantSkip)
	}
}

// TestGatewayThatDoesNotStart: a weft that exits at start is reported with
// its exit status and output.
func TestGatewayThatDoesNotStart(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "weft")
	script := "#!/bin/sh\necho \"Error: unknown flag: $2\" >&2\nexit 3\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	gw, err := startGateway(bin, "supergraph.graphql")
	if gw != nil {
		t.Errorf("a gateway was returned for a weft that exited")
	}
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"weft serve --supergraph supergraph.graphql --listen 127.0.0.1:", "exit status 3", "Error: unknown flag: --supergraph"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error lacks %q:\n%v", w, err)
		}
	}
}
