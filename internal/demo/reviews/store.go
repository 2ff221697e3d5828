package reviews

import (
	"fmt"
	"math"
	"strconv"
)

// MaxGenerated bounds the generated products a Store covers; it matches the
// catalog's bound so that both upstreams can describe the same shop.
const MaxGenerated = 10_000

// seedProducts is the number of hand-written catalog products (upcs "1" to
// "5"); generated products, and their generated reviews, start at upc "6".
const seedProducts = 5

// Author is the user who wrote a review.
type Author struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Review is one product review.
type Review struct {
	ID     string `json:"id"`
	Rating int    `json:"rating"` // 1 to 5
	Body   string `json:"body"`
	Author Author `json:"author"`
}

// Summary aggregates a product's reviews. Average is nil when there are no
// reviews: zero would read as a real, terrible, rating.
type Summary struct {
	Count   int      `json:"count"`
	Average *float64 `json:"average"`
}

// Store holds the reviews of one server instance. It is never modified after
// NewStore returns, so it is safe for concurrent use without locks.
type Store struct {
	byUPC map[string][]Review
}

// NewStore returns the seed reviews (two or three for products 1 to 4, none
// for 5) plus zero to three deterministic reviews for each of `generated`
// generated products (upcs 6 onwards, as in the catalog).
func NewStore(generated int) (*Store, error) {
	if generated < 0 || generated > MaxGenerated {
		return nil, fmt.Errorf("reviews: generated products %d out of range [0, %d]", generated, MaxGenerated)
	}
	s := &Store{byUPC: make(map[string][]Review, seedProducts+generated)}
	users := authors()
	next := 1
	add := func(upc string, rating int, body string, author Author) {
		s.byUPC[upc] = append(s.byUPC[upc], Review{
			ID: "r" + strconv.Itoa(next), Rating: rating, Body: body, Author: author,
		})
		next++
	}

	add("1", 5, "Sturdy, handsome, and seats eight.", users[0])
	add("1", 4, "Took an evening to assemble, worth it.", users[1])
	add("2", 5, "Deep seats, made for long naps.", users[2])
	add("2", 4, "Comfortable; the fabric shows every crumb.", users[0])
	add("2", 3, "Cushions flattened within a year.", users[3])
	add("3", 4, "Good back support for the price.", users[1])
	add("3", 2, "One leg was shorter than the others.", users[4])
	add("4", 5, "Warm light, perfect for reading.", users[3])
	add("4", 5, "Bought a second one for the hall.", users[2])

	bodies := [...]string{
		"Exactly as described.",
		"Arrived quickly and well packed.",
		"Smaller than it looked in the pictures.",
		"Would buy again.",
		"Fine, but not great.",
		"The finish scratches easily.",
	}
	for i := range generated {
		n := seedProducts + 1 + i
		upc := strconv.Itoa(n)
		h := mix(uint64(n))
		for j := range int(h % 4) {
			r := mix(h + uint64(j))
			add(upc, 1+int(r%5), bodies[(r>>8)%uint64(len(bodies))], users[(r>>16)%uint64(len(users))])
		}
	}
	return s, nil
}

// Reviews returns the reviews of one product in id order; none for an unknown
// upc. The slice is shared and must not be modified.
func (s *Store) Reviews(upc string) []Review {
	return s.byUPC[upc]
}

// Summary returns the count and average rating (rounded to two decimals) of
// one product's reviews.
func (s *Store) Summary(upc string) Summary {
	rs := s.byUPC[upc]
	if len(rs) == 0 {
		return Summary{}
	}
	total := 0
	for _, r := range rs {
		total += r.Rating
	}
	avg := math.Round(float64(total)/float64(len(rs))*100) / 100
	return Summary{Count: len(rs), Average: &avg}
}

// authors returns fresh values on every call: no package-level state.
func authors() []Author {
	return []Author{
		{ID: "u1", Name: "Ada"},
		{ID: "u2", Name: "Grace"},
		{ID: "u3", Name: "Alan"},
		{ID: "u4", Name: "Edsger"},
		{ID: "u5", Name: "Barbara"},
	}
}

// mix is SplitMix64's finaliser: a cheap, well-spread, deterministic hash of n.
func mix(n uint64) uint64 {
	n += 0x9e3779b97f4a7c15
	n = (n ^ (n >> 30)) * 0xbf58476d1ce4e5b9
	n = (n ^ (n >> 27)) * 0x94d049bb133111eb
	return n ^ (n >> 31)
}
