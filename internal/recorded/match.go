package recorded

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// NormalizeQuery parses a GraphQL document and prints it on one line, so
// that two texts of one operation compare equal whatever their layout
// (`query { a }` for `{a}` is not assumed: the operation keeps its form).
func NormalizeQuery(q string) (string, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithIndent(" ")).FormatQueryDocument(doc)
	var parts []string
	for _, line := range strings.Split(b.String(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, " "), nil
}

// decodeJSON reads one JSON document, numbers kept as written.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON document")
	}
	return v, nil
}

// toJSONValue turns a value YAML decoded into the form decodeJSON gives,
// for comparison.
func toJSONValue(v any) (any, error) {
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// EqualJSON compares two decoded JSON values: objects by their members in
// any order, numbers by value (1 and 1.0 are equal).
func EqualJSON(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		bn, ok := b.(json.Number)
		return ok && equalNumbers(a, bn)
	case float64:
		bn, ok := b.(float64)
		return ok && a == bn
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok || !EqualJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !EqualJSON(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// equalNumbers compares JSON numbers exactly, by their decimal value.
func equalNumbers(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, okx := new(big.Rat).SetString(string(a))
	y, oky := new(big.Rat).SetString(string(b))
	return okx && oky && x.Cmp(y) == 0
}

// mediaType is a Content-Type's media type, lower case.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(contentType))
	}
	return mt
}

func isJSONType(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func isXMLType(mt string) bool {
	return mt == "text/xml" || mt == "application/xml" || mt == "application/soap+xml" || strings.HasSuffix(mt, "+xml")
}

// bodyMatches says whether a request body of a content type is the one
// an exchange expects.
func bodyMatches(want any, body []byte, contentType string) bool {
	mt := mediaType(contentType)
	s, isString := want.(string)
	switch {
	case isJSONType(mt) || !isString:
		got, err := decodeJSON(body)
		if err != nil {
			return false
		}
		w, err := toJSONValue(want)
		return err == nil && EqualJSON(w, got)
	case isXMLType(mt):
		a, errA := CanonicalXML([]byte(s))
		b, errB := CanonicalXML(body)
		return errA == nil && errB == nil && a == b
	case mt == "application/x-www-form-urlencoded":
		a, errA := url.ParseQuery(strings.TrimSpace(s))
		b, errB := url.ParseQuery(string(body))
		return errA == nil && errB == nil && sameValues(a, b)
	}
	return s == string(body)
}

// sameValues compares query parameters or form fields: the same names,
// each with the same values in the same order.
func sameValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !reflect.DeepEqual(v, b[k]) {
			return false
		}
	}
	return true
}

// CanonicalXML prints an XML document in a form where documents that mean
// the same compare equal: every element and attribute named by namespace
// URI rather than prefix, attributes sorted, namespace declarations,
// comments and processing instructions left out, white space around text
// trimmed and text that is only white space dropped.
func CanonicalXML(b []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var out strings.Builder
	name := func(n xml.Name) string {
		if n.Space == "" {
			return n.Local
		}
		return "{" + n.Space + "}" + n.Local
	}
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			out.WriteString("<" + name(t.Name))
			var attrs []string
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" && a.Name.Space == "" {
					continue
				}
				attrs = append(attrs, fmt.Sprintf(" %s=%q", name(a.Name), a.Value))
			}
			sort.Strings(attrs)
			out.WriteString(strings.Join(attrs, "") + ">")
		case xml.EndElement:
			depth--
			out.WriteString("</" + name(t.Name) + ">")
		case xml.CharData:
			if s := strings.TrimSpace(string(t)); s != "" {
				var esc bytes.Buffer
				_ = xml.EscapeText(&esc, []byte(s))
				out.Write(esc.Bytes())
			}
		}
	}
	if depth != 0 || out.Len() == 0 {
		return "", errors.New("XML: not one whole document")
	}
	return out.String(), nil
}

// targetMatches says whether a request's path and query are an exchange's
// target: the same path, and the same query parameters in any order.
func targetMatches(want string, u *url.URL) bool {
	wantPath, wantQuery, _ := strings.Cut(want, "?")
	if wantPath != u.EscapedPath() && wantPath != u.Path {
		return false
	}
	wq, err := url.ParseQuery(wantQuery)
	if err != nil {
		return false
	}
	return sameValues(wq, u.Query())
}
