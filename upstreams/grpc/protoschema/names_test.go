package protoschema

import (
	"context"
	"testing"
	"testing/fstest"
)

func TestKinds(t *testing.T) {
	fsys := fstest.MapFS{
		"a.proto": {Data: []byte(`syntax = "proto3";
package shop.a;
message M { string s = 1; }
service Store {
  rpc GetItem(M) returns (M);
  rpc Getaway(M) returns (M);
  rpc BatchGetItems(M) returns (M);
  rpc BatchCreateItems(M) returns (M);
  rpc get_item_count(M) returns (M);
  rpc ListItems(M) returns (M);
  rpc SearchItems(M) returns (M);
  rpc FindItem(M) returns (M);
  rpc CountItems(M) returns (M);
  rpc LookupItem(M) returns (M);
  rpc DescribeItem(M) returns (M);
  rpc FetchItem(M) returns (M);
  rpc ReadItem(M) returns (M);
  rpc QueryItems(M) returns (M);
  rpc Check(M) returns (M);
  rpc ExistsItem(M) returns (M);
  rpc CreateItem(M) returns (M);
  rpc Listen(M) returns (M);
  rpc Price(M) returns (M) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc GetOrCreate(M) returns (M) { option idempotency_level = IDEMPOTENT; }
  rpc GetDefault(M) returns (M) { option idempotency_level = IDEMPOTENCY_UNKNOWN; }
  rpc Override(M) returns (M);
  rpc Watch(M) returns (stream M);
}
`)},
		"b.proto": {Data: []byte(`syntax = "proto3";
package shop.b;
import "a.proto";
service Store { rpc GetItem(shop.a.M) returns (shop.a.M); }
service Other { rpc GetItem(shop.a.M) returns (shop.a.M); rpc CreateItem(shop.a.M) returns (shop.a.M); }
`)},
	}
	files, err := Compile(context.Background(), []string{"a.proto", "b.proto"}, CompileOptions{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, files, Options{Upstream: "u", Kinds: map[string]string{"shop.a.Store/Override": "QUERY"}})
	want := map[string]string{
		"shop.a.Store/GetItem":          "Query.shopAStoreGetItem",
		"shop.b.Store/GetItem":          "Query.shopBStoreGetItem",
		"shop.b.Other/GetItem":          "Query.otherGetItem",
		"shop.a.Store/Getaway":          "Mutation.getaway",
		"shop.a.Store/BatchGetItems":    "Query.batchGetItems",
		"shop.a.Store/BatchCreateItems": "Mutation.batchCreateItems",
		"shop.a.Store/get_item_count":   "Query.getItemCount",
		"shop.a.Store/ListItems":        "Query.listItems",
		"shop.a.Store/SearchItems":      "Query.searchItems",
		"shop.a.Store/FindItem":         "Query.findItem",
		"shop.a.Store/CountItems":       "Query.countItems",
		"shop.a.Store/LookupItem":       "Query.lookupItem",
		"shop.a.Store/DescribeItem":     "Query.describeItem",
		"shop.a.Store/FetchItem":        "Query.fetchItem",
		"shop.a.Store/ReadItem":         "Query.readItem",
		"shop.a.Store/QueryItems":       "Query.queryItems",
		"shop.a.Store/Check":            "Query.check",
		"shop.a.Store/ExistsItem":       "Query.existsItem",
		"shop.a.Store/CreateItem":       "Mutation.storeCreateItem",
		"shop.b.Other/CreateItem":       "Mutation.otherCreateItem",
		"shop.a.Store/Listen":           "Mutation.listen",
		"shop.a.Store/Price":            "Query.price",
		"shop.a.Store/GetOrCreate":      "Mutation.getOrCreate",
		"shop.a.Store/GetDefault":       "Query.getDefault",
		"shop.a.Store/Override":         "Query.override",
		"shop.a.Store/Watch":            "Subscription.watch",
	}
	for name, w := range want {
		m, ok := res.Methods[name]
		if !ok {
			t.Errorf("%s is not in the index", name)
			continue
		}
		if got := m.Root + "." + m.Field; got != w {
			t.Errorf("%s: %s, want %s", name, got, w)
		}
	}
	if len(res.Methods) != len(want) {
		t.Errorf("%d methods indexed, want %d", len(res.Methods), len(want))
	}
	checkBindings(t, parseSDL(t, "kinds", res.SDL), res)
}
