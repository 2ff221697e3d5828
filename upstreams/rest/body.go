package rest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
)

// formFields flattens a JSON object body into form fields: scalars as their
// text, arrays as repeated fields, nested objects as JSON text; nulls are
// left out.
func formFields(body []byte) ([][2]string, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(body)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	o, err := v.Object()
	if err != nil {
		return nil, errors.New("a form body must be an object")
	}
	var out [][2]string
	o.Visit(func(k []byte, e *fastjson.Value) {
		key := string(k)
		if e.Type() == fastjson.TypeArray {
			for _, item := range e.GetArray() {
				if s, ok := formText(item); ok {
					out = append(out, [2]string{key, s})
				}
			}
			return
		}
		if s, ok := formText(e); ok {
			out = append(out, [2]string{key, s})
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
		b.WriteString(url.QueryEscape(f[0]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(f[1]))
	}
	return b.Bytes(), nil
}

// multipartBody encodes a JSON object body as multipart/form-data. The
// boundary is derived from the content, so identical calls have identical
// bodies (and keys).
func multipartBody(body []byte) ([]byte, string, error) {
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
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
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
