package protoschema

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/weft-gateway/weft/internal/gqlname"
)

// Options steer the mapping.
type Options struct {
	// Upstream is the name every @grpc binding names (required).
	Upstream string
	// Services, when set, are the only services imported, by full name
	// ("inventory.v1.Inventory"); empty means all of them.
	Services []string
	// Kinds overrides the root type of a method's field: "Query",
	// "Mutation" or "Subscription" (in any case), keyed by the method's
	// full name ("inventory.v1.Inventory/GetStock"; the form with a dot,
	// "inventory.v1.Inventory.GetStock", is read too). A unary method
	// cannot be a Subscription, nor a server-streaming one anything else.
	Kinds map[string]string
	// Prefix is put in front of every type name the descriptors give rise
	// to, so that several imports can share one VirtualService schema.
	// Root types and the custom scalars keep their names.
	Prefix string
}

// Streaming is how a method streams.
type Streaming string

// The four kinds of gRPC methods.
const (
	Unary           Streaming = "unary"
	ServerStreaming Streaming = "server"
	ClientStreaming Streaming = "client"
	BidiStreaming   Streaming = "bidi"
)

// Method is what the runtime needs to know about one method.
type Method struct {
	// Name is the method's full name as @grpc(method:) writes it:
	// "inventory.v1.Inventory/GetStock". The gRPC path is "/" + Name.
	Name      string
	Streaming Streaming
	// Root is Query, Mutation or Subscription, and Field the root field
	// the method became; both are empty when it was skipped.
	Root, Field string
	// Request and Response are the full names of the messages.
	Request, Response string
	// Skipped says why the method has no field.
	Skipped string
}

// Result is an imported set of services.
type Result struct {
	// SDL is the GraphQL schema with @grpc bindings. The same descriptors
	// and options always give the same text, whatever their source.
	SDL string
	// Fragment is SDL for merging into a larger schema: its root fields
	// extend Query, Mutation and Subscription, and it declares no custom
	// scalar (Scalars lists those it uses, for whoever merges to declare
	// once, with ScalarDef).
	Fragment string
	// Scalars are the custom scalars the SDL uses, sorted.
	Scalars []string
	// Warnings list, in the order the import meets them, each part that
	// could not be mapped as it is and what was done instead.
	Warnings []Warning
	// Methods are every method of the services imported, skipped ones
	// included, by full name ("inventory.v1.Inventory/GetStock").
	Methods map[string]Method
	// Services are the full names of the services imported, sorted.
	Services []string
	// Fields counts the methods imported as fields; Skipped those left out.
	Fields, Skipped int
	// Origin is where the descriptors came from.
	Origin Origin
	// Oneofs are the @oneOf input fields that stand for a message's
	// oneofs, by the message's full name: GraphQL field name to oneof
	// name. protojson writes a oneof's members as fields of the message;
	// the runtime lifts them out of these fields before sending.
	Oneofs map[string]map[string]string
}

// Warning is one part of the descriptors that could not be mapped as it is.
type Warning struct {
	// File, Line and Column locate the part; Line is 0 when the
	// descriptors carry no source positions (reflection, most descriptor
	// sets).
	File         string
	Line, Column int
	// Element is the full name of the part: a service, method, message,
	// field, enum or enum value.
	Element string
	// Method is the method being imported, if any.
	Method string
	Msg    string
}

func (w Warning) String() string {
	var b strings.Builder
	if w.File != "" {
		b.WriteString(w.File)
		if w.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", w.Line, w.Column)
		}
		b.WriteString(": ")
	}
	if w.Element != "" {
		b.WriteString(w.Element + ": ")
	}
	if w.Method != "" && w.Method != w.Element {
		b.WriteString("(" + w.Method + ") ")
	}
	b.WriteString(w.Msg)
	return b.String()
}

// Import maps the services of files to GraphQL SDL with @grpc bindings.
// Whatever cannot be mapped is a warning, and the rest is imported. It
// fails on bad options, and with a *NothingError when no method is left
// to import.
func Import(files *Files, opts Options) (*Result, error) {
	if files == nil || files.Registry == nil {
		return nil, errors.New("protoschema: no descriptors")
	}
	if opts.Upstream == "" {
		return nil, errors.New("protoschema: Options.Upstream is required")
	}
	if opts.Prefix != "" && !gqlname.Valid(opts.Prefix) {
		return nil, fmt.Errorf("protoschema: prefix %q is not a GraphQL name", opts.Prefix)
	}
	im := &importer{
		files:     files,
		opts:      opts,
		res:       &Result{Methods: map[string]Method{}, Origin: files.Origin, Oneofs: map[string]map[string]string{}},
		oneofSeen: map[protoreflect.FullName]bool{},
		outMsgs:   map[protoreflect.FullName]protoreflect.MessageDescriptor{},
		inMsgs:    map[protoreflect.FullName]protoreflect.MessageDescriptor{},
		enums:     map[protoreflect.FullName]protoreflect.EnumDescriptor{},
		names:     map[nameKey]string{},
		scalars:   map[string]bool{},
		enumStr:   map[protoreflect.FullName]bool{},
		warned:    map[string]bool{},
	}
	im.warnings = append(im.warnings, files.Warnings...)
	services := im.selectServices()
	im.collectMethods(services)
	im.checkKinds()
	for _, m := range im.methods {
		if m.skip == "" {
			im.walkMethod(m)
		}
	}
	im.nameRootFields()
	im.nameTypes()
	im.buildRootFields()
	im.buildTypes()
	for _, m := range im.methods {
		im.res.Methods[m.name] = Method{Name: m.name, Streaming: m.streaming, Root: m.root, Field: m.field,
			Request: string(m.desc.Input().FullName()), Response: string(m.desc.Output().FullName()), Skipped: m.skip}
		if m.skip == "" {
			im.res.Fields++
		} else {
			im.res.Skipped++
		}
	}
	for _, s := range services {
		im.res.Services = append(im.res.Services, string(s.FullName()))
	}
	sdl := im.document()
	im.res.SDL = sdl.String()
	im.res.Fragment = sdl.Fragment()
	for name := range im.scalars {
		im.res.Scalars = append(im.res.Scalars, name)
	}
	sort.Strings(im.res.Scalars)
	im.res.Warnings = im.warnings
	if im.res.Fields == 0 {
		return nil, &NothingError{Result: im.res, Reasons: im.nothingReasons(services)}
	}
	return im.res, nil
}

// NothingError is the error of an import that gives no method: no
// service, services without methods, or every method skipped. A config
// made of it would serve nothing, so there is nothing to write.
type NothingError struct {
	// Result is what the import found, its warnings included.
	Result *Result
	// Reasons say why nothing was imported.
	Reasons []string
}

func (e *NothingError) Error() string {
	return "nothing to import: " + strings.Join(e.Reasons, "; ")
}

// maxReasons is how many skipped methods a NothingError names; the
// warnings name them all.
const maxReasons = 5

// nothingReasons says why an import gave no method.
func (im *importer) nothingReasons(services []protoreflect.ServiceDescriptor) []string {
	switch {
	case len(services) == 0 && len(im.opts.Services) > 0:
		return []string{"no service of the descriptors is one of the services asked for (" + strings.Join(im.opts.Services, ", ") + ")"}
	case len(services) == 0 && im.files.Origin.Kind == OriginReflection:
		return []string{"the server lists no service to import (its reflection and health services are left out unless asked for)"}
	case len(services) == 0:
		what := "the files compiled declare"
		if im.files.Origin.Kind == OriginDescriptorSet {
			what = "the descriptor set's files declare"
		}
		return []string{what + " no service"}
	case len(im.methods) == 0:
		names := make([]string, len(services))
		for i, sd := range services {
			names[i] = string(sd.FullName())
		}
		return []string{"the services " + strings.Join(names, ", ") + " declare no method"}
	}
	var skipped []string
	for _, m := range im.methods {
		if m.skip != "" {
			skipped = append(skipped, m.name+": "+m.skip)
		}
	}
	if len(skipped) > maxReasons {
		skipped = append(skipped[:maxReasons], fmt.Sprintf("and %d more", len(skipped)-maxReasons))
	}
	return []string{"every method was skipped (" + strings.Join(skipped, "; ") + ")"}
}

// nameKey names a GraphQL type made from a message (as output or input)
// or an enum.
type nameKey struct {
	full protoreflect.FullName
	kind typeKind
}

type typeKind int

const (
	kindOutput typeKind = iota
	kindInput
	kindEnum
	kindOneof
)

type method struct {
	desc      protoreflect.MethodDescriptor
	name      string // "pkg.Service/Method"
	streaming Streaming
	root      string
	field     string
	skip      string
	// built for the SDL
	args    []*gqlField
	typ     string
	binding string
}

type importer struct {
	files *Files
	opts  Options
	res   *Result

	methods []*method
	// The messages reached as output and as input, and the enums, in the
	// order the walk met them.
	outMsgs map[protoreflect.FullName]protoreflect.MessageDescriptor
	inMsgs  map[protoreflect.FullName]protoreflect.MessageDescriptor
	enums   map[protoreflect.FullName]protoreflect.EnumDescriptor
	// The same in walk order, so that warnings come in an order that does
	// not depend on map iteration.
	outOrder, inOrder []protoreflect.MessageDescriptor
	// oneofOrder are the oneofs of input messages, each an @oneOf input.
	oneofOrder []protoreflect.OneofDescriptor
	oneofSeen  map[protoreflect.FullName]bool
	enumOrder  []protoreflect.EnumDescriptor
	names      map[nameKey]string
	// enumStr marks enums typed String, whose value names GraphQL cannot
	// hold.
	enumStr  map[protoreflect.FullName]bool
	scalars  map[string]bool
	types    []*gqlType
	roots    map[string][]*method
	warnings []Warning
	warned   map[string]bool
}

// warn records a warning about descriptor d (nil for the whole import),
// once per element and message.
func (im *importer) warn(d protoreflect.Descriptor, method string, format string, args ...any) {
	w := Warning{Method: method, Msg: fmt.Sprintf(format, args...)}
	if d != nil {
		w.Element = string(d.FullName())
		switch d := d.(type) {
		case protoreflect.MethodDescriptor:
			w.Element = methodName(d)
		case protoreflect.EnumValueDescriptor:
			// Enum values are scoped beside their enum; naming the enum
			// finds them.
			w.Element = string(d.Parent().FullName()) + "." + string(d.Name())
		}
		w.File, w.Line, w.Column = im.position(d)
	}
	key := w.Element + "\x00" + w.Msg
	if im.warned[key] {
		return
	}
	im.warned[key] = true
	im.warnings = append(im.warnings, w)
}

// position is where d is declared: its file and, when the descriptors
// carry source info, its line and column.
func (im *importer) position(d protoreflect.Descriptor) (string, int, int) {
	fd := d.ParentFile()
	if fd == nil {
		return "", 0, 0
	}
	file := im.files.Path(fd.Path())
	locs := fd.SourceLocations()
	if locs.Len() == 0 {
		return file, 0, 0
	}
	loc := locs.ByDescriptor(d)
	if loc.Path == nil {
		return file, 0, 0
	}
	return file, loc.StartLine + 1, loc.StartColumn + 1
}

func methodName(md protoreflect.MethodDescriptor) string {
	return string(md.Parent().FullName()) + "/" + string(md.Name())
}

// selectServices finds the services to import, sorted by full name, so
// that the same services give the same SDL whatever their source.
func (im *importer) selectServices() []protoreflect.ServiceDescriptor {
	want := im.files.Services
	if len(im.opts.Services) > 0 {
		want = nil
		for _, s := range im.opts.Services {
			want = append(want, protoreflect.FullName(s))
		}
	}
	seen := map[protoreflect.FullName]bool{}
	var out []protoreflect.ServiceDescriptor
	for _, name := range want {
		if seen[name] {
			continue
		}
		seen[name] = true
		d, err := im.files.Registry.FindDescriptorByName(name)
		sd, ok := d.(protoreflect.ServiceDescriptor)
		if err != nil || !ok {
			im.warnings = append(im.warnings, Warning{Element: string(name), Msg: "Services names this, which is not a service of the descriptors"})
			continue
		}
		out = append(out, sd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName() < out[j].FullName() })
	return out
}

func (im *importer) collectMethods(services []protoreflect.ServiceDescriptor) {
	for _, sd := range services {
		for i := 0; i < sd.Methods().Len(); i++ {
			md := sd.Methods().Get(i)
			m := &method{desc: md, name: methodName(md)}
			switch {
			case md.IsStreamingClient() && md.IsStreamingServer():
				m.streaming = BidiStreaming
				m.skip = "a bidirectional streaming method has no GraphQL form"
			case md.IsStreamingClient():
				m.streaming = ClientStreaming
				m.skip = "a client-streaming method has no GraphQL form"
			case md.IsStreamingServer():
				m.streaming = ServerStreaming
			default:
				m.streaming = Unary
			}
			if m.skip != "" {
				im.warn(md, m.name, "%s: not imported", m.skip)
			} else {
				m.root = im.kind(m)
			}
			im.methods = append(im.methods, m)
		}
	}
}

// kindOverride is the Kinds entry for a method, if any.
func (im *importer) kindOverride(m *method) (string, string, bool) {
	for _, key := range []string{m.name, strings.Replace(m.name, "/", ".", 1), "/" + m.name} {
		if v, ok := im.opts.Kinds[key]; ok {
			return key, v, true
		}
	}
	return "", "", false
}

func rootKind(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "query":
		return "Query"
	case "mutation":
		return "Mutation"
	case "subscription":
		return "Subscription"
	}
	return ""
}

// queryWords are the first words of method names that read without side
// effects: such methods are queries unless the method says otherwise.
var queryWords = map[string]bool{
	"get": true, "list": true, "search": true, "find": true, "count": true, "lookup": true,
	"describe": true, "fetch": true, "read": true, "query": true, "check": true, "exists": true,
}

// kind is the root type of a method's field.
func (im *importer) kind(m *method) string {
	key, v, ok := im.kindOverride(m)
	want := rootKind(v)
	if m.streaming == ServerStreaming {
		if ok && want != "" && want != "Subscription" {
			im.warn(m.desc, m.name, "Kinds[%q] is %s, but a server-streaming method can only be a Subscription field", key, want)
		}
		return "Subscription"
	}
	if ok && want == "Subscription" {
		im.warn(m.desc, m.name, "Kinds[%q] is Subscription, but a unary method answers once: kept as a %s field", key, im.defaultKind(m))
	} else if want != "" {
		return want
	}
	return im.defaultKind(m)
}

func (im *importer) defaultKind(m *method) string {
	if opts, ok := m.desc.Options().(*descriptorpb.MethodOptions); ok && opts != nil && opts.IdempotencyLevel != nil {
		switch opts.GetIdempotencyLevel() {
		case descriptorpb.MethodOptions_NO_SIDE_EFFECTS:
			return "Query"
		case descriptorpb.MethodOptions_IDEMPOTENT:
			return "Mutation"
		}
	}
	ws := gqlname.Words(string(m.desc.Name()))
	if len(ws) > 0 {
		first := strings.ToLower(ws[0])
		if queryWords[first] || first == "batch" && len(ws) > 1 && strings.ToLower(ws[1]) == "get" {
			return "Query"
		}
	}
	return "Mutation"
}

// checkKinds warns about Kinds entries that name no method or no kind.
func (im *importer) checkKinds() {
	known := map[string]bool{}
	for _, m := range im.methods {
		known[m.name] = true
		known[strings.Replace(m.name, "/", ".", 1)] = true
		known["/"+m.name] = true
	}
	keys := make([]string, 0, len(im.opts.Kinds))
	for k := range im.opts.Kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			im.warnings = append(im.warnings, Warning{Element: k, Msg: "Kinds names this, which is not a method of the services imported"})
		}
		if rootKind(im.opts.Kinds[k]) == "" {
			im.warnings = append(im.warnings, Warning{Element: k, Msg: fmt.Sprintf("Kinds says %q; want Query, Mutation or Subscription", im.opts.Kinds[k])})
		}
	}
}

// nameRootFields names each method's field after the method; when several
// methods of one root type want the same name, each gets its service's
// name in front, then its package's too.
func (im *importer) nameRootFields() {
	im.roots = map[string][]*method{}
	byRoot := map[string][]*gqlname.Request{}
	reqOf := map[*gqlname.Request]*method{}
	for _, m := range im.methods {
		if m.skip != "" {
			continue
		}
		sd := m.desc.Parent().(protoreflect.ServiceDescriptor)
		mw := gqlname.Words(string(m.desc.Name()))
		sw := gqlname.Words(string(sd.Name()))
		pw := gqlname.Words(string(sd.ParentFile().Package()))
		r := &gqlname.Request{Key: m.name, Cands: []string{
			gqlname.LowerCamel(mw...),
			gqlname.LowerCamel(append(sw, mw...)...),
			gqlname.LowerCamel(append(append(pw, sw...), mw...)...),
		}}
		reqOf[r] = m
		byRoot[m.root] = append(byRoot[m.root], r)
		im.roots[m.root] = append(im.roots[m.root], m)
	}
	for _, reqs := range byRoot {
		gqlname.Assign(reqs, gqlname.NewSet())
		for _, r := range reqs {
			reqOf[r].field = r.Name
		}
	}
}
