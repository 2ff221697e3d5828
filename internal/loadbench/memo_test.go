package loadbench

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// echo answers with its method, path, query and body, and a status taken
// from the X-Status request header; it counts its calls.
type echo struct{ calls atomic.Int64 }

func (e *echo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := e.calls.Add(1)
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Call", fmt.Sprint(n))
	if s := r.Header.Get("X-Status"); s != "" {
		var code int
		fmt.Sscan(s, &code)
		w.WriteHeader(code)
	}
	fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.RequestURI(), b)
}

type answer struct {
	status int
	header http.Header
	body   string
}

func send(t *testing.T, c *http.Client, method, url, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func TestMemo(t *testing.T) {
	type req struct {
		method, path, body string
		header             []string
		// wantCall is the X-Call the answer carries: which call of the
		// wrapped handler made it.
		wantCall string
	}
	tests := []struct {
		name string
		opts MemoOptions
		reqs []req
	}{
		{"same request answered once", MemoOptions{}, []req{
			{"POST", "/graphql", `{"query":"{a}"}`, nil, "1"},
			{"POST", "/graphql", `{"query":"{a}"}`, nil, "1"},
			{"POST", "/graphql", `{"query":"{a}"}`, []string{"X-Request-Id", "other"}, "1"}, // headers are not part of the key
		}},
		{"method, URL and body are the key", MemoOptions{}, []req{
			{"POST", "/graphql", `{"query":"{a}"}`, nil, "1"},
			{"POST", "/graphql", `{"query":"{b}"}`, nil, "2"},
			{"POST", "/graphql?x=1", `{"query":"{a}"}`, nil, "3"},
			{"PUT", "/graphql", `{"query":"{a}"}`, nil, "4"},
			{"GET", "/products/1/reviews", "", nil, "5"},
			{"GET", "/products/1/reviews", "", nil, "5"},
			{"GET", "/products/2/reviews", "", nil, "6"},
			{"POST", "/graphql", `{"query":"{b}"}`, nil, "2"},
		}},
		{"only 200 is kept", MemoOptions{}, []req{
			{"GET", "/x", "", []string{"X-Status", "503"}, "1"},
			{"GET", "/x", "", []string{"X-Status", "503"}, "2"},
			{"GET", "/y", "", []string{"X-Status", "201"}, "3"},
			{"GET", "/y", "", []string{"X-Status", "201"}, "4"},
		}},
		{"entries are bounded", MemoOptions{Entries: 2}, []req{
			{"GET", "/a", "", nil, "1"},
			{"GET", "/b", "", nil, "2"},
			{"GET", "/c", "", nil, "3"},
			{"GET", "/c", "", nil, "4"},
			{"GET", "/a", "", nil, "1"},
		}},
		{"large answers are not kept", MemoOptions{ResponseBytes: 20}, []req{
			{"POST", "/s", "short", nil, "1"},
			{"POST", "/s", "short", nil, "1"},
			{"POST", "/l", strings.Repeat("long", 10), nil, "2"},
			{"POST", "/l", strings.Repeat("long", 10), nil, "3"},
		}},
		{"large requests pass through whole", MemoOptions{RequestBytes: 8}, []req{
			{"POST", "/r", strings.Repeat("x", 100), nil, "1"},
			{"POST", "/r", strings.Repeat("x", 100), nil, "2"},
			{"POST", "/r", "12345678", nil, "3"},
			{"POST", "/r", "12345678", nil, "3"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &echo{}
			m := NewMemo(next, tt.opts)
			srv := httptest.NewServer(m)
			defer srv.Close()
			c := srv.Client()
			for i, r := range tt.reqs {
				got := send(t, c, r.method, srv.URL+r.path, r.body, r.header...)
				wantBody := fmt.Sprintf("%s %s %s", r.method, r.path, r.body)
				if got.body != wantBody {
					t.Errorf("request %d: body %q, want %q", i, got.body, wantBody)
				}
				if call := got.header.Get("X-Call"); call != r.wantCall {
					t.Errorf("request %d (%s %s): answered by call %s, want %s", i, r.method, r.path, call, r.wantCall)
				}
				if ct := got.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("request %d: Content-Type %q", i, ct)
				}
				if cl := got.header.Get("Content-Length"); cl != fmt.Sprint(len(wantBody)) {
					t.Errorf("request %d: Content-Length %q, want %d", i, cl, len(wantBody))
				}
			}
			st := m.Stats()
			if st.Hits+st.Misses != int64(len(tt.reqs)) || st.Misses != next.calls.Load() {
				t.Errorf("stats %+v after %d requests and %d calls", st, len(tt.reqs), next.calls.Load())
			}
			if max := tt.opts.withDefaults().Entries; st.Entries > max {
				t.Errorf("%d entries, bound %d", st.Entries, max)
			}
		})
	}
}

// TestMemoConcurrent sends the same requests from many goroutines (run it
// with -race): every answer is right, and the handler runs at most once per
// key and client before the answer is kept.
func TestMemoConcurrent(t *testing.T) {
	next := &echo{}
	srv := httptest.NewServer(NewMemo(next, MemoOptions{}))
	defer srv.Close()
	const clients, rounds, keys = 8, 20, 4
	var wg sync.WaitGroup
	for g := range clients {
		wg.Go(func() {
			for i := range rounds {
				path := fmt.Sprintf("/k%d", (g+i)%keys)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader([]byte("b")))
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := "POST " + path + " b"; string(b) != want {
					t.Errorf("body %q, want %q", b, want)
				}
			}
		})
	}
	wg.Wait()
	if n := next.calls.Load(); n < keys || n > keys*clients {
		t.Errorf("%d calls for %d keys from %d clients", n, keys, clients)
	}
}

// TestMemoDemoUpstreams puts the memo in front of the real demo servers:
// the second identical query is a hit with the same bytes.
func TestMemoDemoUpstreams(t *testing.T) {
	cat, rev, err := UpstreamHandlers(0, MemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	catSrv, revSrv := httptest.NewServer(cat), httptest.NewServer(rev)
	defer catSrv.Close()
	defer revSrv.Close()
	q := `{"query":"{ product(upc: \"1\") { upc name price } }"}`
	first := send(t, catSrv.Client(), "POST", catSrv.URL+"/graphql", q, "Content-Type", "application/json")
	second := send(t, catSrv.Client(), "POST", catSrv.URL+"/graphql", q, "Content-Type", "application/json")
	if first.status != 200 || first.body != `{"data":{"product":{"upc":"1","name":"Table","price":89900}}}` || second.body != first.body {
		t.Errorf("catalog answers %d %s then %s", first.status, first.body, second.body)
	}
	if st := cat.Stats(); st.Hits != 1 || st.Misses != 1 {
		t.Errorf("catalog memo %+v, want 1 hit and 1 miss", st)
	}
	r1 := send(t, revSrv.Client(), "GET", revSrv.URL+"/products/1/reviews", "")
	r2 := send(t, revSrv.Client(), "GET", revSrv.URL+"/products/1/reviews", "")
	if r1.status != 200 || !strings.HasPrefix(r1.body, `[{"id":"r1"`) || r2.body != r1.body {
		t.Errorf("reviews answers %d %s then %s", r1.status, r1.body, r2.body)
	}
	if st := rev.Stats(); st.Hits != 1 || st.Misses != 1 {
		t.Errorf("reviews memo %+v, want 1 hit and 1 miss", st)
	}
}
