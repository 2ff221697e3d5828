package fedbench_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/fedbenchtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// gqlResponse is a GraphQL answer; a subgraph answer with errors fails the
// test that asked.
type gqlResponse struct {
	Data   json.RawMessage   `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

// call POSTs query with variables to url and decodes its data into out.
func call(t *testing.T, client *http.Client, url, query string, vars map[string]any, out any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: HTTP %d, not JSON: %v: %s", url, resp.StatusCode, err, raw)
	}
	if resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("%s: HTTP %d: %s", url, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("%s: data %s: %v", url, r.Data, err)
	}
}

// The deep query's answer, field by field in the query's order, as a
// gateway writes it.
type (
	deepAnswer struct {
		Data struct {
			Users []*userL1 `json:"users"`
		} `json:"data"`
	}
	userL1 struct {
		ID       string      `json:"id"`
		Name     *string     `json:"name"`
		Username *string     `json:"username"`
		Reviews  []*reviewL1 `json:"reviews"`
	}
	reviewL1 struct {
		ID      string     `json:"id"`
		Body    *string    `json:"body"`
		Product *productL1 `json:"product"`
	}
	productFields struct {
		Upc              string  `json:"upc"`
		Name             *string `json:"name"`
		Price            *int    `json:"price"`
		Weight           *int    `json:"weight"`
		InStock          *bool   `json:"inStock"`
		ShippingEstimate *int    `json:"shippingEstimate"`
	}
	productL1 struct {
		productFields
		Reviews []*reviewL2 `json:"reviews"`
	}
	reviewL2 struct {
		ID     string  `json:"id"`
		Body   *string `json:"body"`
		Author *userL2 `json:"author"`
	}
	userL2 struct {
		ID       string      `json:"id"`
		Name     *string     `json:"name"`
		Username *string     `json:"username"`
		Reviews  []*reviewL3 `json:"reviews"`
	}
	reviewL3 struct {
		ID      string         `json:"id"`
		Body    *string        `json:"body"`
		Product *productFields `json:"product"`
	}
)

// review is a review as the reviews subgraph answers it.
type review struct {
	ID     string  `json:"id"`
	Body   *string `json:"body"`
	Author *struct {
		ID       string  `json:"id"`
		Username *string `json:"username"`
	} `json:"author"`
	Product *struct {
		Upc string `json:"upc"`
	} `json:"product"`
}

// stitcher answers the deep query from the four subgraphs the way a
// gateway would plan it: one batched _entities call per subgraph and
// level, each entity fetched once. It fails the test on any null where
// the data promises a value, so a review whose author or product another
// subgraph does not know is caught.
type stitcher struct {
	t      *testing.T
	client *http.Client
	urls   map[string]string
	calls  int

	users          map[string]*userL2 // name and username from accounts
	userReviews    map[string][]review
	products       map[string]*productFields
	productReviews map[string][]review
}

func newStitcher(t *testing.T, urls map[string]string) *stitcher {
	return &stitcher{
		t: t, client: &http.Client{Transport: &http.Transport{}}, urls: urls,
		users: map[string]*userL2{}, userReviews: map[string][]review{},
		products: map[string]*productFields{}, productReviews: map[string][]review{},
	}
}

func (s *stitcher) call(subgraph, query string, vars map[string]any, out any) {
	s.t.Helper()
	s.calls++
	call(s.t, s.client, s.urls[subgraph], query, vars, out)
}

// missing returns the keys of want not in have, once each, in order.
func missing[V any](have map[string]V, want []string) []string {
	var out []string
	for _, k := range want {
		if _, ok := have[k]; !ok && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func reps(typename, key string, values []string) []map[string]any {
	out := make([]map[string]any, len(values))
	for i, v := range values {
		out[i] = map[string]any{"__typename": typename, key: v}
	}
	return out
}

const reviewFields = `id body author { id username } product { upc }`

func (s *stitcher) fetchUsers(ids []string) {
	ids = missing(s.users, ids)
	if len(ids) == 0 {
		return
	}
	var out struct {
		Entities []*userL2 `json:"_entities"`
	}
	s.call("accounts", `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name username } } }`,
		map[string]any{"r": reps("User", "id", ids)}, &out)
	if len(out.Entities) != len(ids) {
		s.t.Fatalf("accounts answered %d users for %d representations", len(out.Entities), len(ids))
	}
	for i, u := range out.Entities {
		if u == nil || u.ID != ids[i] || u.Name == nil || u.Username == nil {
			s.t.Fatalf("accounts: user %s is unknown or incomplete: %+v", ids[i], u)
		}
		s.users[ids[i]] = u
	}
}

func (s *stitcher) fetchUserReviews(ids []string) {
	ids = missing(s.userReviews, ids)
	if len(ids) == 0 {
		return
	}
	var out struct {
		Entities []*struct {
			Reviews []review `json:"reviews"`
		} `json:"_entities"`
	}
	s.call("reviews", `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { reviews { `+reviewFields+` } } } }`,
		map[string]any{"r": reps("User", "id", ids)}, &out)
	if len(out.Entities) != len(ids) {
		s.t.Fatalf("reviews answered %d users for %d representations", len(out.Entities), len(ids))
	}
	for i, e := range out.Entities {
		if e == nil {
			s.t.Fatalf("reviews: user %s is unknown", ids[i])
		}
		s.userReviews[ids[i]] = e.Reviews
	}
}

func (s *stitcher) fetchProductReviews(upcs []string) {
	upcs = missing(s.productReviews, upcs)
	if len(upcs) == 0 {
		return
	}
	var out struct {
		Entities []*struct {
			Reviews []review `json:"reviews"`
		} `json:"_entities"`
	}
	s.call("reviews", `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { reviews { `+reviewFields+` } } } }`,
		map[string]any{"r": reps("Product", "upc", upcs)}, &out)
	if len(out.Entities) != len(upcs) {
		s.t.Fatalf("reviews answered %d products for %d representations", len(out.Entities), len(upcs))
	}
	for i, e := range out.Entities {
		if e == nil {
			s.t.Fatalf("reviews: product %s is unknown", upcs[i])
		}
		s.productReviews[upcs[i]] = e.Reviews
	}
}

// fetchProducts asks products for the products' own fields, then
// inventory for stock and the shipping estimate, sending the price and
// weight that shippingEstimate requires.
func (s *stitcher) fetchProducts(upcs []string) {
	upcs = missing(s.products, upcs)
	if len(upcs) == 0 {
		return
	}
	var own struct {
		Entities []*productFields `json:"_entities"`
	}
	s.call("products", `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { upc name price weight } } }`,
		map[string]any{"r": reps("Product", "upc", upcs)}, &own)
	if len(own.Entities) != len(upcs) {
		s.t.Fatalf("products answered %d products for %d representations", len(own.Entities), len(upcs))
	}
	inv := make([]map[string]any, len(upcs))
	for i, p := range own.Entities {
		if p == nil || p.Upc != upcs[i] || p.Name == nil || p.Price == nil || p.Weight == nil {
			s.t.Fatalf("products: product %s is unknown or incomplete: %+v", upcs[i], p)
		}
		inv[i] = map[string]any{"__typename": "Product", "upc": p.Upc, "price": *p.Price, "weight": *p.Weight}
	}
	var stock struct {
		Entities []*productFields `json:"_entities"`
	}
	s.call("inventory", `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { inStock shippingEstimate } } }`,
		map[string]any{"r": inv}, &stock)
	if len(stock.Entities) != len(upcs) {
		s.t.Fatalf("inventory answered %d products for %d representations", len(stock.Entities), len(upcs))
	}
	for i, p := range own.Entities {
		st := stock.Entities[i]
		if st == nil || st.InStock == nil || st.ShippingEstimate == nil {
			s.t.Fatalf("inventory: product %s is unknown or incomplete: %+v", upcs[i], st)
		}
		p.InStock, p.ShippingEstimate = st.InStock, st.ShippingEstimate
		s.products[upcs[i]] = p
	}
}

// productOf and authorOf check that a review names a product and an
// author, and return their keys.
func (s *stitcher) productOf(r review) string {
	if r.Product == nil {
		s.t.Fatalf("review %s has no product", r.ID)
	}
	return r.Product.Upc
}

func (s *stitcher) authorOf(r review) string {
	if r.Author == nil || r.Author.Username == nil {
		s.t.Fatalf("review %s has no author, or no username provided", r.ID)
	}
	return r.Author.ID
}

// answer runs the deep query and returns its answer as a gateway writes
// it.
func (s *stitcher) answer() []byte {
	var root struct {
		Users []*userL1 `json:"users"`
	}
	s.call("accounts", `{ users { id name username } }`, nil, &root)
	var userIDs []string
	for _, u := range root.Users {
		userIDs = append(userIDs, u.ID)
	}
	s.fetchUserReviews(userIDs)

	var l1Products []string
	for _, id := range userIDs {
		for _, r := range s.userReviews[id] {
			l1Products = append(l1Products, s.productOf(r))
		}
	}
	s.fetchProducts(l1Products)
	s.fetchProductReviews(l1Products)

	var authors []string
	for _, upc := range l1Products {
		for _, r := range s.productReviews[upc] {
			authors = append(authors, s.authorOf(r))
		}
	}
	s.fetchUsers(authors)
	s.fetchUserReviews(authors)

	var l3Products []string
	for _, id := range authors {
		for _, r := range s.userReviews[id] {
			l3Products = append(l3Products, s.productOf(r))
		}
	}
	s.fetchProducts(l3Products)

	var out deepAnswer
	out.Data.Users = root.Users
	for _, u := range root.Users {
		for _, r := range s.userReviews[u.ID] {
			p := &productL1{productFields: *s.products[s.productOf(r)]}
			for _, r2 := range s.productReviews[p.Upc] {
				a := s.users[s.authorOf(r2)]
				if *a.Username != *r2.Author.Username {
					s.t.Fatalf("review %s: reviews provides username %q for %s, accounts has %q", r2.ID, *r2.Author.Username, a.ID, *a.Username)
				}
				author := &userL2{ID: a.ID, Name: a.Name, Username: a.Username}
				for _, r3 := range s.userReviews[a.ID] {
					p3 := *s.products[s.productOf(r3)]
					author.Reviews = append(author.Reviews, &reviewL3{ID: r3.ID, Body: r3.Body, Product: &p3})
				}
				p.Reviews = append(p.Reviews, &reviewL2{ID: r2.ID, Body: r2.Body, Author: author})
			}
			u.Reviews = append(u.Reviews, &reviewL1{ID: r.ID, Body: r.Body, Product: p})
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// TestDeepAnswer answers the deep query from the four subgraphs over
// HTTP: every review's author and product must exist in the subgraphs
// that own them, the answer must be about 88 KB, and it must be the one
// DeepAnswer holds (go test ./internal/fedbench -run TestDeepAnswer
// -update rewrites it).
func TestDeepAnswer(t *testing.T) {
	_, urls := fedbenchtest.ServeAll(t)
	s := newStitcher(t, urls)
	defer s.client.CloseIdleConnections()
	got := s.answer()
	if n := len(got); n < 80_000 || n > 96_000 {
		t.Errorf("the deep answer is %d bytes, want 80-96 KB", n)
	}
	t.Logf("deep answer: %d bytes from %d subgraph calls", len(got), s.calls)
	golden := filepath.Join("testdata", "deep-answer.json")
	if *update {
		// DeepAnswer embeds the file at build time: it changes on the next run.
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want := fedbench.DeepAnswer(); !bytes.Equal(got, want) {
		t.Errorf("the deep answer differs from %s (-update rewrites it):\n got %s\nwant %s", golden, clip(got), clip(want))
	}
}

func clip(b []byte) string {
	if len(b) > 300 {
		return fmt.Sprintf("%s... (%d bytes)", b[:300], len(b))
	}
	return string(b)
}
