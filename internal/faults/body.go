package faults

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// wrongJSON swaps the types of a JSON document's values: strings become
// numbers (their length), numbers and booleans strings; keys stay. With
// graphQL only the value of data is changed, so the errors and extensions
// of a response still read as such. It reports false for a body that is
// not one JSON document.
func wrongJSON(body []byte, graphQL bool) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err == nil {
		return nil, false // more than one document
	}
	if obj, ok := v.(map[string]any); ok && graphQL {
		if data, ok := obj["data"]; ok {
			obj["data"] = swapJSON(data)
		}
	} else {
		v = swapJSON(v)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	return out, true
}

func swapJSON(v any) any {
	switch v := v.(type) {
	case string:
		return json.Number(strconv.Itoa(len(v)))
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case map[string]any:
		for k, x := range v {
			v[k] = swapJSON(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = swapJSON(x)
		}
		return v
	}
	return v
}

// wrongXML replaces the text of an XML document's elements: text that reads
// as a number or a boolean becomes "wrong", other text "12345"; so do
// attribute values that read as a number or a boolean (others, namespace
// declarations among them, stay). White space around text, comments, CDATA
// sections and processing instructions stay as they are.
func wrongXML(body []byte) []byte {
	out := make([]byte, 0, len(body)+64)
	for i := 0; i < len(body); {
		if body[i] == '<' {
			end := markupEnd(body, i)
			if tag := body[i:end]; len(tag) > 1 && tag[1] != '!' && tag[1] != '?' && tag[1] != '/' {
				out = swapAttrs(out, tag)
			} else {
				out = append(out, tag...)
			}
			i = end
			continue
		}
		end := bytes.IndexByte(body[i:], '<')
		if end < 0 {
			end = len(body)
		} else {
			end += i
		}
		out = append(out, swapText(body[i:end])...)
		i = end
	}
	return out
}

// markupEnd returns the index just after the markup starting at body[i]
// ('<'), or len(body) when it does not end.
func markupEnd(body []byte, i int) int {
	rest := body[i:]
	closing := func(s string) int {
		if j := bytes.Index(rest, []byte(s)); j >= 0 {
			return i + j + len(s)
		}
		return len(body)
	}
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		return closing("-->")
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		return closing("]]>")
	case bytes.HasPrefix(rest, []byte("<?")):
		return closing("?>")
	case bytes.HasPrefix(rest, []byte("<!")):
		// A declaration (DOCTYPE), whose internal subset holds markup:
		// read as encoding/xml reads it, whose first byte is the name's
		// whatever it is, quoted brackets do not nest, and comments are
		// skipped.
		depth, quote := 0, byte(0)
		for j := 3; j < len(rest); j++ {
			switch c := rest[j]; {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '>' && depth == 0:
				return i + j + 1
			case c == '"' || c == '\'':
				quote = c
			case c == '>':
				depth--
			case c == '<':
				if bytes.HasPrefix(rest[j:], []byte("<!--")) {
					k := bytes.Index(rest[j+4:], []byte("-->"))
					if k < 0 {
						return len(body)
					}
					j += 4 + k + 2
					continue
				}
				depth++
			}
		}
		return len(body)
	}
	// A tag, whose quoted attribute values may hold '>'.
	var quote byte
	for j := 1; j < len(rest); j++ {
		switch c := rest[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + j + 1
		}
	}
	return len(body)
}

// swapAttrs appends a start tag to out with its quoted values that read as
// a number or a boolean replaced by "wrong".
func swapAttrs(out, tag []byte) []byte {
	var quote byte
	start := 0
	for j, c := range tag {
		switch {
		case quote != 0:
			if c == quote {
				if scalar(string(tag[start:j])) {
					out = append(out, "wrong"...)
				} else {
					out = append(out, tag[start:j]...)
				}
				out = append(out, c)
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
			start = j + 1
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	if quote != 0 { // an unterminated value: kept as it is
		out = append(out, tag[start:]...)
	}
	return out
}

// scalar says whether XML text reads as a number or a boolean.
func scalar(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || s == "true" || s == "false"
}

// swapText replaces one run of character data, keeping its white space.
func swapText(text []byte) []byte {
	start := len(text) - len(bytes.TrimLeft(text, " \t\r\n"))
	trimmed := bytes.Trim(text, " \t\r\n")
	if len(trimmed) == 0 {
		return text
	}
	end := start + len(trimmed)
	s := string(trimmed)
	repl := "12345"
	if scalar(s) {
		repl = "wrong"
	}
	out := make([]byte, 0, len(text)-len(trimmed)+len(repl))
	out = append(out, text[:start]...)
	out = append(out, repl...)
	return append(out, text[end:]...)
}
