package rest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
)

// formField is one field of a form body.
type formField struct {
	name, value string
	// str says the value was a JSON string (not a number, a boolean or
	// JSON text): only a string can be a file part's base64.
	str bool
}

// formFields flattens a JSON object body into form fields: scalars as their
// text, arrays as repeated fields, nested objects as JSON text; nulls are
// left out.
func formFields(body []byte) ([]formField, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(body)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	o, err := v.Object()
	if err != nil {
		return nil, errors.New("a form body must be an object")
	}
	var out []formField
	o.Visit(func(k []byte, e *fastjson.Value) {
		key := string(k)
		if e.Type() == fastjson.TypeArray {
			for _, item := range e.GetArray() {
				if s, ok := formText(item); ok {
					out = append(out, formField{key, s, item.Type() == fastjson.TypeString})
				}
			}
			return
		}
		if s, ok := formText(e); ok {
			out = append(out, formField{key, s, e.Type() == fastjson.TypeString})
		}
	})
	return out, nil
}

func formText(v *fastjson.Value) (string, bool) {
	switch v.Type() {
	case fastjson.TypeNull:
		return "", false
	case fastjson.TypeString:
		return string(v.GetStringBytes()), true
	case fastjson.TypeObject, fastjson.TypeArray:
		return string(jsonwrite.Value(nil, v)), true
	default:
		return v.String(), true
	}
}

// textBody turns the JSON value of a text body into the text sent: a
// string's characters, a number's or a boolean's literal. A null is no
// body at all, as a body left out is. An object or a list has no text.
func textBody(body []byte) ([]byte, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(body)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	switch v.Type() {
	case fastjson.TypeNull:
		return nil, nil
	case fastjson.TypeString:
		// Not nil for "": an empty text is still a body.
		return append(make([]byte, 0, len(body)), v.GetStringBytes()...), nil
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		return body, nil
	}
	return nil, errors.New("a text body must be one value, not an object or a list")
}

// textContentType is the Content-Type of a text body: GraphQL strings are
// UTF-8, which a type without a charset says.
func textContentType(ct string) string {
	if _, params, err := mime.ParseMediaType(ct); err == nil && params["charset"] == "" {
		return ct + "; charset=utf-8"
	}
	return ct
}

// formBody encodes a JSON object body as application/x-www-form-urlencoded,
// fields in the body's order.
func formBody(body []byte) ([]byte, error) {
	fields, err := formFields(body)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(f.value))
	}
	return b.Bytes(), nil
}

// multipartBody encodes a JSON object body as multipart/form-data. The
// fields named in files are file parts: the value is base64, and the part
// holds the decoded bytes, with the field's name as its filename and
// application/octet-stream as its type, which servers that read uploads
// as files (a form's <input type=file>) require. The boundary is derived
// from the content, so identical calls have identical bodies (and keys).
func multipartBody(body []byte, files []string) ([]byte, string, error) {
	fields, err := formFields(body)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(body)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary("weft-" + hex.EncodeToString(sum[:12])); err != nil {
		return nil, "", err
	}
	for _, f := range fields {
		if !slices.Contains(files, f.name) {
			if err := w.WriteField(f.name, f.value); err != nil {
				return nil, "", err
			}
			continue
		}
		data, ok := decodeBase64(f.value)
		if !f.str || !ok {
			return nil, "", fmt.Errorf("file part %q: the value is not base64", f.name)
		}
		part, err := w.CreateFormFile(f.name, f.name)
		if err != nil {
			return nil, "", err
		}
		if _, err := part.Write(data); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// decodeBase64 decodes s in whichever spelling of base64 it is written:
// the standard or the URL-safe alphabet, padded or not. Line breaks are
// ignored, as MIME writes them.
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range [...]*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if data, err := enc.DecodeString(s); err == nil {
			return data, true
		}
	}
	return nil, false
}

// cookieHeader builds a Cookie header from "name: template" entries; an
// entry whose value is absent is left out.
func cookieHeader(cookies []schema.Param, s *tmpl.Scope) (string, error) {
	var parts []string
	for _, c := range cookies {
		v, err := c.Value.AppendText(nil, s, tmpl.Raw)
		if err != nil {
			var ne *tmpl.NullError
			if errors.As(err, &ne) {
				continue
			}
			return "", err
		}
		ck := (&http.Cookie{Name: c.Name, Value: string(v)}).String()
		if ck == "" {
			return "", fmt.Errorf("cookie %s: %q cannot be sent as a cookie", c.Name, v)
		}
		parts = append(parts, ck)
	}
	return strings.Join(parts, "; "), nil
}
