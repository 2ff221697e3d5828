package virtualservices_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/weft-gateway/weft/schema/compose"
	"github.com/weft-gateway/weft/virtualservices"
)

// feedSubgraphSDL extends the two kinds of item a REST feed returns.
const feedSubgraphSDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  _unused: Int
}

type Story @key(fields: "id") {
  id: ID!
  likes: Int!
}

type Poll @key(fields: "id") {
  id: ID!
  votes: Int!
}
`

// TestFederationExtendsUnionMembersToldByTypeBy: a REST upstream returns a
// list of two kinds of item, told apart by @typeBy (no __typename in its
// JSON), and a federated subgraph extends both kinds. Each item's
// subgraph fields are fetched by its key, under its own type, in one
// _entities call.
func TestFederationExtendsUnionMembersToldByTypeBy(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode([]map[string]any{
			{"kind": "story", "id": "s1", "title": "Weft ships"},
			{"kind": "poll", "id": "p1", "question": "Tabs or spaces?"},
			{"kind": "story", "id": "s2", "title": "Registry lands"},
		})
	}))
	t.Cleanup(feed.Close)
	extras := startSubgraph(t, "extras", servedSDL(feedSubgraphSDL, "Story", "Poll"), serviceRoot(feedSubgraphSDL), func(rep map[string]any) map[string]any {
		id, _ := rep["id"].(string)
		switch rep["__typename"] {
		case "Story":
			return map[string]any{"__typename": "Story", "id": id, "likes": 10 * len(id)}
		case "Poll":
			return map[string]any{"__typename": "Poll", "id": id, "votes": 7}
		}
		return nil
	})
	res, err := compose.Compose([]compose.Subgraph{{Name: "extras", URL: extras.srv.URL, SDL: feedSubgraphSDL}})
	if err != nil {
		t.Fatalf("composition: %v", err)
	}
	dir := writeConfig(t, map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: feed}
spec:
  rest: {baseURL: "` + feed.URL + `"}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: social}
spec:
  supergraph: {file: supergraph.graphql}
`,
		"vs.yaml": `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema:
            supergraph: social
            file: api.graphql
`,
		"api.graphql": `union FeedItem @typeBy(key: "kind", values: {Story: "story", Poll: "poll"}) = Story | Poll

extend type Query {
  feed: [FeedItem!]! @rest(upstream: "feed", path: "/feed")
}

extend type Story {
  title: String!
}

extend type Poll {
  question: String!
}
`,
		"supergraph.graphql": res.Supergraph,
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg", OSDir: dir})
	r := g.query("", `{ feed { __typename ... on Story { id title likes } ... on Poll { id question votes } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.raw)
	}
	equalJSON(t, r.Data, `{"feed": [
		{"__typename": "Story", "id": "s1", "title": "Weft ships", "likes": 20},
		{"__typename": "Poll", "id": "p1", "question": "Tabs or spaces?", "votes": 7},
		{"__typename": "Story", "id": "s2", "title": "Registry lands", "likes": 20}]}`)
	if calls := entityCallsOf(extras); len(calls) != 1 || len(calls[0]) != 3 {
		t.Errorf("_entities calls = %v; want one with the three items", calls)
	}
}
