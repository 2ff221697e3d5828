package introspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2"
)

// recorder keeps what a test server received.
type recorder struct {
	mu       sync.Mutex
	queries  []string
	requests []*http.Request
}

func (r *recorder) record(req *http.Request) (string, error) {
	var body requestBody
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, body.Query)
	r.requests = append(r.requests, req)
	return body.Query, nil
}

// server starts a real HTTP server whose handler gets the decoded query.
func server(t *testing.T, handle func(w http.ResponseWriter, query string)) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query, err := rec.record(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		handle(w, query)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func reply(status int, contentType, body string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, _ string) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func TestFetch(t *testing.T) {
	answer := string(readFile(t, filepath.Join("testdata", "graphqljs", "shop.json")))
	srv, rec := server(t, reply(http.StatusOK, "application/graphql-response+json; charset=utf-8", answer))
	header := http.Header{"Authorization": {"Bearer t0ken"}, "X-Tenant": {"a", "b"}, "Host": {"upstream.internal"}}
	src, err := Fetch(context.Background(), srv.Client(), srv.URL+"/graphql", header, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if src.Name != srv.URL+"/graphql" {
		t.Errorf("source name %q", src.Name)
	}
	if want := string(readFile(t, filepath.Join("testdata", "golden", "shop.graphql"))); src.Input != want {
		t.Errorf("SDL differs from testdata/golden/shop.graphql:\n%s", src.Input)
	}
	if _, err := gqlparser.LoadSchema(src); err != nil {
		t.Errorf("SDL does not load: %v", err)
	}
	if len(rec.requests) != 1 {
		t.Fatalf("%d requests, want 1", len(rec.requests))
	}
	req := rec.requests[0]
	checks := []struct{ what, got, want string }{
		{"method", req.Method, http.MethodPost},
		{"Host", req.Host, "upstream.internal"},
		{"path", req.URL.Path, "/graphql"},
		{"query", rec.queries[0], Query},
		{"Content-Type", req.Header.Get("Content-Type"), "application/json"},
		{"Accept", req.Header.Get("Accept"), "application/graphql-response+json, application/json;q=0.9"},
		{"Authorization", req.Header.Get("Authorization"), "Bearer t0ken"},
		{"X-Tenant", strings.Join(req.Header.Values("X-Tenant"), ","), "a,b"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
}

// TestFetchFallback plays a server from before input value deprecation: it
// rejects includeDeprecated on args, as graphql-java before 19 did.
func TestFetchFallback(t *testing.T) {
	answer := string(readFile(t, filepath.Join("testdata", "graphqljs", "shop.json")))
	srv, rec := server(t, func(w http.ResponseWriter, query string) {
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(query, "args(includeDeprecated") {
			fmt.Fprint(w, `{"errors":[{"message":"Unknown argument \"includeDeprecated\" on field \"__Directive.args\"."}]}`)
			return
		}
		fmt.Fprint(w, answer)
	})
	src, err := Fetch(context.Background(), srv.Client(), srv.URL, nil, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.queries) != 2 || rec.queries[0] != Query || rec.queries[1] != QueryOctober2021 {
		t.Fatalf("queries sent: %d, want Query then QueryOctober2021", len(rec.queries))
	}
	if _, err := gqlparser.LoadSchema(src); err != nil {
		t.Errorf("SDL does not load: %v", err)
	}
}

func TestFetchErrors(t *testing.T) {
	big := `{"data":{"__schema":{"description":"` + strings.Repeat("x", 2000) + `"}}}`
	tests := []struct {
		name      string
		handle    func(http.ResponseWriter, string)
		maxBytes  int64
		wantIs    error
		wantAs    func(error) bool
		wantMsg   string
		wantAsked int // requests the server should see
	}{
		{
			name:      "server error with an HTML page",
			handle:    reply(http.StatusBadGateway, "text/html", "<h1>502 Bad Gateway</h1>"),
			wantAs:    func(err error) bool { var e *StatusError; return errors.As(err, &e) && e.StatusCode == 502 },
			wantMsg:   `HTTP status 502 (text/html): "<h1>502 Bad Gateway</h1>"`,
			wantAsked: 1,
		},
		{
			name:      "not found",
			handle:    reply(http.StatusNotFound, "text/plain", "404 page not found\n"),
			wantAs:    func(err error) bool { var e *StatusError; return errors.As(err, &e) && e.StatusCode == 404 },
			wantMsg:   "HTTP status 404",
			wantAsked: 1,
		},
		{
			name:   "400 with GraphQL errors, then again",
			handle: reply(http.StatusBadRequest, "application/graphql-response+json", `{"errors":[{"message":"GraphQL introspection is not allowed"}]}`),
			wantAs: func(err error) bool {
				var e *StatusError
				var se *ServerErrors
				return errors.As(err, &e) && e.StatusCode == 400 && errors.As(err, &se)
			},
			wantMsg:   "HTTP status 400: server answered with errors: GraphQL introspection is not allowed (asked again without deprecated arguments: HTTP status 400",
			wantAsked: 2,
		},
		{
			name:      "introspection disabled with status 200",
			handle:    reply(http.StatusOK, "application/json", `{"data":null,"errors":[{"message":"introspection disabled"}]}`),
			wantAs:    func(err error) bool { var se *ServerErrors; return errors.As(err, &se) },
			wantMsg:   "server answered with errors: introspection disabled",
			wantAsked: 2,
		},
		{
			name:      "HTML with status 200",
			handle:    reply(http.StatusOK, "text/html; charset=utf-8", "<!doctype html><title>Login</title>"),
			wantIs:    ErrNotJSON,
			wantMsg:   `(Content-Type "text/html; charset=utf-8")`,
			wantAsked: 1,
		},
		{
			name:      "body over the limit with a Content-Length",
			handle:    reply(http.StatusOK, "application/json", big),
			maxBytes:  1000,
			wantIs:    ErrTooLarge,
			wantMsg:   fmt.Sprintf("Content-Length %d is over the limit of 1000 bytes", len(big)),
			wantAsked: 1,
		},
		{
			name: "body over the limit, streamed",
			handle: func(w http.ResponseWriter, _ string) {
				w.Header().Set("Content-Type", "application/json")
				for i := 0; i < 4; i++ {
					fmt.Fprint(w, big[i*500:(i+1)*500])
					w.(http.Flusher).Flush() // no Content-Length: chunked
				}
			},
			maxBytes:  1000,
			wantIs:    ErrTooLarge,
			wantMsg:   "over the limit of 1000 bytes",
			wantAsked: 1,
		},
		{
			name:      "no __schema",
			handle:    reply(http.StatusOK, "application/json", `{"data":{}}`),
			wantIs:    ErrNoSchema,
			wantAsked: 1,
		},
		{
			name:      "malformed type reference",
			handle:    reply(http.StatusOK, "application/json", schemaJSONWith(`{"kind":"OBJECT","name":"Query","fields":[{"name":"f","type":{"kind":"NON_NULL","ofType":{"kind":"LIST"}}}]}`)),
			wantIs:    ErrMalformed,
			wantMsg:   "type Query: field f: type: NON_NULL of LIST of missing type reference",
			wantAsked: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := server(t, tt.handle)
			maxBytes := tt.maxBytes
			if maxBytes == 0 {
				maxBytes = 1 << 20
			}
			url := srv.URL + "/graphql"
			src, err := Fetch(context.Background(), srv.Client(), url, nil, maxBytes)
			if err == nil {
				t.Fatalf("no error; SDL:\n%s", src.Input)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q is not %v", err, tt.wantIs)
			}
			if tt.wantAs != nil && !tt.wantAs(err) {
				t.Errorf("error %q is not of the expected type", err)
			}
			if !strings.HasPrefix(err.Error(), "introspecting "+url+": ") {
				t.Errorf("error %q does not start by naming the URL", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if len(rec.queries) != tt.wantAsked {
				t.Errorf("server was asked %d times, want %d", len(rec.queries), tt.wantAsked)
			}
		})
	}
}

func TestFetchTransportErrors(t *testing.T) {
	t.Run("no positive limit", func(t *testing.T) {
		if _, err := Fetch(context.Background(), nil, "http://127.0.0.1:1", nil, 0); err == nil || !strings.Contains(err.Error(), "maxBytes") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("password kept out of errors", func(t *testing.T) {
		srv, _ := server(t, reply(http.StatusForbidden, "text/plain", "no"))
		url := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1)
		_, err := Fetch(context.Background(), srv.Client(), url, nil, 1<<20)
		if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "user:xxxxx@") {
			t.Fatalf("got %v, want an error naming the URL without its password", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		_, err := Fetch(context.Background(), nil, url, nil, 1<<20)
		if err == nil || !strings.Contains(err.Error(), url) {
			t.Fatalf("got %v, want an error naming %s", err, url)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		_, err := Fetch(ctx, srv.Client(), srv.URL, nil, 1<<20)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}
