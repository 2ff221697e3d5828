package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/api"
	"github.com/weft-gateway/weft/registry/store"
)

// request is one HTTP request to the API, as a client may send it.
type request struct {
	method      string
	query       string // the URL's query string
	contentType string
	body        string
	chunked     bool // send the body without a Content-Length
	auth        string
	accept      string
	upgrade     string
}

// send sends rq and returns its status, headers and decoded answer.
func (e *env) send(rq request) (int, http.Header, response) {
	e.t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
		if rq.chunked {
			body = struct{ io.Reader }{body} // no length the client can see
		}
	}
	target := e.url
	if rq.query != "" {
		target += "?" + rq.query
	}
	req, err := http.NewRequestWithContext(ctx(e.t), rq.method, target, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range map[string]string{"Content-Type": rq.contentType, "Authorization": rq.auth, "Accept": rq.accept, "Upgrade": rq.upgrade} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	if rq.upgrade != "" {
		req.Header.Set("Connection", "Upgrade")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	var r response
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r); err != nil {
			e.t.Fatalf("answer %d is not JSON: %v\n%s", resp.StatusCode, err, raw)
		}
	}
	r.status = resp.StatusCode
	return resp.StatusCode, resp.Header, r
}

// refusals returns the audit log's refusals, newest first.
func (e *env) refusals() []store.AuditEntry {
	e.t.Helper()
	no := false
	log, err := e.st.AuditLog(ctx(e.t), store.AuditFilter{Allowed: &no, Limit: store.MaxListLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	return log
}

func jsonBody(query string, vars map[string]any, operationName string) string {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars, "operationName": operationName})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestRequestRefusals sends the API each kind of request it refuses
// before the Service sees it: each is answered with its status and code,
// and audited as a refused request, by the token when it authenticates.
func TestRequestRefusals(t *testing.T) {
	e := newEnv(t, api.Options{MaxBodyBytes: 64 << 10, MaxComplexity: 40})
	post := func(body string) request {
		return request{method: http.MethodPost, contentType: "application/json", body: body}
	}
	with := func(rq request, f func(*request)) request { f(&rq); return rq }
	big := jsonBody(`mutation($in: PushInput!) { push(input: $in) { revision } }`, map[string]any{"in": map[string]any{
		"subject": "Upstream/pets", "files": []any{map[string]any{"path": "big", "content": strings.Repeat("x", 80<<10)}}}}, "")
	twoOps := `query A { revision } query B { revision }`
	tooComplex := `{ a: revision b: revision c: subjects { subject number author message time hash active composed }
		d: tokens { name created revoked scopes { action subject } } e: approvals(subject: "Upstream/pets") { subject coordinate class approvedBy reason time }
		f: history(subject: "Upstream/pets") { subject number author message time hash active composed files { path content encoding } }
		g: auditLog { id time actor action subject version allowed reason } }`

	for _, tt := range []struct {
		name   string
		rq     request
		status int
		code   string
		msg    string // the start of the client's message
		header [2]string
		reason string // the start of the audited reason; "" for no audit
		actor  string
	}{
		{"malformed JSON", post(`{"query": "{ revision }"`), 400, api.CodeBadRequest,
			"the body is not a JSON object of query, operationName, variables and extensions: unexpected EOF", [2]string{},
			"malformed JSON body: unexpected EOF", registry.Anonymous},
		{"malformed JSON with a token", with(post(`{"query": `), func(r *request) { r.auth = "Bearer " + e.reader }), 400, api.CodeBadRequest,
			"the body is not a JSON object", [2]string{}, "malformed JSON body: unexpected EOF", "dashboard"},
		{"malformed JSON with an invalid token", with(post(`{`), func(r *request) { r.auth = "Bearer letmein" }), 400, api.CodeBadRequest,
			"the body is not a JSON object", [2]string{},
			"malformed JSON body: unexpected EOF (with an invalid token: authenticate: malformed secret", registry.Anonymous},
		{"a batch", post(`[{"query": "{ revision }"}]`), 400, api.CodeBadRequest, "the body is not a JSON object", [2]string{},
			"malformed JSON body: json: cannot unmarshal array", registry.Anonymous},
		{"data after the object", post(`{"query": "{ revision }"} {}`), 400, api.CodeBadRequest, "the body is not a JSON object", [2]string{},
			"malformed JSON body: 2 bytes after the JSON value", registry.Anonymous},
		{"body over the limit", post(big), 413, string(registry.CodeBadInput), "the request body is larger than the limit of 65536 bytes", [2]string{},
			"body over the size limit of 65536 bytes: Content-Length", registry.Anonymous},
		{"chunked body over the limit", with(post(big), func(r *request) { r.chunked = true }), 413, string(registry.CodeBadInput),
			"the request body is larger than the limit of 65536 bytes", [2]string{}, "body over the size limit of 65536 bytes: more in the body", registry.Anonymous},
		{"query that does not parse", post(jsonBody(`{ revision`, nil, "")), 200, "GRAPHQL_PARSE_FAILED", "Expected Name", [2]string{},
			"query does not parse: Expected Name, found <EOF> (line 1, column 11)", registry.Anonymous},
		{"query that does not parse, GraphQL response accepted", with(post(jsonBody(`{ revision`, nil, "")), func(r *request) { r.accept = "application/graphql-response+json" }),
			400, "GRAPHQL_PARSE_FAILED", "Expected Name", [2]string{"Content-Type", "application/graphql-response+json"}, "query does not parse", registry.Anonymous},
		{"query that does not validate", post(jsonBody(`{ nope }`, nil, "")), 200, "GRAPHQL_VALIDATION_FAILED", `Cannot query field "nope"`, [2]string{},
			`query does not validate: Cannot query field "nope" on type "Query".`, registry.Anonymous},
		{"no query", post(`{}`), 200, "GRAPHQL_VALIDATION_FAILED", "no operation provided", [2]string{},
			"query does not validate: no operation provided", registry.Anonymous},
		{"unknown operation name", post(jsonBody(twoOps, nil, "C")), 200, "GRAPHQL_VALIDATION_FAILED", `the query has no operation named "C"`, [2]string{},
			`unknown operation: the query has no operation named "C"`, registry.Anonymous},
		{"no operation name", post(jsonBody(twoOps, nil, "")), 200, "GRAPHQL_VALIDATION_FAILED", "the query has 2 operations: name the one to run in operationName", [2]string{},
			"unknown operation: the query has 2 operations", registry.Anonymous},
		{"variables that do not validate", with(post(jsonBody(`query($n: Int!) { history(subject: "Upstream/pets", limit: $n) { number } }`, map[string]any{"n": "x"}, "")),
			func(r *request) { r.auth = "Bearer " + e.pusher }), 200, "GRAPHQL_VALIDATION_FAILED", "cannot use string as Int", [2]string{},
			"variables do not validate: ", "ci-pets"},
		{"too complex", post(jsonBody(tooComplex, nil, "")), 200, "COMPLEXITY_LIMIT_EXCEEDED", "operation has complexity", [2]string{},
			"operation too complex: operation has complexity", registry.Anonymous},
		{"mutation over GET", request{method: http.MethodGet, query: "query=" + url.QueryEscape(`mutation { revokeToken(name: "admin") }`)}, 405, api.CodeMethodNotAllowed,
			"GET requests can only run queries; send mutations with POST", [2]string{"Allow", "POST"}, "a mutation sent with GET", registry.Anonymous},
		{"GET with variables that are not JSON", request{method: http.MethodGet, query: "query=" + url.QueryEscape(`{ revision }`) + "&variables=%7B"}, 400, api.CodeBadRequest,
			"the variables parameter is not a JSON object: unexpected EOF", [2]string{}, "malformed variables parameter: unexpected EOF", registry.Anonymous},
		{"GET with a malformed query string", request{method: http.MethodGet, query: "query=%zz"}, 400, api.CodeBadRequest,
			"the query string is malformed", [2]string{}, "malformed query string: invalid URL escape", registry.Anonymous},
		{"PUT", request{method: http.MethodPut, contentType: "application/json", body: `{"query": "{ revision }"}`}, 405, api.CodeMethodNotAllowed,
			"method PUT is not allowed", [2]string{"Allow", "GET, POST, OPTIONS"}, "method PUT", registry.Anonymous},
		{"POST of text", request{method: http.MethodPost, contentType: "text/plain", body: "{ revision }"}, 415, api.CodeUnsupportedMediaType,
			"Content-Type text/plain is not supported", [2]string{"Accept-Post", "application/json"}, "POST of text/plain", registry.Anonymous},
		{"POST without a Content-Type", request{method: http.MethodPost, body: `{"query": "{ revision }"}`}, 415, api.CodeUnsupportedMediaType,
			"the request has no Content-Type", [2]string{}, "POST without a Content-Type", registry.Anonymous},
		{"websocket", request{method: http.MethodGet, upgrade: "websocket"}, 400, api.CodeBadRequest,
			"protocol upgrades (Upgrade: websocket) are not supported", [2]string{}, "protocol upgrade to websocket", registry.Anonymous},
		{"an argument out of bounds", post(jsonBody(`{ history(subject: "Upstream/pets", limit: 0) { number } }`, nil, "")), 200, string(registry.CodeBadInput),
			"limit 0: want 1 to 10000", [2]string{}, "bad input to history: limit 0", registry.Anonymous},
		{"an approval's life out of bounds", with(post(jsonBody(`mutation { approve(input: {subject: "Upstream/pets", coordinate: "Pet.tag", class: "FIELD_REMOVED", expiresIn: "2161h"}) { state } }`, nil, "")),
			func(r *request) { r.auth = "Bearer " + e.pusher }), 200, string(registry.CodeBadInput),
			`input.expiresIn "2161h": want a duration such as 168h, more than 0 and at most 2160h0m0s (90 days)`, [2]string{}, "bad input to approve: input.expiresIn", "ci-pets"},
		// Not a refusal: OPTIONS says what is served.
		{"OPTIONS", request{method: http.MethodOptions}, 204, "", "", [2]string{"Allow", "GET, POST, OPTIONS"}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.refusals())
			status, header, r := e.send(tt.rq)
			if status != tt.status || r.code() != tt.code || (tt.code != "" && !strings.HasPrefix(r.Errors[0].Message, tt.msg)) {
				t.Errorf("answer %d %+v; want %d %s %q", status, r.Errors, tt.status, tt.code, tt.msg)
			}
			if h := tt.header; h[0] != "" && !strings.HasPrefix(header.Get(h[0]), h[1]) {
				t.Errorf("%s: %q; want %q", h[0], header.Get(h[0]), h[1])
			}
			log := e.refusals()
			if tt.reason == "" {
				if len(log) != before {
					t.Errorf("audited %+v; want nothing", log[0])
				}
				return
			}
			if len(log) != before+1 {
				t.Fatalf("%d refusals audited; want 1", len(log)-before)
			}
			if a := log[0]; a.Action != registry.AuditRequest || a.Actor != tt.actor || !strings.HasPrefix(a.Reason, tt.reason) {
				t.Errorf("audited %+v; want a refused request by %q, reason %q", a, tt.actor, tt.reason)
			}
		})
	}
	if rev, _ := e.st.Revision(ctx(t)); rev != 3 {
		t.Errorf("revision = %d after refusals; want 3", rev)
	}
}

// TestReadsNeedAToken asks every field of the Query type, and the meta
// fields, with no token: each is refused and audited. A field added to
// the schema without a query here fails the test.
func TestReadsNeedAToken(t *testing.T) {
	e := newEnv(t, api.Options{})
	queries := map[string]string{
		"revision":   `{ revision }`,
		"subjects":   `{ subjects { subject } }`,
		"history":    `{ history(subject: "Upstream/pets") { number } }`,
		"version":    `{ version(subject: "Upstream/pets", number: 1) { number } }`,
		"diff":       `{ diff(subject: "Upstream/pets", from: 1, to: 1) { breaking } }`,
		"auditLog":   `{ auditLog(filter: {subject: "Upstream/pets"}) { id } }`,
		"usage":      `{ usage(virtualService: "api") { name } }`,
		"approvals":  `{ approvals(subject: "Upstream/pets") { class } }`,
		"tokens":     `{ tokens { name } }`,
		"__schema":   `{ __schema { queryType { name } } }`,
		"__type":     `{ __type(name: "Query") { name } }`,
		"__typename": `{ __typename }`,
	}
	schema := api.NewExecutableSchema(api.Config{Resolvers: &api.Resolver{}}).Schema()
	var fields []string
	for _, f := range schema.Query.Fields {
		fields = append(fields, f.Name)
		if queries[f.Name] == "" {
			t.Errorf("Query.%s has no query in this test: add one", f.Name)
		}
	}
	if !slices.Contains(fields, "revision") || !slices.Contains(fields, "__schema") {
		t.Fatalf("the schema's Query fields = %v; want revision and __schema among them", fields)
	}
	// The meta fields, reached through fragments.
	queries["__schema in a fragment"] = `{ ... on Query { __schema { queryType { name } } } }`
	queries["__typename in a named fragment"] = `query { ...F } fragment F on Query { __typename }`
	queries["__typename in a mutation"] = `mutation { __typename }`

	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			before := len(e.refusals())
			r := e.do("", q, nil)
			if r.code() != string(registry.CodeUnauthenticated) || r.Errors[0].Message != "a token is required: send it as Authorization: Bearer <token>" ||
				(len(r.Data) > 0 && string(r.Data) != "null") {
				t.Fatalf("%s with no token: %s %+v; want UNAUTHENTICATED and no data", q, r.Data, r.Errors)
			}
			log := e.refusals()
			action := registry.AuditRead
			if name == "tokens" {
				action = registry.AuditTokenList
			}
			if len(log) != before+1 || log[0].Actor != registry.Anonymous || log[0].Action != action || log[0].Reason != "no token" {
				t.Errorf("audited %+v; want one anonymous %s refused for no token", log[:len(log)-before], action)
			}
		})
	}
	// With a token that authenticates, introspection answers.
	var out struct {
		Schema   struct{ QueryType struct{ Name string } } `json:"__schema"`
		Typename string                                    `json:"__typename"`
	}
	e.ok(e.reader, `{ __schema { queryType { name } } __typename }`, nil, &out)
	if out.Schema.QueryType.Name != "Query" || out.Typename != "Query" {
		t.Errorf("introspection with a token = %+v", out)
	}
}

// TestRefusalFlood sends a thousand bad requests with no token: the audit
// log gets no more than the cap lets through (a burst of 100, then 20 a
// second), and entries that count the rest.
func TestRefusalFlood(t *testing.T) {
	e := newEnv(t, api.Options{})
	const flood = 1000
	bad := []request{
		{method: http.MethodPost, contentType: "application/json", body: `{"query": `},
		{method: http.MethodPost, contentType: "application/json", body: jsonBody(`{ nope }`, nil, "")},
		{method: http.MethodPut},
		{method: http.MethodPost, contentType: "application/json", body: jsonBody(`{ revision }`, nil, "")},
	}
	start := time.Now()
	for i := range flood {
		if status, _, r := e.send(bad[i%len(bad)]); status == http.StatusOK && r.code() != "GRAPHQL_VALIDATION_FAILED" && r.code() != string(registry.CodeUnauthenticated) {
			t.Fatalf("request %d answered %d %+v", i, status, r.Errors)
		}
	}
	elapsed := time.Since(start)
	// The count of what was dropped is written when the bucket refills,
	// within a twentieth of a second of the last drop.
	var written, dropped, summaries int
	deadline := time.Now().Add(10 * time.Second)
	for {
		written, dropped, summaries = 0, 0, 0
		for _, a := range e.refusals() {
			if a.Action == registry.AuditRefusalsDropped {
				var n int
				if _, err := fmt.Sscanf(a.Reason, "%d refusal(s) of anonymous requests", &n); err != nil {
					t.Fatalf("summary %q: %v", a.Reason, err)
				}
				dropped += n
				summaries++
			} else if a.Actor == registry.Anonymous {
				written++
			}
		}
		if written+dropped == flood || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d requests in %v: %d refusals written, %d counted in %d summaries", flood, elapsed.Round(time.Millisecond), written, dropped, summaries)
	if written+dropped != flood || summaries == 0 {
		t.Fatalf("%d written and %d counted as dropped in %d summaries; want %d in all, some dropped", written, dropped, summaries, flood)
	}
	// What the bucket allows by the time the summaries were read, with
	// one entry of slack for rounding: the summaries take from it too.
	allowed := registry.DefaultRefusalBurst + int(time.Since(start).Seconds()*registry.DefaultRefusalRate) + 1
	if written+summaries > allowed {
		t.Errorf("%d entries written; the cap allows %d", written+summaries, allowed)
	}
}
