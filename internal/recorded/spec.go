// Package recorded serves recorded upstream answers over real protocol
// servers, for end-to-end tests: an httptest server for REST, GraphQL and
// SOAP upstreams, and a grpc-go server on loopback for gRPC upstreams,
// whose messages are dynamic (the .proto compiled at start). Each server
// answers the exchanges of one Upstream file, written by hand:
//
//	protocol: rest
//	exchanges:
//	  - request: GET /products/1/reviews?limit=2
//	    response:
//	      body: [{id: r1, rating: 5}]
//	  - request: GET /products/2/reviews
//	    fault: hang
//
// A request is answered by the first exchange it matches whose uses are
// not spent; a request that matches none gets an error answer (HTTP 500,
// gRPC UNIMPLEMENTED) and is reported by Server.Unexpected, so a test
// fails loudly when the code under test sends something new. Every request
// that arrives is logged as a Call, in a form meant for golden files.
package recorded

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Protocols an Upstream file may name.
const (
	REST    = "rest"
	GraphQL = "graphql"
	SOAP    = "soap"
	GRPC    = "grpc"
)

// Upstream is one upstream's recording, as its file holds it.
type Upstream struct {
	// Protocol is rest, graphql, soap or grpc.
	Protocol string `yaml:"protocol"`
	// Down makes the server reset every connection it accepts, as a host
	// that is down does (the caller reads "connection reset by peer").
	Down bool `yaml:"down"`
	// RecordHeaders names the request headers (gRPC metadata) each Call
	// keeps, for a golden file to pin what was forwarded.
	RecordHeaders []string `yaml:"recordHeaders"`
	// Proto says where the gRPC service's .proto files are: Files named as
	// imports name them, below ImportPaths, which are relative to the
	// directory given to Start.
	Proto *Proto `yaml:"proto"`
	// Exchanges are the recorded requests and their answers, tried in
	// order.
	Exchanges []*Exchange `yaml:"exchanges"`

	// dir is the directory of the file, which response files are relative
	// to.
	dir string
}

// Proto locates .proto files.
type Proto struct {
	Files       []string `yaml:"files"`
	ImportPaths []string `yaml:"importPaths"`
}

// Exchange is one recorded request and its answer.
type Exchange struct {
	// Request is "METHOD /path?query" for HTTP protocols (GraphQL: default
	// "POST /graphql"), and "package.Service/Method" for gRPC. The query's
	// parameters match in any order.
	Request string `yaml:"request"`
	// Headers must be present in the request (gRPC: metadata) with these
	// values; names are not case-sensitive.
	Headers map[string]string `yaml:"headers"`
	// Body, when set, must equal the request's body: for a JSON body (and
	// gRPC, whose request is read as protojson) a JSON value written as
	// YAML, compared as JSON; for an XML body (SOAP) a string compared as
	// XML (namespaces by URI, not prefix; white space between elements and
	// around text ignored); for a form body a string of its fields, in any
	// order; any other body, a string compared as it is.
	Body any `yaml:"body"`
	// Query (GraphQL) must equal the operation sent, once both are parsed
	// and printed on one line; Variables, when set, its variables as JSON.
	Query     string `yaml:"query"`
	Variables any    `yaml:"variables"`
	// Times, when positive, is how many requests the exchange answers;
	// later ones go to the next exchange that matches.
	Times int `yaml:"times"`
	// Fault makes the answer misbehave: "hang" (never answer), "delay
	// 300ms" (answer after that long), "drop" (reset the connection
	// without an answer), "reset" (send half the answer, then reset),
	// "garbage" (half the answer's body, with the full Content-Length),
	// "wrong-types" (the answer's JSON or XML values with other types).
	// gRPC knows hang and delay.
	Fault string `yaml:"fault"`
	// Response is the answer.
	Response Response `yaml:"response"`

	fault fault
	// line is the exchange's line in its file, for messages.
	line int
}

// Response is a recorded answer.
type Response struct {
	// Status is the HTTP status (default 200).
	Status int `yaml:"status"`
	// Headers are sent with the answer. Content-Type defaults to
	// application/json for Body, to the file's type for File (.json,
	// .xml), and to application/json or text/plain for Raw, as it parses.
	Headers map[string]string `yaml:"headers"`
	// Body is a JSON value written as YAML (gRPC: the response message as
	// protojson). Raw is a body sent as it is; File a file holding it,
	// relative to the recording's file. At most one of the three.
	Body any    `yaml:"body"`
	Raw  string `yaml:"raw"`
	File string `yaml:"file"`
	// Code and Message are a gRPC status: the code's name (NOT_FOUND) and
	// its message. A Code other than OK is sent instead of Body.
	Code    string `yaml:"code"`
	Message string `yaml:"message"`
}

// fault is an Exchange's Fault, parsed.
type fault struct {
	kind  string
	delay time.Duration
}

// Load reads an Upstream file.
func Load(path string) (*Upstream, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("recorded: %w", err)
	}
	var u Upstream
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&u); err != nil {
		return nil, fmt.Errorf("recorded: %s: %w", path, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err == nil {
		lines := exchangeLines(&root)
		for i, e := range u.Exchanges {
			if i < len(lines) {
				e.line = lines[i]
			}
		}
	}
	u.dir = filepath.Dir(path)
	if err := u.check(); err != nil {
		return nil, fmt.Errorf("recorded: %s: %w", path, err)
	}
	return &u, nil
}

// exchangeLines returns the line of each item of the exchanges list.
func exchangeLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "exchanges" {
			var out []int
			for _, item := range m.Content[i+1].Content {
				out = append(out, item.Line)
			}
			return out
		}
	}
	return nil
}

// check validates the recording, so a mistake in it is reported at once
// rather than as a request that matches nothing.
func (u *Upstream) check() error {
	switch u.Protocol {
	case REST, GraphQL, SOAP:
	case GRPC:
		if u.Proto == nil || len(u.Proto.Files) == 0 {
			return fmt.Errorf("a grpc recording needs proto.files")
		}
	default:
		return fmt.Errorf("protocol %q: want rest, graphql, soap or grpc", u.Protocol)
	}
	for _, e := range u.Exchanges {
		where := fmt.Sprintf("exchange at line %d", e.line)
		if e.Request == "" && u.Protocol == GraphQL {
			e.Request = "POST /graphql"
		}
		if e.Request == "" {
			return fmt.Errorf("%s: missing request", where)
		}
		if u.Protocol == GRPC {
			if strings.Count(e.Request, "/") != 1 || strings.ContainsAny(e.Request, " ?") {
				return fmt.Errorf("%s: request %q: want package.Service/Method", where, e.Request)
			}
		} else if m, target, ok := strings.Cut(e.Request, " "); !ok || m != strings.ToUpper(m) || !strings.HasPrefix(target, "/") {
			return fmt.Errorf("%s: request %q: want \"METHOD /path?query\"", where, e.Request)
		}
		if (e.Query != "" || e.Variables != nil) && u.Protocol != GraphQL {
			return fmt.Errorf("%s: query and variables are for graphql recordings", where)
		}
		if e.Query != "" {
			if _, err := NormalizeQuery(e.Query); err != nil {
				return fmt.Errorf("%s: query: %w", where, err)
			}
		}
		f, err := parseFault(e.Fault)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if u.Protocol == GRPC && f.kind != "" && f.kind != "hang" && f.kind != "delay" {
			return fmt.Errorf("%s: fault %q: gRPC recordings know hang and delay", where, e.Fault)
		}
		e.fault = f
		r := &e.Response
		n := 0
		for _, set := range []bool{r.Body != nil, r.Raw != "", r.File != ""} {
			if set {
				n++
			}
		}
		if n > 1 {
			return fmt.Errorf("%s: response: at most one of body, raw and file", where)
		}
		if r.File != "" {
			if _, err := os.Stat(filepath.Join(u.dir, r.File)); err != nil {
				return fmt.Errorf("%s: response.file: %w", where, err)
			}
		}
		if r.Code != "" && u.Protocol != GRPC {
			return fmt.Errorf("%s: response.code is a gRPC status", where)
		}
		if r.Code != "" {
			if _, ok := codeByName(r.Code); !ok {
				return fmt.Errorf("%s: response.code %q is not a gRPC code name", where, r.Code)
			}
		}
		if u.Protocol != GRPC {
			if _, isString := e.Body.(string); e.Body != nil && !isString && u.Protocol == SOAP {
				return fmt.Errorf("%s: body: a SOAP body is XML text", where)
			}
		}
	}
	return nil
}

func parseFault(s string) (fault, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "hang", "drop", "reset", "garbage", "wrong-types":
		return fault{kind: s}, nil
	}
	if rest, ok := strings.CutPrefix(s, "delay "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d <= 0 {
			return fault{}, fmt.Errorf("fault %q: want \"delay 300ms\"", s)
		}
		return fault{kind: "delay", delay: d}, nil
	}
	return fault{}, fmt.Errorf("fault %q: want hang, delay DURATION, drop, reset, garbage or wrong-types", s)
}

// bodyBytes returns the answer's body and its default content type.
func (u *Upstream) bodyBytes(r *Response) ([]byte, string, error) {
	switch {
	case r.File != "":
		b, err := os.ReadFile(filepath.Join(u.dir, r.File))
		if err != nil {
			return nil, "", fmt.Errorf("recorded: %w", err)
		}
		switch strings.ToLower(filepath.Ext(r.File)) {
		case ".json":
			return b, "application/json", nil
		case ".xml":
			return b, "text/xml; charset=utf-8", nil
		}
		return b, "text/plain; charset=utf-8", nil
	case r.Raw != "":
		if json.Valid([]byte(r.Raw)) {
			return []byte(r.Raw), "application/json", nil
		}
		return []byte(r.Raw), "text/plain; charset=utf-8", nil
	case r.Body != nil:
		b, err := json.Marshal(jsonable(r.Body))
		if err != nil {
			return nil, "", fmt.Errorf("recorded: response body: %w", err)
		}
		return b, "application/json", nil
	}
	return nil, "", nil
}

// jsonable turns what YAML decoded into values encoding/json writes:
// maps with keys other than strings (YAML allows `1: x`) get string keys.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonable(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[fmt.Sprint(k)] = jsonable(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonable(x)
		}
		return out
	}
	return v
}
