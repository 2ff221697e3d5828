package playground

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Wants reports whether r is a browser asking for a page: a GET or HEAD
// request whose Accept header prefers text/html over the GraphQL response
// types. A program that sends a GraphQL query with GET asks for JSON (or
// sends no Accept, or */*), and gets the API, not the playground.
//
// Only an explicit text/html counts: wildcards such as */* say nothing about
// what the client prefers. When text/html and a JSON type have the same
// quality, the one listed first wins, as content negotiation libraries do.
func Wants(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	// A websocket handshake is a GET too; it belongs to the API.
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	html, htmlAt := -1.0, -1
	json, jsonAt := -1.0, -1
	for i, e := range parseQList(r.Header.Values("Accept")) {
		mediaType := e.value
		switch {
		case mediaType == "text/html":
			if e.q > html {
				html, htmlAt = e.q, i
			}
		case isJSONType(mediaType):
			if e.q > json {
				json, jsonAt = e.q, i
			}
		}
	}
	if html <= 0 {
		return false
	}
	return html > json || (html == json && htmlAt < jsonAt)
}

// isJSONType reports whether mediaType is one a GraphQL client asks for
// (GraphQL over HTTP).
func isJSONType(mediaType string) bool {
	switch mediaType {
	case "application/graphql-response+json", "application/json":
		return true
	}
	return false
}

// qItem is one element of an Accept-style header: a value and its quality.
type qItem struct {
	value string  // lower-cased media type or coding, parameters dropped
	q     float64 // 0..1; an invalid q counts as 0 so the item is ignored
}

// parseQList parses the comma-separated elements of Accept or
// Accept-Encoding header values (RFC 9110 §12.5). Parameters other than q
// are dropped: the playground decision needs no more.
func parseQList(values []string) []qItem {
	var items []qItem
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			value, params, _ := strings.Cut(elem, ";")
			value = strings.ToLower(strings.TrimSpace(value))
			if value == "" {
				continue
			}
			items = append(items, qItem{value: value, q: qParam(params)})
		}
	}
	return items
}

// qParam finds q=... among the ;-separated parameters. A missing q is 1.
func qParam(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		name, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || math.IsNaN(q) || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}
