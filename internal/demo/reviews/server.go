package reviews

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxBatch is the most upcs one GET /reviews call may ask for.
const MaxBatch = 100

// Endpoint names one route of the reviews API, for observers that count calls.
type Endpoint string

// The routes of the reviews API.
const (
	EndpointList    Endpoint = "list"    // GET /products/{upc}/reviews
	EndpointBatch   Endpoint = "batch"   // GET /reviews?upcs=1,2,3
	EndpointSummary Endpoint = "summary" // GET /products/{upc}/reviews/summary
)

// BatchItem is one review in a batch response, tagged with its product.
type BatchItem struct {
	ProductUPC string `json:"productUpc"`
	Review
}

// BatchResponse is the body of GET /reviews.
type BatchResponse struct {
	Items []BatchItem `json:"items"`
}

// ErrorResponse is the body of every non-2xx response.
type ErrorResponse struct {
	Error string `json:"error"`
}

// NewHandler returns the reviews REST API serving store. observe, when not
// nil, is called once for every request that reaches an endpoint (valid or
// not), before the request is handled; it must be safe for concurrent use.
func NewHandler(store *Store, observe func(Endpoint)) http.Handler {
	if observe == nil {
		observe = func(Endpoint) {}
	}
	h := &api{store: store, observe: observe}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{upc}/reviews", h.list)
	mux.HandleFunc("GET /products/{upc}/reviews/summary", h.summary)
	mux.HandleFunc("GET /reviews", h.batch)
	// ServeMux answers a wrong method with a plain-text 405, but its catch-all
	// "/" would win over that for every known path. Method-less twins of the
	// routes are less specific than the GET patterns and more specific than
	// "/", so they catch exactly the wrong-method requests.
	for _, path := range []string{"/products/{upc}/reviews", "/products/{upc}/reviews/summary", "/reviews"} {
		mux.HandleFunc(path, methodNotAllowed)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
	return mux
}

type api struct {
	store   *Store
	observe func(Endpoint)
}

func (h *api) list(w http.ResponseWriter, r *http.Request) {
	h.observe(EndpointList)
	limit, err := parseLimit(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rs := h.store.Reviews(r.PathValue("upc"))
	if limit >= 0 && limit < len(rs) {
		rs = rs[:limit]
	}
	if rs == nil {
		rs = []Review{} // an empty JSON array, never null
	}
	writeJSON(w, http.StatusOK, rs)
}

func (h *api) summary(w http.ResponseWriter, r *http.Request) {
	h.observe(EndpointSummary)
	writeJSON(w, http.StatusOK, h.store.Summary(r.PathValue("upc")))
}

func (h *api) batch(w http.ResponseWriter, r *http.Request) {
	h.observe(EndpointBatch)
	q := r.URL.Query()
	if !q.Has("upcs") {
		writeError(w, http.StatusBadRequest, "query parameter upcs is required")
		return
	}
	upcs, err := ParseUPCs(q.Get("upcs"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	resp := BatchResponse{Items: []BatchItem{}}
	for _, upc := range upcs {
		for _, rv := range h.store.Reviews(upc) {
			resp.Items = append(resp.Items, BatchItem{ProductUPC: upc, Review: rv})
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path))
}

// ParseUPCs parses the comma-separated upcs of a batch request. Blanks around
// entries are ignored, empty entries and more than MaxBatch entries are
// errors, and repeated upcs are kept once (first position wins) so that no
// review appears twice in one response.
func ParseUPCs(raw string) ([]string, error) {
	parts := strings.Split(raw, ",")
	if len(parts) > MaxBatch {
		return nil, fmt.Errorf("too many upcs: %d, at most %d per request", len(parts), MaxBatch)
	}
	out := make([]string, 0, len(parts))
	seen := make(map[string]bool, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("upcs entry %d is empty", i+1)
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// parseLimit returns the optional limit query parameter, or -1 when absent.
func parseLimit(q url.Values) (int, error) {
	vs, ok := q["limit"]
	if !ok {
		return -1, nil
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || n < 0 {
		return 0, errors.New("query parameter limit must be a non-negative integer")
	}
	return n, nil
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, ErrorResponse{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the package's own plain structs reach here; failing to encode
		// them is a bug, reported as such rather than as a half-written body.
		status = http.StatusInternalServerError
		body = []byte(`{"error":"internal error encoding response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
