package grpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/weft-gateway/weft/upstreams/hosts"
)

// Several hosts: one ClientConn per endpoint, picked by package hosts.
//
// grpc-go has both halves of the job inside a ClientConn, but neither
// fits. Its client-side health checking (a "healthCheckConfig" in the
// service config, with google.golang.org/grpc/health imported) watches
// each address over a Health/Watch stream with no interval or thresholds,
// keeps the verdict inside the balancer where metrics cannot read it, and
// has no panic mode: when every address reports NOT_SERVING (or the
// service name is mistyped) every call fails. Its outlier detection
// balancer (gRFC A50) lives under google.golang.org/grpc/internal/xds in
// v1.85 and registers only with the whole xDS client; it ejects on
// success rate and failure percentage, not on consecutive failures. So
// each endpoint gets its own ClientConn (connections, keep-alive and
// reconnection stay grpc-go's), and the hosts package picks between them,
// probing each with the standard grpc.health.v1.Health/Check.

// HealthCheckOptions configure the active health checks of a gRPC
// upstream's hosts: grpc.health.v1.Health/Check every interval, healthy
// when the answer is SERVING.
type HealthCheckOptions struct {
	// Service is the service name asked about (default "": the server as
	// a whole).
	Service           string `yaml:"service"`
	hosts.CheckTiming `yaml:",inline"`
}

// checkHosts validates endpoints, target, healthCheck and
// outlierDetection.
func checkHosts(g *GRPCOptions) *specError {
	switch {
	case g.Target == "" && len(g.Endpoints) == 0:
		return &specError{"spec.grpc", "set target (one server, or a name grpc-go resolves) or endpoints (host:port each)"}
	case g.Target != "" && len(g.Endpoints) > 0:
		return &specError{"spec.grpc.endpoints", "set target or endpoints, not both"}
	}
	seen := map[string]int{}
	for i, e := range g.Endpoints {
		path := "spec.grpc.endpoints[" + strconv.Itoa(i) + "]"
		host, port, err := net.SplitHostPort(e)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return &specError{path, fmt.Sprintf("%q is not host:port", e)}
		}
		if j, ok := seen[e]; ok {
			return &specError{path, fmt.Sprintf("%q is endpoints[%d] again", e, j)}
		}
		seen[e] = i
	}
	if hc := g.HealthCheck; hc != nil {
		if field, err := hc.Check(); err != nil {
			return &specError{"spec.grpc.healthCheck." + field, err.Error()}
		}
	}
	if od := g.OutlierDetection; od != nil {
		if field, err := od.Check(); err != nil {
			return &specError{"spec.grpc.outlierDetection." + field, err.Error()}
		}
	}
	return nil
}

// addresses are the upstream's hosts, one ClientConn each.
func (g *GRPCOptions) addresses() []string {
	if len(g.Endpoints) > 0 {
		return g.Endpoints
	}
	return []string{g.Target}
}

// startHosts builds the host set: always with endpoints, and for a target
// only when it is checked or watched (one host: for metrics only, see
// package hosts).
func (u *Upstream) startHosts(g *GRPCOptions, checking bool) error {
	if len(g.Endpoints) == 0 && g.HealthCheck == nil && g.OutlierDetection == nil {
		return nil
	}
	var opts hosts.Options
	if hc := g.HealthCheck; hc != nil && !checking {
		u.healthService = hc.Service
		opts.HealthCheck = hc.HealthCheck(u.probe)
	}
	if od := g.OutlierDetection; od != nil {
		opts.Outlier = od.Outlier()
	}
	set, err := hosts.New(g.addresses(), opts)
	if err != nil {
		return fmt.Errorf("upstream %s: %w", u.name, err)
	}
	u.hosts = set
	return nil
}

// probe asks one host's health service about the configured service.
// UNIMPLEMENTED (no health service) is a failure, as Envoy has it: the
// check was asked for, and panic mode keeps the calls going if every
// host lacks it.
func (u *Upstream) probe(ctx context.Context, h *hosts.Host) error {
	md := make(metadata.MD, len(u.opts.Headers))
	for k, v := range u.opts.Headers {
		md.Set(k, v)
	}
	resp, err := healthpb.NewHealthClient(u.conns[h.Index()]).Check(metadata.NewOutgoingContext(ctx, md),
		&healthpb.HealthCheckRequest{Service: u.healthService})
	if err != nil {
		return err
	}
	if st := resp.GetStatus(); st != healthpb.HealthCheckResponse_SERVING {
		return errors.New(st.String())
	}
	return nil
}

// pick returns the connection of the next call and the host to report its
// outcome to (nil when there is one connection and nothing watches it).
func (u *Upstream) pick() (*grpclib.ClientConn, *hosts.Host) {
	if u.hosts == nil {
		return u.conns[0], nil
	}
	h := u.hosts.Pick()
	return u.conns[h.Index()], h
}

// report records a call's outcome on its host. A call the caller gave up
// on (its context done: a deadline of its own, a cancelled hedge, every
// waiter of a merged call gone) says nothing of the host.
func (u *Upstream) report(h *hosts.Host, caller context.Context, err error) {
	if h == nil {
		return
	}
	if err == nil {
		u.hosts.Report(h, hosts.Success)
		return
	}
	if caller.Err() != nil {
		return
	}
	u.hosts.Report(h, outcome(err))
}

// outcome is what a failed call's status says of its host: the codes
// Envoy maps to a 5xx (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,
// INTERNAL, UNAVAILABLE, DATA_LOSS) are the host failing; the others
// (NOT_FOUND, INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...) are answers.
func outcome(err error) hosts.Outcome {
	switch status.Code(err) {
	case codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented, codes.Internal, codes.Unavailable, codes.DataLoss:
		return hosts.Failure
	}
	return hosts.Success
}

// HostStats returns the state of the upstream's hosts, for metrics: no
// Hosts for a target that is neither checked nor watched. It implements
// hosts.Reporter.
func (u *Upstream) HostStats() hosts.Stats {
	if u.hosts == nil {
		return hosts.Stats{}
	}
	return u.hosts.Stats()
}
