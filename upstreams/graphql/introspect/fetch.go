package introspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	neturl "net/url"

	"github.com/vektah/gqlparser/v2/ast"
)

// ErrTooLarge: the response body is longer than Fetch's maxBytes.
var ErrTooLarge = errors.New("response body too large")

// StatusError is a response with a status other than 2xx. Err holds the
// GraphQL errors when the body carries them (GraphQL over HTTP answers a
// rejected query with 400 and an errors list), so errors.As finds a
// *ServerErrors through it.
type StatusError struct {
	StatusCode  int
	ContentType string
	// Body is the start of the body, for the operator to read.
	Body string
	Err  error
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("HTTP status %d", e.StatusCode)
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	if e.Body != "" {
		msg += fmt.Sprintf(" (%s): %q", e.ContentType, e.Body)
	}
	return msg
}

func (e *StatusError) Unwrap() error { return e.Err }

// requestBody is the POST body of a GraphQL over HTTP request.
type requestBody struct {
	Query         string `json:"query"`
	OperationName string `json:"operationName"`
}

// Fetch POSTs Query to url and returns the SDL of the server's schema, named
// after url (its password, if any, redacted). header is added to the request
// (authorization, for one); the response body may be at most maxBytes long.
// A nil client is a zero http.Client, with no timeout of its own: ctx bounds
// the call. When the server answers Query
// with GraphQL errors, Fetch asks again with QueryOctober2021, which servers
// from before input value deprecation accept; if both fail the error reports
// both answers.
//
// Errors name url and wrap, for errors.Is and errors.As: *StatusError for a
// status other than 2xx, ErrNotJSON, ErrTooLarge, *ServerErrors (introspection
// disabled, mostly), ErrNoSchema and ErrMalformed.
func Fetch(ctx context.Context, client *http.Client, url string, header http.Header, maxBytes int64) (*ast.Source, error) {
	name := redact(url)
	if maxBytes <= 0 {
		return nil, fmt.Errorf("introspecting %s: maxBytes is %d, want a positive limit", name, maxBytes)
	}
	if client == nil {
		client = &http.Client{}
	}
	src, err := fetch(ctx, client, url, name, header, maxBytes, Query)
	var serverErrs *ServerErrors
	if err != nil && errors.As(err, &serverErrs) && ctx.Err() == nil {
		src, err2 := fetch(ctx, client, url, name, header, maxBytes, QueryOctober2021)
		if err2 == nil {
			return src, nil
		}
		return nil, fmt.Errorf("introspecting %s: %w (asked again without deprecated arguments: %w)", name, err, err2)
	}
	if err != nil {
		return nil, fmt.Errorf("introspecting %s: %w", name, err)
	}
	return src, nil
}

// redact hides the password of a URL with user information, so that errors
// and source names can be logged.
func redact(rawURL string) string {
	u, err := neturl.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	return u.Redacted()
}

func fetch(ctx context.Context, client *http.Client, url, name string, header http.Header, maxBytes int64, query string) (*ast.Source, error) {
	body, err := json.Marshal(requestBody{Query: query, OperationName: "IntrospectionQuery"})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if host := header.Get("Host"); host != "" {
		req.Host = host // net/http takes the Host header from here only
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/graphql-response+json, application/json;q=0.9")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	if resp.ContentLength > maxBytes {
		return nil, fmt.Errorf("%w: Content-Length %d is over the limit of %d bytes", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w: over the limit of %d bytes", ErrTooLarge, maxBytes)
	}
	contentType := resp.Header.Get("Content-Type")

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &StatusError{StatusCode: resp.StatusCode, ContentType: contentType}
		var r resultJSON
		if isJSON(contentType) && json.Unmarshal(data, &r) == nil {
			e.Err = serverErrors(r.Errors)
		}
		if e.Err == nil {
			e.Body = snippet(data, 256)
		}
		return nil, e
	}
	src, err := toSource(name, data)
	if err != nil && errors.Is(err, ErrNotJSON) {
		return nil, fmt.Errorf("%w (Content-Type %q)", err, contentType)
	}
	return src, err
}

// isJSON reports whether a Content-Type is JSON: application/json,
// application/graphql-response+json, or another +json type.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (len(mt) > 5 && mt[len(mt)-5:] == "+json")
}
