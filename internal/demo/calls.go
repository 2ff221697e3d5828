package demo

import (
	"net/http"
	"sync/atomic"
)

// Endpoint names a call counter.
type Endpoint string

// The counted endpoints. Catalog root fields count once per occurrence in an
// operation (two aliased product fields are two calls); the request counters
// count every HTTP request a server receives, whatever its path or outcome.
const (
	CatalogRequests    Endpoint = "catalog"
	CatalogProducts    Endpoint = "catalog.Query.products"
	CatalogProduct     Endpoint = "catalog.Query.product"
	CatalogTopProducts Endpoint = "catalog.Query.topProducts"
	CatalogSetPrice    Endpoint = "catalog.Mutation.setPrice"

	ReviewsRequests Endpoint = "reviews"
	ReviewsList     Endpoint = "reviews.list"    // GET /products/{upc}/reviews
	ReviewsBatch    Endpoint = "reviews.batch"   // GET /reviews?upcs=...
	ReviewsSummary  Endpoint = "reviews.summary" // GET /products/{upc}/reviews/summary

	ShippingRequests Endpoint = "shipping"
	ShippingQuotes   Endpoint = "shipping.GetQuote" // POST /shipping

	QARequests Endpoint = "qa"
	QAEntities Endpoint = "qa.Query._entities" // one per _entities field, every representation in it
	QAQuestion Endpoint = "qa.Query.question"
)

// counters is a fixed set of atomic counters: the map is built once and only
// read afterwards, so lookups need no lock.
type counters struct {
	byName map[Endpoint]*atomic.Int64
}

func newCounters() *counters {
	c := &counters{byName: make(map[Endpoint]*atomic.Int64)}
	for _, e := range []Endpoint{
		CatalogRequests, CatalogProducts, CatalogProduct, CatalogTopProducts, CatalogSetPrice,
		ReviewsRequests, ReviewsList, ReviewsBatch, ReviewsSummary,
		ShippingRequests, ShippingQuotes,
		QARequests, QAEntities, QAQuestion,
	} {
		c.byName[e] = new(atomic.Int64)
	}
	return c
}

// add counts one call; names outside the fixed set (introspection root
// fields, for one) are not counted.
func (c *counters) add(e Endpoint) {
	if n, ok := c.byName[e]; ok {
		n.Add(1)
	}
}

func (c *counters) get(e Endpoint) int64 {
	if n, ok := c.byName[e]; ok {
		return n.Load()
	}
	return 0
}

func (c *counters) reset() {
	for _, n := range c.byName {
		n.Store(0)
	}
}

func (c *counters) counting(e Endpoint, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.add(e)
		next.ServeHTTP(w, r)
	})
}
