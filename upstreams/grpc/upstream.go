// Package grpc is the gRPC upstream kind: a gRPC server whose methods
// fields bind to with @grpc. Its descriptors come from .proto files
// compiled at load (no protoc), a FileDescriptorSet, or the server's
// reflection service; requests are built from templates in protojson form
// and sent as dynamic messages over one ClientConn, and answers come back
// as protojson, the value model every kind shares.
package grpc

import (
	"sync"
	"time"

	"github.com/valyala/fastjson"
	grpclib "google.golang.org/grpc"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/hosts"
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// Spec is the spec of a grpc Upstream resource.
type Spec struct {
	Options `yaml:",inline"`
	GRPC    GRPCOptions `yaml:"grpc" weft:"required"`
}

// Options are the options every call of the upstream has.
type Options struct {
	// Timeout bounds one call (default 10s); a binding's timeout and the
	// request's deadline may cut it shorter.
	Timeout time.Duration `yaml:"timeout"`
	// Headers are metadata added to every call.
	Headers map[string]string `yaml:"headers"`
	// ForwardHeaders are client request headers sent as metadata.
	ForwardHeaders []string `yaml:"forwardHeaders"`
	// TLS makes the connection TLS; without it the connection is plaintext.
	TLS *transport.TLSOptions `yaml:"tls"`
	// MergeInFlight lets identical reads (methods imported as Query
	// fields) in flight at the same moment, from different client
	// requests, share one call (default true). Identical means the same
	// method, request message and forwarded headers.
	MergeInFlight *bool `yaml:"mergeInFlight"`
	// ExposeErrors shows clients a failed call's status message and
	// details (default false: the gRPC code only; the log gets the rest
	// with the request id).
	ExposeErrors bool `yaml:"exposeErrors"`
}

// GRPCOptions are the grpc-specific options.
type GRPCOptions struct {
	// Target is the server: "host:port", or a name grpc-go resolves
	// ("dns:///inventory:443" balances over the name's addresses). Set
	// exactly one of Target and Endpoints.
	Target string `yaml:"target"`
	// Endpoints are the upstream's hosts, host:port each, one ClientConn
	// each (see hosts.go for why not one balancer). Every call, streams
	// included, goes to one of them, picked round robin over those
	// healthy and not ejected.
	Endpoints []string `yaml:"endpoints"`
	// HealthCheck probes every host with grpc.health.v1.Health/Check.
	// With a target, the target is the one host: the check then feeds
	// metrics only.
	HealthCheck *HealthCheckOptions `yaml:"healthCheck"`
	// OutlierDetection ejects a host, for a while, once so many calls in a
	// row failed (UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED,
	// or the upstream's timeout).
	OutlierDetection *hosts.OutlierDetection `yaml:"outlierDetection"`
	// Proto compiles .proto files at load.
	Proto *ProtoSource `yaml:"proto"`
	// DescriptorSet reads a binary FileDescriptorSet.
	DescriptorSet string `yaml:"descriptorSet"`
	// Reflection asks the server for its descriptors at load.
	Reflection bool `yaml:"reflection"`
	// Services limits the services imported (default: every one).
	Services []string `yaml:"services"`
	// Methods makes a method (full name) a Query, Mutation or Subscription
	// field, overriding the default.
	Methods map[string]string `yaml:"methods"`
	// Prefix goes in front of generated type names.
	Prefix string `yaml:"prefix"`
	// MaxMessageBytes caps an answer's size (default 16 MiB).
	MaxMessageBytes int `yaml:"maxMessageBytes"`
	// Compression is "gzip" or empty.
	Compression string `yaml:"compression"`
	// LoadBalancing is grpc-go's policy over the addresses a target (or
	// each endpoint) resolves to: "round_robin" (default) or "pick_first".
	LoadBalancing string `yaml:"loadBalancing"`
	// KeepAlive pings an idle connection this often (default 30s).
	KeepAlive time.Duration `yaml:"keepAlive"`
}

// ProtoSource names .proto files and where their imports are found.
type ProtoSource struct {
	// Files are compiled, named relative to an import path.
	Files []string `yaml:"files" weft:"required"`
	// ImportPaths are directories relative to the resource's file (default:
	// its own directory), searched in order. As with protoc's -I, an entry
	// VIRTUAL=DIR is the directory DIR seen as VIRTUAL: the import
	// "VIRTUAL/x.proto" reads DIR/x.proto.
	ImportPaths []string `yaml:"importPaths"`
	// MaxFiles and MaxBytes bound the files read, imports included (0:
	// protoschema.DefaultMaxFiles, DefaultMaxBytes).
	MaxFiles int   `yaml:"maxFiles"`
	MaxBytes int64 `yaml:"maxBytes"`
}

// Upstream is a gRPC upstream.
type Upstream struct {
	name string
	opts Options
	// conns are the hosts' connections, in the order of Endpoints (or the
	// target's one); hosts, when set, picks among them.
	conns         []*grpclib.ClientConn
	hosts         *hosts.Set
	healthService string
	methods       map[string]*method
	callOptions   []grpclib.CallOption
	// oneofs are the @oneOf fields requests may hold.
	oneofs oneofs
	// types resolves the messages an Any names, for protojson.
	types     *dynamicpb.Types
	parsers   fastjson.ParserPool
	merge     bool
	flightsMu sync.Mutex
	flights   map[string]*flight
	// calls counts calls in flight, so Close can let them finish.
	calls sync.WaitGroup
	once  sync.Once
}

var (
	_ upstreams.Upstream     = (*Upstream)(nil)
	_ resilience.Idempotency = (*Upstream)(nil)
	// The metrics read the state of its hosts.
	_ hosts.Reporter = (*Upstream)(nil)
)

// Name returns the upstream's name.
func (u *Upstream) Name() string { return u.name }

// Close stops the health checks at once, and closes the connections once
// the calls in flight have finished (a snapshot swap closes the upstreams
// it no longer uses while requests of the old snapshot may still be
// running on them), or after closeGrace.
func (u *Upstream) Close() {
	u.once.Do(func() {
		if u.hosts != nil {
			u.hosts.Close()
		}
		done := make(chan struct{})
		go func() { u.calls.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(closeGrace):
		}
		closeAll(u.conns)
	})
}

func closeAll(conns []*grpclib.ClientConn) {
	for _, c := range conns {
		_ = c.Close()
	}
}

// closeGrace bounds how long Close waits for calls in flight.
const closeGrace = 30 * time.Second
