package qa

import (
	"fmt"
	"hash/fnv"
	"strconv"
)

// MaxGenerated bounds the generated products a Store covers; it matches
// the catalog's and the reviews service's bounds, so that the three
// describe the same shop.
const MaxGenerated = 10_000

// seedProducts is the number of hand-written catalog products (upcs "1" to
// "5"); generated products start at upc "6".
const seedProducts = 5

// Store holds the questions of one server instance. It is never modified
// after NewStore returns, so it is safe for concurrent use without locks.
type Store struct {
	byUPC map[string][]*Question
	byID  map[string]*Question
	// known are the upcs the catalog has: entities of other upcs are
	// null.
	known map[string]bool
}

// NewStore returns the seed questions (products 1 to 4; the rug has none)
// plus zero to two deterministic questions for each of `generated`
// generated products (upcs 6 onwards, as in the catalog), each derived
// from its upc alone.
func NewStore(generated int) (*Store, error) {
	if generated < 0 || generated > MaxGenerated {
		return nil, fmt.Errorf("qa: generated products %d out of range [0, %d]", generated, MaxGenerated)
	}
	s := &Store{byUPC: map[string][]*Question{}, byID: map[string]*Question{}, known: map[string]bool{}}
	add := func(upc, id, text, askedBy string, answers ...*Answer) {
		if answers == nil {
			answers = []*Answer{}
		}
		q := &Question{ID: id, Text: text, AskedBy: askedBy, Answers: answers}
		s.byUPC[upc] = append(s.byUPC[upc], q)
		s.byID[id] = q
	}
	for n := 1; n <= seedProducts+generated; n++ {
		s.known[strconv.Itoa(n)] = true
	}
	add("1", "q1", "Does it extend to seat ten?", "Grace", &Answer{Text: "No: eight is the most it seats.", By: "the shop"})
	add("1", "q2", "Is the top solid wood?", "Alan",
		&Answer{Text: "Solid oak, oiled.", By: "the shop"},
		&Answer{Text: "Mine has no veneer anywhere.", By: "Ada"})
	add("2", "q3", "Are the covers washable?", "Edsger", &Answer{Text: "Yes, at 30 °C.", By: "the shop"})
	add("3", "q4", "Does it stack?", "Barbara")
	add("4", "q5", "What bulb does it take?", "Ada", &Answer{Text: "E27, up to 60 W.", By: "the shop"})

	texts := [...]string{"How heavy is it?", "Does it come assembled?", "Is it available in black?", "How long is the warranty?"}
	names := [...]string{"Ada", "Grace", "Alan", "Edsger", "Barbara"}
	for i := range generated {
		upc := strconv.Itoa(seedProducts + 1 + i)
		h := hash(upc)
		for j := range int(h % 3) {
			r := hash(upc + "/" + strconv.Itoa(j))
			var answers []*Answer
			if r%2 == 0 {
				answers = append(answers, &Answer{Text: "See the product page.", By: "the shop"})
			}
			add(upc, "q"+upc+"-"+strconv.Itoa(j), texts[(r>>4)%uint64(len(texts))], names[(r>>8)%uint64(len(names))], answers...)
		}
	}
	return s, nil
}

// Questions returns a product's questions, oldest first, and whether the
// catalog has the product. The slice is shared and must not be modified.
func (s *Store) Questions(upc string) ([]*Question, bool) {
	if !s.known[upc] {
		return nil, false
	}
	qs := s.byUPC[upc]
	if qs == nil {
		qs = []*Question{}
	}
	return qs, true
}

// Question returns a question by id, or nil.
func (s *Store) Question(id string) *Question { return s.byID[id] }

// HelpfulVotes is how many customers found review id helpful: derived
// from the id alone, so that it matches whatever reviews the reviews
// service has.
func HelpfulVotes(id string) int { return int(hash("review/"+id) % 25) }

// hash is FNV-1a of s: deterministic across runs and platforms.
func hash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}
