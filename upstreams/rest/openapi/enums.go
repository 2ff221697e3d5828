package openapi

// Enums: a schema's enum values as a GraphQL enum, with the names the
// values cannot be spelt as and the wire values read back and sent.

import (
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/weft-gateway/weft/internal/gqlname"
	"github.com/weft-gateway/weft/internal/sdlwrite"
)

func enumHasNull(s *base.Schema) bool {
	for _, v := range s.Enum {
		if v != nil && v.Tag == "!!null" {
			return true
		}
	}
	return false
}

// enumType maps an enum: string values, and integer values, become an
// enum type shared by inputs and outputs, whose values keep their
// spelling when they are GraphQL names and are named otherwise (see
// gqlname.EnumValue; integers NUMBER_1, or the names x-enum-varnames
// gives them), with @from(value:) saying what the upstream writes. Other
// numbers are a Float, booleans a Boolean; values of several types or of
// none are JSON.
func (im *importer) enumType(s *base.Schema, c mctx, id any) tref {
	// One type serves both directions, and a schema is warned about once.
	key := typeKey{id, false}
	if m, ok := im.mapped[key]; ok && m.t.name != "" {
		return m.t
	}
	t := im.enumOf(s, c, id)
	im.mapped[key] = mapped{t: t, nullable: true}
	return t
}

// enumOf is enumType's type, the first time.
func (im *importer) enumOf(s *base.Schema, c mctx, id any) tref {
	var values []string
	seen := map[string]bool{}
	kind := ""
	for _, v := range s.Enum {
		if v == nil || v.Tag == "!!null" {
			continue
		}
		k := v.Tag
		if k != "!!str" && v.Kind == yaml.ScalarNode && !strings.HasPrefix(v.Tag, "!!") {
			k = "!!str"
		}
		if kind == "" {
			kind = k
		} else if kind != k {
			im.warn(c.loc, c.op, "enum mixes values of several types: typed JSON")
			return im.scalar(scalarJSON)
		}
		if !seen[v.Value] {
			seen[v.Value] = true
			values = append(values, v.Value)
		}
	}
	switch kind {
	case "!!int":
		for _, v := range values {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				// An integer JSON cannot hold as such (0x1F, 1_000):
				// the plain type.
				if s.Format == "int64" {
					return im.scalar(scalarInt64)
				}
				return named("Int")
			}
		}
	case "!!float":
		return named("Float")
	case "!!bool":
		return named("Boolean")
	case "!!str":
	case "":
		return im.scalar(scalarJSON)
	default:
		im.warn(c.loc, c.op, "enum of non-scalar values: typed JSON")
		return im.scalar(scalarJSON)
	}
	name := im.typeNames.Take(im.opts.Prefix + pascal(baseOr(c.base, "Enum")))
	t := &gqlType{name: name, kind: "enum", description: s.Description, values: enumValues(s, values, kind == "!!int")}
	im.types[typeKey{id, false}] = t
	return named(name)
}

// enumValues names an enum's values, uniquely: values that are enum
// values as they are keep their names, then the others take theirs in
// order, with a suffix 2, 3, ... on a clash.
func enumValues(s *base.Schema, values []string, integers bool) []enumValue {
	varNames := extensionList(s, "x-enum-varnames", "x-enumNames")
	descs := extensionList(s, "x-enum-descriptions", "x-enumDescriptions")
	if len(varNames) != len(values) {
		varNames = nil
	}
	if len(descs) != len(values) {
		descs = nil
	}
	set := gqlname.NewSet()
	out := make([]enumValue, len(values))
	for i, v := range values {
		if descs != nil {
			out[i].description = descs[i]
		}
		if !integers && varNames == nil && gqlname.ValidEnumValue(v) && set.Reserve(v) {
			out[i].name = v
		}
	}
	for i, v := range values {
		if out[i].name != "" {
			continue
		}
		want := ""
		switch {
		case varNames != nil:
			want = gqlname.EnumValue(varNames[i])
		case integers:
			want = gqlname.NumberEnumValue(v)
		default:
			want = gqlname.EnumValue(v)
		}
		out[i].name = set.Take(want)
		if integers {
			out[i].wire = v
		} else if out[i].name != v {
			out[i].wire = sdlwrite.String(v)
		}
	}
	return out
}

// extensionList reads the first of the named extensions that is a list of
// scalars.
func extensionList(s *base.Schema, names ...string) []string {
	if s.Extensions == nil {
		return nil
	}
	for _, n := range names {
		node, ok := s.Extensions.Get(n)
		if !ok || node == nil || node.Kind != yaml.SequenceNode {
			continue
		}
		out := make([]string, 0, len(node.Content))
		for _, item := range node.Content {
			if item.Kind != yaml.ScalarNode {
				return nil
			}
			out = append(out, item.Value)
		}
		return out
	}
	return nil
}

func baseOr(base, def string) string {
	if base == "" {
		return def
	}
	return base
}
