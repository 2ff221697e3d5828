package fedaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// maxDiffs bounds the differences one error lists; a wrong type high in
// the tree would otherwise list every leaf below it.
const maxDiffs = 20

// Check judges a gateway's response (the HTTP body) to case c by the
// audit's rules: the response's data must equal the expected data deeply,
// objects' key order free and numbers compared by value (1 equals 1.0), an
// absent data counting as null; when the case says errors: true the
// response must carry a non-empty errors list, when false none, and when it
// says nothing either is fine. The error lists each difference by its path
// (data.user.name), then both data trees.
func Check(response []byte, c Case) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(response, &top); err != nil || top == nil {
		return fmt.Errorf("the response is not a JSON object: %s", snippet(response))
	}
	got, err := decode(top["data"])
	if err != nil {
		return fmt.Errorf("the response's data: %w", err)
	}
	want, err := decode(c.Expected.Data)
	if err != nil {
		return fmt.Errorf("the case's expected data: %w", err)
	}
	errs, err := responseErrors(top["errors"])
	if err != nil {
		return err
	}

	var problems []string
	if c.Expected.Errors != nil {
		switch {
		case *c.Expected.Errors && len(errs) == 0:
			problems = append(problems, "errors: got none, want a non-empty list")
		case !*c.Expected.Errors && len(errs) > 0:
			problems = append(problems, fmt.Sprintf("errors: got %d, want none:\n%s", len(errs), messages(errs)))
		}
	}
	d := differ{}
	d.diff("data", want, got)
	problems = append(problems, d.lines...)
	if d.more > 0 {
		problems = append(problems, fmt.Sprintf("... and %d more differences", d.more))
	}
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(strings.Join(problems, "\n"))
	if len(d.lines) > 0 {
		fmt.Fprintf(&b, "\n--- want data\n%s\n--- got data\n%s", indent(want), indent(got))
	}
	return errors.New(b.String())
}

// decode reads a JSON value keeping its numbers as written (json.Number);
// absent (nil) is null.
func decode(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	return v, nil
}

// responseErrors returns the response's errors list; absent and null are
// empty.
func responseErrors(raw json.RawMessage) ([]json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var errs []json.RawMessage
	if err := json.Unmarshal(raw, &errs); err != nil {
		return nil, fmt.Errorf("the response's errors is not a list: %s", snippet(raw))
	}
	return errs, nil
}

// messages lists the errors' messages, one a line, for a report.
func messages(errs []json.RawMessage) string {
	const max = 5
	var lines []string
	for i, e := range errs {
		if i == max {
			lines = append(lines, fmt.Sprintf("  ... and %d more", len(errs)-max))
			break
		}
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(e, &m) == nil && m.Message != "" {
			lines = append(lines, "  "+m.Message)
		} else {
			lines = append(lines, "  "+snippet(e))
		}
	}
	return strings.Join(lines, "\n")
}

// differ collects the differences between two decoded JSON values.
type differ struct {
	lines []string
	more  int // differences past maxDiffs
}

func (d *differ) add(format string, args ...any) {
	if len(d.lines) == maxDiffs {
		d.more++
		return
	}
	d.lines = append(d.lines, fmt.Sprintf(format, args...))
}

func (d *differ) diff(path string, want, got any) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			d.add("%s: got %s, want %s", path, compact(got), compact(want))
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			wv, inWant := w[k]
			gv, inGot := g[k]
			p := path + "." + k
			switch {
			case !inGot:
				d.add("%s: missing, want %s", p, compact(wv))
			case !inWant:
				d.add("%s: not expected, got %s", p, compact(gv))
			default:
				d.diff(p, wv, gv)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			d.add("%s: got %s, want %s", path, compact(got), compact(want))
			return
		}
		for i := range max(len(w), len(g)) {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case i >= len(g):
				d.add("%s: missing, want %s", p, compact(w[i]))
			case i >= len(w):
				d.add("%s: not expected, got %s", p, compact(g[i]))
			default:
				d.diff(p, w[i], g[i])
			}
		}
	default:
		if !scalarEqual(want, got) {
			d.add("%s: got %s, want %s", path, compact(got), compact(want))
		}
	}
}

// scalarEqual compares two JSON scalars (null, bool, string, number);
// numbers by value.
func scalarEqual(want, got any) bool {
	wn, wok := want.(json.Number)
	gn, gok := got.(json.Number)
	if wok && gok {
		var a, b big.Rat
		if _, ok := a.SetString(string(wn)); !ok {
			return wn == gn
		}
		if _, ok := b.SetString(string(gn)); !ok {
			return false
		}
		return a.Cmp(&b) == 0
	}
	return want == got
}

// compact renders a value for a one-line report.
func compact(v any) string {
	const max = 200
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// indent renders a value for the full trees of a report.
func indent(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
