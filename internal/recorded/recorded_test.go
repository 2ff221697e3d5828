package recorded

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/dynamicpb"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// write writes files below a new temporary folder and returns it.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func start(t *testing.T, recording string, files map[string]string) Server {
	t.Helper()
	if files == nil {
		files = map[string]string{}
	}
	files["up.yaml"] = recording
	dir := write(t, files)
	s, err := StartFile(filepath.Join(dir, "up.yaml"), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func do(t *testing.T, method, url, contentType, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLoadRefusesMistakes(t *testing.T) {
	tests := []struct{ recording, want string }{
		{"protocol: ftp\n", `protocol "ftp"`},
		{"protocol: rest\nexchanges:\n  - request: /x\n", `want "METHOD /path?query"`},
		{"protocol: rest\nexchanges:\n  - request: get /x\n", `want "METHOD /path?query"`},
		{"protocol: rest\nexchanges:\n  - request: GET /x\n    fault: explode\n", `fault "explode"`},
		{"protocol: rest\nexchanges:\n  - request: GET /x\n    fault: delay soon\n", `want "delay 300ms"`},
		{"protocol: rest\nexchanges:\n  - request: GET /x\n    response: {body: 1, raw: '2'}\n", "at most one of body, raw and file"},
		{"protocol: rest\nexchanges:\n  - request: GET /x\n    response: {file: missing.json}\n", "response.file"},
		{"protocol: rest\nexchanges:\n  - request: GET /x\n    query: '{ a }'\n", "query and variables are for graphql"},
		{"protocol: graphql\nexchanges:\n  - query: '{ a '\n", "query:"},
		{"protocol: rest\nexchanges:\n  - request: GET /x\n    respons: {}\n", "field respons not found"},
		{"protocol: grpc\n", "needs proto.files"},
		{"protocol: grpc\nproto: {files: [a.proto]}\nexchanges:\n  - request: a.B/C\n    fault: drop\n", "gRPC recordings know hang and delay"},
		{"protocol: grpc\nproto: {files: [a.proto]}\nexchanges:\n  - request: a.B/C\n    response: {code: NOPE}\n", "not a gRPC code name"},
		{"protocol: rest\nexchanges:\n  - request: GET /x\n    response: {code: NOT_FOUND}\n", "response.code is a gRPC status"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			dir := write(t, map[string]string{"up.yaml": tt.recording})
			_, err := Load(filepath.Join(dir, "up.yaml"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestBodyMatches(t *testing.T) {
	tests := []struct {
		name        string
		want        any
		body        string
		contentType string
		match       bool
	}{
		{"json members in any order", map[string]any{"a": 1, "b": []any{"x"}}, `{"b":["x"],"a":1.0}`, "application/json", true},
		{"json differs", map[string]any{"a": 1}, `{"a":2}`, "application/json", false},
		{"json extra member", map[string]any{"a": 1}, `{"a":1,"b":2}`, "application/json", false},
		{"json string", "abc", `"abc"`, "application/json", true},
		{"not json", map[string]any{"a": 1}, `{a:1}`, "application/json", false},
		{"xml prefixes and space", `<e:Envelope xmlns:e="urn:env"><e:Body><q xmlns="urn:x"><a>1</a></q></e:Body></e:Envelope>`,
			"<?xml version=\"1.0\"?>\n<soap:Envelope xmlns:soap=\"urn:env\">\n <soap:Body><ns1:q xmlns:ns1=\"urn:x\"><ns1:a> 1 </ns1:a></ns1:q></soap:Body></soap:Envelope>", "text/xml; charset=utf-8", true},
		{"xml other namespace", `<q xmlns="urn:x"><a>1</a></q>`, `<q xmlns="urn:y"><a>1</a></q>`, "text/xml", false},
		{"xml other text", `<q><a>1</a></q>`, `<q><a>2</a></q>`, "application/soap+xml", false},
		{"form fields in any order", "b=2&a=1&a=3", "a=1&b=2&a=3", "application/x-www-form-urlencoded", true},
		{"form values in another order", "a=1&a=3", "a=3&a=1", "application/x-www-form-urlencoded", false},
		{"text", "hello", "hello", "text/plain", true},
		{"text differs", "hello", "hello ", "text/plain", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bodyMatches(tt.want, []byte(tt.body), tt.contentType); got != tt.match {
				t.Fatalf("bodyMatches = %v, want %v", got, tt.match)
			}
		})
	}
}

func TestNormalizeQuery(t *testing.T) {
	a, err := NormalizeQuery("{\n  product(upc: \"1\") {\n    name\n  }\n}")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NormalizeQuery(`query { product(upc: "1") { name } }`)
	if a != b || a != `query { product(upc: "1") { name } }` {
		t.Fatalf("%q and %q", a, b)
	}
	c, _ := NormalizeQuery(`{ product(upc: "1") { price } }`)
	if c == a {
		t.Fatal("different selections normalize alike")
	}
}

func TestHTTPAnswersAndRecords(t *testing.T) {
	s := start(t, `protocol: rest
recordHeaders: [X-Tenant]
exchanges:
  - request: GET /items?b=2&a=1
    headers: {X-Tenant: acme}
    response: {body: {id: 1}}
  - request: POST /items
    body: {name: lamp}
    times: 1
    response: {status: 201, headers: {Location: /items/2}, raw: "created"}
  - request: POST /items
    body: {name: lamp}
    response: {status: 409, file: conflict.json}
`, map[string]string{"conflict.json": `{"error":"exists"}`})

	if code, body := do(t, "GET", s.Address()+"/items?a=1&b=2", "", "", "X-Tenant", "acme"); code != 200 || body != `{"id":1}` {
		t.Fatalf("GET: %d %s", code, body)
	}
	if code, body := do(t, "POST", s.Address()+"/items", "application/json", `{"name": "lamp"}`); code != 201 || body != "created" {
		t.Fatalf("first POST: %d %s", code, body)
	}
	if code, body := do(t, "POST", s.Address()+"/items", "application/json", `{"name":"lamp"}`); code != 409 || body != `{"error":"exists"}` {
		t.Fatalf("second POST: %d %s", code, body)
	}
	// The wrong tenant matches nothing: an error answer, reported.
	if code, _ := do(t, "GET", s.Address()+"/items?a=1&b=2", "", "", "X-Tenant", "other"); code != 500 {
		t.Fatalf("unmatched GET: %d", code)
	}
	un := s.Unexpected()
	if len(un) != 1 || !strings.Contains(un[0], "GET /items?a=1&b=2") || !strings.Contains(un[0], "X-Tenant: other") {
		t.Fatalf("unexpected = %q", un)
	}
	calls := s.Calls()
	SortCalls(calls)
	got, _ := json.Marshal(calls)
	want := `[{"upstream":"up","request":"GET /items?a=1\u0026b=2","headers":{"X-Tenant":"acme"}},` +
		`{"upstream":"up","request":"GET /items?a=1\u0026b=2","headers":{"X-Tenant":"other"}},` +
		`{"upstream":"up","request":"POST /items","body":{"name":"lamp"}},` +
		`{"upstream":"up","request":"POST /items","body":{"name":"lamp"}}]`
	if string(got) != want {
		t.Fatalf("calls\n got %s\nwant %s", got, want)
	}
	if len(s.Calls()) != 0 || len(s.Unexpected()) != 0 {
		t.Fatal("Calls and Unexpected do not forget what they returned")
	}
}

func TestHTTPSpentExchangeIsNamed(t *testing.T) {
	s := start(t, "protocol: rest\nexchanges:\n  - request: GET /once\n    times: 1\n    response: {body: 1}\n", nil)
	do(t, "GET", s.Address()+"/once", "", "")
	if code, _ := do(t, "GET", s.Address()+"/once", "", ""); code != 500 {
		t.Fatalf("second call: %d", code)
	}
	if un := s.Unexpected(); len(un) != 1 || !strings.Contains(un[0], "times were used up") {
		t.Fatalf("unexpected = %q", un)
	}
}

func TestGraphQLMatchesQueryAndVariables(t *testing.T) {
	s := start(t, `protocol: graphql
exchanges:
  - query: 'query ($u: ID!) { product(upc: $u) { name } }'
    variables: {u: "1"}
    response: {body: {data: {product: {name: Table}}}}
`, nil)
	code, body := do(t, "POST", s.Address()+"/graphql", "application/json",
		`{"query":"query($u:ID!){product(upc:$u){name}}","variables":{"u":"1"}}`)
	if code != 200 || body != `{"data":{"product":{"name":"Table"}}}` {
		t.Fatalf("%d %s", code, body)
	}
	if code, _ := do(t, "POST", s.Address()+"/graphql", "application/json",
		`{"query":"query($u:ID!){product(upc:$u){name}}","variables":{"u":"2"}}`); code != 500 {
		t.Fatalf("other variables: %d", code)
	}
	calls := s.Calls()
	if len(calls) != 2 || calls[0].Query != `query ($u: ID!) { product(upc: $u) { name } }` || string(calls[0].Variables) != `{"u":"1"}` {
		t.Fatalf("calls = %+v", calls)
	}
	if un := s.Unexpected(); len(un) != 1 || !strings.Contains(un[0], `"u":"2"`) {
		t.Fatalf("unexpected = %q", un)
	}
}

func TestHTTPFaults(t *testing.T) {
	s := start(t, `protocol: rest
exchanges:
  - request: GET /slow
    fault: delay 50ms
    response: {body: {ok: true}}
  - request: GET /hang
    fault: hang
  - request: GET /drop
    fault: drop
  - request: GET /garbage
    fault: garbage
    response: {body: {name: a long enough name}}
  - request: GET /wrong
    fault: wrong-types
    response: {body: {name: abc, n: 1}}
`, nil)
	begin := time.Now()
	if code, body := do(t, "GET", s.Address()+"/slow", "", ""); code != 200 || body != `{"ok":true}` || time.Since(begin) < 50*time.Millisecond {
		t.Fatalf("slow: %d %s after %s", code, body, time.Since(begin))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.Address()+"/hang", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("hang answered")
	}
	if resp, err := http.Get(s.Address() + "/drop"); err == nil {
		resp.Body.Close()
		t.Fatal("drop answered")
	}
	if _, body := do(t, "GET", s.Address()+"/garbage", "", ""); json.Valid([]byte(body)) || !strings.HasPrefix(body, `{"name":`) {
		t.Fatalf("garbage: %s", body)
	}
	if _, body := do(t, "GET", s.Address()+"/wrong", "", ""); body != `{"n":"1","name":3}` {
		t.Fatalf("wrong types: %s", body)
	}
}

func TestDownResetsConnections(t *testing.T) {
	s := start(t, "protocol: rest\ndown: true\nexchanges: []\n", nil)
	resp, err := http.Get(s.Address() + "/x")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a down upstream answered")
	}
	if len(s.Calls()) != 0 {
		t.Fatal("a reset connection counted as a call")
	}
}

const testProto = `syntax = "proto3";
package t.v1;
import "google/protobuf/timestamp.proto";
service Stock {
  rpc Get(GetRequest) returns (Item);
  rpc Watch(GetRequest) returns (stream Item);
}
message GetRequest { string id = 1; repeated string tags = 2; }
message Item { string id = 1; int64 count = 2; google.protobuf.Timestamp at = 3; }
`

func TestGRPCAnswersAndRecords(t *testing.T) {
	s := start(t, `protocol: grpc
proto: {files: [t/v1/stock.proto], importPaths: [protos]}
recordHeaders: [x-caller]
exchanges:
  - request: t.v1.Stock/Get
    body: {id: a, tags: [x, y]}
    response: {body: {id: a, count: "9", at: "2024-01-02T03:04:05Z"}}
  - request: t.v1.Stock/Get
    body: {id: gone}
    response: {code: NOT_FOUND, message: no item gone}
  - request: t.v1.Stock/Get
    body: {id: slow}
    fault: hang
`, map[string]string{"protos/t/v1/stock.proto": testProto})
	srv := s.(*grpcServer)
	conn, err := grpc.NewClient(s.Address(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	md := srv.methods["t.v1.Stock/Get"]
	call := func(ctx context.Context, reqJSON string) (string, error) {
		req := dynamicpb.NewMessage(md.Input())
		if err := protojson.Unmarshal([]byte(reqJSON), req); err != nil {
			t.Fatal(err)
		}
		resp := dynamicpb.NewMessage(md.Output())
		if err := conn.Invoke(ctx, "/t.v1.Stock/Get", req, resp); err != nil {
			return "", err
		}
		b, _ := protojson.Marshal(resp)
		var v any
		_ = json.Unmarshal(b, &v)
		out, _ := json.Marshal(v)
		return string(out), nil
	}
	got, err := call(context.Background(), `{"tags":["x","y"],"id":"a"}`)
	if err != nil || got != `{"at":"2024-01-02T03:04:05Z","count":"9","id":"a"}` {
		t.Fatalf("Get a: %s, %v", got, err)
	}
	if _, err := call(context.Background(), `{"id":"gone"}`); status.Code(err) != codes.NotFound || status.Convert(err).Message() != "no item gone" {
		t.Fatalf("Get gone: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := call(ctx, `{"id":"slow"}`); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("Get slow: %v", err)
	}
	if _, err := call(context.Background(), `{"id":"b"}`); status.Code(err) != codes.Unimplemented {
		t.Fatalf("Get b: %v", err)
	}
	if err := conn.Invoke(context.Background(), "/t.v1.Other/Get", dynamicpb.NewMessage(md.Input()), dynamicpb.NewMessage(md.Output())); status.Code(err) != codes.Unimplemented {
		t.Fatalf("unknown method: %v", err)
	}
	un := s.Unexpected()
	if len(un) != 2 || !strings.Contains(un[0], `t.v1.Stock/Get`) || !strings.Contains(un[0], `"id":"b"`) || !strings.Contains(un[1], "t.v1.Other/Get") {
		t.Fatalf("unexpected = %q", un)
	}
	if calls := s.Calls(); len(calls) != 5 {
		t.Fatalf("%d calls, want 5", len(calls))
	}
}

func TestGRPCRecordingIsCheckedAtStart(t *testing.T) {
	tests := []struct{ exchange, want string }{
		{"  - request: t.v1.Stock/Nope\n", "no method t.v1.Stock/Nope"},
		{"  - request: t.v1.Stock/Watch\n", "streams"},
		{"  - request: t.v1.Stock/Get\n    body: {idd: a}\n", "body:"},
		{"  - request: t.v1.Stock/Get\n    response: {body: {count: many}}\n", "response.body:"},
		{"  - request: t.v1.Stock/Get\n    response: {status: 200}\n", "body, code and message"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			dir := write(t, map[string]string{
				"up.yaml":                 "protocol: grpc\nproto: {files: [t/v1/stock.proto], importPaths: [protos]}\nexchanges:\n" + tt.exchange,
				"protos/t/v1/stock.proto": testProto,
			})
			s, err := StartFile(filepath.Join(dir, "up.yaml"), dir)
			if err == nil {
				s.Close()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
