package demo

import (
	"reflect"
	"testing"
)

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		in, want Options
	}{
		{Options{}, Options{CatalogAddr: DefaultCatalogAddr, ReviewsAddr: DefaultReviewsAddr, InventoryAddr: DefaultInventoryAddr, ShippingAddr: DefaultShippingAddr}},
		{Options{CatalogAddr: "127.0.0.1:0", Products: 3}, Options{CatalogAddr: "127.0.0.1:0", ReviewsAddr: DefaultReviewsAddr, InventoryAddr: DefaultInventoryAddr, ShippingAddr: DefaultShippingAddr, Products: 3}},
		{Options{ReviewsAddr: ":9"}, Options{CatalogAddr: DefaultCatalogAddr, ReviewsAddr: ":9", InventoryAddr: DefaultInventoryAddr, ShippingAddr: DefaultShippingAddr}},
	}
	for _, tt := range tests {
		if got := tt.in.withDefaults(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v.withDefaults() = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestURLHost(t *testing.T) {
	tests := map[string]string{
		"":          "127.0.0.1",
		"0.0.0.0":   "127.0.0.1",
		"::":        "127.0.0.1",
		"127.0.0.1": "127.0.0.1",
		"::1":       "::1",
		"localhost": "localhost",
	}
	for in, want := range tests {
		if got := urlHost(in); got != want {
			t.Errorf("urlHost(%q) = %q, want %q", in, got, want)
		}
	}
}
