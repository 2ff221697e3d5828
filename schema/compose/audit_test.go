package compose

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// auditServer is the federation audit's server: its suites' subgraphs
// and the supergraphs Apollo's composition made of them. It is read from
// WEFT_FEDAUDIT_URL (http://localhost:4200, say); the test skips without
// it.
type auditServer struct{ base string }

func newAuditServer(t *testing.T) *auditServer {
	t.Helper()
	u := os.Getenv("WEFT_FEDAUDIT_URL")
	if u == "" {
		t.Skip("WEFT_FEDAUDIT_URL is not set: no federation audit server to compare with")
	}
	return &auditServer{base: strings.TrimRight(u, "/")}
}

func (a *auditServer) get(t *testing.T, path string) []byte {
	t.Helper()
	// A bound to catch a hang, not a speed target.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body
}

func (a *auditServer) ids(t *testing.T) []string {
	var ids []string
	if err := json.Unmarshal(a.get(t, "/ids"), &ids); err != nil {
		t.Fatalf("/ids: %v", err)
	}
	return ids
}

func (a *auditServer) subgraphs(t *testing.T, id string) []Subgraph {
	var raw []struct{ Name, URL, SDL string }
	if err := json.Unmarshal(a.get(t, "/"+id+"/subgraphs"), &raw); err != nil {
		t.Fatalf("/%s/subgraphs: %v", id, err)
	}
	out := make([]Subgraph, len(raw))
	for i, s := range raw {
		out[i] = Subgraph{Name: s.Name, URL: s.URL, SDL: s.SDL}
	}
	return out
}

// TestAuditSuitesEquivalent composes each audit suite's subgraphs and
// compares the result with the supergraph Apollo's composition made of
// them: the same subgraphs and URLs, types, fields, arguments and join
// directives.
func TestAuditSuitesEquivalent(t *testing.T) {
	srv := newAuditServer(t)
	ids := srv.ids(t)
	if len(ids) == 0 {
		t.Fatal("the audit server lists no suites")
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			want, err := gqlparser.LoadSchema(&ast.Source{Name: id + ".graphql", Input: string(srv.get(t, "/"+id+"/supergraph"))})
			if err != nil {
				t.Fatalf("the suite's own supergraph does not load: %v", err)
			}
			res, err := Compose(srv.subgraphs(t, id))
			if err != nil {
				t.Fatalf("compose: %v", err)
			}
			if diffs := Equivalent(res.Schema, want); len(diffs) > 0 {
				t.Errorf("composed (first) and Apollo's (second) supergraphs differ:\n%s\n\ncomposed:\n%s",
					strings.Join(diffs, "\n"), res.Supergraph)
			}
		})
	}
}
