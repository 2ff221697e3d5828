package resource

import (
	"testing"
	"time"
)

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func TestExpandEnv(t *testing.T) {
	env := mapEnv(map[string]string{"HOST": "users", "PORT": "8080", "EMPTY": "", "DOLLAR": "$HOST"})
	tests := []struct {
		in, want, err string
	}{
		{in: "plain", want: "plain"},
		{in: "", want: ""},
		{in: "${HOST}", want: "users"},
		{in: "http://${HOST}:${PORT}/graphql", want: "http://users:8080/graphql"},
		{in: "${MISSING:-fallback}", want: "fallback"},
		{in: "${HOST:-fallback}", want: "users"},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${EMPTY}", want: ""},
		{in: "${MISSING:-}", want: ""},
		{in: "${MISSING:-a:-b c}", want: "a:-b c"},
		{in: "$$", want: "$"},
		{in: "$${HOST}", want: "${HOST}"},
		{in: "$$${HOST}", want: "$users"},
		{in: "$$$${HOST}", want: "$${HOST}"},
		{in: "query($id: ID!) { user(id: $id) }", want: "query($id: ID!) { user(id: $id) }"},
		{in: "costs 5$", want: "costs 5$"},
		{in: "${DOLLAR}", want: "$HOST"}, // values are not expanded again
		{in: "}{$", want: "}{$"},
		{in: "${MISSING}", err: "environment variable MISSING is not set (write ${MISSING:-default} to give a default)"},
		{in: "a ${HOST", err: `unterminated "${" (missing "}"); write "$$" for a literal "$"`},
		{in: "${}", err: `invalid environment variable name "" in "${}": use letters, digits and '_', not starting with a digit`},
		{in: "${1X}", err: `invalid environment variable name "1X" in "${1X}": use letters, digits and '_', not starting with a digit`},
		{in: "${A-b}", err: `invalid environment variable name "A-b" in "${A-b}": use letters, digits and '_', not starting with a digit`},
		{in: "${ HOST }", err: `invalid environment variable name " HOST " in "${ HOST }": use letters, digits and '_', not starting with a digit`},
		{in: "${A:-${B}}", err: `the default in "${A:-${B}" may not contain "${": defaults are literal text`},
	}
	for _, tt := range tests {
		got, err := expandEnv(tt.in, env)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("expandEnv(%q) error = %v, want %s", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("expandEnv(%q) error = %v", tt.in, err)
		case got != tt.want:
			t.Errorf("expandEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnvExpansionRetypesPlainValues(t *testing.T) {
	type spec struct {
		Port    int               `yaml:"port"`
		Timeout time.Duration     `yaml:"timeout"`
		TLS     bool              `yaml:"tls"`
		Name    string            `yaml:"name"`
		Quoted  string            `yaml:"quoted"`
		Headers map[string]string `yaml:"headers"`
		Copy    string            `yaml:"copy"`
	}
	env := mapEnv(map[string]string{"PORT": "9090", "NAME": "users", "N": "007"})
	d := loadOne(t, `apiVersion: weft.dev/v1
kind: Test
metadata:
  name: ${NAME}
  labels: {app: "${NAME}"}
spec:
  port: ${PORT:-8080}
  timeout: ${T:-2s}
  tls: ${TLS:-false}
  name: ${N}
  quoted: "${NAME}"
  headers:
    ${KEY}: &h x-${NAME}
  copy: *h
`, Options{Env: env})
	if d.Name != "users" || d.Labels["app"] != "users" {
		t.Errorf("metadata not expanded: name %q, labels %v", d.Name, d.Labels)
	}
	var got spec
	if err := d.DecodeSpec(&got); err != nil {
		t.Fatal(err)
	}
	want := spec{
		Port: 9090, Timeout: 2 * time.Second, TLS: false, Name: "007", Quoted: "users",
		Headers: map[string]string{"${KEY}": "x-users"}, Copy: "x-users",
	}
	if got.Port != want.Port || got.Timeout != want.Timeout || got.TLS != want.TLS || got.Name != want.Name ||
		got.Quoted != want.Quoted || got.Copy != want.Copy || len(got.Headers) != 1 || got.Headers["${KEY}"] != "x-users" {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
}

// A quoted value stays a string after expansion, as its author wrote it.
func TestEnvExpansionQuotedStaysString(t *testing.T) {
	d := loadOne(t, header+"  port: \"${PORT}\"\n", Options{Env: mapEnv(map[string]string{"PORT": "8080"})})
	var spec struct {
		Port int `yaml:"port"`
	}
	err := d.DecodeSpec(&spec)
	want := `t.yaml:6:9: spec.port: expected an integer, got a string ("8080")`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestEnvNilLeavesValuesAlone(t *testing.T) {
	d := loadOne(t, header+"  url: ${URL}$$\n", Options{})
	var spec struct {
		URL string `yaml:"url"`
	}
	if err := d.DecodeSpec(&spec); err != nil {
		t.Fatal(err)
	}
	if spec.URL != "${URL}$$" {
		t.Errorf("URL = %q, want it unexpanded", spec.URL)
	}
}

func TestEnvErrors(t *testing.T) {
	env := mapEnv(nil)
	tests := []struct {
		name, text, want string
	}{
		{
			name: "unset in spec",
			text: header + "  url: http://${HOST}/\n",
			want: "t.yaml:6:8: spec.url: environment variable HOST is not set (write ${HOST:-default} to give a default)",
		},
		{
			name: "unset in a list in a map key path",
			text: header + "  headers:\n    x.y: [ok, \"${A\"]\n",
			want: `t.yaml:7:15: spec.headers["x.y"][1]: unterminated "${" (missing "}"); write "$$" for a literal "$"`,
		},
		{
			// The envelope checks do not report the unexpanded text
			// a second time.
			name: "unset in the envelope",
			text: "apiVersion: ${V}\nkind: Test\nmetadata:\n  name: ${NAME}\n",
			want: "t.yaml:1:13: apiVersion: environment variable V is not set (write ${V:-default} to give a default)\n" +
				"t.yaml:4:9: metadata.name: environment variable NAME is not set (write ${NAME:-default} to give a default)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := LoadBytes("t.yaml", []byte(tt.text), Options{Env: env})
			if err == nil || err.Error() != tt.want {
				t.Errorf("LoadBytes error =\n%v\nwant\n%s", err, tt.want)
			}
			if len(docs) != 0 {
				t.Errorf("LoadBytes returned %d documents with errors in them", len(docs))
			}
		})
	}
}
