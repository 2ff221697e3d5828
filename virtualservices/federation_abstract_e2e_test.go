package virtualservices_test

// End-to-end tests of entity fetches over objects of several types: one
// _entities call per subgraph and level, each parent sent as its own type
// (or as the interface an @interfaceObject subgraph knows), and each
// answer merged back into its parents by position.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/virtualservices"
)

// zooSupergraph composes three subgraphs: zoo lists animals (an entity
// interface, Cat and Dog), vet resolves fields of cats and dogs by their
// own keys (a dog's diet requires its breed, which zoo resolves), and
// health sees Animal as an @interfaceObject and lists checkups.
const zooSupergraph = `schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

interface Animal
  @join__type(graph: HEALTH, key: "id", isInterfaceObject: true)
  @join__type(graph: ZOO, key: "id")
{
  id: ID!
  weight: Int @join__field(graph: HEALTH)
  name: String @join__field(graph: ZOO)
}

type Cat implements Animal
  @join__implements(graph: ZOO, interface: "Animal")
  @join__type(graph: VET, key: "id")
  @join__type(graph: ZOO, key: "id")
{
  id: ID!
  weight: Int @join__field
  lives: Int @join__field(graph: VET)
  name: String @join__field(graph: ZOO)
}

type Dog implements Animal
  @join__implements(graph: ZOO, interface: "Animal")
  @join__type(graph: VET, key: "id")
  @join__type(graph: ZOO, key: "id")
{
  id: ID!
  weight: Int @join__field
  vaccinated: Boolean @join__field(graph: VET)
  breed: String @join__field(graph: VET, external: true) @join__field(graph: ZOO)
  diet: String @join__field(graph: VET, requires: "breed")
  name: String @join__field(graph: ZOO)
}

scalar join__FieldSet

enum join__Graph {
  HEALTH @join__graph(name: "health", url: "http://health.invalid/graphql")
  VET @join__graph(name: "vet", url: "http://vet.invalid/graphql")
  ZOO @join__graph(name: "zoo", url: "http://zoo.invalid/graphql")
}

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}

type Query
  @join__type(graph: HEALTH)
  @join__type(graph: VET)
  @join__type(graph: ZOO)
{
  animals: [Animal] @join__field(graph: ZOO)
  checkups: [Animal] @join__field(graph: HEALTH)
}
`

// The subgraphs' own schemas, as each serves it.
const (
	zooSDL = `scalar _Any
union _Entity = Cat | Dog
type Query {
  animals: [Animal]
  _entities(representations: [_Any!]!): [_Entity]!
}
interface Animal {
  id: ID!
  name: String
}
type Cat implements Animal {
  id: ID!
  name: String
}
type Dog implements Animal {
  id: ID!
  name: String
  breed: String
}
`
	vetSDL = `scalar _Any
union _Entity = Cat | Dog
type Query {
  _entities(representations: [_Any!]!): [_Entity]!
}
type Cat {
  id: ID!
  lives: Int
}
type Dog {
  id: ID!
  vaccinated: Boolean
  breed: String
  diet: String
}
`
	healthSDL = `scalar _Any
union _Entity = Animal
type Query {
  checkups: [Animal]
  _entities(representations: [_Any!]!): [_Entity]!
}
type Animal {
  id: ID!
  weight: Int
}
`
)

// zooAnimals are the animals zoo lists: c1 twice, and d3, whom vet
// does not know.
var zooAnimals = []map[string]any{
	{"__typename": "Cat", "id": "c1", "name": "Tom"},
	{"__typename": "Dog", "id": "d1", "name": "Rex", "breed": "collie"},
	{"__typename": "Cat", "id": "c2", "name": "Kit"},
	{"__typename": "Dog", "id": "d2", "name": "Bo", "breed": "pug"},
	{"__typename": "Cat", "id": "c1", "name": "Tom"},
	{"__typename": "Dog", "id": "d3", "name": "Max", "breed": "lab"},
}

// zoo is the three subgraphs and a gateway serving their supergraph.
type zoo struct {
	zoo, vet, health *subgraph
	g                *gateway
}

func startZoo(t *testing.T) *zoo {
	t.Helper()
	z := &zoo{}
	z.zoo = startSubgraph(t, "zoo", zooSDL, func(*ast.Field, map[string]any) any {
		return zooAnimals
	}, func(rep map[string]any) map[string]any {
		// An Animal representation is answered as the animal's own type.
		for _, a := range zooAnimals {
			if a["id"] == rep["id"] && (rep["__typename"] == "Animal" || rep["__typename"] == a["__typename"]) {
				return a
			}
		}
		return nil
	})
	z.vet = startSubgraph(t, "vet", vetSDL, nil, func(rep map[string]any) map[string]any {
		id, _ := rep["id"].(string)
		switch {
		case id == "d3":
			return nil
		case rep["__typename"] == "Cat" && strings.HasPrefix(id, "c"):
			return map[string]any{"__typename": "Cat", "id": id, "lives": 9 - int(id[1]-'0')}
		case rep["__typename"] == "Dog" && strings.HasPrefix(id, "d"):
			obj := map[string]any{"__typename": "Dog", "id": id, "vaccinated": id == "d1"}
			if id == "d2" {
				obj["vaccinated"] = subgraphFieldError("the records of d2 are sealed")
			}
			// What diet requires is read from the representation only.
			if breed, ok := rep["breed"].(string); ok {
				obj["diet"] = "food for a " + breed
			} else {
				obj["diet"] = subgraphFieldError("no breed in the representation")
			}
			return obj
		}
		t.Errorf("vet: representation %v is of no type it knows by that id", rep)
		return nil
	})
	z.health = startSubgraph(t, "health", healthSDL, func(*ast.Field, map[string]any) any {
		return []any{
			map[string]any{"__typename": "Animal", "id": "d2", "weight": 20},
			map[string]any{"__typename": "Animal", "id": "c1", "weight": 10},
			map[string]any{"__typename": "Animal", "id": "d1", "weight": 10},
		}
	}, func(rep map[string]any) map[string]any {
		if rep["__typename"] != "Animal" {
			t.Errorf("health: representation %v, want an Animal", rep)
			return nil
		}
		id, _ := rep["id"].(string)
		return map[string]any{"__typename": "Animal", "id": id, "weight": 10 * int(id[1]-'0')}
	})
	up := fmt.Sprintf(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: zoo}
spec:
  exposeErrors: true
  supergraph:
    file: supergraph.graphql
    subgraphs:
      zoo: %q
      vet: %q
      health: %q
`, z.zoo.srv.URL, z.vet.srv.URL, z.health.srv.URL)
	vs := `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: zoo}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {supergraph: zoo}
`
	dir := writeConfig(t, map[string]string{"supergraph.graphql": zooSupergraph, "up.yaml": up, "vs.yaml": vs})
	logs := &logBuffer{}
	log := zerolog.New(logs)
	loader := &virtualservices.Loader{Kinds: kinds(), Log: log}
	snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir}, nil)
	if err != nil {
		t.Fatalf("config does not load:\n%v", err)
	}
	srv := virtualservices.NewServer(log)
	srv.Swap(snap)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	z.g = &gateway{t: t, server: srv, http: hs, logs: logs}
	return z
}

// TestFederationEntitiesOfSeveralTypes: the fields of cats and dogs that
// vet resolves come from one _entities call, each animal sent once as its
// own type with what its type's fields require (a dog's breed), and the
// weights from one call to health, every animal sent as an Animal; each
// answer reaches every animal it is for, and an error at
// ["_entities", n, "vaccinated"] the path of that animal's field.
func TestFederationEntitiesOfSeveralTypes(t *testing.T) {
	z := startZoo(t)
	r := z.g.query("", `{ animals { id name weight ... on Cat { lives } ... on Dog { vaccinated diet } } }`, nil)
	want := `{"animals":[` +
		`{"id":"c1","name":"Tom","weight":10,"lives":8},` +
		`{"id":"d1","name":"Rex","weight":10,"vaccinated":true,"diet":"food for a collie"},` +
		`{"id":"c2","name":"Kit","weight":20,"lives":7},` +
		`{"id":"d2","name":"Bo","weight":20,"vaccinated":null,"diet":"food for a pug"},` +
		`{"id":"c1","name":"Tom","weight":10,"lives":8},` +
		`{"id":"d3","name":"Max","weight":30,"vaccinated":null,"diet":null}]}`
	var got struct{ Data json.RawMessage }
	if err := json.Unmarshal([]byte(r.raw), &got); err != nil || string(got.Data) != want {
		t.Errorf("data\n got %s\nwant %s", got.Data, want)
	}
	if len(r.Errors) != 1 {
		t.Fatalf("got %d errors, want 1: %s", len(r.Errors), r.raw)
	}
	if e := r.Errors[0]; fmt.Sprint(e["path"]) != fmt.Sprint([]any{"animals", 3, "vaccinated"}) || e["message"] != "the records of d2 are sealed" {
		t.Errorf("error %v, want the sealed records at animals.3.vaccinated", e)
	}
	for _, tt := range []struct {
		s    *subgraph
		reps []string
	}{
		{z.vet, []string{"Cat c1", "Dog d1 collie", "Cat c2", "Dog d2 pug", "Dog d3 lab"}},
		{z.health, []string{"Animal c1", "Animal d1", "Animal c2", "Animal d2", "Animal d3"}},
	} {
		calls := tt.s.entityCalls()
		if len(calls) != 1 || tt.s.callCount() != 1 {
			t.Errorf("%s received %d calls (%d of _entities), want one _entities call", tt.s.name, tt.s.callCount(), len(calls))
			continue
		}
		var got []string
		for _, rep := range calls[0] {
			text := fmt.Sprint(rep["__typename"], " ", rep["id"])
			if b, ok := rep["breed"]; ok {
				text += fmt.Sprint(" ", b)
			}
			if len(rep) > 3 || len(rep) == 3 && rep["breed"] == nil {
				text += fmt.Sprintf(" (fields %v)", rep)
			}
			got = append(got, text)
		}
		if !slices.Equal(got, tt.reps) {
			t.Errorf("%s representations %v, want %v", tt.s.name, got, tt.reps)
		}
	}
	if n := z.zoo.callCount(); n != 1 {
		t.Errorf("zoo received %d calls, want 1", n)
	}
}

// TestFederationInterfaceObjectTypesAndFields: checkups come from health,
// which answers them as Animals; one _entities call to zoo with Animal
// representations tells each one's type and answers, in fragments on
// Cat and Dog, the fields zoo resolves for each type.
func TestFederationInterfaceObjectTypesAndFields(t *testing.T) {
	z := startZoo(t)
	r := z.g.query("", `{ checkups { __typename id weight name ... on Dog { breed } } }`, nil)
	r.noErrors(t)
	want := `{"checkups":[` +
		`{"__typename":"Dog","id":"d2","weight":20,"name":"Bo","breed":"pug"},` +
		`{"__typename":"Cat","id":"c1","weight":10,"name":"Tom"},` +
		`{"__typename":"Dog","id":"d1","weight":10,"name":"Rex","breed":"collie"}]}`
	var got struct{ Data json.RawMessage }
	if err := json.Unmarshal([]byte(r.raw), &got); err != nil || string(got.Data) != want {
		t.Errorf("data\n got %s\nwant %s", got.Data, want)
	}
	calls := z.zoo.entityCalls()
	if len(calls) != 1 || z.zoo.callCount() != 1 {
		t.Fatalf("zoo received %d calls (%d of _entities), want one _entities call", z.zoo.callCount(), len(calls))
	}
	if got := fmt.Sprint(calls[0]); got != "[map[__typename:Animal id:d2] map[__typename:Animal id:c1] map[__typename:Animal id:d1]]" {
		t.Errorf("zoo representations %s, want d2, c1 and d1 as Animals", got)
	}
	if n := z.health.callCount(); n != 1 {
		t.Errorf("health received %d calls, want 1", n)
	}
	if n := z.vet.callCount(); n != 0 {
		t.Errorf("vet received %d calls for a query that needs none of its fields", n)
	}
}

// TestFederationEntityErrorWithoutPath: an error a subgraph answers
// without a path, for a call that carried cats and dogs, is reported at
// the first field the call fetched of each animal's own type.
func TestFederationEntityErrorWithoutPath(t *testing.T) {
	z := startZoo(t)
	z.vet.mu.Lock()
	z.vet.errs = []map[string]any{{"message": "vet is degraded"}}
	z.vet.mu.Unlock()
	r := z.g.query("", `{ animals { id ... on Cat { lives } ... on Dog { vaccinated } } }`, nil)
	var got []string
	for _, e := range r.Errors {
		got = append(got, fmt.Sprint(e["path"], " ", e["message"]))
	}
	sort.Strings(got)
	want := []string{
		"[animals 0 lives] vet is degraded",
		"[animals 1 vaccinated] vet is degraded",
		"[animals 2 lives] vet is degraded",
		"[animals 3 vaccinated] the records of d2 are sealed",
		"[animals 3 vaccinated] vet is degraded",
		"[animals 4 lives] vet is degraded",
		"[animals 5 vaccinated] vet is degraded",
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors\n got %q\nwant %q\n%s", got, want, r.raw)
	}
	if calls := z.vet.entityCalls(); len(calls) != 1 {
		t.Errorf("vet received %d _entities calls, want 1", len(calls))
	}
}
