package openapi

import (
	"strings"
	"testing"
)

// TestTypedImports imports the small documents of testdata/types, one per
// kind of schema that has a GraphQL type beyond plain objects: enums whose
// values are not GraphQL names, unions of objects, and the credentials
// each operation needs. Each case names lines the SDL and the Upstream must
// hold, and every warning; the SDL must build with the upstream's named
// credentials.
func TestTypedImports(t *testing.T) {
	tests := []struct {
		name, file string
		opts       Options
		sdl        []string
		notSDL     []string
		upstream   []string
		warnings   []string
	}{
		{
			name: "enums", file: "testdata/types/enums.yaml", opts: Options{Upstream: "t"},
			sdl: []string{
				// Valid values keep their names; the others get names that
				// no valid value holds, and say what the API writes.
				"enum Status {\n  in_progress2 @from(value: \"in-progress\")\n  in_progress\n  _1st @from(value: \"1st\")\n  a_b @from(value: \"a b\")\n" +
					"  EMPTY @from(value: \"\")\n  Open\n  open\n  true_ @from(value: \"true\")\n  null_ @from(value: \"null\")\n  done\n}",
				// Integer enums, named by x-enum-varnames or after the number.
				"  Low @from(value: 1)\n", "  High @from(value: 3)\n", "  \"\"\"\n  Not urgent.\n  \"\"\"\n",
				"enum Code {\n  NUMBER_0 @from(value: 0)\n  NUMBER_MINUS_1 @from(value: -1)\n  NUMBER_404 @from(value: 404)\n}",
				"enum Op {\n  LT @from(value: \"<\")\n  LT_EQ @from(value: \"<=\")\n  EQ @from(value: \"=\")\n  BANG_EQ @from(value: \"!=\")\n}",
				"enum ListTasksSort {\n  asc\n  desc\n}",
				// One type for both directions.
				"input TaskInput {\n  status: Status!\n  level: Level\n  code: Code\n  ratio: Float\n  mixed: JSON\n  history: [Status!]\n}",
				"listTasks(\n    status: Status!\n    level: Level\n    op: Op\n    sort: ListTasksSort\n  ): [Task!]",
			},
			notSDL: []string{"Ratio", "Mixed"},
			warnings: []string{
				"testdata/types/enums.yaml:57:7: #/components/schemas/Mixed: (GET /tasks/{status}) enum mixes values of several types: typed JSON",
			},
		},
		{
			name: "unions", file: "testdata/types/unions.yaml", opts: Options{Upstream: "t"},
			sdl: []string{
				// A discriminator with a mapping: several values may name one member.
				`union Pet @typeBy(key: "petType", values: {Cat: ["cat", "kitty"], Dog: ["dog"]}) = Cat | Dog`,
				`getPet(` + "\n" + `    id: String!` + "\n" + `  ): Pet @rest(`,
				// A property each member lists its own values of (an enum, a const).
				`union ListActionsResultItem @typeBy(key: "type", values: {Redirect: ["redirect"], Await: ["await"]}) = Redirect | Await`,
				// No discriminator: the properties each member requires.
				`union ListShapesResultItem @typeBy(required: {Circle: ["radius"], Square: ["side"], Rectangle: ["side"]}) = Circle | Square | Rectangle`,
				// A discriminator without a mapping names members by their
				// schemas' names, and falls back on their properties; null
				// makes the union nullable.
				`union GetOwnerResult @typeBy(key: "type", values: {Person: ["Person"], Company: ["Company"]}, required: {Person: ["type", "name"], Company: ["type", "vat"]}) = Person | Company`,
				"  ): GetOwnerResult @rest(",
				// As input, a one-of input object sent as its member.
				"input PetInput @oneOf @unwrap {\n  cat: CatInput\n  dog: DogInput\n}",
				"addPet(\n    input: PetInput!\n  ): Pet @rest(",
				"  getMixed: JSON @rest(",
			},
			warnings: []string{
				"testdata/types/unions.yaml:58:19: #/paths/~1shapes/get/responses/200/content/application~1json/schema/items: (GET /shapes) oneOf members Square, Rectangle require the same properties (side) and no discriminator tells them apart: a value that has them is read as Square",
				"testdata/types/unions.yaml:87:17: #/paths/~1mixed/get/responses/200/content/application~1json/schema: (GET /mixed) oneOf of 2 schemas of different kinds (Person): typed JSON",
			},
		},
		{
			name: "security", file: "testdata/types/security.yaml", opts: Options{Upstream: "secure"},
			sdl: []string{
				`byDefault: String @rest(upstream: "secure", method: "GET", path: "/default", auth: ["apiKey"])`,
				`public: String @rest(upstream: "secure", method: "GET", path: "/public", auth: [])`,
				`both: String @rest(upstream: "secure", method: "GET", path: "/both", auth: ["apiKey", "appId"])`,
				`either: String @rest(upstream: "secure", method: "GET", path: "/either", auth: ["apiKey"])`,
				`machine: String @rest(upstream: "secure", method: "POST", path: "/machine", auth: ["machines"])`,
				`person: String @rest(upstream: "secure", method: "GET", path: "/person")` + "\n",
				`optional: String @rest(upstream: "secure", method: "GET", path: "/optional", auth: [])`,
				`cert: String @rest(upstream: "secure", method: "GET", path: "/cert")` + "\n",
				`ghost: String @rest(upstream: "secure", method: "GET", path: "/ghost")` + "\n",
			},
			upstream: []string{
				"  authSchemes:\n    apiKey: # apiKey in header X-API-Key\n      apiKey: {in: header, name: \"X-API-Key\", value: \"${SECURE_API_KEY}\"}\n" +
					"    appId: # apiKey in query app_id\n      apiKey: {in: query, name: \"app_id\", value: \"${SECURE_APP_ID}\"}\n" +
					"    machines: # oauth2 client credentials\n      oauth2: {tokenURL: \"https://secure.example/token\", clientID: \"${SECURE_MACHINES_CLIENT_ID}\", clientSecret: \"${SECURE_MACHINES_CLIENT_SECRET}\", scopes: [\"write\"]}\n",
				"  # Some operations need credentials Weft cannot send (nowhere, user): to pass\n  # the client's own on, uncomment:\n  # forwardHeaders: [Authorization]\n",
				"  # Some operations need a client certificate (mtls): give it in spec.tls\n",
				"  # bearer: http bearer\n  # auth:\n  #   bearer: {token: \"${SECURE_BEARER_TOKEN}\"}\n",
			},
			warnings: []string{
				`testdata/types/security.yaml:71:11: #/components/securitySchemes/mtls: (GET /cert) security scheme "mtls": a client certificate, which is the whole Upstream's: give it in spec.tls (certFile, keyFile); the operation that needs it names no credentials, so only the Upstream's auth, if any, is sent`,
				`testdata/types/security.yaml:10:3: #/paths: (GET /ghost) security scheme "nowhere": it is not declared; the operation that needs it names no credentials, so only the Upstream's auth, if any, is sent`,
				`testdata/types/security.yaml:68:11: #/components/securitySchemes/user: (GET /person) security scheme "user": Weft cannot act for the client with oauth2 authorizationCode; forward the client's own credentials with spec.forwardHeaders: [Authorization]; the operation that needs it names no credentials, so only the Upstream's auth, if any, is sent`,
			},
		},
		{
			// At load, bindings name only the credentials the Upstream has.
			name: "security at load", file: "testdata/types/security.yaml", opts: Options{Upstream: "secure", AuthSchemes: map[string]bool{"appId": true}},
			sdl: []string{
				`byDefault: String @rest(upstream: "secure", method: "GET", path: "/default")` + "\n",
				`public: String @rest(upstream: "secure", method: "GET", path: "/public", auth: [])`,
			},
			notSDL: []string{`"apiKey"`},
			warnings: []string{
				`testdata/types/security.yaml:66:13: #/components/securitySchemes/apiKey: security scheme "apiKey": the Upstream has no credentials of that name in spec.authSchemes, so its auth serves; the 3 operations that need it (GET /default, GET /both, GET /either) name no credentials, so only the Upstream's auth, if any, is sent`,
				`testdata/types/security.yaml:69:15: #/components/securitySchemes/machines: (POST /machine) security scheme "machines": the Upstream has no credentials of that name in spec.authSchemes, so its auth serves; the operation that needs it names no credentials, so only the Upstream's auth, if any, is sent`,
				`testdata/types/security.yaml:71:11: #/components/securitySchemes/mtls: (GET /cert) security scheme "mtls": a client certificate, which is the whole Upstream's: give it in spec.tls (certFile, keyFile); the operation that needs it names no credentials, so only the Upstream's auth, if any, is sent`,
				`testdata/types/security.yaml:10:3: #/paths: (GET /ghost) security scheme "nowhere": it is not declared; the operation that needs it names no credentials, so only the Upstream's auth, if any, is sent`,
				`testdata/types/security.yaml:68:11: #/components/securitySchemes/user: security scheme "user": Weft cannot act for the client with oauth2 authorizationCode; forward the client's own credentials with spec.forwardHeaders: [Authorization]; the 2 operations that need it (GET /either, GET /person) name no credentials, so only the Upstream's auth, if any, is sent`,
			},
		},
		{
			// An Upstream without named credentials keeps its auth for
			// every call, security: [] included.
			name: "security at load without named credentials", file: "testdata/types/security.yaml", opts: Options{Upstream: "secure", AuthSchemes: map[string]bool{}},
			sdl:    []string{`public: String @rest(upstream: "secure", method: "GET", path: "/public")` + "\n"},
			notSDL: []string{"auth:"},
		},
		{
			name: "security in Swagger 2.0", file: "testdata/types/security-v2.json", opts: Options{Upstream: "sec2"},
			sdl: []string{
				`a: String @rest(upstream: "sec2", method: "GET", path: "/a", auth: ["basic"])`,
				`b: String @rest(upstream: "sec2", method: "GET", path: "/b", auth: [])`,
				`c: String @rest(upstream: "sec2", method: "GET", path: "/c", auth: ["key"])`,
				`d: String @rest(upstream: "sec2", method: "GET", path: "/d")` + "\n",
			},
			upstream: []string{
				"    basic: # http basic\n      basic: {username: \"${SEC2_BASIC_USERNAME}\", password: \"${SEC2_BASIC_PASSWORD}\"}\n",
				"    key: # apiKey in query key\n      apiKey: {in: query, name: \"key\", value: \"${SEC2_KEY}\"}\n",
			},
			warnings: []string{
				`testdata/types/security-v2.json:9:17: #/securityDefinitions/implicit: (GET /d) security scheme "implicit": Weft cannot act for the client with oauth2 implicit; forward the client's own credentials with spec.forwardHeaders: [Authorization]; the operation that needs it names no credentials, so only the Upstream's auth, if any, is sent`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := importFile(t, tt.file, tt.opts)
			for _, want := range tt.sdl {
				if !strings.Contains(res.SDL, want) {
					t.Errorf("the SDL lacks\n%s\n---- SDL:\n%s", want, res.SDL)
				}
			}
			for _, not := range tt.notSDL {
				if strings.Contains(res.SDL, not) {
					t.Errorf("the SDL holds %q:\n%s", not, res.SDL)
				}
			}
			y := res.UpstreamYAML(tt.opts.Upstream)
			for _, want := range tt.upstream {
				if !strings.Contains(y, want) {
					t.Errorf("the Upstream lacks\n%s\n---- Upstream:\n%s", want, y)
				}
			}
			if got, want := warningsText(res.Warnings), strings.Join(append(tt.warnings, ""), "\n"); got != want {
				t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
			}
			parseSDL(t, tt.name, res.SDL)
			creds := res.AuthSchemes
			for n := range tt.opts.AuthSchemes {
				creds = append(creds, n)
			}
			checkBuild(t, tt.name+".graphql", res.SDL, tt.opts.Upstream, creds...)
		})
	}
}
