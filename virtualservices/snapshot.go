package virtualservices

import (
	"sync/atomic"
	"time"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// Snapshot is one immutable, fully checked config: its upstreams, its
// VirtualServices' APIs and the router over them. A Server counts the
// requests it serves on it, so that the upstreams a Swap retires are
// closed once those requests are done.
type Snapshot struct {
	// Version identifies the config's content.
	Version string
	router  *router
	ups     map[string]*builtUpstream
	apis    map[string]*API // by VirtualService name: its first GraphQL route's API
	names   []string
	// warnings are what is legal but likely a mistake, such as a config
	// with no VirtualService.
	warnings []string
	// graphql are the APIs of every GraphQL route, for the metrics.
	graphql []*API
	// schemas and caches are what the next snapshot may keep: the routes'
	// schemas by schemaKey, their caches by cacheKey.
	schemas map[string]*schema.Schema
	caches  map[string]*apiCaches
	// sources are the files of each resource ("Upstream/catalog"), as
	// paths in the config's file system: its own file first, then those
	// it read (SDL, OpenAPI, .proto, WSDL, supergraph), sorted.
	sources map[string][]string

	// inFlight counts the requests a Server serves on the snapshot. Once
	// retired is set, the request that brings it to zero signals idle.
	inFlight atomic.Int64
	retired  atomic.Bool
	idle     chan struct{}
	// drainFor bounds the wait for those requests once the snapshot is
	// retired: its longest route timeout, past which a request is over.
	drainFor time.Duration
}

// Sources returns the files of resource kind/name (KindUpstream or
// KindVirtualService), as paths in the config's file system: the file the
// resource is written in, then every file it read while it was built,
// sorted. What a registry keeps of a resource, and what `weft check
// --upstream` replaces. Nil for a resource the snapshot does not have.
func (s *Snapshot) Sources(kind, name string) []string {
	return s.sources[kind+"/"+name]
}

// acquire counts a request in.
func (s *Snapshot) acquire() { s.inFlight.Add(1) }

// release counts a request out.
func (s *Snapshot) release() {
	if s.inFlight.Add(-1) == 0 && s.retired.Load() {
		select {
		case s.idle <- struct{}{}:
		default: // a signal is pending already
		}
	}
}

// drain marks the snapshot retired (no request starts on it any more) and
// waits until the requests in flight on it are done, drainFor has passed
// or stop is closed. It reports whether the requests are done.
func (s *Snapshot) drain(stop <-chan struct{}) bool {
	// The store of retired and the load of inFlight pair with release's
	// Add and load (all sequentially consistent): either this load sees
	// the last request gone, or that request sees retired and signals.
	s.retired.Store(true)
	timer := time.NewTimer(s.drainFor)
	defer timer.Stop()
	for s.inFlight.Load() > 0 {
		select {
		case <-s.idle:
		case <-timer.C:
			return false
		case <-stop:
			return false
		}
	}
	return true
}

type builtUpstream struct {
	up   upstreams.Upstream
	info schema.UpstreamInfo
	// hash is the digest of the Upstream's spec; print that of what
	// bindings are checked against (upstreamPrint).
	hash, print string
	// files are the config's files the upstream read when it was built,
	// with the digest of their content: one that changed rebuilds it.
	files map[string][32]byte
}

// VirtualServices returns the names of the snapshot's VirtualServices.
func (s *Snapshot) VirtualServices() []string { return s.names }

// Warnings returns what the config does that is valid but likely not
// meant, one sentence each; Load logs them too. `weft validate` prints
// them.
func (s *Snapshot) Warnings() []string { return s.warnings }

// API returns the GraphQL API of a VirtualService (its first GraphQL
// route's), or nil.
func (s *Snapshot) API(vs string) *API { return s.apis[vs] }

// APIForHost returns the GraphQL API a request to host would reach first:
// the first GraphQL route of the host's VirtualService.
func (s *Snapshot) APIForHost(host string) *API {
	vh := s.router.host(host)
	if vh == nil {
		return nil
	}
	return s.apis[vh.name]
}

// Upstream returns an upstream by name.
func (s *Snapshot) Upstream(name string) upstreams.Upstream {
	if b := s.ups[name]; b != nil {
		return b.up
	}
	return nil
}

// CloseSnapshot releases the upstreams of a snapshot that is not served
// (one built to validate or plan).
func CloseSnapshot(s *Snapshot) {
	for _, b := range s.ups {
		b.up.Close()
	}
}
