package api

// GraphQL over HTTP for the registry's API. gqlgen's executor parses,
// validates and runs operations; the transports are the registry's own,
// so that every request refused before it runs is answered with a status
// and an extensions.code, and audited (registry.Service.AuditRequestRefusal).
// gqlgen's own transports answer some refusals in place (a mutation over
// GET, variables in the URL that are not JSON) where no extension sees
// them, and echo a body that is not JSON back to the client, whole.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/registry"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// Codes of requests refused before they run, as the gateway's transport
// has them; gqlgen's codes for a query that does not parse or validate
// and the complexity limit's are kept as gqlgen gives them.
const (
	// CodeBadRequest: the request is not GraphQL over HTTP (a body that
	// is not a JSON object, a malformed query string).
	CodeBadRequest = "BAD_REQUEST"
	// CodeMethodNotAllowed: a method other than GET and POST, or a
	// mutation sent with GET.
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	// CodeUnsupportedMediaType: a POST body that is not application/json.
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
)

// Methods the API serves, for Allow.
const allowedMethods = "GET, POST, OPTIONS"

// requestError is a request refused before it runs: the status, the code
// and message the client gets, and the reason the audit log gets.
type requestError struct {
	status        int
	code, message string
	reason        string
}

// httpTransport serves GraphQL over HTTP: POST with a JSON body, and GET
// with the operation in the query string (queries only).
type httpTransport struct {
	svc     *registry.Service
	maxBody int64
}

var _ graphql.Transport = httpTransport{}

// Supports takes GET, and POST with a JSON body.
func (httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return err == nil && mt == mediaJSON
	}
	return false
}

// Do runs one request, or refuses it.
func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	params := &graphql.RawParams{}
	params.ReadTime.Start = graphql.Now()
	if rerr := t.readParams(w, r, params); rerr != nil {
		refuse(w, r, t.svc, rerr)
		return
	}
	params.Headers = r.Header
	params.ReadTime.End = graphql.Now()
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		t.refuseOperation(w, r, exec, rc, params, errs)
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		refuse(w, r, t.svc, &requestError{status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed,
			message: "GET requests can only run queries; send mutations with POST",
			reason:  fmt.Sprintf("a %s sent with GET", rc.Operation.Operation)})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		resp = &graphql.Response{Errors: gqlerror.List{{Message: "no response"}}}
	}
	write(w, r, http.StatusOK, resp)
}

// readParams reads the operation from the JSON body (POST) or the query
// string (GET).
func (t httpTransport) readParams(w http.ResponseWriter, r *http.Request, params *graphql.RawParams) *requestError {
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return badRequest("the query string is malformed: "+err.Error(), "malformed query string: "+err.Error())
		}
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		for name, into := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
			if raw := q.Get(name); raw != "" {
				if err := decodeJSON([]byte(raw), into); err != nil {
					return badRequest(fmt.Sprintf("the %s parameter is not a JSON object: %v", name, err),
						fmt.Sprintf("malformed %s parameter: %v", name, err))
				}
			}
		}
		return nil
	}
	tooLarge := func(what string) *requestError {
		return &requestError{status: http.StatusRequestEntityTooLarge, code: string(registry.CodeBadInput),
			message: fmt.Sprintf("the request body is larger than the limit of %d bytes", t.maxBody),
			reason:  fmt.Sprintf("body over the size limit of %d bytes: %s", t.maxBody, what)}
	}
	// A body said to be too large is refused before a byte is read; one
	// that turns out so (chunked) stops at the limit.
	if r.ContentLength > t.maxBody {
		return tooLarge(fmt.Sprintf("Content-Length %d", r.ContentLength))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return tooLarge("more in the body")
	} else if err != nil {
		return badRequest("the body could not be read: "+err.Error(), "unreadable body: "+err.Error())
	}
	if err := decodeJSON(body, params); err != nil {
		// The body is not repeated: it may be megabytes, and is the
		// client's own.
		return badRequest("the body is not a JSON object of query, operationName, variables and extensions: "+err.Error(),
			"malformed JSON body: "+err.Error())
	}
	return nil
}

// decodeJSON decodes one JSON value, numbers kept as json.Number, with
// nothing after it.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return fmt.Errorf("%d bytes after the JSON value", len(rest))
	}
	return nil
}

func badRequest(message, reason string) *requestError {
	return &requestError{status: http.StatusBadRequest, code: CodeBadRequest, message: message, reason: reason}
}

// refuseOperation answers errors of gqlgen's parse, validation and
// operation context (the complexity limit, the introspection check), and
// audits them unless the Service did.
func (t httpTransport) refuseOperation(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, rc *graphql.OperationContext, params *graphql.RawParams, errs gqlerror.List) {
	ctx := r.Context()
	what := "request refused: "
	switch code, _ := errs[0].Extensions["code"].(string); {
	case code == errcode.ParseFailed:
		what = "query does not parse: "
	case code == "COMPLEXITY_LIMIT_EXCEEDED":
		what = "operation too complex: "
	case code == errcode.ValidationFailed && rc != nil && rc.Doc != nil && rc.Operation == nil:
		what = "unknown operation: "
		if params.OperationName == "" {
			errs[0].Message = fmt.Sprintf("the query has %d operations: name the one to run in operationName", len(rc.Doc.Operations))
		} else {
			errs[0].Message = fmt.Sprintf("the query has no operation named %q", params.OperationName)
		}
	case code == errcode.ValidationFailed && rc != nil && rc.Operation != nil:
		what = "variables do not validate: "
	case code == errcode.ValidationFailed:
		what = "query does not validate: "
	}
	var audited *registry.Error
	if !errors.As(errs[0], &audited) {
		t.svc.AuditRequestRefusal(ctx, tokenFrom(ctx), what+messages(errs))
	}
	status := http.StatusOK
	if responseMedia(r) == mediaGraphQLResponse && errcode.GetErrorKind(errs) == errcode.KindProtocol {
		status = http.StatusBadRequest
	}
	write(w, r, status, exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs))
}

// messages joins the first few errors' messages, with their positions.
func messages(errs gqlerror.List) string {
	const shown = 5
	var parts []string
	for _, e := range errs[:min(len(errs), shown)] {
		m := e.Message
		if len(e.Locations) > 0 {
			m = fmt.Sprintf("%s (line %d, column %d)", m, e.Locations[0].Line, e.Locations[0].Column)
		}
		parts = append(parts, m)
	}
	if len(errs) > shown {
		parts = append(parts, fmt.Sprintf("and %d more", len(errs)-shown))
	}
	return strings.Join(parts, "; ")
}

// refuse audits e and answers it: one error, no data.
func refuse(w http.ResponseWriter, r *http.Request, svc *registry.Service, e *requestError) {
	ctx := r.Context()
	svc.AuditRequestRefusal(ctx, tokenFrom(ctx), e.reason)
	write(w, r, e.status, &graphql.Response{Errors: gqlerror.List{{Message: e.message, Extensions: map[string]any{"code": e.code}}}})
}

// write answers resp with status, in the media type the client accepts.
func write(w http.ResponseWriter, r *http.Request, status int, resp *graphql.Response) {
	body, err := json.Marshal(resp)
	if err != nil {
		// A response is built of JSON values; this is a bug.
		panic(fmt.Errorf("encoding a response: %w", err))
	}
	w.Header().Set("Content-Type", responseMedia(r))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// responseMedia picks the response's media type from Accept: the
// GraphQL-over-HTTP type when the client lists it, JSON otherwise.
func responseMedia(r *http.Request) string {
	for _, a := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(a, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == mediaGraphQLResponse && params["q"] != "0" {
				return mediaGraphQLResponse
			}
		}
	}
	return mediaJSON
}

// otherRequests answers what httpTransport does not take, always with a
// JSON error, audited: OPTIONS lists the methods; other methods get 405
// with Allow; a POST body of another media type, or of none, 415 with
// Accept-Post; a protocol upgrade (websocket) 400. It takes every request,
// so it must be the last transport.
type otherRequests struct {
	svc *registry.Service
}

var _ graphql.Transport = otherRequests{}

// Supports takes every request.
func (otherRequests) Supports(*http.Request) bool { return true }

// Do refuses r, saying what would have been served.
func (o otherRequests) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	switch {
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", allowedMethods)
		w.WriteHeader(http.StatusNoContent)
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		w.Header().Set("Allow", allowedMethods)
		refuse(w, r, o.svc, &requestError{status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed,
			message: fmt.Sprintf("method %s is not allowed: send GraphQL requests with POST, or queries with GET", r.Method),
			reason:  "method " + r.Method})
	case r.Header.Get("Upgrade") != "":
		refuse(w, r, o.svc, badRequest(
			fmt.Sprintf("protocol upgrades (Upgrade: %s) are not supported: send GraphQL requests with POST, or queries with GET", r.Header.Get("Upgrade")),
			"protocol upgrade to "+r.Header.Get("Upgrade")))
	default:
		w.Header().Set("Accept-Post", mediaJSON)
		ct := r.Header.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			ct = mt
		}
		msg, reason := "the request has no Content-Type: send the body as "+mediaJSON, "POST without a Content-Type"
		if ct != "" {
			msg, reason = fmt.Sprintf("Content-Type %s is not supported: send the body as %s", ct, mediaJSON), "POST of "+ct
		}
		refuse(w, r, o.svc, &requestError{status: http.StatusUnsupportedMediaType, code: CodeUnsupportedMediaType, message: msg, reason: reason})
	}
}

// introspectionGate lets a request read the API's schema (__schema, __type,
// and __typename at the root) only when its token authenticates: it
// replaces gqlgen's extension.Introspection, which lets anyone.
type introspectionGate struct {
	svc *registry.Service
}

var (
	_ graphql.HandlerExtension        = introspectionGate{}
	_ graphql.OperationContextMutator = introspectionGate{}
)

// ExtensionName implements graphql.HandlerExtension.
func (introspectionGate) ExtensionName() string { return "RegistryIntrospection" }

// Validate implements graphql.HandlerExtension.
func (introspectionGate) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses an operation that selects a meta field
// at its root without a token that authenticates (the Service audits it),
// and enables introspection for one with such a token.
func (i introspectionGate) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	root := "Query"
	if rc.Operation.Operation == ast.Mutation {
		root = "Mutation"
	}
	meta := false
	for _, f := range graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{root}) {
		meta = meta || strings.HasPrefix(f.Name, "__")
	}
	if !meta {
		return nil
	}
	if err := i.svc.Introspect(ctx, tokenFrom(ctx)); err != nil {
		return gqlerror.WrapPath(nil, err)
	}
	rc.DisableIntrospection = false
	return nil
}
