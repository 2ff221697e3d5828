package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/hosts"
)

func TestBuildHostErrors(t *testing.T) {
	base := "  rest:\n    baseURL: http://reviews/v1\n"
	for _, tt := range []struct {
		name, spec, want string
	}{
		{"ftp endpoint", "  endpoints: [http://10.0.0.1:8080, \"ftp://x\"]\n" + base,
			`upstreams.yaml:6:37: spec.endpoints[1]: "ftp://x" is not an http(s) URL`},
		{"endpoint with a path", "  endpoints:\n    - http://10.0.0.1:8080/v1\n" + base,
			`upstreams.yaml:7:7: spec.endpoints[0]: "http://10.0.0.1:8080/v1": want scheme://host:port alone (the path comes from the kind's URL)`},
		{"endpoints not a list", "  endpoints: http://10.0.0.1\n" + base,
			`upstreams.yaml:6:14: spec.endpoints:`},
		{"no path", "  healthCheck: {interval: 5s}\n" + base,
			`upstreams.yaml:6:16: spec.healthCheck.path: missing required field`},
		{"bad duration", "  healthCheck: {path: /healthz, interval: 5 seconds}\n" + base,
			`upstreams.yaml:6:43: spec.healthCheck.interval:`},
		{"negative timeout", "  healthCheck:\n    path: /healthz\n    timeout: -1s\n" + base,
			`upstreams.yaml:8:14: spec.healthCheck.timeout: -1s: must be positive`},
		{"zero threshold", "  healthCheck:\n    path: /healthz\n    healthyThreshold: 0\n" + base,
			`upstreams.yaml:8:23: spec.healthCheck.healthyThreshold: 0: must be at least 1`},
		{"status", "  healthCheck:\n    path: /healthz\n    expectedStatuses: [200, 1000]\n" + base,
			`upstreams.yaml:8:29: spec.healthCheck.expectedStatuses[1]: 1000 is not an HTTP status`},
		{"a gRPC key", "  healthCheck: {path: /healthz, service: inventory}\n" + base,
			`upstreams.yaml:6:33: spec.healthCheck.service: unknown field "service"`},
		{"percent", "  outlierDetection:\n    maxEjectionPercent: 150\n" + base,
			`upstreams.yaml:7:25: spec.outlierDetection.maxEjectionPercent: 150 is not between 0 and 100`},
		{"failures", "  outlierDetection: {consecutiveFailures: 0}\n" + base,
			`upstreams.yaml:6:43: spec.outlierDetection.consecutiveFailures: 0: must be at least 1`},
		{"max under base", "  outlierDetection: {baseEjectionTime: 1m, maxEjectionTime: 30s}\n" + base,
			`upstreams.yaml:6:61: spec.outlierDetection.maxEjectionTime: 30s is shorter than baseEjectionTime (1m0s)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up, _, err := build(t, upstreamYAML(tt.spec))
			if err == nil {
				up.Close()
				t.Fatalf("Build succeeded, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to start with:\n%s", err, tt.want)
			}
		})
	}
}

// A REST upstream over three hosts, one failing its health checks and one
// failing its calls: the calls end up on the third, and the metrics see
// each host's state.
func TestRESTEndpoints(t *testing.T) {
	s := buildSchema(t)
	type server struct {
		*httptest.Server
		calls atomic.Int64
	}
	var srv [3]*server
	var urls []string
	for i := range srv {
		srv[i] = &server{}
		srv[i].Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/healthz" && i == 0:
				w.WriteHeader(http.StatusServiceUnavailable)
			case r.URL.Path == "/healthz":
			case r.URL.Path != "/v1/products/7":
				w.WriteHeader(http.StatusNotFound)
			case i == 1:
				srv[i].calls.Add(1)
				w.WriteHeader(http.StatusInternalServerError)
			default:
				srv[i].calls.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"upc":"7"}`))
			}
		}))
		t.Cleanup(srv[i].Close)
		urls = append(urls, srv[i].URL)
	}
	up := newUpstream(t, "http://reviews.invalid/v1", fmt.Sprintf(`  endpoints: [%s]
  healthCheck: {path: /healthz, interval: 5ms, unhealthyThreshold: 1}
  outlierDetection: {consecutiveFailures: 2, baseEjectionTime: 1h}
`, strings.Join(urls, ", ")))
	stats := up.(hosts.Reporter)
	deadline := time.Now().Add(10 * time.Second)
	for stats.HostStats().Hosts[0].Healthy {
		if time.Now().After(deadline) {
			t.Fatal("host 0 still healthy")
		}
		time.Sleep(2 * time.Millisecond)
	}
	ok := 0
	for range 10 {
		c := &upstreams.Call{Binding: binding(t, s, "Query", "product"), Scope: &tmpl.Scope{Args: map[string]any{"upc": "7"}}}
		if err := up.Prepare(c); err != nil {
			t.Fatal(err)
		}
		if res, err := up.Do(context.Background(), c); err == nil {
			ok++
			res.Release()
		}
	}
	if got := [3]int64{srv[0].calls.Load(), srv[1].calls.Load(), srv[2].calls.Load()}; got != [3]int64{0, 2, 8} || ok != 8 {
		t.Fatalf("calls per host %v, %d answered; want [0 2 8], 8", got, ok)
	}
	st := stats.HostStats()
	if st.Usable != 1 || !st.Hosts[1].Ejected || st.Hosts[1].Addr != urls[1] || st.Hosts[2].Successes != 8 {
		t.Fatalf("stats %+v", st)
	}
}
