package virtualservices_test

// End-to-end tests of imported OpenAPI documents: each fixture of
// upstreams/rest/openapi is imported at test time, served by a gateway, and
// queried against a real HTTP server that implements the document's
// operations and refuses (4xx) any request that does not follow it. The
// servers record what they receive, so each case asserts both the GraphQL
// answer and the request that reached the upstream.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/weft-gateway/weft/upstreams/rest/openapi"
	"github.com/weft-gateway/weft/virtualservices"
)

// openAPITestdata holds the importer's fixtures, shared with its own tests.
const openAPITestdata = "../upstreams/rest/openapi/testdata"

// importOpenAPI loads a fixture and imports it for the upstream name.
func importOpenAPI(t *testing.T, rel, name string) *openapi.Result {
	t.Helper()
	doc, err := openapi.Load(context.Background(), filepath.Join(openAPITestdata, rel), openapi.LoadOptions{})
	if err != nil {
		t.Fatalf("load %s: %v", rel, err)
	}
	res, err := openapi.Import(doc, openapi.Options{Upstream: name})
	if err != nil {
		t.Fatalf("import %s: %v", rel, err)
	}
	if res.Operations == 0 {
		t.Fatalf("import %s: no operations", rel)
	}
	return res
}

var baseURLLine = regexp.MustCompile(`(?m)^    baseURL: .*$`)

// openAPIUpstream is the Upstream resource the importer suggests, pointed at
// baseURL, with the suggested lines turned on as a user would: each entry of
// uncomment is either "scheme:NAME", which turns on the auth block suggested
// for that security scheme, or text that picks one commented line. The extra
// spec lines are added unless the suggestion already holds them.
func openAPIUpstream(t *testing.T, res *openapi.Result, name, baseURL string, uncomment []string, extra string) string {
	t.Helper()
	y := res.UpstreamYAML(name)
	if !baseURLLine.MatchString(y) {
		t.Fatalf("suggested upstream has no baseURL line:\n%s", y)
	}
	y = baseURLLine.ReplaceAllLiteralString(y, "    baseURL: "+strconv.Quote(baseURL))
	lines := strings.Split(y, "\n")
	on := func(i int) { lines[i] = "  " + strings.TrimPrefix(lines[i], "  # ") }
	for _, needle := range uncomment {
		found := false
		scheme, isScheme := strings.CutPrefix(needle, "scheme:")
		for i, l := range lines {
			if !strings.HasPrefix(l, "  # ") {
				continue
			}
			if isScheme && strings.HasPrefix(l, "  # "+scheme+": ") {
				// The block under the scheme's description: "# auth:" and its
				// indented body.
				for j := i + 1; j < len(lines) && (strings.HasPrefix(lines[j], "  # auth:") || strings.HasPrefix(lines[j], "  #   ")); j++ {
					on(j)
					found = true
				}
				break
			}
			if !isScheme && strings.Contains(l, needle) {
				on(i)
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("suggested upstream has no line with %q:\n%s", needle, y)
		}
	}
	out := strings.Join(lines, "\n")
	for _, l := range strings.SplitAfter(extra, "\n") {
		if strings.TrimSpace(l) != "" && strings.Contains(out, "\n"+strings.TrimRight(l, "\n")+"\n") {
			continue
		}
		out += l
	}
	return out
}

// startOpenAPIGateway writes the imported SDL, the upstream and a
// VirtualService serving the SDL into a config directory, and starts a
// gateway over it.
func startOpenAPIGateway(t *testing.T, res *openapi.Result, upstream string, env map[string]string) *gateway {
	t.Helper()
	dir := writeConfig(t, map[string]string{
		"api.graphql":   res.SDL,
		"upstream.yaml": upstream,
		"vs.yaml": `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {file: api.graphql}
`,
	})
	lookup := func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: lookup})
}

// loadOpenAPIConfig loads what startOpenAPIGateway serves, and returns the
// loader's error.
func loadOpenAPIConfig(t *testing.T, res *openapi.Result, upstream string, env map[string]string) error {
	t.Helper()
	return loadErrEnv(t, writeConfig(t, map[string]string{"api.graphql": res.SDL, "upstream.yaml": upstream}), env)
}

// oneError asserts that r has exactly one error, at path, with these
// extensions.
func oneError(t *testing.T, r *response, path, extensions string) {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one error at %s, got %s", path, r.raw)
	}
	equalJSON(t, r.Errors[0]["path"], path)
	equalJSON(t, r.Errors[0]["extensions"], extensions)
}

// exchange is one request a test server received, and its answer's status.
type exchange struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         string
	Status       int
}

// mediaType is the request's content type without parameters.
func (x exchange) mediaType() string {
	mt, _, _ := mime.ParseMediaType(x.Header.Get("Content-Type"))
	return mt
}

// recorder keeps the exchanges of a test server.
type recorder struct {
	mu   sync.Mutex
	seen []*exchange
}

// statusWriter writes the answer's status into its exchange before the
// answer leaves, so a test that has the gateway's response sees it.
type statusWriter struct {
	http.ResponseWriter
	rec   *recorder
	x     *exchange
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.rec.mu.Lock()
		w.x.Status = code
		w.rec.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// wrap records each request h serves. GET and DELETE requests must come
// without a body, as no operation of the fixtures declares one.
func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			refuse(w, http.StatusBadRequest, "reading the body: %v", err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		x := &exchange{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body)}
		rec.mu.Lock()
		rec.seen = append(rec.seen, x)
		rec.mu.Unlock()
		sw := &statusWriter{ResponseWriter: w, rec: rec, x: x}
		if (r.Method == http.MethodGet || r.Method == http.MethodDelete) && (len(body) > 0 || r.Header.Get("Content-Type") != "") {
			refuse(sw, http.StatusBadRequest, "%s takes no body", r.Method)
			return
		}
		h.ServeHTTP(sw, r)
	})
}

// take returns the exchanges since the last take.
func (rec *recorder) take() []exchange {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := make([]exchange, len(rec.seen))
	for i, x := range rec.seen {
		out[i] = *x
	}
	rec.seen = nil
	return out
}

// only returns the one exchange since the last take.
func (rec *recorder) only(t *testing.T) exchange {
	t.Helper()
	xs := rec.take()
	if len(xs) != 1 {
		var b strings.Builder
		for _, x := range xs {
			fmt.Fprintf(&b, "\n  %s %s?%s -> %d", x.Method, x.Path, x.Query.Encode(), x.Status)
		}
		t.Fatalf("want one request upstream, got %d:%s", len(xs), b.String())
	}
	return xs[0]
}

// expectCall asserts the method and path of the one exchange since the
// last take, and that the server accepted it.
func (rec *recorder) expectCall(t *testing.T, method, path string, status int) exchange {
	t.Helper()
	x := rec.only(t)
	if x.Method != method || x.Path != path || x.Status != status {
		t.Fatalf("upstream got %s %s (answered %d), want %s %s (answered %d)", x.Method, x.Path, x.Status, method, path, status)
	}
	return x
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// refuse answers an error with a message, which the gateways of these tests
// expose in extensions.detail.
func refuse(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"message": fmt.Sprintf(format, args...)})
}

// decodeBody reads a JSON body of the media type want into v, refusing
// unknown fields and trailing data.
func decodeBody(r *http.Request, want string, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return fmt.Errorf("content type %q, want %s", r.Header.Get("Content-Type"), want)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	if dec.More() {
		return errors.New("body: more than one JSON value")
	}
	return nil
}

// onlyQuery refuses query parameters the operation does not declare.
func onlyQuery(r *http.Request, declared ...string) error {
	for k := range r.URL.Query() {
		if !slices.Contains(declared, k) {
			return fmt.Errorf("unknown query parameter %q", k)
		}
	}
	return nil
}

func checkDate(s string) error {
	_, err := time.Parse(time.DateOnly, s)
	return err
}

func checkDateTime(s string) error {
	_, err := time.Parse(time.RFC3339, s)
	return err
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// newUUID makes a version 4 UUID from a counter, so runs are repeatable.
func newUUID(n int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n)
}

// ---------------------------------------------------------------------------
// Petstore: Swagger 2.0, JSON, form and multipart bodies, api_key and
// OAuth2 security, a text answer.

type petstoreCategory struct {
	ID   *int64  `json:"id,omitempty"`
	Name *string `json:"name"`
}

type petstoreTag struct {
	ID   *int64  `json:"id,omitempty"`
	Name *string `json:"name,omitempty"`
}

type petstorePet struct {
	ID        *int64            `json:"id,omitempty"`
	Category  *petstoreCategory `json:"category,omitempty"`
	Name      *string           `json:"name"`
	PhotoURLs *[]string         `json:"photoUrls"`
	Tags      []petstoreTag     `json:"tags,omitempty"`
	Status    *string           `json:"status,omitempty"`
	Birthday  *string           `json:"birthday"`
}

type petstoreOrder struct {
	ID       *int64  `json:"id,omitempty"`
	PetID    *int64  `json:"petId,omitempty"`
	Quantity *int32  `json:"quantity,omitempty"`
	ShipDate *string `json:"shipDate,omitempty"`
	Status   *string `json:"status,omitempty"`
	Complete *bool   `json:"complete"`
}

var (
	petStatuses   = []string{"available", "pending", "sold"}
	orderStatuses = []string{"placed", "approved", "delivered"}
)

// petstoreAPI is the pet shop of testdata/petstore/swagger.json, in memory.
type petstoreAPI struct {
	apiKey, token string            // the api_key and the OAuth2 bearer token it accepts
	users         map[string]string // login: password

	mu     sync.Mutex
	pets   map[int64]*petstorePet
	nextID int64
	orders map[int64]*petstoreOrder
	photos map[int64][]string
}

func (p *petstorePet) validate() error {
	switch {
	case p.Name == nil:
		return errors.New("name is required")
	case p.PhotoURLs == nil:
		return errors.New("photoUrls is required")
	case p.Status != nil && !slices.Contains(petStatuses, *p.Status):
		return fmt.Errorf("status %q is not one of %v", *p.Status, petStatuses)
	}
	if p.Birthday != nil {
		if err := checkDate(*p.Birthday); err != nil {
			return fmt.Errorf("birthday: %w", err)
		}
	}
	return nil
}

func newPetstoreServer(t *testing.T) (*petstoreAPI, *recorder, *httptest.Server) {
	api := &petstoreAPI{
		apiKey: "key-7f3a", token: "token-write-pets",
		users: map[string]string{"alice": "p&ss=w rd"},
		pets:  map[int64]*petstorePet{}, nextID: 1,
		orders: map[int64]*petstoreOrder{}, photos: map[int64][]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/pets", api.addPet)
	mux.HandleFunc("PUT /v2/pets", api.updatePet)
	mux.HandleFunc("GET /v2/pets/findByStatus", api.findByStatus)
	mux.HandleFunc("GET /v2/pets/findByTags", api.findByTags)
	mux.HandleFunc("GET /v2/pets/{petId}", api.getPet)
	mux.HandleFunc("POST /v2/pets/{petId}", api.updatePetWithForm)
	mux.HandleFunc("DELETE /v2/pets/{petId}", api.deletePet)
	mux.HandleFunc("POST /v2/pets/{petId}/uploadImage", api.uploadFile)
	mux.HandleFunc("GET /v2/store/inventory", api.inventory)
	mux.HandleFunc("POST /v2/store/order", api.placeOrder)
	mux.HandleFunc("GET /v2/store/order/{orderId}", api.getOrder)
	mux.HandleFunc("GET /v2/user/login", api.login)
	rec := &recorder{}
	s := httptest.NewServer(rec.wrap(mux))
	t.Cleanup(s.Close)
	return api, rec, s
}

// petID reads the petId path parameter (integer, int64).
func petID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("petId"), 10, 64)
	if err != nil {
		refuse(w, http.StatusBadRequest, "petId %q is not an int64", r.PathValue("petId"))
		return 0, false
	}
	return id, true
}

// addPet needs petstore_auth: an OAuth2 token with write:pets, which the
// gateway forwards from the client.
func (a *petstoreAPI) addPet(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+a.token {
		refuse(w, http.StatusUnauthorized, "write:pets token required")
		return
	}
	var p petstorePet
	if err := decodeBody(r, "application/json", &p); err != nil {
		refuse(w, http.StatusMethodNotAllowed, "invalid input: %v", err)
		return
	}
	if err := p.validate(); err != nil {
		refuse(w, http.StatusMethodNotAllowed, "invalid input: %v", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.ID == nil {
		id := a.nextID
		p.ID = &id
	} else if _, ok := a.pets[*p.ID]; ok {
		refuse(w, http.StatusMethodNotAllowed, "pet %d exists", *p.ID)
		return
	}
	a.nextID = max(a.nextID, *p.ID) + 1
	a.pets[*p.ID] = &p
	writeJSON(w, http.StatusOK, &p)
}

func (a *petstoreAPI) updatePet(w http.ResponseWriter, r *http.Request) {
	var p petstorePet
	if err := decodeBody(r, "application/json", &p); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	if err := p.validate(); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	if p.ID == nil {
		refuse(w, http.StatusBadRequest, "id is required to update a pet")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.pets[*p.ID]; !ok {
		refuse(w, http.StatusNotFound, "pet %d not found", *p.ID)
		return
	}
	a.pets[*p.ID] = &p
	writeJSON(w, http.StatusOK, &p)
}

// sortedPets returns the pets that keep, by id.
func (a *petstoreAPI) sortedPets(keep func(*petstorePet) bool) []*petstorePet {
	out := []*petstorePet{}
	for _, p := range a.pets {
		if keep(p) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].ID < *out[j].ID })
	return out
}

// findByStatus reads status as the document says (collectionFormat multi:
// status=a&status=b), each value one of the enum.
func (a *petstoreAPI) findByStatus(w http.ResponseWriter, r *http.Request) {
	if err := onlyQuery(r, "status"); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	statuses := r.URL.Query()["status"]
	if len(statuses) == 0 {
		refuse(w, http.StatusBadRequest, "status is required")
		return
	}
	for _, s := range statuses {
		if !slices.Contains(petStatuses, s) {
			refuse(w, http.StatusBadRequest, "status %q is not one of %v", s, petStatuses)
			return
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	writeJSON(w, http.StatusOK, a.sortedPets(func(p *petstorePet) bool {
		return p.Status != nil && slices.Contains(statuses, *p.Status)
	}))
}

// findByTags reads tags comma-joined (collectionFormat csv).
func (a *petstoreAPI) findByTags(w http.ResponseWriter, r *http.Request) {
	if err := onlyQuery(r, "tags"); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	q := r.URL.Query()["tags"]
	if len(q) != 1 || q[0] == "" {
		refuse(w, http.StatusBadRequest, "tags is required once, comma-joined")
		return
	}
	tags := strings.Split(q[0], ",")
	a.mu.Lock()
	defer a.mu.Unlock()
	writeJSON(w, http.StatusOK, a.sortedPets(func(p *petstorePet) bool {
		for _, t := range p.Tags {
			if t.Name != nil && slices.Contains(tags, *t.Name) {
				return true
			}
		}
		return false
	}))
}

// getPet needs the api_key security scheme.
func (a *petstoreAPI) getPet(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("api_key") != a.apiKey {
		refuse(w, http.StatusUnauthorized, "api_key required")
		return
	}
	id, ok := petID(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.pets[id]
	if !ok {
		refuse(w, http.StatusNotFound, "pet %d not found", id)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// updatePetWithForm reads an application/x-www-form-urlencoded body with the
// formData parameters name and status.
func (a *petstoreAPI) updatePetWithForm(w http.ResponseWriter, r *http.Request) {
	id, ok := petID(w, r)
	if !ok {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		refuse(w, http.StatusMethodNotAllowed, "content type %q", r.Header.Get("Content-Type"))
		return
	}
	if err := r.ParseForm(); err != nil {
		refuse(w, http.StatusMethodNotAllowed, "form: %v", err)
		return
	}
	for k, vs := range r.PostForm {
		if (k != "name" && k != "status") || len(vs) != 1 {
			refuse(w, http.StatusMethodNotAllowed, "form field %q (%d values)", k, len(vs))
			return
		}
	}
	if s, ok := r.PostForm["status"]; ok && !slices.Contains(petStatuses, s[0]) {
		refuse(w, http.StatusMethodNotAllowed, "status %q", s[0])
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.pets[id]
	if !ok {
		refuse(w, http.StatusNotFound, "pet %d not found", id)
		return
	}
	if v, ok := r.PostForm["name"]; ok {
		p.Name = &v[0]
	}
	if v, ok := r.PostForm["status"]; ok {
		p.Status = &v[0]
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": 200, "type": "unknown", "message": strconv.FormatInt(id, 10)})
}

func (a *petstoreAPI) deletePet(w http.ResponseWriter, r *http.Request) {
	id, ok := petID(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.pets[id]; !ok {
		refuse(w, http.StatusNotFound, "pet %d not found", id)
		return
	}
	delete(a.pets, id)
	writeJSON(w, http.StatusOK, map[string]any{"code": 200, "type": "unknown", "message": strconv.FormatInt(id, 10)})
}

// uploadFile reads multipart/form-data the way Go servers read a formData
// parameter of type file: as a file part.
func (a *petstoreAPI) uploadFile(w http.ResponseWriter, r *http.Request) {
	id, ok := petID(w, r)
	if !ok {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		refuse(w, http.StatusBadRequest, "content type %q", r.Header.Get("Content-Type"))
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		refuse(w, http.StatusBadRequest, "multipart: %v", err)
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		refuse(w, http.StatusBadRequest, "file: %v", err)
		return
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.pets[id]; !ok {
		refuse(w, http.StatusNotFound, "pet %d not found", id)
		return
	}
	a.photos[id] = append(a.photos[id], string(data))
	writeJSON(w, http.StatusOK, map[string]any{"code": 200, "type": "unknown",
		"message": fmt.Sprintf("additionalMetadata: %s\nFile uploaded to ./%s, %d bytes", r.FormValue("additionalMetadata"), hdr.Filename, len(data))})
}

func (a *petstoreAPI) inventory(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	counts := map[string]int{}
	for _, p := range a.pets {
		if p.Status != nil {
			counts[*p.Status]++
		}
	}
	writeJSON(w, http.StatusOK, counts)
}

// placeOrder takes an order for a pet the shop has; order ids are 1 to 10,
// as getOrderById's orderId allows.
func (a *petstoreAPI) placeOrder(w http.ResponseWriter, r *http.Request) {
	var o petstoreOrder
	if err := decodeBody(r, "application/json", &o); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	if o.Status != nil && !slices.Contains(orderStatuses, *o.Status) {
		refuse(w, http.StatusBadRequest, "status %q", *o.Status)
		return
	}
	if o.ShipDate != nil {
		if err := checkDateTime(*o.ShipDate); err != nil {
			refuse(w, http.StatusBadRequest, "shipDate: %v", err)
			return
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if o.PetID == nil || a.pets[*o.PetID] == nil {
		refuse(w, http.StatusBadRequest, "no such pet")
		return
	}
	if o.ID == nil {
		for id := int64(1); id <= 10; id++ {
			if a.orders[id] == nil {
				o.ID = &id
				break
			}
		}
	}
	if o.ID == nil || *o.ID < 1 || *o.ID > 10 || a.orders[*o.ID] != nil {
		refuse(w, http.StatusBadRequest, "no order id free")
		return
	}
	if o.Complete == nil {
		f := false
		o.Complete = &f
	}
	a.orders[*o.ID] = &o
	writeJSON(w, http.StatusOK, &o)
}

func (a *petstoreAPI) getOrder(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("orderId"), 10, 32)
	if err != nil || id < 1 || id > 10 {
		refuse(w, http.StatusBadRequest, "orderId %q is not an integer from 1 to 10", r.PathValue("orderId"))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	o, ok := a.orders[id]
	if !ok {
		refuse(w, http.StatusNotFound, "order %d not found", id)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// login answers text/plain, as the operation produces.
func (a *petstoreAPI) login(w http.ResponseWriter, r *http.Request) {
	if err := onlyQuery(r, "username", "password"); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	q := r.URL.Query()
	user, pass := q.Get("username"), q.Get("password")
	if want, ok := a.users[user]; !ok || want != pass || len(q["username"]) != 1 || len(q["password"]) != 1 {
		refuse(w, http.StatusBadRequest, "invalid username/password supplied")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "logged in user session:%s-%d", user, len(pass))
}

func TestOpenAPIPetstore(t *testing.T) {
	api, rec, srv := newPetstoreServer(t)
	res := importOpenAPI(t, "petstore/swagger.json", "petstore")
	up := openAPIUpstream(t, res, "petstore", srv.URL+"/v2",
		[]string{"forwardHeaders: [Authorization]"}, "  exposeErrors: true\n")
	g := startOpenAPIGateway(t, res, up, map[string]string{"PETSTORE_API_KEY": api.apiKey})
	auth := []string{"Authorization", "Bearer " + api.token}
	step := stepper(t, rec)

	const petFields = `id name photoUrls status birthday category { id name } tags { id name }`
	// 2^53 + 1: a float64 cannot hold it, so any float on the way shows.
	const bigID = int64(9007199254740993)

	step("addPet needs the client's token", func(t *testing.T) {
		r := g.query("", `mutation { addPet(input: {name: "Rex", photoUrls: []}) { id } }`, nil)
		equalJSON(t, r.Data, `{"addPet":null}`)
		oneError(t, r, `["addPet"]`, `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":401,"detail":"write:pets token required"}`)
		rec.expectCall(t, "POST", "/v2/pets", 401)
	})

	step("addPet sends the whole input as JSON", func(t *testing.T) {
		r := g.query("", `mutation($in: PetInput!) { addPet(input: $in) { `+petFields+` } }`, map[string]any{"in": map[string]any{
			"id": bigID, "name": "Rex", "photoUrls": []string{"https://img.example/rex.jpg"},
			"category": map[string]any{"id": 1, "name": "dogs"},
			"tags":     []any{map[string]any{"id": 7, "name": "fluffy"}},
			"status":   "available", "birthday": "2020-02-29",
		}}, auth...)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"addPet":{"id":9007199254740993,"name":"Rex","photoUrls":["https://img.example/rex.jpg"],"status":"available","birthday":"2020-02-29","category":{"id":1,"name":"dogs"},"tags":[{"id":7,"name":"fluffy"}]}}`)
		if !strings.Contains(r.raw, `"id":9007199254740993`) {
			t.Errorf("the Int64 id lost precision: %s", r.raw)
		}
		x := rec.expectCall(t, "POST", "/v2/pets", 200)
		if x.mediaType() != "application/json" || x.Header.Get("Authorization") != "Bearer "+api.token {
			t.Errorf("upstream got content type %q, authorization %q", x.Header.Get("Content-Type"), x.Header.Get("Authorization"))
		}
		if k := x.Header.Values("api_key"); k != nil {
			// addPet needs petstore_auth, which the client's token is;
			// only getPetById names the api_key.
			t.Errorf("addPet carried the api_key %q", k)
		}
		if !strings.Contains(x.Body, `"id":9007199254740993`) {
			t.Errorf("the Int64 id lost precision on the way up: %s", x.Body)
		}
		equalJSON(t, decodeJSON(t, x.Body), `{"id":9007199254740993,"name":"Rex","photoUrls":["https://img.example/rex.jpg"],"category":{"id":1,"name":"dogs"},"tags":[{"id":7,"name":"fluffy"}],"status":"available","birthday":"2020-02-29"}`)

		// Absent input fields stay absent: the shop assigns the id.
		r = g.query("", `mutation { addPet(input: {name: "Tom", photoUrls: ["a", "b"], status: sold, tags: [{name: "fluffy"}, {name: "small"}]}) { id name status birthday tags { name } } }`, nil, auth...)
		r.noErrors(t)
		equalJSON(t, r.Data, fmt.Sprintf(`{"addPet":{"id":%d,"name":"Tom","status":"sold","birthday":null,"tags":[{"name":"fluffy"},{"name":"small"}]}}`, bigID+1))
		x = rec.expectCall(t, "POST", "/v2/pets", 200)
		equalJSON(t, decodeJSON(t, x.Body), `{"name":"Tom","photoUrls":["a","b"],"status":"sold","tags":[{"name":"fluffy"},{"name":"small"}]}`)

		// An invalid pet is refused upstream (the shop wants a photoUrls).
		r = g.query("", `mutation { addPet(input: {name: "x", photoUrls: [], birthday: "yesterday"}) { id } }`, nil, auth...)
		oneError(t, r, `["addPet"]`, `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":405,"detail":"invalid input: birthday: parsing time \"yesterday\" as \"2006-01-02\": cannot parse \"yesterday\" as \"2006\""}`)
		rec.take()
	})

	step("getPetById sends the api_key and an Int64 path parameter", func(t *testing.T) {
		r := g.query("", `query($id: Int64!) { getPetById(petId: $id) { `+petFields+` } }`, map[string]any{"id": bigID})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getPetById":{"id":9007199254740993,"name":"Rex","photoUrls":["https://img.example/rex.jpg"],"status":"available","birthday":"2020-02-29","category":{"id":1,"name":"dogs"},"tags":[{"id":7,"name":"fluffy"}]}}`)
		x := rec.expectCall(t, "GET", "/v2/pets/9007199254740993", 200)
		if x.Header.Get("api_key") != api.apiKey {
			t.Errorf("api_key = %q", x.Header.Get("api_key"))
		}

		// A 404 nulls the field, with the status.
		r = g.query("", `{ getPetById(petId: 424242) { id } }`, nil)
		equalJSON(t, r.Data, `{"getPetById":null}`)
		oneError(t, r, `["getPetById"]`, `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":404,"detail":"pet 424242 not found"}`)
		rec.expectCall(t, "GET", "/v2/pets/424242", 404)
	})

	step("an Int64 literal out of range is refused, not a crash", func(t *testing.T) {
		r := g.query("", `{ getPetById(petId: 99999999999999999999999) { id } }`, nil)
		if r.status != http.StatusOK || len(r.Errors) != 1 || r.Data != nil && r.Data.(map[string]any)["getPetById"] != nil {
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
		if n := len(rec.take()); n != 0 {
			t.Errorf("%d calls upstream", n)
		}
	})

	step("findPetsByStatus sends the enum and the header parameter", func(t *testing.T) {
		r := g.query("", `{ findPetsByStatus(status: [sold], xRequestSource: "e2e suite") { name status } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"findPetsByStatus":[{"name":"Tom","status":"sold"}]}`)
		x := rec.expectCall(t, "GET", "/v2/pets/findByStatus", 200)
		equalJSON(t, viaJSON(t, x.Query), `{"status":["sold"]}`)
		if x.Header.Get("X-Request-Source") != "e2e suite" {
			t.Errorf("X-Request-Source = %q", x.Header.Get("X-Request-Source"))
		}
		// Without the optional header, no header is sent.
		g.query("", `{ findPetsByStatus(status: [available]) { name } }`, nil).noErrors(t)
		if x := rec.expectCall(t, "GET", "/v2/pets/findByStatus", 200); x.Header.Values("X-Request-Source") != nil {
			t.Errorf("absent header sent: %q", x.Header.Values("X-Request-Source"))
		}
	})

	step("findPetsByStatus with several values", func(t *testing.T) {
		// The document asks for collectionFormat multi: status=a&status=b.
		r := g.query("", `{ findPetsByStatus(status: [available, sold]) { name } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"findPetsByStatus":[{"name":"Rex"},{"name":"Tom"}]}`)
		x := rec.expectCall(t, "GET", "/v2/pets/findByStatus", 200)
		equalJSON(t, viaJSON(t, x.Query), `{"status":["available","sold"]}`)
	})

	step("findPetsByTags sends a comma-joined list", func(t *testing.T) {
		r := g.query("", `{ findPetsByTags(tags: ["small", "striped"]) { name tags { name } } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"findPetsByTags":[{"name":"Tom","tags":[{"name":"fluffy"},{"name":"small"}]}]}`)
		x := rec.expectCall(t, "GET", "/v2/pets/findByTags", 200)
		equalJSON(t, viaJSON(t, x.Query), `{"tags":["small,striped"]}`)
	})

	step("updatePet", func(t *testing.T) {
		r := g.query("", `mutation($in: PetInput!) { updatePet(input: $in) { id name status } }`, map[string]any{"in": map[string]any{
			"id": bigID + 1, "name": "Thomas", "photoUrls": []string{}, "status": "pending"}})
		r.noErrors(t)
		equalJSON(t, r.Data, fmt.Sprintf(`{"updatePet":{"id":%d,"name":"Thomas","status":"pending"}}`, bigID+1))
		x := rec.expectCall(t, "PUT", "/v2/pets", 200)
		equalJSON(t, decodeJSON(t, x.Body), fmt.Sprintf(`{"id":%d,"name":"Thomas","photoUrls":[],"status":"pending"}`, bigID+1))

		r = g.query("", `mutation { updatePet(input: {id: 5, name: "Nobody", photoUrls: []}) { id } }`, nil)
		equalJSON(t, r.Data, `{"updatePet":null}`)
		oneError(t, r, `["updatePet"]`, `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":404,"detail":"pet 5 not found"}`)
		rec.expectCall(t, "PUT", "/v2/pets", 404)
	})

	step("updatePetWithForm sends a form body", func(t *testing.T) {
		id := strconv.FormatInt(bigID+1, 10)
		r := g.query("", `mutation($id: Int64!) { updatePetWithForm(petId: $id, input: {name: "Tom & Jerry", status: "sold"}) }`, map[string]any{"id": bigID + 1})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"updatePetWithForm":{"code":200,"type":"unknown","message":"`+id+`"}}`)
		x := rec.expectCall(t, "POST", "/v2/pets/"+id, 200)
		if x.mediaType() != "application/x-www-form-urlencoded" {
			t.Errorf("content type %q", x.Header.Get("Content-Type"))
		}
		form, err := url.ParseQuery(x.Body)
		if err != nil {
			t.Fatal(err)
		}
		equalJSON(t, viaJSON(t, form), `{"name":["Tom & Jerry"],"status":["sold"]}`)

		// Read back through the gateway.
		r = g.query("", `query($id: Int64!) { getPetById(petId: $id) { name status } }`, map[string]any{"id": bigID + 1})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getPetById":{"name":"Tom & Jerry","status":"sold"}}`)
		rec.take()

		// A status the shop does not know is refused by it.
		r = g.query("", `mutation { updatePetWithForm(petId: 1, input: {status: "lost"}) }`, nil)
		oneError(t, r, `["updatePetWithForm"]`, `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":405,"detail":"status \"lost\""}`)
		rec.take()
	})

	step("updatePetWithForm without its optional form", func(t *testing.T) {
		id := strconv.FormatInt(bigID, 10)
		r := g.query("", `mutation($id: Int64!) { updatePetWithForm(petId: $id) }`, map[string]any{"id": bigID})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"updatePetWithForm":{"code":200,"type":"unknown","message":"`+id+`"}}`)
		x := rec.expectCall(t, "POST", "/v2/pets/"+id, 200)
		if x.Body != "" {
			t.Errorf("body %q", x.Body)
		}
	})

	step("uploadFile sends multipart form data with a file part", func(t *testing.T) {
		id := strconv.FormatInt(bigID, 10)
		// The file is given as base64 ("JPEGDATA") and arrives as its bytes.
		r := g.query("", `mutation($id: Int64!) { uploadFile(petId: $id, input: {additionalMetadata: "front view", file: "SlBFR0RBVEE="}) { code type message } }`, map[string]any{"id": bigID})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"uploadFile":{"code":200,"type":"unknown","message":"additionalMetadata: front view\nFile uploaded to ./file, 8 bytes"}}`)
		rec.expectCall(t, "POST", "/v2/pets/"+id+"/uploadImage", 200)
		api.mu.Lock()
		photos := slices.Clone(api.photos[bigID])
		api.mu.Unlock()
		if len(photos) != 1 || photos[0] != "JPEGDATA" {
			t.Errorf("stored photos %q", photos)
		}

		// A file that is not base64 is refused before any call.
		r = g.query("", `mutation($id: Int64!) { uploadFile(petId: $id, input: {file: "JPEG DATA"}) { code } }`, map[string]any{"id": bigID})
		equalJSON(t, r.Data, `{"uploadFile":null}`)
		if len(r.Errors) != 1 || !strings.Contains(r.raw, `UPSTREAM_REQUEST_INVALID`) || !strings.Contains(r.raw, `file part \"file\"`) {
			t.Fatalf("want one UPSTREAM_REQUEST_INVALID error naming the file: %s", r.raw)
		}
		if n := len(rec.take()); n != 0 {
			t.Errorf("%d calls upstream", n)
		}
	})

	step("getInventory answers a JSON map", func(t *testing.T) {
		r := g.query("", `{ getInventory }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getInventory":{"available":1,"sold":1}}`)
		rec.expectCall(t, "GET", "/v2/store/inventory", 200)
	})

	step("placeOrder and getStoreOrderOrderId", func(t *testing.T) {
		r := g.query("", `mutation($in: OrderInput!) { placeOrder(input: $in) { id petId quantity shipDate status complete } }`, map[string]any{"in": map[string]any{
			"petId": bigID, "quantity": 2, "shipDate": "2024-05-31T09:30:00+02:00", "status": "placed"}})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"placeOrder":{"id":1,"petId":9007199254740993,"quantity":2,"shipDate":"2024-05-31T09:30:00+02:00","status":"placed","complete":false}}`)
		x := rec.expectCall(t, "POST", "/v2/store/order", 200)
		equalJSON(t, decodeJSON(t, x.Body), `{"petId":9007199254740993,"quantity":2,"shipDate":"2024-05-31T09:30:00+02:00","status":"placed"}`)

		r = g.query("", `{ getStoreOrderOrderId(orderId: 1) { id petId shipDate status } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getStoreOrderOrderId":{"id":1,"petId":9007199254740993,"shipDate":"2024-05-31T09:30:00+02:00","status":"placed"}}`)
		rec.expectCall(t, "GET", "/v2/store/order/1", 200)

		r = g.query("", `{ missing: getStoreOrderOrderId(orderId: 2) { id } outOfRange: getStoreOrderOrderId(orderId: 11) { id } }`, nil)
		equalJSON(t, r.Data, `{"missing":null,"outOfRange":null}`)
		if len(r.Errors) != 2 {
			t.Fatalf("want two errors: %s", r.raw)
		}
		sort.Slice(r.Errors, func(i, j int) bool { return fmt.Sprint(r.Errors[i]["path"]) < fmt.Sprint(r.Errors[j]["path"]) })
		equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":404,"detail":"order 2 not found"}`)
		equalJSON(t, r.Errors[1]["extensions"], `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":400,"detail":"orderId \"11\" is not an integer from 1 to 10"}`)
		if n := len(rec.take()); n != 2 {
			t.Errorf("%d calls for two orders", n)
		}
	})

	step("loginUser answers text", func(t *testing.T) {
		r := g.query("", `query($u: String!, $p: String!) { loginUser(username: $u, password: $p) }`, map[string]any{"u": "alice", "p": "p&ss=w rd"})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"loginUser":"logged in user session:alice-9"}`)
		x := rec.expectCall(t, "GET", "/v2/user/login", 200)
		equalJSON(t, viaJSON(t, x.Query), `{"username":["alice"],"password":["p&ss=w rd"]}`)

		r = g.query("", `{ loginUser(username: "alice", password: "guess") }`, nil)
		equalJSON(t, r.Data, `{"loginUser":null}`)
		oneError(t, r, `["loginUser"]`, `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":400,"detail":"invalid username/password supplied"}`)
		rec.take()
	})

	step("deletePet", func(t *testing.T) {
		id := strconv.FormatInt(bigID, 10)
		r := g.query("", `mutation($id: Int64!) { deletePet(petId: $id, api_key: "owner-key") }`, map[string]any{"id": bigID})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"deletePet":{"code":200,"type":"unknown","message":"`+id+`"}}`)
		x := rec.expectCall(t, "DELETE", "/v2/pets/"+id, 200)
		if x.Header.Get("api_key") != "owner-key" {
			t.Errorf("api_key = %q", x.Header.Get("api_key"))
		}
		r = g.query("", `query($id: Int64!) { getPetById(petId: $id) { id } }`, map[string]any{"id": bigID})
		equalJSON(t, r.Data, `{"getPetById":null}`)
		oneError(t, r, `["getPetById"]`, `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":404,"detail":"pet 9007199254740993 not found"}`)
		rec.take()
	})
}

// stepper runs named steps of one scenario, each starting with no
// exchanges left over from the step before.
func stepper(t *testing.T, rec *recorder) func(string, func(*testing.T)) {
	return func(name string, f func(*testing.T)) {
		rec.take()
		t.Run(name, f)
	}
}

// decodeJSON decodes a request body a server received.
func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, s)
	}
	return v
}

// viaJSON is v as JSON decodes it, for comparing Go values with equalJSON.
func viaJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decodeJSON(t, string(b))
}

// nullsIn lists the JSON paths of the nulls in a body: the schemas of the
// fixtures declare few nullable properties, and a null anywhere else is a
// value the document does not allow.
func nullsIn(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(string, any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case nil:
			out = append(out, at)
		case map[string]any:
			for k, e := range v {
				walk(at+"."+k, e)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", at, i), e)
			}
		}
	}
	walk("$", v)
	sort.Strings(out)
	return out
}

// ---------------------------------------------------------------------------
// Library: OpenAPI 3.0 over several files, recursive books and authors, an
// API key on every operation, a 204 answer.

type libraryAuthorIn struct {
	ID    *int64           `json:"id"`
	Name  *string          `json:"name"`
	Books *[]libraryBookIn `json:"books"`
}

type libraryBookIn struct {
	ID        *string           `json:"id"`
	Title     *string           `json:"title"`
	Published *string           `json:"published"`
	Genre     *string           `json:"genre"`
	Author    *libraryAuthorIn  `json:"author"`
	Sequel    *libraryBookIn    `json:"sequel"`
	Tags      *[]string         `json:"tags"`
	Metadata  map[string]string `json:"metadata"`
}

type libraryBook struct {
	seq       int // creation order
	id, title string
	published *time.Time
	genre     *string
	authorID  *int64
	sequelID  string
	tags      *[]string
	metadata  map[string]string
}

var libraryGenres = []string{"fiction", "non-fiction", "poetry"}

// libraryAPI is the library of testdata/library, in memory.
type libraryAPI struct {
	key string // the X-Library-Key every operation needs

	mu      sync.Mutex
	n       int
	books   map[string]*libraryBook
	authors map[int64]string
}

func newLibraryServer(t *testing.T) (*libraryAPI, *recorder, *httptest.Server) {
	api := &libraryAPI{key: "lib-5ecret", books: map[string]*libraryBook{}, authors: map[int64]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/books", api.list)
	mux.HandleFunc("POST /v1/books", api.create)
	mux.HandleFunc("GET /v1/books/{bookId}", api.get)
	mux.HandleFunc("DELETE /v1/books/{bookId}", api.delete)
	mux.HandleFunc("GET /v1/authors/{authorId}", api.author)
	rec := &recorder{}
	secured := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Library-Key") != api.key {
			refuse(w, http.StatusUnauthorized, "X-Library-Key required")
			return
		}
		mux.ServeHTTP(w, r)
	})
	s := httptest.NewServer(rec.wrap(secured))
	t.Cleanup(s.Close)
	return api, rec, s
}

// validate checks a book body against book.yaml: no id (read-only), a
// title, a date-time, a genre of the enum, an author with id and name.
func (in *libraryBookIn) validate(at string) error {
	switch {
	case in.ID != nil:
		return fmt.Errorf("%s.id is read-only", at)
	case in.Title == nil:
		return fmt.Errorf("%s.title is required", at)
	case in.Genre != nil && !slices.Contains(libraryGenres, *in.Genre):
		return fmt.Errorf("%s.genre %q is not one of %v", at, *in.Genre, libraryGenres)
	}
	if in.Published != nil {
		if err := checkDateTime(*in.Published); err != nil {
			return fmt.Errorf("%s.published: %w", at, err)
		}
	}
	if a := in.Author; a != nil {
		if a.ID == nil || a.Name == nil {
			return fmt.Errorf("%s.author needs id and name", at)
		}
		if a.Books != nil {
			for i := range *a.Books {
				if err := (*a.Books)[i].validate(fmt.Sprintf("%s.author.books[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	if in.Sequel != nil {
		return in.Sequel.validate(at + ".sequel")
	}
	return nil
}

// store keeps a validated book, its sequel and its author's books; the
// caller holds the lock.
func (a *libraryAPI) store(in *libraryBookIn, author *int64) *libraryBook {
	a.n++
	b := &libraryBook{seq: a.n, id: newUUID(a.n), title: *in.Title, genre: in.Genre, tags: in.Tags, metadata: in.Metadata, authorID: author}
	if in.Published != nil {
		p, _ := time.Parse(time.RFC3339, *in.Published)
		b.published = &p
	}
	a.books[b.id] = b
	if in.Author != nil {
		b.authorID = in.Author.ID
		a.authors[*in.Author.ID] = *in.Author.Name
		if in.Author.Books != nil {
			for i := range *in.Author.Books {
				a.store(&(*in.Author.Books)[i], in.Author.ID)
			}
		}
	}
	if in.Sequel != nil {
		b.sequelID = a.store(in.Sequel, nil).id
	}
	return b
}

// render writes a book as book.yaml describes it; its author without
// books, its sequel in full.
func (a *libraryAPI) render(b *libraryBook) map[string]any {
	out := map[string]any{"id": b.id, "title": b.title}
	if b.published != nil {
		out["published"] = b.published.Format(time.RFC3339)
	}
	if b.genre != nil {
		out["genre"] = *b.genre
	}
	if b.authorID != nil {
		out["author"] = map[string]any{"id": *b.authorID, "name": a.authors[*b.authorID]}
	}
	if s, ok := a.books[b.sequelID]; ok {
		out["sequel"] = a.render(s)
	}
	if b.tags != nil {
		out["tags"] = *b.tags
	}
	if b.metadata != nil {
		out["metadata"] = b.metadata
	}
	return out
}

func (a *libraryAPI) create(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if nulls := nullsIn(body); len(nulls) > 0 {
		refuse(w, http.StatusBadRequest, "null at %s: nothing in a book is nullable", strings.Join(nulls, ", "))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in libraryBookIn
	if err := decodeBody(r, "application/json", &in); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	if err := in.validate("$"); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	writeJSON(w, http.StatusCreated, a.render(a.store(&in, nil)))
}

// newestFirst orders books by publication, the unpublished last, then by
// creation.
func newestFirst(books []*libraryBook) {
	sort.Slice(books, func(i, j int) bool {
		p, q := books[i].published, books[j].published
		switch {
		case p != nil && q != nil && !p.Equal(*q):
			return p.After(*q)
		case (p == nil) != (q == nil):
			return p != nil
		}
		return books[i].seq < books[j].seq
	})
}

func (a *libraryAPI) list(w http.ResponseWriter, r *http.Request) {
	if err := onlyQuery(r, "limit", "genre", "since"); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	q := r.URL.Query()
	limit := 20
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > 100 || len(v) > 1 {
			refuse(w, http.StatusBadRequest, "limit %q is not an integer from 1 to 100", v)
			return
		}
		limit = n
	}
	genre, hasGenre := q["genre"]
	if hasGenre && !slices.Contains(libraryGenres, genre[0]) {
		refuse(w, http.StatusBadRequest, "genre %q is not one of %v", genre[0], libraryGenres)
		return
	}
	var since *time.Time
	if v, ok := q["since"]; ok {
		d, err := time.Parse(time.DateOnly, v[0])
		if err != nil {
			refuse(w, http.StatusBadRequest, "since: %v", err)
			return
		}
		since = &d
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var books []*libraryBook
	for _, b := range a.books {
		if hasGenre && (b.genre == nil || *b.genre != genre[0]) {
			continue
		}
		if since != nil && (b.published == nil || b.published.Before(*since)) {
			continue
		}
		books = append(books, b)
	}
	newestFirst(books)
	page := map[string]any{"items": []any{}, "next_cursor": nil}
	for i, b := range books {
		if i == limit {
			page["next_cursor"] = b.id
			break
		}
		page["items"] = append(page["items"].([]any), a.render(b))
	}
	writeJSON(w, http.StatusOK, page)
}

// book finds the bookId path parameter, a uuid.
func (a *libraryAPI) book(w http.ResponseWriter, r *http.Request) (*libraryBook, bool) {
	id := r.PathValue("bookId")
	if !uuidPattern.MatchString(id) {
		refuse(w, http.StatusBadRequest, "bookId %q is not a uuid", id)
		return nil, false
	}
	b, ok := a.books[id]
	if !ok {
		refuse(w, http.StatusNotFound, "book %s not found", id)
	}
	return b, ok
}

func (a *libraryAPI) get(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if b, ok := a.book(w, r); ok {
		writeJSON(w, http.StatusOK, a.render(b))
	}
}

func (a *libraryAPI) delete(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if b, ok := a.book(w, r); ok {
		delete(a.books, b.id)
		w.WriteHeader(http.StatusNoContent)
	}
}

// author answers author.yaml: the author with their books, newest first.
func (a *libraryAPI) author(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("authorId"), 10, 64)
	if err != nil {
		refuse(w, http.StatusBadRequest, "authorId %q is not an int64", r.PathValue("authorId"))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	name, ok := a.authors[id]
	if !ok {
		refuse(w, http.StatusNotFound, "author %d not found", id)
		return
	}
	var books []*libraryBook
	for _, b := range a.books {
		if b.authorID != nil && *b.authorID == id {
			books = append(books, b)
		}
	}
	newestFirst(books)
	rendered := []any{}
	for _, b := range books {
		rendered = append(rendered, a.render(b))
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "name": name, "books": rendered})
}

func TestOpenAPILibrary(t *testing.T) {
	api, rec, srv := newLibraryServer(t)
	res := importOpenAPI(t, "library/openapi.yaml", "library")
	up := openAPIUpstream(t, res, "library", srv.URL+"/v1", nil, "  exposeErrors: true\n")
	g := startOpenAPIGateway(t, res, up, map[string]string{"LIBRARY_API_KEY": api.key})
	step := stepper(t, rec)

	// An author id past 2^53, so that a float on the way shows.
	const tolkien = int64(9007199254740995)
	var hobbit, lotr, silmarillion string

	step("createBook sends a recursive input whole", func(t *testing.T) {
		in := map[string]any{
			"title": "The Hobbit", "published": "1937-09-21T00:00:00Z", "genre": "fiction",
			"tags":     []string{"dragons", "maps"},
			"metadata": map[string]any{"isbn": "978-0-261-10221-7", "shelf": "B2"},
			"author":   map[string]any{"id": tolkien, "name": "J. R. R. Tolkien"},
			"sequel": map[string]any{
				"title": "The Lord of the Rings", "published": "1954-07-29T00:00:00Z", "genre": "fiction",
				"author": map[string]any{"id": tolkien, "name": "J. R. R. Tolkien"},
				"sequel": map[string]any{"title": "The Silmarillion", "published": "1977-09-15T00:00:00Z"},
			},
		}
		r := g.query("", `mutation($in: BookInput!) { createBook(input: $in) {
			id title published genre tags metadata author { id name }
			sequel { id title author { name } sequel { id title published genre author { name } sequel { title } } } } }`, map[string]any{"in": in})
		r.noErrors(t)
		book := r.Data.(map[string]any)["createBook"].(map[string]any)
		hobbit = book["id"].(string)
		lotr = book["sequel"].(map[string]any)["id"].(string)
		silmarillion = book["sequel"].(map[string]any)["sequel"].(map[string]any)["id"].(string)
		for _, id := range []string{hobbit, lotr, silmarillion} {
			if !uuidPattern.MatchString(id) {
				t.Fatalf("id %q is not the uuid the library made", id)
			}
		}
		equalJSON(t, r.Data, `{"createBook":{"id":"`+hobbit+`","title":"The Hobbit","published":"1937-09-21T00:00:00Z","genre":"fiction",
			"tags":["dragons","maps"],"metadata":{"isbn":"978-0-261-10221-7","shelf":"B2"},"author":{"id":9007199254740995,"name":"J. R. R. Tolkien"},
			"sequel":{"id":"`+lotr+`","title":"The Lord of the Rings","author":{"name":"J. R. R. Tolkien"},
				"sequel":{"id":"`+silmarillion+`","title":"The Silmarillion","published":"1977-09-15T00:00:00Z","genre":null,"author":null,"sequel":null}}}}`)
		if !strings.Contains(r.raw, `"id":9007199254740995`) {
			t.Errorf("the Int64 author id lost precision: %s", r.raw)
		}
		x := rec.expectCall(t, "POST", "/v1/books", 201)
		if x.mediaType() != "application/json" || x.Header.Get("X-Library-Key") != api.key {
			t.Errorf("content type %q, key %q", x.Header.Get("Content-Type"), x.Header.Get("X-Library-Key"))
		}
		if !strings.Contains(x.Body, `"id":9007199254740995`) {
			t.Errorf("the Int64 author id lost precision on the way up: %s", x.Body)
		}
		equalJSON(t, decodeJSON(t, x.Body), string(must(json.Marshal(in))))

		for _, in := range []string{
			`{title: "Collected Poems", published: "2001-03-01T12:00:00+01:00", genre: poetry, author: {id: 7, name: "A. Poet", books: [{title: "Early Poems", published: "1990-01-01T00:00:00Z", genre: poetry}]}}`,
			`{title: "Essays", genre: non_fiction}`,
		} {
			g.query("", `mutation { createBook(input: `+in+`) { id } }`, nil).noErrors(t)
			x := rec.expectCall(t, "POST", "/v1/books", 201)
			if strings.Contains(in, "non_fiction") && !strings.Contains(x.Body, `"genre":"non-fiction"`) {
				// The enum value the GraphQL name stands for, in the body.
				t.Errorf("the genre went up as %s", x.Body)
			}
		}
	})

	step("createBook refused upstream", func(t *testing.T) {
		// The library keeps metadata values as strings.
		r := g.query("", `mutation { createBook(input: {title: "X", metadata: {pages: 3}}) { id } }`, nil)
		equalJSON(t, r.Data, `{"createBook":null}`)
		oneError(t, r, `["createBook"]`, `{"code":"UPSTREAM_ERROR","upstream":"library","status":400,"detail":"body: json: cannot unmarshal number into Go struct field libraryBookIn.metadata of type string"}`)
		rec.expectCall(t, "POST", "/v1/books", 400)
	})

	step("getBook follows the recursive types", func(t *testing.T) {
		r := g.query("", `query($id: ID!) { getBook(bookId: $id) { title author { id name books { title sequel { title } } } sequel { title sequel { title sequel { title } } } } }`, map[string]any{"id": hobbit})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getBook":{"title":"The Hobbit",
			"author":{"id":9007199254740995,"name":"J. R. R. Tolkien","books":null},
			"sequel":{"title":"The Lord of the Rings","sequel":{"title":"The Silmarillion","sequel":null}}}}`)
		rec.expectCall(t, "GET", "/v1/books/"+hobbit, 200)

		r = g.query("", `{ notFound: getBook(bookId: "00000000-0000-4000-8000-00000000ffff") { title } }`, nil)
		equalJSON(t, r.Data, `{"notFound":null}`)
		oneError(t, r, `["notFound"]`, `{"code":"UPSTREAM_ERROR","upstream":"library","status":404,"detail":"book 00000000-0000-4000-8000-00000000ffff not found"}`)
		rec.expectCall(t, "GET", "/v1/books/00000000-0000-4000-8000-00000000ffff", 404)

		// A path parameter is escaped as one segment.
		r = g.query("", `{ getBook(bookId: "a/b c") { title } }`, nil)
		oneError(t, r, `["getBook"]`, `{"code":"UPSTREAM_ERROR","upstream":"library","status":400,"detail":"bookId \"a/b c\" is not a uuid"}`)
		rec.expectCall(t, "GET", "/v1/books/a/b c", 400)
	})

	step("getAuthor lists the author's books", func(t *testing.T) {
		r := g.query("", `query($id: Int64!) { getAuthor(authorId: $id) { id name books { title published sequel { title } author { name } } } }`, map[string]any{"id": tolkien})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getAuthor":{"id":9007199254740995,"name":"J. R. R. Tolkien","books":[
			{"title":"The Lord of the Rings","published":"1954-07-29T00:00:00Z","sequel":{"title":"The Silmarillion"},"author":{"name":"J. R. R. Tolkien"}},
			{"title":"The Hobbit","published":"1937-09-21T00:00:00Z","sequel":{"title":"The Lord of the Rings"},"author":{"name":"J. R. R. Tolkien"}}]}}`)
		rec.expectCall(t, "GET", "/v1/authors/9007199254740995", 200)

		r = g.query("", `{ getAuthor(authorId: 7) { name books { title } } nobody: getAuthor(authorId: 8) { name } }`, nil)
		equalJSON(t, r.Data, `{"getAuthor":{"name":"A. Poet","books":[{"title":"Collected Poems"},{"title":"Early Poems"}]},"nobody":null}`)
		oneError(t, r, `["nobody"]`, `{"code":"UPSTREAM_ERROR","upstream":"library","status":404,"detail":"author 8 not found"}`)
		if n := len(rec.take()); n != 2 {
			t.Errorf("%d calls for two authors", n)
		}
	})

	step("listBooks sends only the filters given", func(t *testing.T) {
		for _, tt := range []struct {
			args, query, want string
		}{
			{``, `{}`, `{"items":[{"title":"Collected Poems"},{"title":"Early Poems"},{"title":"The Silmarillion"},{"title":"The Lord of the Rings"},{"title":"The Hobbit"},{"title":"Essays"}],"next_cursor":null}`},
			{`(limit: 2)`, `{"limit":["2"]}`, `{"items":[{"title":"Collected Poems"},{"title":"Early Poems"}],"next_cursor":"` + silmarillion + `"}`},
			{`(genre: fiction, since: "1940-01-01")`, `{"genre":["fiction"],"since":["1940-01-01"]}`, `{"items":[{"title":"The Lord of the Rings"}],"next_cursor":null}`},
			{`(genre: non_fiction)`, `{"genre":["non-fiction"]}`, `{"items":[{"title":"Essays"}],"next_cursor":null}`},
			{`(limit: 1, genre: poetry, since: "2001-03-01")`, `{"limit":["1"],"genre":["poetry"],"since":["2001-03-01"]}`, `{"items":[{"title":"Collected Poems"}],"next_cursor":null}`},
			{`(limit: null, genre: null)`, `{}`, `{"items":[{"title":"Collected Poems"},{"title":"Early Poems"},{"title":"The Silmarillion"},{"title":"The Lord of the Rings"},{"title":"The Hobbit"},{"title":"Essays"}],"next_cursor":null}`},
		} {
			r := g.query("", `{ listBooks`+tt.args+` { items { title } next_cursor } }`, nil)
			r.noErrors(t)
			equalJSON(t, r.Data.(map[string]any)["listBooks"], tt.want)
			x := rec.expectCall(t, "GET", "/v1/books", 200)
			equalJSON(t, viaJSON(t, x.Query), tt.query)
		}
		// A genre the document does not list is refused by the gateway,
		// its wire value too, and a variable's value goes up as its wire
		// value.
		r := g.query("", `{ a: listBooks(genre: sci_fi) { next_cursor } }`, nil)
		if len(r.Errors) != 1 || !strings.Contains(r.raw, `GRAPHQL_VALIDATION_FAILED`) || len(rec.take()) != 0 {
			t.Fatalf("an unknown genre was not refused: %s", r.raw)
		}
		r = g.query("", `query($g: Genre) { listBooks(genre: $g) { next_cursor } }`, map[string]any{"g": "non-fiction"})
		if len(r.Errors) != 1 || !strings.Contains(r.raw, `Value \"non-fiction\" does not exist in \"Genre\" enum`) || len(rec.take()) != 0 {
			t.Fatalf("a wire value given as a variable was not refused: %s", r.raw)
		}
		r = g.query("", `query($g: Genre) { listBooks(genre: $g) { items { title genre } } }`, map[string]any{"g": "non_fiction"})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"listBooks":{"items":[{"title":"Essays","genre":"non_fiction"}]}}`)
		equalJSON(t, viaJSON(t, rec.expectCall(t, "GET", "/v1/books", 200).Query), `{"genre":["non-fiction"]}`)
		r = g.query("", `{ b: listBooks(limit: 0) { next_cursor } }`, nil)
		equalJSON(t, r.Data, `{"b":null}`)
		if len(r.Errors) != 1 || !strings.Contains(r.raw, `"detail":"limit [\"0\"] is not an integer from 1 to 100"`) {
			t.Fatalf("a bad limit was not refused upstream: %s", r.raw)
		}
		rec.take()
	})

	step("deleteBook answers 204", func(t *testing.T) {
		r := g.query("", `mutation($id: ID!) { deleteBook(bookId: $id) }`, map[string]any{"id": silmarillion})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"deleteBook":null}`)
		rec.expectCall(t, "DELETE", "/v1/books/"+silmarillion, 204)

		r = g.query("", `mutation($id: ID!) { deleteBook(bookId: $id) }`, map[string]any{"id": silmarillion})
		equalJSON(t, r.Data, `{"deleteBook":null}`)
		oneError(t, r, `["deleteBook"]`, `{"code":"UPSTREAM_ERROR","upstream":"library","status":404,"detail":"book `+silmarillion+` not found"}`)
		rec.expectCall(t, "DELETE", "/v1/books/"+silmarillion, 404)

		r = g.query("", `query($id: ID!) { getBook(bookId: $id) { title sequel { title sequel { title } } } }`, map[string]any{"id": hobbit})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getBook":{"title":"The Hobbit","sequel":{"title":"The Lord of the Rings","sequel":null}}}`)
		rec.take()
	})

	step("without its API key the config does not load, naming the variable", func(t *testing.T) {
		bare := openAPIUpstream(t, res, "library", srv.URL+"/v1", nil, "")
		err := loadOpenAPIConfig(t, res, bare, nil)
		if err == nil || !strings.Contains(err.Error(), "spec.authSchemes.apiKey.apiKey.value: environment variable LIBRARY_API_KEY is not set") {
			t.Fatalf("load error %v: want one naming LIBRARY_API_KEY", err)
		}
	})

	step("with a wrong API key the library refuses", func(t *testing.T) {
		bare := openAPIUpstream(t, res, "library", srv.URL+"/v1", nil, "")
		g2 := startOpenAPIGateway(t, res, bare, map[string]string{"LIBRARY_API_KEY": "wrong"})
		r := g2.query("", `query($id: ID!) { getBook(bookId: $id) { title } }`, map[string]any{"id": hobbit}, "X-Request-Id", "req-bare")
		equalJSON(t, r.Data, `{"getBook":null}`)
		oneError(t, r, `["getBook"]`, `{"code":"UPSTREAM_ERROR","upstream":"library","status":401,"requestId":"req-bare"}`)
		rec.expectCall(t, "GET", "/v1/books/"+hobbit, 401)
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ---------------------------------------------------------------------------
// Zoo: OpenAPI 3.1 with oneOf, nullable type arrays, enums that are not
// GraphQL names, recursion, a merge-patch body with renamed keys, form and
// multipart bodies, and parameters in the path, query, headers and cookies.

// zooAnimal is an Animal (Cat or Dog) as the document writes it, with the
// server's own filter data.
type zooAnimal struct {
	doc     map[string]any
	species string
	tags    []string
}

// zooAPI is the zoo of testdata/zoo/openapi.yaml, in memory.
type zooAPI struct {
	key string // the keyQuery api_key, checked when sent

	mu         sync.Mutex
	animals    []*zooAnimal
	profiles   map[string]map[string]any // AnimalPatch documents
	keepers    map[int]map[string]any
	passwords  map[int]string
	nextKeeper int
	photos     map[string][]string
	events     []map[string]any
}

func newZooServer(t *testing.T) (*zooAPI, *recorder, *httptest.Server) {
	api := &zooAPI{key: "zoo-query-key", profiles: map[string]map[string]any{}, keepers: map[int]map[string]any{},
		passwords: map[int]string{}, nextKeeper: 1, photos: map[string][]string{}}
	for i, a := range []*zooAnimal{
		{species: "big-cat", tags: []string{"striped", "asia"}, doc: map[string]any{"kind": "cat", "born": "2015-04-01", "weight": 220.5, "chip": nil, "lives": 9}},
		{species: "big-cat", tags: []string{"black", "asia"}, doc: map[string]any{"kind": "cat", "born": "2016-06-06", "weight": 64.25, "chip": "QUJDRA==", "lives": 7}},
		{tags: []string{"good"}, doc: map[string]any{"kind": "dog", "born": "2019-01-01", "weight": 31.5, "chip": nil, "goodBoy": true, "tricks": []any{[]any{"sit", "stay"}, []any{"roll", "over"}}}},
	} {
		a.doc["id"] = newUUID(100 + i)
		api.animals = append(api.animals, a)
		api.profiles[a.doc["id"].(string)] = map[string]any{}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/animals", api.list)
	mux.HandleFunc("GET /v2/animals/{animalId}", api.get)
	mux.HandleFunc("PATCH /v2/animals/{animalId}", api.patch)
	mux.HandleFunc("POST /v2/animals/{animalId}/photo", api.photo)
	mux.HandleFunc("POST /v2/animals/{animalId}/feed", api.feed)
	mux.HandleFunc("POST /v2/keepers", api.createKeeper)
	mux.HandleFunc("DELETE /v2/keepers/{keeperId}", api.deleteKeeper)
	mux.HandleFunc("GET /v2/tree", api.tree)
	mux.HandleFunc("GET /v2/events", api.listEvents)
	mux.HandleFunc("GET /v2/query", api.query)
	rec := &recorder{}
	// The keyQuery scheme: api_key in the query, checked and taken off
	// before the operation reads its own parameters.
	keyed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if k, ok := q["api_key"]; ok {
			if len(k) != 1 || k[0] != api.key {
				refuse(w, http.StatusUnauthorized, "bad api_key")
				return
			}
			q.Del("api_key")
			r.URL.RawQuery = q.Encode()
		}
		mux.ServeHTTP(w, r)
	})
	s := httptest.NewServer(rec.wrap(keyed))
	t.Cleanup(s.Close)
	return api, rec, s
}

// animal finds the animalId path parameter, a uuid; the caller holds the
// lock.
func (a *zooAPI) animal(w http.ResponseWriter, r *http.Request) (*zooAnimal, bool) {
	id := r.PathValue("animalId")
	if !uuidPattern.MatchString(id) {
		refuse(w, http.StatusBadRequest, "animalId %q is not a uuid", id)
		return nil, false
	}
	for _, an := range a.animals {
		if an.doc["id"] == id {
			return an, true
		}
	}
	refuse(w, http.StatusNotFound, "animal %s not found", id)
	return nil, false
}

func (a *zooAPI) event(what string) {
	a.events = append(a.events, map[string]any{"seq": len(a.events) + 1, "what": what})
}

// list reads every parameter as the document declares it: species of the
// enum, limit an integer (default 20), tag exploded (tag=a&tag=b), ids
// comma-joined uuids (explode: false), the session cookie required.
func (a *zooAPI) list(w http.ResponseWriter, r *http.Request) {
	if err := onlyQuery(r, "species", "limit", "tag", "ids"); err != nil {
		refuse(w, http.StatusBadRequest, "%v", err)
		return
	}
	if c, err := r.Cookie("session"); err != nil || c.Value == "" {
		refuse(w, http.StatusBadRequest, "the session cookie is required")
		return
	}
	q := r.URL.Query()
	species, hasSpecies := q["species"]
	if hasSpecies && !slices.Contains([]string{"big-cat", "bird", "3toed"}, species[0]) {
		refuse(w, http.StatusBadRequest, "species %q is not one of big-cat, bird, 3toed", species[0])
		return
	}
	limit := 20
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			refuse(w, http.StatusBadRequest, "limit %q is not an integer", v[0])
			return
		}
		limit = n
	}
	var ids []string
	if v, ok := q["ids"]; ok {
		if len(v) != 1 {
			refuse(w, http.StatusBadRequest, "ids is sent once, comma-joined")
			return
		}
		ids = strings.Split(v[0], ",")
		for _, id := range ids {
			if !uuidPattern.MatchString(id) {
				refuse(w, http.StatusBadRequest, "ids: %q is not a uuid", id)
				return
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []any{}
	for _, an := range a.animals {
		if len(out) == limit {
			break
		}
		if hasSpecies && an.species != species[0] {
			continue
		}
		if ids != nil && !slices.Contains(ids, an.doc["id"].(string)) {
			continue
		}
		if !containsAll(an.tags, q["tag"]) {
			continue
		}
		out = append(out, an.doc)
	}
	writeJSON(w, http.StatusOK, out)
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func (a *zooAPI) get(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if an, ok := a.animal(w, r); ok {
		writeJSON(w, http.StatusOK, an.doc)
	}
}

// checkAnimalPatch checks a merge patch of an AnimalPatch: the properties
// the document names, each of its type or null (which removes it).
func checkAnimalPatch(p map[string]any) error {
	for k, v := range p {
		if v == nil {
			continue
		}
		var ok bool
		switch k {
		case "pet-type", "display name", "petType":
			_, ok = v.(string)
		case "__internal":
			_, ok = v.(bool)
		case "updated":
			s, isString := v.(string)
			ok = isString && checkDateTime(s) == nil
		case "keeper":
			var ref map[string]any
			if ref, ok = v.(map[string]any); ok {
				for rk, rv := range ref {
					if rk != "keeper-id" {
						return fmt.Errorf("keeper: %q is not a property of KeeperRef", rk)
					}
					if n, isNumber := rv.(json.Number); rv != nil && (!isNumber || !isInt64(n)) {
						return fmt.Errorf("keeper: keeper-id %v is not an int64", rv)
					}
				}
			}
		default:
			return fmt.Errorf("%q is not a property of AnimalPatch", k)
		}
		if !ok {
			return fmt.Errorf("%q: %v is not of its type", k, v)
		}
	}
	return nil
}

func isInt64(n json.Number) bool {
	_, err := strconv.ParseInt(n.String(), 10, 64)
	return err == nil
}

// mergePatch applies an RFC 7396 merge patch to doc.
func mergePatch(doc, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(doc, k)
		case map[string]any:
			sub, ok := doc[k].(map[string]any)
			if !ok {
				sub = map[string]any{}
			}
			mergePatch(sub, pv)
			doc[k] = sub
		default:
			doc[k] = v
		}
	}
}

func (a *zooAPI) patch(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/merge-patch+json" {
		refuse(w, http.StatusUnsupportedMediaType, "content type %q, want application/merge-patch+json", r.Header.Get("Content-Type"))
		return
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var p map[string]any
	if err := dec.Decode(&p); err != nil || p == nil {
		refuse(w, http.StatusBadRequest, "a merge patch of an AnimalPatch is an object")
		return
	}
	if err := checkAnimalPatch(p); err != nil {
		refuse(w, http.StatusUnprocessableEntity, "%v", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	an, ok := a.animal(w, r)
	if !ok {
		return
	}
	doc := a.profiles[an.doc["id"].(string)]
	mergePatch(doc, p)
	a.event("patched " + an.doc["id"].(string))
	writeJSON(w, http.StatusOK, doc)
}

// photo reads multipart/form-data with Go's form parser, as a server of
// the document does: file (format binary) is a file part, caption a text
// part.
func (a *zooAPI) photo(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		refuse(w, http.StatusUnsupportedMediaType, "content type %q", r.Header.Get("Content-Type"))
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		refuse(w, http.StatusBadRequest, "multipart: %v", err)
		return
	}
	for k := range r.MultipartForm.Value {
		if k != "caption" {
			refuse(w, http.StatusBadRequest, "unknown text part %q", k)
			return
		}
	}
	for k := range r.MultipartForm.File {
		if k != "file" {
			refuse(w, http.StatusBadRequest, "unknown file part %q", k)
			return
		}
	}
	files := r.MultipartForm.File["file"]
	if len(files) != 1 {
		refuse(w, http.StatusBadRequest, "one file is required")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		refuse(w, http.StatusBadRequest, "file: %v", err)
		return
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		refuse(w, http.StatusBadRequest, "file: %v", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	an, ok := a.animal(w, r)
	if !ok {
		return
	}
	id := an.doc["id"].(string)
	a.photos[id] = append(a.photos[id], string(data))
	a.event(fmt.Sprintf("photo of %s: %s", id, r.FormValue("caption")))
	writeJSON(w, http.StatusCreated, map[string]any{"url": fmt.Sprintf("https://cdn.zoo.example/%s/%d.jpg", id, len(a.photos[id])), "bytes": len(data)})
}

// feed takes an optional JSON array of strings and answers text/plain.
func (a *zooAPI) feed(w http.ResponseWriter, r *http.Request) {
	var food []string
	if r.ContentLength != 0 {
		if err := decodeBody(r, "application/json", &food); err != nil || food == nil {
			refuse(w, http.StatusBadRequest, "the body is an array of strings")
			return
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	an, ok := a.animal(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(food) == 0 {
		fmt.Fprintf(w, "The %s was not fed.", an.doc["kind"])
		return
	}
	a.event(fmt.Sprintf("fed %s", an.doc["id"]))
	fmt.Fprintf(w, "The %s ate %s.", an.doc["kind"], strings.Join(food, " and "))
}

// createKeeper reads an application/x-www-form-urlencoded Keeper: name
// required, shift EARLY or LATE, password write-only, id read-only.
func (a *zooAPI) createKeeper(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		refuse(w, http.StatusUnsupportedMediaType, "content type %q", r.Header.Get("Content-Type"))
		return
	}
	if err := r.ParseForm(); err != nil {
		refuse(w, http.StatusBadRequest, "form: %v", err)
		return
	}
	f := r.PostForm
	for k, vs := range f {
		if !slices.Contains([]string{"name", "shift", "password"}, k) || len(vs) != 1 {
			refuse(w, http.StatusBadRequest, "form field %q (%d values) is not a writable property of Keeper", k, len(vs))
			return
		}
	}
	if f.Get("name") == "" {
		refuse(w, http.StatusBadRequest, "name is required")
		return
	}
	k := map[string]any{"name": f.Get("name"), "shift": nil, "labels": map[string]any{}}
	if s, ok := f["shift"]; ok {
		if s[0] != "EARLY" && s[0] != "LATE" {
			refuse(w, http.StatusBadRequest, "shift %q is not EARLY or LATE", s[0])
			return
		}
		k["shift"] = s[0]
		k["labels"] = map[string]any{"rota": strings.ToLower(s[0])}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id := a.nextKeeper
	a.nextKeeper++
	k["id"] = id
	a.keepers[id] = k
	a.passwords[id] = f.Get("password")
	a.event(fmt.Sprintf("keeper %d hired", id))
	writeJSON(w, http.StatusCreated, k)
}

func (a *zooAPI) deleteKeeper(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("keeperId"))
	if err != nil {
		refuse(w, http.StatusBadRequest, "keeperId %q is not an integer", r.PathValue("keeperId"))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.keepers[id]; !ok {
		refuse(w, http.StatusNotFound, "keeper %d not found", id)
		return
	}
	delete(a.keepers, id)
	a.event(fmt.Sprintf("keeper %d left", id))
	w.WriteHeader(http.StatusNoContent)
}

// zooTaxonomy is the tree /tree serves: each node's parent and label.
var zooTaxonomy = []struct{ name, parent, label string }{
	{"Animalia", "", ""},
	{"Chordata", "Animalia", "vertebrates"},
	{"Mammalia", "Chordata", ""},
	{"Felidae", "Mammalia", "cats"},
	{"Canidae", "Mammalia", "dogs"},
	{"Aves", "Chordata", "birds"},
}

// node writes a Node: down is whether to write the children (the parent
// chain is written upwards without them, so the document ends).
func zooNode(name string, down bool) map[string]any {
	out := map[string]any{"name": name, "label": nil, "parent": nil}
	for _, n := range zooTaxonomy {
		if n.name == name {
			if n.label != "" {
				out["label"] = n.label
			}
			if n.parent != "" {
				out["parent"] = zooNode(n.parent, false)
			}
		}
	}
	if down {
		children := []any{}
		for _, n := range zooTaxonomy {
			if n.parent == name {
				children = append(children, zooNode(n.name, true))
			}
		}
		out["children"] = children
	}
	return out
}

func (a *zooAPI) tree(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, zooNode("Animalia", true))
}

func (a *zooAPI) listEvents(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"events": a.events})
}

func (a *zooAPI) query(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"text": fmt.Sprintf("%d animals, %d keepers", len(a.animals), len(a.keepers))})
}

// withoutNulls drops the null members of a JSON object.
func withoutNulls(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, e := range m {
		if e != nil {
			out[k] = e
		}
	}
	return out
}

func TestOpenAPIZoo(t *testing.T) {
	api, rec, srv := newZooServer(t)
	res := importOpenAPI(t, "zoo/openapi.yaml", "zoo")
	// The document declares its error answers: the suggested upstream has
	// the line that shows them, commented out.
	up := openAPIUpstream(t, res, "zoo", srv.URL+"/v2/", []string{"exposeErrors: true"}, `  auth:
    apiKey: {in: query, name: api_key, value: "${ZOO_KEY_QUERY}"}
`)
	g := startOpenAPIGateway(t, res, up, map[string]string{"ZOO_KEY_QUERY": api.key})
	step := stepper(t, rec)
	shereKhan, bagheera, rex := newUUID(100), newUUID(101), newUUID(102)
	// Animal is a union of Cat and Dog: the discriminator kind names no
	// member ("cat", not the schema name Cat), so their required
	// properties tell them apart.
	const animalSel = `{ __typename ... on Cat { id kind born weight chip lives } ... on Dog { id kind born weight chip goodBoy tricks } }`
	typed := func(i int) map[string]any {
		out := maps.Clone(api.animals[i].doc)
		out["__typename"] = map[string]string{"cat": "Cat", "dog": "Dog"}[out["kind"].(string)]
		return out
	}
	docs := string(must(json.Marshal([]any{typed(0), typed(1), typed(2)})))

	step("listAnimals with only the cookie", func(t *testing.T) {
		r := g.query("", `{ listAnimals(session: "s-1") `+animalSel+` }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"listAnimals":`+docs+`}`)
		x := rec.expectCall(t, "GET", "/v2/animals", 200)
		equalJSON(t, viaJSON(t, x.Query), `{"api_key":["zoo-query-key"]}`)
		if c := x.Header.Values("Cookie"); len(c) != 1 || c[0] != "session=s-1" {
			t.Errorf("Cookie = %q", c)
		}
		if x.Header.Values("X-Trace-Id") != nil {
			t.Errorf("absent header sent: %q", x.Header.Values("X-Trace-Id"))
		}
	})

	step("listAnimals with a parameter in every place", func(t *testing.T) {
		r := g.query("", `query($ids: [ID!]) { listAnimals(xTraceId: "trace-42", species: big_cat, limit: 1, tag: ["asia"], ids: $ids, session: "s 2") `+animalSel+` }`,
			map[string]any{"ids": []string{bagheera, shereKhan}})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"listAnimals":[`+string(must(json.Marshal(typed(0))))+`]}`)
		x := rec.expectCall(t, "GET", "/v2/animals", 200)
		equalJSON(t, viaJSON(t, x.Query), `{"api_key":["zoo-query-key"],"species":["big-cat"],"limit":["1"],"tag":["asia"],"ids":["`+bagheera+`,`+shereKhan+`"]}`)
		if x.Header.Get("X-Trace-Id") != "trace-42" {
			t.Errorf("X-Trace-Id = %q", x.Header.Get("X-Trace-Id"))
		}
		req := &http.Request{Header: x.Header}
		if c, err := req.Cookie("session"); err != nil || c.Value != "s 2" {
			t.Errorf("session cookie %v, %v (Cookie: %q)", c, err, x.Header.Get("Cookie"))
		}

		// Enum values that are not GraphQL names have names, and go up
		// as the document's values; others are refused before any call.
		r = g.query("", `{ listAnimals(species: _3toed, session: "s") { __typename } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"listAnimals":[]}`)
		equalJSON(t, viaJSON(t, rec.expectCall(t, "GET", "/v2/animals", 200).Query), `{"api_key":["zoo-query-key"],"species":["3toed"]}`)
		r = g.query("", `{ bad: listAnimals(species: lion, session: "s") { __typename } }`, nil)
		if len(r.Errors) != 1 || !strings.Contains(r.raw, "GRAPHQL_VALIDATION_FAILED") {
			t.Errorf("an unknown species was not refused: %s", r.raw)
		}
		if n := len(rec.take()); n != 0 {
			t.Errorf("%d calls", n)
		}
	})

	step("listAnimals with several exploded tags", func(t *testing.T) {
		// OpenAPI 3 query arrays explode by default: tag=a&tag=b.
		r := g.query("", `{ listAnimals(tag: ["asia", "black"], session: "s") `+animalSel+` }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"listAnimals":[`+string(must(json.Marshal(typed(1))))+`]}`)
		x := rec.expectCall(t, "GET", "/v2/animals", 200)
		equalJSON(t, viaJSON(t, x.Query), `{"api_key":["zoo-query-key"],"tag":["asia","black"]}`)

		// No tags: no tag parameter at all, so every animal is listed.
		r = g.query("", `{ listAnimals(tag: [], session: "s") `+animalSel+` }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"listAnimals":`+docs+`}`)
		x = rec.expectCall(t, "GET", "/v2/animals", 200)
		equalJSON(t, viaJSON(t, x.Query), `{"api_key":["zoo-query-key"]}`)
	})

	step("getAnimal tells the union's member by its properties", func(t *testing.T) {
		r := g.query("", `query($id: ID!) { getAnimal(animalId: $id) { __typename ... on Dog { id kind goodBoy tricks } ... on Cat { lives } } }`, map[string]any{"id": rex})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getAnimal":{"__typename":"Dog","id":"`+rex+`","kind":"dog","goodBoy":true,"tricks":[["sit","stay"],["roll","over"]]}}`)
		rec.expectCall(t, "GET", "/v2/animals/"+rex, 200)

		r = g.query("", `query($id: ID!) { getAnimal(animalId: $id) { __typename ... on Dog { goodBoy } ... on Cat { lives chip } } }`, map[string]any{"id": bagheera})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getAnimal":{"__typename":"Cat","lives":7,"chip":"QUJDRA=="}}`)
		rec.expectCall(t, "GET", "/v2/animals/"+bagheera, 200)

		r = g.query("", `{ getAnimal(animalId: "00000000-0000-4000-8000-000000000001") { __typename } }`, nil)
		equalJSON(t, r.Data, `{"getAnimal":null}`)
		oneError(t, r, `["getAnimal"]`, `{"code":"UPSTREAM_ERROR","upstream":"zoo","status":404,"detail":"animal 00000000-0000-4000-8000-000000000001 not found"}`)
		rec.expectCall(t, "GET", "/v2/animals/00000000-0000-4000-8000-000000000001", 404)
	})

	const patchFields = `petType2 displayName petType internal keeper { keeperId } updated`
	step("updateAnimal sends a merge patch with the document's keys", func(t *testing.T) {
		r := g.query("", `mutation($id: ID!) { updateAnimal(animalId: $id, input: {petType2: "tiger", displayName: "Shere Khan", petType: "big cat", internal: true, updated: "2024-01-02T03:04:05Z"}) { `+patchFields+` } }`, map[string]any{"id": shereKhan})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"updateAnimal":{"petType2":"tiger","displayName":"Shere Khan","petType":"big cat","internal":true,"keeper":null,"updated":"2024-01-02T03:04:05Z"}}`)
		x := rec.expectCall(t, "PATCH", "/v2/animals/"+shereKhan, 200)
		if x.mediaType() != "application/merge-patch+json" {
			t.Errorf("content type %q", x.Header.Get("Content-Type"))
		}
		equalJSON(t, withoutNulls(decodeJSON(t, x.Body)), `{"pet-type":"tiger","display name":"Shere Khan","petType":"big cat","__internal":true,"updated":"2024-01-02T03:04:05Z"}`)

		// A field set to null removes it, as a merge patch says.
		r = g.query("", `mutation($id: ID!) { updateAnimal(animalId: $id, input: {petType2: "tiger", displayName: null, petType: "big cat", internal: false, updated: "2024-01-03T00:00:00+05:30"}) { `+patchFields+` } }`, map[string]any{"id": shereKhan})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"updateAnimal":{"petType2":"tiger","displayName":null,"petType":"big cat","internal":false,"keeper":null,"updated":"2024-01-03T00:00:00+05:30"}}`)
		rec.expectCall(t, "PATCH", "/v2/animals/"+shereKhan, 200)

		r = g.query("", `{ listEvents }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"listEvents":{"events":[{"seq":1,"what":"patched `+shereKhan+`"},{"seq":2,"what":"patched `+shereKhan+`"}]}}`)
		rec.expectCall(t, "GET", "/v2/events", 200)
	})

	step("updateAnimal of one field keeps the others", func(t *testing.T) {
		r := g.query("", `mutation($id: ID!) { updateAnimal(animalId: $id, input: {petType: "tiger"}) { `+patchFields+` } }`, map[string]any{"id": shereKhan})
		if len(r.Errors) == 0 && strings.Contains(rec.only(t).Body, `"pet-type":null`) {
			t.Fatalf("an input field the client left out is sent as null; in this application/merge-patch+json body a null deletes the member")
		}
		r.noErrors(t)
		equalJSON(t, r.Data, `{"updateAnimal":{"petType2":"tiger","displayName":null,"petType":"tiger","internal":false,"keeper":null,"updated":"2024-01-03T00:00:00+05:30"}}`)
	})

	step("updateAnimal with a renamed key below the top level", func(t *testing.T) {
		r := g.query("", `mutation($id: ID!) { updateAnimal(animalId: $id, input: {petType2: "tiger", displayName: "Khan", petType: "tiger", internal: false, updated: "2024-01-04T00:00:00Z", keeper: {keeperId: 9007199254740993}}) { keeper { keeperId } } }`, map[string]any{"id": bagheera})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"updateAnimal":{"keeper":{"keeperId":9007199254740993}}}`)
		x := rec.expectCall(t, "PATCH", "/v2/animals/"+bagheera, 200)
		equalJSON(t, decodeJSON(t, x.Body), `{"pet-type":"tiger","display name":"Khan","petType":"tiger","__internal":false,"updated":"2024-01-04T00:00:00Z","keeper":{"keeper-id":9007199254740993}}`)
	})

	step("uploadPhoto sends multipart form data with a file part", func(t *testing.T) {
		r := g.query("", `mutation($id: ID!) { uploadPhoto(animalId: $id, input: {file: "aGVsbG8gdGlnZXI=", caption: "asleep, again"}) { url bytes } }`, map[string]any{"id": shereKhan})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"uploadPhoto":{"url":"https://cdn.zoo.example/`+shereKhan+`/1.jpg","bytes":11}}`)
		x := rec.expectCall(t, "POST", "/v2/animals/"+shereKhan+"/photo", 201)
		req := &http.Request{Method: "POST", Header: x.Header, Body: io.NopCloser(strings.NewReader(x.Body))}
		if err := req.ParseMultipartForm(1 << 20); err != nil {
			t.Fatal(err)
		}
		equalJSON(t, viaJSON(t, req.MultipartForm.Value), `{"caption":["asleep, again"]}`)
		files := req.MultipartForm.File["file"]
		if len(files) != 1 || files[0].Filename != "file" || files[0].Header.Get("Content-Type") != "application/octet-stream" {
			t.Fatalf("file parts %+v", files)
		}
		api.mu.Lock()
		photos := slices.Clone(api.photos[shereKhan])
		api.mu.Unlock()
		if len(photos) != 1 || photos[0] != "hello tiger" {
			t.Errorf("stored photos %q", photos)
		}

		// URL-safe base64 without padding is read too.
		r = g.query("", `mutation($id: ID!) { uploadPhoto(animalId: $id, input: {file: "_-8"}) { bytes } }`, map[string]any{"id": shereKhan})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"uploadPhoto":{"bytes":2}}`)
		rec.take()
		api.mu.Lock()
		defer api.mu.Unlock()
		if got := api.photos[shereKhan]; len(got) != 2 || got[1] != "\xff\xef" {
			t.Errorf("stored photos %q", got)
		}
	})

	step("feedAnimal sends a JSON array and reads a text answer", func(t *testing.T) {
		r := g.query("", `mutation($id: ID!) { feedAnimal(animalId: $id, input: ["meat", "milk"]) }`, map[string]any{"id": rex})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"feedAnimal":"The dog ate meat and milk."}`)
		x := rec.expectCall(t, "POST", "/v2/animals/"+rex+"/feed", 200)
		if x.mediaType() != "application/json" || x.Body != `["meat","milk"]` {
			t.Errorf("content type %q, body %s", x.Header.Get("Content-Type"), x.Body)
		}
	})

	step("feedAnimal without its optional body", func(t *testing.T) {
		r := g.query("", `mutation($id: ID!) { feedAnimal(animalId: $id) }`, map[string]any{"id": rex})
		if x := rec.only(t); x.Body == "null" {
			t.Fatalf("a nullable body argument left out is sent as the JSON body null, which the document's schema (an array) does not allow")
		}
		r.noErrors(t)
		equalJSON(t, r.Data, `{"feedAnimal":"The dog was not fed."}`)
	})

	var keeper float64
	step("createKeeper sends a form and reads enums back", func(t *testing.T) {
		r := g.query("", `mutation { createKeeper(input: {name: "Mowgli", shift: EARLY, password: "jungle book"}) { id name shift labels } }`, nil)
		r.noErrors(t)
		keeper = r.Data.(map[string]any)["createKeeper"].(map[string]any)["id"].(float64)
		equalJSON(t, r.Data, fmt.Sprintf(`{"createKeeper":{"id":%v,"name":"Mowgli","shift":"EARLY","labels":{"rota":"early"}}}`, keeper))
		x := rec.expectCall(t, "POST", "/v2/keepers", 201)
		if x.mediaType() != "application/x-www-form-urlencoded" {
			t.Errorf("content type %q", x.Header.Get("Content-Type"))
		}
		equalJSON(t, viaJSON(t, must(url.ParseQuery(x.Body))), `{"name":["Mowgli"],"shift":["EARLY"],"password":["jungle book"]}`)

		// A nullable enum answered as null, and no shift sent.
		r = g.query("", `mutation { createKeeper(input: {name: "Baloo"}) { name shift labels } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"createKeeper":{"name":"Baloo","shift":null,"labels":{}}}`)
		x = rec.expectCall(t, "POST", "/v2/keepers", 201)
		if x.Body != "name=Baloo" {
			t.Errorf("form %q", x.Body)
		}
	})

	step("deleteKeeper answers 204", func(t *testing.T) {
		r := g.query("", `mutation($id: Int!) { deleteKeeper(keeperId: $id) }`, map[string]any{"id": keeper})
		r.noErrors(t)
		equalJSON(t, r.Data, `{"deleteKeeper":null}`)
		rec.expectCall(t, "DELETE", fmt.Sprintf("/v2/keepers/%v", keeper), 204)

		r = g.query("", `mutation($id: Int!) { deleteKeeper(keeperId: $id) }`, map[string]any{"id": keeper})
		equalJSON(t, r.Data, `{"deleteKeeper":null}`)
		oneError(t, r, `["deleteKeeper"]`, fmt.Sprintf(`{"code":"UPSTREAM_ERROR","upstream":"zoo","status":404,"detail":"keeper %v not found"}`, keeper))
		rec.take()
	})

	step("getTree follows the recursive Node", func(t *testing.T) {
		r := g.query("", `{ getTree { name label parent { name } children { name label parent { name parent { name } } children { name label children { name parent { name label parent { name parent { name parent { name } } } } } } } } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"getTree":{"name":"Animalia","label":null,"parent":null,"children":[
			{"name":"Chordata","label":"vertebrates","parent":{"name":"Animalia","parent":null},"children":[
				{"name":"Mammalia","label":null,"children":[
					{"name":"Felidae","parent":{"name":"Mammalia","label":null,"parent":{"name":"Chordata","parent":{"name":"Animalia","parent":null}}}},
					{"name":"Canidae","parent":{"name":"Mammalia","label":null,"parent":{"name":"Chordata","parent":{"name":"Animalia","parent":null}}}}]},
				{"name":"Aves","label":"birds","children":[]}]}]}}`)
		rec.expectCall(t, "GET", "/v2/tree", 200)
	})

	step("runQuery reads a type renamed from Query", func(t *testing.T) {
		r := g.query("", `{ runQuery { text __typename } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"runQuery":{"text":"3 animals, 1 keepers","__typename":"Query2"}}`)
		rec.expectCall(t, "GET", "/v2/query", 200)
	})

	step("a wrong api_key is refused", func(t *testing.T) {
		g2 := startOpenAPIGateway(t, res, up, map[string]string{"ZOO_KEY_QUERY": "guess"})
		r := g2.query("", `{ getTree { name } }`, nil)
		oneError(t, r, `["getTree"]`, `{"code":"UPSTREAM_ERROR","upstream":"zoo","status":401,"detail":"bad api_key"}`)
		rec.expectCall(t, "GET", "/v2/tree", 401)
	})
}

// ---------------------------------------------------------------------------
// Large: the generated document of 30 resources with four operations each.
// Its server is built from the document itself (the fixture the generator
// in upstreams/rest/openapi/large_test.go writes and keeps current), so it
// serves and checks whatever operations the generator makes.

// oaSchema is the part of a JSON Schema the generated document uses.
type oaSchema struct {
	Ref        string               `json:"$ref"`
	Type       string               `json:"type"`
	Format     string               `json:"format"`
	Enum       []string             `json:"enum"`
	Properties map[string]*oaSchema `json:"properties"`
	Required   []string             `json:"required"`
	Items      *oaSchema            `json:"items"`
	AllOf      []*oaSchema          `json:"allOf"`
	ReadOnly   bool                 `json:"readOnly"`
	Nullable   bool                 `json:"nullable"`
}

type oaParam struct {
	Name     string    `json:"name"`
	In       string    `json:"in"`
	Required bool      `json:"required"`
	Schema   *oaSchema `json:"schema"`
}

type oaMedia struct {
	Schema *oaSchema `json:"schema"`
}

type oaOperation struct {
	OperationID string    `json:"operationId"`
	Parameters  []oaParam `json:"parameters"`
	RequestBody *struct {
		Required bool               `json:"required"`
		Content  map[string]oaMedia `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]oaMedia `json:"content"`
	} `json:"responses"`
}

type oaPathItem struct {
	Parameters []oaParam    `json:"parameters"`
	Get        *oaOperation `json:"get"`
	Post       *oaOperation `json:"post"`
	Put        *oaOperation `json:"put"`
	Patch      *oaOperation `json:"patch"`
	Delete     *oaOperation `json:"delete"`
}

type oaDocument struct {
	Paths      map[string]oaPathItem `json:"paths"`
	Components struct {
		Schemas map[string]*oaSchema `json:"schemas"`
	} `json:"components"`
}

// largeOp is one operation of the document, with what its server needs.
type largeOp struct {
	method, path, id string
	collection       string // the path without its {id} segment
	item             bool   // the path names one item
	params           []oaParam
	body             *oaSchema // the request body, resolved
	bodyType         string
	bodyRequired     bool
	status           int       // the lowest 2xx status declared
	answer           *oaSchema // its schema, nil for no content
}

func readLargeDocument(t *testing.T) (*oaDocument, []*largeOp) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(openAPITestdata, "large/openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc oaDocument
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []*largeOp
	for path, item := range doc.Paths {
		for _, m := range []struct {
			method string
			op     *oaOperation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if m.op == nil {
				continue
			}
			op := &largeOp{method: m.method, path: path, id: m.op.OperationID, params: append(slices.Clone(item.Parameters), m.op.Parameters...)}
			op.collection, _, op.item = strings.Cut(path, "/{")
			if rb := m.op.RequestBody; rb != nil {
				if len(rb.Content) != 1 {
					t.Fatalf("%s: %d body media types", op.id, len(rb.Content))
				}
				for mt, media := range rb.Content {
					op.bodyType, op.body = mt, doc.resolve(media.Schema)
				}
				op.bodyRequired = rb.Required
			}
			for code, resp := range m.op.Responses {
				n, err := strconv.Atoi(code)
				if err != nil || n/100 != 2 || (op.status != 0 && n > op.status) {
					continue
				}
				op.status, op.answer = n, nil
				if media, ok := resp.Content["application/json"]; ok {
					op.answer = doc.resolve(media.Schema)
				}
			}
			if op.status == 0 {
				t.Fatalf("%s has no 2xx answer", op.id)
			}
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	return &doc, ops
}

// resolve follows $ref and a single allOf member.
func (d *oaDocument) resolve(s *oaSchema) *oaSchema {
	for s != nil {
		switch {
		case s.Ref != "":
			s = d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		case len(s.AllOf) == 1 && s.Type == "" && s.Properties == nil:
			s = s.AllOf[0]
		default:
			return s
		}
	}
	return nil
}

// refName is the component a schema names, through allOf.
func refName(s *oaSchema) string {
	if s == nil {
		return ""
	}
	if len(s.AllOf) == 1 {
		return refName(s.AllOf[0])
	}
	return strings.TrimPrefix(s.Ref, "#/components/schemas/")
}

// largeAPI serves every operation of the generated document from memory.
type largeAPI struct {
	doc *oaDocument
	// collectionOf is the collection path whose POST creates a schema.
	collectionOf map[string]string

	mu     sync.Mutex
	n      int
	items  map[string][]map[string]any // by collection, in creation order
	served map[string]int              // successful calls by operationId
}

func newLargeServer(t *testing.T) (*largeAPI, []*largeOp, *recorder, *httptest.Server) {
	doc, ops := readLargeDocument(t)
	api := &largeAPI{doc: doc, collectionOf: map[string]string{}, items: map[string][]map[string]any{}, served: map[string]int{}}
	mux := http.NewServeMux()
	for _, op := range ops {
		if op.method == "POST" && !op.item {
			for name, s := range doc.Components.Schemas {
				if s == op.body {
					api.collectionOf[name] = op.collection
				}
			}
		}
		mux.HandleFunc(op.method+" "+op.path, func(w http.ResponseWriter, r *http.Request) { api.serve(w, r, op) })
	}
	rec := &recorder{}
	s := httptest.NewServer(rec.wrap(mux))
	t.Cleanup(s.Close)
	return api, ops, rec, s
}

// checkValue checks one JSON value (decoded with UseNumber) against a
// schema, as a request body or parameter.
func (a *largeAPI) checkValue(at string, v any, s *oaSchema) error {
	s = a.doc.resolve(s)
	if v == nil {
		if s.Nullable {
			return nil
		}
		return fmt.Errorf("%s: null, and the schema is not nullable", at)
	}
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %v is not a string", at, v)
		}
		if s.Enum != nil && !slices.Contains(s.Enum, str) {
			return fmt.Errorf("%s: %q is not one of %v", at, str, s.Enum)
		}
		if s.Format == "date-time" && checkDateTime(str) != nil {
			return fmt.Errorf("%s: %q is not a date-time", at, str)
		}
		if s.Format == "uuid" && !uuidPattern.MatchString(str) {
			return fmt.Errorf("%s: %q is not a uuid", at, str)
		}
	case "integer":
		if n, ok := v.(json.Number); !ok || !isInt64(n) {
			return fmt.Errorf("%s: %v is not an int64", at, v)
		}
	case "object":
		o, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: not an object", at)
		}
		for k, e := range o {
			p, ok := s.Properties[k]
			if !ok {
				return fmt.Errorf("%s: %q is not a property", at, k)
			}
			if p.ReadOnly {
				return fmt.Errorf("%s: %q is read-only", at, k)
			}
			if err := a.checkValue(at+"."+k, e, p); err != nil {
				return err
			}
		}
		for _, k := range s.Required {
			if _, ok := o[k]; !ok && !s.Properties[k].ReadOnly {
				return fmt.Errorf("%s: %q is required", at, k)
			}
		}
	default:
		return fmt.Errorf("%s: the server does not know type %q", at, s.Type)
	}
	return nil
}

// checkParams checks the path and query parameters against the operation.
func (a *largeAPI) checkParams(r *http.Request, op *largeOp) error {
	var declared []string
	for _, p := range op.params {
		var raw string
		switch p.In {
		case "path":
			raw = r.PathValue(p.Name)
		case "query":
			declared = append(declared, p.Name)
			vs, ok := r.URL.Query()[p.Name]
			if !ok {
				if p.Required {
					return fmt.Errorf("query parameter %s is required", p.Name)
				}
				continue
			}
			if len(vs) != 1 {
				return fmt.Errorf("query parameter %s sent %d times", p.Name, len(vs))
			}
			raw = vs[0]
		default:
			return fmt.Errorf("the server does not read %s parameters", p.In)
		}
		var v any = raw
		if a.doc.resolve(p.Schema).Type == "integer" {
			v = json.Number(raw)
		}
		if err := a.checkValue(p.In+" parameter "+p.Name, v, p.Schema); err != nil {
			return err
		}
	}
	return onlyQuery(r, declared...)
}

func (a *largeAPI) serve(w http.ResponseWriter, r *http.Request, op *largeOp) {
	if err := a.checkParams(r, op); err != nil {
		refuse(w, http.StatusBadRequest, "%s: %v", op.id, err)
		return
	}
	var body map[string]any
	if op.body != nil {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		raw, _ := io.ReadAll(r.Body)
		switch {
		case len(raw) == 0 && op.bodyRequired:
			refuse(w, http.StatusBadRequest, "%s: a body is required", op.id)
			return
		case mt != op.bodyType:
			refuse(w, http.StatusUnsupportedMediaType, "%s: content type %q, want %s", op.id, r.Header.Get("Content-Type"), op.bodyType)
			return
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			refuse(w, http.StatusBadRequest, "%s: %v", op.id, err)
			return
		}
		if err := a.checkValue("body", v, op.body); err != nil {
			refuse(w, http.StatusBadRequest, "%s: %v", op.id, err)
			return
		}
		body = v.(map[string]any)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	items := a.items[op.collection]
	found := -1
	if op.item {
		for i, it := range items {
			if it["id"] == r.PathValue("id") {
				found = i
			}
		}
		if found < 0 {
			refuse(w, http.StatusNotFound, "%s: %s not found", op.id, r.PathValue("id"))
			return
		}
	}
	a.served[op.id]++
	switch {
	case op.method == "GET" && op.item:
		writeJSON(w, op.status, a.render(items[found], op.answer, map[string]bool{}))
	case op.method == "GET":
		a.list(w, r, op, items)
	case op.method == "POST" && !op.item:
		a.create(w, op, body)
	case op.method == "DELETE" && op.item:
		a.items[op.collection] = slices.Delete(items, found, found+1)
		w.WriteHeader(op.status)
	default:
		refuse(w, http.StatusNotImplemented, "%s: the server does not know what %s %s does", op.id, op.method, op.path)
	}
}

// create stores an item and fills its read-only properties: a uuid id, and
// a link to the newest item of the schema another property refers to.
func (a *largeAPI) create(w http.ResponseWriter, op *largeOp, body map[string]any) {
	item := maps.Clone(body)
	for k, p := range op.body.Properties {
		if !p.ReadOnly {
			continue
		}
		switch {
		case p.Format == "uuid":
			a.n++
			item[k] = newUUID(a.n)
		case a.collectionOf[refName(p)] != "":
			if linked := a.items[a.collectionOf[refName(p)]]; len(linked) > 0 {
				item[k] = linked[len(linked)-1]["id"]
			}
		}
	}
	a.items[op.collection] = append(a.items[op.collection], item)
	writeJSON(w, op.status, a.render(item, op.answer, map[string]bool{}))
}

// render writes an item by its schema, following links to other items
// (until one repeats, or a linked item is gone).
func (a *largeAPI) render(item map[string]any, s *oaSchema, seen map[string]bool) map[string]any {
	seen[item["id"].(string)] = true
	out := map[string]any{}
	for k, v := range item {
		p := s.Properties[k]
		collection, isLink := a.collectionOf[refName(p)]
		if !isLink {
			out[k] = v
			continue
		}
		for _, linked := range a.items[collection] {
			if linked["id"] == v && !seen[v.(string)] {
				out[k] = a.render(linked, a.doc.resolve(p), seen)
			}
		}
	}
	return out
}

// list answers a page: the items whose properties equal the query
// parameters of the same name, at most page-size of them, and next, the
// id of the first left out.
func (a *largeAPI) list(w http.ResponseWriter, r *http.Request, op *largeOp, items []map[string]any) {
	itemSchema := a.doc.resolve(op.answer.Properties["items"].Items)
	size := len(items)
	if v := r.URL.Query().Get("page-size"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	page := []any{}
	var next any
	for _, it := range items {
		keep := true
		for k, vs := range r.URL.Query() {
			if _, ok := itemSchema.Properties[k]; ok && it[k] != vs[0] {
				keep = false
			}
		}
		if !keep {
			continue
		}
		if len(page) == size {
			next = it["id"]
			break
		}
		page = append(page, a.render(it, itemSchema, map[string]bool{}))
	}
	writeJSON(w, op.status, map[string]any{"items": page, "next": next})
}

// restFields maps "METHOD /path" to the root field bound to it
// ("Mutation.createX"), read from the @rest bindings of an imported SDL,
// and each root field to the type of its input argument, if any.
func restFields(t *testing.T, sdl string) (fields, inputs map[string]string) {
	t.Helper()
	doc, err := parser.ParseSchema(&ast.Source{Name: "imported.graphql", Input: sdl})
	if err != nil {
		t.Fatal(err)
	}
	fields, inputs = map[string]string{}, map[string]string{}
	placeholder := regexp.MustCompile(`\{args\.([^}]+)\}`)
	for _, def := range doc.Definitions {
		if def.Name != "Query" && def.Name != "Mutation" {
			continue
		}
		for _, f := range def.Fields {
			d := f.Directives.ForName("rest")
			if d == nil {
				t.Fatalf("%s.%s has no @rest", def.Name, f.Name)
			}
			path, _, _ := strings.Cut(d.Arguments.ForName("path").Value.Raw, "?")
			fields[d.Arguments.ForName("method").Value.Raw+" "+placeholder.ReplaceAllString(path, "{$1}")] = def.Name + "." + f.Name
			if in := f.Arguments.ForName("input"); in != nil {
				inputs[f.Name] = in.Type.Name()
			}
		}
	}
	return fields, inputs
}

func TestOpenAPILarge(t *testing.T) {
	api, ops, rec, srv := newLargeServer(t)
	res := importOpenAPI(t, "large/openapi.json", "large")
	up := openAPIUpstream(t, res, "large", srv.URL, nil, "  exposeErrors: true\n")
	g := startOpenAPIGateway(t, res, up, nil)
	fields, inputs := restFields(t, res.SDL)
	if len(ops) != res.Operations || len(fields) != len(ops) {
		t.Fatalf("%d operations in the document, %d imported, %d root fields", len(ops), res.Operations, len(fields))
	}

	// The operations of each collection, by kind: what the generator makes.
	type kind struct {
		method string
		item   bool
	}
	kinds := map[kind]string{{"GET", false}: "list", {"POST", false}: "create", {"GET", true}: "get", {"DELETE", true}: "delete"}
	byCollection := map[string]map[string]string{} // collection -> kind -> root field name
	for _, op := range ops {
		k, ok := kinds[kind{op.method, op.item}]
		if !ok {
			t.Fatalf("%s: the generator made an operation of a new kind, %s on %s", op.id, op.method, op.path)
		}
		f, ok := fields[op.method+" "+op.path]
		if !ok {
			t.Fatalf("%s (%s %s) has no root field", op.id, op.method, op.path)
		}
		if (op.method == "GET") != strings.HasPrefix(f, "Query.") {
			t.Fatalf("%s is %s", op.id, f)
		}
		if byCollection[op.collection] == nil {
			byCollection[op.collection] = map[string]string{}
		}
		byCollection[op.collection][k] = strings.SplitN(f, ".", 2)[1]
	}
	var collections []string
	for c, byKind := range byCollection {
		if len(byKind) != len(kinds) {
			t.Fatalf("%s has operations %v", c, byKind)
		}
		collections = append(collections, c)
	}
	// In reverse, so that each item links to the one made just before it
	// in the next collection, and the links make a chain.
	sort.Sort(sort.Reverse(sort.StringSlice(collections)))

	// created keeps what the test made: the answers it expects are built
	// from its own inputs and the ids the server gave.
	type made struct {
		id, title, createdAt, state string
		size                        int64
		next                        *made
	}
	var newest *made // in the collection handled last
	const sel = `id title createdAt size state next { id title next { id next { id } } }`
	expect := func(m *made) string {
		var chain func(*made, int) string
		chain = func(m *made, depth int) string {
			if m == nil {
				return "null"
			}
			switch depth {
			case 0:
				return fmt.Sprintf(`{"id":%q,"title":%q,"createdAt":%q,"size":%d,"state":%q,"next":%s}`, m.id, m.title, m.createdAt, m.size, m.state, chain(m.next, 1))
			case 1:
				return fmt.Sprintf(`{"id":%q,"title":%q,"next":%s}`, m.id, m.title, chain(m.next, 2))
			case 2:
				return fmt.Sprintf(`{"id":%q,"next":%s}`, m.id, chain(m.next, 3))
			}
			return fmt.Sprintf(`{"id":%q}`, m.id)
		}
		return chain(m, 0)
	}

	for i, c := range collections {
		f := byCollection[c]
		t.Run(strings.TrimPrefix(c, "/"), func(t *testing.T) {
			rec.take()
			inputType := inputs[f["create"]]
			create := func(title, state string, size int64) *made {
				t.Helper()
				m := &made{title: title, createdAt: fmt.Sprintf("2024-%02d-01T12:00:00Z", i%12+1), state: state, size: size, next: newest}
				r := g.query("", `mutation($in: `+inputType+`!) { `+f["create"]+`(input: $in) { `+sel+` } }`,
					map[string]any{"in": map[string]any{"title": m.title, "createdAt": m.createdAt, "size": m.size, "state": m.state}})
				r.noErrors(t)
				m.id, _ = r.Data.(map[string]any)[f["create"]].(map[string]any)["id"].(string)
				if !uuidPattern.MatchString(m.id) {
					t.Fatalf("id %q: %s", m.id, r.raw)
				}
				equalJSON(t, r.Data, `{"`+f["create"]+`":`+expect(m)+`}`)
				if !strings.Contains(r.raw, fmt.Sprintf(`"size":%d`, size)) {
					t.Errorf("the Int64 size lost precision: %s", r.raw)
				}
				x := rec.expectCall(t, "POST", c, 201)
				equalJSON(t, decodeJSON(t, x.Body), fmt.Sprintf(`{"title":%q,"created-at":%q,"size":%d,"state":%q}`, m.title, m.createdAt, m.size, m.state))
				if !strings.Contains(x.Body, fmt.Sprintf(`"size":%d`, size)) {
					t.Errorf("the Int64 size lost precision on the way up: %s", x.Body)
				}
				return m
			}
			// 2^53 + 1 and up: a float on the way shows.
			active := create(c[1:]+" one", "ACTIVE", 9007199254740993+int64(i))
			retired := create(c[1:]+" two", "RETIRED", -int64(i))

			for _, tt := range []struct{ args, query, want string }{
				{`(pageSize: 1, state: RETIRED)`, `{"page-size":["1"],"state":["RETIRED"]}`, fmt.Sprintf(`{"items":[{"id":%q,"title":%q}],"next":null}`, retired.id, retired.title)},
				{`(pageSize: 1)`, `{"page-size":["1"]}`, fmt.Sprintf(`{"items":[{"id":%q,"title":%q}],"next":%q}`, active.id, active.title, retired.id)},
				{``, `{}`, fmt.Sprintf(`{"items":[{"id":%q,"title":%q},{"id":%q,"title":%q}],"next":null}`, active.id, active.title, retired.id, retired.title)},
			} {
				r := g.query("", `{ `+f["list"]+tt.args+` { items { id title } next } }`, nil)
				r.noErrors(t)
				equalJSON(t, r.Data, `{"`+f["list"]+`":`+tt.want+`}`)
				x := rec.expectCall(t, "GET", c, 200)
				equalJSON(t, viaJSON(t, x.Query), tt.query)
			}

			r := g.query("", `query($id: ID!) { `+f["get"]+`(id: $id) { `+sel+` } }`, map[string]any{"id": active.id})
			r.noErrors(t)
			equalJSON(t, r.Data, `{"`+f["get"]+`":`+expect(active)+`}`)
			rec.expectCall(t, "GET", c+"/"+active.id, 200)

			r = g.query("", `mutation($id: ID!) { `+f["delete"]+`(id: $id) }`, map[string]any{"id": retired.id})
			r.noErrors(t)
			equalJSON(t, r.Data, `{"`+f["delete"]+`":null}`)
			rec.expectCall(t, "DELETE", c+"/"+retired.id, 204)

			r = g.query("", `query($id: ID!) { `+f["get"]+`(id: $id) { id } }`, map[string]any{"id": retired.id})
			equalJSON(t, r.Data, `{"`+f["get"]+`":null}`)
			oneError(t, r, `["`+f["get"]+`"]`, fmt.Sprintf(`{"code":"UPSTREAM_ERROR","upstream":"large","status":404,"detail":"%s: %s not found"}`, opID(ops, "GET", c+"/{id}"), retired.id))
			rec.expectCall(t, "GET", c+"/"+retired.id, 404)
			newest = active
		})
	}

	t.Run("every operation reached the server", func(t *testing.T) {
		api.mu.Lock()
		defer api.mu.Unlock()
		for _, op := range ops {
			if api.served[op.id] == 0 {
				t.Errorf("%s (%s %s) was never served", op.id, op.method, op.path)
			}
		}
		if len(api.served) != len(ops) || len(ops) != 120 {
			t.Errorf("%d of %d operations served; the generator makes 120", len(api.served), len(ops))
		}
	})

	t.Run("a create with fields left out", func(t *testing.T) {
		rec.take()
		f := byCollection[collections[0]]
		inputType := inputs[f["create"]]
		r := g.query("", `mutation { `+f["create"]+`(input: {title: "just a title"}) { title size } }`, nil)
		if x := rec.only(t); x.Status == http.StatusBadRequest && strings.Contains(x.Body, `"size":null`) {
			t.Fatalf("an input field the client left out is sent as null; %s's properties are not nullable (OpenAPI 3.0), so the upstream refuses the body", inputType)
		}
		r.noErrors(t)
		equalJSON(t, r.Data, `{"`+f["create"]+`":{"title":"just a title","size":null}}`)
	})
}

// opID names the operation on method and path.
func opID(ops []*largeOp, method, path string) string {
	for _, op := range ops {
		if op.method == method && op.path == path {
			return op.id
		}
	}
	return ""
}
