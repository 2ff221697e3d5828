// Package demo runs the upstreams of Weft's embedded demo shop in-process: a
// GraphQL product catalog, a REST reviews service, a gRPC inventory, a SOAP
// shipping service and a federated questions-and-answers subgraph, each on
// its own loopback listener, so that the gateway and its tests call them
// over the real protocols.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/demo/catalog"
	"github.com/weft-gateway/weft/internal/demo/qa"
	"github.com/weft-gateway/weft/internal/demo/reviews"
	"github.com/weft-gateway/weft/internal/demo/shipping"
	"github.com/weft-gateway/weft/internal/faults"
)

// Default listen addresses, fixed so that the demo configuration can name them.
const (
	DefaultCatalogAddr   = "127.0.0.1:4101"
	DefaultReviewsAddr   = "127.0.0.1:4102"
	DefaultInventoryAddr = "127.0.0.1:4103"
	DefaultShippingAddr  = "127.0.0.1:4104"
	DefaultQAAddr        = "127.0.0.1:4105"
)

// CatalogPath is where the catalog serves GraphQL.
const CatalogPath = "/graphql"

// QAPath is where the questions-and-answers subgraph serves GraphQL.
const QAPath = "/graphql"

// upstreamCount is how many listeners the demo's upstreams take, from
// OnPorts' base on.
const upstreamCount = 5

// MaxProducts bounds Options.Products.
const MaxProducts = catalog.MaxGenerated

// maxCatalogBody bounds a GraphQL request body; demo queries are tiny.
const maxCatalogBody = 1 << 20

// Options configures Start. The zero value runs the five seed products on the
// default addresses.
type Options struct {
	// CatalogAddr is the catalog's listen address; empty means
	// DefaultCatalogAddr, port 0 picks a free port.
	CatalogAddr string
	// ReviewsAddr is the reviews service's listen address; empty means
	// DefaultReviewsAddr, port 0 picks a free port.
	ReviewsAddr string
	// InventoryAddr is the gRPC inventory service's listen address; empty
	// means DefaultInventoryAddr, port 0 picks a free port.
	InventoryAddr string
	// ShippingAddr is the SOAP shipping service's listen address; empty
	// means DefaultShippingAddr, port 0 picks a free port.
	ShippingAddr string
	// QAAddr is the questions-and-answers subgraph's listen address;
	// empty means DefaultQAAddr, port 0 picks a free port.
	QAAddr string
	// Faults make upstreams misbehave, by name (see ParseFaults), so the
	// demo can show fallbacks.
	Faults map[string]Fault
	// Products is the number of generated products (upcs 6 onwards, with 0 to
	// 3 reviews and 0 to 2 questions each) added after the five seed
	// products, at most MaxProducts.
	Products int
}

// Loopback returns options that start every upstream on a free loopback
// port, with n generated products: what tests use, so they never collide.
func Loopback(n int) Options {
	return Options{CatalogAddr: "127.0.0.1:0", ReviewsAddr: "127.0.0.1:0", InventoryAddr: "127.0.0.1:0", ShippingAddr: "127.0.0.1:0", QAAddr: "127.0.0.1:0", Products: n}
}

// OnPorts returns options that start the upstreams on loopback ports from
// base on, in the order of the default addresses: catalog on base, reviews
// on base+1, inventory on base+2, shipping on base+3, qa on base+4 (so
// OnPorts(4101) is the default addresses). Base 0 gives each upstream a
// free port, so that demos run side by side.
func OnPorts(base int) (Options, error) {
	if base == 0 {
		return Loopback(0), nil
	}
	if last := 65535 - (upstreamCount - 1); base < 1 || base > last {
		return Options{}, fmt.Errorf("port %d out of range [1, %d] (the upstreams take it and the next %d)", base, last, upstreamCount-1)
	}
	addr := func(i int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(base+i)) }
	return Options{CatalogAddr: addr(0), ReviewsAddr: addr(1), InventoryAddr: addr(2), ShippingAddr: addr(3), QAAddr: addr(4)}, nil
}

func (o Options) withDefaults() Options {
	if o.CatalogAddr == "" {
		o.CatalogAddr = DefaultCatalogAddr
	}
	if o.ReviewsAddr == "" {
		o.ReviewsAddr = DefaultReviewsAddr
	}
	if o.InventoryAddr == "" {
		o.InventoryAddr = DefaultInventoryAddr
	}
	if o.ShippingAddr == "" {
		o.ShippingAddr = DefaultShippingAddr
	}
	if o.QAAddr == "" {
		o.QAAddr = DefaultQAAddr
	}
	return o
}

// Upstreams are the running demo upstreams. Their methods are safe for
// concurrent use.
type Upstreams struct {
	calls     *counters
	catalog   *server
	reviews   *server
	shipping  *server
	qa        *server
	inventory *grpcServer
}

// Start builds fresh stores and starts the catalog, reviews, shipping and
// qa servers and the inventory. ctx bounds start-up only: the servers run
// until Close. On error nothing is left running.
func Start(ctx context.Context, log zerolog.Logger, opts Options) (*Upstreams, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("demo: start upstreams: %w", err)
	}
	opts = opts.withDefaults()
	if opts.Products < 0 || opts.Products > MaxProducts {
		return nil, fmt.Errorf("demo: products %d out of range [0, %d]", opts.Products, MaxProducts)
	}
	products, err := catalog.NewStore(opts.Products)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	reviewStore, err := reviews.NewStore(opts.Products)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	questions, err := qa.NewStore(opts.Products)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}

	u := &Upstreams{calls: newCounters()}
	const internal = "internal error (demo fault)"
	// The catalog's error is a JSON error object, not a GraphQL response,
	// as the demo has always sent it: a plain HTTP 500.
	u.catalog = newServer("catalog", opts.CatalogAddr, faultyHTTP(opts.Faults["catalog"], faults.JSON, internal, u.catalogHandler(products)), log)
	u.reviews = newServer("reviews", opts.ReviewsAddr, faultyHTTP(opts.Faults["reviews"], faults.JSON, internal, u.reviewsHandler(reviewStore)), log)
	u.shipping = newServer("shipping", opts.ShippingAddr,
		faultyHTTP(opts.Faults["shipping"], faults.SOAP, "the quote engine is down (demo fault)", u.shippingHandler(opts.Products)), log)
	u.qa = newServer("qa", opts.QAAddr, faultyHTTP(opts.Faults["qa"], faults.GraphQL, "the questions database is down (demo fault)", u.qaHandler(questions)), log)

	if err := u.catalog.start(ctx); err != nil {
		return nil, err
	}
	if err := u.reviews.start(ctx); err != nil {
		return nil, errors.Join(err, u.catalog.stop())
	}
	if err := u.shipping.start(ctx); err != nil {
		return nil, errors.Join(err, u.catalog.stop(), u.reviews.stop())
	}
	if err := u.qa.start(ctx); err != nil {
		return nil, errors.Join(err, u.catalog.stop(), u.reviews.stop(), u.shipping.stop())
	}
	if u.inventory, err = startInventory(ctx, opts.InventoryAddr, opts.Products, opts.Faults["inventory"], log); err != nil {
		return nil, errors.Join(err, u.catalog.stop(), u.reviews.stop(), u.shipping.stop(), u.qa.stop())
	}
	// A down upstream is stopped after it started, so its address (and
	// port, when Options asked for 0) is known and refuses calls.
	for name, f := range opts.Faults {
		if f != FaultDown {
			continue
		}
		var err error
		switch name {
		case "catalog":
			err = u.catalog.stop()
		case "reviews":
			err = u.reviews.stop()
		case "shipping":
			err = u.shipping.stop()
		case "qa":
			err = u.qa.stop()
		case "inventory":
			err = u.inventory.close()
		}
		if err != nil {
			return nil, errors.Join(err, u.Close())
		}
		log.Warn().Str("upstream", name).Msg("demo upstream down (demo fault)")
	}
	return u, nil
}

func (u *Upstreams) catalogHandler(store *catalog.Store) http.Handler {
	gql := catalog.NewHandler(store)
	gql.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		u.calls.add(rootField(ctx))
		return next(ctx)
	})
	mux := http.NewServeMux()
	mux.Handle(CatalogPath, http.MaxBytesHandler(gql, maxCatalogBody))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]string{
			"error": fmt.Sprintf("no route for %s; GraphQL is served at %s", r.URL.Path, CatalogPath),
		})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(append(body, '\n'))
	})
	return u.calls.counting(CatalogRequests, mux)
}

func (u *Upstreams) reviewsHandler(store *reviews.Store) http.Handler {
	h := reviews.NewHandler(store, func(e reviews.Endpoint) {
		u.calls.add(Endpoint("reviews." + string(e)))
	})
	return u.calls.counting(ReviewsRequests, h)
}

// qaHandler serves the subgraph at QAPath, counting its requests and the
// _entities fields it resolves.
func (u *Upstreams) qaHandler(store *qa.Store) http.Handler {
	mux := http.NewServeMux()
	gql := qa.NewHandler(store)
	gql.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		if fc := graphql.GetRootFieldContext(ctx); fc != nil {
			u.calls.add(Endpoint("qa.Query." + fc.Field.Name))
		}
		return next(ctx)
	})
	mux.Handle(QAPath, http.MaxBytesHandler(gql, maxCatalogBody))
	return u.calls.counting(QARequests, mux)
}

func (u *Upstreams) shippingHandler(products int) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(shipping.Path, shipping.NewHandler(products, func() { u.calls.add(ShippingQuotes) }))
	return u.calls.counting(ShippingRequests, mux)
}

// rootField names the counter of the root field being resolved. The root
// type comes from the operation because gqlgen fills RootFieldContext.Object
// with the field's name, not its type's.
func rootField(ctx context.Context) Endpoint {
	fc := graphql.GetRootFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return ""
	}
	typ := "Query"
	if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Mutation {
		typ = "Mutation"
	}
	return Endpoint("catalog." + typ + "." + fc.Field.Name)
}

// CatalogURL returns the catalog's GraphQL endpoint, e.g.
// "http://127.0.0.1:4101/graphql".
func (u *Upstreams) CatalogURL() string { return u.catalog.url() + CatalogPath }

// ReviewsURL returns the reviews service's base URL without a trailing slash,
// e.g. "http://127.0.0.1:4102".
func (u *Upstreams) ReviewsURL() string { return u.reviews.url() }

// Calls returns how many calls the endpoint has received since Start or the
// last ResetCalls; 0 for a name it does not know.
func (u *Upstreams) Calls(e Endpoint) int64 { return u.calls.get(e) }

// ResetCalls sets every call counter to zero.
func (u *Upstreams) ResetCalls() { u.calls.reset() }

// StopReviews shuts the reviews server down gracefully, so that calls to it
// fail to connect until StartReviews. Its data and counters are kept. Stopping
// a stopped server does nothing.
func (u *Upstreams) StopReviews() error { return u.reviews.stop() }

// StartReviews brings the reviews server back on the address it had before
// StopReviews (the same port, even when Options asked for port 0). Starting a
// running server does nothing; starting after Close is an error.
func (u *Upstreams) StartReviews() error { return u.reviews.start(context.Background()) }

// QAURL returns the questions-and-answers subgraph's GraphQL endpoint,
// e.g. "http://127.0.0.1:4105/graphql".
func (u *Upstreams) QAURL() string { return u.qa.url() + QAPath }

// ShippingURL returns the SOAP shipping service's endpoint, e.g.
// "http://127.0.0.1:4104/shipping".
func (u *Upstreams) ShippingURL() string { return u.shipping.url() + shipping.Path }

// InventoryTarget returns the gRPC inventory service's address, e.g.
// "127.0.0.1:4103".
func (u *Upstreams) InventoryTarget() string { return u.inventory.addr }

// InventoryCalls returns how many calls an inventory method got
// (inventory.GetStock, ...).
func (u *Upstreams) InventoryCalls(method int) int64 { return u.inventory.svc.Calls(method) }

// Close shuts the servers down gracefully, each within a bounded time, and
// returns once their goroutines have ended. Calling it again does nothing.
func (u *Upstreams) Close() error {
	return errors.Join(u.catalog.close(), u.reviews.close(), u.shipping.close(), u.qa.close(), u.inventory.close())
}
