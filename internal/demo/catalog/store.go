package catalog

import (
	"fmt"
	"strconv"
	"sync"
)

// MaxGenerated bounds the generated products a Store accepts, so that a
// mistyped option cannot make the demo allocate without limit.
const MaxGenerated = 10_000

// SeedProducts is the number of hand-written products every Store starts with
// (upcs "1" to "5"); generated products follow from upc "6".
const SeedProducts = 5

// Store holds one catalog's products. Each server owns its own Store, so tests
// that change prices never see each other's changes. It is safe for concurrent use.
type Store struct {
	mu       sync.RWMutex
	products []Product      // in catalog order: ascending numeric upc
	index    map[string]int // upc -> position in products
}

// NewStore returns a Store holding the five seed products followed by
// `generated` products with deterministic names, prices and weights.
func NewStore(generated int) (*Store, error) {
	if generated < 0 || generated > MaxGenerated {
		return nil, fmt.Errorf("catalog: generated products %d out of range [0, %d]", generated, MaxGenerated)
	}
	s := &Store{
		products: make([]Product, 0, SeedProducts+generated),
		index:    make(map[string]int, SeedProducts+generated),
	}
	for _, p := range seedProducts() {
		s.add(p)
	}
	for i := range generated {
		s.add(generatedProduct(SeedProducts + 1 + i))
	}
	return s, nil
}

func (s *Store) add(p Product) {
	s.index[p.Upc] = len(s.products)
	s.products = append(s.products, p)
}

// Len returns the number of products.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.products)
}

// Products returns a copy of every product in catalog order.
func (s *Store) Products() []Product {
	return s.Top(-1)
}

// Top returns a copy of the first n products in catalog order; a negative n
// means all of them.
func (s *Store) Top(n int) []Product {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if n < 0 || n > len(s.products) {
		n = len(s.products)
	}
	out := make([]Product, n)
	copy(out, s.products[:n])
	return out
}

// Product returns a copy of the product with the given upc.
func (s *Store) Product(upc string) (Product, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.index[upc]
	if !ok {
		return Product{}, false
	}
	return s.products[i], true
}

// SetPrice sets a product's price in cents and returns the updated product.
// It reports false when no product has that upc.
func (s *Store) SetPrice(upc string, price int) (Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[upc]
	if !ok {
		return Product{}, false
	}
	s.products[i].Price = price
	return s.products[i], true
}

// seedProducts returns fresh values on every call so that no Store shares
// state with another through a package-level slice.
func seedProducts() []Product {
	grams := func(g int) *int { return &g }
	return []Product{
		{Upc: "1", Name: "Table", Price: 89900, Weight: grams(25000)},
		{Upc: "2", Name: "Couch", Price: 129900, Weight: grams(48000)},
		{Upc: "3", Name: "Chair", Price: 5400, Weight: grams(4500)},
		{Upc: "4", Name: "Lamp", Price: 3900, Weight: grams(1200)},
		{Upc: "5", Name: "Rug", Price: 12900, Weight: nil},
	}
}

// generatedProduct derives product number n (its upc) from n alone, so every
// Store built with the same size holds the same products.
func generatedProduct(n int) Product {
	materials := [...]string{"Oak", "Walnut", "Steel", "Linen", "Wool", "Glass", "Cane", "Brass"}
	kinds := [...]string{"Shelf", "Stool", "Desk", "Mirror", "Bench", "Cabinet", "Sconce", "Ottoman", "Tray"}
	h := mix(uint64(n))
	p := Product{
		Upc:   strconv.Itoa(n),
		Name:  fmt.Sprintf("%s %s %d", materials[h%uint64(len(materials))], kinds[(h>>8)%uint64(len(kinds))], n),
		Price: 499 + int((h>>16)%2000)*100, // 4.99 to 2003.99, whole-cent values ending in 99
	}
	// Every seventh generated product has no weight, like the seed Rug, so large
	// responses exercise null fields too.
	if n%7 != 0 {
		w := 100 + int((h>>32)%50_000)
		p.Weight = &w
	}
	return p
}

// mix is SplitMix64's finaliser: a cheap, well-spread, deterministic hash of n.
func mix(n uint64) uint64 {
	n += 0x9e3779b97f4a7c15
	n = (n ^ (n >> 30)) * 0xbf58476d1ce4e5b9
	n = (n ^ (n >> 27)) * 0x94d049bb133111eb
	return n ^ (n >> 31)
}
