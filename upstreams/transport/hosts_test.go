package transport_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/upstreams/hosts"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// host is one of an upstream's hosts: it counts the calls it gets (probes
// apart), answers probes of /healthz with 200 or, when sick, 503, and
// answers calls with 200 or, when failing, 500.
type host struct {
	*httptest.Server
	calls, probes atomic.Int64
	sick, failing atomic.Bool
	// lastCall is the last call's URI and Host header.
	mu       sync.Mutex
	lastCall string
}

func newHost(t *testing.T) *host {
	t.Helper()
	h := &host{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			h.probes.Add(1)
			if h.sick.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			return
		}
		h.calls.Add(1)
		h.mu.Lock()
		h.lastCall = r.Host + " " + r.RequestURI
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if h.failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(h.Close)
	return h
}

func newHosts(t *testing.T, n int) ([]*host, []string) {
	var hs []*host
	var urls []string
	for range n {
		h := newHost(t)
		hs = append(hs, h)
		urls = append(urls, h.URL)
	}
	return hs, urls
}

// calls makes n calls through c and returns the calls each host got.
func calls(t *testing.T, c *transport.Client, hs []*host, n int) []int64 {
	t.Helper()
	before := make([]int64, len(hs))
	for i, h := range hs {
		before[i] = h.calls.Load()
	}
	for range n {
		resp, err := c.Send(context.Background(), http.MethodGet, "http://upstream.invalid/items?page=2", http.Header{}, nil, "")
		if err == nil {
			resp.Release()
		}
	}
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.calls.Load() - before[i]
	}
	return out
}

// waitFor polls the client's host state until ok says it is reached. The
// states it waits for come from probes on a real clock, a few
// milliseconds apart; the deadline is far beyond them.
func waitFor(t *testing.T, c *transport.Client, what string, ok func(hosts.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := c.HostStats()
		if ok(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: hosts %+v", what, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func healthy(i int, want bool) func(hosts.Stats) bool {
	return func(st hosts.Stats) bool { return st.Hosts[i].Healthy == want }
}

func intp(n int) *int { return &n }

func fastChecks() *transport.HealthCheckOptions {
	return &transport.HealthCheckOptions{Path: "/healthz", CheckTiming: hosts.CheckTiming{
		Interval: 5 * time.Millisecond, Timeout: time.Second, HealthyThreshold: intp(2), UnhealthyThreshold: intp(2)}}
}

func TestEndpointsRoundRobin(t *testing.T) {
	hs, urls := newHosts(t, 3)
	c := newClient(t, transport.Options{Endpoints: urls})
	if got := calls(t, c, hs, 30); fmt.Sprint(got) != "[10 10 10]" {
		t.Fatalf("calls per host %v, want 10 each", got)
	}
	for _, h := range hs {
		u, _ := url.Parse(h.URL)
		if want := u.Host + " /items?page=2"; h.lastCall != want {
			t.Errorf("host got %q, want %q: the endpoint's host, the URL's path and query", h.lastCall, want)
		}
	}
	st := c.HostStats()
	if len(st.Hosts) != 3 || st.Hosts[1].Addr != urls[1] || st.Hosts[1].Successes != 10 || st.Usable != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHealthCheckAvoidsADownHost(t *testing.T) {
	hs, urls := newHosts(t, 3)
	hs[1].sick.Store(true)
	c := newClient(t, transport.Options{Endpoints: urls, HealthCheck: fastChecks()})
	waitFor(t, c, "host 1 unhealthy", healthy(1, false))
	if got := calls(t, c, hs, 20); got[1] != 0 || got[0]+got[2] != 20 {
		t.Fatalf("calls per host %v, want none to the unhealthy host", got)
	}
	hs[1].sick.Store(false)
	waitFor(t, c, "host 1 healthy again", healthy(1, true))
	if got := calls(t, c, hs, 30); got[1] != 10 {
		t.Fatalf("calls per host %v, want host 1 back in turn", got)
	}
	// A host that goes away altogether: its probes cannot connect.
	hs[2].Close()
	waitFor(t, c, "host 2 unhealthy", healthy(2, false))
	if got := calls(t, c, hs, 20); fmt.Sprint(got[:2]) != "[10 10]" {
		t.Fatalf("calls per host %v, want hosts 0 and 1 only", got)
	}
	if st := c.HostStats().Hosts[2]; !strings.Contains(st.LastProbeError, "connection refused") {
		t.Errorf("the closed host's last probe error: %q", st.LastProbeError)
	}
}

func TestHealthCheckExpectedStatuses(t *testing.T) {
	hs, urls := newHosts(t, 2)
	hc := fastChecks()
	hc.ExpectedStatuses = []int{http.StatusServiceUnavailable}
	hs[0].sick.Store(true)
	c := newClient(t, transport.Options{Endpoints: urls, HealthCheck: hc})
	// Only 503 is healthy here: host 1's 200 is not.
	waitFor(t, c, "host 1 unhealthy", healthy(1, false))
	if st := c.HostStats(); !st.Hosts[0].Healthy || st.Hosts[1].LastProbeError != "HTTP 200" {
		t.Fatalf("stats %+v", st)
	}
}

func TestPanicModeWhenEveryHostFailsItsChecks(t *testing.T) {
	hs, urls := newHosts(t, 3)
	for _, h := range hs {
		h.sick.Store(true)
	}
	c := newClient(t, transport.Options{Endpoints: urls, HealthCheck: fastChecks()})
	waitFor(t, c, "every host unhealthy", func(st hosts.Stats) bool { return st.Panic })
	if got := calls(t, c, hs, 30); fmt.Sprint(got) != "[10 10 10]" {
		t.Fatalf("calls per host %v: a check that fails everywhere must not stop the calls", got)
	}
}

func TestOutlierEjection(t *testing.T) {
	hs, urls := newHosts(t, 3)
	hs[1].failing.Store(true)
	c := newClient(t, transport.Options{Endpoints: urls, OutlierDetection: &hosts.OutlierDetection{
		ConsecutiveFailures: intp(3), BaseEjectionTime: time.Hour}})
	// Round robin: host 1 gets calls 2, 5 and 8, fails them all, and is
	// out for an hour.
	if got := calls(t, c, hs, 30); fmt.Sprint(got) != "[14 3 13]" {
		t.Fatalf("calls per host %v, want host 1 out after its third failure", got)
	}
	st := c.HostStats()
	if h := st.Hosts[1]; !h.Ejected || h.Ejections != 1 || h.Failures != 3 || st.Usable != 2 {
		t.Fatalf("stats %+v", st)
	}
	// A second host failing may not be ejected too: 2 of 3 is over 50%.
	hs[0].failing.Store(true)
	if got := calls(t, c, hs, 10); got[1] != 0 || got[0] != 5 {
		t.Fatalf("calls per host %v", got)
	}
	if h := c.HostStats().Hosts[0]; h.Ejected || h.EjectionsRefused != 1 {
		t.Fatalf("host 0: %+v", h)
	}
}

func TestEjectedHostReturns(t *testing.T) {
	hs, urls := newHosts(t, 2)
	hs[0].failing.Store(true)
	c := newClient(t, transport.Options{Endpoints: urls, OutlierDetection: &hosts.OutlierDetection{
		ConsecutiveFailures: intp(1), BaseEjectionTime: 20 * time.Millisecond}})
	calls(t, c, hs, 1)
	if !c.HostStats().Hosts[0].Ejected {
		t.Fatal("host 0 not ejected after its failure")
	}
	hs[0].failing.Store(false)
	waitFor(t, c, "host 0 back", func(st hosts.Stats) bool { return !st.Hosts[0].Ejected })
	if got := calls(t, c, hs, 10); fmt.Sprint(got) != "[5 5]" {
		t.Fatalf("calls per host %v, want host 0 back in turn", got)
	}
}

func TestWhatCountsAsAFailure(t *testing.T) {
	status := atomic.Int64{}
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	defer close(hold)
	c := newClient(t, transport.Options{Endpoints: []string{srv.URL}, Timeout: 100 * time.Millisecond,
		OutlierDetection: &hosts.OutlierDetection{ConsecutiveFailures: intp(1000)}})
	send := func(ctx context.Context, path string) {
		resp, err := c.Send(ctx, http.MethodGet, "http://x.invalid"+path, http.Header{}, nil, "")
		if err == nil {
			resp.Release()
		}
	}
	for _, tc := range []struct {
		name                string
		status              int
		path                string
		ctx                 func() (context.Context, context.CancelFunc)
		successes, failures uint64
	}{
		{"2xx", 200, "/", nil, 1, 0},
		{"404", 404, "/", nil, 1, 0},
		{"429", 429, "/", nil, 1, 0},
		{"500", 500, "/", nil, 0, 1},
		{"503", 503, "/", nil, 0, 1},
		{"the upstream's timeout", 200, "/hold", nil, 0, 1},
		{"the caller's deadline", 200, "/hold", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Millisecond)
		}, 0, 0},
	} {
		status.Store(int64(tc.status))
		before := c.HostStats().Hosts[0]
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if tc.ctx != nil {
			ctx, cancel = tc.ctx()
		}
		send(ctx, tc.path)
		cancel()
		after := c.HostStats().Hosts[0]
		if s, f := after.Successes-before.Successes, after.Failures-before.Failures; s != tc.successes || f != tc.failures {
			t.Errorf("%s: %d successes, %d failures; want %d, %d", tc.name, s, f, tc.successes, tc.failures)
		}
	}
}

func TestConnectionRefusedCounts(t *testing.T) {
	hs, urls := newHosts(t, 2)
	hs[1].Close()
	c := newClient(t, transport.Options{Endpoints: urls, OutlierDetection: &hosts.OutlierDetection{ConsecutiveFailures: intp(2)}})
	// Host 1 gets calls 2 and 4, both refused, and is out.
	if got := calls(t, c, hs, 10); got[0] != 8 {
		t.Fatalf("calls per host %v, want 8 to host 0", got)
	}
	if st := c.HostStats().Hosts[1]; !st.Ejected || st.Failures != 2 {
		t.Fatalf("host 1: %+v", st)
	}
}

// Identical reads merged in flight are one exchange: its outcome counts
// once, not once per caller.
func TestMergedExchangeReportsOnce(t *testing.T) {
	var hits atomic.Int64
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-gate
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c := newClient(t, transport.Options{Endpoints: []string{srv.URL}, Timeout: 5 * time.Second,
		OutlierDetection: &hosts.OutlierDetection{ConsecutiveFailures: intp(5)}})
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			resp, err := c.Send(context.Background(), http.MethodGet, "http://x.invalid/same", http.Header{}, nil, "GET /same")
			if err == nil {
				resp.Release()
			}
		})
	}
	// Wait for the one exchange to reach the server; the others join it.
	for hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	if st := c.HostStats().Hosts[0]; st.Failures != uint64(hits.Load()) || hits.Load() >= 10 {
		t.Fatalf("%d exchanges, %d failures reported; want one per exchange", hits.Load(), st.Failures)
	}
}

func TestOneHostWithoutEndpoints(t *testing.T) {
	hs, _ := newHosts(t, 2)
	hs[0].sick.Store(true)
	c := newClient(t, transport.Options{HealthCheck: fastChecks(), OutlierDetection: &hosts.OutlierDetection{ConsecutiveFailures: intp(1), MaxEjectionPercent: intp(100)}})
	if err := c.SetURL(hs[0].URL + "/v1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the host unhealthy", healthy(0, false))
	st := c.HostStats()
	if len(st.Hosts) != 1 || st.Hosts[0].Addr != hs[0].URL || !st.Panic {
		t.Fatalf("stats %+v", st)
	}
	// Unhealthy, then ejected: still the one host, so still called.
	hs[0].failing.Store(true)
	for range 3 {
		resp, err := c.Send(context.Background(), http.MethodGet, hs[0].URL+"/v1/x", http.Header{}, nil, "")
		if err == nil {
			resp.Release()
		}
	}
	if n := hs[0].calls.Load(); n != 3 {
		t.Fatalf("the one host got %d of 3 calls", n)
	}
	if h := c.HostStats().Hosts[0]; !h.Ejected || h.Failures != 3 {
		t.Fatalf("host: %+v", h)
	}
	// A call to another host (a SOAP port of its own) is not watched.
	resp, err := c.Send(context.Background(), http.MethodGet, hs[1].URL+"/x", http.Header{}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Release()
	if h := c.HostStats().Hosts[0]; h.Failures+h.Successes != 3 {
		t.Fatalf("a call elsewhere was counted: %+v", h)
	}
}

func TestNoHostsWithoutTheOptions(t *testing.T) {
	c := newClient(t, transport.Options{})
	if err := c.SetURL("http://x.invalid"); err != nil {
		t.Fatal(err)
	}
	if st := c.HostStats(); len(st.Hosts) != 0 {
		t.Fatalf("stats %+v", st)
	}
	if got := c.URL("http://x.invalid/graphql"); got != "http://x.invalid/graphql" {
		t.Fatalf("URL = %q", got)
	}
}

func TestURLPicksAnEndpoint(t *testing.T) {
	c := newClient(t, transport.Options{Endpoints: []string{"http://10.0.0.1:8080", "https://10.0.0.2"}})
	got := []string{c.URL("http://api.invalid/graphql?x=1"), c.URL("http://api.invalid/graphql?x=1")}
	if want := "[http://10.0.0.1:8080/graphql?x=1 https://10.0.0.2/graphql?x=1]"; fmt.Sprint(got) != want {
		t.Fatalf("URL = %v, want %s", got, want)
	}
}

func TestHostOptionErrors(t *testing.T) {
	hc := func(f func(*transport.HealthCheckOptions)) *transport.HealthCheckOptions {
		h := &transport.HealthCheckOptions{Path: "/healthz"}
		f(h)
		return h
	}
	for _, tc := range []struct {
		name string
		opts transport.Options
		path string
		msg  string
	}{
		{"ftp endpoint", transport.Options{Endpoints: []string{"http://a:1", "ftp://x"}},
			"spec.endpoints[1]", `"ftp://x" is not an http(s) URL`},
		{"no scheme", transport.Options{Endpoints: []string{"10.0.0.1:8080"}},
			"spec.endpoints[0]", `"10.0.0.1:8080" is not an http(s) URL`},
		{"a path", transport.Options{Endpoints: []string{"http://a:1/v1"}},
			"spec.endpoints[0]", `"http://a:1/v1": want scheme://host:port alone (the path comes from the kind's URL)`},
		{"a query", transport.Options{Endpoints: []string{"http://a:1?x=1"}},
			"spec.endpoints[0]", `"http://a:1?x=1": want scheme://host:port alone (the path comes from the kind's URL)`},
		{"a bad port", transport.Options{Endpoints: []string{"http://a:99999"}},
			"spec.endpoints[0]", `"http://a:99999": port "99999" is not a port number`},
		{"twice", transport.Options{Endpoints: []string{"http://a:1", "http://b:1", "http://A:1/"}},
			"spec.endpoints[2]", `"http://A:1/" is endpoints[0] again`},
		{"relative path", transport.Options{HealthCheck: hc(func(h *transport.HealthCheckOptions) { h.Path = "healthz" })},
			"spec.healthCheck.path", `"healthz": want a path from the host's root, such as /healthz`},
		{"bad status", transport.Options{HealthCheck: hc(func(h *transport.HealthCheckOptions) { h.ExpectedStatuses = []int{200, 700} })},
			"spec.healthCheck.expectedStatuses[1]", "700 is not an HTTP status"},
		{"negative interval", transport.Options{HealthCheck: hc(func(h *transport.HealthCheckOptions) { h.Interval = -time.Second })},
			"spec.healthCheck.interval", "-1s: must be positive"},
		{"zero threshold", transport.Options{HealthCheck: hc(func(h *transport.HealthCheckOptions) { h.UnhealthyThreshold = intp(0) })},
			"spec.healthCheck.unhealthyThreshold", "0: must be at least 1"},
		{"percent", transport.Options{OutlierDetection: &hosts.OutlierDetection{MaxEjectionPercent: intp(120)}},
			"spec.outlierDetection.maxEjectionPercent", "120 is not between 0 and 100"},
		{"failures", transport.Options{OutlierDetection: &hosts.OutlierDetection{ConsecutiveFailures: intp(0)}},
			"spec.outlierDetection.consecutiveFailures", "0: must be at least 1"},
	} {
		c, err := transport.New("test", tc.opts)
		if err == nil {
			c.Close()
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if p := transport.OptionPath(err); p != tc.path || err.Error() != tc.msg {
			t.Errorf("%s: %s: %v\nwant %s: %s", tc.name, p, err, tc.path, tc.msg)
		}
	}
}

func TestCloseStopsTheChecks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	hs, urls := newHosts(t, 3)
	c, err := transport.New("test", transport.Options{Endpoints: urls, HealthCheck: fastChecks()})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "three probes of each host", func(st hosts.Stats) bool {
		for _, h := range st.Hosts {
			if h.Probes < 3 {
				return false
			}
		}
		return true
	})
	c.Close()
	total := func() (n int64) {
		for _, h := range hs {
			n += h.probes.Load()
		}
		return n
	}
	// A probe Close cancelled in flight may still reach its server a
	// moment later, later still on a loaded machine: count from once the
	// servers have seen none for a while.
	before := total()
	for quiet, deadline := 0, time.Now().Add(5*time.Second); quiet < 3 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		if n := total(); n != before {
			before, quiet = n, 0
		} else {
			quiet++
		}
	}
	// Ten intervals: a probe still scheduled would have come.
	time.Sleep(50 * time.Millisecond)
	after := total()
	for _, h := range hs {
		h.Close()
	}
	if after != before {
		t.Fatalf("%d probes after Close", after-before)
	}
	goleak.VerifyNone(t, ignore)
}

// FuzzEndpoint feeds spec.endpoints any text: New either refuses it at
// spec.endpoints[0], or takes it as a scheme and host that every call's
// URL then carries, its own path and query kept.
func FuzzEndpoint(f *testing.F) {
	for _, s := range []string{"http://10.0.0.1:8080", "https://[::1]:443/", "ftp://x", "http://a:1/v1", "HTTP://Example.COM", "http://a:0", "http://@a", "http://a:1?", "//a:1", "http://a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := transport.New("fuzz", transport.Options{Endpoints: []string{raw}})
		if err != nil {
			if p := transport.OptionPath(err); p != "spec.endpoints[0]" {
				t.Fatalf("%q: error at %s: %v", raw, p, err)
			}
			return
		}
		defer c.Close()
		u, err := url.Parse(c.URL("http://placeholder.invalid/p/q?x=1"))
		if err != nil {
			t.Fatalf("%q: the call's URL does not parse: %v", raw, err)
		}
		want, _ := url.Parse(raw)
		if u.Scheme != want.Scheme || !strings.EqualFold(u.Host, want.Host) || u.Path != "/p/q" || u.RawQuery != "x=1" {
			t.Fatalf("%q: a call goes to %s", raw, u)
		}
		if st := c.HostStats(); len(st.Hosts) != 1 || st.Usable != 1 {
			t.Fatalf("%q: hosts %+v", raw, st)
		}
	})
}

// TestProbesCarryCredentials: a health endpoint behind the upstream's own
// credentials is probed with them (fixed ones and a query key), so hosts
// whose health path wants them stay healthy.
func TestProbesCarryCredentials(t *testing.T) {
	tests := []struct {
		name string
		auth *transport.AuthOptions
		ok   func(r *http.Request) bool
	}{
		{"bearer", &transport.AuthOptions{Bearer: &transport.BearerAuth{Token: "t0k"}},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer t0k" }},
		{"query key", &transport.AuthOptions{APIKey: &transport.APIKeyAuth{In: "query", Name: "key", Value: "k1"}},
			func(r *http.Request) bool { return r.URL.Query().Get("key") == "k1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var probes, refused atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				probes.Add(1)
				if !tt.ok(r) {
					refused.Add(1)
					w.WriteHeader(http.StatusUnauthorized)
				}
			}))
			defer srv.Close()
			c := newClient(t, transport.Options{Endpoints: []string{srv.URL}, HealthCheck: fastChecks(), Auth: tt.auth})
			for probes.Load() < 3 {
				time.Sleep(time.Millisecond)
			}
			if n := refused.Load(); n != 0 {
				t.Fatalf("%d probes came without the credentials", n)
			}
			if st := c.HostStats().Hosts[0]; !st.Healthy {
				t.Fatalf("host unhealthy: %q", st.LastProbeError)
			}
		})
	}
}
