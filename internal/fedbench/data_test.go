package fedbench_test

import (
	"reflect"
	"testing"

	"github.com/weft-gateway/weft/internal/fedbench"
)

// TestData: the data is the same on every call, every review's author and
// product exist, each user reviews ReviewsPerUser different products, and
// reviews are spread evenly over the products.
func TestData(t *testing.T) {
	d := fedbench.NewData()
	if again := fedbench.NewData(); !reflect.DeepEqual(d, again) {
		t.Fatal("NewData differs between calls")
	}
	if n := len(d.Users()); n != fedbench.UserCount {
		t.Errorf("%d users, want %d", n, fedbench.UserCount)
	}
	if n := len(d.Products()); n != fedbench.ProductCount {
		t.Errorf("%d products, want %d", n, fedbench.ProductCount)
	}
	if n := len(d.Reviews()); n != fedbench.UserCount*fedbench.ReviewsPerUser {
		t.Errorf("%d reviews, want %d", n, fedbench.UserCount*fedbench.ReviewsPerUser)
	}
	for _, r := range d.Reviews() {
		if _, ok := d.User(r.AuthorID); !ok {
			t.Errorf("review %s: no author %s", r.ID, r.AuthorID)
		}
		if _, ok := d.Product(r.ProductUPC); !ok {
			t.Errorf("review %s: no product %s", r.ID, r.ProductUPC)
		}
	}
	for _, u := range d.Users() {
		got, ok := d.User(u.ID)
		if !ok || got != u || u.Name == "" || u.Username == "" {
			t.Errorf("user %+v: lookup %+v, %t", u, got, ok)
		}
		seen := map[string]bool{}
		for _, r := range d.ReviewsBy(u.ID) {
			if r.AuthorID != u.ID || seen[r.ProductUPC] {
				t.Errorf("user %s: review %+v is another's, or of a product reviewed twice", u.ID, r)
			}
			seen[r.ProductUPC] = true
		}
		if len(seen) != fedbench.ReviewsPerUser {
			t.Errorf("user %s reviews %d products, want %d", u.ID, len(seen), fedbench.ReviewsPerUser)
		}
	}
	per := fedbench.UserCount * fedbench.ReviewsPerUser / fedbench.ProductCount
	for _, p := range d.Products() {
		if got, ok := d.Product(p.UPC); !ok || got != p {
			t.Errorf("product %+v: lookup %+v, %t", p, got, ok)
		}
		rs := d.ReviewsOf(p.UPC)
		if len(rs) != per {
			t.Errorf("product %s has %d reviews, want %d", p.UPC, len(rs), per)
		}
		for _, r := range rs {
			if r.ProductUPC != p.UPC {
				t.Errorf("product %s: review %+v is of another", p.UPC, r)
			}
		}
	}
	if _, ok := d.User("u0"); ok {
		t.Error("user u0 exists")
	}
	if _, ok := d.Product(""); ok {
		t.Error("product with an empty upc exists")
	}
	if rs := d.ReviewsBy("nobody"); len(rs) != 0 {
		t.Errorf("reviews by an unknown user: %v", rs)
	}
}

func TestDataCopies(t *testing.T) {
	d := fedbench.NewData()
	d.Users()[0].Name = "changed"
	d.Products()[0].Price = -1
	d.Reviews()[0].Body = "changed"
	d.ReviewsBy("u1")[0].Body = "changed"
	if u, _ := d.User("u1"); u.Name == "changed" {
		t.Error("Users returns the data itself")
	}
	if p, _ := d.Product("p1"); p.Price == -1 {
		t.Error("Products returns the data itself")
	}
	if r := d.Reviews()[0]; r.Body == "changed" {
		t.Error("Reviews or ReviewsBy return the data itself")
	}
}

func TestTopProducts(t *testing.T) {
	d := fedbench.NewData()
	for _, tt := range []struct{ n, want int }{{-1, 0}, {0, 0}, {3, 3}, {fedbench.ProductCount, fedbench.ProductCount}, {1000, fedbench.ProductCount}} {
		got := d.TopProducts(tt.n)
		if len(got) != tt.want || (tt.want > 0 && got[0].UPC != "p1") {
			t.Errorf("TopProducts(%d) = %d products from %v, want %d from p1", tt.n, len(got), got, tt.want)
		}
	}
}

func TestShippingEstimate(t *testing.T) {
	i := func(v int) *int { return &v }
	tests := []struct {
		name          string
		price, weight *int
		want          *int
	}{
		{"cheap: half the weight", i(54), i(10), i(5)},
		{"odd weight rounds down", i(54), i(7), i(3)},
		{"at the threshold: not free", i(1000), i(300), i(150)},
		{"above it: free", i(1001), i(300), i(0)},
		{"no price", nil, i(300), nil},
		{"no weight", i(10), nil, nil},
	}
	for _, tt := range tests {
		got := fedbench.ShippingEstimate(tt.price, tt.weight)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("%s: ShippingEstimate = %v, want %v", tt.name, got, tt.want)
		}
	}
}
