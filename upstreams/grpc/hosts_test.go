package grpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/schema"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/hosts"
)

// kitchens starts n Kitchen servers that serve the health service too.
func kitchens(t *testing.T, n int) ([]*grpctest.Server, []*health.Server, []string) {
	t.Helper()
	var ss []*grpctest.Server
	var hs []*health.Server
	var addrs []string
	for range n {
		h := health.NewServer()
		s := startKitchen(t, grpctest.Options{Health: h})
		ss, hs, addrs = append(ss, s), append(hs, h), append(addrs, s.Addr())
	}
	return ss, hs, addrs
}

// buildOver builds the kitchen upstream with these lines under spec.grpc
// (indented four spaces) and no target of its own.
func buildOver(t *testing.T, grpcLines string) (*grpcup.Upstream, *schema.Schema) {
	t.Helper()
	spec := "  grpc:\n    proto: {files: [" + grpctest.ProtoFile + "]}\n" + grpcLines
	u, info, err := buildIn(t, protoDir(t), upstreamYAML(spec))
	if err != nil {
		t.Fatalf("upstream does not build: %v", err)
	}
	return u, bindGenerated(t, info)
}

func endpointsLine(addrs []string) string {
	return "    endpoints: [" + strings.Join(addrs, ", ") + "]\n"
}

// waitHosts polls the upstream's host state until ok; the states come from
// probes a few milliseconds apart, the deadline is far beyond them.
func waitHosts(t *testing.T, u *grpcup.Upstream, what string, ok func(hosts.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok(u.HostStats()) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %+v", what, u.HostStats())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// getItems makes n GetItem calls and returns the calls each server got.
func getItems(t *testing.T, u *grpcup.Upstream, sch *schema.Schema, ss []*grpctest.Server, n int) []int64 {
	t.Helper()
	before := make([]int64, len(ss))
	for i, s := range ss {
		before[i] = s.Calls("GetItem")
	}
	for i := range n {
		res, err := u.Do(context.Background(), prepare(t, u, sch, "Query", "getItem", map[string]any{"id": fmt.Sprint("i", i)}))
		if err == nil {
			res.Release()
		}
	}
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = s.Calls("GetItem") - before[i]
	}
	return out
}

const fastGRPCChecks = "    healthCheck: {interval: 5ms, unhealthyThreshold: 1}\n"

func TestGRPCEndpointsAvoidANotServingHost(t *testing.T) {
	ss, hs, addrs := kitchens(t, 3)
	hs[1].SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	u, sch := buildOver(t, endpointsLine(addrs)+fastGRPCChecks)
	waitHosts(t, u, "host 1 unhealthy", func(st hosts.Stats) bool { return !st.Hosts[1].Healthy })
	if got := getItems(t, u, sch, ss, 20); got[1] != 0 || got[0]+got[2] != 20 {
		t.Fatalf("calls per server %v, want none to the NOT_SERVING one", got)
	}
	if st := u.HostStats(); st.Hosts[1].LastProbeError != "NOT_SERVING" || st.Hosts[1].Addr != addrs[1] {
		t.Fatalf("stats %+v", st)
	}
	hs[1].SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	waitHosts(t, u, "host 1 healthy again", func(st hosts.Stats) bool { return st.Hosts[1].Healthy })
	if got := getItems(t, u, sch, ss, 30); fmt.Sprint(got) != "[10 10 10]" {
		t.Fatalf("calls per server %v, want host 1 back in turn", got)
	}
}

func TestGRPCHealthCheckOfAService(t *testing.T) {
	ss, hs, addrs := kitchens(t, 2)
	for _, h := range hs {
		h.SetServingStatus(grpctest.Service, healthpb.HealthCheckResponse_SERVING)
	}
	hs[0].SetServingStatus(grpctest.Service, healthpb.HealthCheckResponse_NOT_SERVING)
	u, sch := buildOver(t, endpointsLine(addrs)+"    healthCheck: {service: "+grpctest.Service+", interval: 5ms}\n")
	waitHosts(t, u, "host 0 unhealthy", func(st hosts.Stats) bool { return !st.Hosts[0].Healthy })
	if got := getItems(t, u, sch, ss, 6); fmt.Sprint(got) != "[0 6]" {
		t.Fatalf("calls per server %v", got)
	}
}

func TestGRPCPanicModeWhenNoHostServes(t *testing.T) {
	ss, hs, addrs := kitchens(t, 2)
	for _, h := range hs {
		h.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	}
	u, sch := buildOver(t, endpointsLine(addrs)+fastGRPCChecks)
	waitHosts(t, u, "no host usable", func(st hosts.Stats) bool { return st.Panic })
	if got := getItems(t, u, sch, ss, 6); fmt.Sprint(got) != "[3 3]" {
		t.Fatalf("calls per server %v: a check failing everywhere must not stop the calls", got)
	}
}

func TestGRPCOutlierEjection(t *testing.T) {
	ss, _, addrs := kitchens(t, 3)
	ss[1].Close()
	u, sch := buildOver(t, endpointsLine(addrs)+"    outlierDetection: {consecutiveFailures: 2, baseEjectionTime: 1h}\n")
	// Server 1 gets calls 2 and 5, both UNAVAILABLE, and is out.
	if got := getItems(t, u, sch, ss, 10); got[0]+got[2] != 8 {
		t.Fatalf("calls per server %v, want 8 answered by the others", got)
	}
	st := u.HostStats()
	if h := st.Hosts[1]; !h.Ejected || h.Failures != 2 || st.Usable != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGRPCWhatCountsAsAFailure(t *testing.T) {
	_, _, addrs := kitchens(t, 1)
	u, sch := buildOver(t, endpointsLine(addrs)+"    outlierDetection: {consecutiveFailures: 1000}\n")
	for _, tc := range []struct {
		code    int
		failure bool
	}{
		{0, false}, {5, false}, {3, false}, {7, false}, {8, false}, {9, false},
		{2, true}, {12, true}, {13, true}, {14, true}, {15, true},
	} {
		before := u.HostStats().Hosts[0]
		res, err := u.Do(context.Background(), prepare(t, u, sch, "Query", "fail", map[string]any{"code": tc.code, "message": "m"}))
		if err == nil {
			res.Release()
		} else if tc.code == 0 {
			t.Fatal(err)
		}
		after := u.HostStats().Hosts[0]
		if f, s := after.Failures-before.Failures, after.Successes-before.Successes; f+s != 1 || (f == 1) != tc.failure {
			t.Errorf("code %d: %d failures, %d successes; want a failure: %v", tc.code, f, s, tc.failure)
		}
	}
	// A caller that gives up says nothing of the host.
	before := u.HostStats().Hosts[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := u.Do(ctx, prepare(t, u, sch, "Query", "slow", map[string]any{"millis": 10000})); err == nil {
		t.Fatal("a slow call did not time out")
	}
	if after := u.HostStats().Hosts[0]; after.Failures != before.Failures || after.Successes != before.Successes {
		t.Fatalf("the caller's deadline was counted: %+v", after)
	}
}

func TestGRPCStreamsPickToo(t *testing.T) {
	ss, hs, addrs := kitchens(t, 3)
	hs[2].SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	u, sch := buildOver(t, endpointsLine(addrs)+fastGRPCChecks)
	waitHosts(t, u, "host 2 unhealthy", func(st hosts.Stats) bool { return !st.Hosts[2].Healthy })
	for range 6 {
		st, err := u.Stream(context.Background(), prepare(t, u, sch, "Subscription", "watch", map[string]any{"count": 2}))
		if err != nil {
			t.Fatal(err)
		}
		for {
			res, err := st.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			res.Release()
		}
		st.Close()
	}
	got := []int64{ss[0].Calls("Watch"), ss[1].Calls("Watch"), ss[2].Calls("Watch")}
	if fmt.Sprint(got) != "[3 3 0]" {
		t.Fatalf("streams per server %v", got)
	}
	if st := u.HostStats(); st.Hosts[0].Successes != 3 || st.Hosts[1].Successes != 3 {
		t.Fatalf("stats %+v: want each ended stream counted once", st)
	}
}

// With a target, the target is the one host: its check shows in the
// stats, and cannot stop a call.
func TestGRPCTargetChecked(t *testing.T) {
	ss, hs, addrs := kitchens(t, 1)
	hs[0].SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	u, sch := buildOver(t, "    target: "+addrs[0]+"\n"+fastGRPCChecks)
	waitHosts(t, u, "the target unhealthy", func(st hosts.Stats) bool { return st.Panic })
	if got := getItems(t, u, sch, ss, 3); got[0] != 3 {
		t.Fatalf("%d of 3 calls made", got[0])
	}
	if h := u.HostStats().Hosts[0]; h.Addr != addrs[0] || h.Successes != 3 {
		t.Fatalf("host %+v", h)
	}
}

func TestGRPCTargetAloneHasNoHosts(t *testing.T) {
	_, _, addrs := kitchens(t, 1)
	u, _ := buildOver(t, "    target: "+addrs[0]+"\n")
	if st := u.HostStats(); len(st.Hosts) != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGRPCHostErrors(t *testing.T) {
	proto := "    proto: {files: [" + grpctest.ProtoFile + "]}\n"
	for _, tt := range []struct {
		name, grpc, want string
	}{
		{"neither", proto, `up.yaml:5:3: spec.grpc: set target (one server, or a name grpc-go resolves) or endpoints (host:port each)`},
		{"both", "    target: a:1\n    endpoints: [b:1]\n" + proto, `up.yaml:7:16: spec.grpc.endpoints: set target or endpoints, not both`},
		{"not host:port", "    endpoints: [a:1, \"dns:///b\"]\n" + proto, `up.yaml:6:22: spec.grpc.endpoints[1]: "dns:///b" is not host:port`},
		{"no port", "    endpoints: [a]\n" + proto, `up.yaml:6:17: spec.grpc.endpoints[0]: "a" is not host:port`},
		{"twice", "    endpoints: [a:1, b:1, a:1]\n" + proto, `up.yaml:6:27: spec.grpc.endpoints[2]: "a:1" is endpoints[0] again`},
		{"a path", "    endpoints: [a:1]\n    healthCheck: {path: /healthz}\n" + proto, `up.yaml:7:19: spec.grpc.healthCheck.path: unknown field "path"`},
		{"timeout", "    endpoints: [a:1]\n    healthCheck: {timeout: -1s}\n" + proto, `up.yaml:7:28: spec.grpc.healthCheck.timeout: -1s: must be positive`},
		{"threshold", "    endpoints: [a:1]\n    healthCheck: {unhealthyThreshold: 0}\n" + proto, `up.yaml:7:39: spec.grpc.healthCheck.unhealthyThreshold: 0: must be at least 1`},
		{"percent", "    endpoints: [a:1]\n    outlierDetection: {maxEjectionPercent: 101}\n" + proto, `up.yaml:7:44: spec.grpc.outlierDetection.maxEjectionPercent: 101 is not between 0 and 100`},
		{"duration", "    endpoints: [a:1]\n    outlierDetection: {baseEjectionTime: soon}\n" + proto, `up.yaml:7:42: spec.grpc.outlierDetection.baseEjectionTime:`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := buildIn(t, protoDir(t), upstreamYAML("  grpc:\n"+tt.grpc))
			// The file's path is a temporary directory's.
			if err == nil || !strings.Contains(err.Error(), "/up.yaml:") || !strings.HasPrefix(err.Error()[strings.LastIndex(err.Error(), "/up.yaml:")+1:], tt.want) {
				t.Fatalf("error:\n%v\nwant it to end in:\n%s", err, tt.want)
			}
		})
	}
}
