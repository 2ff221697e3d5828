package virtualservices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/internal/jsonscan"
	"github.com/weft-gateway/weft/resolvers"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	// mediaGraphQLJSON is the request type an earlier draft of the spec
	// named; clients that still send it are served.
	mediaGraphQLJSON = "application/graphql+json"
	// mediaGraphQL is a body that is the query text alone (gqlgen's
	// GRAPHQL transport).
	mediaGraphQL = "application/graphql"
)

// Error codes of requests refused before they reach GraphQL.
const (
	codeBadRequest           = "BAD_REQUEST"
	codeBatching             = "BATCHING_NOT_SUPPORTED"
	codeBodyTooLarge         = "REQUEST_TOO_LARGE"
	codeTooManyVariables     = "TOO_MANY_VARIABLES"
	codeVariablesTooLarge    = "VARIABLES_TOO_LARGE"
	codeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	codeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
)

// requestError is a request refused before it runs: an HTTP status, a code
// for extensions.code and a message.
type requestError struct {
	status  int
	code    string
	message string
}

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, code: codeBadRequest, message: fmt.Sprintf(format, args...)}
}

// httpTransport is the GraphQL-over-HTTP transport for POST (JSON bodies)
// and GET. It replaces gqlgen's: that one decodes requests with
// encoding/json and writes responses with json.Marshal, which re-scans and
// compacts the whole response (measured: 40% of the gateway's CPU on an
// 80 KB answer). This one scans the body without building it, leaves the
// variables as text for variableCoercion, which decodes only those the
// operation declares (a variable it does not declare costs a scan, not a
// tree of values), writes the executor's response bytes as they are, writes
// request errors without a data entry, and returns buffers to pools.
type httpTransport struct {
	exec *resolvers.Executable
	// flights, when set, merge identical queries in flight.
	flights *flights
	limits  Limits
	parsers fastjson.ParserPool
	bufs    sync.Pool // response buffers
	states  sync.Pool // *requestState
}

var _ graphql.Transport = (*httpTransport)(nil)

// requestState is one request's scratch space: its body, where its
// variables lie in it, and what their coercion made of them. It is pooled,
// and must not outlive the request.
type requestState struct {
	body []byte
	vars []rawVariable
	// index finds a variable by name when there are many.
	index map[string]int
	// scratch holds a string being unescaped.
	scratch []byte
	// parser decodes one variable at a time.
	parser fastjson.Parser
	// params are the request's parameters, whose variables
	// variableCoercion sets; varErrs are its errors, if any.
	params  *graphql.RawParams
	varErrs gqlerror.List
}

// rawVariable is one entry of a request's variables, as JSON text in the
// request's body.
type rawVariable struct {
	name  []byte // unescaped
	value []byte
}

// requestStateKey holds a request's *requestState in its context, for
// variableCoercion.
type requestStateKey struct{}

// variable decodes the value the request gave variable name; the value is
// valid until the next call. Of two entries with one name the last counts,
// as in JavaScript's JSON.parse.
func (st *requestState) variable(name string) (*fastjson.Value, bool, error) {
	k := -1
	if len(st.vars) > 8 {
		// A map pays off over a linear search past a few variables.
		if len(st.index) == 0 {
			if st.index == nil {
				st.index = make(map[string]int, len(st.vars))
			}
			for i := range st.vars {
				st.index[string(st.vars[i].name)] = i
			}
		}
		if i, ok := st.index[name]; ok {
			k = i
		}
	} else {
		for i := len(st.vars) - 1; i >= 0; i-- {
			if string(st.vars[i].name) == name {
				k = i
				break
			}
		}
	}
	if k < 0 {
		return nil, false, nil
	}
	v, err := st.parser.ParseBytes(st.vars[k].value)
	return v, true, err
}

// Supports reports whether r is a GraphQL GET, or a POST with a JSON body.
func (t *httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return err == nil && (mt == mediaJSON || mt == mediaGraphQLJSON)
	}
	return false
}

// Do runs one request.
func (t *httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMedia(r.Header.Values("Accept"))
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	params := &graphql.RawParams{Headers: r.Header}
	params.ReadTime.Start = graphql.Now()
	st, _ := t.states.Get().(*requestState)
	if st == nil {
		st = &requestState{}
	}
	defer t.release(st)
	rerr := t.readParams(r, params, st)
	params.ReadTime.End = graphql.Now()
	if rerr != nil {
		writeRequestError(w, r, rerr)
		return
	}
	st.params = params
	rc, errs := exec.CreateOperationContext(context.WithValue(ctx, requestStateKey{}, st), params)
	if len(st.varErrs) > 0 {
		// gqlparser's check of the coerced values passes them, or fails
		// on what the coercion refused in its own words.
		errs = st.varErrs
	}
	if errs != nil {
		status := http.StatusOK
		if media == mediaGraphQLResponse && errcode.GetErrorKind(errs) == errcode.KindProtocol {
			status = http.StatusBadRequest
		}
		t.write(w, status, exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs))
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		t.write(w, http.StatusMethodNotAllowed, &graphql.Response{Errors: gqlerror.List{{
			Message:    "GET requests can only run queries; send mutations with POST",
			Extensions: map[string]any{"code": codeMethodNotAllowed},
		}}})
		return
	}
	if t.flights != nil && rc.Operation.Operation == ast.Query {
		t.merged(ctx, w, r, st, params, rc, exec)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		resp = &graphql.Response{Errors: gqlerror.List{{Message: "no response"}}}
	}
	t.write(w, http.StatusOK, resp)
	t.exec.Recycle(resp.Data)
}

// release returns a request's scratch space to the pool, unless a very
// large body made it too big to keep around.
func (t *httpTransport) release(st *requestState) {
	if cap(st.body) > 1<<20 {
		st.body = nil
		// Variables of such a body may have grown the parser's cache.
		st.parser = fastjson.Parser{}
	}
	if cap(st.scratch) > 1<<20 {
		st.scratch = nil
	}
	clear(st.vars) // drop references into the body
	st.vars = st.vars[:0]
	clear(st.index)
	st.params, st.varErrs = nil, nil
	t.states.Put(st)
}

// readParams reads the operation from the query string (GET) or the JSON
// body (POST). Variables are left in st, as text, for decodeVariables.
func (t *httpTransport) readParams(r *http.Request, params *graphql.RawParams, st *requestState) *requestError {
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return badRequest("the query string is malformed: %v", err)
		}
		params.Query = q.Get("query")
		params.OperationName = q.Get("operationName")
		// Each parameter is one JSON value, with nothing after it.
		for _, name := range []string{"variables", "extensions"} {
			raw := q.Get(name)
			if raw == "" {
				continue
			}
			what := "the " + name + " parameter"
			var b []byte
			var end int
			var rerr *requestError
			if name == "variables" {
				// The variables stay text in st until the query is read.
				st.body = append(st.body[:0], raw...)
				b = st.body
				end, rerr = t.scanVariables(st, b, jsonscan.SkipSpace(b, 0), what)
			} else {
				b = []byte(raw)
				end, params.Extensions, rerr = t.scanExtensions(b, jsonscan.SkipSpace(b, 0), what)
			}
			if rerr != nil {
				return rerr
			}
			if end = jsonscan.SkipSpace(b, end); end < len(b) {
				return notJSON(what, &jsonscan.Error{Offset: end, Msg: "data after the JSON value"})
			}
		}
		return nil
	}

	body, err := readAll(st.body[:0], r)
	st.body = body
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &requestError{status: http.StatusRequestEntityTooLarge, code: codeBodyTooLarge,
				message: fmt.Sprintf("request body too large: the limit is %d bytes (limits.maxBodyBytes)", tooLarge.Limit)}
		}
		return badRequest("could not read the request body: %v", err)
	}
	return t.scanBody(body, params, st)
}

// scanBody reads a JSON request body: query and operationName as strings,
// extensions decoded, variables left as text in st. Other members are
// checked and skipped.
func (t *httpTransport) scanBody(b []byte, params *graphql.RawParams, st *requestState) *requestError {
	i := jsonscan.SkipSpace(b, 0)
	if i == len(b) {
		return badRequest(`the request body is empty; send a JSON object such as {"query": "{ __typename }"}`)
	}
	switch b[i] {
	case '{':
	case '[':
		return &requestError{status: http.StatusBadRequest, code: codeBatching,
			message: "the request body is a JSON array: batched operations are not supported; send one operation per request, as a JSON object"}
	default:
		if _, err := jsonscan.Skip(b, i); err != nil {
			return notJSON("the request body", err)
		}
		return badRequest("the request body is not a JSON object")
	}
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			keyEnd, escaped, err := scanKey(b, i)
			if err != nil {
				return notJSON("the request body", err)
			}
			key := b[i+1 : keyEnd-1]
			if escaped {
				key = jsonscan.Unescape(nil, b[i+1:keyEnd-1])
			}
			// scanKey checked the colon.
			i = jsonscan.SkipSpace(b, jsonscan.SkipSpace(b, keyEnd)+1)
			var end int
			var rerr *requestError
			switch string(key) {
			case "query":
				end, params.Query, rerr = scanStringParam(st, b, i, "query")
			case "operationName":
				end, params.OperationName, rerr = scanStringParam(st, b, i, "operationName")
			case "variables":
				end, rerr = t.scanVariables(st, b, i, "the request body")
			case "extensions":
				end, params.Extensions, rerr = t.scanExtensions(b, i, "the request body")
			default:
				end, err = jsonscan.Skip(b, i)
				if err != nil {
					rerr = notJSON("the request body", err)
				}
			}
			if rerr != nil {
				return rerr
			}
			i = jsonscan.SkipSpace(b, end)
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			if i >= len(b) || b[i] != ',' {
				return notJSON("the request body", &jsonscan.Error{Offset: i, Msg: "want ',' or '}'"})
			}
			i = jsonscan.SkipSpace(b, i+1)
		}
	}
	if i = jsonscan.SkipSpace(b, i); i < len(b) {
		return notJSON("the request body", &jsonscan.Error{Offset: i, Msg: "data after the JSON object"})
	}
	return nil
}

func notJSON(what string, err error) *requestError {
	var at *jsonscan.Error
	if errors.As(err, &at) {
		return badRequest("%s is not valid JSON: %s at byte %d", what, at.Msg, at.Offset)
	}
	return badRequest("%s is not valid JSON: %v", what, err)
}

func isNull(b []byte, i, end int) bool { return string(b[i:end]) == "null" }

// scanKey validates the object key at b[i] and the colon after it, and
// returns the index past the key's closing quote.
func scanKey(b []byte, i int) (end int, escaped bool, err error) {
	if jsonscan.KindAt(b, i) != jsonscan.String {
		return i, false, &jsonscan.Error{Offset: i, Msg: "want a key"}
	}
	if _, end, escaped, err = jsonscan.ReadString(b, i); err != nil {
		return end, escaped, err
	}
	if j := jsonscan.SkipSpace(b, end); j >= len(b) || b[j] != ':' {
		return j, escaped, &jsonscan.Error{Offset: j, Msg: "want ':'"}
	}
	return end, escaped, nil
}

// scanStringParam reads the string or null at b[i], unescaping in st's
// scratch space.
func scanStringParam(st *requestState, b []byte, i int, name string) (int, string, *requestError) {
	if jsonscan.KindAt(b, i) == jsonscan.String {
		start, end, escaped, err := jsonscan.ReadString(b, i)
		if err != nil {
			return end, "", notJSON("the request body", err)
		}
		if !escaped {
			return end, string(b[start : end-1]), nil
		}
		st.scratch = jsonscan.Unescape(st.scratch[:0], b[start:end-1])
		return end, string(st.scratch), nil
	}
	end, err := jsonscan.Skip(b, i)
	if err != nil {
		return end, "", notJSON("the request body", err)
	}
	if !isNull(b, i, end) {
		return end, "", badRequest("%s must be a string", name)
	}
	return end, "", nil
}

// scanVariables records the entries of the variables object at b[i] in st
// as JSON text, checking the limits on their number and on the values they
// hold, nested ones included, so that no variable is built before it is
// known to be read. null is no variables; what (the request body or the
// variables parameter) names the text in errors.
func (t *httpTransport) scanVariables(st *requestState, b []byte, i int, what string) (int, *requestError) {
	clear(st.vars)
	st.vars = st.vars[:0]
	if i >= len(b) || b[i] != '{' {
		end, err := jsonscan.Skip(b, i)
		if err != nil {
			return end, notJSON(what, err)
		}
		if !isNull(b, i, end) {
			return end, badRequest("variables must be a JSON object")
		}
		return end, nil
	}
	budget := t.limits.MaxVariableValues
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		keyEnd, escaped, err := scanKey(b, i)
		if err != nil {
			return i, notJSON(what, err)
		}
		if len(st.vars) == t.limits.MaxVariables {
			return i, &requestError{status: http.StatusBadRequest, code: codeTooManyVariables,
				message: fmt.Sprintf("the request has more than %d variables (limits.maxVariables)", t.limits.MaxVariables)}
		}
		name := b[i+1 : keyEnd-1]
		if escaped {
			name = jsonscan.Unescape(nil, b[i+1:keyEnd-1])
		}
		start := jsonscan.SkipSpace(b, jsonscan.SkipSpace(b, keyEnd)+1)
		end, n, err := jsonscan.SkipCounting(b, start, budget)
		if errors.Is(err, jsonscan.ErrTooManyValues) {
			return end, &requestError{status: http.StatusBadRequest, code: codeVariablesTooLarge,
				message: fmt.Sprintf("the variables hold more than %d values, nested ones counted (limits.maxVariableValues)", t.limits.MaxVariableValues)}
		}
		if err != nil {
			return end, notJSON(what, err)
		}
		budget -= n
		st.vars = append(st.vars, rawVariable{name: name, value: b[start:end]})
		i = jsonscan.SkipSpace(b, end)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		if i >= len(b) || b[i] != ',' {
			return i, notJSON(what, &jsonscan.Error{Offset: i, Msg: "want ',' or '}'"})
		}
		i = jsonscan.SkipSpace(b, i+1)
	}
}

// scanExtensions decodes the extensions object (or null) at b[i]. They are
// held to the same bound as variables: gqlgen reads them as a map.
func (t *httpTransport) scanExtensions(b []byte, i int, what string) (int, map[string]any, *requestError) {
	end, _, err := jsonscan.SkipCounting(b, i, t.limits.MaxVariableValues)
	if errors.Is(err, jsonscan.ErrTooManyValues) {
		return end, nil, badRequest("the extensions hold more than %d values (limits.maxVariableValues)", t.limits.MaxVariableValues)
	}
	if err != nil {
		return end, nil, notJSON(what, err)
	}
	if b[i] != '{' {
		if !isNull(b, i, end) {
			return end, nil, badRequest("extensions must be a JSON object")
		}
		return end, nil, nil
	}
	p := t.parsers.Get()
	defer t.parsers.Put(p)
	v, err := p.ParseBytes(b[i:end])
	if err != nil {
		return end, nil, notJSON(what, err)
	}
	return end, objectMap(v), nil
}

func readAll(dst []byte, r *http.Request) ([]byte, error) {
	if r.ContentLength > 0 && int64(cap(dst)) < r.ContentLength {
		dst = make([]byte, 0, r.ContentLength)
	}
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Body.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err != nil {
			if err == io.EOF {
				return dst, nil
			}
			return dst, err
		}
	}
}

// objectMap converts a JSON object (the extensions) to a map: numbers as
// json.Number, as gqlgen's own decoder gives them.
func objectMap(v *fastjson.Value) map[string]any {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	m := make(map[string]any, o.Len())
	o.Visit(func(k []byte, v *fastjson.Value) { m[string(k)] = anyOf(v) })
	return m
}

func anyOf(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeObject:
		return objectMap(v)
	case fastjson.TypeArray:
		items := v.GetArray()
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = anyOf(it)
		}
		return out
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNumber:
		return json.Number(v.String())
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	}
	return nil
}

// write writes a response: errors first, then data (absent for a request
// that did not execute), then extensions.
func (t *httpTransport) write(w http.ResponseWriter, status int, resp *graphql.Response) {
	t.send(w, status, t.encode(resp))
}

// encode writes a response's JSON into a pooled buffer, which send
// returns to the pool.
func (t *httpTransport) encode(resp *graphql.Response) []byte {
	buf, _ := t.bufs.Get().(*[]byte)
	if buf == nil {
		b := make([]byte, 0, 1024)
		buf = &b
	}
	out := append((*buf)[:0], '{')
	sep := false
	if len(resp.Errors) > 0 {
		out = append(out, `"errors":`...)
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			b = []byte(`[{"message":"cannot encode errors"}]`)
		}
		out = append(out, b...)
		sep = true
	}
	if resp.Data != nil {
		if sep {
			out = append(out, ',')
		}
		out = append(out, `"data":`...)
		out = append(out, resp.Data...)
		sep = true
	}
	if len(resp.Extensions) > 0 {
		if b, err := json.Marshal(resp.Extensions); err == nil {
			if sep {
				out = append(out, ',')
			}
			out = append(out, `"extensions":`...)
			out = append(out, b...)
		}
	}
	out = append(out, '}')
	*buf = out
	return out
}

// send writes an encoded response and recycles its buffer.
func (t *httpTransport) send(w http.ResponseWriter, status int, out []byte) {
	// A known length saves the chunked encoding, and lets net/http hand the
	// body to the socket in one write.
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
	if cap(out) <= 1<<20 {
		b := out[:0]
		t.bufs.Put(&b)
	}
}

// writeRequestError writes a refusal as a GraphQL response with one error
// and no data, in the media type the client accepts.
func writeRequestError(w http.ResponseWriter, r *http.Request, e *requestError) {
	// No data entry: the request did not run.
	body, _ := json.Marshal(struct {
		Errors gqlerror.List `json:"errors"`
	}{gqlerror.List{{Message: e.message, Extensions: map[string]any{"code": e.code}}}})
	h := w.Header()
	h.Set("Content-Type", responseMedia(r.Header.Values("Accept"))+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// responseMedia picks the response's media type from Accept: the
// GraphQL-over-HTTP type when the client lists it, JSON otherwise.
func responseMedia(accept []string) string {
	for _, a := range accept {
		for part := range strings.SplitSeq(a, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == mediaGraphQLResponse && params["q"] != "0" {
				return mediaGraphQLResponse
			}
		}
	}
	return mediaJSON
}

// Methods and request media types the GraphQL endpoint serves.
const (
	allowedMethods = "GET, POST, OPTIONS"
	acceptedMedia  = mediaJSON + ", " + mediaGraphQL + ", " + mediaGraphQLJSON
)

// otherRequests answers what the GraphQL transports before it do not take,
// as the GraphQL-over-HTTP spec and HTTP suggest, always with a JSON error
// body: OPTIONS lists the methods; other methods get 405 with Allow; a POST
// body of another media type, or of none, gets 415 with Accept-Post naming
// the ones served; a protocol upgrade (websocket) gets 400. It takes every
// request, so it must be the last transport.
type otherRequests struct{}

var _ graphql.Transport = otherRequests{}

// Supports takes every request.
func (otherRequests) Supports(*http.Request) bool { return true }

// Do refuses r, saying what would have been served.
func (otherRequests) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	switch {
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", allowedMethods)
		w.WriteHeader(http.StatusNoContent)
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		w.Header().Set("Allow", allowedMethods)
		writeRequestError(w, r, &requestError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed,
			message: fmt.Sprintf("method %s is not allowed: send GraphQL requests with POST, or queries with GET", r.Method)})
	case r.Header.Get("Upgrade") != "":
		writeRequestError(w, r, badRequest("protocol upgrades (Upgrade: %s) are not supported: send GraphQL requests with POST, or queries with GET", r.Header.Get("Upgrade")))
	default:
		w.Header().Set("Accept-Post", acceptedMedia)
		msg := "the request has no Content-Type: send the body as " + mediaJSON
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, _, err := mime.ParseMediaType(ct); err == nil {
				ct = mt
			}
			msg = fmt.Sprintf("Content-Type %s is not supported: send the body as %s (or the query text alone as %s)", ct, mediaJSON, mediaGraphQL)
		}
		writeRequestError(w, r, &requestError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMediaType, message: msg})
	}
}
