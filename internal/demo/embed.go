package demo

import (
	"embed"
	"io/fs"

	"github.com/weft-gateway/weft/internal/demo/inventory"
)

//go:embed config
var configFS embed.FS

// Config returns the demo's config: the same YAML files that
// `weft serve --config internal/demo/config` loads.
func Config() fs.FS {
	sub, err := fs.Sub(configFS, "config")
	if err != nil {
		panic(err) // the embedded directory is always there
	}
	return sub
}

// ConfigDir is the demo config's directory in the repository.
const ConfigDir = "internal/demo/config"

// Names of the environment variables the demo config reads its upstream
// URLs from.
const (
	EnvCatalogURL = "WEFT_DEMO_CATALOG_URL"
	EnvReviewsURL = "WEFT_DEMO_REVIEWS_URL"
	// EnvShippingURL is the SOAP shipping service's endpoint.
	EnvShippingURL = "WEFT_DEMO_SHIPPING_URL"
	// EnvInventoryTarget is the inventory's gRPC target, host:port.
	EnvInventoryTarget = "WEFT_DEMO_INVENTORY_TARGET"
	// EnvQAURL is the questions-and-answers subgraph's GraphQL endpoint.
	EnvQAURL = "WEFT_DEMO_QA_URL"
)

// InventoryProto is the inventory service's .proto in the demo config.
const InventoryProto = "protos/" + inventory.ProtoFile

// Env looks up environment variables for the demo config: the URLs of these
// running upstreams, then next (os.LookupEnv, say) for anything else.
func (u *Upstreams) Env(next func(string) (string, bool)) func(string) (string, bool) {
	return func(name string) (string, bool) {
		switch name {
		case EnvCatalogURL:
			return u.CatalogURL(), true
		case EnvReviewsURL:
			return u.ReviewsURL(), true
		case EnvShippingURL:
			return u.ShippingURL(), true
		case EnvInventoryTarget:
			return u.InventoryTarget(), true
		case EnvQAURL:
			return u.QAURL(), true
		}
		if next == nil {
			return "", false
		}
		return next(name)
	}
}
