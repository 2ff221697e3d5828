package fedaudit

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	yes, no := true, false
	user := `{"user": {"id": "1", "nickname": "user1", "tags": ["a", "b"], "age": 30}}`
	tests := []struct {
		name     string
		response string
		data     string // the case's expected data; empty: absent
		errors   *bool
		// wantErr lists what the error must say, in order; none: Check
		// must pass.
		wantErr []string
	}{
		{name: "equal", response: `{"data": ` + user + `}`, data: user},
		{
			name:     "key order is free",
			response: `{"data": {"user": {"age": 30, "tags": ["a", "b"], "nickname": "user1", "id": "1"}}}`,
			data:     user,
		},
		{
			name:     "numbers by value",
			response: `{"data": {"a": 1.0, "b": 1e2, "c": -0, "d": 12345678901234567890}}`,
			data:     `{"a": 1, "b": 100, "c": 0, "d": 12345678901234567890}`,
		},
		{
			name:     "numbers past float64 precision differ",
			response: `{"data": {"d": 9007199254740993}}`,
			data:     `{"d": 9007199254740992}`,
			wantErr:  []string{"data.d: got 9007199254740993, want 9007199254740992"},
		},
		{
			name:     "a different leaf",
			response: `{"data": {"user": {"id": "1", "nickname": "user2", "tags": ["a", "b"], "age": 30}}}`,
			data:     user,
			wantErr: []string{
				`data.user.nickname: got "user2", want "user1"`,
				"--- want data", `"nickname": "user1"`, "--- got data", `"nickname": "user2"`,
			},
		},
		{
			name:     "a string is not a number",
			response: `{"data": {"n": "1"}}`,
			data:     `{"n": 1}`,
			wantErr:  []string{`data.n: got "1", want 1`},
		},
		{
			name:     "a missing and an extra field",
			response: `{"data": {"user": {"id": "1", "email": "x@y", "tags": ["a", "b"], "age": 30}}}`,
			data:     user,
			wantErr:  []string{`data.user.email: not expected, got "x@y"`, `data.user.nickname: missing, want "user1"`},
		},
		{
			name:     "list order counts",
			response: `{"data": {"user": {"id": "1", "nickname": "user1", "tags": ["b", "a"], "age": 30}}}`,
			data:     user,
			wantErr:  []string{`data.user.tags[0]: got "b", want "a"`, `data.user.tags[1]: got "a", want "b"`},
		},
		{
			name:     "a shorter and a longer list",
			response: `{"data": {"short": [1], "long": [1, 2, {"x": 3}]}}`,
			data:     `{"short": [1, 2], "long": [1, 2]}`,
			wantErr:  []string{`data.long[2]: not expected, got {"x":3}`, `data.short[1]: missing, want 2`},
		},
		{
			name:     "null where an object is expected",
			response: `{"data": {"user": null}, "errors": [{"message": "boom"}]}`,
			data:     user,
			wantErr:  []string{`data.user: got null, want {"age":30,`},
		},
		{
			name:     "an object where a list is expected",
			response: `{"data": {"tags": {"0": "a"}}}`,
			data:     `{"tags": ["a"]}`,
			wantErr:  []string{`data.tags: got {"0":"a"}, want ["a"]`},
		},
		{name: "expected null, data null", response: `{"data": null, "errors": [{"message": "x"}]}`, data: `null`},
		{name: "expected null, data absent", response: `{"errors": [{"message": "x"}]}`, data: `null`},
		{name: "expected data absent, data absent", response: `{"errors": [{"message": "x"}]}`},
		{
			name:     "expected data absent, data present",
			response: `{"data": {"a": 1}}`,
			wantErr:  []string{`data: got {"a":1}, want null`},
		},
		{
			name:     "data absent, data expected",
			response: `{"errors": [{"message": "x"}]}`,
			data:     `{"a": 1}`,
			wantErr:  []string{`data: got null, want {"a":1}`},
		},
		{
			name:     "errors expected and given",
			response: `{"data": {"a": null}, "errors": [{"message": "x", "path": ["a"]}]}`,
			data:     `{"a": null}`, errors: &yes,
		},
		{
			name:     "errors expected, none given",
			response: `{"data": {"a": null}}`,
			data:     `{"a": null}`, errors: &yes,
			wantErr: []string{"errors: got none, want a non-empty list"},
		},
		{
			name:     "errors expected, an empty list given",
			response: `{"data": {"a": null}, "errors": []}`,
			data:     `{"a": null}`, errors: &yes,
			wantErr: []string{"errors: got none, want a non-empty list"},
		},
		{
			name:     "no errors expected, some given",
			response: `{"data": {"a": 1}, "errors": [{"message": "first"}, {"message": "second"}]}`,
			data:     `{"a": 1}`, errors: &no,
			wantErr: []string{"errors: got 2, want none:", "  first", "  second"},
		},
		{
			name:     "no errors expected, null errors",
			response: `{"data": {"a": 1}, "errors": null}`,
			data:     `{"a": 1}`, errors: &no,
		},
		{
			name:     "errors not said: either",
			response: `{"data": {"a": 1}, "errors": [{"message": "partial"}]}`,
			data:     `{"a": 1}`,
		},
		{
			name:     "errors and data both wrong",
			response: `{"data": {"a": 2}}`,
			data:     `{"a": 1}`, errors: &yes,
			wantErr: []string{"errors: got none", "data.a: got 2, want 1"},
		},
		{
			name:     "errors not a list",
			response: `{"data": {"a": 1}, "errors": {"message": "x"}}`,
			data:     `{"a": 1}`,
			wantErr:  []string{`the response's errors is not a list: {"message": "x"}`},
		},
		{name: "not JSON", response: `<html>Bad Gateway</html>`, data: `{"a": 1}`, wantErr: []string{"the response is not a JSON object: <html>Bad Gateway</html>"}},
		{name: "not an object", response: `[1]`, data: `{"a": 1}`, wantErr: []string{"the response is not a JSON object: [1]"}},
		{name: "JSON null", response: `null`, data: `{"a": 1}`, wantErr: []string{"the response is not a JSON object: null"}},
		{name: "empty body", response: ``, data: `{"a": 1}`, wantErr: []string{"the response is not a JSON object"}},
		{name: "bad expected data", response: `{"data": {}}`, data: `{"a": `, wantErr: []string{"the case's expected data: not JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Case{Query: "{ x }", Expected: Expected{Errors: tt.errors}}
			if tt.data != "" {
				c.Expected.Data = json.RawMessage(tt.data)
			}
			err := Check([]byte(tt.response), c)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check passed; want an error saying %q", tt.wantErr)
			}
			msg := err.Error()
			at := 0
			for _, want := range tt.wantErr {
				i := strings.Index(msg[at:], want)
				if i < 0 {
					t.Fatalf("the error lacks %q (in order):\n%s", want, msg)
				}
				at += i + len(want)
			}
		})
	}
}

// TestCheckBoundsTheReport: a list of many wrong items reports the first
// maxDiffs and counts the rest.
func TestCheckBoundsTheReport(t *testing.T) {
	var want, got []int
	for i := range maxDiffs + 7 {
		want = append(want, i)
		got = append(got, i+1)
	}
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(map[string]any{"data": map[string]any{"n": got}})
	err := Check(g, Case{Expected: Expected{Data: json.RawMessage(`{"n": ` + string(w) + `}`)}})
	if err == nil {
		t.Fatal("Check passed")
	}
	msg := err.Error()
	if n := strings.Count(msg, ": got "); n != maxDiffs {
		t.Errorf("%d differences listed, want %d:\n%s", n, maxDiffs, msg)
	}
	if !strings.Contains(msg, "... and 7 more differences") {
		t.Errorf("the error does not count the differences left out:\n%s", msg)
	}
}

// TestExpectedDecoding: a case decodes from the server's JSON with its
// errors flag absent, true or false, and its data kept as written.
func TestExpectedDecoding(t *testing.T) {
	var cases []Case
	err := json.Unmarshal([]byte(`[
		{"query": "{ a }", "expected": {"data": {"a": 1}}},
		{"query": "{ b }", "expected": {"data": null, "errors": true}},
		{"query": "{ c }", "expected": {"errors": false}}
	]`), &cases)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 3 {
		t.Fatalf("%d cases", len(cases))
	}
	if c := cases[0]; c.Query != "{ a }" || string(c.Expected.Data) != `{"a": 1}` || c.Expected.Errors != nil {
		t.Errorf("case 0: %+v", c)
	}
	if c := cases[1]; string(c.Expected.Data) != "null" || c.Expected.Errors == nil || !*c.Expected.Errors {
		t.Errorf("case 1: %+v", c)
	}
	if c := cases[2]; c.Expected.Data != nil || c.Expected.Errors == nil || *c.Expected.Errors {
		t.Errorf("case 2: %+v", c)
	}
}
