package reviews_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/demo/reviews"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// observed records the endpoints a handler reports, safely across requests.
type observed struct {
	mu    sync.Mutex
	calls map[reviews.Endpoint]int
}

func (o *observed) observe(e reviews.Endpoint) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[e]++
}

func (o *observed) snapshot() map[reviews.Endpoint]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.calls)
}

func serve(t *testing.T, generated int) (string, *observed) {
	t.Helper()
	store, err := reviews.NewStore(generated)
	if err != nil {
		t.Fatal(err)
	}
	obs := &observed{calls: map[reviews.Endpoint]int{}}
	srv := httptest.NewServer(reviews.NewHandler(store, obs.observe))
	t.Cleanup(srv.Close)
	return srv.URL, obs
}

func do(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func upcList(n int) string {
	upcs := make([]string, n)
	for i := range upcs {
		upcs[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(upcs, ",")
}

const (
	table1 = `{"id":"r1","rating":5,"body":"Sturdy, handsome, and seats eight.","author":{"id":"u1","name":"Ada"}},
		{"id":"r2","rating":4,"body":"Took an evening to assemble, worth it.","author":{"id":"u2","name":"Grace"}}`
	couch1 = `{"id":"r3","rating":5,"body":"Deep seats, made for long naps.","author":{"id":"u3","name":"Alan"}}`
	chair  = `{"productUpc":"3","id":"r6","rating":4,"body":"Good back support for the price.","author":{"id":"u2","name":"Grace"}},
		{"productUpc":"3","id":"r7","rating":2,"body":"One leg was shorter than the others.","author":{"id":"u5","name":"Barbara"}}`
	tableItems = `{"productUpc":"1","id":"r1","rating":5,"body":"Sturdy, handsome, and seats eight.","author":{"id":"u1","name":"Ada"}},
		{"productUpc":"1","id":"r2","rating":4,"body":"Took an evening to assemble, worth it.","author":{"id":"u2","name":"Grace"}}`
)

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		want       string // JSON; empty means only the status and error shape are checked
		wantCall   reviews.Endpoint
	}{
		{"list", "GET", "/products/1/reviews", 200, `[` + table1 + `]`, reviews.EndpointList},
		{"list with limit", "GET", "/products/2/reviews?limit=1", 200, `[` + couch1 + `]`, reviews.EndpointList},
		{"list with limit above count", "GET", "/products/1/reviews?limit=50", 200, `[` + table1 + `]`, reviews.EndpointList},
		{"list with limit 0", "GET", "/products/1/reviews?limit=0", 200, `[]`, reviews.EndpointList},
		{"list without reviews", "GET", "/products/5/reviews", 200, `[]`, reviews.EndpointList},
		{"list of unknown product", "GET", "/products/999/reviews", 200, `[]`, reviews.EndpointList},
		{"list with bad limit", "GET", "/products/1/reviews?limit=two", 400, "", reviews.EndpointList},
		{"list with negative limit", "GET", "/products/1/reviews?limit=-1", 400, "", reviews.EndpointList},
		{"list with empty limit", "GET", "/products/1/reviews?limit=", 400, "", reviews.EndpointList},
		{"summary", "GET", "/products/1/reviews/summary", 200, `{"count":2,"average":4.5}`, reviews.EndpointSummary},
		{"summary rounds", "GET", "/products/2/reviews/summary", 200, `{"count":3,"average":4}`, reviews.EndpointSummary},
		{"summary without reviews", "GET", "/products/5/reviews/summary", 200, `{"count":0,"average":null}`, reviews.EndpointSummary},
		{"summary of unknown product", "GET", "/products/x/reviews/summary", 200, `{"count":0,"average":null}`, reviews.EndpointSummary},
		{"batch", "GET", "/reviews?upcs=3,1", 200, `{"items":[` + chair + `,` + tableItems + `]}`, reviews.EndpointBatch},
		{"batch ignores blanks and repeats", "GET", "/reviews?upcs=%201%20,1", 200, `{"items":[` + tableItems + `]}`, reviews.EndpointBatch},
		{"batch without reviews", "GET", "/reviews?upcs=5,999", 200, `{"items":[]}`, reviews.EndpointBatch},
		{"batch of the maximum", "GET", "/reviews?upcs=" + upcList(reviews.MaxBatch), 200, "", reviews.EndpointBatch},
		{"batch over the maximum", "GET", "/reviews?upcs=" + upcList(reviews.MaxBatch+1), 400, "", reviews.EndpointBatch},
		{"batch without upcs", "GET", "/reviews", 400, "", reviews.EndpointBatch},
		{"batch with empty upcs", "GET", "/reviews?upcs=", 400, "", reviews.EndpointBatch},
		{"batch with an empty entry", "GET", "/reviews?upcs=1,,2", 400, "", reviews.EndpointBatch},
		{"list wrong method", "POST", "/products/1/reviews", 405, "", ""},
		{"summary wrong method", "DELETE", "/products/1/reviews/summary", 405, "", ""},
		{"batch wrong method", "PUT", "/reviews?upcs=1", 405, "", ""},
		{"unknown route", "GET", "/users", 404, "", ""},
		{"product resource is not served", "GET", "/products/1", 404, "", ""},
		{"trailing slash", "GET", "/products/1/reviews/", 404, "", ""},
		{"unknown route any method", "POST", "/nope", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, obs := serve(t, 0)
			resp, body := do(t, tt.method, base+tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.want != "" {
				assertJSON(t, body, tt.want)
			}
			if tt.wantStatus >= 400 {
				var e reviews.ErrorResponse
				if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
					t.Errorf("error body %s is not {\"error\": \"...\"}", body)
				}
			}
			if tt.wantStatus == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", resp.Header.Get("Allow"))
			}
			want := map[reviews.Endpoint]int{}
			if tt.wantCall != "" {
				want[tt.wantCall] = 1
			}
			if got := obs.snapshot(); !reflect.DeepEqual(got, want) {
				t.Errorf("observed %v, want %v", got, want)
			}
		})
	}
}

func TestHead(t *testing.T) {
	base, _ := serve(t, 0)
	resp, body := do(t, "HEAD", base+"/products/1/reviews")
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD: status %d, %d body bytes", resp.StatusCode, len(body))
	}
}

func TestBatchMatchesList(t *testing.T) {
	const generated = 200
	base, _ := serve(t, generated)
	upcs := upcList(reviews.MaxBatch)
	_, body := do(t, "GET", base+"/reviews?upcs="+upcs)
	var batch reviews.BatchResponse
	if err := json.Unmarshal(body, &batch); err != nil {
		t.Fatal(err)
	}
	var fromLists []reviews.BatchItem
	for _, upc := range strings.Split(upcs, ",") {
		_, body := do(t, "GET", base+"/products/"+upc+"/reviews")
		var rs []reviews.Review
		if err := json.Unmarshal(body, &rs); err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			fromLists = append(fromLists, reviews.BatchItem{ProductUPC: upc, Review: r})
		}
	}
	if !reflect.DeepEqual(batch.Items, fromLists) {
		t.Errorf("batch of %d items differs from %d items listed one product at a time", len(batch.Items), len(fromLists))
	}
}

func TestGeneratedReviews(t *testing.T) {
	const n = 3000
	a, err := reviews.NewStore(n)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := reviews.NewStore(n)
	seedOnly, _ := reviews.NewStore(0)
	perCount := map[int]int{}
	ids := map[string]bool{}
	for i := 1; i <= 5+n+1; i++ {
		upc := strconv.Itoa(i)
		rs := a.Reviews(upc)
		if !reflect.DeepEqual(rs, b.Reviews(upc)) {
			t.Fatalf("product %s: two stores of the same size differ", upc)
		}
		if i <= 5 && !reflect.DeepEqual(rs, seedOnly.Reviews(upc)) {
			t.Errorf("product %s: seed reviews depend on the number generated", upc)
		}
		if i > 5 {
			perCount[len(rs)]++
		}
		for _, r := range rs {
			if ids[r.ID] {
				t.Errorf("duplicate review id %s", r.ID)
			}
			ids[r.ID] = true
			if r.Rating < 1 || r.Rating > 5 || r.Body == "" || r.Author.ID == "" || r.Author.Name == "" {
				t.Errorf("product %s: malformed review %+v", upc, r)
			}
		}
	}
	if got := perCount[0] + perCount[1] + perCount[2] + perCount[3]; got != n+1 {
		t.Errorf("%d generated products have 0-3 reviews, want all %d (and none past the end)", got, n+1)
	}
	for c := range 4 {
		if perCount[c] < n/10 {
			t.Errorf("only %d generated products have %d reviews", perCount[c], c)
		}
	}
	if len(a.Reviews(strconv.Itoa(5+n+1))) != 0 {
		t.Error("a product past the generated range has reviews")
	}
}

func TestNewStoreBounds(t *testing.T) {
	for _, n := range []int{-1, reviews.MaxGenerated + 1} {
		if _, err := reviews.NewStore(n); err == nil {
			t.Errorf("NewStore(%d) succeeded", n)
		}
	}
}

func TestParseUPCs(t *testing.T) {
	tests := []struct {
		raw     string
		want    []string
		wantErr bool
	}{
		{raw: "1", want: []string{"1"}},
		{raw: "1,2,3", want: []string{"1", "2", "3"}},
		{raw: " 3 , 1 ", want: []string{"3", "1"}},
		{raw: "2,1,2,1", want: []string{"2", "1"}},
		{raw: "", wantErr: true},
		{raw: ",", wantErr: true},
		{raw: "1,", wantErr: true},
		{raw: " ", wantErr: true},
		{raw: upcList(reviews.MaxBatch), want: strings.Split(upcList(reviews.MaxBatch), ",")},
		{raw: upcList(reviews.MaxBatch + 1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := reviews.ParseUPCs(tt.raw)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParseUPCs(f *testing.F) {
	for _, s := range []string{"1", "1,2,3", " 1 , 2", "1,,2", "", ",", "a,a,b", upcList(reviews.MaxBatch + 1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := reviews.ParseUPCs(raw)
		if err != nil {
			return
		}
		if len(got) == 0 || len(got) > reviews.MaxBatch {
			t.Fatalf("%q: %d upcs accepted", raw, len(got))
		}
		seen := map[string]bool{}
		for _, u := range got {
			if u == "" || u != strings.TrimSpace(u) || strings.Contains(u, ",") || seen[u] {
				t.Fatalf("%q: bad entry %q in %q", raw, u, got)
			}
			seen[u] = true
			if !strings.Contains(raw, u) {
				t.Fatalf("%q: entry %q not in the input", raw, u)
			}
		}
	})
}
