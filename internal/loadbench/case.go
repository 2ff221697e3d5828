// Package loadbench is Weft's load benchmark: it runs the demo upstreams,
// a plain reverse proxy and the gateway as separate processes, drives them
// with wrk, and reports throughput, latency, memory and CPU per row, with
// the direct and proxy baselines beside the gateway's numbers.
package loadbench

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/fedbench"
)

// Case is one benchmarked operation. Adding a case is adding a value to
// Cases: everything else (upstream size, config, baselines, rows) follows
// from these fields.
type Case struct {
	// Name identifies the case in the table and in the --cases filter.
	Name string
	// Query is the GraphQL operation, sent as {"query": Query}.
	Query string
	// Products is the number of generated catalog products added to the five
	// seed products (see internal/demo).
	Products int
	// Baselines says that the query passes through Weft to the catalog
	// unchanged, so the same request sent to the catalog directly and through
	// a plain reverse proxy is a fair comparison: the direct and proxy rows
	// apply. Cases that make Weft do more than forward (fan-out, joins) have
	// no baseline.
	Baselines bool
	// UpstreamSpec is YAML added to the spec of the generated HTTP
	// Upstreams (catalog and reviews), one field per line at the spec's
	// indentation ("timeout: 1s").
	UpstreamSpec string
	// Connections, when set, replaces the run's wrk connections for this
	// case: one connection measures latency with no queueing in front of the
	// process under test, where many measure throughput.
	Connections int
	// Files are extra config files written beside the generated ones (more
	// resources, or a replacement for shop.graphql); a name may not leave the
	// config directory.
	Files map[string]string
	// CatalogTrusted declares the catalog trusted to keep its schema's
	// promises (spec.graphql.trusted), so answers whose types match are
	// copied as they are.
	CatalogTrusted bool
	// Down names demo upstreams the gateway is pointed away from, at an
	// address that refuses connections, so their fields are served by
	// their fallbacks.
	Down []string
	// Supergraph makes the case a federation case: the upstream process
	// also serves the four federation subgraphs (internal/fedbench), and
	// the gateway's config is their supergraph, served whole by an
	// Upstream of kind supergraph, rather than the demo shop. The rows
	// report the subgraph calls each request made. Such a case has no
	// baselines.
	Supergraph bool
	// Answer, when set, is the answer the query must get: the checked
	// answer must be the same JSON, key order free.
	Answer []byte
}

// largeProducts sizes the catalog of the "large" case so that its answer is
// about 80 KB: a product with its weight renders to about 68 bytes.
const largeProducts = 1200

// Cases are the benchmark's cases, in the order they run.
func Cases() []Case {
	return []Case{
		{
			Name:      "small",
			Query:     `{ product(upc: "1") { upc name price } }`,
			Baselines: true,
		},
		{
			// The small query over one connection: each request waits for the
			// one before it, so p50/p99 are the latency a request sees, and
			// Weft's minus the direct row's is the latency Weft adds.
			Name:        "small-latency",
			Query:       `{ product(upc: "1") { upc name price } }`,
			Baselines:   true,
			Connections: 1,
		},
		{
			Name:      "large",
			Query:     `{ products { upc name price weight } }`,
			Products:  largeProducts,
			Baselines: true,
		},
		{
			// The large case with the catalog trusted: the answer is
			// copied as it is rather than checked value by value.
			Name:           "large-trusted",
			Query:          `{ products { upc name price weight } }`,
			Products:       largeProducts,
			Baselines:      true,
			CatalogTrusted: true,
		},
		{
			// One catalog call, then one reviews call per product.
			Name:  "fanout",
			Query: `{ products { upc name reviews { rating body author { name } } } }`,
		},
		{
			// A REST fan-out over 100 products: one reviews call per product,
			// made concurrently (at most maxConcurrency at a time).
			Name:     "rest-fanout",
			Query:    `{ products { upc reviews { rating } } }`,
			Products: 95,
		},
		{
			// A gRPC fan-out over 100 products: the demo binds stock in
			// batch form, so one GetStocks call answers for all of them.
			Name:     "grpc-fanout",
			Query:    `{ products { upc stock { quantity warehouse } } }`,
			Products: 95,
		},
		{
			// The fan-out with the reviews service down: every product's
			// reviews come from the field's fallback (none), and the
			// response says so for each; the catalog answers as ever.
			Name:  "fallback-reviews-down",
			Query: `{ products { upc name reviews { rating } } }`,
			Down:  []string{"reviews"},
		},
		{
			// A SOAP fan-out: one GetQuote envelope per product, 100 of
			// them, written and read by the gateway.
			Name:     "soap-fanout",
			Query:    `{ products { upc shippingQuote(zip: "10001") { cost days carrier } } }`,
			Products: 95,
		},
		{
			// Four protocols in one query: the catalog (GraphQL), then
			// reviews (REST, per product), stock (gRPC, batched) and
			// shipping quotes (SOAP, per product) side by side.
			Name:     "four-protocols",
			Query:    `{ products { upc name reviews { rating } stock { quantity } shippingQuote(zip: "10001") { cost } } }`,
			Products: 20,
		},
		{
			// The same with the binding's batch form: one call for all 100.
			Name:     "rest-fanout-batched",
			Query:    `{ products { upc reviews { rating } } }`,
			Products: 95,
			Files:    map[string]string{"shop.graphql": batchedShop()},
		},
		{
			// Apollo Federation: the deep query over the four subgraphs,
			// three levels of entity fetches (with @requires and
			// @provides) for an 88 KB answer that must be the expected one.
			Name:       "federation",
			Query:      fedbench.DeepQuery,
			Supergraph: true,
			Answer:     fedbench.DeepAnswer(),
		},
	}
}

// batchedShop is the demo's shop schema with reviews bound in batch form
// (the demo's reviews service answers GET /reviews?upcs=1,2,3).
func batchedShop() string {
	sdl, err := fs.ReadFile(demo.Config(), "shop.graphql")
	if err != nil {
		panic(err) // embedded in the binary
	}
	const plain = `@rest(upstream: "reviews", path: "/products/{parent.upc}/reviews")`
	const batched = `@rest(upstream: "reviews", path: "/products/{parent.upc}/reviews", batch: {path: "/reviews?upcs={parent.upc}", key: "productUpc", result: "items", maxSize: 100})`
	out := strings.Replace(string(sdl), plain, batched, 1)
	if out == string(sdl) {
		panic("loadbench: the demo's reviews binding changed; update batchedShop")
	}
	return out
}

// SelectCases returns the cases whose name matches filter, a regular
// expression matched against the whole name; an empty filter selects all.
// A filter that selects nothing is an error, so a typo never runs an empty
// benchmark.
func SelectCases(cases []Case, filter string) ([]Case, error) {
	if filter == "" {
		return cases, nil
	}
	re, err := regexp.Compile("^(?:" + filter + ")$")
	if err != nil {
		return nil, fmt.Errorf("case filter %q: %w", filter, err)
	}
	var out []Case
	var names []string
	for _, c := range cases {
		names = append(names, c.Name)
		if re.MatchString(c.Name) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("case filter %q matches none of %v", filter, names)
	}
	return out, nil
}
