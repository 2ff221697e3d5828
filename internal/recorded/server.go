package recorded

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Call is one request an upstream received, as a golden file records it.
type Call struct {
	// Upstream is the recording's name.
	Upstream string `json:"upstream"`
	// Request is "METHOD /path?query" (HTTP) or "package.Service/Method"
	// (gRPC).
	Request string `json:"request"`
	// Headers are the request's headers (gRPC metadata) the recording
	// names in recordHeaders, by the names it gives them.
	Headers map[string]string `json:"headers,omitempty"`
	// Query, Variables and OperationName are a GraphQL request's, the query
	// printed on one line.
	Query         string          `json:"query,omitempty"`
	Variables     json.RawMessage `json:"variables,omitempty"`
	OperationName string          `json:"operationName,omitempty"`
	// Body is the request's body: JSON as JSON (gRPC: the message as
	// protojson), anything else as a string.
	Body any `json:"body,omitempty"`
	// Arrived is when the server read the request, to put calls made one
	// after another in their order.
	Arrived time.Time `json:"-"`
}

// key orders calls: by upstream, then request, then everything else.
func (c Call) key() string {
	b, _ := json.Marshal(c)
	return c.Upstream + "\x00" + c.Request + "\x00" + string(b)
}

// SortCalls puts calls in a stable order, as they may arrive in any.
func SortCalls(calls []Call) {
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].key() < calls[j].key() })
}

// SortCallsByArrival puts calls in the order they arrived, for calls made
// one after another (the fields of a mutation).
func SortCallsByArrival(calls []Call) {
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].Arrived.Before(calls[j].Arrived) })
}

// Server is a running recorded upstream.
type Server interface {
	// Name is the recording's name.
	Name() string
	// Address is what a config names the upstream by: an http:// URL
	// without a trailing slash, or a gRPC host:port.
	Address() string
	// Calls returns the requests received since the last call of Calls,
	// and forgets them.
	Calls() []Call
	// Unexpected describes each request no exchange answered, and forgets
	// them.
	Unexpected() []string
	// Close stops the server; calls in flight are ended.
	Close()
}

// Start serves a recording: HTTP protocols on an httptest server, gRPC on
// a grpc-go server, both on a free loopback port. configDir is the
// directory a gRPC recording's proto.importPaths are relative to.
func Start(name string, u *Upstream, configDir string) (Server, error) {
	if u.Protocol == GRPC {
		return startGRPC(name, u, configDir)
	}
	return startHTTP(name, u)
}

// StartFile loads an Upstream file and serves it under the file's base
// name without its extension.
func StartFile(path, configDir string) (Server, error) {
	u, err := Load(path)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return Start(name, u, configDir)
}

// journal is what a server saw: its calls, and the requests it had no
// answer for, and how often each exchange answered.
type journal struct {
	mu         sync.Mutex
	calls      []Call
	unexpected []string
	uses       []int
}

func (j *journal) record(c Call) {
	c.Arrived = time.Now()
	j.mu.Lock()
	j.calls = append(j.calls, c)
	j.mu.Unlock()
}

func (j *journal) miss(s string) {
	j.mu.Lock()
	j.unexpected = append(j.unexpected, s)
	j.mu.Unlock()
}

func (j *journal) takeCalls() []Call {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := j.calls
	j.calls = nil
	return out
}

func (j *journal) takeUnexpected() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := j.unexpected
	j.unexpected = nil
	return out
}

// pick returns the first exchange that matches and still has uses, and
// counts the use; spent says whether an exchange matched whose uses were
// spent.
func (j *journal) pick(exchanges []*Exchange, matches func(*Exchange) bool) (e *Exchange, spent bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.uses == nil {
		j.uses = make([]int, len(exchanges))
	}
	for i, x := range exchanges {
		if !matches(x) {
			continue
		}
		if x.Times > 0 && j.uses[i] >= x.Times {
			spent = true
			continue
		}
		j.uses[i]++
		return x, false
	}
	return nil, spent
}

// recordedHeaders returns the named headers' values, read by get.
func recordedHeaders(names []string, get func(string) (string, bool)) map[string]string {
	var out map[string]string
	for _, n := range names {
		if v, ok := get(n); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[n] = v
		}
	}
	return out
}

// jsonBody returns a body as compact JSON when it is JSON, else as a
// string.
func jsonBody(b []byte) any {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if json.Valid(b) && json.Compact(&buf, b) == nil {
		return json.RawMessage(buf.Bytes())
	}
	return string(b)
}

// missMessage describes a request no exchange answered.
func missMessage(name, request string, headers map[string]string, body string, spent bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "upstream %s got a request its recording does not hold: %s", name, request)
	if len(headers) > 0 {
		keys := make([]string, 0, len(headers))
		for k := range headers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\n  %s: %s", k, headers[k])
		}
	}
	if body != "" {
		if len(body) > 2000 {
			body = body[:2000] + "..."
		}
		fmt.Fprintf(&b, "\n  body: %s", body)
	}
	if spent {
		b.WriteString("\n  (an exchange matched, but its times were used up)")
	}
	return b.String()
}
