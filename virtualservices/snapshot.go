package virtualservices

import (
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// Snapshot is one immutable, fully checked config: its upstreams, its
// VirtualServices' APIs and the router over them.
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
}

type builtUpstream struct {
	up   upstreams.Upstream
	info schema.UpstreamInfo
	// hash is the digest of the Upstream's spec; print that of what
	// bindings are checked against (upstreamPrint).
	hash, print string
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
