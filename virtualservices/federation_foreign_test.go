package virtualservices_test

// End-to-end tests of federated subgraphs extending the types other
// upstreams return: a route serves a supergraph and binds fields to a
// plain GraphQL catalog (the demo's, gqlgen), a REST service (the demo's
// reviews), a gRPC service (internal/grpctest's Kitchen, grpc-go on
// loopback) and a SOAP service (internal/soaptest's shipping fixture),
// whose objects are entities of the supergraph; fields only the
// subgraphs resolve (real GraphQL servers answering _entities and
// _service) are fetched by the objects' keys.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/internal/soaptest"
	"github.com/weft-gateway/weft/schema/compose"
	"github.com/weft-gateway/weft/virtualservices"
)

// extrasSDL is a subgraph that extends an entity of each upstream: the
// catalog's Product, the REST Review, the gRPC Item and the SOAP Carrier.
const extrasSDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  question(id: ID!): Question
}

type Product @key(fields: "upc") {
  upc: ID!
  questions: [Question!]!
}

type Question @key(fields: "id") {
  id: ID!
  text: String!
}

type Review @key(fields: "id") {
  id: ID!
  helpfulVotes: Int!
}

type Item @key(fields: "id") {
  id: ID!
  rating: Int!
}

type Carrier @key(fields: "code") {
  code: String!
  phone: String!
}
`

// votesSDL counts votes on the questions of extras: an entity fetch
// below an entity fetch of a foreign object.
const votesSDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Question @key(fields: "id") {
  id: ID!
  votes: Int!
}
`

// foreignSDL binds a field to each upstream, returning the supergraph's
// entities, and extends them with what each upstream returns.
const foreignSDL = `extend type Query {
  products: [Product!]! @graphql(upstream: "catalog")
  reviewsOf(upc: ID!): [Review!]! @rest(upstream: "reviews", path: "/products/{args.upc}/reviews")
  "A REST answer without the key: a review summary has no id."
  keyless(upc: ID!): Review @rest(upstream: "reviews", path: "/products/{args.upc}/reviews/summary")
  item(id: ID!): Item @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItem", request: {id: "{args.id}"})
  items(ids: [ID!]!): [Item!]! @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/GetItems", request: {ids: "{args.ids}"}, result: "items")
  carriers: [Carrier!]! @soap(upstream: "shipping", operation: "ShippingPort/ListCarriers")
}

extend type Product {
  name: String!
}

extend type Review {
  rating: Int!
  body: String!
}

extend type Item {
  name: String!
}

extend type Carrier {
  name: String!
  active: Boolean!
}
`

// servedSDL is the schema a federation subgraph of SDL sdl serves: its
// types with federation's own definitions, _entities and _service.
func servedSDL(sdl string, entities ...string) string {
	var b strings.Builder
	b.WriteString(`directive @link(url: String!, import: [String]) repeatable on SCHEMA
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
scalar _Any
type _Service { sdl: String! }
union _Entity = ` + strings.Join(entities, " | ") + "\n")
	b.WriteString(sdl)
	if strings.Contains(sdl, "type Query {") {
		b.WriteString("extend ")
	}
	b.WriteString("type Query {\n  _entities(representations: [_Any!]!): [_Entity]!\n  _service: _Service!\n}\n")
	return b.String()
}

// serviceRoot answers _service { sdl } with sdl, and nothing else.
func serviceRoot(sdl string) func(*ast.Field, map[string]any) any {
	return func(f *ast.Field, _ map[string]any) any {
		if f.Name == "_service" {
			return map[string]any{"__typename": "_Service", "sdl": sdl}
		}
		return nil
	}
}

// The subgraphs' data, derived from the keys so that the test computes
// what each answer must hold.

func questionsOf(upc string) []map[string]any {
	n, _ := strconv.Atoi(upc)
	out := []map[string]any{}
	for i := range n % 3 {
		id := fmt.Sprintf("q%s-%d", upc, i)
		out = append(out, map[string]any{"__typename": "Question", "id": id, "text": "Question " + strconv.Itoa(i) + " on " + upc + "?"})
	}
	return out
}

func votesOf(id string) int { return 10*len(id) + int(id[len(id)-1]-'0') }

func helpfulVotesOf(id string) int { return 3 * len(id) }

func phoneOf(code string) string { return "+1-555-" + code }

// foreignSetup is the gateway over the four upstreams and the two
// subgraphs.
type foreignSetup struct {
	g             *gateway
	extras, votes *subgraph
	kitchen       *grpctest.Server
	shipping      *soaptest.Server
}

// startForeign starts the upstreams and subgraphs and a gateway over
// them; extras may replace extrasSDL (the bad cases), and then the
// config's load error is returned instead.
func startForeign(t *testing.T, extras string) (*foreignSetup, error) {
	t.Helper()
	ups, err := demo.Start(context.Background(), zerolog.Nop(), demo.Loopback(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ups.Close() })
	kitchen, err := grpctest.Start(grpctest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kitchen.Close)
	shipping := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})

	fs := &foreignSetup{kitchen: kitchen, shipping: shipping}
	fs.extras = startSubgraph(t, "extras", servedSDL(extras, "Product", "Question", "Review", "Item", "Carrier"), serviceRoot(extras), func(rep map[string]any) map[string]any {
		switch rep["__typename"] {
		case "Product":
			upc, _ := rep["upc"].(string)
			qs := make([]any, 0)
			for _, q := range questionsOf(upc) {
				qs = append(qs, q)
			}
			return map[string]any{"__typename": "Product", "upc": upc, "questions": qs}
		case "Review":
			id, _ := rep["id"].(string)
			return map[string]any{"__typename": "Review", "id": id, "helpfulVotes": helpfulVotesOf(id)}
		case "Item":
			id, _ := rep["id"].(string)
			return map[string]any{"__typename": "Item", "id": id, "rating": len(id)}
		case "Carrier":
			code, _ := rep["code"].(string)
			return map[string]any{"__typename": "Carrier", "code": code, "phone": phoneOf(code)}
		}
		return nil
	})
	fs.votes = startSubgraph(t, "votes", servedSDL(votesSDL, "Question"), serviceRoot(votesSDL), func(rep map[string]any) map[string]any {
		id, _ := rep["id"].(string)
		return map[string]any{"__typename": "Question", "id": id, "votes": votesOf(id)}
	})
	res, err := compose.Compose([]compose.Subgraph{
		{Name: "extras", URL: fs.extras.srv.URL, SDL: extras},
		{Name: "votes", URL: fs.votes.srv.URL, SDL: votesSDL},
	})
	if err != nil {
		t.Fatalf("composition: %v", err)
	}
	catalogSDL, err := fsReadFile(demo.Config(), "catalog.graphql")
	if err != nil {
		t.Fatal(err)
	}
	upstreams := `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog}
spec:
  graphql:
    url: ` + ups.CatalogURL() + `
    schema: {file: catalog.graphql}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews}
spec:
  rest: {baseURL: "` + ups.ReviewsURL() + `"}
---
` + kitchenUpstream("kitchen", kitchen.Addr(), "") + `---
` + soapUpstream("shipping", "wsdl/shipping.wsdl", "", "") + `---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: shop}
spec:
  supergraph: {file: supergraph.graphql}
`
	vs := `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          exposePlan: true
          schema:
            supergraph: shop
            file: api.graphql
`
	dir := soapConfig(t, shipping, map[string]string{
		"up.yaml": upstreams, "vs.yaml": vs, "api.graphql": foreignSDL,
		"catalog.graphql": string(catalogSDL), "supergraph.graphql": res.Supergraph,
	})
	if _, err := grpctest.WriteProto(filepath.Join(dir, "protos")); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	log := zerolog.New(logs)
	loader := &virtualservices.Loader{Kinds: kinds(), Log: log}
	snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg", OSDir: dir}, nil)
	if err != nil {
		return nil, err
	}
	srv := virtualservices.NewServer(log)
	srv.Swap(snap)
	fs.g = &gateway{t: t, server: srv, logs: logs}
	fs.g.http = httptestServer(t, srv)
	return fs, nil
}

// entityCallsOf returns the number of _entities calls a subgraph
// received and the representations of each, as "type:key" sorted.
func entityCallsOf(s *subgraph) [][]string {
	var out [][]string
	for _, reps := range s.entityCalls() {
		var keys []string
		for _, r := range reps {
			var parts []string
			for k, v := range r {
				if k != "__typename" {
					parts = append(parts, fmt.Sprintf("%s=%v", k, v))
				}
			}
			sort.Strings(parts)
			keys = append(keys, fmt.Sprint(r["__typename"])+":"+strings.Join(parts, ","))
		}
		sort.Strings(keys)
		out = append(out, keys)
	}
	return out
}

func TestFederatedSubgraphsExtendOtherUpstreams(t *testing.T) {
	fs, err := startForeign(t, extrasSDL)
	if err != nil {
		t.Fatalf("config does not load:\n%v", err)
	}
	for _, tt := range []struct {
		name, query string
		// want computes the expected data.
		want func() any
		// extras and votes are the representations of each _entities
		// call the subgraph must receive: one call per level, every
		// parent in it, equal representations once.
		extras, votes [][]string
	}{
		{
			name:  "graphql",
			query: `{ products { upc name questions { text votes } } }`,
			want: func() any {
				var ps []any
				for i, name := range []string{"Table", "Couch", "Chair", "Lamp", "Rug"} {
					upc := strconv.Itoa(i + 1)
					qs := []any{}
					for _, q := range questionsOf(upc) {
						qs = append(qs, map[string]any{"text": q["text"], "votes": float64(votesOf(q["id"].(string)))})
					}
					ps = append(ps, map[string]any{"upc": upc, "name": name, "questions": qs})
				}
				return map[string]any{"products": ps}
			},
			extras: [][]string{{"Product:upc=1", "Product:upc=2", "Product:upc=3", "Product:upc=4", "Product:upc=5"}},
			votes:  [][]string{{"Question:id=q1-0", "Question:id=q2-0", "Question:id=q2-1", "Question:id=q4-0", "Question:id=q5-0", "Question:id=q5-1"}},
		},
		{
			name:  "rest",
			query: `{ reviewsOf(upc: "1") { id rating helpful: helpfulVotes } }`,
			want: func() any {
				return map[string]any{"reviewsOf": []any{
					map[string]any{"id": "r1", "rating": float64(5), "helpful": float64(helpfulVotesOf("r1"))},
					map[string]any{"id": "r2", "rating": float64(4), "helpful": float64(helpfulVotesOf("r2"))},
				}}
			},
			extras: [][]string{{"Review:id=r1", "Review:id=r2"}},
		},
		{
			name:  "grpc",
			query: `{ items(ids: ["a", "bb", "a"]) { id name rating } }`,
			want: func() any {
				var out []any
				for _, id := range []string{"a", "bb", "a"} {
					out = append(out, map[string]any{"id": id, "name": "Item " + id, "rating": float64(len(id))})
				}
				return map[string]any{"items": out}
			},
			extras: [][]string{{"Item:id=a", "Item:id=bb"}},
		},
		{
			name:  "grpc one",
			query: `{ item(id: "xyz") { name rating } }`,
			want: func() any {
				return map[string]any{"item": map[string]any{"name": "Item xyz", "rating": float64(3)}}
			},
			extras: [][]string{{"Item:id=xyz"}},
		},
		{
			name:  "soap",
			query: `{ carriers { code active phone } }`,
			want: func() any {
				var out []any
				for _, c := range []struct {
					code   string
					active bool
				}{{"UPS", true}, {"DHL", false}, {"ACME", false}} {
					out = append(out, map[string]any{"code": c.code, "active": c.active, "phone": phoneOf(c.code)})
				}
				return map[string]any{"carriers": out}
			},
			extras: [][]string{{"Carrier:code=ACME", "Carrier:code=DHL", "Carrier:code=UPS"}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs.extras.reset()
			fs.votes.reset()
			r := fs.g.query("", tt.query, nil)
			r.noErrors(t)
			equalAs(t, r.Data, tt.want())
			if got := entityCallsOf(fs.extras); fmt.Sprint(got) != fmt.Sprint(tt.extras) {
				t.Errorf("extras' _entities calls %v, want %v", got, tt.extras)
			}
			if got := entityCallsOf(fs.votes); fmt.Sprint(got) != fmt.Sprint(tt.votes) {
				t.Errorf("votes' _entities calls %v, want %v", got, tt.votes)
			}
		})
	}

	t.Run("all at once", func(t *testing.T) {
		r := fs.g.query("", `{
			products { name questions { votes } }
			reviewsOf(upc: "2") { helpfulVotes }
			items(ids: ["c"]) { rating }
			carriers { phone }
		}`, nil)
		r.noErrors(t)
		data, _ := r.Data.(map[string]any)
		for _, key := range []string{"products", "reviewsOf", "items", "carriers"} {
			if list, _ := data[key].([]any); len(list) == 0 {
				t.Errorf("%s is empty: %s", key, r.raw)
			}
		}
		if n := fs.kitchen.Calls("GetItems"); n < 1 {
			t.Errorf("the gRPC service got %d calls", n)
		}
		if n := fs.shipping.Calls("ShippingPort/ListCarriers"); n < 1 {
			t.Errorf("the SOAP service got %d calls", n)
		}
	})

	t.Run("rest object without its key", func(t *testing.T) {
		fs.extras.reset()
		r := fs.g.query("", `{ keyless(upc: "1") { helpfulVotes } }`, nil)
		if len(r.Errors) != 1 {
			t.Fatalf("want one error, got %s", r.raw)
		}
		e := r.Errors[0]
		equalJSON(t, e["path"], `["keyless","helpfulVotes"]`)
		if ext, _ := e["extensions"].(map[string]any); ext["code"] != "UPSTREAM_ERROR" || ext["upstream"] != "shop/extras" {
			t.Errorf("error %v", e)
		}
		// The reason goes to the log, with the request id.
		if !strings.Contains(fs.g.logs.String(), "cannot fetch Review from subgraph extras: the object has no value for a field its representation needs") {
			t.Errorf("the log does not say why:\n%s", fs.g.logs.String())
		}
		equalJSON(t, r.Data, `{"keyless":null}`)
		if n := len(fs.extras.entityCalls()); n != 0 {
			t.Errorf("extras got %d _entities calls for an object without a key", n)
		}
	})

	t.Run("plan", func(t *testing.T) {
		r := fs.g.query("", `{ reviewsOf(upc: "1") { helpfulVotes } }`, nil, "X-Weft-Plan", "1")
		r.noErrors(t)
		plan := fmt.Sprint(r.Extensions["queryPlan"])
		for _, want := range []string{"rest", "extras", "Review"} {
			if !strings.Contains(plan, want) {
				t.Errorf("plan lacks %q: %s", want, plan)
			}
		}
	})
}

// TestFederatedSubgraphsExtendOtherUpstreamsBadKey checks that a config
// whose upstream returns an entity without the fields of any key a
// subgraph fetches it by is refused at load, saying which.
func TestFederatedSubgraphsExtendOtherUpstreamsBadKey(t *testing.T) {
	for _, tt := range []struct {
		name, from, to, want string
	}{
		{
			name: "graphql",
			from: `type Product @key(fields: "upc") {`, to: `type Product @key(fields: "sku") {
  sku: ID!`,
			want: `Product.sku: has no binding, and upstream "catalog"'s type Product has no field "sku" to forward it to; the supergraph resolves it, but the upstream's Product lacks the fields of every key a subgraph could fetch it by (subgraph extras: "sku")`,
		},
		{
			name: "grpc",
			from: `type Item @key(fields: "id") {`, to: `type Item @key(fields: "sku") {
  sku: ID!`,
			// The gRPC message is checked where the binding reads it
			// whole (item), not through a result path (items).
			want: `Item.sku: has no binding, and upstream "kitchen"'s Item has no field "sku"; it is read from the upstream's answer, as a key subgraphs fetch Item by (subgraph extras: "sku")`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sdl := strings.Replace(extrasSDL, tt.from, tt.to, 1)
			_, err := startForeign(t, sdl)
			if err == nil {
				t.Fatal("the config loads")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n%v\nwant it to say\n%s", err, tt.want)
			}
		})
	}
}

// httptestServer serves h on a loopback port until the test ends.
func httptestServer(t *testing.T, srv *virtualservices.Server) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return hs
}

// equalAs compares a decoded JSON value with want, given as Go values
// that JSON decodes to (numbers as float64).
func equalAs(t *testing.T, got, want any) {
	t.Helper()
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	equalJSON(t, got, string(w))
}
