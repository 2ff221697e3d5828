package virtualservices_test

// The schema registry's check, per source kind: a config with an
// Upstream of each kind is built from files held in memory, one source
// (an OpenAPI document, a .proto, a WSDL, a subgraph's SDL, an SDL) is
// changed, the config is built again, and the two unified schemas are
// compared. These tests live here, not under schema/, because schema/
// may import gqlparser only, while building a unified schema from a
// source takes the loader and every upstream kind's importer.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema/compose"
	"github.com/weft-gateway/weft/schema/diff"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/virtualservices"
)

// edit replaces the text From of a file with To; the text must be there.
type edit struct{ File, From, To string }

// sourceCase changes sources and lists every change the unified schema
// must show, as "SEVERITY CLASS Coordinate", in Compare's order; or, for a
// change the build refuses, the error it must give.
type sourceCase struct {
	name    string
	edits   []edit
	want    []string
	wantErr string
}

// sourceKind is a config whose VirtualService "api" serves one upstream
// of a kind, and the changes to its source.
type sourceKind struct {
	name  string
	files map[string]string
	// finish derives files from the sources (a supergraph composed from
	// its subgraphs' SDLs), or is nil; its error is the build's.
	finish func(files map[string]string) error
	cases  []sourceCase
}

// unifiedSchema builds the config in files, held in memory, and returns
// the API's unified schema, or the build's error.
func unifiedSchema(t *testing.T, k sourceKind, files map[string]string) (*ast.Schema, error) {
	t.Helper()
	if k.finish != nil {
		if err := k.finish(files); err != nil {
			return nil, err
		}
	}
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	l := &virtualservices.Loader{Kinds: []upstreams.Kind{graphql.Kind(), rest.Kind(), grpcup.Kind(), soap.Kind(), federation.Kind()}, Log: zerolog.Nop()}
	schemas, err := l.Schemas(context.Background(), virtualservices.Config{FS: fsys, Dir: ".", DisplayRoot: "cfg"})
	if err != nil {
		return nil, err
	}
	s := schemas["api"]
	if s == nil {
		t.Fatalf("no schema for VirtualService api: %v", schemas)
	}
	return s.AST, nil
}

func TestSourceChanges(t *testing.T) {
	for _, k := range sourceKinds {
		t.Run(k.name, func(t *testing.T) {
			base, err := unifiedSchema(t, k, copyFiles(k.files))
			if err != nil {
				t.Fatalf("the base config does not build: %v", err)
			}
			if same := diff.Compare(base, base); len(same) != 0 {
				t.Fatalf("the base schema differs from itself: %v", same)
			}
			again, err := unifiedSchema(t, k, copyFiles(k.files))
			if err != nil {
				t.Fatal(err)
			}
			if changes := diff.Compare(base, again); len(changes) != 0 {
				t.Fatalf("building the same sources twice gives changes: %v", changes)
			}
			for _, tc := range k.cases {
				t.Run(tc.name, func(t *testing.T) {
					files := copyFiles(k.files)
					for _, e := range tc.edits {
						text, ok := files[e.File]
						if !ok || !strings.Contains(text, e.From) {
							t.Fatalf("%s does not hold %q", e.File, e.From)
						}
						files[e.File] = strings.Replace(text, e.From, e.To, 1)
					}
					changed, err := unifiedSchema(t, k, files)
					if tc.wantErr != "" {
						if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
							t.Fatalf("build error:\n%v\nwant it to contain %q", err, tc.wantErr)
						}
						return
					}
					if err != nil {
						t.Fatalf("the changed config does not build: %v", err)
					}
					var got []string
					for _, c := range diff.Compare(base, changed) {
						got = append(got, fmt.Sprintf("%s %s %s", c.Severity, c.Class, c.Coordinate))
					}
					if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
						t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
					}
				})
			}
		})
	}
}

func copyFiles(files map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[k] = v
	}
	return out
}

// apiVS serves the upstreams' generated fields, and the SDL in file when
// set.
func apiVS(schema string) string {
	return `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: ` + schema + `
`
}

var sourceKinds = []sourceKind{graphQLSource, supergraphSource, openAPISource, protoSource, wsdlSource}

// graphQLSource: a GraphQL upstream whose SDL is a file, and a route whose
// SDL (a file too) binds its root fields. The route's SDL is what clients
// see; the upstream's SDL is checked against it, so a change there that
// the route cannot serve is a build error, not a diff.
var graphQLSource = sourceKind{
	name: "graphql sdl",
	files: map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog}
spec:
  graphql:
    url: http://127.0.0.1:1/graphql
    schema: {file: catalog.graphql}
`,
		"vs.yaml": apiVS("{file: api.graphql}"),
		"catalog.graphql": `type Query {
  product(upc: String!): Product
  products(first: Int = 10): [Product!]!
}
type Product {
  upc: String!
  name: String!
  price: Int!
  condition: Condition!
}
enum Condition { NEW USED }
`,
		"api.graphql": `type Query {
  product(upc: String!): Product @graphql(upstream: "catalog")
  products(first: Int = 10): [Product!]! @graphql(upstream: "catalog")
}
type Product {
  upc: String!
  name: String!
  price: Int!
  condition: Condition!
}
enum Condition { NEW USED }
`,
	},
	cases: []sourceCase{
		{name: "field removed", edits: []edit{{"api.graphql", "  price: Int!\n", ""}}, want: []string{"BREAKING FIELD_REMOVED Product.price"}},
		{name: "field type changed", edits: []edit{{"api.graphql", "  price: Int!", "  price: Float!"}, {"catalog.graphql", "  price: Int!", "  price: Float!"}}, want: []string{"BREAKING FIELD_TYPE_CHANGED Product.price"}},
		{name: "output nullability loosened", edits: []edit{{"api.graphql", "  name: String!", "  name: String"}}, want: []string{"BREAKING OUTPUT_NULLABILITY_LOOSENED Product.name"}},
		{name: "output nullability tightened", edits: []edit{{"api.graphql", "product(upc: String!): Product @", "product(upc: String!): Product! @"}}, want: []string{"SAFE OUTPUT_NULLABILITY_TIGHTENED Query.product"}},
		{name: "enum value removed", edits: []edit{{"api.graphql", "enum Condition { NEW USED }", "enum Condition { NEW }"}, {"catalog.graphql", "enum Condition { NEW USED }", "enum Condition { NEW }"}}, want: []string{"BREAKING ENUM_VALUE_REMOVED Condition.USED"}},
		{name: "required argument added", edits: []edit{{"api.graphql", "product(upc: String!)", "product(upc: String!, region: String!)"}, {"catalog.graphql", "product(upc: String!)", "product(upc: String!, region: String!)"}}, want: []string{"BREAKING REQUIRED_ARG_ADDED Query.product(region:)"}},
		{name: "argument default changed", edits: []edit{{"api.graphql", "first: Int = 10", "first: Int = 20"}}, want: []string{"DANGEROUS ARG_DEFAULT_CHANGED Query.products(first:)"}},
		{name: "upstream field added: absorbed", edits: []edit{{"catalog.graphql", "  price: Int!\n", "  price: Int!\n  weight: Int\n"}}, want: nil},
		{name: "upstream field removed: the route cannot serve it", edits: []edit{{"catalog.graphql", "  price: Int!\n", ""}},
			wantErr: `cfg/api.graphql:8:3: Product.price: has no binding, and upstream "catalog"'s type Product has no field "price"`},
		{name: "upstream enum value added: the route cannot serve it", edits: []edit{{"catalog.graphql", "enum Condition { NEW USED }", "enum Condition { NEW USED REFURBISHED }"}},
			wantErr: `cfg/api.graphql:11:6: Condition: enum Condition lacks value REFURBISHED, which upstream "catalog" can return`},
		{name: "upstream argument became required: the route cannot pass it", edits: []edit{{"catalog.graphql", "products(first: Int = 10)", "products(first: Int!)"}},
			wantErr: `cfg/api.graphql:3:12: Query.products @graphql: argument "first" of type Int cannot be passed as upstream argument of type Int!`},
	},
}

// supergraphSource: two Apollo Federation subgraphs composed with
// schema/compose into the supergraph a supergraph upstream serves.
var supergraphSource = sourceKind{
	name: "federated subgraph",
	files: map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: shop}
spec:
  supergraph: {file: supergraph.graphql}
`,
		"vs.yaml": apiVS("{supergraph: shop}"),
		"products.graphql": `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query {
  product(upc: String!): Product
  topProducts(first: Int = 5): [Product!]!
}
type Product @key(fields: "upc") {
  upc: String!
  name: String!
  price: Int!
  category: Category!
}
enum Category { BOOKS GAMES TOYS }
`,
		"reviews.graphql": `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "upc") {
  upc: String!
  reviews: [Review!]!
}
type Review {
  body: String!
  stars: Int!
}
`,
	},
	finish: func(files map[string]string) error {
		var sgs []compose.Subgraph
		for _, name := range []string{"products", "reviews"} {
			sgs = append(sgs, compose.Subgraph{Name: name, URL: "http://127.0.0.1:1/" + name, SDL: files[name+".graphql"]})
		}
		res, err := compose.Compose(sgs)
		if err != nil {
			return fmt.Errorf("composition: %w", err)
		}
		files["supergraph.graphql"] = res.Supergraph
		return nil
	},
	cases: []sourceCase{
		{name: "field removed", edits: []edit{{"products.graphql", "  price: Int!\n", ""}}, want: []string{"BREAKING FIELD_REMOVED Product.price"}},
		{name: "field type changed", edits: []edit{{"products.graphql", "  price: Int!", "  price: Float!"}}, want: []string{"BREAKING FIELD_TYPE_CHANGED Product.price"}},
		{name: "output nullability loosened", edits: []edit{{"reviews.graphql", "  stars: Int!", "  stars: Int"}}, want: []string{"BREAKING OUTPUT_NULLABILITY_LOOSENED Review.stars"}},
		{name: "enum value removed", edits: []edit{{"products.graphql", "enum Category { BOOKS GAMES TOYS }", "enum Category { BOOKS GAMES }"}}, want: []string{"BREAKING ENUM_VALUE_REMOVED Category.TOYS"}},
		{name: "enum value added", edits: []edit{{"products.graphql", "enum Category { BOOKS GAMES TOYS }", "enum Category { BOOKS GAMES TOYS MUSIC }"}}, want: []string{"DANGEROUS ENUM_VALUE_ADDED Category.MUSIC"}},
		{name: "required argument added", edits: []edit{{"products.graphql", "topProducts(first: Int = 5)", "topProducts(first: Int = 5, category: Category!)"}}, want: []string{"BREAKING REQUIRED_ARG_ADDED Query.topProducts(category:)"}},
		{name: "field added by another subgraph", edits: []edit{{"reviews.graphql", "  reviews: [Review!]!\n", "  reviews: [Review!]!\n  rating: Float\n"}}, want: []string{"SAFE FIELD_ADDED Product.rating"}},
		{name: "type removed with the subgraph field that returned it", edits: []edit{{"reviews.graphql", "  reviews: [Review!]!\n", ""}, {"reviews.graphql", "type Review {\n  body: String!\n  stars: Int!\n}\n", ""}},
			want: []string{"BREAKING FIELD_REMOVED Product.reviews", "BREAKING TYPE_REMOVED Review"}},
		{name: "composition error", edits: []edit{{"reviews.graphql", "  upc: String!\n", "  upc: Int!\n"}},
			wantErr: `Product.upc: field Product.upc has type Int! here but String! in subgraph "products"`},
	},
}

// openAPISource: a REST upstream imported from an OpenAPI 3 document.
var openAPISource = sourceKind{
	name: "openapi",
	files: map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: pets}
spec:
  rest:
    openapi: {file: pets.json}
`,
		"vs.yaml": apiVS("{include: [pets]}"),
		"pets.json": `{
  "openapi": "3.0.3",
  "info": {"title": "Pets", "version": "1"},
  "servers": [{"url": "http://127.0.0.1:1/v1"}],
  "paths": {
    "/pets/{id}": {
      "get": {
        "operationId": "getPet",
        "parameters": [
          {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
          {"name": "verbose", "in": "query", "schema": {"type": "boolean"}}
        ],
        "responses": {"200": {"description": "the pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
      }
    },
    "/pets": {
      "get": {
        "operationId": "listPets",
        "parameters": [{"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}}],
        "responses": {"200": {"description": "the pets", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}
      },
      "post": {
        "operationId": "createPet",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}}},
        "responses": {"200": {"description": "the new pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
      }
    }
  },
  "components": {
    "schemas": {
      "Pet": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
          "id": {"type": "integer"},
          "name": {"type": "string"},
          "status": {"$ref": "#/components/schemas/Status"},
          "tag": {"type": "string"}
        }
      },
      "Status": {"type": "string", "enum": ["available", "pending", "sold"]},
      "NewPet": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "tag": {"type": "string"}}
      }
    }
  }
}
`,
	},
	cases: []sourceCase{
		{name: "property removed", edits: []edit{{"pets.json", `,
          "tag": {"type": "string"}
        }`, `
        }`}}, want: []string{"BREAKING FIELD_REMOVED Pet.tag"}},
		{name: "property type changed", edits: []edit{{"pets.json", `"id": {"type": "integer"}`, `"id": {"type": "string"}`}}, want: []string{"BREAKING FIELD_TYPE_CHANGED Pet.id"}},
		{name: "property no longer required", edits: []edit{{"pets.json", `"required": ["id", "name"]`, `"required": ["id"]`}}, want: []string{"BREAKING OUTPUT_NULLABILITY_LOOSENED Pet.name"}},
		{name: "enum value removed", edits: []edit{{"pets.json", `"enum": ["available", "pending", "sold"]`, `"enum": ["available", "pending"]`}}, want: []string{"BREAKING ENUM_VALUE_REMOVED Status.sold"}},
		{name: "enum value added", edits: []edit{{"pets.json", `"enum": ["available", "pending", "sold"]`, `"enum": ["available", "pending", "sold", "adopted"]`}}, want: []string{"DANGEROUS ENUM_VALUE_ADDED Status.adopted"}},
		{name: "required parameter added", edits: []edit{{"pets.json", `{"name": "verbose", "in": "query", "schema": {"type": "boolean"}}`, `{"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
          {"name": "store", "in": "query", "required": true, "schema": {"type": "string"}}`}}, want: []string{"BREAKING REQUIRED_ARG_ADDED Query.getPet(store:)"}},
		{name: "parameter type changed", edits: []edit{{"pets.json", `{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}`, `{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}`}},
			want: []string{"BREAKING ARG_TYPE_CHANGED Query.getPet(id:)"}},
		{name: "optional request property added", edits: []edit{{"pets.json", `"properties": {"name": {"type": "string"}, "tag": {"type": "string"}}`, `"properties": {"name": {"type": "string"}, "tag": {"type": "string"}, "age": {"type": "integer"}}`}},
			want: []string{"DANGEROUS OPTIONAL_INPUT_FIELD_ADDED NewPetInput.age"}},
		{name: "optional parameter became required", edits: []edit{{"pets.json", `{"name": "verbose", "in": "query", "schema"`, `{"name": "verbose", "in": "query", "required": true, "schema"`}}, want: []string{"BREAKING INPUT_NULLABILITY_TIGHTENED Query.getPet(verbose:)"}},
		{name: "required request property added", edits: []edit{{"pets.json", `"required": ["name"],
        "properties": {"name": {"type": "string"}, "tag": {"type": "string"}}`, `"required": ["name", "owner"],
        "properties": {"name": {"type": "string"}, "tag": {"type": "string"}, "owner": {"type": "string"}}`}}, want: []string{"BREAKING REQUIRED_INPUT_FIELD_ADDED NewPetInput.owner"}},
		{name: "operation deprecated", edits: []edit{{"pets.json", `"operationId": "listPets"`, `"operationId": "listPets", "deprecated": true`}}, want: []string{"SAFE DEPRECATION_ADDED Query.listPets"}},
		{name: "operation removed, with the request body type only it used", edits: []edit{{"pets.json", `,
      "post": {
        "operationId": "createPet",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}}},
        "responses": {"200": {"description": "the new pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
      }`, ""}}, want: []string{"BREAKING TYPE_REMOVED Mutation", "BREAKING TYPE_REMOVED NewPetInput"}},
		// The importer warns and imports what it can: the check shows what
		// that cost.
		{name: "parameter referring to nothing", edits: []edit{{"pets.json", `"#/components/schemas/Status"}}]`, `"#/components/schemas/Statu"}}]`}},
			want: []string{"SAFE TYPE_ADDED JSON", "BREAKING FIELD_TYPE_CHANGED Query.listPets", "BREAKING ARG_REMOVED Query.listPets(status:)"}},
		// A config held in memory follows references to its other files;
		// one the change does not hold degrades only what uses it.
		{name: "reference to a file that is not there", edits: []edit{{"pets.json", `"#/components/schemas/NewPet"}}}}`, `"other.json#/NewPet"}}}}`}},
			want: []string{"SAFE TYPE_ADDED JSON", "BREAKING ARG_TYPE_CHANGED Mutation.createPet(input:)", "BREAKING TYPE_REMOVED NewPetInput"}},
		{name: "document error", edits: []edit{{"pets.json", `"openapi": "3.0.3",`, `"openapi": "3.0.3"`}}, wantErr: "cfg/up.yaml:6:21: spec.rest.openapi.file: OpenAPI document of upstream pets: cfg/pets.json: not an OpenAPI or Swagger document"},
	},
}

// protoSource: a gRPC upstream whose services are compiled from a .proto.
var protoSource = sourceKind{
	name: "proto",
	files: map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog}
spec:
  grpc:
    target: "127.0.0.1:1"
    proto: {files: [shop/v1/catalog.proto]}
`,
		"vs.yaml": apiVS("{include: [catalog]}"),
		"shop/v1/catalog.proto": `syntax = "proto3";
package shop.v1;

service Catalog {
  rpc GetProduct(GetProductRequest) returns (Product);
  rpc ListProducts(ListProductsRequest) returns (ListProductsResponse);
  rpc UpdateProduct(UpdateProductRequest) returns (Product);
}

message GetProductRequest { string id = 1; }
message ListProductsRequest { int32 page_size = 1; Color color = 2; }
message ListProductsResponse { repeated Product products = 1; }
message UpdateProductRequest { Product product = 1; }

message Product {
  string id = 1;
  string name = 2;
  int32 price = 3;
  Color color = 4;
  repeated string tags = 5;
  optional string note = 6;
}

enum Color {
  COLOR_UNSPECIFIED = 0;
  COLOR_RED = 1;
  COLOR_GREEN = 2;
}
`,
	},
	cases: []sourceCase{
		{name: "field removed", edits: []edit{{"shop/v1/catalog.proto", "  repeated string tags = 5;\n", "  reserved 5;\n"}},
			want: []string{"BREAKING FIELD_REMOVED Product.tags", "BREAKING INPUT_FIELD_REMOVED ProductInput.tags"}},
		{name: "field type changed", edits: []edit{{"shop/v1/catalog.proto", "  int32 price = 3;", "  string price = 3;"}},
			want: []string{"BREAKING FIELD_TYPE_CHANGED Product.price", "DANGEROUS INPUT_FIELD_DEFAULT_CHANGED ProductInput.price", "BREAKING INPUT_FIELD_TYPE_CHANGED ProductInput.price"}},
		{name: "repeated field made singular", edits: []edit{{"shop/v1/catalog.proto", "  repeated string tags = 5;", "  string tags = 5;"}},
			want: []string{"BREAKING FIELD_TYPE_CHANGED Product.tags", "DANGEROUS INPUT_FIELD_DEFAULT_CHANGED ProductInput.tags", "BREAKING INPUT_FIELD_TYPE_CHANGED ProductInput.tags"}},
		{name: "field given optional presence", edits: []edit{{"shop/v1/catalog.proto", "  string name = 2;", "  optional string name = 2;"}},
			want: []string{"BREAKING OUTPUT_NULLABILITY_LOOSENED Product.name", "DANGEROUS INPUT_FIELD_DEFAULT_CHANGED ProductInput.name", "SAFE INPUT_NULLABILITY_LOOSENED ProductInput.name"}},
		{name: "enum value removed", edits: []edit{{"shop/v1/catalog.proto", "  COLOR_GREEN = 2;\n", ""}}, want: []string{"BREAKING ENUM_VALUE_REMOVED Color.COLOR_GREEN"}},
		{name: "request field added", edits: []edit{{"shop/v1/catalog.proto", "message GetProductRequest { string id = 1; }", "message GetProductRequest { string id = 1; string region = 2; }"}},
			want: []string{"DANGEROUS OPTIONAL_ARG_ADDED Query.getProduct(region:)"}},
		{name: "method removed", edits: []edit{{"shop/v1/catalog.proto", "  rpc GetProduct(GetProductRequest) returns (Product);\n", ""}}, want: []string{"BREAKING FIELD_REMOVED Query.getProduct"}},
		{name: "method added", edits: []edit{{"shop/v1/catalog.proto", "  rpc GetProduct(GetProductRequest) returns (Product);\n", "  rpc GetProduct(GetProductRequest) returns (Product);\n  rpc CountProducts(ListProductsRequest) returns (ListProductsResponse);\n"}}, want: []string{"SAFE FIELD_ADDED Query.countProducts"}},
		{name: "proto error", edits: []edit{{"shop/v1/catalog.proto", "int32 price = 3;", "int32 price = 3"}},
			wantErr: "cfg/up.yaml:7:12: spec.grpc.proto: shop/v1/catalog.proto:19:3: syntax error: expecting ';'"},
	},
}

// wsdlSource: a SOAP upstream imported from a WSDL 1.1 document.
var wsdlSource = sourceKind{
	name: "wsdl",
	files: map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: stock}
spec:
  soap: {wsdl: stock.wsdl}
`,
		"vs.yaml": apiVS("{include: [stock]}"),
		"stock.wsdl": `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
                  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
                  xmlns:xs="http://www.w3.org/2001/XMLSchema"
                  xmlns:tns="http://example.com/stock"
                  targetNamespace="http://example.com/stock">
  <wsdl:types>
    <xs:schema targetNamespace="http://example.com/stock" elementFormDefault="qualified">
      <xs:simpleType name="Grade">
        <xs:restriction base="xs:string">
          <xs:enumeration value="A"/>
          <xs:enumeration value="B"/>
          <xs:enumeration value="C"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:complexType name="Item">
        <xs:sequence>
          <xs:element name="Sku" type="xs:string"/>
          <xs:element name="Quantity" type="xs:int"/>
          <xs:element name="Grade" type="tns:Grade"/>
          <xs:element name="Note" type="xs:string" minOccurs="0"/>
        </xs:sequence>
      </xs:complexType>
      <xs:element name="GetItem">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="Sku" type="xs:string"/>
            <xs:element name="Warehouse" type="xs:string" minOccurs="0"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="GetItemResponse">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="Item" type="tns:Item"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="GetItemIn"><wsdl:part name="parameters" element="tns:GetItem"/></wsdl:message>
  <wsdl:message name="GetItemOut"><wsdl:part name="parameters" element="tns:GetItemResponse"/></wsdl:message>
  <wsdl:portType name="StockPortType">
    <wsdl:operation name="GetItem">
      <wsdl:input message="tns:GetItemIn"/>
      <wsdl:output message="tns:GetItemOut"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="StockSoap" type="tns:StockPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="GetItem">
      <soap:operation soapAction="http://example.com/stock/GetItem"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="StockService">
    <wsdl:port name="StockPort" binding="tns:StockSoap">
      <soap:address location="http://127.0.0.1:1/soap"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`,
	},
	cases: []sourceCase{
		{name: "element removed", edits: []edit{{"stock.wsdl", `          <xs:element name="Note" type="xs:string" minOccurs="0"/>
`, ""}}, want: []string{"BREAKING FIELD_REMOVED Item.note"}},
		{name: "element type changed", edits: []edit{{"stock.wsdl", `<xs:element name="Quantity" type="xs:int"/>`, `<xs:element name="Quantity" type="xs:string"/>`}}, want: []string{"BREAKING FIELD_TYPE_CHANGED Item.quantity"}},
		{name: "element made optional", edits: []edit{{"stock.wsdl", `<xs:element name="Quantity" type="xs:int"/>`, `<xs:element name="Quantity" type="xs:int" minOccurs="0"/>`}}, want: []string{"BREAKING OUTPUT_NULLABILITY_LOOSENED Item.quantity"}},
		{name: "element made a list", edits: []edit{{"stock.wsdl", `<xs:element name="Quantity" type="xs:int"/>`, `<xs:element name="Quantity" type="xs:int" maxOccurs="unbounded"/>`}}, want: []string{"BREAKING FIELD_TYPE_CHANGED Item.quantity"}},
		{name: "enumeration value removed", edits: []edit{{"stock.wsdl", `          <xs:enumeration value="C"/>
`, ""}}, want: []string{"BREAKING ENUM_VALUE_REMOVED Grade.C"}},
		{name: "enumeration value added", edits: []edit{{"stock.wsdl", `<xs:enumeration value="C"/>`, `<xs:enumeration value="C"/>
          <xs:enumeration value="D"/>`}}, want: []string{"DANGEROUS ENUM_VALUE_ADDED Grade.D"}},
		{name: "required request element added", edits: []edit{{"stock.wsdl", `<xs:element name="Warehouse" type="xs:string" minOccurs="0"/>`, `<xs:element name="Warehouse" type="xs:string" minOccurs="0"/>
            <xs:element name="Region" type="xs:string"/>`}}, want: []string{"BREAKING REQUIRED_ARG_ADDED Query.getItem(region:)"}},
		{name: "optional request element made required", edits: []edit{{"stock.wsdl", `<xs:element name="Warehouse" type="xs:string" minOccurs="0"/>`, `<xs:element name="Warehouse" type="xs:string"/>`}}, want: []string{"BREAKING INPUT_NULLABILITY_TIGHTENED Query.getItem(warehouse:)"}},
		{name: "operation renamed", edits: []edit{{"stock.wsdl", `<wsdl:operation name="GetItem">
      <wsdl:input message`, `<wsdl:operation name="FetchItem">
      <wsdl:input message`}, {"stock.wsdl", `<wsdl:operation name="GetItem">
      <soap:operation`, `<wsdl:operation name="FetchItem">
      <soap:operation`}},
			want: []string{"SAFE FIELD_ADDED Query.fetchItem", "BREAKING FIELD_REMOVED Query.getItem"}},
		// The importer warns and imports the element as JSON.
		{name: "element of an undefined type", edits: []edit{{"stock.wsdl", `type="tns:Grade"`, `type="tns:Grad"`}},
			want: []string{"BREAKING TYPE_REMOVED Grade", "BREAKING FIELD_TYPE_CHANGED Item.grade", "SAFE TYPE_ADDED JSON"}},
		{name: "wsdl error", edits: []edit{{"stock.wsdl", "</wsdl:types>", ""}},
			wantErr: "cfg/up.yaml:5:16: spec.soap.wsdl: WSDL of upstream stock: stock.wsdl:62: malformed XML: <wsdl:types> closed by </wsdl:definitions>"},
	},
}
