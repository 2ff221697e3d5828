package compose_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/fedaudit"
	"github.com/weft-gateway/weft/schema/compose"
)

// TestAuditSuitesEquivalent composes each suite's subgraphs of the
// federation audit (internal/fedaudit, which runs its server from a
// temporary copy) and compares the result with the supergraph Apollo's
// composition made of them: the same subgraphs and URLs, types, fields,
// arguments and join directives. It skips where the audit is absent.
func TestAuditSuitesEquivalent(t *testing.T) {
	if _, err := fedaudit.Dir(); errors.Is(err, fedaudit.ErrNotFound) {
		t.Skip(err)
	}
	srv := fedaudit.Start(t)
	ids, err := srv.IDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Fatal("the audit server lists no suites")
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			sdl, err := srv.Supergraph(id)
			if err != nil {
				t.Fatal(err)
			}
			want, gerr := gqlparser.LoadSchema(&ast.Source{Name: id + ".graphql", Input: sdl})
			if gerr != nil {
				t.Fatalf("the suite's own supergraph does not load: %v", gerr)
			}
			subs, err := srv.Subgraphs(id)
			if err != nil {
				t.Fatal(err)
			}
			in := make([]compose.Subgraph, len(subs))
			for i, s := range subs {
				in[i] = compose.Subgraph{Name: s.Name, URL: s.URL, SDL: s.SDL}
			}
			res, err := compose.Compose(in)
			if err != nil {
				t.Fatalf("compose: %v", err)
			}
			if diffs := compose.Equivalent(res.Schema, want); len(diffs) > 0 {
				t.Errorf("composed (first) and Apollo's (second) supergraphs differ:\n%s\n\ncomposed:\n%s",
					strings.Join(diffs, "\n"), res.Supergraph)
			}
		})
	}
}
