package virtualservices_test

// End-to-end tests of what a REST upstream writes otherwise than GraphQL
// does: enum values under other names (@from(value:)), unions and
// interfaces whose answers carry no __typename (@typeBy), one-of inputs
// sent as their member (@unwrap), and credentials picked per binding
// (spec.authSchemes, @rest(auth:)). The server records what it gets and
// answers fixed JSON.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// wireCall is one request the wire server got.
type wireCall struct {
	Method, URI, Body string
	Header            http.Header
}

// wireServer answers fixed JSON by path and records every request.
type wireServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls []wireCall
}

func newWireServer(t *testing.T, answers map[string]string) *wireServer {
	t.Helper()
	ws := &wireServer{}
	ws.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ws.mu.Lock()
		ws.calls = append(ws.calls, wireCall{Method: r.Method, URI: r.URL.RequestURI(), Body: string(body), Header: r.Header.Clone()})
		ws.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if a, ok := answers[r.URL.Path]; ok {
			_, _ = io.WriteString(w, a)
			return
		}
		// Anything else echoes the request.
		_ = json.NewEncoder(w).Encode(map[string]string{"method": r.Method, "uri": r.URL.RequestURI(), "body": string(body)})
	}))
	t.Cleanup(ws.Close)
	return ws
}

// take returns the calls so far, and forgets them.
func (ws *wireServer) take() []wireCall {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	out := ws.calls
	ws.calls = nil
	return out
}

func wireGateway(t *testing.T, ws *wireServer, spec, sdl string, env map[string]string) *gateway {
	t.Helper()
	dir := writeConfig(t, map[string]string{
		"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n" + spec + "  rest: {baseURL: \"" + ws.URL + "\"}\n",
		"vs.yaml": vsYAML(sdl),
	})
	lookup := func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: lookup})
}

const enumWireSDL = `
type Query {
  task(id: ID!): Task @rest(upstream: "api", path: "/task/{args.id}")
  deep(id: ID!): Task @rest(upstream: "api", path: "/task/{args.id}")
  find(status: Status!, also: [Status!], level: Level): Echo @rest(upstream: "api",
    path: "/find/{args.status}?also={args.also*}&joined={args.also}&level={args.level}", headers: ["X-Status: {args.status}"])
}
type Mutation {
  add(input: TaskInput!): Echo @rest(upstream: "api", method: "POST", path: "/add", body: "{args.input}")
  addForm(input: TaskInput!): Echo @rest(upstream: "api", method: "POST", path: "/add",
    contentType: "application/x-www-form-urlencoded", body: "{args.input}")
  addFields(status: Status, level: Level): Echo @rest(upstream: "api", method: "POST", path: "/add",
    body: {s: "{args.status}", l: "{args.level}", text: "is {args.status}"})
}
enum Status {
  IN_PROGRESS @from(value: "in-progress")
  DONE @from(value: "Done")
  open
  EMPTY @from(value: "")
}
enum Level {
  LOW @from(value: 1)
  HIGH @from(value: 2)
}
input TaskInput { status: Status! history: [Status!] level: Level note: NoteInput }
input NoteInput { level: Level text: String @from(key: "the-text") }
type Task {
  status: Status
  history: [Status]
  level: Level
  self: Echo @rest(upstream: "api", path: "/self/{parent.status}/{parent.level}")
}
type Echo { method: String uri: String body: String }
`

// TestRESTEnumWire sends enum arguments as the values the upstream knows
// and reads its values back as the enum's names, in the one-pass (raw) and
// the tree renders alike.
func TestRESTEnumWire(t *testing.T) {
	ws := newWireServer(t, map[string]string{
		"/task/1":   `{"status":"in-progress","history":["Done","open","",null],"level":2}`,
		"/task/2":   `{"status":"DONE","level":1.0}`,
		"/task/bad": `{"status":"in progress"}`,
		"/task/num": `{"level":3}`,
	})
	g := wireGateway(t, ws, "", enumWireSDL, nil)

	r := g.query("", `{ task(id: "1") { status history level } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"task":{"status":"IN_PROGRESS","history":["DONE","open","EMPTY",null],"level":"HIGH"}}`)

	// The tree: a field below reads the parent's wire values.
	r = g.query("", `{ deep(id: "1") { status level self { uri } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"deep":{"status":"IN_PROGRESS","level":"HIGH","self":{"uri":"/self/in-progress/2"}}}`)
	ws.take()

	// A name where the wire value was expected reads too (a static
	// fallback is written in names); 1.0 is the number 1.
	for _, q := range []string{`{ task(id: "2") { status level } }`, `{ deep(id: "2") { status level self { uri } } }`} {
		r = g.query("", q, nil)
		r.noErrors(t)
		got := r.Data.(map[string]any)
		for _, v := range got {
			m := v.(map[string]any)
			if m["status"] != "DONE" || m["level"] != "LOW" {
				t.Errorf("%s: got %v", q, got)
			}
		}
	}

	// A value the enum does not know is an error at the field.
	for _, tt := range []struct{ id, msg string }{
		{"bad", `Enum Status cannot represent value \"in progress\"`},
		{"num", `Enum Level cannot represent value 3`},
	} {
		r = g.query("", `{ task(id: "`+tt.id+`") { status level } }`, nil)
		if len(r.Errors) != 1 || !strings.Contains(r.raw, tt.msg) {
			t.Errorf("task %s: want one error saying %s, got %s", tt.id, tt.msg, r.raw)
		}
	}
	ws.take()

	// Arguments go up as wire values: in the path, a query (exploded and
	// joined), a header, a JSON body at any depth, a form, and a body
	// template.
	r = g.query("", `query($also: [Status!]) { find(status: IN_PROGRESS, also: $also, level: HIGH) { uri } }`,
		map[string]any{"also": []string{"DONE", "EMPTY", "open"}})
	r.noErrors(t)
	calls := ws.take()
	if len(calls) != 1 || calls[0].URI != "/find/in-progress?also=Done&also=&also=open&joined=Done,,open&level=2" || calls[0].Header.Get("X-Status") != "in-progress" {
		t.Fatalf("find sent %+v", calls)
	}
	r = g.query("", `mutation { add(input: {status: DONE, history: [IN_PROGRESS, open], level: LOW, note: {level: HIGH, text: "x"}}) { body }
		addForm(input: {status: EMPTY, history: [DONE, IN_PROGRESS]}) { body }
		addFields(status: IN_PROGRESS, level: HIGH) { body } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{
		"add":{"body":"{\"history\":[\"in-progress\",\"open\"],\"level\":1,\"note\":{\"level\":2,\"the-text\":\"x\"},\"status\":\"Done\"}"},
		"addForm":{"body":"history=Done&history=in-progress&status="},
		"addFields":{"body":"{\"s\":\"in-progress\",\"l\":2,\"text\":\"is in-progress\"}"}}`)
}

// TestEnumWireRefused checks @from on enum values at load.
func TestEnumWireRefused(t *testing.T) {
	for _, tt := range []struct{ name, enum, want string }{
		{"twice", `enum E { A @from(value: "x") B @from(value: "x") }`, `upstreams use "x" for both A and B`},
		{"a name taken", `enum E { A @from(value: "B") B }`, `upstreams use "B" for both A and B`},
		{"numbers alike", `enum E { A @from(value: 1) B @from(value: 1.0) }`, `upstreams use 1.0 for both A and B`},
		{"no value", `enum E { A @from(key: "a") B }`, `@from on an enum value takes value`},
		{"an object", `enum E { A @from(value: {a: 1}) B }`, `@from(value:) must be a string or a number`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"vs.yaml": vsYAML(`type Query { e: E @rest(upstream: "api", path: "/e") }
` + tt.enum + "\n"),
				"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n  rest: {baseURL: \"http://127.0.0.1:1\"}\n"})
			err := loadErr(t, dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("load error %v: want one saying %q", err, tt.want)
			}
		})
	}
}

const unionWireSDL = `
type Query {
  shapes: [Shape!] @rest(upstream: "api", path: "/shapes")
  pets: [Pet!] @rest(upstream: "api", path: "/pets")
  strict: [Strict] @rest(upstream: "api", path: "/pets")
  named: [Named!] @rest(upstream: "api", path: "/shapes")
}
type Mutation {
  draw(input: ShapeInput!): Echo @rest(upstream: "api", method: "POST", path: "/draw", body: "{args.input}")
  drawMany(input: [ShapeInput!]!): Echo @rest(upstream: "api", method: "POST", path: "/draw", body: {all: "{args.input}"})
}
union Shape @typeBy(key: "kind", values: {Circle: ["circle"], Square: ["square", "sq"]}) = Circle | Square
interface Named @typeBy(key: "kind", values: {Circle: "circle"}, required: {Square: ["side"]}) { name: String }
type Circle implements Named {
  name: String
  r: Float
  area: Echo @rest(upstream: "api", path: "/area/{parent.r}")
}
type Square implements Named { name: String side: Float }
union Pet @typeBy(required: {Cat: ["meow"], Dog: ["bark"], Blob: []}) = Cat | Dog | Blob
union Strict @typeBy(required: {Cat: ["meow"], Dog: ["bark", "tail"]}) = Cat | Dog
type Cat { meow: String }
type Dog { bark: String tail: Boolean }
type Blob { meow: String bark: String }
input ShapeInput @oneOf @unwrap { circle: CircleInput square: SquareInput }
input CircleInput { r: Float! kind: String = "circle" }
input SquareInput { side: Float! label: String @from(key: "the-label") }
type Echo { method: String uri: String body: String }
`

// TestRESTUnionWire tells the members of unions and interfaces by a
// discriminator and by the keys their values have, fetches below one
// member only, and sends a one-of input as its member.
func TestRESTUnionWire(t *testing.T) {
	ws := newWireServer(t, map[string]string{
		"/shapes": `[{"kind":"circle","name":"c","r":2},{"kind":"sq","name":"s","side":3},{"kind":"square","name":"t","side":4},{"name":"u","side":5}]`,
		"/pets":   `[{"meow":"m"},{"bark":"b"},{"fur":true},{"meow":"m","bark":"b"},{"bark":"b","tail":true},{"__typename":"Dog","meow":"m"}]`,
	})
	g := wireGateway(t, ws, "", unionWireSDL, nil)

	r := g.query("", `{ shapes { __typename ... on Circle { name r area { uri } } ... on Square { name side } } }`, nil)
	if len(r.Errors) != 1 || !strings.Contains(r.raw, `cannot tell which type implements Shape (it has no \"kind\")`) {
		t.Fatalf("want one error for the shape without a kind, got %s", r.raw)
	}
	equalJSON(t, r.Data, `{"shapes":null}`)
	// Only the circle is a parent of area.
	calls := ws.take()
	if len(calls) != 2 || calls[1].URI != "/area/2" {
		t.Fatalf("calls %+v: want /shapes then /area/2 only", calls)
	}

	// An interface: the key first, then the keys present.
	r = g.query("", `{ named { __typename name } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"named":[{"__typename":"Circle","name":"c"},{"__typename":"Square","name":"s"},{"__typename":"Square","name":"t"},{"__typename":"Square","name":"u"}]}`)
	ws.take()

	// By structure: the member with the most keys all present; a member
	// that needs none takes the rest; on a tie, the first listed. A
	// __typename the value carries wins.
	r = g.query("", `{ pets { __typename } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"pets":[{"__typename":"Cat"},{"__typename":"Dog"},{"__typename":"Blob"},{"__typename":"Cat"},{"__typename":"Dog"},{"__typename":"Dog"}]}`)
	r = g.query("", `{ strict { __typename } }`, nil)
	equalJSON(t, r.Data, `{"strict":[{"__typename":"Cat"},null,null,{"__typename":"Cat"},{"__typename":"Dog"},{"__typename":"Dog"}]}`)
	if len(r.Errors) != 2 || !strings.Contains(r.raw, `it has the keys of none of its types (Cat needs meow; Dog needs bark, tail)`) {
		t.Fatalf("want two errors naming what each member needs, got %s", r.raw)
	}
	ws.take()

	// A one-of input goes up as the member given, renames and defaults
	// included.
	r = g.query("", `mutation { a: draw(input: {circle: {r: 1.5}}) { body } b: draw(input: {square: {side: 2, label: "x"}}) { body }
		c: drawMany(input: [{square: {side: 1}}, {circle: {r: 2, kind: "round"}}]) { body } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"a":{"body":"{\"kind\":\"circle\",\"r\":1.5}"},"b":{"body":"{\"the-label\":\"x\",\"side\":2}"},
		"c":{"body":"{\"all\":[{\"side\":1},{\"kind\":\"round\",\"r\":2}]}"}}`)
	r = g.query("", `mutation { draw(input: {circle: {r: 1}, square: {side: 1}}) { body } }`, nil)
	if len(r.Errors) != 1 || !strings.Contains(r.raw, "GRAPHQL_VALIDATION_FAILED") {
		t.Fatalf("two members at once were not refused: %s", r.raw)
	}
}

// TestTypeByRefused checks @typeBy and @unwrap at load.
func TestTypeByRefused(t *testing.T) {
	for _, tt := range []struct{ name, sdl, want string }{
		{"not a member", `union U @typeBy(key: "k", values: {C: ["c"]}) = A | B`, `C is not a possible type of U (they are A, B)`},
		{"nothing to tell by", `union U @typeBy = A | B`, `say how to tell the type: key (with values), required, or both`},
		{"values without key", `union U @typeBy(values: {A: "a"}, required: {A: []}) = A | B`, `values name the types by the values of key; give key`},
		{"a value twice", `union U @typeBy(key: "k", values: {A: "x", B: ["x"]}) = A | B`, `the value "x" names both A and B`},
		{"a list of numbers", `union U @typeBy(required: {A: [1]}) = A | B`, `required.A must be a list of strings`},
		{"unwrap without oneOf", `union U @typeBy(key: "k") = A | B
input I @unwrap { a: Int }`, `@unwrap sends a one-of input object as its one field's value; declare I @oneOf`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"vs.yaml": vsYAML(`type Query { u: [U] @rest(upstream: "api", path: "/u") }
type A { a: Int }
type B { b: Int }
` + tt.sdl + "\n"),
				"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n  rest: {baseURL: \"http://127.0.0.1:1\"}\n"})
			err := loadErr(t, dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("load error %v: want one saying %q", err, tt.want)
			}
		})
	}
}

// TestRESTCredentialsPerBinding gives each binding its own credentials:
// the upstream's auth by default, named ones (one, or several together),
// or none; identical reads with other credentials are other calls.
func TestRESTCredentialsPerBinding(t *testing.T) {
	ws := newWireServer(t, map[string]string{"/who": `{"method":"GET"}`})
	spec := `  auth:
    apiKey: {in: header, name: X-Default, value: "${DEFAULT_KEY}"}
  authSchemes:
    key:
      apiKey: {in: header, name: X-Key, value: "${API_KEY}"}
    app:
      apiKey: {in: query, name: app, value: "app 1"}
    user:
      basic: {username: "${USER_NAME}", password: pw}
    token:
      bearer: {token: t0k}
`
	sdl := `type Query {
  plain: Echo @rest(upstream: "api", path: "/who")
  keyed: Echo @rest(upstream: "api", path: "/who", auth: ["key"])
  both: Echo @rest(upstream: "api", path: "/who", auth: ["key", "app"])
  user: Echo @rest(upstream: "api", path: "/who", auth: "user")
  token: Echo @rest(upstream: "api", path: "/who", auth: ["token"])
  none: Echo @rest(upstream: "api", path: "/who", auth: [])
}
type Echo { method: String }
`
	env := map[string]string{"DEFAULT_KEY": "d", "API_KEY": "k", "USER_NAME": "ann"}
	g := wireGateway(t, ws, spec, sdl, env)
	for _, tt := range []struct {
		field, query string
		header       map[string]string
	}{
		{"plain", "", map[string]string{"X-Default": "d"}},
		{"keyed", "", map[string]string{"X-Key": "k"}},
		{"both", "app=app+1", map[string]string{"X-Key": "k"}},
		{"user", "", map[string]string{"Authorization": "Basic YW5uOnB3"}},
		{"token", "", map[string]string{"Authorization": "Bearer t0k"}},
		{"none", "", nil},
	} {
		t.Run(tt.field, func(t *testing.T) {
			r := g.query("", `{ `+tt.field+` { method } }`, nil)
			r.noErrors(t)
			calls := ws.take()
			if len(calls) != 1 {
				t.Fatalf("%d calls", len(calls))
			}
			c := calls[0]
			if want := "/who"; tt.query != "" && c.URI != want+"?"+tt.query || tt.query == "" && c.URI != want {
				t.Errorf("URI %q, want the query %q", c.URI, tt.query)
			}
			for _, h := range []string{"X-Default", "X-Key", "Authorization"} {
				if got := c.Header.Get(h); got != tt.header[h] {
					t.Errorf("%s: %q, want %q", h, got, tt.header[h])
				}
			}
		})
	}

	// The same read with other credentials is another call.
	r := g.query("", `{ plain { method } keyed { method } none { method } again: keyed { method } }`, nil)
	r.noErrors(t)
	if n := len(ws.take()); n != 3 {
		t.Errorf("%d calls for three sets of credentials", n)
	}

	// A binding that names credentials the upstream lacks, and a missing
	// variable, fail the load with what is wrong.
	for _, tt := range []struct{ sdl, want string }{
		{`type Query { a: Int @rest(upstream: "api", path: "/a", auth: ["nope"]) }`, `upstream api has no credentials named "nope" in spec.authSchemes (it has app, key, token, user)`},
		{`type Query { a: Int @rest(upstream: "api", path: "/a", auth: ["key", "key"]) }`, `auth: "key" is listed twice`},
	} {
		dir := writeConfig(t, map[string]string{
			"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n" + spec + "  rest: {baseURL: \"" + ws.URL + "\"}\n",
			"vs.yaml": vsYAML(tt.sdl),
		})
		err := loadErrEnv(t, dir, env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("load error %v: want one saying %q", err, tt.want)
		}
	}
	dir := writeConfig(t, map[string]string{
		"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n" + spec + "  rest: {baseURL: \"" + ws.URL + "\"}\n",
		"vs.yaml": vsYAML(sdl),
	})
	err := loadErrEnv(t, dir, map[string]string{"DEFAULT_KEY": "d", "USER_NAME": "ann"})
	if err == nil || !strings.Contains(err.Error(), "spec.authSchemes.key.apiKey.value: environment variable API_KEY is not set") {
		t.Errorf("load error %v: want one naming API_KEY", err)
	}
}

// loadErr loads the config in dir, with no environment, and returns the
// loader's error.
func loadErr(t *testing.T, dir string) error {
	t.Helper()
	return loadErrEnv(t, dir, nil)
}

// loadErrEnv loads the config in dir with the environment env, and
// returns the loader's error.
func loadErrEnv(t *testing.T, dir string, env map[string]string) error {
	t.Helper()
	lookup := func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
	_, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: lookup}, nil)
	return err
}
