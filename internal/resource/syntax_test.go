package resource

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// twoResources is an Upstream and a VirtualService in one file; its
// VirtualService starts on line 7, so an error in it is reported at its
// line in the file, not in the document.
const twoResources = `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: users}
spec:
  rest: {baseURL: "http://users"}
---
apiVersion: weft.dev/v1
kind: VirtualService
metadata:
  name: api
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /}]
        graphql:
          schema: {file: api.graphql}
`

// Every YAML syntax error is reported at the line and column of the problem
// in the file, with the parser's message, and the construct it was in when
// that helps to find the cause.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		line, col int
		msg       string // after "t.yaml:line:col: ", the field path included
	}{
		{
			// The key on line 18 is indented one column too far; the
			// parser's own message names the line where the mapping
			// around it starts (15), which is what v3 reports.
			name: "mis-indented key in the second document",
			text: twoResources + "         timeout: 2s\n",
			line: 18, col: 10,
			msg: "invalid YAML: did not find expected key (while parsing a block mapping at line 15, column 9)",
		},
		{
			name: "key indented less than its siblings",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users\n namespace: shop\n",
			line: 5, col: 2,
			msg: "invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)",
		},
		{
			name: "tab indentation",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n\tname: users\n",
			line: 4, col: 1,
			msg: "invalid YAML: found character that cannot start any token: a tab (indent YAML with spaces)",
		},
		{
			name: "tab after spaces in the second document",
			text: twoResources + "\t        timeout: 2s\n",
			line: 18, col: 1,
			msg: "invalid YAML: found character that cannot start any token: a tab (indent YAML with spaces)",
		},
		{
			name: "tab that continues a value",
			text: "a: 1\n\tb: 2\n",
			line: 2, col: 1,
			msg: "invalid YAML: found a tab character that violates indentation (while scanning a plain scalar at line 1, column 4)",
		},
		{
			name: "unclosed double quote",
			text: "apiVersion: weft.dev/v1\nkind: \"Upstream\nmetadata:\n  name: users\n",
			line: 2, col: 7,
			msg: "invalid YAML: found unexpected end of stream at line 5, column 1, while scanning a quoted scalar that starts here",
		},
		{
			name: "unclosed single quote in the third document",
			text: upstreamUsers + "---\n" + strings.Replace(upstreamUsers, "users", "posts", 1) + "...\n---\n" +
				"apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: 'it''s\n  namespace: shop\n",
			line: 19, col: 9,
			msg: "invalid YAML: found unexpected end of stream at line 21, column 1, while scanning a quoted scalar that starts here",
		},
		{
			name: "unclosed bracket",
			text: twoResources + "    other: [a, b\n  vars: {}\n",
			line: 19, col: 7,
			msg: "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 18, column 12)",
		},
		{
			name: "unclosed brace",
			text: "a: 1\nb: {x: 1\nc: 3\n",
			line: 3, col: 2,
			msg: "invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 2, column 4)",
		},
		{
			name: "extra closing bracket",
			text: "a: [1, 2]]\n",
			line: 1, col: 10,
			msg: "invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)",
		},
		{
			name: "two values on one line",
			text: "kind: Upstream\nmetadata: name: users\n",
			line: 2, col: 15,
			msg: "invalid YAML: mapping values are not allowed in this context",
		},
		{
			name: "text after a quoted value",
			text: "a: 1\nb: 'x' y\nc: 2\n",
			line: 2, col: 8,
			msg: "invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)",
		},
		{
			name: "list item in a mapping",
			text: "a: 1\n- b\n",
			line: 2, col: 1,
			msg: "invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)",
		},
		{
			name: "mapping entry in a list",
			text: "a:\n  - x\n  y: 1\n",
			line: 3, col: 3,
			msg: "invalid YAML: did not find expected '-' indicator (while parsing a block collection at line 2, column 3)",
		},
		{
			name: "block scalar left too early",
			text: "a: |\n  x\n y: 1\n",
			line: 3, col: 2,
			msg: "invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)",
		},
		{
			name: "unknown anchor",
			text: "a: 1\nb:\n  c: *nope\n",
			line: 3, col: 6,
			msg: "invalid YAML: unknown anchor 'nope' referenced",
		},
		{
			name: "unknown escape",
			text: "a: 1\nb: \"x\\qy\"\n",
			line: 2, col: 6,
			msg: "invalid YAML: found unknown escape character (while scanning a quoted scalar at line 2, column 4)",
		},
		{
			name: "reserved character",
			text: "a: 1\nb: @x\n",
			line: 2, col: 4,
			msg: "invalid YAML: found character that cannot start any token",
		},
		{
			name: "undefined tag handle",
			text: "a: !x!y 1\n",
			line: 1, col: 4,
			msg: "invalid YAML: found undefined tag handle",
		},
		{
			name: "unknown directive",
			text: "%FOO bar\n---\na: 1\n",
			line: 1, col: 5,
			msg: "invalid YAML: found unknown directive name (while scanning a directive at line 1, column 1)",
		},
		{
			name: "empty document after a bracket",
			text: upstreamUsers + "---\nc: [\n",
			line: 9, col: 1,
			msg: "invalid YAML: did not find expected node content",
		},
		{
			name: "CRLF line ends",
			text: "a: 1\r\nb:\r\n  c: 1\r\n d: 2\r\n",
			line: 4, col: 2,
			msg: "invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)",
		},
		{
			name: "byte order mark",
			text: "\ufeffa: 1\nb:\n  c: 1\n d: 2\n",
			line: 4, col: 2,
			msg: "invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)",
		},
		{
			// Columns count characters, as node positions do.
			name: "columns after non-ASCII text",
			text: "é: {ééé: 1, b: 2 c: 3}\n",
			line: 1, col: 19,
			msg: "invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 1, column 4)",
		},
		{
			name: "nesting too deep",
			text: "a: " + strings.Repeat("[", 10001) + "\n",
			line: 1, col: 10004,
			msg: "invalid YAML: exceeded max depth of 10000",
		},
		{
			name: "not UTF-8",
			text: "a: 1\nb: caf\xff\n",
			line: 2, col: 7,
			msg: "invalid YAML: invalid leading UTF-8 octet (byte 0xFF); config files are UTF-8 text",
		},
		{
			name: "control character",
			text: "a: 1\r\nb: é\x00\n",
			line: 2, col: 5,
			msg: "invalid YAML: control characters are not allowed (character U+0000); config files are UTF-8 text",
		},
		{
			// Not a syntax error for the parser: the strict decoder
			// reports it, at the second key.
			name: "duplicate key",
			text: "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: users\n  name: posts\n",
			line: 5, col: 3,
			msg: `metadata.name: duplicate key "name" (first at line 4, column 3)`,
		},
		{
			name: "duplicate key in the second document",
			text: twoResources + "kind: Route\n",
			line: 18, col: 1,
			msg: `kind: duplicate key "kind" (first at line 8, column 1)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadBytes("t.yaml", []byte(tt.text), Options{})
			es := AsErrors(err)
			if len(es) != 1 {
				t.Fatalf("LoadBytes error = %v, want one error", err)
			}
			e := es[0]
			want := fmt.Sprintf("t.yaml:%d:%d: %s", tt.line, tt.col, tt.msg)
			if e.File != "t.yaml" || e.Line != tt.line || e.Column != tt.col || e.Error() != want {
				t.Errorf("error\n%s (at %s:%d:%d)\nwant\n%s", e, e.File, e.Line, e.Column, want)
			}
			if !strings.HasPrefix(e.Msg, "invalid YAML: ") {
				return
			}
			// The position comes from the second parser only when it
			// stops at the same problem as the one that builds the nodes.
			v3 := firstV3Error(t, tt.text)
			if v3 == nil {
				t.Fatal("go.yaml.in/yaml/v3 parses the text; the case is not a syntax error")
			}
			if !readerProblems[trimLine(v3.Error())] {
				le := locate([]byte(tt.text))
				if le == nil || le.Message != trimLine(v3.Error()) {
					t.Errorf("the parsers disagree: v3 says %q, the locator %v", v3, le)
				}
			}
		})
	}
}

func firstV3Error(t *testing.T, text string) error {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(text)))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func trimLine(msg string) string {
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		return m[2]
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

// When the fork accepts what v3 rejects, the error keeps v3's line,
// counted from 1, and points at the start of the text on it.
func TestSyntaxErrorWithoutLocator(t *testing.T) {
	data := []byte("a:\n  b: 1\n  c:\n    - d\n") // valid: the fork finds nothing
	tests := []struct {
		err       string
		line, col int
	}{
		// A parser problem: v3 counts its line from 0.
		{"yaml: line 1: did not find expected key", 2, 3},
		// A scanner problem: from 1.
		{"yaml: line 4: mapping values are not allowed here", 4, 5},
		// No line at all.
		{"yaml: something else", 0, 0},
	}
	for _, tt := range tests {
		e := syntaxError("t.yaml", data, errors.New(tt.err))
		if e.Line != tt.line || e.Column != tt.col {
			t.Errorf("%s: at %d:%d, want %d:%d", tt.err, e.Line, e.Column, tt.line, tt.col)
		}
		if !strings.HasPrefix(e.Msg, "invalid YAML: ") || e.Err == nil {
			t.Errorf("%s: message %q, cause %v", tt.err, e.Msg, e.Err)
		}
	}
}

func TestFirstUnreadable(t *testing.T) {
	tests := []struct {
		text      string
		line, col int
		what      string
	}{
		{"a: b\n", 0, 0, ""},
		{"\xff", 1, 1, "byte 0xFF"},
		{"a\rb\r\nc\u2028d: \x01", 4, 4, "character U+0001"},
		{"ü: \xc3", 1, 4, "byte 0xC3"},
		{"\xfe\xff\x00a", 0, 0, ""}, // UTF-16: the reader decodes it otherwise
	}
	for _, tt := range tests {
		line, col, what, ok := firstUnreadable([]byte(tt.text))
		if line != tt.line || col != tt.col || what != tt.what || ok != (tt.line > 0) {
			t.Errorf("firstUnreadable(%q) = %d:%d %q %v, want %d:%d %q", tt.text, line, col, what, ok, tt.line, tt.col, tt.what)
		}
	}
}
