package openapi

// Unions: oneOf and anyOf over object schemas as a GraphQL union, with the
// rule (@typeBy) that tells which member a value is.

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/weft-gateway/weft/internal/gqlname"
	"github.com/weft-gateway/weft/internal/sdlwrite"
)

// composition maps oneOf/anyOf without properties of its own.
func (im *importer) composition(s *base.Schema, c mctx) (tref, bool, *gqlType) {
	word := "oneOf"
	list := s.OneOf
	if len(list) == 0 {
		word, list = "anyOf", s.AnyOf
	}
	var members []*base.SchemaProxy
	var idx []int
	nullable := false
	for i, m := range list {
		ms := m.Schema()
		if ms != nil && onlyNull(ms) {
			nullable = true
			continue
		}
		members = append(members, m)
		idx = append(idx, i)
	}
	if len(members) == 1 && len(s.OneOf)+len(s.AnyOf) == len(list) {
		t, n, obj := im.schemaType(members[0], c.child(c.base, c.loc.child(word, nil).child(itoa(idx[0]), nil)))
		return t, n || nullable, obj
	}
	// Members that are all the same scalar are that scalar.
	same := ""
	objects := 0
	var names []string
	for _, m := range members {
		ms := m.Schema()
		if ms == nil {
			same = "-"
			continue
		}
		if m.IsReference() {
			names = append(names, refName(m.GetReference()))
		}
		sc := plainScalar(ms)
		if sc == "" {
			same = "-"
		} else if same == "" {
			same = sc
		} else if same != sc {
			same = "-"
		}
		if isObjectSchema(ms) {
			objects++
		}
	}
	if same != "" && same != "-" {
		return named(same), nullable, nil
	}
	what := ""
	if len(names) > 0 {
		what = " (" + strings.Join(names, ", ") + ")"
	}
	if objects == len(members) {
		if t, obj, ok := im.union(s, c, word, list, members, idx); ok {
			return t, nullable, obj
		}
		return im.scalar(scalarJSON), true, nil
	}
	im.warn(c.loc, c.op, "%s of %d schemas of different kinds%s: typed JSON", word, len(members), what)
	return im.scalar(scalarJSON), true, nil
}

// unionMember is one object member of a oneOf or anyOf.
type unionMember struct {
	t    *gqlType
	ref  string // the member's $ref, "" for an inline schema
	base string
}

// union maps a oneOf or anyOf whose members are all objects. As output, it
// is a union of their object types, whose @typeBy tells the member of a
// value: by the discriminator's property when the schema has one (its
// mapping, else each member's schema name), else by the required
// properties each member's values have. As input, where GraphQL has no
// unions, it is a @oneOf input object with one field per member, sent as
// that field's value (@unwrap). ok is false, with a warning, when a member
// does not map to an object type.
func (im *importer) union(s *base.Schema, c mctx, word string, list, members []*base.SchemaProxy, idx []int) (tref, *gqlType, bool) {
	var ms []unionMember
	seen := map[*gqlType]bool{}
	for i, m := range members {
		mb := c.base + "Option" + itoa(idx[i]+1)
		if m.IsReference() {
			mb = refName(m.GetReference())
		}
		mt, _, obj := im.schemaType(m, c.child(mb, c.loc.child(word, nil).child(itoa(idx[i]), nil)))
		t := obj
		if !c.input {
			t = im.objectNamed(mt)
		}
		if t == nil || mt.elem != nil {
			im.warn(c.loc, c.op, "%s member %d (%s) is not an object type: typed JSON", word, idx[i], mb)
			return tref{}, nil, false
		}
		if seen[t] {
			continue // one type, reached twice
		}
		seen[t] = true
		um := unionMember{t: t, base: mb}
		if m.IsReference() {
			um.ref = m.GetReference()
		}
		ms = append(ms, um)
	}
	name := im.opts.Prefix + pascal(baseOr(c.base, "Union"))
	if c.input {
		name += "Input"
	}
	u := &gqlType{name: im.typeNames.Take(name), description: s.Description}
	if c.input {
		u.kind, u.oneOf = "input", true
		fields := gqlname.NewSet()
		for _, m := range ms {
			f := fields.Take(camel(m.base))
			u.fields = append(u.fields, &gqlField{name: f, key: f, typ: named(m.t.name)})
		}
		im.types[typeKey{u, true}] = u
		return named(u.name), u, true
	}
	u.kind = "union"
	for _, m := range ms {
		u.members = append(u.members, m.t.name)
	}
	u.typeBy = im.typeBy(s, c, word, ms)
	im.types[typeKey{u, false}] = u
	return named(u.name), nil, true
}

// objectNamed returns the generated object type named by t (no lists),
// nil when t names another kind of type.
func (im *importer) objectNamed(t tref) *gqlType {
	if t.elem != nil {
		return nil
	}
	for _, g := range im.types {
		if g.name == t.name && g.kind == "type" {
			return g
		}
	}
	return nil
}

// typeBy writes the @typeBy of a union: the discriminator's property and
// the values that name each member. Without a discriminator, a property
// every member requires whose values each member lists apart (an enum or
// a const: type: "await" in one, type: "redirect" in another) serves as
// one. Else, or when a discriminator leaves a member without a value of
// its mapping, the required properties of each member tell them apart,
// with a warning when some members require the same ones.
func (im *importer) typeBy(s *base.Schema, c mctx, word string, ms []unionMember) string {
	var args []sdlwrite.Arg
	structural, implicit := true, false
	key := ""
	values := make([][]string, len(ms))
	if d := s.Discriminator; d != nil && d.PropertyName != "" {
		key = d.PropertyName
		if d.Mapping != nil {
			for p := d.Mapping.First(); p != nil; p = p.Next() {
				target := refName(p.Value())
				for i, m := range ms {
					if m.ref != "" && (p.Value() == m.ref || refName(m.ref) == target) {
						values[i] = append(values[i], p.Key())
						break
					}
				}
			}
		}
		for i, m := range ms {
			if len(values[i]) == 0 && m.ref != "" {
				// A member the mapping leaves out is named by its
				// schema's name, as OpenAPI says; since many documents
				// write other values without a mapping, the members'
				// properties tell the type when the value does not.
				values[i] = []string{refName(m.ref)}
				implicit = true
			}
		}
	} else if k, tags := tagProperty(ms); k != "" {
		key, values = k, tags
	}
	if key != "" {
		structural = implicit
		var entries []string
		for i, m := range ms {
			if len(values[i]) == 0 {
				structural = true
				continue
			}
			entries = append(entries, m.t.name+": "+sdlwrite.StringList(values[i]))
		}
		args = append(args, sdlwrite.Arg{Name: "key", Value: sdlwrite.String(key)},
			sdlwrite.Arg{Name: "values", Value: "{" + strings.Join(entries, ", ") + "}"})
	}
	if structural {
		var entries []string
		var groups [][]string
		byKeys := map[string]int{}
		for _, m := range ms {
			keys := append([]string(nil), m.t.required...)
			sort.Strings(keys)
			id := strings.Join(keys, "\x00")
			if g, ok := byKeys[id]; ok {
				groups[g] = append(groups[g], m.t.name)
			} else {
				byKeys[id] = len(groups)
				groups = append(groups, []string{m.t.name})
			}
			entries = append(entries, m.t.name+": "+sdlwrite.StringList(m.t.required))
		}
		for _, g := range groups {
			if len(g) > 1 {
				t := im.objectNamed(named(g[0]))
				req := "no properties"
				if len(t.required) > 0 {
					req = "the same properties (" + strings.Join(t.required, ", ") + ")"
				}
				im.warn(c.loc, c.op, "%s members %s require %s and no discriminator tells them apart: a value that has them is read as %s", word, strings.Join(g, ", "), req, g[0])
			}
		}
		args = append(args, sdlwrite.Arg{Name: "required", Value: "{" + strings.Join(entries, ", ") + "}"})
	}
	return sdlwrite.Directive("typeBy", args...)
}

// tagProperty finds a property that tells the members of a union apart:
// every member requires it and lists the strings it may be, and no two
// members share one. It returns the property's key and each member's
// strings, or "".
func tagProperty(ms []unionMember) (string, [][]string) {
	if len(ms) == 0 {
		return "", nil
	}
	field := func(t *gqlType, key string) *gqlField {
		if !slices.Contains(t.required, key) {
			return nil
		}
		for _, f := range t.fields {
			if f.key == key && len(f.tags) > 0 {
				return f
			}
		}
		return nil
	}
next:
	for _, k := range ms[0].t.required {
		values := make([][]string, len(ms))
		seen := map[string]bool{}
		for i, m := range ms {
			f := field(m.t, k)
			if f == nil {
				continue next
			}
			for _, tag := range f.tags {
				if seen[tag] {
					continue next
				}
				seen[tag] = true
			}
			values[i] = f.tags
		}
		return k, values
	}
	return "", nil
}

func itoa(i int) string { return strconv.Itoa(i) }
