// Package fedbench holds four Apollo Federation v2 subgraphs in the classic
// accounts, products, inventory and reviews shape, for the load benchmark
// and end-to-end tests of the gateway: the deterministic data they share,
// the deep query that crosses all four, the hand-written supergraph that
// composes them, and the request counting every subgraph does. The
// subgraphs themselves are gqlgen servers in the sub-packages.
package fedbench

import (
	"fmt"
	"strconv"
	"strings"
)

// The size of the generated data. The deep query (DeepQuery) visits every
// user, each user's reviews, each reviewed product, each product's reviews,
// their authors, and the authors' reviews and products: with these numbers
// its answer is about 88 KB.
const (
	// UserCount is the number of users; each writes ReviewsPerUser reviews.
	UserCount = 12
	// ReviewsPerUser is how many reviews each user writes, each of a
	// different product.
	ReviewsPerUser = 3
	// ProductCount is the number of products. Reviews are spread evenly over
	// them: UserCount*ReviewsPerUser/ProductCount reviews each.
	ProductCount = 12
)

// User is an account.
type User struct {
	ID       string
	Name     string
	Username string
}

// Product is a catalog entry with its stock.
type Product struct {
	UPC     string
	Name    string
	Price   int
	Weight  int
	InStock bool
}

// Review is one user's review of one product.
type Review struct {
	ID         string
	Body       string
	AuthorID   string
	ProductUPC string
}

// Data is the data every subgraph serves its part of. It is built once
// and only read afterwards, so it is safe for concurrent use.
type Data struct {
	users    []User
	products []Product
	reviews  []Review

	userIndex        map[string]int
	productIndex     map[string]int
	reviewsByAuthor  map[string][]int
	reviewsByProduct map[string][]int
}

// NewData generates the data: UserCount users ("u1", ...), ProductCount products
// (upc "p1", ...) and ReviewsPerUser reviews by each user ("r1", ...).
// It is the same on every call.
func NewData() *Data { return NewDataWithUPCs("p") }

// NewDataWithUPCs is NewData with product upcs prefix+"1", ...: an empty
// prefix gives the demo shop's upcs ("1", ...), so that a test can join
// the subgraphs' products with the demo's other upstreams.
func NewDataWithUPCs(prefix string) *Data {
	d := &Data{
		userIndex:        make(map[string]int, UserCount),
		productIndex:     make(map[string]int, ProductCount),
		reviewsByAuthor:  make(map[string][]int, UserCount),
		reviewsByProduct: make(map[string][]int, ProductCount),
	}
	firstNames := []string{"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken", "Radia", "Tony"}
	lastNames := []string{"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton", "Thompson", "Perlman", "Hoare"}
	adjectives := []string{"Oak", "Walnut", "Steel", "Rattan", "Velvet", "Bamboo", "Cedar", "Linen"}
	things := []string{"Table", "Couch", "Chair", "Desk", "Shelf", "Lamp", "Stool", "Bench", "Cabinet", "Bed", "Mirror"}
	verdicts := []string{
		"Love it, five stars!",
		"Too expensive for what it is.",
		"Could be better built.",
		"Prefer something else, honestly.",
		"Sturdy, and it arrived on time.",
		"Exactly as described; would buy again.",
	}
	for i := range UserCount {
		n := i + 1
		first := firstNames[i%len(firstNames)]
		u := User{
			ID:       "u" + strconv.Itoa(n),
			Name:     first + " " + lastNames[i%len(lastNames)],
			Username: "@" + strings.ToLower(first) + strconv.Itoa(n),
		}
		d.userIndex[u.ID] = len(d.users)
		d.users = append(d.users, u)
	}
	for i := range ProductCount {
		n := i + 1
		p := Product{
			UPC:  prefix + strconv.Itoa(n),
			Name: adjectives[i%len(adjectives)] + " " + things[(i*5)%len(things)],
			// Prices from 54 to 1,999, some above the free-shipping
			// threshold; weights from 10 to 999.
			Price:   54 + (i*397)%1946,
			Weight:  10 + (i*131)%990,
			InStock: i%3 != 2,
		}
		d.productIndex[p.UPC] = len(d.products)
		d.products = append(d.products, p)
	}
	for i := range UserCount * ReviewsPerUser {
		u := d.users[i/ReviewsPerUser]
		// Consecutive reviews go to consecutive products, so a user's
		// reviews are of different products and every product gets the
		// same number of reviews.
		p := d.products[i%ProductCount]
		r := Review{
			ID:         "r" + strconv.Itoa(i+1),
			Body:       fmt.Sprintf("%s on the %s: %s", u.Name, p.Name, verdicts[i%len(verdicts)]),
			AuthorID:   u.ID,
			ProductUPC: p.UPC,
		}
		d.reviewsByAuthor[r.AuthorID] = append(d.reviewsByAuthor[r.AuthorID], len(d.reviews))
		d.reviewsByProduct[r.ProductUPC] = append(d.reviewsByProduct[r.ProductUPC], len(d.reviews))
		d.reviews = append(d.reviews, r)
	}
	return d
}

// Users returns every user, in id order ("u1" first).
func (d *Data) Users() []User { return append([]User(nil), d.users...) }

// User returns the user with id, if there is one.
func (d *Data) User(id string) (User, bool) {
	i, ok := d.userIndex[id]
	if !ok {
		return User{}, false
	}
	return d.users[i], true
}

// Products returns every product, in upc order ("p1" first).
func (d *Data) Products() []Product { return append([]Product(nil), d.products...) }

// TopProducts returns the first n products; all of them when n is larger
// than their number, none when n is not positive.
func (d *Data) TopProducts(n int) []Product {
	n = max(0, min(n, len(d.products)))
	return append([]Product(nil), d.products[:n]...)
}

// Product returns the product with upc, if there is one.
func (d *Data) Product(upc string) (Product, bool) {
	i, ok := d.productIndex[upc]
	if !ok {
		return Product{}, false
	}
	return d.products[i], true
}

// Reviews returns every review, in id order ("r1" first).
func (d *Data) Reviews() []Review { return append([]Review(nil), d.reviews...) }

// ReviewsBy returns the reviews the user with id wrote, in id order; none
// for an unknown user.
func (d *Data) ReviewsBy(userID string) []Review { return d.pick(d.reviewsByAuthor[userID]) }

// ReviewsOf returns the reviews of the product with upc, in id order; none
// for an unknown product.
func (d *Data) ReviewsOf(upc string) []Review { return d.pick(d.reviewsByProduct[upc]) }

func (d *Data) pick(idx []int) []Review {
	out := make([]Review, len(idx))
	for i, j := range idx {
		out[i] = d.reviews[j]
	}
	return out
}

// ShippingEstimate is what shipping a product costs, computed as in
// Apollo's classic inventory subgraph: free above a price of 1,000, else
// half the weight. It is nil when the price or the weight is unknown.
func ShippingEstimate(price, weight *int) *int {
	if price == nil || weight == nil {
		return nil
	}
	est := *weight / 2
	if *price > freeShippingAbove {
		est = 0
	}
	return &est
}

// freeShippingAbove is the price above which shipping is free.
const freeShippingAbove = 1000
