package openapi

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/weft-gateway/weft/internal/gqlname"
)

// Options steer the mapping.
type Options struct {
	// Upstream is the name every @rest binding names (required).
	Upstream string
	// Kinds overrides whether an operation becomes a Query or a Mutation
	// field ("Query" or "Mutation", in any case). Keys are operationIds or
	// "METHOD /path" ("POST /pets/search"). GET operations are queries by
	// default, all others mutations.
	Kinds map[string]string
	// Prefix is put in front of every type name the document gives rise to,
	// so that several imports can share one VirtualService schema. Root
	// types and the custom scalars keep their names.
	Prefix string
	// MaxDepth bounds how deep the importer follows nested schemas, from
	// an operation down (default DefaultMaxDepth); a schema deeper than
	// that is typed JSON, with a warning.
	MaxDepth int
	// AuthSchemes, when not nil, are the named credentials the Upstream
	// has (spec.authSchemes), for an import at load: a binding names
	// only these. Nil means the Upstream UpstreamYAML writes, which has
	// credentials for every scheme Weft can send that an operation needs.
	// Either way, each binding names the credentials of the first of its
	// operation's security requirements (its own, else the document's)
	// that it can send, @rest(auth: [...]), or auth: [] for security: [];
	// an empty, non-nil AuthSchemes names none at all, so that the
	// Upstream's auth serves every call as before.
	AuthSchemes map[string]bool
}

// DefaultMaxDepth is the default of Options.MaxDepth: deeper than any
// schema of the large public APIs, and a bound on the work a document can
// ask for.
const DefaultMaxDepth = 64

// Result is an imported document.
type Result struct {
	// SDL is the GraphQL schema with @rest bindings. The same document and
	// options always give the same text.
	SDL string
	// Fragment is SDL for merging into a larger schema: its root fields
	// extend Query and Mutation, and it declares no custom scalar (Scalars
	// lists those it uses, for whoever merges to declare once).
	Fragment string
	// Scalars are the custom scalars the SDL uses (JSON, Int64, DateTime,
	// Date), sorted.
	Scalars []string
	// ErrorAnswers says the document declares JSON error answers (4xx, 5xx,
	// default): part of the API's contract, which the Upstream may choose
	// to show clients (exposeErrors).
	ErrorAnswers bool
	// Warnings list, in the order the import meets them, each part that could not be mapped
	// as it is and what was done instead.
	Warnings []Warning
	// BaseURL is the upstream's base URL, from the first server (3.x, with
	// the variables' defaults) or host, basePath and schemes (2.0); empty
	// when the document does not say.
	BaseURL string
	// Security lists the security schemes the document declares, by name.
	Security []Scheme
	// AuthSchemes are the schemes the bindings name (@rest(auth:)), which
	// the Upstream must have as named credentials, sorted; Unsendable
	// those some operation needs that Weft cannot send (each has a
	// warning), sorted.
	AuthSchemes, Unsendable []string
	// Operations counts the operations imported as fields; Skipped those
	// left out (each has a warning saying why).
	Operations, Skipped int
	// Title and Version are the document's info.title and info.version.
	Title, Version string
}

// Warning is one part of the document that could not be mapped as it is.
type Warning struct {
	// File, Line and Column locate the part (Line is 0 when the parser does
	// not know it).
	File         string
	Line, Column int
	// Pointer is the JSON pointer of the part within File, such as
	// "#/paths/~1pets/get".
	Pointer string
	// Operation is "METHOD /path" of the operation being imported, if any.
	Operation string
	Msg       string
}

func (w Warning) String() string {
	var b strings.Builder
	b.WriteString(w.File)
	if w.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", w.Line, w.Column)
	}
	b.WriteString(": ")
	if w.Pointer != "" {
		p := w.Pointer
		if strings.IndexFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			// A property name may hold any character; one line of text
			// may not.
			p = strconv.Quote(p)
		}
		b.WriteString(p)
		b.WriteString(": ")
	}
	if w.Operation != "" {
		b.WriteString("(" + w.Operation + ") ")
	}
	b.WriteString(w.Msg)
	return b.String()
}

// ErrNotOpenAPI is returned by Import when the document holds nothing an
// importer can work with.
var ErrNotOpenAPI = errors.New("not an OpenAPI document")

// NoOperationsError is Import's error for a document that yields no
// operation: it has none (webhooks only, say), or every one was skipped.
// A config without an operation serves nothing, so it is no import.
type NoOperationsError struct {
	// Source is the document.
	Source string
	// Reasons are the warnings that say why: each operation or path item
	// left out, or the document's lack of operations.
	Reasons []Warning
	// Warnings are all the import's warnings, Reasons among them.
	Warnings []Warning
}

// Summary is the error's first line, without the reasons: for a caller
// that prints the warnings itself.
func (e *NoOperationsError) Summary() string {
	return e.Source + ": nothing to import: no operation of the document can be called through a @rest binding"
}

// maxReasons bounds the reasons an error's text lists; the warnings list
// them all.
const maxReasons = 20

func (e *NoOperationsError) Error() string {
	var b strings.Builder
	b.WriteString(e.Summary())
	for i, w := range e.Reasons {
		if i == maxReasons {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Reasons)-maxReasons)
			break
		}
		b.WriteString("\n  " + w.String())
	}
	return b.String()
}

// loc is where a part of the document is: the node gives the line and
// column, file and pointer say where it lives.
type loc struct {
	file    string // absolute path or URL; "" means the root file
	pointer string
	node    *yaml.Node
}

// child is the location of a member of l. Without a node of its own, the
// member is found by its pointer when a warning needs its line.
func (l loc) child(token string, node *yaml.Node) loc {
	return loc{file: l.file, pointer: l.pointer + "/" + jsonPointerToken(token), node: node}
}

// Import maps doc to GraphQL SDL with @rest bindings. It fails when the
// document has no model to map, and with a *NoOperationsError when no
// operation can be imported; anything else that cannot be mapped is a
// warning, and the rest is imported.
func Import(doc *Document, opts Options) (res *Result, err error) {
	if doc == nil || (doc.v2 == nil && doc.v3 == nil) {
		return nil, ErrNotOpenAPI
	}
	if opts.Upstream == "" {
		return nil, errors.New("openapi: Options.Upstream is required")
	}
	if opts.Prefix != "" && !gqlname.Valid(opts.Prefix) {
		return nil, fmt.Errorf("openapi: prefix %q is not a GraphQL name", opts.Prefix)
	}
	// The model is built lazily by the parser as the importer walks it; a
	// panic there on a malformed document becomes an error, like one in
	// Load.
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%s: the OpenAPI parser failed: %v", doc.Source, r)
		}
	}()
	im := newImporter(doc, opts)
	for _, e := range doc.buildErrs {
		im.warn(loc{pointer: "#"}, "", "%v", e)
	}
	var ops []*operation
	if doc.v3 != nil {
		ops = im.v3Operations()
	} else {
		ops = im.v2Operations()
	}
	im.checkKinds(ops)
	for _, op := range ops {
		im.importOperation(op)
	}
	im.securityWarnings()
	if doc.v3 != nil && doc.v3.Webhooks != nil && doc.v3.Webhooks.Len() > 0 {
		what := fmt.Sprintf("%d webhooks are calls", doc.v3.Webhooks.Len())
		if doc.v3.Webhooks.Len() == 1 {
			what = "1 webhook is a call"
		}
		im.warn(loc{pointer: "#/webhooks"}, "", "%s the API makes, not operations a gateway can call: not imported", what)
		im.reasons = append(im.reasons, im.warnings[len(im.warnings)-1])
	}
	if len(ops) == 0 {
		im.warn(loc{pointer: "#/paths"}, "", "the document has no operations: nothing to expose")
		im.reasons = append(im.reasons, im.warnings[len(im.warnings)-1])
	}
	if im.res.Operations == 0 {
		return nil, &NoOperationsError{Source: doc.Source, Reasons: im.reasons, Warnings: im.warnings}
	}
	sdl := im.document()
	im.res.SDL = sdl.String()
	im.res.Fragment = sdl.Fragment()
	for name := range im.scalars {
		im.res.Scalars = append(im.res.Scalars, name)
	}
	sort.Strings(im.res.Scalars)
	im.res.Warnings = im.warnings
	return im.res, nil
}

type importer struct {
	doc  *Document
	opts Options
	res  *Result

	typeNames *gqlname.Set
	fields    map[string]*gqlname.Set // per root type
	types     map[typeKey]*gqlType
	mapped    map[typeKey]mapped // schemas already mapped, for recursion and warnings once
	scalars   map[string]bool
	query     []*rootField
	mutation  []*rootField
	warnings  []Warning
	// named are the security schemes bindings name, and unsent those
	// operations need that Weft cannot send.
	named  map[string]bool
	unsent map[string]*unsent
	// synthLoc locates the schemas made from Swagger 2.0 parameters, which
	// have no node of their own.
	synthLoc map[*base.Schema]loc
	maxDepth int
	// reasons are the warnings about parts left out whole, which say why
	// when nothing is imported.
	reasons []Warning
	warned  map[any]bool
}

func newImporter(doc *Document, opts Options) *importer {
	im := &importer{
		doc:       doc,
		opts:      opts,
		res:       &Result{},
		typeNames: gqlname.NewSet(reservedTypeNames()...),
		fields:    map[string]*gqlname.Set{"Query": gqlname.NewSet(), "Mutation": gqlname.NewSet()},
		types:     map[typeKey]*gqlType{},
		mapped:    map[typeKey]mapped{},
		scalars:   map[string]bool{},
		synthLoc:  map[*base.Schema]loc{},
		named:     map[string]bool{},
		unsent:    map[string]*unsent{},
		maxDepth:  opts.MaxDepth,
		warned:    map[any]bool{},
	}
	if im.maxDepth <= 0 {
		im.maxDepth = DefaultMaxDepth
	}
	im.res.BaseURL, im.res.Security = im.serverAndSecurity()
	if doc.v3 != nil && doc.v3.Info != nil {
		im.res.Title, im.res.Version = doc.v3.Info.Title, doc.v3.Info.Version
	}
	if doc.v2 != nil && doc.v2.Info != nil {
		im.res.Title, im.res.Version = doc.v2.Info.Title, doc.v2.Info.Version
	}
	return im
}

// warnOnce warns about a part once, though the importer meets it twice
// (a property of a schema used both as an output and as an input type).
func (im *importer) warnOnce(l loc, op string, format string, args ...any) {
	var k any = l.file + l.pointer
	if l.node != nil {
		k = l.node
	}
	if im.warned[k] {
		return
	}
	im.warned[k] = true
	im.warn(l, op, format, args...)
}

func (im *importer) warn(l loc, op string, format string, args ...any) {
	w := Warning{Pointer: l.pointer, Operation: op, Msg: fmt.Sprintf(format, args...)}
	file := l.file
	node := l.node
	if node != nil && file == "" && im.doc.rolodex != nil {
		if o := im.doc.rolodex.FindNodeOrigin(node); o != nil {
			file = o.AbsoluteLocation
		}
	}
	if node == nil {
		node = im.nodeAt(file, l.pointer)
	}
	if node != nil {
		w.Line, w.Column = node.Line, node.Column
	}
	w.File = im.doc.displayName(file)
	im.warnings = append(im.warnings, w)
}

// operation is an OpenAPI 2 or 3 operation in the shape the importer maps.
type operation struct {
	method, path string
	id           string
	summary      string
	description  string
	deprecated   bool
	params       []*param
	body         *requestBody
	responses    []*response
	loc          loc
	// skip, when set, says why the operation cannot be imported.
	skip string
	// security are the alternatives of credentials the operation needs,
	// each the schemes needed together; nil when it needs none.
	security [][]string
}

func (op *operation) label() string { return op.method + " " + op.path }

type param struct {
	name, in    string
	required    bool
	description string
	deprecated  bool
	schema      *base.SchemaProxy
	// commaJoined says the array serialization the document asks for is
	// the comma-joined form templates write ({args.x}); exploded says it
	// is one query parameter per item ({args.x*}).
	commaJoined, exploded bool
	// explode marks a list argument that the binding sends exploded.
	explode bool
	loc     loc
}

type requestBody struct {
	mediaType string
	required  bool
	schema    *base.SchemaProxy
	// unsupported lists media types the body may not be sent as.
	unsupported []string
	// unresolved says why the body's $ref cannot be followed.
	unresolved string
	// wildcard is the media range (*/*) the document gives a body that
	// is sent as JSON.
	wildcard    string
	description string
	loc         loc
}

type response struct {
	code      string
	mediaType string // "" when the response has no content
	schema    *base.SchemaProxy
	loc       loc
	// unresolved says why the response's $ref cannot be followed.
	unresolved string
}

// restMethods are the methods a @rest binding can send.
func restMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// checkKinds warns about Kinds entries that name no operation or no kind.
func (im *importer) checkKinds(ops []*operation) {
	known := map[string]bool{}
	for _, op := range ops {
		known[op.label()] = true
		if op.id != "" {
			known[op.id] = true
		}
	}
	keys := make([]string, 0, len(im.opts.Kinds))
	for k := range im.opts.Kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] && !known[normalizeLabel(k)] {
			im.warn(loc{pointer: "#/paths"}, "", "Kinds names %q, which is neither an operationId nor a \"METHOD /path\" of the document", k)
		}
		switch strings.ToLower(im.opts.Kinds[k]) {
		case "query", "mutation":
		default:
			im.warn(loc{pointer: "#/paths"}, "", "Kinds[%q] is %q; want Query or Mutation", k, im.opts.Kinds[k])
		}
	}
}

func normalizeLabel(k string) string {
	m, p, ok := strings.Cut(strings.TrimSpace(k), " ")
	if !ok {
		return k
	}
	return strings.ToUpper(m) + " " + strings.TrimSpace(p)
}

// kind says which root type op goes to.
func (im *importer) kind(op *operation) string {
	// An operationId entry wins over a "METHOD /path" one.
	var keys []string
	if op.id != "" {
		keys = append(keys, op.id)
	}
	for k := range im.opts.Kinds {
		if normalizeLabel(k) == op.label() {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys[min(1, len(keys)):])
	for _, k := range keys {
		switch strings.ToLower(im.opts.Kinds[k]) {
		case "query":
			return "Query"
		case "mutation":
			return "Mutation"
		}
	}
	if op.method == http.MethodGet {
		return "Query"
	}
	return "Mutation"
}

// nodeAt finds the node at a JSON pointer in a file of the document ("" is
// the root file), or the deepest node on the way when the pointer passes
// through a $ref.
func (im *importer) nodeAt(file, pointer string) *yaml.Node {
	r := im.doc.rolodex
	if r == nil {
		return nil
	}
	var root *yaml.Node
	if file == "" || file == im.doc.rootAbs || file == im.doc.rootIndexPath {
		if idx := r.GetRootIndex(); idx != nil {
			root = idx.GetRootNode()
		}
		if root == nil {
			root = r.GetRootNode()
		}
	} else {
		for _, idx := range r.GetIndexes() {
			if idx != nil && idx.GetSpecAbsolutePath() == file {
				root = idx.GetRootNode()
				break
			}
		}
	}
	if root == nil {
		return nil
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	p := strings.TrimPrefix(pointer, "#")
	if p == "" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		tok = unescapePointerToken(tok)
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					next = n.Content[i+1]
					if next.Kind == yaml.ScalarNode {
						next = n.Content[i]
					}
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}
