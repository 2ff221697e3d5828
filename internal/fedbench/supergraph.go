package fedbench

import (
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// SubgraphNames are the subgraphs' names, as join__Graph names them, in
// the supergraph's order.
func SubgraphNames() []string { return []string{"accounts", "inventory", "products", "reviews"} }

// supergraphTemplate is the composed supergraph of the four subgraphs with
// the placeholder "{{name}}" as each subgraph's URL, which keeps the file
// valid GraphQL as it stands.
//
//go:embed testdata/supergraph.graphql
var supergraphTemplate string

// Supergraph returns the supergraph of the four subgraphs in Apollo's
// composed Federation v2 form, with each subgraph's GraphQL endpoint taken
// from urls (subgraph name to absolute http or https URL). Every subgraph
// needs a URL, and urls may name no other.
func Supergraph(urls map[string]string) (string, error) {
	var errs []error
	pairs := make([]string, 0, 2*len(urls))
	for _, name := range SubgraphNames() {
		u, ok := urls[name]
		if !ok {
			errs = append(errs, fmt.Errorf("supergraph: no URL for subgraph %q", name))
			continue
		}
		if err := checkURL(u); err != nil {
			errs = append(errs, fmt.Errorf("supergraph: subgraph %q: %w", name, err))
			continue
		}
		pairs = append(pairs, `"{{`+name+`}}"`, `"`+u+`"`)
	}
	for name := range urls {
		if !isSubgraph(name) {
			errs = append(errs, fmt.Errorf("supergraph: no subgraph %q (want %s)", name, strings.Join(SubgraphNames(), ", ")))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return strings.NewReplacer(pairs...).Replace(supergraphTemplate), nil
}

// SupergraphTemplate returns the supergraph with its placeholder URLs,
// for comparison with a composed one.
func SupergraphTemplate() string { return supergraphTemplate }

func isSubgraph(name string) bool { return slices.Contains(SubgraphNames(), name) }

// checkURL accepts an absolute http or https URL that a GraphQL string
// holds without escapes.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("URL %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("URL %q: want an absolute http or https URL", s)
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e || r == '"' || r == '\\' {
			return fmt.Errorf("URL %q: character %q would need escaping in the supergraph", s, r)
		}
	}
	return nil
}
