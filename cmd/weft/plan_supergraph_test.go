package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// accountsSupergraph composes accounts, which knows users by id and
// email, and billing, which knows their balance by id.
const accountsSupergraph = `schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}

enum join__Graph {
  ACCOUNTS @join__graph(name: "accounts", url: "http://accounts.invalid/graphql")
  BILLING @join__graph(name: "billing", url: "http://billing.invalid/graphql")
}

type Query
  @join__type(graph: ACCOUNTS)
  @join__type(graph: BILLING)
{
  me: User @join__field(graph: ACCOUNTS)
}

type User
  @join__type(graph: ACCOUNTS, key: "id")
  @join__type(graph: BILLING, key: "id")
{
  id: ID!
  name: String @join__field(graph: ACCOUNTS)
  balance: Int @join__field(graph: BILLING)
}
`

// TestPlanSupergraph runs weft plan over a supergraph file: the plan is
// the federated one, a root fetch to accounts and an _entities fetch to
// billing by the user's id, in text and in JSON. Planning calls no
// subgraph (their hosts do not resolve).
func TestPlanSupergraph(t *testing.T) {
	dir := writeFiles(t, map[string]string{"supergraph.graphql": accountsSupergraph})
	file := filepath.Join(dir, "supergraph.graphql")
	r := weft(t, "plan", "--supergraph", file, "--query", `{ me { name balance } }`)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%+v", r)
	}
	want := `Plan query {
  Sequence {
    Fetch #0 supergraph (supergraph) subgraph accounts {
      query{me{name id}}
    }
    Fetch #1 supergraph (supergraph) at me subgraph billing entities User by {id} {
      query($__weft_representations:[_Any!]!){_entities(representations:$__weft_representations){...on User{balance}}}
    }
  }
}
`
	if r.stdout != want {
		t.Errorf("plan:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = weft(t, "plan", "--supergraph", file, "--json", "--query", `{ me { balance } }`)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, part := range []string{`"subgraph":"accounts"`, `"subgraph":"billing","entities":"User","representation":"id"`, `"at":"me"`} {
		if !strings.Contains(r.stdout, part) {
			t.Errorf("JSON plan lacks %s:\n%s", part, r.stdout)
		}
	}
}

// TestPlanSupergraphErrors: a supergraph that cannot be read, and a query
// it cannot answer, fail with exit code 1 and an error at the file, line
// and column of the fault, naming no resource file weft generates to
// serve the supergraph (those are on no disk).
func TestPlanSupergraphErrors(t *testing.T) {
	bad := strings.Replace(accountsSupergraph, `@join__type(graph: BILLING, key: "id")`, `@join__type(graph: BILING, key: "id")`, 1)
	dir := writeFiles(t, map[string]string{"supergraph.graphql": accountsSupergraph, "bad.graphql": bad})
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown graph", []string{"--supergraph", filepath.Join(dir, "bad.graphql"), "--query", "{ me { name } }"},
			[]string{filepath.Join(dir, "bad.graphql") + ":39:22: @join__type names graph BILING, which join__Graph does not list"}},
		{"no such file", []string{"--supergraph", filepath.Join(dir, "nope.graphql"), "--query", "{ me { name } }"},
			[]string{"--supergraph " + filepath.Join(dir, "nope.graphql") + ": no such file"}},
		{"field clients cannot query", []string{"--supergraph", filepath.Join(dir, "supergraph.graphql"), "--query", "{ me { email } }"},
			[]string{`Cannot query field "email" on type "User"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := weft(t, append([]string{"plan"}, tt.args...)...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("exit code %d, stdout %q", r.code, r.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "weft-supergraph") {
				t.Errorf("stderr names a generated file:\n%s", r.stderr)
			}
		})
	}
}
