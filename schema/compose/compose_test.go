package compose

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestCompose composes each fixture of testdata/compose, compares the
// supergraph with the case's golden file, and checks what the case is
// about. The golden supergraphs match, byte for byte, what Apollo's
// composition emits for the same subgraphs.
func TestCompose(t *testing.T) {
	cases := map[string][]check{
		// Entities across four subgraphs: keys, @external, @requires,
		// @provides, a default argument.
		"entities": {
			joins("User", `@join__type(graph: "accounts", key: "id")`, `@join__type(graph: "reviews", key: "id")`),
			joins("User.username", `@join__field(graph: "accounts")`, `@join__field(external: true, graph: "reviews")`),
			joins("Review.author", `@join__field(graph: "reviews", provides: "username")`),
			joins("Product.weight", `@join__field(external: true, graph: "inventory")`, `@join__field(graph: "products")`),
			joins("Product.shippingEstimate", `@join__field(graph: "inventory", requires: "price weight")`),
			joins("Product.upc"),
			fieldType("Query.topProducts", "[Product]", "first: Int = 5"),
		},
		// Several keys, a compound and nested key, resolvable: false.
		"keys": {
			joins("Item",
				`@join__type(graph: "catalog", key: "id")`,
				`@join__type(graph: "catalog", key: "sku vendor { code }")`,
				`@join__type(graph: "catalog", key: "legacyId")`,
				`@join__type(graph: "pricing", key: "sku vendor { code }")`,
				`@join__type(graph: "legacy", key: "legacyId", resolvable: false)`),
			joins("Vendor.code"),
			joins("Vendor.region", `@join__field(graph: "catalog")`),
			joins("Item.price", `@join__field(graph: "pricing")`),
		},
		// Value types: output fields are the union, nullable where a
		// subgraph is; input fields the intersection, non-null where a
		// subgraph is; enums by use.
		"value-types": {
			fieldType("Result.title", "String"),
			joins("Result.title", `@join__field(graph: "a", type: "String!")`, `@join__field(graph: "b", type: "String")`),
			joins("Result.snippet", `@join__field(graph: "b")`),
			joins("Result.score"),
			fieldType("SearchFilter.text", "String!"),
			absent("SearchFilter.locale"),
			fieldType("Query.search", "[Result]", "filter: SearchFilter", "sort: Sort = RELEVANCE"),
			values("Sort", "RELEVANCE", "NEWEST"),
			values("Kind", "ARTICLE", "VIDEO", "PODCAST"),
			joins("Kind.VIDEO", `@join__enumValue(graph: "a")`),
			values("Status", "UP", "DOWN"),
		},
		// @override: a used field keeps usedOverridden, an unused one
		// leaves, a labelled one is shared, one from no subgraph stays.
		"override": {
			joins("Post.slug", `@join__field(graph: "a", usedOverridden: true)`, `@join__field(graph: "b", override: "a")`),
			joins("Post.title", `@join__field(graph: "b", override: "a")`),
			joins("Post.views", `@join__field(graph: "a", overrideLabel: "percent(25)")`, `@join__field(graph: "b", override: "a", overrideLabel: "percent(25)")`),
			joins("Post.comments", `@join__field(graph: "b", override: "gone")`),
		},
		// @inaccessible and @tag on every kind of element, merged.
		"inaccessible-tag": {
			joins("User", `@join__type(graph: "a", key: "id")`, `@join__type(graph: "b", key: "id")`, `@tag(name: "entity")`),
			joins("User.id", `@tag(name: "key")`),
			joins("User.ssn", `@inaccessible`, `@join__field(graph: "a")`),
			joins("Query.internalUsers", `@inaccessible`, `@join__field(graph: "a")`),
			joins("Role.SYSTEM", `@inaccessible`, `@join__enumValue(graph: "a")`),
			joins("Secret", `@join__type(graph: "b")`, `@inaccessible`),
			fieldType("User.karma", "Int", "window: Int @inaccessible"),
			fieldType("UserFilter.debug", "Boolean"),
			joins("UserFilter.debug", `@inaccessible`),
		},
		// @interfaceObject: the interface's fields reach every
		// implementation through the subgraph that has it as an object.
		"interface-object": {
			joins("Account", `@join__type(graph: "accounts", key: "id")`, `@join__type(graph: "billing", isInterfaceObject: true, key: "id")`),
			joins("Account.balance", `@join__field(graph: "billing")`),
			joins("Person.balance", `@join__field`),
			joins("Person.verified", `@join__field`),
			joins("Company.verified"),
		},
		// An entity interface: @key on an interface.
		"entity-interface": {
			joins("Media", `@join__type(graph: "media", key: "id")`),
			joins("Movie", `@join__implements(graph: "media", interface: "Media")`, `@join__type(graph: "media", key: "id")`, `@join__type(graph: "ratings", key: "id")`),
			joins("Movie.stars", `@join__field(graph: "ratings")`),
		},
		// Federation 1 subgraphs: extend type, @extends, external key
		// fields, an unused @external left out, every field shareable.
		"fed1": {
			joins("User", `@join__type(graph: "orders", key: "id")`, `@join__type(extension: true, graph: "profiles", key: "id")`, `@join__type(graph: "users", key: "id")`),
			joins("User.id"),
			joins("User.name", `@join__field(external: true, graph: "orders")`, `@join__field(graph: "users")`),
			absent("User.unused"),
			joins("Address.city"),
			joins("Order.buyer", `@join__field(graph: "orders", provides: "name")`),
		},
		// Federation directives renamed on import, and namespaced.
		"link-names": {
			joins("Thing", `@join__type(graph: "a", key: "id")`, `@join__type(graph: "b", key: "id")`, `@join__type(graph: "c", key: "id")`),
			joins("Thing.dims", `@join__field(external: true, graph: "b")`, `@join__field(graph: "c")`),
			joins("Thing.volume", `@join__field(graph: "b", requires: "dims")`),
			joins("Query.things", `@join__field(graph: "a")`, `@join__field(graph: "b")`),
		},
		// Arguments: an optional one some subgraphs lack leaves, types
		// merge to the stricter, a default some lack leaves.
		"arguments": {
			fieldType("Query.list", "[String]", "first: Int! = 10", "after: String", "filter: String"),
		},
		// Root types under other names become Query and Mutation, their
		// directives kept.
		"roots": {
			joins("Query", `@join__type(graph: "a")`, `@join__type(graph: "b")`, `@tag(name: "root")`),
			joins("Query.version"),
			fieldType("Node.parent", "Query"),
			joins("Mutation.ping", `@join__field(graph: "a")`),
			joins("Subscription", `@join__type(graph: "b")`),
		},
		// Descriptions (the one most subgraphs give), @deprecated and
		// @specifiedBy.
		"descriptions": {
			has("Time", `@join__type(graph: "b")`),
			description("Query.now", "The current time.\nMulti-line on purpose."),
			description("Time", "An instant, as RFC 3339 text."),
			description("Unit.S", "Seconds."),
			specifiedBy("Time", "https://www.rfc-editor.org/rfc/rfc3339"),
			deprecated("Query.old", "use now"),
			deprecated("Unit.MS", ""),
		},
		// Unions and interfaces: members and implementations per subgraph.
		"abstract": {
			members("SearchResult", "Author", "Book", "Magazine"),
			joins("SearchResult", `@join__type(graph: "a")`, `@join__type(graph: "b")`,
				`@join__unionMember(graph: "a", member: "Author")`, `@join__unionMember(graph: "a", member: "Book")`,
				`@join__unionMember(graph: "b", member: "Book")`, `@join__unionMember(graph: "b", member: "Magazine")`),
			joins("Named", `@join__implements(graph: "a", interface: "Node")`, `@join__type(graph: "a")`),
		},
		// A shared field may return a subtype in one subgraph.
		"covariance": {
			fieldType("Query.featured", "Pet"),
			joins("Query.featured", `@join__field(graph: "a", type: "Pet")`, `@join__field(graph: "b", type: "Dog")`),
			fieldType("Query.pets", "[Pet]"),
		},
		// @provides through fragments on an interface's implementations.
		"provides-fragments": {
			joins("Query.feed", `@join__field(graph: "catalog", provides: "... on Book { title } ... on Movie { title }")`),
			joins("Book.title", `@join__field(external: true, graph: "catalog")`, `@join__field(graph: "titles")`),
			joins("Movie.year", `@join__field(graph: "titles")`),
		},
		// A @requires whose field has a @requires of its own, each met
		// through another subgraph.
		"requires-chain": {
			joins("Order.total", `@join__field(graph: "a", requires: "subtotal")`),
			joins("Order.subtotal", `@join__field(external: true, graph: "a")`, `@join__field(graph: "b", requires: "items")`),
			joins("Order.items", `@join__field(external: true, graph: "b")`, `@join__field(graph: "c")`),
		},
		// An interface field one subgraph lacks, resolved through the
		// implementations' keys.
		"interface-implementations": {
			joins("Item.price", `@join__field(graph: "b")`),
			joins("Gadget", `@join__implements(graph: "a", interface: "Item")`, `@join__implements(graph: "b", interface: "Item")`,
				`@join__type(graph: "a", key: "id")`, `@join__type(graph: "b", key: "id")`),
		},
		// Executable directives every subgraph defines stay, at the
		// locations all allow; type-system ones do not.
		"executable-directives": {
			directiveLocations("trace", "QUERY"),
			noDirective("lowercase"),
			noDirective("audit"),
			joins("Query", `@join__type(graph: "a")`, `@join__type(graph: "b")`),
		},
	}
	for _, name := range caseDirs(t, "compose") {
		if _, ok := cases[name]; !ok {
			t.Errorf("testdata/compose/%s has no entry in the table", name)
		}
	}
	for name, checks := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "compose", name)
			res, err := Compose(loadCase(t, dir))
			if err != nil {
				t.Fatalf("compose: %v", err)
			}
			golden(t, filepath.Join(dir, "supergraph.graphql.golden"), res.Supergraph)
			for _, c := range checks {
				c(t, res.Schema)
			}
		})
	}
}

func description(coord, want string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		typ, field, _ := strings.Cut(coord, ".")
		def := s.Types[typ]
		if def == nil {
			t.Fatalf("no type %s", typ)
		}
		got := def.Description
		if field != "" {
			if f := def.Fields.ForName(field); f != nil {
				got = f.Description
			} else if v := def.EnumValues.ForName(field); v != nil {
				got = v.Description
			}
		}
		if got != want {
			t.Errorf("%s is described %q, want %q", coord, got, want)
		}
	}
}

func specifiedBy(typ, url string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		d := element(t, s, typ).ForName("specifiedBy")
		if d == nil || argString(d, "url") != url {
			t.Errorf("%s is not @specifiedBy(url: %q)", typ, url)
		}
	}
}

func deprecated(coord, reason string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		d := element(t, s, coord).ForName("deprecated")
		if d == nil || argString(d, "reason") != reason {
			t.Errorf("%s is not @deprecated(reason: %q)", coord, reason)
		}
	}
}

func directiveLocations(name string, want ...ast.DirectiveLocation) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		d := s.Directives[name]
		if d == nil {
			t.Fatalf("the supergraph does not define @%s", name)
		}
		if len(d.Locations) != len(want) {
			t.Fatalf("@%s is on %v, want %v", name, d.Locations, want)
		}
		for i := range want {
			if d.Locations[i] != want[i] {
				t.Errorf("@%s is on %v, want %v", name, d.Locations, want)
			}
		}
	}
}

func noDirective(name string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		if s.Directives[name] != nil {
			t.Errorf("the supergraph defines @%s", name)
		}
	}
}

// TestComposeDeterministic composes the same subgraphs in every order and
// gets the same supergraph: subgraphs are taken by name.
func TestComposeDeterministic(t *testing.T) {
	sgs := loadCase(t, filepath.Join("testdata", "compose", "entities"))
	first, err := Compose(sgs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sgs {
		rotated := append(append([]Subgraph(nil), sgs[i:]...), sgs[:i]...)
		for j := 0; j < 3; j++ {
			res, err := Compose(rotated)
			if err != nil {
				t.Fatal(err)
			}
			if res.Supergraph != first.Supergraph {
				t.Fatalf("composing in order %d gave another supergraph:\n%s", i, res.Supergraph)
			}
		}
	}
}

// TestComposeResultLoads checks that the Result's Schema is its
// Supergraph loaded, with the subgraphs' URLs in join__Graph.
func TestComposeResultLoads(t *testing.T) {
	res, err := Compose([]Subgraph{
		{Name: "all-products", URL: "https://products.internal/graphql", SDL: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { product(id: ID!): Product }
type Product @key(fields: "id") { id: ID! name: String }`},
		{Name: "9lives", URL: "https://lives.internal/graphql", SDL: `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "id") { id: ID! lives: Int }`},
	})
	if err != nil {
		t.Fatal(err)
	}
	again, err := gqlparser.LoadSchema(&ast.Source{Input: res.Supergraph})
	if err != nil {
		t.Fatal(err)
	}
	if d := Equivalent(res.Schema, again); len(d) > 0 {
		t.Errorf("Schema is not Supergraph: %v", d)
	}
	graph := res.Schema.Types["join__Graph"]
	want := map[string]string{
		"ALL_PRODUCTS": `@join__graph(name: "all-products", url: "https://products.internal/graphql")`,
		"_9LIVES":      `@join__graph(name: "9lives", url: "https://lives.internal/graphql")`,
	}
	if len(graph.EnumValues) != len(want) {
		t.Fatalf("join__Graph has %d values, want %d", len(graph.EnumValues), len(want))
	}
	for _, v := range graph.EnumValues {
		if got := printDirective(v.Directives.ForName("join__graph")); got != want[v.Name] {
			t.Errorf("join__Graph.%s: %s, want %s", v.Name, got, want[v.Name])
		}
	}
}

// TestComposeHints checks that what composition decides for the user is
// reported as a hint naming the element.
func TestComposeHints(t *testing.T) {
	for _, tc := range []struct {
		dir, code, coord string
	}{
		{"override", HintOverriddenFieldCanBeRemoved, "Post.title"},
		{"override", HintOverrideMigrationInProgress, "Post.views"},
		{"override", HintFromSubgraphDoesNotExist, "Post.comments"},
		{"arguments", HintInconsistentArgumentPresence, "Query.list(legacy:)"},
		{"arguments", HintInconsistentDefaultValuePresence, "Query.list(filter:)"},
		{"value-types", HintInconsistentInputObjectField, "SearchFilter.locale"},
		{"value-types", HintInconsistentEnumValueForInputEnum, "Sort.OLDEST"},
		{"fed1", HintUnusedExternalRemoved, "User.unused"},
		{"descriptions", HintInconsistentDescription, "Query.now"},
		{"executable-directives", HintDirectiveDropped, "@audit"},
	} {
		t.Run(tc.dir+"/"+tc.code, func(t *testing.T) {
			res, err := Compose(loadCase(t, filepath.Join("testdata", "compose", tc.dir)))
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			for _, h := range res.Hints {
				if h.Code == tc.code && h.Coordinate == tc.coord {
					return
				}
				seen = append(seen, h.String())
			}
			t.Errorf("no %s hint on %s; hints:\n%s", tc.code, tc.coord, strings.Join(seen, "\n"))
		})
	}
}
