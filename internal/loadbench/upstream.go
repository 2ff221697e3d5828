package loadbench

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/demo/catalog"
	"github.com/weft-gateway/weft/internal/demo/reviews"
	"github.com/weft-gateway/weft/internal/demo/shipping"
	"github.com/weft-gateway/weft/internal/fedbench"
	fedaccounts "github.com/weft-gateway/weft/internal/fedbench/accounts"
	fedinventory "github.com/weft-gateway/weft/internal/fedbench/inventory"
	fedproducts "github.com/weft-gateway/weft/internal/fedbench/products"
	fedreviews "github.com/weft-gateway/weft/internal/fedbench/reviews"
)

// maxCatalogBody bounds a GraphQL request to the benchmark catalog.
const maxCatalogBody = 1 << 20

// shutdownTimeout bounds a server's graceful stop.
const shutdownTimeout = 5 * time.Second

// UpstreamOptions configure ServeUpstreams.
type UpstreamOptions struct {
	// CatalogAddr, ReviewsAddr and InventoryAddr (gRPC) are the listen
	// addresses; an empty InventoryAddr runs no inventory.
	CatalogAddr, ReviewsAddr, InventoryAddr string
	// ShippingAddr is the SOAP shipping service's listen address; empty
	// runs none.
	ShippingAddr string
	// Products is the number of generated products (see Case.Products).
	Products int
	// Memo bounds the response memo in front of both servers.
	Memo MemoOptions
	// Subgraphs are the listen addresses of the federation subgraphs, by
	// name (see fedbench.SubgraphNames); a subgraph without an address,
	// or with an empty one, is not served.
	Subgraphs map[string]string
}

// UpstreamHandlers builds the demo catalog (GraphQL at demo.CatalogPath) and
// reviews (REST) handlers with products generated products, each behind its
// own response memo.
func UpstreamHandlers(products int, memo MemoOptions) (catalogHandler, reviewsHandler *Memo, err error) {
	store, err := catalog.NewStore(products)
	if err != nil {
		return nil, nil, fmt.Errorf("benchmark catalog: %w", err)
	}
	reviewStore, err := reviews.NewStore(products)
	if err != nil {
		return nil, nil, fmt.Errorf("benchmark reviews: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(demo.CatalogPath, http.MaxBytesHandler(catalog.NewHandler(store), maxCatalogBody))
	return NewMemo(mux, memo), NewMemo(reviews.NewHandler(reviewStore, nil), memo), nil
}

// ShippingHandler is the demo's SOAP shipping service (at shipping.Path)
// behind a response memo.
func ShippingHandler(products int, memo MemoOptions) *Memo {
	mux := http.NewServeMux()
	mux.Handle(shipping.Path, shipping.NewHandler(products, nil))
	return NewMemo(mux, memo)
}

// SubgraphHandlers builds the four federation subgraphs over one
// fedbench.NewData, keyed by name. They have no memo: what a subgraph
// answers depends on the representations the gateway sends, and how many
// calls the gateway makes is part of what the federation case measures.
func SubgraphHandlers() map[string]*fedbench.Subgraph {
	d := fedbench.NewData()
	out := map[string]*fedbench.Subgraph{}
	for _, s := range []*fedbench.Subgraph{fedaccounts.NewHandler(d), fedinventory.NewHandler(d), fedproducts.NewHandler(d), fedreviews.NewHandler(d)} {
		out[s.Name()] = s
	}
	return out
}

// server is one HTTP server ServeUpstreams runs; memo is its handler's
// memo, nil when it has none.
type server struct {
	name, addr string
	handler    http.Handler
	memo       *Memo
}

// ServeUpstreams runs the catalog, reviews and inventory servers, and the
// federation subgraphs given addresses, until ctx is done, then stops them
// gracefully. It returns at once if one cannot listen. The inventory
// answers without a memo: its messages are built per call, as a real gRPC
// service's are.
func ServeUpstreams(ctx context.Context, log zerolog.Logger, opts UpstreamOptions) error {
	for name := range opts.Subgraphs {
		if !slices.Contains(fedbench.SubgraphNames(), name) {
			return fmt.Errorf("no federation subgraph %q (want %s)", name, strings.Join(fedbench.SubgraphNames(), ", "))
		}
	}
	cat, rev, err := UpstreamHandlers(opts.Products, opts.Memo)
	if err != nil {
		return err
	}
	if opts.InventoryAddr != "" {
		inv, err := demo.StartInventory(ctx, log, opts.InventoryAddr, opts.Products)
		if err != nil {
			return fmt.Errorf("inventory upstream: %w", err)
		}
		defer inv.Close()
	}
	servers := []server{
		{"catalog", opts.CatalogAddr, cat, cat},
		{"reviews", opts.ReviewsAddr, rev, rev},
	}
	if opts.ShippingAddr != "" {
		ship := ShippingHandler(opts.Products, opts.Memo)
		servers = append(servers, server{"shipping", opts.ShippingAddr, ship, ship})
	}
	subgraphs := SubgraphHandlers()
	for _, name := range fedbench.SubgraphNames() {
		if addr := opts.Subgraphs[name]; addr != "" {
			// Behind a memo like every other upstream: the gateway sends
			// the same bodies (operations and representations) for the same
			// query, so the rows measure the gateway, not gqlgen's
			// resolvers (about 7 ms per reviews call unmemoized).
			var memo *Memo
			subgraphs[name].WrapGraphQL(func(h http.Handler) http.Handler {
				memo = NewMemo(h, opts.Memo)
				return memo
			})
			servers = append(servers, server{"subgraph " + name, addr, subgraphs[name], memo})
		}
	}
	var listeners []net.Listener
	closeAll := func() {
		for _, ln := range listeners {
			_ = ln.Close()
		}
	}
	var lc net.ListenConfig
	for _, s := range servers {
		ln, err := lc.Listen(ctx, "tcp", s.addr)
		if err != nil {
			closeAll()
			return fmt.Errorf("%s upstream: %w", s.name, err)
		}
		listeners = append(listeners, ln)
	}
	errc := make(chan error, len(servers))
	https := make([]*http.Server, len(servers))
	for i, s := range servers {
		https[i] = &http.Server{
			Handler:           s.handler,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          stdlog.New(log, s.name+": ", 0),
		}
		log.Info().Str("upstream", s.name).Str("addr", listeners[i].Addr().String()).Msg("benchmark upstream listening")
		go func() { errc <- https[i].Serve(listeners[i]) }()
	}

	var serveErr error
	pending := len(servers)
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		pending--
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	for i, s := range servers {
		if err := https[i].Shutdown(shutdownCtx); err != nil {
			_ = https[i].Close()
		}
		if s.memo == nil {
			log.Info().Str("upstream", s.name).Msg("benchmark upstream stopped")
			continue
		}
		st := s.memo.Stats()
		log.Info().Str("upstream", s.name).Int64("memoHits", st.Hits).Int64("memoMisses", st.Misses).Int("memoEntries", st.Entries).Msg("benchmark upstream stopped")
	}
	// Every Serve goroutine returns once its server is shut down.
	for range pending {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
			serveErr = err
		}
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("benchmark upstreams: %w", serveErr)
	}
	return nil
}
