package fedbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// The paths a Subgraph serves.
const (
	// GraphQLPath is the GraphQL endpoint, POST and GET.
	GraphQLPath = "/graphql"
	// StatsPath answers GET with the subgraph's Stats as JSON.
	StatsPath = "/stats"
)

// Bounds of a subgraph's GraphQL endpoint.
const (
	// maxRequestBody bounds a request: a batch of a few thousand
	// representations fits many times over.
	maxRequestBody = 4 << 20
	// queryCacheSize bounds the parsed-query cache; a gateway sends few
	// distinct operations.
	queryCacheSize = 1000
)

// Subgraph is one subgraph's HTTP face: its GraphQL server at GraphQLPath,
// counting every request it receives there, and the count at StatsPath.
type Subgraph struct {
	name     string
	mux      *http.ServeMux
	requests atomic.Int64
	// gql serves GraphQLPath, behind the request counter.
	gql http.Handler
}

// NewSubgraph serves es, a gqlgen executable schema, as the subgraph
// named name.
func NewSubgraph(name string, es graphql.ExecutableSchema) *Subgraph {
	s := &Subgraph{name: name, mux: http.NewServeMux()}
	srv := handler.New(es)
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	// gqlgen answers _service { sdl } only with introspection on.
	srv.Use(extension.Introspection{})
	s.gql = http.MaxBytesHandler(srv, maxRequestBody)
	s.mux.Handle(GraphQLPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.gql.ServeHTTP(w, r)
	}))
	s.mux.HandleFunc("GET "+StatsPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Stats{Requests: s.requests.Load()})
	})
	return s
}

// WrapGraphQL puts wrap around the GraphQL server, inside the request
// counter (a response memo, say, whose hits are still requests). Call it
// before serving.
func (s *Subgraph) WrapGraphQL(wrap func(http.Handler) http.Handler) { s.gql = wrap(s.gql) }

// Name is the subgraph's name, as join__Graph names it.
func (s *Subgraph) Name() string { return s.name }

// Requests is the number of requests GraphQLPath has received, whatever
// their outcome.
func (s *Subgraph) Requests() int64 { return s.requests.Load() }

// ServeHTTP serves GraphQLPath and StatsPath.
func (s *Subgraph) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Stats is a subgraph's counters, as StatsPath answers them.
type Stats struct {
	// Requests is what Subgraph.Requests returns.
	Requests int64 `json:"requests"`
}

// maxStatsBody bounds the answer ReadStats reads.
const maxStatsBody = 4 << 10

// ReadStats asks the subgraph whose GraphQL endpoint is graphqlURL for its
// Stats, at StatsPath on the same host.
func ReadStats(ctx context.Context, client *http.Client, graphqlURL string) (Stats, error) {
	u, err := url.Parse(graphqlURL)
	if err != nil {
		return Stats{}, fmt.Errorf("subgraph stats: %w", err)
	}
	u = u.ResolveReference(&url.URL{Path: StatsPath})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Stats{}, fmt.Errorf("subgraph stats: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Stats{}, fmt.Errorf("subgraph stats: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxStatsBody))
	if err != nil {
		return Stats{}, fmt.Errorf("subgraph stats from %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Stats{}, fmt.Errorf("subgraph stats from %s: HTTP %d", u, resp.StatusCode)
	}
	var st Stats
	if err := json.Unmarshal(body, &st); err != nil {
		return Stats{}, fmt.Errorf("subgraph stats from %s: %w", u, err)
	}
	return st, nil
}
