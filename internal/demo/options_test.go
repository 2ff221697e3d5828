package demo

import (
	"reflect"
	"strings"
	"testing"
)

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		in, want Options
	}{
		{Options{}, Options{CatalogAddr: DefaultCatalogAddr, ReviewsAddr: DefaultReviewsAddr, InventoryAddr: DefaultInventoryAddr, ShippingAddr: DefaultShippingAddr, QAAddr: DefaultQAAddr}},
		{Options{CatalogAddr: "127.0.0.1:0", Products: 3}, Options{CatalogAddr: "127.0.0.1:0", ReviewsAddr: DefaultReviewsAddr, InventoryAddr: DefaultInventoryAddr, ShippingAddr: DefaultShippingAddr, QAAddr: DefaultQAAddr, Products: 3}},
		{Options{ReviewsAddr: ":9"}, Options{CatalogAddr: DefaultCatalogAddr, ReviewsAddr: ":9", InventoryAddr: DefaultInventoryAddr, ShippingAddr: DefaultShippingAddr, QAAddr: DefaultQAAddr}},
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

func TestOnPorts(t *testing.T) {
	tests := []struct {
		base    int
		want    Options
		wantErr string
	}{
		{0, Loopback(0), ""},
		{4101, Options{}.withDefaults(), ""},
		{65531, Options{CatalogAddr: "127.0.0.1:65531", ReviewsAddr: "127.0.0.1:65532", InventoryAddr: "127.0.0.1:65533", ShippingAddr: "127.0.0.1:65534", QAAddr: "127.0.0.1:65535"}, ""},
		{65532, Options{}, "port 65532 out of range [1, 65531] (the upstreams take it and the next 4)"},
		{-1, Options{}, "port -1 out of range"},
	}
	for _, tt := range tests {
		got, err := OnPorts(tt.base)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("OnPorts(%d): error %v, want %q", tt.base, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("OnPorts(%d) = %+v, %v; want %+v", tt.base, got, err, tt.want)
		}
	}
}
