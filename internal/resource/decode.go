package resource

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// TagName is the struct tag that carries Weft's decoding options, next to
// the yaml tag that names the field. The only option is "required":
//
//	Upstream string `yaml:"upstream" weft:"required"`
//
// A required field must be present and not null. A zero value that is
// written out (port: 0, name: "") counts as present; semantic checks decide
// whether it is valid.
const TagName = "weft"

// Alias expansion limits. A document may decode at most aliasSlack nodes
// plus aliasFactor times the number of nodes written in it. Ordinary use of
// anchors (shared defaults merged into a few routes) stays far below; an
// alias bomb, whose expansion grows exponentially, is stopped after work
// linear in the size of the file.
const (
	aliasFactor = 4
	aliasSlack  = 10000
)

var (
	yamlNodeType        = reflect.TypeFor[yaml.Node]()
	yamlNodePtrType     = reflect.TypeFor[*yaml.Node]()
	durationType        = reflect.TypeFor[time.Duration]()
	unmarshalerType     = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// Short tags as yaml.Node.ShortTag reports them.
const (
	tagNull      = "!!null"
	tagBool      = "!!bool"
	tagStr       = "!!str"
	tagInt       = "!!int"
	tagFloat     = "!!float"
	tagTimestamp = "!!timestamp"
	tagBinary    = "!!binary"
	tagMerge     = "!!merge"
)

// DecodeSpec decodes the document's spec strictly into the value that into
// points to. See Decode.
func (d *Document) DecodeSpec(into any) error {
	return d.Decode(d.Spec, "spec", into)
}

// SplitSpec is for a spec that two decoders share: a package that reads a
// few blocks of every resource of a kind, and the package that reads the
// rest. It decodes, strictly, the spec keys that the struct into points to
// declares into it, and returns a copy of the document whose spec lacks
// those keys, for the other decoder's DecodeSpec. An unknown field in the
// copy's spec lists the keys taken out among the allowed ones, since they
// are allowed there; like every list of allowed keys, it is derived from
// the struct types the spec is decoded into, so it cannot fall out of step
// with them.
//
// Keys that reach the copy's spec through a merge key (<<) are skipped by
// its decoding, as keys it does not own. The document itself is not
// changed, as documents are shared. When the keys have errors, they are
// returned as Errors along with the copy, so the rest of the spec can be
// checked too; a plain error means into cannot be decoded into at all.
func (d *Document) SplitSpec(into any) (*Document, error) {
	rv := reflect.ValueOf(into)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("resource: split spec: need a non-nil pointer to a struct, got %T", into)
	}
	dc := &decoder{doc: d, active: map[*yaml.Node]bool{}, infos: map[reflect.Type]*structInfo{}, budget: aliasSlack, limit: aliasSlack}
	info, err := dc.structInfo(rv.Elem().Type())
	if err != nil {
		return nil, fmt.Errorf("resource: split spec: %w", err)
	}
	if info.inlineMap != nil {
		return nil, fmt.Errorf("resource: split spec: %s has an inline map, which would take every key", rv.Elem().Type())
	}
	cp := *d
	cp.elsewhere = append(slices.Clip(d.elsewhere), info.names...)
	if d.Spec == nil || deref(d.Spec).Kind != yaml.MappingNode {
		// Not a mapping: the other decoder reports it, once.
		return &cp, nil
	}
	spec := deref(d.Spec)
	// The keys are found as decoding finds them (merge keys applied).
	// Problems with the mapping are left to the other decoder, which sees
	// the same mapping, except a key of ours given twice: it sees none.
	var mine []*yaml.Node
	taken := map[string]bool{}
	for _, p := range dc.pairs(spec, "spec") {
		if _, ok := info.byName[p.name]; ok {
			mine = append(mine, p.key, p.val)
			taken[JoinField("spec", p.name)] = true
		}
	}
	var errs Errors
	for _, e := range dc.errs {
		if taken[e.Path] {
			errs = append(errs, e)
		}
	}
	sub := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: spec.Line, Column: spec.Column, Content: mine}
	rest := *spec
	rest.Content = make([]*yaml.Node, 0, len(spec.Content))
	for i := 0; i+1 < len(spec.Content); i += 2 {
		k := deref(spec.Content[i])
		if _, ok := info.byName[k.Value]; ok && k.Kind == yaml.ScalarNode && k.ShortTag() != tagMerge {
			continue
		}
		rest.Content = append(rest.Content, spec.Content[i], spec.Content[i+1])
	}
	cp.Spec = &rest
	if err := d.Decode(sub, "spec", into); err != nil {
		es := AsErrors(err)
		if es == nil {
			return nil, err
		}
		errs = append(errs, es...)
	}
	return &cp, errs.Err()
}

// Decode decodes node strictly into the value that into points to; path is
// the field path of node in the document (such as "spec" or
// "spec.routes[0].graphql") and prefixes every error.
//
// Fields are matched by their yaml tag (`yaml:"name"`; without a name, the
// lower-cased Go field name, as go.yaml.in/yaml/v3 does). Decoding is strict:
//   - a key that names no field is an error listing the allowed fields,
//     unless the struct has an inline map (`yaml:",inline"` on a
//     map[string]T field), which then collects the unknown keys;
//   - a value of the wrong shape or type (a string where a list is expected,
//     "yes" for a boolean, 1.5 for an integer, 300 for an int8) is an error;
//   - a field tagged `weft:"required"` that is absent or null is an error;
//   - a key given twice in one mapping is an error.
//
// time.Duration fields take Go duration strings ("250ms", "2s", "1m30s").
// Pointers are allocated as needed; slices are replaced; maps need string
// keys and are added to; nested and inline (`yaml:",inline"`) structs are
// decoded in place, so fields absent from the YAML keep the values the
// caller set before decoding, which is how defaults are given. A null value
// resets pointers, slices, maps and interfaces to nil and leaves other
// values alone. Fields of type yaml.Node or *yaml.Node receive the node
// itself, unexpanded aliases included, so a kind can decode it later.
// interface{} fields receive maps, slices and scalars as yaml/v3 decodes
// them. Types implementing yaml.Unmarshaler or, for scalars,
// encoding.TextUnmarshaler decode themselves. YAML merge keys (<<: *base)
// are honoured; keys written next to them win.
//
// Decode collects every error in node and returns them as Errors, sorted.
// It returns a plain error, not Errors, when into cannot be decoded into at
// all (not a pointer, a struct with conflicting field names, a map with
// non-string keys): those are bugs in the calling package, not in the
// config.
//
// A nil node means the field was absent: required fields of the struct into
// points to are then reported missing at path.
func (d *Document) Decode(node *yaml.Node, path string, into any) error {
	rv := reflect.ValueOf(into)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("resource: decode %s: need a non-nil pointer, got %T", path, into)
	}
	dc := &decoder{doc: d, active: map[*yaml.Node]bool{}, infos: map[reflect.Type]*structInfo{}}
	nodes := d.nodes
	if nodes == 0 {
		root := d.Root
		if root == nil {
			root = node
		}
		nodes = countNodes(root)
	}
	dc.limit = aliasSlack + aliasFactor*nodes
	dc.budget = dc.limit

	if node == nil || dc.isNull(node) {
		dc.missingFields(node, path, rv.Elem())
	}
	if node != nil {
		dc.value(node, path, rv.Elem())
	}
	if dc.fatal != nil {
		return dc.fatal
	}
	return dedupe(dc.errs).Err()
}

// decoder holds the state of one Decode call. It is not shared, so the
// struct-info cache is per call rather than package state.
type decoder struct {
	doc    *Document
	errs   Errors
	fatal  error
	budget int
	limit  int
	// over is set once the alias budget ran out, so the limit is reported
	// once rather than at every node that follows.
	over bool
	// active holds the nodes being decoded, to catch an anchor that
	// contains an alias to itself.
	active map[*yaml.Node]bool
	infos  map[reflect.Type]*structInfo
}

func (dc *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	dc.errs = append(dc.errs, newError(dc.doc.File, n.Line, n.Column, path, format, args...))
}

func (dc *decoder) typeError(n *yaml.Node, path string, t reflect.Type) {
	dc.errorf(n, path, "expected %s, got %s", expectedName(t), describe(n))
}

// spend takes one node from the alias budget and reports whether decoding
// may go on.
func (dc *decoder) spend(n *yaml.Node, path string) bool {
	if dc.over || dc.fatal != nil {
		return false
	}
	dc.budget--
	if dc.budget < 0 {
		dc.over = true
		dc.errorf(n, path, "too much alias expansion: the document would decode more than %d nodes; use fewer or smaller aliases", dc.limit)
		return false
	}
	return true
}

// resolve follows aliases (and a document node's single child) to the node
// that holds content. It returns nil, after reporting, when the alias is
// dangling or refers to a node that contains it.
func (dc *decoder) resolve(n *yaml.Node, path string) *yaml.Node {
	for hops := 0; ; hops++ {
		switch {
		case n.Kind == yaml.DocumentNode && len(n.Content) == 1:
			n = n.Content[0]
		case n.Kind == yaml.AliasNode:
			if n.Alias == nil || hops > 64 {
				dc.errorf(n, path, "alias *%s refers to no anchor", n.Value)
				return nil
			}
			if dc.active[n.Alias] {
				dc.errorf(n, path, "alias *%s refers to a value that contains it", n.Value)
				return nil
			}
			n = n.Alias
		default:
			return n
		}
	}
}

func (dc *decoder) isNull(n *yaml.Node) bool {
	for hops := 0; hops < 64; hops++ {
		switch {
		case n == nil:
			return true
		case n.Kind == yaml.AliasNode:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) == 1:
			n = n.Content[0]
		default:
			return n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull
		}
	}
	return false
}

// value decodes site into v. site may be an alias; errors about the value
// as a whole point at site, where the user wrote it.
func (dc *decoder) value(site *yaml.Node, path string, v reflect.Value) {
	if !dc.spend(site, path) {
		return
	}
	t := v.Type()
	switch t {
	case yamlNodePtrType:
		v.Set(reflect.ValueOf(site))
		return
	case yamlNodeType:
		v.Set(reflect.ValueOf(site).Elem())
		return
	}
	n := dc.enter(site, path)
	if n == nil {
		return
	}
	defer delete(dc.active, n)
	dc.resolved(n, site, path, v)
}

// enter resolves site and marks the result as being decoded. It returns nil
// when there is nothing to decode: a broken alias, or a scalar whose
// environment expansion already failed and was reported.
func (dc *decoder) enter(site *yaml.Node, path string) *yaml.Node {
	n := dc.resolve(site, path)
	if n == nil || dc.doc.bad[n] {
		return nil
	}
	if dc.active[n] {
		// Parsed YAML reaches its own ancestors only through aliases,
		// which resolve reports; a node tree built in code may not.
		dc.errorf(site, path, "value contains itself")
		return nil
	}
	dc.active[n] = true
	return n
}

// resolved decodes n, an alias's target or site itself, into v: null,
// the types that decode themselves, then by v's kind. Errors point at
// site.
func (dc *decoder) resolved(n, site *yaml.Node, path string, v reflect.Value) {
	t := v.Type()
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull:
		nullValue(v)
	case t.Kind() == reflect.Pointer:
		dc.pointer(n, site, path, v)
	case t == yamlNodeType:
		v.Set(reflect.ValueOf(site).Elem())
	case reflect.PointerTo(t).Implements(unmarshalerType):
		dc.unmarshaler(n, site, path, v)
	case t == durationType:
		dc.duration(n, site, path, v)
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		dc.textUnmarshaler(n, site, path, v)
	default:
		dc.byKind(n, site, path, v)
	}
}

// nullValue is what null decodes to: the zero value of a pointer, map,
// slice or interface; other types keep their value.
func nullValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		v.SetZero()
	}
}

// pointer decodes into the value v points at, allocating it when v is
// nil; a *yaml.Node gets site itself.
func (dc *decoder) pointer(n, site *yaml.Node, path string, v reflect.Value) {
	if v.Type() == yamlNodePtrType {
		v.Set(reflect.ValueOf(site))
		return
	}
	if v.IsNil() {
		v.Set(reflect.New(v.Type().Elem()))
	}
	dc.resolved(n, site, path, v.Elem())
}

// unmarshaler lets a yaml.Unmarshaler decode n itself.
func (dc *decoder) unmarshaler(n, site *yaml.Node, path string, v reflect.Value) {
	u := v.Addr().Interface().(yaml.Unmarshaler)
	if err := u.UnmarshalYAML(n); err != nil {
		dc.errs = append(dc.errs, &Error{File: dc.doc.File, Line: site.Line, Column: site.Column, Path: path, Msg: yamlMessage(err), Err: err})
	}
}

// textUnmarshaler lets an encoding.TextUnmarshaler decode a scalar's text.
func (dc *decoder) textUnmarshaler(n, site *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		dc.typeError(site, path, v.Type())
		return
	}
	u := v.Addr().Interface().(encoding.TextUnmarshaler)
	if err := u.UnmarshalText([]byte(n.Value)); err != nil {
		dc.errs = append(dc.errs, &Error{File: dc.doc.File, Line: site.Line, Column: site.Column, Path: path,
			Msg: fmt.Sprintf("invalid value %s: %v", quoteShort(n.Value), err), Err: err})
	}
}

// byKind decodes n into v by v's kind.
func (dc *decoder) byKind(n, site *yaml.Node, path string, v reflect.Value) {
	t := v.Type()
	switch t.Kind() {
	case reflect.Interface:
		dc.iface(n, path, v)
	case reflect.String:
		dc.stringValue(n, site, path, v)
	case reflect.Bool:
		dc.boolValue(n, site, path, v)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		dc.intValue(n, site, path, v)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		dc.uintValue(n, site, path, v)
	case reflect.Float32, reflect.Float64:
		dc.floatValue(n, site, path, v)
	case reflect.Slice:
		dc.sliceValue(n, site, path, v)
	case reflect.Array:
		dc.arrayValue(n, site, path, v)
	case reflect.Map:
		dc.mapValue(n, site, path, v)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			dc.typeError(site, path, t)
			return
		}
		dc.structValue(n, path, v)
	default:
		dc.fatal = fmt.Errorf("resource: decode %s: cannot decode into %s", path, t)
	}
}

// scalarTagged reports whether n is a scalar with one of tags, and
// reports a type error at site when it is not.
func (dc *decoder) scalarTagged(n, site *yaml.Node, path string, t reflect.Type, tags ...string) bool {
	if n.Kind == yaml.ScalarNode && slices.Contains(tags, n.ShortTag()) {
		return true
	}
	dc.typeError(site, path, t)
	return false
}

// iface decodes into an empty interface the generic form of n; an
// interface with methods is a programming error.
func (dc *decoder) iface(n *yaml.Node, path string, v reflect.Value) {
	if v.Type().NumMethod() != 0 {
		dc.fatal = fmt.Errorf("resource: decode %s: cannot decode into interface type %s", path, v.Type())
		return
	}
	if g, ok := dc.generic(n, path); ok && g != nil {
		v.Set(reflect.ValueOf(g))
	}
}

func (dc *decoder) stringValue(n, site *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == tagMerge {
		dc.typeError(site, path, v.Type())
		return
	}
	// Any scalar's text is a valid string: "version: 1.10" keeps its
	// trailing zero, which a round trip through float64 would lose.
	v.SetString(n.Value)
}

func (dc *decoder) boolValue(n, site *yaml.Node, path string, v reflect.Value) {
	if dc.scalarTagged(n, site, path, v.Type(), tagBool) {
		v.SetBool(strings.EqualFold(n.Value, "true"))
	}
}

func (dc *decoder) intValue(n, site *yaml.Node, path string, v reflect.Value) {
	if !dc.scalarTagged(n, site, path, v.Type(), tagInt) {
		return
	}
	var x int64
	if err := n.Decode(&x); err != nil || v.OverflowInt(x) {
		lo, hi := intRange(v.Type())
		dc.errorf(site, path, "expected an integer between %d and %d, got %s", lo, hi, displayValue(n.Value))
		return
	}
	v.SetInt(x)
}

func (dc *decoder) uintValue(n, site *yaml.Node, path string, v reflect.Value) {
	if !dc.scalarTagged(n, site, path, v.Type(), tagInt) {
		return
	}
	var x uint64
	if err := n.Decode(&x); err != nil || v.OverflowUint(x) {
		dc.errorf(site, path, "expected an integer between 0 and %d, got %s", uint64(math.MaxUint64)>>(64-v.Type().Bits()), displayValue(n.Value))
		return
	}
	v.SetUint(x)
}

// floatValue decodes a float or an integer.
func (dc *decoder) floatValue(n, site *yaml.Node, path string, v reflect.Value) {
	if !dc.scalarTagged(n, site, path, v.Type(), tagFloat, tagInt) {
		return
	}
	var x float64
	if err := n.Decode(&x); err != nil || v.OverflowFloat(x) {
		dc.errorf(site, path, "expected a number that fits in %s, got %s", v.Type(), displayValue(n.Value))
		return
	}
	v.SetFloat(x)
}

func (dc *decoder) sliceValue(n, site *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		dc.typeError(site, path, v.Type())
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		dc.value(item, JoinIndex(path, i), s.Index(i))
	}
	v.Set(s)
}

// arrayValue decodes a sequence of exactly the array's length.
func (dc *decoder) arrayValue(n, site *yaml.Node, path string, v reflect.Value) {
	t := v.Type()
	if n.Kind != yaml.SequenceNode {
		dc.typeError(site, path, t)
		return
	}
	if len(n.Content) != t.Len() {
		dc.errorf(site, path, "expected a list of %d items, got %d", t.Len(), len(n.Content))
		return
	}
	for i, item := range n.Content {
		dc.value(item, JoinIndex(path, i), v.Index(i))
	}
}

// mapValue decodes a mapping into a map with string keys, adding to the
// map v already holds.
func (dc *decoder) mapValue(n, site *yaml.Node, path string, v reflect.Value) {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		dc.fatal = fmt.Errorf("resource: decode %s: map key type %s is not a string type", path, t.Key())
		return
	}
	if n.Kind != yaml.MappingNode {
		dc.typeError(site, path, t)
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	for _, p := range dc.pairs(n, path) {
		dc.mapEntry(v, p, path)
	}
}

func (dc *decoder) mapEntry(m reflect.Value, p pair, path string) {
	elem := reflect.New(m.Type().Elem()).Elem()
	dc.value(p.val, JoinField(path, p.name), elem)
	m.SetMapIndex(reflect.ValueOf(p.name).Convert(m.Type().Key()), elem)
}

func (dc *decoder) duration(n, site *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.ScalarNode {
		if x, err := time.ParseDuration(n.Value); err == nil {
			v.SetInt(int64(x))
			return
		}
	}
	dc.typeError(site, path, durationType)
}

// generic decodes into an interface{}, giving maps with string keys, slices
// and scalars as yaml/v3 types them, so that such values stay
// JSON-compatible and still go through the alias budget.
func (dc *decoder) generic(n *yaml.Node, path string) (any, bool) {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for _, p := range dc.pairs(n, path) {
			if g, ok := dc.genericChild(p.val, JoinField(path, p.name)); ok {
				m[p.name] = g
			}
		}
		return m, true
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			g, _ := dc.genericChild(item, JoinIndex(path, i))
			s = append(s, g)
		}
		return s, true
	case yaml.ScalarNode:
		var x any
		if err := n.Decode(&x); err != nil {
			dc.errorf(n, path, "%s", yamlMessage(err))
			return nil, false
		}
		return x, true
	}
	dc.errorf(n, path, "unexpected YAML node")
	return nil, false
}

func (dc *decoder) genericChild(site *yaml.Node, path string) (any, bool) {
	if !dc.spend(site, path) {
		return nil, false
	}
	n := dc.enter(site, path)
	if n == nil {
		return nil, false
	}
	defer delete(dc.active, n)
	return dc.generic(n, path)
}

// pair is one effective key/value of a mapping, after merge keys.
type pair struct {
	key, val *yaml.Node
	name     string
}

// pairs lists the keys of mapping n with their values, applying merge keys
// (<<) the way YAML 1.1 defines them: keys written in n win over merged
// ones, and among merged mappings the first listed wins. Keys that are not
// scalars, and keys written twice in n, are reported.
func (dc *decoder) pairs(n *yaml.Node, path string) []pair {
	out := make([]pair, 0, len(n.Content)/2)
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		rk := k
		if rk.Kind == yaml.AliasNode && rk.Alias != nil {
			rk = rk.Alias
		}
		if rk.Kind == yaml.ScalarNode && rk.ShortTag() == tagMerge {
			merges = append(merges, val)
			continue
		}
		if rk.Kind != yaml.ScalarNode || rk.ShortTag() == tagNull {
			dc.errorf(k, path, "keys must be strings, got %s", describe(rk))
			continue
		}
		name := rk.Value
		if first, dup := seen[name]; dup {
			dc.errorf(k, JoinField(path, name), "duplicate key %s (first at line %d, column %d)", strconv.Quote(name), first.Line, first.Column)
			continue
		}
		seen[name] = k
		out = append(out, pair{key: k, val: val, name: name})
	}
	for _, m := range merges {
		for _, src := range dc.mergeSources(m, path) {
			dc.active[src] = true
			merged := dc.pairs(src, path)
			delete(dc.active, src)
			for _, p := range merged {
				if _, ok := seen[p.name]; ok {
					continue
				}
				if !dc.spend(p.key, path) {
					return out
				}
				seen[p.name] = p.key
				out = append(out, p)
			}
		}
	}
	return out
}

// mergeSources returns the mappings that a merge key's value names: one
// mapping (usually an alias to an anchored one) or a list of them.
func (dc *decoder) mergeSources(v *yaml.Node, path string) []*yaml.Node {
	if !dc.spend(v, path) {
		return nil
	}
	r := dc.resolve(v, path)
	if r == nil {
		return nil
	}
	switch r.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{r}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, item := range r.Content {
			if !dc.spend(item, path) {
				return out
			}
			ri := dc.resolve(item, path)
			if ri == nil {
				continue
			}
			if ri.Kind != yaml.MappingNode {
				dc.errorf(item, path, "merge key <<: expected a mapping, got %s", describe(ri))
				continue
			}
			out = append(out, ri)
		}
		return out
	}
	dc.errorf(v, path, "merge key <<: expected a mapping or a list of mappings, got %s", describe(r))
	return nil
}

func (dc *decoder) structValue(n *yaml.Node, path string, v reflect.Value) {
	info, err := dc.structInfo(v.Type())
	if err != nil {
		dc.fatal = fmt.Errorf("resource: decode %s: %w", path, err)
		return
	}
	seen := make(map[string]bool, len(info.fields))
	for _, p := range dc.pairs(n, path) {
		f, ok := info.byName[p.name]
		if !ok {
			if path == "spec" && slices.Contains(dc.doc.elsewhere, p.name) {
				continue // another decoder's key, reached through a merge
			}
			if info.inlineMap != nil {
				m := v.FieldByIndex(info.inlineMap)
				if m.IsNil() {
					m.Set(reflect.MakeMap(m.Type()))
				}
				dc.mapEntry(m, p, path)
				continue
			}
			allowed := info.names
			if path == "spec" {
				allowed = append(slices.Clip(allowed), dc.doc.elsewhere...)
			}
			dc.errorf(p.key, JoinField(path, p.name), "%s", unknownField(p.name, allowed))
			continue
		}
		seen[p.name] = true
		sub := JoinField(path, p.name)
		if f.required && dc.isNull(p.val) {
			dc.errorf(p.val, sub, "required field %s has no value", strconv.Quote(p.name))
			continue
		}
		dc.value(p.val, sub, v.FieldByIndex(f.index))
	}
	for _, f := range info.fields {
		if f.required && !seen[f.name] {
			dc.errorf(n, JoinField(path, f.name), "missing required field %s", strconv.Quote(f.name))
		}
	}
}

// missingFields reports the required fields of a struct that was given no
// value at all (an absent or null node).
func (dc *decoder) missingFields(n *yaml.Node, path string, v reflect.Value) {
	t := v.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == yamlNodeType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return
	}
	info, err := dc.structInfo(t)
	if err != nil {
		dc.fatal = fmt.Errorf("resource: decode %s: %w", path, err)
		return
	}
	line, col := dc.doc.Pos(path)
	if n != nil {
		line, col = n.Line, n.Column
	}
	for _, f := range info.fields {
		if f.required {
			dc.errs = append(dc.errs, newError(dc.doc.File, line, col, JoinField(path, f.name), "missing required field %s", strconv.Quote(f.name)))
		}
	}
}

// structInfo describes how a struct type maps to YAML keys.
type structInfo struct {
	fields    []fieldInfo // declaration order, inline fields flattened
	byName    map[string]*fieldInfo
	names     []string // allowed keys, for error messages
	inlineMap []int    // index of the ,inline map field, if any
}

type fieldInfo struct {
	name     string
	index    []int
	required bool
}

func (dc *decoder) structInfo(t reflect.Type) (*structInfo, error) {
	if info, ok := dc.infos[t]; ok {
		if info == nil {
			return nil, fmt.Errorf("struct %s inlines itself", t)
		}
		return info, nil
	}
	dc.infos[t] = nil // marks t as in progress, to catch inline cycles
	info := &structInfo{byName: map[string]*fieldInfo{}}
	add := func(f fieldInfo) error {
		if _, dup := info.byName[f.name]; dup {
			return fmt.Errorf("struct %s has two fields named %q", t, f.name)
		}
		info.fields = append(info.fields, f)
		info.byName[f.name] = &info.fields[len(info.fields)-1]
		return nil
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() && !sf.Anonymous {
			continue
		}
		tag := sf.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		inline := slices.Contains(strings.Split(opts, ","), "inline")
		required := false
		if w, ok := sf.Tag.Lookup(TagName); ok {
			switch w {
			case "required":
				required = true
			case "":
			default:
				return nil, fmt.Errorf("struct %s field %s: unknown %s tag option %q", t, sf.Name, TagName, w)
			}
		}
		if inline {
			if required {
				return nil, fmt.Errorf("struct %s field %s: an inline field cannot be required", t, sf.Name)
			}
			switch sf.Type.Kind() {
			case reflect.Map:
				if info.inlineMap != nil {
					return nil, fmt.Errorf("struct %s has more than one inline map", t)
				}
				if sf.Type.Key().Kind() != reflect.String {
					return nil, fmt.Errorf("struct %s field %s: an inline map needs string keys", t, sf.Name)
				}
				info.inlineMap = []int{i}
			case reflect.Struct:
				sub, err := dc.structInfo(sf.Type)
				if err != nil {
					return nil, err
				}
				for _, f := range sub.fields {
					f.index = append([]int{i}, f.index...)
					if err := add(f); err != nil {
						return nil, err
					}
				}
				if sub.inlineMap != nil {
					if info.inlineMap != nil {
						return nil, fmt.Errorf("struct %s has more than one inline map", t)
					}
					info.inlineMap = append([]int{i}, sub.inlineMap...)
				}
			default:
				return nil, fmt.Errorf("struct %s field %s: inline needs a struct or a map, not %s", t, sf.Name, sf.Type)
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		if err := add(fieldInfo{name: name, index: []int{i}, required: required}); err != nil {
			return nil, err
		}
	}
	// byName pointed into a slice that may have grown; point it again.
	for i := range info.fields {
		info.byName[info.fields[i].name] = &info.fields[i]
		info.names = append(info.names, info.fields[i].name)
	}
	dc.infos[t] = info
	return info, nil
}

// unknownField builds the message for a key that names no field, with a
// suggestion when one allowed name is close enough to be the intended one.
func unknownField(name string, allowed []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown field %s", strconv.Quote(name))
	if s := suggest(name, allowed); s != "" {
		fmt.Fprintf(&b, " (did you mean %s?)", strconv.Quote(s))
	}
	if len(allowed) == 0 {
		b.WriteString("; no fields are allowed here")
	} else {
		fmt.Fprintf(&b, "; allowed fields: %s", strings.Join(allowed, ", "))
	}
	return b.String()
}

// suggest returns the candidate closest to name, if it is within a third of
// name's length in edit distance (or equal ignoring case).
func suggest(name string, candidates []string) string {
	if len(name) > maxQuoted {
		return "" // a typo is short; this also bounds the work
	}
	best, bestDist := "", math.MaxInt
	for _, c := range candidates {
		if strings.EqualFold(c, name) {
			return c
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, utf8.RuneCountInString(name)/3)
	if bestDist <= limit {
		return best
	}
	return ""
}

// editDistance is the optimal string alignment distance between a and b,
// in runes: Levenshtein distance where swapping two neighbours counts as one
// edit, the most common typo in a key ("mathc").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j].
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// expectedName says in words what a Go type accepts from YAML.
func expectedName(t reflect.Type) string {
	if t == durationType {
		return `a duration such as "250ms" or "2s"`
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

// describe says in words what a YAML node holds, quoting short scalars so
// the user can find them.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return describeKind(n)
	}
	switch tag := n.ShortTag(); tag {
	case tagNull:
		return "null"
	case tagStr:
		return "a string (" + quoteShort(n.Value) + ")"
	case tagInt:
		return "an integer (" + displayValue(n.Value) + ")"
	case tagFloat:
		return "a number (" + displayValue(n.Value) + ")"
	case tagBool:
		return "a boolean (" + displayValue(n.Value) + ")"
	case tagTimestamp:
		return "a timestamp (" + displayValue(n.Value) + ")"
	case tagBinary:
		return "binary data"
	case tagMerge:
		return "a merge key (<<)"
	default:
		return "a value tagged " + displayValue(tag) + " (" + quoteShort(n.Value) + ")"
	}
}

func describeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	return "an unknown node"
}

const maxQuoted = 40

func shortText(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return s
	}
	r := []rune(s)
	return string(r[:maxQuoted-3]) + "..."
}

func quoteShort(s string) string {
	return strconv.Quote(shortText(s))
}

// displayValue shows a number, boolean or tag as written, or quoted when it
// holds characters that would garble a one-line message (an explicit tag
// such as !!int can carry any text).
func displayValue(s string) string {
	s = shortText(s)
	if q := strconv.Quote(s); q[1:len(q)-1] != s || s == "" || strings.ContainsAny(s, " \t") {
		return q
	}
	return s
}

func intRange(t reflect.Type) (lo, hi int64) {
	bits := t.Bits()
	return -1 << (bits - 1), 1<<(bits-1) - 1
}

// yamlMessage drops the "yaml: " prefix that go.yaml.in/yaml/v3 puts on
// its errors, since ours already say where they come from.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = strings.TrimPrefix(m, "yaml: ")
		}
		return strings.Join(msgs, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// maxCount caps countNodes. It is above what a file within the size limit
// can hold, and it keeps a node tree built in code that contains itself
// from being counted forever.
const maxCount = 1 << 22

// countNodes counts the nodes written under n, aliases not followed.
func countNodes(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	c := 0
	stack := []*yaml.Node{n}
	for len(stack) > 0 && c < maxCount {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c++
		stack = append(stack, top.Content...)
	}
	return c
}

func dedupe(es Errors) Errors {
	if len(es) < 2 {
		return es
	}
	type key struct {
		file, path, msg string
		line, col       int
	}
	seen := make(map[key]bool, len(es))
	out := es[:0]
	for _, e := range es {
		k := key{e.File, e.Path, e.Msg, e.Line, e.Column}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
