package recorded

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/weft-gateway/weft/internal/faults"
)

// maxBody bounds a request body the server reads.
const maxBody = 16 << 20

// httpServer serves a REST, GraphQL or SOAP recording.
type httpServer struct {
	name string
	u    *Upstream
	srv  *httptest.Server
	j    journal
	// named are the header names the exchanges match on, shown for a
	// request that matches none.
	named []string
}

func startHTTP(name string, u *Upstream) (*httpServer, error) {
	s := &httpServer{name: name, u: u}
	seen := map[string]bool{"content-type": true}
	s.named = []string{"Content-Type"}
	for _, e := range u.Exchanges {
		for k := range e.Headers {
			if !seen[strings.ToLower(k)] {
				seen[strings.ToLower(k)] = true
				s.named = append(s.named, k)
			}
		}
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Go's transport silently resends an idempotent request whose reused
	// connection closes before any answer, so a dropped or reset exchange
	// on a kept-alive connection is called once or twice depending on
	// timing. Fresh connections make the recorded list of calls exact.
	for _, e := range u.Exchanges {
		if e.fault.kind == "drop" || e.fault.kind == "reset" {
			s.srv.Config.SetKeepAlivesEnabled(false)
			break
		}
	}
	if u.Down {
		s.srv.Listener = faults.New(faults.Down()).Listener(s.srv.Listener)
	}
	s.srv.Start()
	return s, nil
}

func (s *httpServer) Name() string         { return s.name }
func (s *httpServer) Address() string      { return s.srv.URL }
func (s *httpServer) Calls() []Call        { return s.j.takeCalls() }
func (s *httpServer) Unexpected() []string { return s.j.takeUnexpected() }

func (s *httpServer) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// graphQLRequest is a GraphQL-over-HTTP POST body.
type graphQLRequest struct {
	Query         string          `json:"query"`
	Variables     json.RawMessage `json:"variables"`
	OperationName string          `json:"operationName"`
}

func (s *httpServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		http.Error(w, "recorded: the request body cannot be read or is too large", http.StatusRequestEntityTooLarge)
		return
	}
	target := r.URL.RequestURI()
	call := Call{Upstream: s.name, Request: r.Method + " " + target}
	call.Headers = recordedHeaders(s.u.RecordHeaders, func(n string) (string, bool) {
		vs := r.Header.Values(n)
		return strings.Join(vs, ", "), len(vs) > 0
	})
	var gql *graphQLRequest
	normQuery := ""
	if s.u.Protocol == GraphQL && r.Method == http.MethodPost {
		var g graphQLRequest
		if json.Unmarshal(body, &g) == nil && g.Query != "" {
			gql = &g
			if q, err := NormalizeQuery(g.Query); err == nil {
				normQuery = q
			} else {
				normQuery = g.Query
			}
			call.Query, call.OperationName = normQuery, g.OperationName
			if v := jsonBody(g.Variables); v != nil && string(g.Variables) != "null" {
				call.Variables, _ = v.(json.RawMessage)
			}
		}
	}
	if gql == nil {
		call.Body = jsonBody(body)
	}
	s.j.record(call)

	e, spent := s.j.pick(s.u.Exchanges, func(e *Exchange) bool {
		return s.matches(e, r, body, gql, normQuery)
	})
	if e == nil {
		headers := map[string]string{}
		for _, n := range s.named {
			if v := r.Header.Values(n); len(v) > 0 {
				headers[n] = strings.Join(v, ", ")
			}
		}
		shown := string(body)
		if gql != nil {
			shown = fmt.Sprintf("GraphQL query: %s\n  variables: %s", normQuery, gql.Variables)
		}
		s.j.miss(missMessage(s.name, call.Request, headers, shown, spent))
		http.Error(w, "recorded: no recorded answer for "+call.Request, http.StatusInternalServerError)
		return
	}
	s.answer(w, r, e)
}

func (s *httpServer) matches(e *Exchange, r *http.Request, body []byte, gql *graphQLRequest, normQuery string) bool {
	method, target, _ := strings.Cut(e.Request, " ")
	if method != r.Method || !targetMatches(target, r.URL) {
		return false
	}
	for k, v := range e.Headers {
		if strings.Join(r.Header.Values(k), ", ") != v {
			return false
		}
	}
	if e.Query != "" {
		want, _ := NormalizeQuery(e.Query)
		if gql == nil || want != normQuery {
			return false
		}
	}
	if e.Variables != nil {
		if gql == nil {
			return false
		}
		got, err := decodeJSON(gql.Variables)
		if err != nil {
			return false
		}
		want, err := toJSONValue(e.Variables)
		if err != nil || !EqualJSON(want, got) {
			return false
		}
	}
	if e.Body != nil && !bodyMatches(e.Body, body, r.Header.Get("Content-Type")) {
		return false
	}
	return true
}

// answer writes an exchange's response, through its fault.
func (s *httpServer) answer(w http.ResponseWriter, r *http.Request, e *Exchange) {
	body, contentType, err := s.u.bodyBytes(&e.Response)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		for k, v := range e.Response.Headers {
			w.Header().Set(k, v)
		}
		status := e.Response.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	var f faults.Fault
	switch e.fault.kind {
	case "":
		h.ServeHTTP(w, r)
		return
	case "hang":
		f = faults.Hang()
	case "delay":
		f = faults.Slow(e.fault.delay)
	case "drop":
		f = faults.Down()
	case "reset":
		f = faults.Reset()
	case "garbage":
		f = faults.Malformed()
	case "wrong-types":
		f = faults.WrongTypes()
	}
	p := faults.JSON
	switch s.u.Protocol {
	case GraphQL:
		p = faults.GraphQL
	case SOAP:
		p = faults.SOAP
	}
	faults.New(f).HTTP(h, p).ServeHTTP(w, r)
}
