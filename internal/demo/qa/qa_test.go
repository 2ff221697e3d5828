package qa

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// post sends a GraphQL request to the subgraph over HTTP and returns the
// answer's data, failing on errors.
func post(t *testing.T, url, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []any          `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) > 0 || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, errors %v", resp.StatusCode, out.Errors)
	}
	return out.Data
}

func start(t *testing.T, generated int) string {
	t.Helper()
	s, err := NewStore(generated)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(s))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestServiceSDL(t *testing.T) {
	data := post(t, start(t, 0), `{ _service { sdl } }`, nil)
	got, _ := data["_service"].(map[string]any)["sdl"].(string)
	if !strings.Contains(got, `type Product @key(fields: "upc")`) || !strings.Contains(got, `type Review @key(fields: "id")`) {
		t.Errorf("_service.sdl lacks the entities:\n%s", got)
	}
}

func TestEntities(t *testing.T) {
	url := start(t, 3)
	data := post(t, url, `query($r: [_Any!]!) { _entities(representations: $r) {
		... on Product { upc questions { id text askedBy answers { text by } } }
		... on Review { id helpfulVotes } } }`, map[string]any{"r": []any{
		map[string]any{"__typename": "Product", "upc": "1"},
		map[string]any{"__typename": "Product", "upc": "5"},
		map[string]any{"__typename": "Product", "upc": "99"},
		map[string]any{"__typename": "Review", "id": "r1"},
		map[string]any{"__typename": "Product", "upc": "8"},
	}})
	ents, _ := data["_entities"].([]any)
	if len(ents) != 5 {
		t.Fatalf("_entities %v", data)
	}
	table, _ := ents[0].(map[string]any)
	qs, _ := table["questions"].([]any)
	if len(qs) != 2 || qs[0].(map[string]any)["text"] != "Does it extend to seat ten?" || len(qs[1].(map[string]any)["answers"].([]any)) != 2 {
		t.Errorf("product 1: %v", table)
	}
	if rug, _ := ents[1].(map[string]any); rug == nil || len(rug["questions"].([]any)) != 0 {
		t.Errorf("product 5 (no questions): %v", ents[1])
	}
	if ents[2] != nil {
		t.Errorf("an unknown upc is %v, want null", ents[2])
	}
	if r, _ := ents[3].(map[string]any); r == nil || r["helpfulVotes"] != float64(HelpfulVotes("r1")) {
		t.Errorf("review r1: %v", ents[3])
	}
	if ents[4] == nil {
		t.Error("generated product 8 is null")
	}
}

func TestGeneratedQuestionsAreDeterministic(t *testing.T) {
	a, _ := NewStore(50)
	b, _ := NewStore(200)
	total := 0
	for n := 6; n <= 55; n++ {
		upc := strconv.Itoa(n)
		qa, _ := a.Questions(upc)
		qb, _ := b.Questions(upc)
		total += len(qa)
		if len(qa) != len(qb) {
			t.Fatalf("upc %s: %d and %d questions", upc, len(qa), len(qb))
		}
		for i := range qa {
			if qa[i].ID != qb[i].ID || qa[i].Text != qb[i].Text || qa[i].AskedBy != qb[i].AskedBy || len(qa[i].Answers) != len(qb[i].Answers) {
				t.Fatalf("upc %s question %d differs: %v %v", upc, i, qa[i], qb[i])
			}
		}
	}
	if total == 0 {
		t.Error("no generated product has a question")
	}
	if _, err := NewStore(MaxGenerated + 1); err == nil {
		t.Error("NewStore accepts more than MaxGenerated products")
	}
}

func TestQuestionRoot(t *testing.T) {
	data := post(t, start(t, 0), `{ question(id: "q5") { text answers { by } } missing: question(id: "nope") { id } }`, nil)
	q, _ := data["question"].(map[string]any)
	if q == nil || q["text"] != "What bulb does it take?" || data["missing"] != nil {
		t.Errorf("data %v", data)
	}
}
