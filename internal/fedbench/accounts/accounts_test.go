package accounts_test

import (
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/accounts"
	"github.com/weft-gateway/weft/internal/fedbench/fedbenchtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func serve(t *testing.T) (*fedbench.Subgraph, string) {
	t.Helper()
	s := accounts.NewHandler(fedbench.NewData())
	return s, fedbenchtest.Serve(t, s)
}

func TestService(t *testing.T) {
	_, url := serve(t)
	sdl := fedbenchtest.ServiceSDL(t, url)
	if sdl != accounts.SDL() {
		t.Errorf("_service.sdl:\n%s\nwant the schema file:\n%s", sdl, accounts.SDL())
	}
	for _, want := range []string{`@link(url: "https://specs.apollo.dev/federation/v2.3"`, `type User @key(fields: "id")`, `username: String @shareable`} {
		if !strings.Contains(sdl, want) {
			t.Errorf("_service.sdl lacks %s", want)
		}
	}
}

func TestEntities(t *testing.T) {
	q := fedbenchtest.EntitiesQuery(`__typename ... on User { id name username }`)
	tests := []struct {
		name string
		reps string
		want string
	}{
		{
			"batch in order, unknown id null, repeats answered each time",
			`[{"__typename":"User","id":"u3"},{"__typename":"User","id":"u404"},{"__typename":"User","id":"u1"},{"__typename":"User","id":"u3"}]`,
			`{"data":{"_entities":[
				{"__typename":"User","id":"u3","name":"Grace Hopper","username":"@grace3"},
				null,
				{"__typename":"User","id":"u1","name":"Ada Lovelace","username":"@ada1"},
				{"__typename":"User","id":"u3","name":"Grace Hopper","username":"@grace3"}]}}`,
		},
		{"empty batch", `[]`, `{"data":{"_entities":[]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := serve(t)
			a := fedbenchtest.Post(t, url, q, map[string]any{"r": fedbenchtest.Representations(t, tt.reps)})
			if a.Status != http.StatusOK || !fedbenchtest.SameJSON(t, a.Body, tt.want) {
				t.Errorf("HTTP %d: %s\nwant %s", a.Status, a.Body, tt.want)
			}
		})
	}
}

// TestEntitiesBadRepresentation: a representation without its key is a
// GraphQL error that names the key, with null in its place, not a crash.
func TestEntitiesBadRepresentation(t *testing.T) {
	_, url := serve(t)
	a := fedbenchtest.Post(t, url, fedbenchtest.EntitiesQuery(`... on User { id }`),
		map[string]any{"r": fedbenchtest.Representations(t, `[{"__typename":"User"}]`)})
	if a.Status != http.StatusOK || !strings.Contains(string(a.Body), `missing Key Field \"id\"`) || !strings.Contains(string(a.Body), `"_entities":[null]`) {
		t.Errorf("HTTP %d: %s; want an error naming the key id, and null", a.Status, a.Body)
	}
}

func TestRootFields(t *testing.T) {
	s, url := serve(t)
	a := fedbenchtest.Post(t, url, `{ me { id name } users { id } }`, nil)
	want := `{"data":{"me":{"id":"u1","name":"Ada Lovelace"},"users":[
		{"id":"u1"},{"id":"u2"},{"id":"u3"},{"id":"u4"},{"id":"u5"},{"id":"u6"},
		{"id":"u7"},{"id":"u8"},{"id":"u9"},{"id":"u10"},{"id":"u11"},{"id":"u12"}]}}`
	if a.Status != http.StatusOK || !fedbenchtest.SameJSON(t, a.Body, want) {
		t.Errorf("HTTP %d: %s\nwant %s", a.Status, a.Body, want)
	}
	if n := s.Requests(); n != 1 {
		t.Errorf("Requests() = %d after one request", n)
	}
}
